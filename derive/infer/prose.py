"""Definitions a text gives only in its prose: `$a^l = \\sigma(z^l)$` in a sentence.

Notes often state the forward pass once in display maths and say the rest inline (Nielsen's
chapter 2 writes "we compute the weighted input $z^l \\equiv w^l a^{l-1} + b^l$ ... sometimes
written $a^l = \\sigma(z^l)$"). When a quantity the display formulas use has no definition of its
own there, the first inline equation whose left side is that quantity alone, written for the
layer variable (not for one layer), and whose right side does not read the same quantity, is
taken as its definition: it joins the document's formulas at its line, so that it is reported
as a definition there and the reader sees where the model came from.
"""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.infer.scan import _DEFINE, Occ, _rows, _single_name, _strip
from derive.sources.document import Document


def with_prose_definitions(doc: Document, quantities: dict, defined: dict[str, int],
                           layer_var: str | None, bypassed: frozenset[str] | set[str] = frozenset()
                           ) -> tuple[Document, list[str]]:
    """The document with the inline definitions of quantities that have none, or none before
    the prose gives one (the display's later one is then checked as a claim), and the facts."""
    # defined quantities, and layer quantities read as given only for want of a definition
    # (an activation is no parameter; nor is one whose self-feeding definition is a claim):
    # the prose may define either
    missing = {q for q, spec in quantities.items() if not spec.get("given")
               or ("layers" in spec and (not spec.get("parameter") or q in bypassed))}
    if not missing or not doc.inline:
        return doc, []
    chosen = []
    facts = []
    for f in doc.inline:
        try:
            rows = _rows(f)
        except InputError:
            continue
        for r in rows:
            left = [o for o in r.occs if o.side == 0]
            if left and _of_parameters(left[0], quantities):  # h_{W,b}(x): h, at x
                left = left[:1] + [o for o in left[1:] if o.name not in left[0].args]
            if (r.relation not in _DEFINE or len(r.sides) != 2 or len(left) != 1
                    or left[0].name not in missing or not _single_name(r.sides[0])
                    or defined.get(left[0].name, 10**9) < f.line):
                continue
            head = left[0]
            if layer_var is not None and "layers" in quantities[head.name] and not (
                    head.sup and any(t.text == layer_var for t in head.sup)):
                continue  # a^L = ...: one layer's value, not the definition
            if any(o.side == 1 and o.name == head.name for o in r.occs):
                continue  # reads itself: a recursion, not what the display lacks
            chosen.append(f)
            missing.discard(head.name)
            where = ("only in the prose" if head.name not in defined else
                     f"in the prose before its display formula at line {defined[head.name]}")
            facts.append(f"${head.name}$ is defined {where}: ${f.text.strip()}$ at line "
                         f"{f.line} is taken as its definition")
            break
    if not chosen:
        return doc, []
    formulas = sorted([*doc.formulas, *chosen], key=lambda f: (f.line, f.number))
    renumbered = tuple(dataclasses.replace(f, number=k) for k, f in enumerate(formulas, start=1))
    return dataclasses.replace(doc, formulas=renumbered), facts


def _of_parameters(o: Occ, quantities: dict) -> bool:
    """`h_{W,b}(x)`: a use whose subscript lists the text's layered quantities, applied to its
    argument (the value of those parameters at it, as derive.infer.names reads it)."""
    names = [t.text for t in _strip(o.sub or []) if t.text not in ("{", "}")]
    return (o.call is not None and len(names) >= 3 and all(n == "," for n in names[1::2])
            and all("layers" in quantities.get(n, {}) for n in names[0::2]))
