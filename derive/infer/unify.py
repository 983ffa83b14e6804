"""The unification of a vector-form text's unknown dimensions (derive.infer.vectors uses it).

Dimensions are SymPy expressions: a layer width `C(layer)`, 1, or an unknown `D_k(layer)` of one
quantity's rows or columns, bound as the text's products, sums and equations meet. The rows that
define a name join open sizes; a claim may only fix what is open, so a slip in a claim cannot
join two sizes and hide itself.
"""

from __future__ import annotations

import re
from typing import Any

import sympy

from derive.expr import Width
from derive.infer.subscript_layers import layer_name
from derive.latex import Size
from derive.notation import Notation
from derive.tensor import (
    ONE,
    BatchTotal,
    Diag,
    Elementary,
    Entry,
    Grad,
    Hadamard,
    IndexSum,
    Jacobian,
    Leaf,
    Map,
    MatMul,
    Norm2,
    Plus,
    Quotient,
    Scalar,
    Shape,
    Tensor,
    Trace,
    Transpose,
    VectorValue,
    walk,
)

_T = sympy.Symbol("t")
_NOT_THE_LAYOUT = 1000  # the misfits a matrix read as a vector counts for  # a quantity's own layer, in the solved dimensions


class _Unify:
    """Dimensions as SymPy expressions: widths `C(layer)`, 1, and unknowns `D_k(layer)` bound
    to one of those with a fixed offset of the layer."""

    def __init__(self, width: str) -> None:
        self.width = width
        self.bound: dict[str, tuple[str, Any, int]] = {}  # unknown -> ("width"|"one"|"alias", .., off)
        self.failures = 0  # fits that contradict what is known
        self.merge = True  # whether two open sizes may be joined (definitions: yes; claims: no)
        self.joined: set[str] = set()  # open sizes the definitions share between two quantities
        self.numbers: set[str] = set()  # open sizes made 1 by the definition of a number
        self.refused = False  # whether the last fit was a claim refused a shared size
        # the open sizes of quantities no defining row uses (\psi in the claim that shifting
        # every \theta^{(j)} by \psi leaves p unchanged): only claims can size them
        self.free: set[str] = set()
        # the unknowns of each vector function's parameter (`s` in `softmax(s)_k = ...`):
        # sized like what the function is applied to
        self.formals: dict[str, tuple[str, str]] = {}

    def resolve(self, d: sympy.Expr) -> sympy.Expr:
        for _ in range(50):
            if isinstance(d, sympy.core.function.AppliedUndef) and d.func.__name__ in self.bound:
                kind, other, off = self.bound[d.func.__name__]
                x = d.args[0]
                if kind == "one":
                    return ONE
                if kind == "abs":
                    return other
                if kind == "width":
                    d = Width(self.width, x + off)
                else:
                    d = sympy.Function(other)(x + off)
                continue
            return d
        return d

    def made_a_number(self, name: str) -> bool:
        """Whether the open size `name` (or one it was joined to) was made 1 by the definition
        of a number (y in L = -(y \\log a + ...)), not by a claim or by default."""
        for _ in range(50):
            if name in self.numbers:
                return True
            kind, other, _off = self.bound.get(name, ("", None, 0))
            if kind != "alias":
                return False
            name = other
        return False

    def is_one(self, d: sympy.Expr) -> bool:
        return self.resolve(d) == ONE

    def fit(self, a: sympy.Expr, b: sympy.Expr) -> bool:
        self.refused = False
        ok = self._fit(a, b)
        self.failures += not ok and not self.refused  # a refusal is no misfit of the layout
        return ok

    def _fit(self, a: sympy.Expr, b: sympy.Expr) -> bool:
        a, b = self.resolve(a), self.resolve(b)
        if sympy.expand(a - b) == 0:
            return True
        for u, v in ((a, b), (b, a)):
            if isinstance(u, sympy.core.function.AppliedUndef):
                x = u.args[0]
                if v == ONE and not self.merge and u.func.__name__ in self.joined:
                    self.refused = True  # θ^T x defines a size of θ and x: no claim makes it 1
                    return False
                if x == 0 and not v.has(sympy.core.function.AppliedUndef):  # no layer tag
                    self.bound[u.func.__name__] = ("abs", v, 0)
                    return True
                if v == ONE:
                    self.bound[u.func.__name__] = ("one", None, 0)
                    return True
                if isinstance(v, Width):
                    off = sympy.expand(v.layer - x)
                    if off.is_Integer:
                        self.bound[u.func.__name__] = ("width", None, int(off))
                        return True
                    return False
                if isinstance(v, sympy.core.function.AppliedUndef):
                    if not self.merge and not {u.func.__name__, v.func.__name__} & self.free:
                        return False  # a claim may not join two open sizes: a slip would
                    off = sympy.expand(v.args[0] - x)
                    if u.func == v.func:  # D(k) = D(k + 1): no size of a layer, no binding
                        return False  # (bound to itself, it would resolve without end)
                    if off.is_Integer:
                        self.bound[u.func.__name__] = ("alias", v.func.__name__, int(off))
                        self.joined |= {u.func.__name__, v.func.__name__}
                        return True
                return False
        return False

    # shapes, with unknowns -------------------------------------------------------------------

    def shape(self, t: Tensor) -> Shape:  # noqa: C901 - one case per node type
        if isinstance(t, Leaf):
            return t.shape()
        if isinstance(t, Scalar):
            return Shape(ONE, ONE, scalar=True)
        if isinstance(t, Transpose):
            s = self.shape(t.x)
            return Shape(s.cols, s.rows, s.scalar)
        if isinstance(t, MatMul) and t.dot:  # a \\cdot b between vectors: their dot product
            sa, sb = self.shape(t.a), self.shape(t.b)
            if not (sa.scalar or sb.scalar) and not (self.is_one(sa.rows) and self.is_one(sa.cols)):
                col = self.is_one(sa.cols) or self.is_one(sb.cols)
                if col and self.fit(sa.rows, sb.rows) and self.fit(sa.cols, sb.cols):
                    return Shape(ONE, ONE)
        if isinstance(t, MatMul):
            sa, sb = self.shape(t.a), self.shape(t.b)
            if sa.scalar or (self.is_one(sa.rows) and self.is_one(sa.cols)):
                return sb
            if sb.scalar or (self.is_one(sb.rows) and self.is_one(sb.cols)):
                return sa
            self.fit(sa.cols, sb.rows)
            return Shape(sa.rows, sb.cols)
        if isinstance(t, (Hadamard, Plus)):
            parts = [self.shape(x) for x in t.children()]
            full = [s for s in parts if not s.scalar]
            if not full:
                return parts[0]
            for s in full[1:]:
                self.fit(full[0].rows, s.rows)
                self.fit(full[0].cols, s.cols)
            return full[0]
        if isinstance(t, Quotient):  # divided by a number: the denominator is 1 x 1
            sb, sa = self.shape(t.b), self.shape(t.a)
            if not sb.scalar:
                self.fit(sb.rows, ONE)
                self.fit(sb.cols, ONE)
            return Shape(ONE, ONE) if sa.scalar and not sb.scalar else sa
        if isinstance(t, IndexSum):  # a sum of numbers over an index: its terms are 1 x 1
            s = self.shape(t.body)
            if not s.scalar:
                self.fit(s.rows, ONE)
                self.fit(s.cols, ONE)
            return Shape(ONE, ONE)
        if isinstance(t, VectorValue):  # softmax(o): shaped like o, a column (or row) vector
            s = self.shape(t.x)
            if t.fname in self.formals:  # and like the parameter of its definition
                rows, cols = self.formals[t.fname]
                self.fit(sympy.Function(rows)(sympy.Integer(0)), s.rows)
                self.fit(sympy.Function(cols)(sympy.Integer(0)), s.cols)
            return s
        if isinstance(t, (Map, BatchTotal, Elementary)):
            return self.shape(t.children()[0])
        if isinstance(t, Grad):
            return t.wrt.shape()
        if isinstance(t, Diag):
            s = self.shape(t.x)
            return Shape(s.rows, s.rows)
        if isinstance(t, Trace):  # tr(X A): X A is square
            s = self.shape(t.x)
            self.fit(s.rows, s.cols)
            return Shape(ONE, ONE)
        if isinstance(t, Entry):
            self.shape(t.x)
            return Shape(ONE, ONE, scalar=True)
        if isinstance(t, Norm2):
            self.shape(t.x)
            return Shape(ONE, ONE, scalar=True)
        return Shape(ONE, ONE, scalar=True)


