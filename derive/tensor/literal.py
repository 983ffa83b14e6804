"""A vector or matrix written by its entries (`\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}`,
`\\left[\\begin{array}{c} 3 \\\\ 8 \\end{array}\\right]`): a node whose shape is the count of its
rows and columns and whose entry (i, j) is the cell written there."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive.functions import kronecker
from derive.tensor.shapes import Shape, Tensor


@dataclass(frozen=True)
class Literal(Tensor):
    """The cells of each row, in order (every row as long as the first)."""

    cells: tuple[tuple[sympy.Expr, ...], ...]
    tex: str

    def shape(self) -> Shape:
        return Shape(sympy.Integer(len(self.cells)), sympy.Integer(len(self.cells[0])))

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        """The cell at (i, j): one cell where the entry is a number, else the sum of each cell
        times its Kronecker deltas (zero past the last row or column)."""
        if i.is_Integer and j.is_Integer:
            return self.cells[int(i) - 1][int(j) - 1]
        return sympy.Add(*[kronecker(i, sympy.Integer(r + 1)) * kronecker(j, sympy.Integer(c + 1))
                           * cell for r, row in enumerate(self.cells)
                           for c, cell in enumerate(row)])
