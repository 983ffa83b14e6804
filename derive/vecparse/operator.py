"""`\\frac{\\partial}{\\partial z_i} \\frac{1}{2} \\|y - a\\|^2`: an operator-form derivative by
one entry of what follows it in vector form, to the end of its term (a number)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.latex import Tok, parse_expression
from derive.latex.scope import _err
from derive.tensor.operator import EntryPartial
from derive.tensor.shapes import ShapeError

if TYPE_CHECKING:
    from derive.vecparse.reader import _Reader


def entry_partial(rd: _Reader, k: int, after: int, hi: int, bottom: list[Tok]
                  ) -> tuple[EntryPartial, int]:
    """The derivative the fraction at k writes, of what follows it at `after` (before `hi`)."""
    toks, scope = rd.toks, rd.scope
    end = _term_end(toks, after, hi)
    if end <= after:
        raise _err("a derivative needs something to differentiate: \\frac{\\partial X}{...}",
                   scope, toks[k])
    f = rd.sum(after, end)
    try:
        shape = f.shape()
    except ShapeError:
        shape = None
    if shape is None or not shape.scalar:  # J(z^{(n_l)}): no number in vector form, as read
        return rd.scalar(k, end), end
    wrt = parse_expression(bottom, scope)
    return EntryPartial(f, wrt, rd.tex(k, end)), end


_OPEN, _CLOSE = ("(", "[", "{", "\\{"), (")", "]", "}", "\\}")
_BARS = ("\\|", "\\lVert", "\\rVert", "\\Vert")


def _term_end(toks: list[Tok], k: int, hi: int) -> int:
    """Where the term from k ends: a `+` or `-` outside brackets and norms, a bracket that
    closes around it, or hi."""
    depth = 0
    inside = False  # within \| ... \|
    for p in range(k, hi):
        t = toks[p].text
        if t in _BARS:
            inside = t != "\\rVert" and (t == "\\lVert" or not inside)
        elif t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
            if depth < 0:
                return p - 1 if p > k and toks[p - 1].text == "\\right" else p
        elif t in ("+", "-") and depth == 0 and not inside and p > k:
            return p
    return hi
