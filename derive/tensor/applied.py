"""`l(\\mathbf{o}, y)`: a function of several arguments applied to whole vectors, a number.

A loss the text names by a letter and never defines (`L = l(\\mathbf{o}, y)`, d2l's notation)
takes the output vector and the label: its value is one number that depends on every entry
of the vector. The node lowers to the call with each vector written whole (`Vec`), which the
model reads as a generic smooth function of all the entries (`derive.model.lookup`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.expr import Call, Vec, VecOf
from derive.tensor.nodes import Leaf, Scalar, _is_batch
from derive.tensor.shapes import ONE, Shape, ShapeError, Tensor


@dataclass(frozen=True)
class Applied(Tensor):
    """`l(\\mathbf{o}, y)`: the function `fname` of whole vectors (leaves of one index) and
    numbers; its value is a number."""

    fname: str
    args: tuple[Tensor, ...]  # each a `Leaf` of one index or a `Scalar`
    tex: str

    def shape(self) -> Shape:
        for a in self.args:
            a.shape()
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        params: list[sympy.Basic] = []
        for a in self.args:
            if isinstance(a, Leaf):
                params.append(Vec(a.name, (a.layer,) if a.layer is not None else ()))
            else:
                params.append(a.lower(ONE, ONE, fresh))
        return Call(self.fname, *params)

    def children(self) -> tuple[Tensor, ...]:
        return self.args

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, args=tuple(kids))


def whole_argument(t: Tensor) -> bool:
    """Whether `t` can be an argument of `Applied`: a vector written whole, or a number."""
    return isinstance(t, Scalar) or (isinstance(t, Leaf) and len(t.dims) == 1 and t.batch is None)


@dataclass(frozen=True)
class VectorValue(Tensor):
    """`\\mathrm{softmax}(o)`: a vector function's value at a vector, shaped like it; its entry
    j is `fname(o, j)` for a vector written whole (a leaf of one index), `fname(VecOf(..), j)`
    for one computed (`\\mathrm{softmax}(V h + c)`)."""

    fname: str
    x: Tensor
    tex: str

    def shape(self) -> Shape:
        if isinstance(self.x, Leaf) and len(self.x.dims) == 1:
            return self.x.shape()
        s = self.x.shape() if not isinstance(self.x, Leaf) else None
        if s is None or s.scalar or ((s.rows != ONE) == (s.cols != ONE)
                                     and self._samples(s) is None):  # a repair's (W^T)
            raise ShapeError(f"{self.fname} of {self.x.tex}, which is no vector", self)
        return s

    def _samples(self, s: Shape) -> str | None:
        """Where a minibatch computed in vector form has its samples (`softmax(X W + b)`: the
        function of each sample's row, "rows", or column, "cols"); None for no minibatch."""
        if _is_batch(s.rows, self.x) and not _is_batch(s.cols, self.x):
            return "rows"
        if _is_batch(s.cols, self.x) and not _is_batch(s.rows, self.x):
            return "cols"
        return None

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        if isinstance(self.x, Leaf):
            at = j if self.x.row else i
            return Call(self.fname, Vec(self.x.name, (self.x.layer,) if self.x.layer is not None
                                        else ()), at)
        s = self.shape()
        k = fresh()
        samples = self._samples(s)
        column = s.cols == ONE or samples == "cols"
        if samples is not None:  # each sample's vector, at the sample the entry is of
            body = self.x.lower(k, j, fresh) if column else self.x.lower(i, k, fresh)
        else:
            body = self.x.lower(k, ONE, fresh) if column else self.x.lower(ONE, k, fresh)
        return Call(self.fname, VecOf(body, k, s.rows if column else s.cols),
                    i if column else j)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])
