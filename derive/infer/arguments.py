"""Letters a text uses only as an argument of a function of several arguments (`y` in
`L = l(\\mathbf{o}, y)`): given numbers, as the label of one sample is (derive.infer.vectors
asks, for the letters its vector-form reading leaves without a shape)."""

from __future__ import annotations

from typing import Any

from derive.latex import Tok


def lone_arguments(tokens: list[tuple[Any, list[Tok]]], functions: dict[str, int]) -> set[str]:
    """The letters every use of which is a whole argument, alone between the brackets' commas,
    of a function the front matter gives two arguments or more."""
    alone: set[str] = set()
    other: set[str] = set()
    for _f, toks in tokens:
        inside = _lone_positions(toks, functions)
        for k, t in enumerate(toks):
            if t.kind != "letter" or _accented(toks, k):
                continue
            (alone if k in inside else other).add(t.text)
    return alone - other


# the letter under one of these is a name of its own: the y of \hat y is no use of y
_ACCENTS = frozenset({"\\hat", "\\widehat", "\\tilde", "\\widetilde", "\\bar",
                      "\\overline", "\\check", "\\breve", "\\dot", "\\ddot"})


def _accented(toks: list[Tok], k: int) -> bool:
    """Whether the letter at `k` is under an accent (`\\hat y`, `\\hat{y}`): part of the
    accented name (the prediction beside the label `y` of `L(\\hat y, y)`)."""
    if k >= 1 and toks[k - 1].text in _ACCENTS:
        return True
    return (k >= 2 and toks[k - 1].text == "{" and toks[k - 2].text in _ACCENTS
            and k + 1 < len(toks) and toks[k + 1].text == "}")


def _lone_positions(toks: list[Tok], functions: dict[str, int]) -> set[int]:
    """The positions of the letters alone in an argument of a call `f(a, y)` (f of two
    arguments or more)."""
    out: set[int] = set()
    for k, t in enumerate(toks[:-1]):
        if functions.get(t.text, 1) < 2 or toks[k + 1].text != "(":
            continue
        start, depth = k + 2, 0
        for j in range(k + 2, len(toks)):
            x = toks[j].text
            if x in ("(", "{", "["):
                depth += 1
            elif x in (")", "}", "]") and depth > 0:
                depth -= 1
            elif depth == 0 and x in (",", ")"):
                if j - start == 1 and toks[start].kind == "letter":
                    out.add(start)
                start = j + 1
                if x == ")":
                    break
    return out
