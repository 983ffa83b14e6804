"""An output layer of one unit in a text of fixed layers: deeplearning.ai's shallow network
`z^{[2]} = w^{[2]T} a^{[1]} + b^{[2]}`, `\\hat y = \\sigma(z^{[2]})`, with the logistic loss
`\\mathcal{L} = -y \\log \\hat y - (1 - y) \\log(1 - \\hat y)` that reads the output as a number
(no sum, inner product or norm over its units, no index): the last layer has one unit, so
what the text writes at that layer without an index (`z^{[2]}`, `b^{[2]}`, `a^{[2]}`) is its
one value, and the output it defines from them (`\\hat y`) a number.

derive.infer.units reads the same of a text whose layers are in a variable (`a^{[L]}`)."""

from __future__ import annotations

import re

from derive.infer.scan import _DEFINE, Occ, Row, _text
from derive.infer.units import _OVER_UNITS
from derive.vecparse import VECTOR_OPS


def _transposed(name: str, text: str) -> bool:
    """Whether a text writes the name transposed after its layer tag (`w^{[2]T}`,
    `w^{[2]\\top}`, `(w^{[2]})^T`)."""
    return re.search(r"(?<![A-Za-z\\])" + re.escape(name) + r"\^\{?\s*[\[(]?\s*\w+\s*[\])]?\s*"
                     r"(?:\}\s*\)?\s*\^\s*\{?)?\s*(?:T\b|\\top|\\intercal)", text) is not None


def _at(o: Occ, layer: int) -> bool:
    return o.tag is not None and o.tag[1] is not None and o.tag[1] == (layer, 0, 0)


def _over_samples(r: Row) -> bool:
    """Whether each sum of a row is over the samples: its letter written only as the sample
    of a superscript (`\\sum_{i=1}^{m} y^{(i)} \\log a^{[2](i)}`), never as an index."""
    return bool(r.bounds) and all(
        not any(o.sub is not None and letter in _text(o.sub) for o in r.occs)
        and any(o.sup is not None and f"({letter})" in _text(o.sup) for o in r.occs)
        for letter, _ in r.bounds)


def _reads_number(rows: list[Row]) -> bool:
    """Whether definitions read what they read as numbers: no index, no transpose, nothing
    that makes a number of a vector (a sum over the samples does not)."""
    return not any(o.sub is not None or o.transposed for r in rows for o in r.occs
                   if o.side >= 1) and not any(
        t.text in _OVER_UNITS and not (t.text == "\\sum" and _over_samples(r))
        or t.text == "^" and i + 1 < len(side) and side[i + 1].text == "T"
        for r in rows for side in r.sides[1:] for i, t in enumerate(side))


def _defining(name: str, rows: list[Row], defs: dict[str, list[Row]]) -> list[Row]:
    """The rows that define a name: its definitions, else the rows `name = ...` (an output
    the inference reads as a vector's, `\\hat y = \\sigma(z^{[2]})`)."""
    if name in defs:
        return defs[name]
    return [r for r in rows if r.relation in _DEFINE and len(r.sides) == 2 and [
        o.name for o in r.occs if o.side == 0] == [name]]


def _output_reads(loss: str, rows: list[Row], defs: dict[str, list[Row]],
                  last: int) -> set[str] | None:
    """The tagged quantities the loss reads at the last layer, itself or through an output it
    defines from them (`\\hat y = \\sigma(z^{[2]})`); None when it reads another way."""
    if not _reads_number(defs[loss]):
        return None
    read: set[str] = set()
    for o in (o for r in defs[loss] for o in r.occs if o.side >= 1):
        if o.tag is not None:
            if not _at(o, last):
                return None
            read.add(o.name)
        elif _defining(o.name, rows, defs) and o.name != loss:  # \hat y, from the last layer
            own = _defining(o.name, rows, defs)
            inner = [x for r in own for x in r.occs if x.side >= 1]
            if not _reads_number(own) or not inner or not all(
                    _at(x, last) for x in inner if x.tag is not None) or not any(
                    x.tag is not None for x in inner):
                return None
            read |= {x.name for x in inner if x.tag is not None}
    return read or None


def fixed_output_units(loss: str | None, rows: list[Row], defs: dict[str, list[Row]],
                       quantities: dict[str, list[Occ]], layer_var: str | None,
                       last: int) -> list[str]:
    """The tagged quantities written at the last fixed layer, each only whole and never
    transposed (`w^{[2]T}`: the unit's weights, a vector), when the loss reads that layer as
    a number (see the module); [] otherwise."""
    if layer_var is not None or loss is None or not defs.get(loss) or last < 2 or not any(
            any(op in r.formula.text for op in VECTOR_OPS) or "T" in r.formula.text
            for r in rows):
        return []
    if _output_reads(loss, rows, defs, last) is None:
        return []
    texts = [r.formula.text for r in rows]
    arguments = {(o.formula, o.row, o.name) for r in rows for o in r.occs  # \sigma(z) = ...
                 if o.side == 0 and o.tag is None and r.occs and r.occs[0].call is not None}
    out = []
    for q, uses in sorted(quantities.items()):
        uses = [o for o in uses if (o.formula, o.row, o.name) not in arguments]
        at = [o for o in uses if _at(o, last)]
        if at and all(o.sub is None and not o.transposed and o.tag is not None for o in uses
                      ) and not any(_transposed(q, t) for t in texts):
            out.append(q)
    return out
