"""The trace of a square matrix (`\\mathrm{tr}(X A)`, a number) and the identity matrix a text
writes as a letter (`\\mathbf{I}`), whose size is the size of what stands beside it: the other
side of its equation, the term it is added to, the factor it multiplies (`sized`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.expr import BatchSum
from derive.tensor.nodes import Hadamard, Leaf, MatMul, Plus, _is_batch
from derive.tensor.shapes import ONE, SAMPLE, Shape, ShapeError, Tensor, _shape_text, same, walk


@dataclass(frozen=True)
class Trace(Tensor):
    """`\\mathrm{tr}(M)`: the sum of the diagonal entries of a square matrix, a number."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        if s.scalar or not same(s.rows, s.cols):
            raise ShapeError(f"shape mismatch: {_shape_text(self.x)}: the trace takes a square "
                             "matrix", self)
        return Shape(ONE, ONE)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        if same(s.rows, ONE):
            return self.x.lower(ONE, ONE, fresh)
        if _is_batch(s.rows, self.x) and _is_batch(s.cols, self.x):
            # tr((A - Y)(A - Y)^T) of a minibatch: each sample's diagonal entry, summed
            return BatchSum(self.x.lower(SAMPLE, SAMPLE, fresh))
        k = fresh()
        return sympy.Sum(self.x.lower(k, k, fresh), (k, 1, s.rows))

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Eye(Tensor):
    """`\\mathbf{I}`: the identity matrix, of the size `n` its place fixes (None until then)."""

    tex: str
    n: sympy.Expr | None = None

    def shape(self) -> Shape:
        if self.n is None:
            raise ShapeError(f"the size of the identity matrix ${self.tex}$ is not fixed by "
                             "what stands beside it", self)
        return Shape(self.n, self.n)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return sympy.KroneckerDelta(i, j)


def unsized(t: Tensor) -> Eye | None:
    """The first identity matrix in the tree whose size is not fixed, if any."""
    if isinstance(t, Eye) and t.n is None:
        return t
    for c in t.children():
        found = unsized(c)
        if found is not None:
            return found
    return None


def sized(sides: list) -> list:  # type: ignore[type-arg]
    """The sides with each written identity matrix given its size: a side that is one takes
    the shape of the first side whose shape is known (a square one); inside a side it takes
    the shape of the terms it is added to, or the rows (columns) of the factor it multiplies."""
    ref = next((s for s in (_known(x) for x in sides if isinstance(x, Tensor)) if s), None)
    return [_size(s, ref) if isinstance(s, Tensor) else s for s in sides]


def _known(t: Tensor) -> Shape | None:
    if unsized(t) is not None:
        return None
    try:
        return t.shape()
    except ShapeError:
        return None


def _square(s: Shape | None) -> sympy.Expr | None:
    if s is None or s.scalar or not same(s.rows, s.cols):
        return None
    return s.rows


def _size(t: Tensor, want: Shape | None) -> Tensor:
    if isinstance(t, Eye) and t.n is None:
        n = _square(want)
        return t if n is None else replace(t, n=n)
    if unsized(t) is None:
        return t
    if isinstance(t, (Plus, Hadamard)):
        kids = t.children()
        beside = next((s for s in (_known(k) for k in kids) if s and not s.scalar), want)
        return t.rebuild(tuple(_size(k, beside) for k in kids))
    if isinstance(t, MatMul):
        sa, sb = _known(t.a), _known(t.b)
        if sa is not None and (sa.scalar or (same(sa.rows, ONE) and same(sa.cols, ONE))):
            return t.rebuild((t.a, _size(t.b, want)))  # 2 I, \lambda I: a multiple of it
        if sb is not None and sb.scalar:
            return t.rebuild((_size(t.a, want), t.b))
        a = _size(t.a, Shape(sb.rows, sb.rows)) if sb is not None and not sb.scalar else t.a
        b = _size(t.b, Shape(sa.cols, sa.cols)) if sa is not None and not sa.scalar else t.b
        return t.rebuild((a, b))
    return t.rebuild(tuple(_size(k, None) for k in t.children()))


def still_reading(sides: list) -> bool:  # type: ignore[type-arg]
    """Whether a side holds a quantity with a size the shape inference has not fixed yet (an
    unknown `D` of derive.infer.vectors): an identity matrix left unsized is then no error."""
    return any(isinstance(t, Leaf) and any(d.atoms(sympy.core.function.AppliedUndef)
                                          for d in t.dims)
               for s in sides if isinstance(s, Tensor) for t in walk(s))