def _untagged_widths(u: _Unify, candidates: list[str], unknown: dict[str, int],
                     lines: dict[str, int], layout: str, width: str,
                     identities: bool = False) -> list[str]:
    """A network without layer tags written in vector form (`h = \\tanh(W x + b)`, `o = V h +
    c`): the other dimension of its vectors is 1, and each size left open by the products is
    a layer width of its own, C_1, C_2, ... in the order the text first uses them (identities
    about names of their own may have more sizes than a network has layers)."""
    other = 1 if layout == "column" else 0  # the vectors' other dimension: their columns
    classes: dict[str, list[tuple[str, int]]] = {}
    for q in candidates:
        for pos, name in enumerate(_unknowns(unknown[q])):
            d = u.resolve(sympy.Function(name)(sympy.Integer(0)))
            if isinstance(d, sympy.core.function.AppliedUndef):
                classes.setdefault(d.func.__name__, []).append((q, pos))
    for root, members in classes.items():
        if all(pos == other for _, pos in members):
            u.fit(sympy.Function(root)(sympy.Integer(0)), ONE)
    sizes = sorted((r for r, m in classes.items() if any(pos != other for _, pos in m)),
                   key=lambda r: min(lines.get(q, 10**9) for q, _ in classes[r]))
    if len(sizes) > 3 and not identities:  # more sizes than every network checked has layers
        return [f"{len(sizes)} different sizes in a network without layer tags: not read"]
    for k, root in enumerate(sizes, start=1):
        u.fit(sympy.Function(root)(sympy.Integer(0)), Width(width, sympy.Integer(k)))
    return []


