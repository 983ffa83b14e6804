"""The formulas the prose beside them calls one path's (`Formula.path_term`): the sentences
between a formula and its neighbours name a path ("the change in C due to changes along this
particular path", "这条路径"), so that a product along one path of layers that such a formula
writes without a sum over its indices is read as that path's term (derive.check.paths), not
as the whole change. Word level only."""

from __future__ import annotations

import dataclasses
import re

from derive.infer.named import _sentences
from derive.sources.document import Document

_PATH = re.compile(r"\bpaths?\b|路径|\bPfade?\b|\bchemins?\b", re.I)


def path_terms(doc: Document) -> Document:
    """The document with each formula whose neighbouring prose names a path marked so."""
    sentences = _sentences(doc)
    formulas = doc.formulas
    out = []
    for k, f in enumerate(formulas):
        lo = max(line for _, line, _ in formulas[k - 1].line_starts) if k else 0
        hi = formulas[k + 1].line if k + 1 < len(formulas) else len(doc.lines) + 1
        near = any(_PATH.search(text) for n, text in sentences if lo < n < hi)
        out.append(dataclasses.replace(f, path_term=True) if near else f)
    return dataclasses.replace(doc, formulas=tuple(out))
