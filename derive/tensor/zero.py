"""The zero vector written whole (`\\vec{0}`, `\\mathbf{0}`) and the vector of ones
(`\\mathbf{1}`): nodes of no size of their own, given the shape the expression they stand in
needs (`\\vec{0}^\\top x` is the number 0 when x is a column, `x + \\vec{0}` is shaped like x,
`\\Delta^\\top \\mathbf{1}` sums the rows of Δ); one whose shape nothing fixes stays unsized,
and evaluating it is refused (derive.vecparse.zero places the error)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.tensor.nodes import MatMul, Transpose
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
            raise ShapeError(f"{self.what()} ${self.tex}$ has no size: nothing it is "
                             "multiplied by or added to gives it one", self)
        return Shape(self.rows, self.cols)

    def what(self) -> str:
        return "the zero vector"

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return sympy.Integer(0)


@dataclass(frozen=True)
class Ones(Zero):
    """The vector (or matrix) of ones, with the shape its place gives it. Unlike the zero, a
    product with it is no constant: it is sized by its neighbour and multiplied out."""

    def what(self) -> str:
        return "the vector of ones"

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return sympy.Integer(1)


def sized_ones(a: Tensor, b: Tensor, elementwise: bool) -> tuple[Tensor, Tensor]:
    """The two factors of a product with an unsized vector of ones given the shape its place
    needs: `A \\mathbf{1}` a column as long as A is wide, `\\mathbf{1}^\\top A` a row as long as
    A is tall, `\\mathbf{1} \\odot x` the shape of x; unchanged where nothing sizes it (a
    number beside it, an outer product)."""
    try:
        if _unsized_ones(b) and not unsized(a):
            b = _sized_by(b, a.shape(), elementwise, right=True)
        elif _ends_in_ones(a) and not unsized(b):
            a = _size_last(a, b.shape(), elementwise)
    except ShapeError:
        pass  # a factor's own mismatch, said where the product's shape is taken
    return a, b


def _ends_in_ones(t: Tensor) -> bool:
    """Whether the last factor of `t` is an unsized vector of ones (`\\frac{1}{m}
    \\mathbf{1}^\\top`: a number times it)."""
    return _unsized_ones(t) or (isinstance(t, MatMul) and _ends_in_ones(t.b))


def _size_last(t: Tensor, s: Shape, elementwise: bool) -> Tensor:
    if isinstance(t, MatMul):
        return replace(t, b=_size_last(t.b, s, elementwise))
    return _sized_by(t, s, elementwise, right=False)


def _sized_by(ones: Tensor, s: Shape, elementwise: bool, right: bool) -> Tensor:
    if s.scalar:
        return ones
    if elementwise:
        return Ones(ones.tex, s.rows, s.cols)
    transposed = isinstance(ones, Transpose)  # all ones: a transposed one is a row of ones
    if right and not transposed:  # A 1: as long as A is wide
        return Ones(ones.tex, s.cols, ONE)
    if not right and transposed:  # 1^T A: as long as A is tall
        return Ones(ones.tex, ONE, s.rows)
    return ones  # an outer product: nothing sizes it


def _unsized_ones(t: Tensor) -> bool:
    return unsized(t) and isinstance(t.x if isinstance(t, Transpose) else t, Ones)


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
    if _unsized_ones(a) or _unsized_ones(b):
        return None  # sized by `sized_ones`, and multiplied out
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
    if not any(unsized(t) or _outer_ones(t) for t in terms):
        return terms
    try:
        shapes = [t.shape() for t in terms if not (unsized(t) or _outer_ones(t))]
    except ShapeError:
        return terms  # the sum's own mismatch, said where its shape is taken
    full = [s for s in shapes if not s.scalar]
    if not full:
        return terms  # nothing sizes it: left unsized (its shape is refused where needed)
    if any(s.rows != full[0].rows or s.cols != full[0].cols for s in full):
        return None
    return [_constant(t)(t.tex, full[0].rows, full[0].cols) if unsized(t) else
            _outer_sized(t, full[0]) if _outer_ones(t) else t for t in terms]


def _constant(t: Tensor) -> type[Zero]:
    """The class of an unsized constant vector, written transposed or not (a transposed
    constant is the constant of the transposed shape)."""
    return type(t.x if isinstance(t, Transpose) else t)


def _outer_ones(t: Tensor) -> bool:
    """`\\mathbf{1} b` (a column of ones times a row) or `b \\mathbf{1}^\\top`: an outer
    product whose ones only the terms beside it size (`A W + \\mathbf{1} b`, one b per row)."""
    if not isinstance(t, MatMul):
        return False
    return ((_unsized_ones(t.a) and not isinstance(t.a, Transpose))
            or (_unsized_ones(t.b) and isinstance(t.b, Transpose)))


def _outer_sized(t: MatMul, full: Shape) -> Tensor:
    if _unsized_ones(t.a) and not isinstance(t.a, Transpose):
        return replace(t, a=Ones(t.a.tex, full.rows, ONE))
    return replace(t, b=Ones(t.b.tex, ONE, full.cols))
