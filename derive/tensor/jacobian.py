"""Derivatives of vectors: the Jacobian `\\frac{\\partial a}{\\partial z}` of a vector by a vector
(a matrix), the three-index `\\frac{\\partial z}{\\partial W}` of a vector by a matrix, and the
chain rule written with them (`\\frac{\\partial C}{\\partial a} \\frac{\\partial a}{\\partial z}`),
read by its entries: the product of a gradient with respect to `y` and a derivative of `y` sums
over the entries of `y` (`\\sum_p \\frac{\\partial C}{\\partial y_p} \\frac{\\partial y_p}{\\partial
x_{jk}}`), whichever layout the text writes it in.

`fit` decides, for the sides of one equation, the reading of each side that is a derivative of a
vector standing alone: numerator layout (entry (i, j) is `\\partial y_i / \\partial x_j`) unless
only the denominator layout fits the other side's shape; a scalar `1` beside a square Jacobian is
the identity; a vector beside a three-index derivative `\\partial z / \\partial W` (the standard
abuse of notation `\\partial z / \\partial W = a`) is read as `\\partial z_i / \\partial W_{jk} =
\\delta_{ij} a_k`. Each reading taken is said in words (`Reading.notes`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.expr import Partial, to_latex
from derive.tensor.nodes import Diag, Leaf
from derive.tensor.shapes import ONE, Shape, ShapeError, Tensor, _dim, same


def _length(s: Shape) -> sympy.Expr | None:
    """The number of entries of a vector (a column or a row), None for anything else."""
    if s.scalar:
        return None
    if same(s.cols, ONE):
        return s.rows
    if same(s.rows, ONE):
        return s.cols
    return None


def entry_of(t: Tensor, p: sympy.Basic, fresh) -> sympy.Basic:  # type: ignore[no-untyped-def]
    """Entry p of a vector, a column or a row."""
    s = t.shape()
    return t.lower(p, ONE, fresh) if same(s.cols, ONE) else t.lower(ONE, p, fresh)


def _matrix(x: Leaf) -> bool:
    return len(x.dims) == 2


def _shape_of(t: Tensor) -> Shape | None:
    try:
        return t.shape()
    except ShapeError:
        return None


@dataclass(frozen=True)
class Jacobian(Tensor):
    """`\\frac{\\partial y}{\\partial x}` for a vector y: for a vector x the matrix of
    `\\partial y_i / \\partial x_j` (numerator layout; its transpose in denominator layout);
    for a matrix x an object with three indices, which has no shape of its own: it is read in a
    chain (`Chain`) or beside a vector (`fit`)."""

    y: Tensor  # a vector quantity, or a vector expression (\\partial (W a + b) / \\partial a)
    x: Leaf
    tex: str
    denominator: bool = False

    def three(self) -> bool:
        return isinstance(self.x, Leaf) and _matrix(self.x) and not self.by_matrix()

    def by_matrix(self) -> bool:
        """A number (`a^T X b`, 1 x 1) by a matrix: two indices, the matrix's in denominator
        layout (entry (i, j) is `\\partial y / \\partial X_{ij}`), its transpose's in numerator."""
        if not (isinstance(self.x, Leaf) and _matrix(self.x)):
            return False
        sy = _shape_of(self.y)
        return sy is not None and same(sy.rows, ONE) and same(sy.cols, ONE)

    def _check(self) -> None:
        if not isinstance(self.x, Leaf):  # an edit's variant
            raise ShapeError(f"${self.tex}$: a derivative with respect to a quantity only", self)
        if _length(self.y.shape()) is None:
            raise ShapeError(f"${self.tex}$: a derivative of a vector only", self)

    def ny(self) -> sympy.Expr:
        self._check()
        n = _length(self.y.shape())
        assert n is not None
        return n

    def shape(self) -> Shape:
        self._check()
        if self.three():
            raise ShapeError(f"${self.tex}$ has three indices (a vector by a matrix): it is read "
                             "in a chain rule, or beside the vector it is written equal to", self)
        if self.by_matrix():
            rows, cols = self.x.dims
            return Shape(rows, cols) if self.denominator else Shape(cols, rows)
        nx = _length(self.x.shape())
        assert nx is not None
        return Shape(nx, self.ny()) if self.denominator else Shape(self.ny(), nx)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        if self.by_matrix():
            i, j = (i, j) if self.denominator else (j, i)
            return Partial(self.y.lower(ONE, ONE, fresh), self.x.lower(i, j, fresh))
        if self.denominator:
            i, j = j, i
        return Partial(entry_of(self.y, i, fresh), entry_of(self.x, j, fresh))

    def layout(self, denominator: bool) -> Jacobian:
        return replace(self, denominator=denominator)

    def children(self) -> tuple[Tensor, ...]:
        return (self.y, self.x)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, y=kids[0], x=kids[1])


