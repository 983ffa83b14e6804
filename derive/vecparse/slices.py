"""A matrix's column written with a mark for the whole range of its first index (cs231n's
`w^{l+1}_{.j}`, `W_{:,j}`, `W_{\\cdot j}`): that column, a vector (`tensor.Leaf.column`)."""

from __future__ import annotations

import sympy

from derive.latex import Scope, Tok, _index_expr, _strip_group
from derive.notation import QuantitySpec

_WHOLE = {".", ":", "\\cdot", "\\bullet", "*"}


def column_slice(spec: QuantitySpec, sub: list[Tok], scope: Scope) -> sympy.Expr | None:
    """The column index of a subscript `.j`, `:,j`, `\\cdot j` on a matrix; None otherwise."""
    g = [t for t in _strip_group(sub) if t.text != ","]
    if len(spec.shape) != 2 or len(g) != 2 or g[0].text not in _WHOLE:
        return None
    if g[1].kind not in ("letter", "num"):
        return None
    return _index_expr(g[1:], scope)
