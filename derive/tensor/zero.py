"""The zero vector written whole (`\\vec{0}`, `\\mathbf{0}`): a node of no size of its own, given
the shape the expression it stands in needs (`\\vec{0}^\\top x` is the number 0 when x is a
column, `x + \\vec{0}` is shaped like x); one whose shape nothing fixes stays unsized, and
evaluating it is refused (derive.vecparse.zero places the error)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive.tensor.nodes import Transpose
from derive.tensor.shapes import ONE, Shape, ShapeError, Tensor


@dataclass(frozen=True)
class Zero(Tensor):
    """The zero vector (or matrix), with the shape its place gives it (None: not yet known;
    a column by default, `row` when written transposed)."""

    tex: str
    rows: sympy.Expr | None = None
    cols: sympy.Expr | None = None

    def shape(self) -> Shape:
        if self.rows is None or self.cols is None:
            raise ShapeError(f"the zero vector ${self.tex}$ has no size: nothing it is "
                             "multiplied by or added to gives it one", self)
        return Shape(self.rows, self.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return sympy.Integer(0)


def unsized(t: Tensor) -> bool:
    """A zero vector not yet sized, or one transposed (`\\vec{0}^\\top`)."""
    if isinstance(t, Transpose):
        t = t.x
    return isinstance(t, Zero) and t.rows is None


def times(a: Tensor, b: Tensor, tex: str) -> Tensor | None:
    """The product of two factors one of which is an unsized zero vector: the zero of the
    product's shape (`\\vec{0}^\\top x`: 1 x cols of x; `A \\vec{0}`: rows of A x 1); None when
    neither is one."""
    try:
        return _times(a, b, tex)
    except ShapeError:
        return None  # a factor's own mismatch, said where the product's shape is taken


def _times(a: Tensor, b: Tensor, tex: str) -> Tensor | None:
    if unsized(a) and not unsized(b):
        sb = b.shape()
        if sb.scalar:
            return a
        if not isinstance(a, Transpose):  # \vec{0} x^T: an outer product, no size read
            return None
        return Zero(tex, ONE, sb.cols)
    if unsized(b) and not unsized(a):
        sa = a.shape()
        if sa.scalar:
            return b
        if isinstance(b, Transpose):
            return None
        return Zero(tex, sa.rows, ONE)
    return None


def sized_terms(terms: list[Tensor]) -> list[Tensor] | None:
    """The terms of a sum with each unsized zero vector given the shape of the sized terms
    (all of one shape); None when they differ."""
    if not any(unsized(t) for t in terms):
        return terms
    try:
        shapes = [t.shape() for t in terms if not unsized(t)]
    except ShapeError:
        return terms  # the sum's own mismatch, said where its shape is taken
    full = [s for s in shapes if not s.scalar]
    if not full:
        return terms  # nothing sizes it: left unsized (its shape is refused where needed)
    if any(s.rows != full[0].rows or s.cols != full[0].cols for s in full):
        return None
    return [Zero(t.tex, full[0].rows, full[0].cols) if unsized(t) else t for t in terms]