def _anchored_widths(u: _Unify, candidates: list[str], unknown: dict[str, int],
                     tagged: set[str], layout: str, width: str) -> None:
    """Fixed-layer parameters beside vectors without layer tags (`z = W^{(1)} x`, `o =
    W^{(2)} h`): the products make each vector's size a size of W^{(t)} at a fixed layer,
    `D(k)`, still open. The vector of the lowest such layer is the input, layer 1: `D(t)` is
    the width `C_{t+1-k_min}`; the vectors' other dimension is 1. Sizes no tagged parameter
    shares stay open (their quantities are not shaped)."""
    other = 1 if layout == "column" else 0
    shared: set[str] = set()
    for q in tagged:
        for name in _unknowns(unknown[q]):
            d = u.resolve(sympy.Function(name)(_T))
            if isinstance(d, sympy.core.function.AppliedUndef) and d.args[0].has(_T):
                shared.add(d.func.__name__)
    lowest: dict[str, int] = {}
    others: set[str] = set()
    for q in candidates:
        if q in tagged:
            continue
        for pos, name in enumerate(_unknowns(unknown[q])):
            d = u.resolve(sympy.Function(name)(sympy.Integer(0)))
            if not isinstance(d, sympy.core.function.AppliedUndef) or not d.args[0].is_Integer:
                continue
            root, at = d.func.__name__, int(d.args[0])
            if root in shared:
                lowest[root] = min(lowest.get(root, at), at)
            elif pos == other:
                others.add(root)
    if not lowest:
        return
    for root in sorted(others):
        u.fit(sympy.Function(root)(sympy.Integer(0)), ONE)
    for root, low in sorted(lowest.items()):
        x = sympy.Symbol("x")
        u.fit(sympy.Function(root)(x), Width(width, x + 1 - low))


