"""A name the prose accumulates over the samples from 0 (UFLDL's `\\Delta W^{(l)} := 0`, then,
for `i = 1` to `m`, `\\Delta W^{(l)} := \\Delta W^{(l)} + \\nabla_{W^{(l)}} J(W,b;x,y)`): the sum
over the samples of the one-sample term it adds.

The three sentences must all be there, in that order: the name set to 0, a loop over a letter
from 1 to a letter (`For \\ i=1 \\ to \\ m`, `i = 1, \\ldots, m`), and the name set to itself plus a term that writes a
one-sample cost (a call with its sample after `;`, `J(W,b;x,y)`). The display formulas after
them that write the name read it as `\\sum_{i=1}^{m}` of that term at sample i (`J(W,b;x^{(i)},
y^{(i)})`: `Formula.accumulated`, read by derive.latex.aliases), and an update with it is
checked as gradient descent on the text's overall cost (derive.check.updates). Anything else
(no loop said, no sample in the term) leaves the name as written. Token level only."""

from __future__ import annotations

import dataclasses
import re

from derive.sources.document import Document, Formula

_NAME = r"(\\Delta\s*[A-Za-z](?:\^\{?\(?[A-Za-z0-9]\)?\}?)?)"
_STYLE = r"^\s*(?:\\(?:text|display)style\s*)?"
_ZERO = re.compile(_STYLE + _NAME + r"\s*:=\s*0\s*[.,]?\s*$")
_ADD = re.compile(_STYLE + _NAME + r"\s*:=\s*" + r"(\\Delta\s*[^+]*?)\s*\+\s*(.+?)\s*[.,]?\s*$",
                  re.S)
# `For \ i=1 \ to \ m` (the words in the maths), or `i = 1, \ldots, m` after a "for" in words
_GAP = r"(?:\\\s|\\,|\s)*"
_LOOP = re.compile(rf"^{_GAP}(?:[Ff]or{_GAP})?([a-z]){_GAP}={_GAP}1{_GAP}"
                   rf"(?:to|,?{_GAP}\\[lc]?dots{_GAP},?){_GAP}([a-z]){_GAP}$")
# the sample after `;` of a one-sample cost: `J(W,b;x,y)`
_SAMPLE = re.compile(r";\s*([A-Za-z](?:\s*,\s*[A-Za-z])*)\s*\)")


def _plain(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _at_sample(term: str, sample: str) -> str | None:
    """The term at sample `sample`: `J(W,b;x,y)` -> `J(W,b;x^{(i)},y^{(i)})`; None without
    one sample's cost in it."""
    found = list(_SAMPLE.finditer(term))
    if len(found) != 1:
        return None
    m = found[0]
    args = ",".join(f"{a.strip()}^{{({sample})}}" for a in m.group(1).split(","))
    return term[:m.start()] + ";" + args + ")" + term[m.end():]


def _sums(inline: tuple[Formula, ...]) -> list[tuple[str, str, Formula]]:
    """(the name as written, its sum, the sentence that accumulates it)."""
    zeros = {_plain(m.group(1)): f.line for f in inline if (m := _ZERO.match(f.text))}
    loops = [(f.line, m.group(1), m.group(2)) for f in inline if (m := _LOOP.match(f.text))]
    out = []
    for f in inline:
        m = _ADD.match(f.text)
        if m is None or _plain(m.group(1)) != _plain(m.group(2)) or _plain(m.group(1)) not in zeros:
            continue
        start = zeros[_plain(m.group(1))]
        loop = next(((i, n) for line, i, n in loops if start <= line <= f.line), None)
        if loop is None:
            continue
        term = _at_sample(m.group(3), loop[0])
        if term is None:
            continue
        out.append((m.group(1).strip(), f"\\left(\\sum_{{{loop[0]}=1}}^{{{loop[1]}}} {term}"
                    "\\right)", f))
    return out


def read_accumulators(doc: Document) -> tuple[Document, list[str]]:
    """The document with the accumulated names of its displays read as their sums, and the
    facts."""
    found = _sums(doc.inline)
    if not found:
        return doc, []
    formulas = list(doc.formulas)
    facts = []
    for name, total, said in found:
        uses = [k for k, f in enumerate(formulas) if f.line > said.line and not f.annotation
                and _plain(name) in _plain(f.text)]
        for k in uses:
            formulas[k] = dataclasses.replace(
                formulas[k], accumulated=(*formulas[k].accumulated, (name, total)))
        if uses:
            facts.append(f"line {said.line}: ${name}$ starts at 0 and adds one sample's term "
                         f"for each sample: read as ${total}$ where the display formulas after "
                         "it write it, and an update with it as gradient descent on the "
                         "text's overall cost")
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts
