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
        if isinstance(self.entry, Tensor):  # its own sums not over the pattern's letters
            entry = self.entry.lower(ONE, ONE, _Avoiding(fresh, set(at)))
        else:
            entry = self.entry
        return _renamed(entry, at).xreplace(at)


class _Avoiding:
    """Fresh summation indices, none of them a letter of the pattern."""

    def __init__(self, fresh, letters: set) -> None:  # type: ignore[no-untyped-def,type-arg]
        self._fresh, self._letters = fresh, letters

    def __call__(self) -> sympy.Symbol:
        while True:
            name = self._fresh()
            if name not in self._letters:
                return name


def _renamed(entry: sympy.Basic, at: dict) -> sympy.Basic:  # type: ignore[type-arg]
    """The entry with each summation index that an index put in its place would be captured by
    renamed (exp(Σ_k θ_{kr} x_k) at r = k is exp(Σ_{k'} θ_{k'k} x_{k'}), not Σ_k θ_{kk} x_k)."""
    clash = set().union(*(v.free_symbols for v in at.values())) if at else set()
    clash |= set(at)
    taken = {str(s) for s in entry.free_symbols | clash}
    swaps: dict = {}  # type: ignore[type-arg]
    for s in sympy.preorder_traversal(entry):
        if isinstance(s, sympy.Sum):
            for lim in s.limits:
                v = lim[0]
                if v in clash and v not in swaps:
                    name = str(v)
                    while name in taken:
                        name += "'"
                    taken.add(name)
                    swaps[v] = type(v)(name) if type(v) is not sympy.Symbol else sympy.Symbol(
                        name, **v.assumptions0)
    if not swaps:
        return entry
    return entry.replace(lambda e: isinstance(e, sympy.Sum), lambda e: _swap_sum(e, swaps))


def _swap_sum(e: sympy.Sum, swaps: dict) -> sympy.Sum:  # type: ignore[type-arg]
    """One sum with its clashing indices renamed, in its limits and body."""
    sub = {lim[0]: swaps[lim[0]] for lim in e.limits if lim[0] in swaps}
    if not sub:
        return e
    return sympy.Sum(e.function.xreplace(sub), *[(sub.get(v, v), lo, hi) for v, lo, hi in e.limits])


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
