"""Shapes of the nodes of a side in vector form (rows x columns, in the notation's sizes), and
the `Tensor` base class every node extends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from derive.expr import to_latex

if TYPE_CHECKING:
    from derive.tensor.lowering import Fresh

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



# the sample's column of a matrix with one column per sample (Z = W X + b): lowering at it
# gives the sample's own quantity; a product over it is the sum over the minibatch
SAMPLE = sympy.Symbol("sample·column")

def _scales(s: Shape) -> bool:
    """A scalar, or a 1x1 product such as w^T x: it multiplies as a number."""
    return s.scalar or (same(s.rows, ONE) and same(s.cols, ONE))


def walk(t: Tensor) -> Iterator[Tensor]:
    yield t
    for c in t.children():
        yield from walk(c)
