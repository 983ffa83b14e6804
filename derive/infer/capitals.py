"""A capital that names the matrix of its lowercase's entries: `W^l` beside `w^l_{ij}`.

Notes that first write a layer's weights entry by entry (`w^l_{ij}`, "the entries of the weight
matrices") then write the whole matrix as a capital (`z^l = W^l a^{l-1} + b^l`) mean one
quantity by both: the capital is the matrix whose entries the lowercase writes. A capital is
read so when its lowercase is written with two indices (a matrix's entries) and the capital
only ever whole (no subscript of its own: `W_{ij}` would be entries of its own). A capital
beside a lowercase of one index (`Z^l` beside `z^l_k`, `A` beside `a^l_i`) is another matter
(a matrix with a column per sample: derive.infer.vectors), and is left as written.

The capital's tokens are read as the lowercase (`Formula.capitals`, read by
derive.latex.tokens). Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses

from derive.infer.scan import Occ, _indices, readable_rows
from derive.sources.document import Document


def _lower(name: str) -> str | None:
    if len(name) == 1 and name.isupper():
        return name.lower()
    return None


def _capitals(occs: list[Occ]) -> tuple[tuple[str, str], ...]:
    entries = {o.name for o in occs if len(_indices(o)) == 2 and _lower(o.name) is None}
    out = []
    for cap in sorted({o.name for o in occs}):
        low = _lower(cap)
        if low in entries and all(o.sub is None for o in occs if o.name == cap):
            out.append((cap, low))
    return tuple(out)


def matrix_capitals(doc: Document) -> tuple[Document, list[str]]:
    """The document with each capital that is its lowercase's matrix read as the lowercase
    (see the module), and the facts that say so."""
    occs = [o for r in readable_rows(doc.formulas) for o in r.occs]
    pairs = _capitals(occs)
    if not pairs:
        return doc, []
    facts = [f"${cap}$ read as the matrix of the entries ${low}_{{ij}}$ the text writes "
             f"(one quantity, ${low}$, written whole as ${cap}$)" for cap, low in pairs]
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, capitals=pairs) for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, capitals=pairs) for f in doc.inline)), facts
