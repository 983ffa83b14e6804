"""The range a text states for one of its scalars (`$0 < \\alpha < 1$` beside a leaky ReLU,
`a > 0` after a logistic of slope a): the scalar's random values are drawn inside it, so a
claim that holds only there (g'(u) = α for u < 0 of max(αu, u), which needs α < 1) is checked
where the text means it. Read from the inline and display maths that state nothing else, or
after a gap at the end of a row (`, \\quad a > 0`); said in the summary."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from derive.sources.document import Document

_NUM = r"-?\d+(?:\.\d+)?"
_LT = r"(<|\\le|\\leq|\\leqslant)"
_GT = r"(>|\\ge|\\geq|\\geqslant)"
_NAME = r"(\\[A-Za-z]+|[A-Za-z])"
_BETWEEN = re.compile(rf"({_NUM})\s*{_LT}\s*{_NAME}\s*{_LT}\s*({_NUM})")
_ABOVE = re.compile(rf"{_NAME}\s*{_GT}\s*({_NUM})")
_BELOW = re.compile(rf"{_NAME}\s*{_LT}\s*({_NUM})")
_INTERVAL = re.compile(rf"{_NAME}\s*\\in\s*[(\[]\s*({_NUM})\s*,\s*({_NUM})\s*[)\]]")
_TAIL = re.compile(r"(?:,|\\quad|\\qquad|\\text\{\s*(?:for|with|where)\s*\})\s*(.*)$", re.S)


def _statement(text: str) -> tuple[str, Fraction | None, Fraction | None] | None:
    """(name, lower, upper) of `0 < name < 1`, `name > 0`, `name \\in (0, 1)`; None else."""
    text = text.strip().rstrip(",.;").strip()
    for pattern, build in (
            (_BETWEEN, lambda m: (m[3], Fraction(m[1]), Fraction(m[5]))),
            (_INTERVAL, lambda m: (m[1], Fraction(m[2]), Fraction(m[3]))),
            (_ABOVE, lambda m: (m[1], Fraction(m[3]), None)),
            (_BELOW, lambda m: (m[1], None, Fraction(m[3])))):
        m = pattern.fullmatch(text)
        if m:
            return build(m)
    return None


Stated = dict[str, tuple[Fraction, Fraction, int]]  # name -> (low, high, the line stating it)


def drawn(name: str, stated: Stated, default: str = "random positive values") -> str:
    """How a scalar's values are drawn, said: inside the range the text states, else as by
    default."""
    if name not in stated:
        return f"checked at {default}"
    low, high, line = stated[name]
    return f"checked at random values in ({low}, {high}), the range the text states at line {line}"


def stated_ranges(doc: Document, front: dict[str, Any], body: set[str]
                  ) -> tuple[Stated, list[str]]:
    """Put each range the text states for a scalar of `front` into its entry (`range = [lo,
    hi]`, an end the text leaves open as the draw's) where it narrows the values drawn by
    default (a scalar of a function's body, in `body`: 0.1..1.8; another: -1.8..1.8). The
    ranges, and the facts for the scalars outside `body` (those of the bodies are said with
    them, `drawn`)."""
    scalars = front.get("scalars", {})
    found: dict[str, tuple[Fraction | None, Fraction | None, int]] = {}
    for f in (*doc.inline, *doc.formulas):
        texts = [f.text]
        tail = _TAIL.search(f.text)
        if tail is not None and f in doc.formulas:
            texts.append(tail.group(1))
        for text in texts:
            got = _statement(text)
            if got is None or got[0] not in scalars or got[0] in found:
                continue
            name, lo, hi = got
            found[name] = (lo, hi, f.span(0).line)
    stated: Stated = {}
    for name, (lo, hi, line) in sorted(found.items()):
        top = Fraction(9, 5)
        bottom = Fraction(1, 10) if name in body else -top
        if (lo is None or lo <= bottom) and (hi is None or hi >= top):
            continue  # the default draws are inside it already
        low = lo if lo is not None else min(bottom, hi - 1)
        high = hi if hi is not None else max(low + 1, top)
        if low < high:
            scalars[name]["range"] = [str(low), str(high)]
            stated[name] = (low, high, line)
    facts = [f"${name}$: given no value the tool reads: {drawn(name, stated)}"
             for name in stated if name not in body]
    return stated, facts
