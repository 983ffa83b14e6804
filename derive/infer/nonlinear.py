"""Functions the prose calls non-linear: `a non-linear activation $a = g(z)$`.

A claim that fails for the generic stand-in of a function the text never defines but holds
if the function is the identity is not refuted (derive.standins): the text may mean a linear
layer. A text that calls the function non-linear where it introduces it excludes that: the
word `non-linear` (`nonlinear`, `非线性`) right before an inline formula that applies the
function (`$a = g(z)$`, `$g(z)$`), on its line or at the end of the line before. The front matter's `nonlinear` list, with a
fact. Token level only: nothing is evaluated."""

from __future__ import annotations

import re

from derive.errors import InputError
from derive.latex import tokenize
from derive.sources.document import Document, Formula

_WORD = re.compile(r"non-?linear(?:ity|ities)?\s+(?:[a-z]+\s+){0,2}$|非线性\S{0,4}$",
                   re.IGNORECASE)


def _applied(f: Formula, functions: dict[str, int]) -> str | None:
    """The one function of the text the inline formula applies, or None."""
    try:
        toks = [t for t in tokenize(f.text, f) if t.text.strip()]
    except InputError:
        return None
    found = {t.text for k, t in enumerate(toks[:-1])
             if t.text in functions and toks[k + 1].text == "("}
    return found.pop() if len(found) == 1 else None


def nonlinear_functions(doc: Document, functions: dict[str, int]) -> tuple[list[str], list[str]]:
    """The functions the prose calls non-linear, and the facts that say so."""
    found: list[str] = []
    facts: list[str] = []
    for f in doc.inline:
        name = _applied(f, functions)
        if name is None or name in found:
            continue
        first = f.span(0)
        if not 0 < first.line <= len(f.lines):
            continue
        before = f.lines[first.line - 1][:max(first.col - 2, 0)]
        if first.line > 1:  # the sentence may break the line before the formula
            before = f.lines[first.line - 2] + " " + before
        if _WORD.search(before.rstrip("$ ") + " "):
            found.append(name)
            facts.append(f"${name}$: the prose at line {first.line} calls it non-linear: a claim "
                         f"that holds only if ${name}$ is the identity is not excused by that "
                         f"reading (to say otherwise: nonlinear)")
    return found, facts
