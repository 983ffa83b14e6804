"""Softmax regression's notation in vector form: a class's parameter vector `\\theta^{(k)}` (the
column k of a matrix without layers), the bounds of a sum over the classes
(`\\sum_{j=1}^{K}`), and where an indicator `1\\{y = k\\}` ends (a number in a vector
expression)."""

from __future__ import annotations

import sympy

from derive.latex import Index, Scope, Tok, _index_expr, _strip_group
from derive.notation import QuantitySpec


def _indicator_end(toks: list[Tok], k: int, hi: int) -> int | None:
    """After the indicator `1\\{c\\}` (or `1\\left\\{c\\right\\}`) at k; None when none starts."""
    j = k + 1 + (k + 1 < hi and toks[k + 1].text == "\\left")
    if j >= hi or toks[j].text != "\\{":
        return None
    depth = 0
    for p in range(j, hi):
        depth += (toks[p].text == "\\{") - (toks[p].text == "\\}")
        if depth == 0:
            return p + 1
    return None


def _bounds(sub: list[Tok], sup: list[Tok] | None,
            scope: Scope) -> tuple[sympy.Symbol, sympy.Expr, sympy.Expr] | None:
    """`_{j=1}^{K}`: the index and its bounds; None for a sum written otherwise."""
    if sup is None or len(sub) < 3 or sub[0].kind != "letter" or sub[1].text != "=":
        return None
    return Index(sub[0].text), _index_expr(sub[2:], scope), _index_expr(sup, scope)


def _column(spec: QuantitySpec, sup: list[Tok], scope: Scope) -> sympy.Expr | None:
    """`\\theta^{(k)}`, `\\theta^{(1)}` of a matrix without layers: its column k (a class's
    parameter vector, derive.infer.classes); None for any other superscript."""
    g = _strip_group(sup)
    if (spec.layers or len(spec.shape) != 2 or len(g) != 3 or g[0].text != "("
            or g[2].text != ")" or g[1].kind not in ("letter", "num")
            or g[1].text == scope.notation.sample):
        return None
    return _index_expr(g[1:2], scope)
