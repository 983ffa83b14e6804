"""Layers named by subscripts: `h = \\sigma(x W_1 + b_1)`, `\\hat y = h W_2 + b_2`.

Notes that write a small network in vector form often number its layers' weights and biases
by a subscript digit instead of a layer tag: `W_1, b_1` for the first layer, `W_2, b_2` for the
second. The digit is then no index of an entry of one matrix `W`: `W_1` and `W_2` are two
matrices (of different shapes), each its own name, as `W` and `V` would be. They are read so
when a capital is written with two or more different digits and only so (never bare, never
with a letter subscript: `W_{ij}` would be entries), and the text writes no layer tags; a
lowercase written only with those digits (`b_1`, `b_2`) is read the same way.

Each such use is read as one name (`Formula.subscript_names`, read by derive.latex.tokens),
printed as written (`W_1`). Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict

from derive.infer.scan import Occ, _strip, readable_rows
from derive.infer.tags import _sample_sup
from derive.sources.document import Document

_LAYER_NAME = re.compile(r"[A-Za-z]_[1-9]")
_SUM_INDEX = re.compile(r"\\sum\s*_\s*\{?\s*([A-Za-z])\b")


def _summed(doc: Document) -> frozenset[str]:
    """The letters a sum of the display formulas runs over (`\\sum_{i=1}^{m}`, `\\sum_i`)."""
    return frozenset(m.group(1) for f in doc.formulas for m in _SUM_INDEX.finditer(f.text))


def layer_name(q: str) -> bool:
    """Whether a name is one of a layer named by its subscript (`W_1`, `b_2`), read as one
    letter would be."""
    return _LAYER_NAME.fullmatch(q) is not None


def _digit(o: Occ) -> str | None:
    """The one digit 1-9 of a use's subscript (`W_1`, `W_{2}`), None otherwise."""
    if o.sub is None:
        return None
    sub = _strip(o.sub)
    if len(sub) == 1 and sub[0].kind == "num" and len(sub[0].text) == 1 and sub[0].text != "0":
        return sub[0].text
    return None


def _tagged(occs: list[Occ], summed: frozenset[str] = frozenset()) -> bool:
    """Whether a use has a superscript other than a transpose or a power (a layer tag); a
    sample's `L^{(i)}`, its letter the index of a sum of the text (`\\sum_{i=1}^{m}
    L^{(i)}`), is none."""
    for o in occs:
        if o.sup is None:
            continue
        if _sample_sup(o) and _strip(o.sup)[1].text in summed:
            continue
        sup = [t.text for t in _strip(o.sup)]
        if sup not in (["T"], ["\\top"], ["\\intercal"]) and not (
                len(sup) == 1 and sup[0].isdigit()):
            return True
    return False


def subscript_names(occs: list[Occ], summed: frozenset[str] = frozenset()
                    ) -> tuple[tuple[str, str], ...]:
    """The (letter, digit) pairs read as names of their own (see the module); `summed`: the
    letters the text's sums run over."""
    if _tagged(occs, summed):
        return ()
    digits: dict[str, set[str]] = defaultdict(set)
    other: set[str] = set()
    for o in occs:
        if len(o.name) != 1 or not o.name.isalpha():
            continue
        d = _digit(o)
        if d is None or o.call is not None:
            other.add(o.name)
        else:
            digits[o.name].add(d)
    capitals = {c for c, ds in digits.items() if c.isupper() and len(ds) >= 2 and c not in other}
    if not capitals:
        return ()
    layers = set().union(*(digits[c] for c in capitals))
    names = capitals | {q for q, ds in digits.items() if q.islower() and q not in other
                        and ds <= layers and len(ds) >= 2}
    return tuple(sorted((q, d) for q in names for d in digits[q]))


def subscript_layers(doc: Document) -> tuple[Document, list[str]]:
    """The document with each layer named by a subscript read as a name of its own (see the
    module), and the fact that says so."""
    occs = [o for r in readable_rows(doc.formulas) for o in r.occs]
    pairs = subscript_names(occs, _summed(doc))
    if not pairs:
        return doc, []
    written = ", ".join(f"${q}_{d}$" for q, d in pairs)
    facts = [f"{written}: the layers are named by their subscripts, each a matrix or vector of "
             "its own (not entries of one)"]
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, subscript_names=pairs) for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, subscript_names=pairs) for f in doc.inline)), facts
