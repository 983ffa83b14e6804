"""Where a sum written without brackets around its summand ends (a token rewrite that comes
before any parsing, derive.latex.tokens).

Read by precedence, `\\sum_{i=1}^{m} y^{(i)} \\log h^{(i)} + (1 - y^{(i)}) \\log (1 - h^{(i)})`
sums its first term only and leaves the sum's index free in the terms after it. Texts
(UFLDL's costs among them) write so for the sum of the whole: the terms after the first that use
the sum's index, up to the bracket around the sum or the end of the side, are in the summand.
The summand is then bracketed as meant: `\\sum_{i=1}^{m} ( ... + ... )`. A sum whose later terms
do not use its index (`\\sum_j w_{ij} x_j + b_i`), or that are followed by another sum, a
relation or a separator, is left as written."""

from __future__ import annotations

from derive.latex.lexer import Tok
from derive.latex.operands import _braced

_OPEN = {"(", "[", "{", "\\{", "\\lVert", "\\lvert", "\\langle"}
_CLOSE = {")", "]", "}", "\\}", "\\rVert", "\\rvert", "\\rangle"}
_BARS = {"|", "\\|", "\\Vert", "\\vert"}  # a norm's or absolute value's bars: open, then close
# where the side the sum is in ends, or what makes its extent a reading of its own
_STOPS = {"=", "&", "\\\\", ",", ";", ".", "\\approx", "\\le", "\\leq", "\\ge", "\\geq", "<", ">",
          "\\sum", "\\prod", "\\int", "\\in", "\\quad", "\\qquad", "\\text", "\\mathrm",
          "\\leftarrow", "\\gets", "\\to", "\\rightarrow", "\\equiv", "\\ne", "\\neq"}


def _limits_end(toks: list[Tok], k: int) -> tuple[str, int] | None:
    """After `\\sum_{i=1}^{m}` at k: the index letter and where the summand starts; None for a
    sum written otherwise."""
    if k + 2 >= len(toks) or toks[k + 1].text != "_":
        return None
    if toks[k + 2].text == "{":
        end = _braced(toks, k + 2)
        if end is None or k + 3 >= end or toks[k + 3].kind != "letter":
            return None
        letter, j = toks[k + 3].text, end
    elif toks[k + 2].kind == "letter":
        letter, j = toks[k + 2].text, k + 3
    else:
        return None
    if j < len(toks) and toks[j].text == "^":
        if j + 1 < len(toks) and toks[j + 1].text == "{":
            close = _braced(toks, j + 1)
            if close is None:
                return None
            j = close
        else:
            j += 2
    return letter, j


def _extent(toks: list[Tok], start: int, letter: str) -> tuple[int, int] | None:
    """Where the first term after `start` ends and where the summand as meant ends (the
    bracket around the sum, or the end), when a later term uses `letter`; None otherwise."""
    depth, first = 0, None
    uses = False
    bars: set[str] = set()  # the bars open
    for p in range(start, len(toks)):
        t = toks[p].text
        if t in _BARS:
            if t in bars:
                bars.discard(t)
                depth -= 1
            else:
                bars.add(t)
                depth += 1
        elif t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
            if depth < 0:
                end = p - 1 if toks[p - 1].text == "\\right" else p
                return (first, end) if first is not None and uses else None
        elif depth == 0 and t in _STOPS:
            if first is not None and t in ("\\sum", "\\prod", "\\int"):
                return None  # a sum after: what is summed where is a reading of its own
            return (first, p) if first is not None and uses else None
        elif depth == 0 and t in ("+", "-") and p > start and first is None:
            if toks[p - 1].text in ("^", "_", "(", "\\left"):
                continue
            first = p
        elif first is not None and t == letter and toks[p].kind == "letter":
            uses = True
    return (first, len(toks)) if first is not None and uses else None


def sum_extents(toks: list[Tok]) -> list[Tok]:
    """The summand of each sum whose later terms use its index, bracketed (see the module)."""
    k = 0
    while k < len(toks):
        if toks[k].text != "\\sum":
            k += 1
            continue
        limits = _limits_end(toks, k)
        found = _extent(toks, limits[1], limits[0]) if limits is not None else None
        if limits is None or found is None:
            k += 1
            continue
        start, end = limits[1], found[1]
        at, close = toks[start].start, toks[end - 1].end
        toks = [*toks[:start], Tok("sym", "(", at, at), *toks[start:end],
                Tok("sym", ")", close, close), *toks[end:]]
        k += 1
    return toks
