"""A sum over an index of a side in vector form whose terms are numbers: `\\sum_{j=1}^{K}
\\exp(\\theta^{(j)\\top} x)`, the classes' inner products summed in a softmax's denominator."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.tensor.shapes import ONE, Shape, ShapeError, Tensor, _phrase, _scales


@dataclass(frozen=True)
class IndexSum(Tensor):
    """`\\sum_{j=lo}^{hi} body` with a body that is a number (an inner product, a function of
    one): the sum of the body's value at each j. A body with entries is a shape error (the
    tool reads a sum of vectors only over the samples)."""

    body: Tensor
    index: sympy.Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    tex: str

    def shape(self) -> Shape:
        s = self.body.shape()
        if not _scales(s):
            raise ShapeError(f"a sum over ${self.index}$ of ${self.body.tex}$ {_phrase(s)}: the "
                             "tool reads a sum of vectors or matrices only over the samples",
                             self)
        return Shape(ONE, ONE)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return sympy.Sum(self.body.lower(ONE, ONE, fresh), (self.index, self.lo, self.hi))

    def children(self) -> tuple[Tensor, ...]:
        return (self.body,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, body=kids[0])
