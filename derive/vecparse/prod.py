"""`\\text{prod}(A, B)`: d2l's product "after the needed transposes and swaps" of its arguments.

The text defines it: `prod` multiplies its arguments after whatever transposes and swaps of
their positions make the shapes fit. It is read for the two cases where that product is one
and the same whatever the layout: a number times anything, and a gradient `g` times a
derivative of a vector `\\partial y / \\partial x` (either order), which is the chain rule by
entries, `\\sum_p g_p \\partial y_p / \\partial x`, in the shape of x (a `Chain`). Any other pair
(two matrices, two derivatives of vectors) is not read: which transposes are meant would be a
guess.
"""

from __future__ import annotations

from typing import Any

from derive.latex import Tok, _depth_split, _err
from derive.tensor import Chain, Jacobian, MatMul, Scalar, Tensor, chains

_WORDS = {"\\text", "\\mathrm", "\\operatorname", "\\textrm"}


def prod_at(toks: list[Tok], k: int, hi: int) -> bool:
    """Whether `\\text{prod}` (or `\\mathrm{prod}`, `\\operatorname{prod}`) starts at k, applied."""
    if k + 6 >= hi or toks[k].text not in _WORDS or toks[k + 1].text != "{":
        return False
    if "".join(t.text for t in toks[k + 2 : k + 6]) != "prod" or toks[k + 6].text != "}":
        return False
    j = k + 7 + (k + 7 < hi and toks[k + 7].text == "\\left")
    return j < hi and toks[j].text == "("


def read_prod(r: Any, k: int, hi: int) -> tuple[Tensor, int]:
    """`\\text{prod}(A, B)` at k, and where it ends (see the module's doc)."""
    toks, scope = r.toks, r.scope
    opening = k + 7 + (toks[k + 7].text == "\\left")
    inner, close = r.argument(k + 7, hi)
    parts = [seg for seg, _sep in _depth_split(inner, {","})]
    if len(parts) != 2 or not all(parts):
        raise _err("`prod` takes two arguments", scope, toks[k], toks[close].end)
    first = opening + 1
    a_end = first + len(parts[0])
    a = r.sum(first, a_end)
    b = r.sum(a_end + 1, a_end + 1 + len(parts[1]))
    tex = r.tex(k, close + 1)
    if isinstance(a, Scalar) or isinstance(b, Scalar):
        return MatMul(a, b, tex), close + 1
    if isinstance(b, Jacobian) and chains(a, b, fit=True):
        return Chain(a, b, tex, written="prod"), close + 1
    if isinstance(a, Jacobian) and chains(b, a, fit=True):
        return Chain(b, a, tex, written="prod"), close + 1
    raise _err("`prod` is read for a number times anything, or for a gradient and a "
               "derivative of a vector (the chain rule); which transposes and swaps are meant "
               "for these arguments would be a guess", scope, toks[k], toks[close].end)

