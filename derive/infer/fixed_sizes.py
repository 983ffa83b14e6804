"""A size the prose fixes for a section (`在 $K=2$ 特例中`, "for $K = 2$", "when $n = 3$"): the
formulas after it in that section that do not write the size's name are checked in networks of
that size (`Formula.fixed_sizes`, read by derive.vecparse.entries for the shapes and by
derive.evaluate for the networks).

Only a size the notation names (`sizes`: `K = "C_n"`, the number of classes), stated as an
inline formula `NAME = NUMBER` of its own. A formula that writes the name itself (a sum to `K`,
`P(y = K | x)`) is about any size and is left alone: an example's `K = 10` beside the general
formulas changes none of them. Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses
import re

from derive.sources.document import Document, Formula

_STATED = re.compile(r"^\s*([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*=\s*(\d+)\s*[.,]?\s*$")
LARGEST = 6  # a larger size is not checked so (its sums would be too long): said, not applied


def _plain(name: str) -> str:
    return re.sub(r"[{}\s]", "", name)


def _stated(doc: Document, sizes: set[str]) -> list[tuple[Formula, str, int]]:
    """The inline formulas `K = 2` that fix a size the notation names, in the text's order."""
    out = []
    for f in doc.inline:
        m = _STATED.match(f.text)
        if m is not None and _plain(m[1]) in sizes:
            out.append((f, _plain(m[1]), int(m[2])))
    return sorted(out, key=lambda s: s[0].line)


def _writes(f: Formula, name: str) -> bool:
    """Whether a formula writes the size's name (`K`, `n_x`) as a name of its own."""
    head, _, sub = name.partition("_")
    pattern = re.escape(head) + (r"_\{?" + re.escape(sub) + r"\}?" if sub else "")
    return re.search(rf"(?<![A-Za-z\\]){pattern}(?![A-Za-z])", f.text) is not None


def _in_section(f: Formula, stated: Formula) -> bool:
    """Whether a display formula is after the statement, in its section (or a part of it)."""
    return (f.line > stated.line and stated.section
            and f.section[:len(stated.section)] == stated.section)


def fixed_sizes(doc: Document, sizes: set[str]) -> tuple[Document, list[str]]:
    """The document with each formula's fixed sizes given to it, and the facts that say so."""
    stated = _stated(doc, sizes)
    if not stated:
        return doc, []
    formulas, applied = [], {}
    for f in doc.formulas:
        found: dict[str, tuple[Formula, int]] = {}
        for at, name, value in stated:
            if _in_section(f, at) and not _writes(f, name):
                found[name] = (at, value)  # the latest statement before the formula wins
        pairs = tuple((n, v) for n, (_, v) in sorted(found.items()) if 1 <= v <= LARGEST)
        for name, (at, value) in found.items():
            applied.setdefault((at.line, name, value), []).append(f.line)
        formulas.append(dataclasses.replace(f, fixed_sizes=pairs) if pairs else f)
    facts = []
    for (line, name, value), lines in sorted(applied.items()):
        where = ", ".join(map(str, lines))
        if value > LARGEST:
            facts.append(f"line {line} fixes ${name} = {value}$ for its section: more than "
                         f"{LARGEST}, not checked at that size (line{'s' if len(lines) > 1 else ''}"
                         f" {where} checked at the usual sizes)")
            continue
        facts.append(f"line {line} fixes ${name} = {value}$ for its section: "
                     f"line{'s' if len(lines) > 1 else ''} {where} after it, which do not "
                     f"write ${name}$, checked with ${name} = {value}$")
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts
