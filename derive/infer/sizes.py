"""Sizes the prose names: "a linear classifier for $K$ classes" names the number of classes `K`,
the range of the labels' index, when no formula names it (a sum's bound would: `\\sum_{c=1}^{K}`).

Only a name written alone in inline maths right before the words (`$K$ classes`,
`$M$ categories`, `$K$ 个类别`) that no formula uses, and only where the labels are a quantity
without layer tags whose one index the formulas range (derive.infer.front): the size then
stands for that range in the shapes and the summary, as a bound's name would."""

from __future__ import annotations

import re

from derive.infer.named import _sentences
from derive.sources.document import Document

_NAME = r"\$\s*([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*\$"
_CLASSES = re.compile(_NAME + r"\s*(?:(?:possible|different|distinct|output|target)\s+)?"
                      r"(?:classes|categories)\b|" + _NAME + r"\s*(?:个|种)?\s*(?:类别|类)", re.I)


def said_sizes(doc: Document) -> dict[str, tuple[str, int]]:
    """The sizes the prose names: name -> (what it counts, the line that says it)."""
    out: dict[str, tuple[str, int]] = {}
    for line, sentence in _sentences(doc):
        for m in _CLASSES.finditer(sentence):
            name = m.group(1) or m.group(2)
            out.setdefault(name, ("classes", line))
    return out
