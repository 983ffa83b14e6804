"""Derivatives written with a slash (`\\partial C / \\partial z^l`, `\\partial C/\\partial
w^l_{jk}`), rewritten as the fraction `\\frac{\\partial C}{\\partial z^l}` they stand for."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

# the end of a name with its scripts at i (with the arguments it is applied to, for the
# numerator: `\\partial J(W,b;x,y) / \\partial z`); None when no name is there
NameEnd = Callable[[Sequence[Any], int], "int | None"]


def slash_partials(toks: list, operand_end: NameEnd, name_end: NameEnd) -> list:
    """`\\partial X / \\partial Y` with X a name with its scripts (and arguments) and Y a name
    with its scripts: the fraction, its tokens keeping their places in the source. A
    `\\partial` anywhere else is left as it is."""
    out: list = []
    i = 0
    while i < len(toks):
        t = toks[i]
        num_end = operand_end(toks, i + 1) if t.text == "\\partial" else None
        if (num_end is not None and num_end + 2 < len(toks) and toks[num_end].text == "/"
                and toks[num_end + 1].text == "\\partial"):
            den_end = name_end(toks, num_end + 2)
            if den_end is not None and not _continues(toks, den_end):
                # each brace at the place of what it closes or opens: the numerator and the
                # denominator keep their own spans in the source
                out += [_sym(t, "\\frac", t.start), _sym(t, "{", t.start), *toks[i:num_end],
                        _sym(t, "}", toks[num_end - 1].end), _sym(t, "{", toks[num_end + 1].start),
                        *toks[num_end + 1:den_end], _sym(t, "}", toks[den_end - 1].end)]
                i = den_end
                continue
        out.append(t)
        i += 1
    return out


def _continues(toks: list, k: int) -> bool:
    """The denominator goes on after its name (`\\partial C / \\partial w \\, x`: a product in
    the denominator, or a second slash): not read as one derivative."""
    return k < len(toks) and toks[k].text in ("/", "(")


def _sym(t: Any, text: str, at: int) -> Any:
    """A token of no width at `at` (the fraction's own syntax)."""
    return dataclasses.replace(t, kind="cmd" if text.startswith("\\") else "sym", text=text,
                               start=at, end=at)
