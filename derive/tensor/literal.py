"""A vector or matrix written by its entries (`\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}`,
`\\left[\\begin{array}{c} 3 \\\\ 8 \\end{array}\\right]`): a node whose shape is the count of its
rows and columns and whose entry (i, j) is the cell written there."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive.functions import kronecker
from derive.tensor.shapes import ONE, Shape, Tensor


@dataclass(frozen=True)
class Literal(Tensor):
    """The cells of each row, in order (every row as long as the first)."""

    cells: tuple[tuple[sympy.Expr | Tensor, ...], ...]  # a cell a number, or a 1 x 1 tensor
    tex: str
    texts: tuple[tuple[str, ...], ...] = ()  # each cell as written, for the findings

    def shape(self) -> Shape:
        return Shape(sympy.Integer(len(self.cells)), sympy.Integer(len(self.cells[0])))

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        """The cell at (i, j): one cell where the entry is a number, else the sum of each cell
        times its Kronecker deltas (zero past the last row or column)."""
        if i.is_Integer and j.is_Integer:
            return _number(self.cells[int(i) - 1][int(j) - 1], fresh)
        return sympy.Add(*[kronecker(i, sympy.Integer(r + 1)) * kronecker(j, sympy.Integer(c + 1))
                           * _number(cell, fresh) for r, row in enumerate(self.cells)
                           for c, cell in enumerate(row)])

    def children(self) -> tuple[Tensor, ...]:
        return tuple(c for row in self.cells for c in row if isinstance(c, Tensor))

    def rebuild(self, kids: tuple[Tensor, ...]) -> Tensor:
        it = iter(kids)
        cells = tuple(tuple(next(it) if isinstance(c, Tensor) else c for c in row)
                      for row in self.cells)
        return Literal(cells, self.tex, self.texts)

    def swapped(self) -> list[tuple[str, str, Literal]]:
        """A vector's entries two at a time in each other's place: each pair's texts and the
        vector so written (a matrix of more rows and columns: none)."""
        flat = [c for row in self.cells for c in row]
        texts = [t for row in self.texts for t in row] or [""] * len(flat)
        if len(self.cells) > 1 and len(self.cells[0]) > 1:
            return []
        out = []
        for a in range(len(flat)):
            for b in range(a + 1, len(flat)):
                cells, words = list(flat), list(texts)
                cells[a], cells[b] = cells[b], cells[a]
                words[a], words[b] = words[b], words[a]
                out.append((texts[a], texts[b], Literal(_shaped(cells, self.cells),
                                                        self.tex, _shaped(words, self.cells))))
        return out


def _shaped(flat: list, like: tuple[tuple, ...]) -> tuple[tuple, ...]:  # type: ignore[type-arg]
    """A vector's entries in the rows and columns of `like` (one column or one row)."""
    if len(like) == 1:
        return (tuple(flat),)
    return tuple((c,) for c in flat)


def _number(cell: sympy.Expr | Tensor, fresh) -> sympy.Expr:  # type: ignore[no-untyped-def]
    """A cell's number: a 1 x 1 tensor (`\\exp(\\theta^{(1)\\top} x)`) lowered at its one entry."""
    return cell.lower(ONE, ONE, fresh) if isinstance(cell, Tensor) else cell
