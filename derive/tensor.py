"""Vectors and matrices written without indices, and the components they stand for.

A text in vector form writes `\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)`. The
parser reads such a side into a small tree of `Tensor` nodes; this module gives each node its
shape (rows x columns, in the sizes of the notation: `C_{l+1}`, `1`, the batch size) and lowers
it to the component the model checks: entry (j, 1) of that side is
`\\sum_k w^{(l+1)}_{kj} \\delta^{(l+1)}_k g'(z^{(l)}_j)`. A product whose shapes do not fit is not
lowered: it is a finding of its own (`ShapeMismatch`), and `repairs` lists the edits in matrix
terms (a transpose added or dropped, a product's order, `\\odot` for a product, a layer) that
make the shapes fit, for the checker to try.

Nothing here reads LaTeX: the parser (`derive.vecparse`) builds the trees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import sympy
from sympy.core.symbol import Str

from derive.expr import BatchSum, Call, Node, Partial, Prime, Quantity, to_latex
from derive.results import Finding
from derive.results import FindingKind as K

ONE = sympy.Integer(1)


class ShapeError(Exception):
    """Two operands whose shapes do not fit: `where` is the node that combines them."""

    def __init__(self, message: str, where: Tensor) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class Shape:
    rows: sympy.Expr
    cols: sympy.Expr
    scalar: bool = False  # a scalar written as one (η, 1/m), which scales anything

    def latex(self) -> str:
        if self.scalar:
            return "a scalar"
        return f"{_dim(self.rows)} \\times {_dim(self.cols)}"


def _dim(d: sympy.Expr) -> str:
    return to_latex(d).replace(" ", "")


def same(a: sympy.Expr, b: sympy.Expr) -> bool:
    return sympy.expand(a - b) == 0


def _shape_text(t: Tensor) -> str:
    return f"${t.tex}$ {_phrase(t.shape())}"


def _phrase(s: Shape) -> str:
    return "(a scalar)" if s.scalar else f"$({s.latex()})$"


class Tensor:
    """A node of a side written in vector form. `tex` is its text, for messages."""

    tex: str

    def shape(self) -> Shape:
        raise NotImplementedError

    def lower(self, i: sympy.Basic, j: sympy.Basic, fresh: Fresh) -> sympy.Expr:
        raise NotImplementedError

    def children(self) -> tuple[Tensor, ...]:
        return ()

    def rebuild(self, kids: tuple[Tensor, ...]) -> Tensor:
        return self


class Fresh:
    """Summation indices for lowering, none of them a letter the formula uses."""

    def __init__(self, taken: set[str], make) -> None:  # type: ignore[no-untyped-def]
        self._pool = [c for c in "kpqrstuvabcdfghi" if c not in taken]  # not m, n, e: sizes, Euler
        self._make = make
        self._used = 0

    def __call__(self) -> sympy.Symbol:
        if self._used >= len(self._pool):
            raise ShapeError("too many products in one expression", _NOWHERE)
        name = self._pool[self._used]
        self._used += 1
        return self._make(name)


# the sample's column of a matrix with one column per sample (Z = W X + b): lowering at it
# gives the sample's own quantity; a product over it is the sum over the minibatch
SAMPLE = sympy.Symbol("sample·column")


@dataclass(frozen=True)
class Leaf(Tensor):
    """A quantity written without its indices: `w^{(l)}`, `\\delta^L`, `a`."""

    name: str
    layer: sympy.Expr | None
    dims: tuple[sympy.Expr, ...]  # the range of each index, in this layer
    tex: str
    row: bool = False  # a row vector (texts that write z = x W + b)
    batch: sympy.Expr | None = None  # one column per sample (Z, A, X): the batch size

    def shape(self) -> Shape:
        if len(self.dims) == 2:
            return Shape(self.dims[0], self.dims[1])
        if len(self.dims) == 1:
            if self.batch is not None:
                return Shape(self.dims[0], self.batch)
            return Shape(ONE, self.dims[0]) if self.row else Shape(self.dims[0], ONE)
        return Shape(ONE, ONE)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        layer = (self.layer,) if self.layer is not None else ()
        if len(self.dims) == 2:
            return Quantity(self.name, layer, (i, j))
        if len(self.dims) == 1:
            return Quantity(self.name, layer, (j if self.row else i,))
        return Quantity(self.name, layer, ())

    def with_layer(self, layer: sympy.Expr, dims: tuple[sympy.Expr, ...], tex: str) -> Leaf:
        return replace(self, layer=layer, dims=dims, tex=tex)


@dataclass(frozen=True)
class Scalar(Tensor):
    """A scalar part of a vector expression (`\\eta`, `\\frac{1}{m}`, `2`)."""

    expr: sympy.Expr
    tex: str

    def shape(self) -> Shape:
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.expr


@dataclass(frozen=True)
class Transpose(Tensor):
    x: Tensor
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        return Shape(s.cols, s.rows, s.scalar)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.x.lower(j, i, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


def _scales(s: Shape) -> bool:
    """A scalar, or a 1x1 product such as w^T x: it multiplies as a number."""
    return s.scalar or (same(s.rows, ONE) and same(s.cols, ONE))


@dataclass(frozen=True)
class MatMul(Tensor):
    """`A B`, `A \\cdot B`: the matrix product (a number times anything is scaling)."""

    a: Tensor
    b: Tensor
    tex: str
    dot: bool = False  # written `a \\cdot b`: between two vectors of one shape, their dot product

    def _is_dot(self, sa: Shape, sb: Shape) -> bool:
        return (self.dot and not sa.scalar and not sb.scalar and same(sa.rows, sb.rows)
                and same(sa.cols, sb.cols) and (same(sa.cols, ONE) or same(sa.rows, ONE))
                and not (same(sa.rows, ONE) and same(sa.cols, ONE)))

    def shape(self) -> Shape:
        sa, sb = self.a.shape(), self.b.shape()
        if self._is_dot(sa, sb):
            return Shape(ONE, ONE)
        if sa.scalar or (_scales(sa) and not same(sb.rows, ONE)):
            return sb
        if sb.scalar or (_scales(sb) and not same(sa.cols, ONE)):
            return sa
        if not same(sa.cols, sb.rows):
            raise ShapeError(
                f"shape mismatch: {_shape_text(self.a)} times {_shape_text(self.b)}: the "
                f"product needs ${_dim(sa.cols)} = {_dim(sb.rows)}$", self)
        return Shape(sa.rows, sb.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        sa, sb = self.a.shape(), self.b.shape()
        if self._is_dot(sa, sb):
            k = fresh()
            column = same(sa.cols, ONE)
            at = (lambda t: t.lower(k, ONE, fresh)) if column else (lambda t: t.lower(ONE, k, fresh))
            return sympy.Sum(at(self.a) * at(self.b), (k, 1, sa.rows if column else sa.cols))
        if sa.scalar or (_scales(sa) and not same(sb.rows, ONE)):
            return self.a.lower(ONE, ONE, fresh) * self.b.lower(i, j, fresh)
        if sb.scalar or (_scales(sb) and not same(sa.cols, ONE)):
            return self.a.lower(i, j, fresh) * self.b.lower(ONE, ONE, fresh)
        if same(sa.cols, ONE):  # an outer product: nothing to sum
            return self.a.lower(i, ONE, fresh) * self.b.lower(ONE, j, fresh)
        batch = self._batch()
        if batch is not None and same(sa.cols, batch):
            return BatchSum(self.a.lower(i, SAMPLE, fresh) * self.b.lower(SAMPLE, j, fresh))
        k = fresh()
        return sympy.Sum(self.a.lower(i, k, fresh) * self.b.lower(k, j, fresh), (k, 1, sa.cols))

    def _batch(self) -> sympy.Expr | None:
        for t in walk(self):
            if isinstance(t, Leaf) and t.batch is not None:
                return t.batch
        return None

    def children(self) -> tuple[Tensor, ...]:
        return (self.a, self.b)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, a=kids[0], b=kids[1])


@dataclass(frozen=True)
class Hadamard(Tensor):
    """`A \\odot B`: the element-wise product."""

    a: Tensor
    b: Tensor
    tex: str

    def shape(self) -> Shape:
        sa, sb = self.a.shape(), self.b.shape()
        if _scales(sa) or _scales(sb):  # a number times anything, as `*` between numbers
            return sb if _scales(sa) else sa
        if not (same(sa.rows, sb.rows) and same(sa.cols, sb.cols)):
            raise ShapeError(
                f"shape mismatch: {_shape_text(self.a)} $\\odot$ {_shape_text(self.b)}: an "
                "element-wise product needs equal shapes", self)
        return Shape(sa.rows, sa.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        sa, sb = self.a.shape(), self.b.shape()
        if _scales(sa) or _scales(sb):
            return (self.a.lower(ONE, ONE, fresh) * self.b.lower(i, j, fresh) if _scales(sa)
                    else self.a.lower(i, j, fresh) * self.b.lower(ONE, ONE, fresh))
        return self.a.lower(i, j, fresh) * self.b.lower(i, j, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.a, self.b)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, a=kids[0], b=kids[1])


@dataclass(frozen=True)
class Plus(Tensor):
    """A sum of terms, each with its sign. A scalar term adds to every entry (`1 - a`), and a
    column vector to every column of a matrix with a column per sample (`W X + b`)."""

    terms: tuple[Tensor, ...]
    signs: tuple[int, ...]
    tex: str

    def shape(self) -> Shape:
        shapes = [t.shape() for t in self.terms]
        full = [s for s in shapes if not s.scalar]
        if not full:
            return shapes[0]
        wide = max(full, key=lambda s: 0 if same(s.cols, ONE) else 1)
        for t, s in zip(self.terms, shapes):
            if s.scalar:
                continue
            if not same(s.rows, wide.rows) or not (same(s.cols, wide.cols) or (
                    same(s.cols, ONE) and _is_batch(wide.cols, self))):
                raise ShapeError(
                    f"shape mismatch: {_shape_text(t)} is added to a term of shape "
                    f"{_phrase(wide)}", self)
        return wide

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        wide = self.shape()
        out = sympy.Integer(0)
        for t, sign in zip(self.terms, self.signs):
            s = t.shape()
            col = ONE if (not s.scalar and same(s.cols, ONE) and not same(wide.cols, ONE)) else j
            out += sign * t.lower(i, col, fresh)
        return out

    def children(self) -> tuple[Tensor, ...]:
        return self.terms

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, terms=tuple(kids))


def _is_batch(d: sympy.Expr, t: Tensor) -> bool:
    return any(isinstance(x, Leaf) and x.batch is not None and same(x.batch, d) for x in walk(t))


@dataclass(frozen=True)
class Map(Tensor):
    """`\\sigma(z^l)`, `\\sigma'(z^l)`: a scalar function applied to every entry."""

    fname: str
    x: Tensor
    prime: bool
    tex: str

    def shape(self) -> Shape:
        return self.x.shape()

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        inner = self.x.lower(i, j, fresh)
        return Prime(self.fname, inner) if self.prime else Call(self.fname, inner)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Elementary(Tensor):
    """`\\tanh(z^l)`, `\\exp(z)`: an elementary function applied to every entry."""

    func: object  # a SymPy function class (sympy.tanh), from a fixed table: nothing is parsed
    x: Tensor
    tex: str

    def shape(self) -> Shape:
        return self.x.shape()

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.func(self.x.lower(i, j, fresh))  # type: ignore[operator]

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Diag(Tensor):
    """`\\mathrm{diag}(v)`: the square matrix with the entries of a vector on its diagonal."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        if not (same(s.cols, ONE) or same(s.rows, ONE)) or s.scalar:
            raise ShapeError(f"shape mismatch: {_shape_text(self.x)}: diag takes a vector", self)
        d = s.rows if same(s.cols, ONE) else s.cols
        return Shape(d, d)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        entry = self.x.lower(i, ONE, fresh) if same(s.cols, ONE) else self.x.lower(ONE, i, fresh)
        return entry * sympy.KroneckerDelta(i, j)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Entry(Tensor):
    """`((w^{l+1})^T \\delta^{l+1})_j`: one entry of a vector or matrix, a scalar."""

    x: Tensor
    at: tuple[sympy.Basic, ...]
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        wanted = (not same(s.rows, ONE)) + (not same(s.cols, ONE))
        if len(self.at) != max(wanted, 1):
            raise ShapeError(f"${self.tex}$: {len(self.at)} index for {_phrase(s)}", self)
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        at = list(self.at)
        r = at.pop(0) if not same(s.rows, ONE) else ONE
        c = at.pop(0) if at or not same(s.cols, ONE) else ONE
        return self.x.lower(r, c, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Grad(Tensor):
    """`\\nabla_a C`, `\\frac{\\partial C}{\\partial W^l}`: the derivatives of a scalar with
    respect to every entry, in the shape of what it is taken with respect to."""

    f: sympy.Expr
    wrt: Leaf
    tex: str

    def shape(self) -> Shape:
        s = self.wrt.shape()
        return Shape(s.rows, s.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return Partial(self.f, self.wrt.lower(i, j, fresh))


@dataclass(frozen=True)
class Norm2(Tensor):
    """`\\|x\\|^2`: the sum of the squares of the entries, a scalar."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        self.x.shape()
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        p, q = fresh(), fresh()
        body = self.x.lower(p if not same(s.rows, ONE) else ONE,
                            q if not same(s.cols, ONE) else ONE, fresh) ** 2
        for var, dim in ((q, s.cols), (p, s.rows)):
            if not same(dim, ONE):
                body = sympy.Sum(body, (var, 1, dim))
        return body

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class BatchTotal(Tensor):
    """`\\sum_x \\delta^{x,l} (a^{x,l-1})^T`: a vector-form term summed over the minibatch."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        return self.x.shape()

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return BatchSum(self.x.lower(i, j, fresh))

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


_NOWHERE = Scalar(ONE, "")


def walk(t: Tensor) -> Iterator[Tensor]:
    yield t
    for c in t.children():
        yield from walk(c)


def is_vector(t: Tensor) -> bool:
    """Whether anything in the tree has more than one entry (else it is an ordinary scalar)."""
    return not _scales(t.shape()) or any(isinstance(x, Leaf) for x in walk(t))


# --------------------------------------------------------------------------------------------
# Equations


class ShapeMismatch(Node):
    """A side whose shapes do not fit: it has no components, and nothing evaluates it (the
    model raises `Unsupported` on it); the checker reports the mismatch as its finding."""

    def __new__(cls, message: str):
        return sympy.Expr.__new__(cls, Str(message))

    @property
    def message(self) -> str:
        return self.args[0].name

    def _latex(self, printer: object) -> str:
        return "\\text{(shapes do not fit)}"


@dataclass(frozen=True)
class Lowered:
    exprs: tuple[sympy.Basic | None, ...]  # each side's component, None where it has no shape
    mismatch: tuple[str | None, ...]  # why a side could not be lowered (shape mismatch)
    free: tuple[sympy.Symbol, ...]  # the indices of the entry the equation states


def lower_sides(sides: list[Tensor | sympy.Basic], names: tuple[sympy.Symbol, sympy.Symbol],
                fresh: Fresh) -> Lowered:
    """Every side at the same entry (names[0], names[1]), or the mismatch that stops it. The
    first side is the reference shape: a step of another shape is a mismatch of that step."""
    shapes: list[Shape | None] = []
    errors: list[str | None] = []
    for s in sides:
        if not isinstance(s, Tensor):
            shapes.append(Shape(ONE, ONE, scalar=True))
            errors.append(None)
            continue
        try:
            shapes.append(s.shape())
            errors.append(None)
        except ShapeError as exc:
            shapes.append(None)
            errors.append(str(exc))
    ref = shapes[0]
    if ref is None:  # the left side itself: nothing can be compared
        return Lowered(tuple(None for _ in sides), tuple(errors[0] for _ in sides), ())
    rows = not same(ref.rows, ONE) and not _batch_dim(ref.rows, sides)
    cols = not same(ref.cols, ONE) and not _batch_dim(ref.cols, sides)
    i = names[0] if rows else (SAMPLE if _batch_dim(ref.rows, sides) else ONE)
    j = names[1] if cols else (SAMPLE if _batch_dim(ref.cols, sides) else ONE)
    out: list[sympy.Basic | None] = []
    for k, (s, sh) in enumerate(zip(sides, shapes)):
        if sh is None:
            out.append(None)
            continue
        if k and not (sh.scalar and ref.scalar) and not (
                same(sh.rows, ref.rows) and same(sh.cols, ref.cols)):
            out.append(None)
            left = sides[0]
            errors[k] = (f"shape mismatch: the left side ${_tex(left)}$ {_phrase(ref)}, this "
                         f"side ${_tex(s)}$ {_phrase(sh)}")
            continue
        try:
            e = s.lower(i, j, fresh) if isinstance(s, Tensor) else s
        except ShapeError as exc:  # more products than summation letters left
            out.append(None)
            errors[k] = str(exc)
            continue
        out.append(_drop_sample(e))
    free = tuple(n for n, used in zip(names, (rows, cols)) if used)
    return Lowered(tuple(out), tuple(errors), free)


def _tex(s: Tensor | sympy.Basic) -> str:
    return s.tex if isinstance(s, Tensor) else to_latex(s)


def _batch_dim(d: sympy.Expr, sides: list) -> bool:
    return any(isinstance(s, Tensor) and _is_batch(d, s) for s in sides)


def _drop_sample(e: sympy.Basic) -> sympy.Basic:
    """The sample's column stands for the sample a per-sample quantity belongs to: an index
    `SAMPLE` is no index at all (the evaluator grounds each sample's quantities)."""

    def fix(q: sympy.Basic) -> sympy.Basic:
        if isinstance(q, Quantity) and SAMPLE in q.indices:
            return q.with_(indices=tuple(x for x in q.indices if x != SAMPLE))
        return q

    return e.replace(lambda q: isinstance(q, Quantity) and SAMPLE in q.indices, fix) \
        if e.has(SAMPLE) else e


# --------------------------------------------------------------------------------------------
# Repairs: the edits, in matrix terms, a checker tries on a side that is wrong


def repairs(t: Tensor, shift_layer) -> Iterator[tuple[Finding, Tensor]]:  # type: ignore[no-untyped-def]
    """One-edit variants of `t`, each with what the edit says about the text: a transpose
    added or dropped, a product's factors swapped, `\\odot` for a product or the reverse, a
    quantity's layer one off. `shift_layer(leaf, delta)` gives a leaf in another layer, or
    None. Variants whose shapes do not fit are left out."""
    for path, node in _nodes(t):
        for what, new in _edits(node, shift_layer):
            cand = _replace_at(t, path, new)
            try:
                cand.shape()
            except ShapeError:
                continue
            yield what, cand


def _edits(node: Tensor, shift_layer) -> Iterator[tuple[Finding, Tensor]]:  # type: ignore[no-untyped-def]
    if isinstance(node, Transpose):
        yield Finding(K.NEEDLESS_TRANSPOSE, (node.x.tex,)), node.x
    elif not isinstance(node, (Scalar, Plus)) and not _scales_safe(node):
        yield Finding(K.MISSING_TRANSPOSE, (node.tex,)), Transpose(node, f"({node.tex})^T")
    if isinstance(node, MatMul):
        yield (Finding(K.PRODUCT_ORDER, (node.b.tex, node.a.tex)),
               MatMul(node.b, node.a, node.tex))
        yield Finding(K.MATMUL_FOR_HADAMARD, (node.tex,)), Hadamard(node.a, node.b, node.tex)
    if isinstance(node, Hadamard):
        yield Finding(K.HADAMARD_FOR_MATMUL, (node.tex,)), MatMul(node.a, node.b, node.tex)
        yield (Finding(K.HADAMARD_FOR_MATMUL, (node.tex,), (("order", "reversed"),)),
               MatMul(node.b, node.a, node.tex))
    if isinstance(node, Leaf) and node.layer is not None:
        for delta in (-1, 1):
            new = shift_layer(node, delta)
            if new is not None:
                yield Finding(K.WRONG_LAYER, (node.tex, new.tex)), new


def _scales_safe(node: Tensor) -> bool:
    try:
        return _scales(node.shape())
    except ShapeError:
        return False


def _nodes(t: Tensor, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Tensor]]:
    yield path, t
    for k, c in enumerate(t.children()):
        yield from _nodes(c, path + (k,))


def _replace_at(t: Tensor, path: tuple[int, ...], new: Tensor) -> Tensor:
    if not path:
        return new
    kids = list(t.children())
    kids[path[0]] = _replace_at(kids[path[0]], path[1:], new)
    return t.rebuild(tuple(kids))