@dataclass(frozen=True)
class Chain(Tensor):
    """`g \\frac{\\partial y}{\\partial x}` (or the factors the other way round) where g has one
    entry per entry of y (a gradient with respect to y, in either orientation): the chain rule
    by entries, `\\sum_p g_p \\partial y_p / \\partial x_{..}`. It has the shape of x, as a
    gradient with respect to x has."""

    g: Tensor
    jac: Jacobian
    tex: str
    written: str = ""  # how the text wrote the product, when not side by side: "prod"

    def shape(self) -> Shape:
        self.jac._check()
        sg = self.g.shape()
        n = _length(sg)
        if n is None or not same(n, self.jac.ny()):
            raise ShapeError(
                f"shape mismatch: ${self.g.tex}$ $({sg.latex()})$ times ${self.jac.tex}$: the "
                f"chain rule needs a vector of ${_dim(self.jac.ny())}$ entries, one for each of "
                f"${self.jac.y.tex}$", self)
        s = self.jac.x.shape()
        return Shape(s.rows, s.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        n = self.jac.ny()
        p = fresh()
        at = self.jac.x.lower(i, j, fresh)
        return sympy.Sum(entry_of(self.g, p, fresh) * Partial(entry_of(self.jac.y, p, fresh), at),
                         (p, 1, n))

    def children(self) -> tuple[Tensor, ...]:
        return (self.g, self.jac.y, self.jac.x)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, g=kids[0], jac=replace(self.jac, y=kids[1], x=kids[2]))


def chains(g: Tensor, jac: Jacobian, fit: bool = False) -> bool:
    """Whether a product of g and a derivative of a vector is the chain rule: g is a vector
    (with one entry for each entry of the vector differentiated, if `fit`; else a chain whose
    lengths differ is its own shape finding)."""
    try:
        n = _length(g.shape())
        return n is not None and (not fit or same(n, jac.ny()))
    except ShapeError:
        return False


@dataclass(frozen=True)
class Identity(Tensor):
    """The identity matrix a scalar `1` stands for beside a square Jacobian: c times it."""

    c: sympy.Expr
    n: sympy.Expr
    tex: str

    def shape(self) -> Shape:
        return Shape(self.n, self.n)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.c * sympy.KroneckerDelta(i, j)


@dataclass(frozen=True)
class Reading:
    sides: list  # type: ignore[type-arg]
    notes: tuple[str, ...]
    three: Jacobian | None = None  # the left side, a three-index derivative read beside vectors


def fit(sides: list) -> Reading:  # type: ignore[type-arg]
    """The reading of an equation's sides that are derivatives of vectors standing alone."""
    chained = tuple(_chain_note(c) for s in sides if isinstance(s, Tensor)
                    for c in _outer_chains(s))
    sides, flipped = _products_in_layout(sides)
    chained += flipped
    jacs = [k for k, s in enumerate(sides) if isinstance(s, Jacobian)]
    if not jacs:
        return Reading(sides, chained)
    try:
        return _fit_alone(sides, jacs, chained)
    except ShapeError:  # lowering the sides as they are gives the shape finding
        return Reading(sides, chained)


