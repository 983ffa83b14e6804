"""A layer's size written as the size of a set (`|l_{n-1}|`, the number of neurons of layer
l_{n-1}, where a text names its layers l_1, ..., l_n): read in a sum's bound or an index
expression as the width of that layer."""

from __future__ import annotations

import sympy

from derive.expr import Width
from derive.latex.scope import Scope
from derive.latex.tokens import Tok


def layer_size(toks: list[Tok], i: int, scope: Scope, index_expr) -> tuple[sympy.Expr, int] | None:
    """`| l _ {e} |` at toks[i]: the width of layer e and the index after the closing bar; None
    for anything else (an absolute value, a name of the notation between the bars)."""
    if toks[i].text != "|" or i + 3 >= len(toks):
        return None
    name, under = toks[i + 1], toks[i + 2]
    if name.kind != "letter" or under.text != "_" or scope.lookup(name.text) in (
            "quantity", "scalar", "function", "width", "size"):
        return None
    k = i + 3
    if toks[k].text == "{":
        depth, end = 0, None
        for j in range(k, len(toks)):
            depth += (toks[j].text == "{") - (toks[j].text == "}")
            if depth == 0:
                end = j
                break
        if end is None:
            return None
        inner, after = toks[k + 1 : end], end + 1
    else:
        inner, after = [toks[k]], k + 1
    if not inner or after >= len(toks) or toks[after].text != "|":
        return None
    layer = index_expr(inner, scope)
    scope.readings.append(f"${''.join(t.text for t in toks[i : after + 1])}$, the size of a "
                          "layer written as the size of a set (its neurons), is read as that "
                          "layer's width")
    return Width(scope.notation.width, layer), after + 1
