"""A number written in vector form differentiated by one entry in operator form
(`\\frac{\\partial}{\\partial z_i} \\frac{1}{2} \\|y - a\\|^2`): a number."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.expr import Partial
from derive.tensor.shapes import ONE, Shape, Tensor


@dataclass(frozen=True)
class EntryPartial(Tensor):
    """The derivative of the number `f` (a tree in vector form) by the entry `wrt`."""

    f: Tensor
    wrt: sympy.Expr
    tex: str

    def shape(self) -> Shape:
        self.f.shape()
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return Partial(self.f.lower(ONE, ONE, fresh), self.wrt)

    def children(self) -> tuple[Tensor, ...]:
        return (self.f,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, f=kids[0])