def _solve(layout: str, candidates: list[str], unknown: dict[str, int], qs: dict, rows: list,
           width: str, formals: dict[str, str] | None = None
           ) -> tuple[_Unify, int, dict[str, int]]:
    """The unknown dimensions unified over the rows, with the defined layer quantities taken
    as vectors of their layers in `layout`; how many fits failed; each quantity's first line.
    `formals`: each vector function's parameter (derive.infer.vectokens._formals)."""
    u = _Unify(width)
    u.formals = {fn: _unknowns(unknown[q]) for fn, q in (formals or {}).items() if q in unknown}
    for q in candidates:  # a defined quantity with a layer tag: the vector of its layer
        spec = qs[q]
        if "layers" in spec and not spec.get("given") or spec.get("given_layers"):
            col, row = _unknowns(unknown[q])
            lay = sympy.Symbol("x")
            main, other = (row, col) if layout == "row" else (col, row)
            u.fit(sympy.Function(main)(lay), Width(width, lay))
            u.fit(sympy.Function(other)(lay), ONE)
    letters = not any("layers" in spec for spec in qs.values())
    if letters:
        _letter_vectors(u, layout, candidates, unknown)
    lines: dict[str, int] = {}
    # the rows that define a name first, joining sizes freely; then the claims, which may
    # only fix what is open (a slip in a claim must not join two sizes)
    ordered = _identities(rows) + [r for r in rows if r[2]] + [r for r in rows if not r[2]]
    in_definitions = {q for _f, sides, defines in rows if defines
                      for s in sides if isinstance(s, Tensor) for q in _leaves(s)}
    u.free = {n for q in candidates if q not in in_definitions for n in _unknowns(unknown[q])}
    for f, sides, defines in ordered:
        u.merge = defines
        shapes = [u.shape(s) if isinstance(s, Tensor) else None for s in sides]
        first = shapes[0]
        for sh in shapes[1:]:
            if first is not None and sh is not None and not (first.scalar or sh.scalar):
                u.fit(first.rows, sh.rows)
                u.fit(first.cols, sh.cols)
            elif first is not None and sh is None and not first.scalar:
                u.fit(first.rows, ONE)  # C = \\frac{1}{2} \\sum_j (a_j - y_j)^2: C is a number
                u.fit(first.cols, ONE)
            elif first is None and defines and sh is not None and not sh.scalar:
                for d in (sh.rows, sh.cols):  # L = -(y \\log a + ...), L no vector: a number
                    r = u.resolve(d)
                    if isinstance(r, sympy.core.function.AppliedUndef):
                        u.numbers.add(r.func.__name__)
                    u.fit(d, ONE)
        for s in sides:
            if isinstance(s, Tensor):
                for q in _leaves(s):
                    lines.setdefault(q, f.line)
    u.merge = True  # the rows are read: what follows (the untagged widths) settles open sizes
    if letters:  # a capital made a vector or a number (W in `W x` read with row vectors):
        # that layout is not the text's, whatever slips its claims make in the other
        u.failures += _NOT_THE_LAYOUT * sum(q.isupper() and any(u.is_one(sympy.Function(n)(sympy.Integer(0)))
                                              for n in _unknowns(unknown[q]))
                          for q in candidates if len(q) == 1 or layer_name(q))
    return u, u.failures, lines


def _letter_vectors(u: _Unify, layout: str, candidates: list[str],
                    unknown: dict[str, int]) -> None:
    """In a network without layer tags, a quantity written in one small latin letter (`x`,
    `h`, `v`, `\\hat{y}`, `\\mathbf{b}`) is a vector, as the texts that name each layer's
    quantities by letters write them (capitals the matrices): its other dimension is 1 before
    any row is read, so that `v^\\top h` is a number and `(\\hat y - y) h` a number times a
    vector, not a product that joins the hidden width to the vectors' columns."""
    other = 1 if layout == "column" else 0
    for q in candidates:
        if _small_letter(q):
            u.fit(sympy.Function(_unknowns(unknown[q])[other])(sympy.Integer(0)), ONE)


_DECORATED = re.compile(r"\\(?:mathbf|boldsymbol|vec|hat|tilde|bar|widehat)\{([a-z])\}")


def _small_letter(q: str) -> bool:
    """Whether a name is one small latin letter, maybe decorated (`\\hat{y}`)."""
    m = _DECORATED.fullmatch(q)
    return (len(q) == 1 or layer_name(q)) and "a" <= q[0] <= "z" or m is not None


def _identities(rows: list) -> list:  # type: ignore[type-arg]
    """In a text that defines nothing (identities such as `\\frac{\\partial (x^T B x)}{\\partial
    x} = (B + B^T) x`), what each derivative is taken of is the function the identity is about:
    its products fix the sizes of its names as a definition would (x and B of one size), and
    the other side is then read with those sizes (a slip there is not joined in)."""
    if any(defines for _f, _sides, defines in rows):
        return []
    return [(f, [j.y], True) for f, sides, _d in rows for s in sides if isinstance(s, Tensor)
            for j in walk(s) if isinstance(j, Jacobian)]


def _lin(d: sympy.Expr, own: sympy.Symbol | None, notation: Notation):  # type: ignore[no-untyped-def]
    """A solved dimension as the inference's linear form: relative to the quantity's own layer
    (`own`) for a tagged quantity, absolute (c + a·n) for one without layers."""
    if not isinstance(d, Width):
        return None
    e = sympy.expand(d.layer - own) if own is not None else sympy.expand(d.layer)
    n = Size(notation.layers)
    a = e.coeff(n)
    c = sympy.expand(e - a * n)
    if not (a.is_Integer and c.is_Integer) or (own is not None and a != 0):
        return None
    return (int(c), int(a), 0)


def _unknowns(k: int) -> tuple[str, str]:
    return f"D{k}r", f"D{k}c"


def _leaves(t: Tensor) -> set[str]:
    return {x.name for x in walk(t) if isinstance(x, Leaf)}