def _fit_alone(sides: list, jacs: list[int], chained: tuple[str, ...]) -> Reading:  # type: ignore[type-arg]
    first = sides[jacs[0]]
    if first.three():
        return _fit_three(sides, jacs, chained)
    if first.by_matrix():
        return _fit_by_matrix(sides, jacs, chained)
    others = [s for k, s in enumerate(sides) if k not in jacs and isinstance(s, Tensor)]
    notes: list[str] = []
    out = list(sides)
    shape = _shape(others[0]) if others else None
    num = first.shape()
    if shape is not None and not _fits(num, shape) and _fits(first.layout(True).shape(), shape):
        for k in jacs:
            out[k] = sides[k].layout(True)
        notes.append(f"${first.tex}$ read in denominator layout (row i, column j: "
                     f"$\\partial {first.y.tex}_j / \\partial {first.x.tex}_i$): only that "
                     "layout fits the shape of the other side")
    elif (shape is not None and not _fits(num, shape) and same(num.rows, num.cols)
          and _length(shape) is not None and same(_length(shape), num.rows)):
        for k, s in enumerate(sides):
            if s is others[0]:
                out[k] = Diag(s, s.tex)
        notes.append(f"${first.tex}$ written equal to a vector $v$: read as the diagonal "
                     f"matrix $\\mathrm{{diag}}(v)$, $\\partial {first.y.tex}_i / \\partial "
                     f"{first.x.tex}_j = \\delta_{{ij}} v_i$ (the notation of an element-wise "
                     "function's derivative)")
    else:
        notes.append(f"${first.tex}$ read as the Jacobian (numerator layout: row i, column j "
                     f"is $\\partial {first.y.tex}_i / \\partial {first.x.tex}_j$)")
    for k, s in enumerate(sides):
        if k not in jacs and not isinstance(s, Tensor) and same(num.rows, num.cols):
            out[k] = Identity(s, num.rows, to_latex(s))
            notes.append(f"the scalar beside the square Jacobian ${first.tex}$ read as that "
                         "multiple of the identity matrix")
    return Reading(out, chained + tuple(notes))


def _fit_by_matrix(sides: list, jacs: list[int], chained: tuple[str, ...]) -> Reading:  # type: ignore[type-arg]
    """A number by a matrix: in the shape of the matrix (denominator layout), as a gradient
    `\\frac{\\partial C}{\\partial W}` is read, unless only its transpose fits the other side."""
    first = sides[jacs[0]]
    others = [s for k, s in enumerate(sides) if k not in jacs and isinstance(s, Tensor)]
    shape = _shape(others[0]) if others else None
    den = shape is None or _fits(first.layout(True).shape(), shape) or not _fits(
        first.layout(False).shape(), shape)
    out = [s.layout(den) if k in jacs else s for k, s in enumerate(sides)]
    note = (f"${first.tex}$ read in the shape of ${first.x.tex}$ (denominator layout: row i, "
            f"column j is $\\partial {first.y.tex} / \\partial {first.x.tex}_{{ij}}$)" if den
            else f"${first.tex}$ read in numerator layout (row i, column j: $\\partial "
            f"{first.y.tex} / \\partial {first.x.tex}_{{ji}}$): only that layout fits the "
            "shape of the other side")
    return Reading(out, chained + (note,))


def _products_in_layout(sides: list) -> tuple[list, tuple[str, ...]]:  # type: ignore[type-arg]
    """A side that multiplies Jacobians as matrices, whose product fits only in denominator
    layout (`\\frac{\\partial a}{\\partial z} \\frac{\\partial z}{\\partial x} \\delta`, a
    chain written from the variable up), read in that layout."""
    out, notes = list(sides), []
    for k, s in enumerate(sides):
        if isinstance(s, Jacobian) or not isinstance(s, Tensor) or _shape(s) is not None:
            continue
        if not any(isinstance(t, Jacobian) for t in _tree(s)):
            continue
        flipped = _flip(s)
        if _shape(flipped) is not None:
            out[k] = flipped
            notes.append(f"the derivatives of vectors in ${s.tex}$ read in denominator layout "
                         "(row i, column j of $\\partial y / \\partial x$ is $\\partial y_j / "
                         "\\partial x_i$): only in that layout do the products fit")
    return out, tuple(notes)


def _tree(t: Tensor) -> list[Tensor]:
    return [t, *(x for c in t.children() for x in _tree(c))]


def _flip(t: Tensor) -> Tensor:
    if isinstance(t, Jacobian):
        return t if t.three() else t.layout(True)
    kids = t.children()
    return t.rebuild(tuple(_flip(c) for c in kids)) if kids else t


def _outer_chains(t: Tensor) -> list[Chain]:
    if isinstance(t, Chain):
        return [t]
    return [c for k in t.children() for c in _outer_chains(k)]


