"""A matrix or vector given by the pattern of its entries (derive.vecparse.pattern): a node
whose entry (i, j) is one expression in two index letters, and whose shape the sizes the text
wrote in its last row and column."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive.tensor.shapes import ONE, Shape, Tensor


@dataclass(frozen=True)
class Pattern(Tensor):
    """The entry in the index symbols `row` and `col` (None for a vector's missing one)."""

    entry: sympy.Expr | Tensor  # a number, or a 1 x 1 tensor (`\\theta^{(k)\\top} x`)
    row: sympy.Symbol | None
    rows: sympy.Expr | None
    col: sympy.Symbol | None
    cols: sympy.Expr | None
    tex: str

    def shape(self) -> Shape:
        return Shape(self.rows if self.rows is not None else ONE,
                     self.cols if self.cols is not None else ONE)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        at = {}
        if self.row is not None:
            at[self.row] = i
        if self.col is not None:
            at[self.col] = j
        entry = self.entry.lower(ONE, ONE, fresh) if isinstance(self.entry, Tensor) else self.entry
        return entry.xreplace(at)


@dataclass(frozen=True)
class Columns(Tensor):
    """`[ | \\cdots | ; x^{(1)} \\cdots x^{(m)} ; | \\cdots | ]`: the minibatch whose column of each
    sample is that sample's column vector `x` (one sample's entry i is x's; the sample is the
    one a batch entry is taken at, as for `A^l` beside `a^l`)."""

    x: Tensor
    batch: sympy.Expr
    tex: str

    def shape(self) -> Shape:
        return Shape(self.x.shape().rows, self.batch)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.x.lower(i, ONE, fresh)