def _chain_note(c: Chain) -> str:
    y, x = c.jac.y.tex, c.jac.x.tex
    at = "_{jk}" if c.jac.three() else "_j"
    inner = "" if not isinstance(c.g, Chain) else ", and so on for each factor before it"
    if c.written == "prod":
        return (f"${c.tex}$ read as the product of its arguments after the transposes and "
                "swaps that make their shapes fit (the text's own definition of prod), that "
                "is the chain rule by its entries, in the shape of the left side: entry "
                f"${at[1:]}$ is $\\sum_p g_p \\, \\partial {y}_p / \\partial {x}{at}$ for the "
                f"gradient $g = {c.g.tex}$")
    return (f"${c.tex}$ read by its entries as the chain rule, whichever layout the product "
            f"is written in: entry ${at[1:]}$ is $\\sum_p g_p \\, \\partial {y}_p / "
            f"\\partial {x}{at}$ for the factor $g$ before ${c.jac.tex}${inner}")


def _fit_three(sides: list, jacs: list[int], chained: tuple[str, ...]) -> Reading:  # type: ignore[type-arg]
    first = sides[jacs[0]]
    rows = same(first.ny(), first.x.dims[0])
    note = (f"${first.tex}$ has three indices; written equal to a vector $v$, it is read by the "
            "standard abuse of notation as "
            f"$\\partial {first.y.tex}_i / \\partial {first.x.tex}_{{jk}} = "
            f"\\delta_{{i{'j' if rows else 'k'}}} v_{'k' if rows else 'j'}$ (the derivative of "
            f"each entry with respect to its own {'row' if rows else 'column'} of the matrix)")
    if jacs[0] != 0:
        return Reading(sides, chained)
    return Reading(sides, (*chained, note), three=first)


def _ny(t: Jacobian) -> sympy.Expr | None:
    try:
        return t.ny()
    except ShapeError:
        return None


def _shape(t: Tensor) -> Shape | None:
    try:
        return t.shape()
    except ShapeError:
        return None


def _fits(a: Shape, b: Shape) -> bool:
    return same(a.rows, b.rows) and same(a.cols, b.cols)


def lower_three(jac: Jacobian, sides: list, names: tuple, fresh  # type: ignore[no-untyped-def]
                ) -> tuple[list, tuple[str | None, ...]]:
    """A three-index derivative `\\partial y / \\partial x` (x a matrix) on the left, vectors on
    the right: entry (i, j, k) of the left side, `\\delta` on the index of x that runs with y
    times the vector's entry at the other. Each side's component, or why it has none."""
    i, j, k = names
    rows, cols = jac.x.dims
    with_rows = same(jac.ny(), rows)  # y_i depends on row i of x (z = W a + b)
    if not with_rows and not same(jac.ny(), cols):
        why = (f"${jac.tex}$: ${jac.y.tex}$ has ${_dim(jac.ny())}$ entries, which is neither "
               f"the number of rows nor of columns of ${jac.x.tex}$")
        return [None] * len(sides), tuple(why for _ in sides)
    own, other, n_other = (j, k, cols) if with_rows else (k, j, rows)
    out: list = [Partial(entry_of(jac.y, i, fresh), jac.x.lower(j, k, fresh))]
    errors: list[str | None] = [None]
    for s in sides[1:]:
        if not isinstance(s, Tensor):
            out.append(None)
            errors.append(f"shape mismatch: ${jac.tex}$ has three indices, this side is a "
                          "scalar")
            continue
        if isinstance(s, Jacobian) and s.three():  # = \\frac{\\partial}{\\partial W} (W a + b)
            n = _ny(s)
            if n is not None and same(n, jac.ny()) and all(
                    same(p, q) for p, q in zip(s.x.dims, jac.x.dims)):
                out.append(Partial(entry_of(s.y, i, fresh), s.x.lower(j, k, fresh)))
                errors.append(None)
            else:
                out.append(None)
                errors.append(f"shape mismatch: ${jac.tex}$ and ${s.tex}$ have three indices "
                              "of different ranges")
            continue
        sh = _shape(s)
        n = _length(sh) if sh is not None else None
        if n is None or not same(n, n_other):
            out.append(None)
            errors.append(f"shape mismatch: ${jac.tex}$ has three indices; the other side "
                          f"${s.tex}$ is {'not a vector' if n is None else f'a vector of ${_dim(n)}$ entries'}"
                          f", not one of ${_dim(n_other)}$ entries (one for each "
                          f"{'column' if with_rows else 'row'} of ${jac.x.tex}$)")
            continue
        out.append(sympy.KroneckerDelta(i, own) * entry_of(s, other, fresh))
        errors.append(None)
    return out, tuple(errors)
