"""Bishop's units told apart by their index letter: a fixed-depth network whose layer tags sit
on the weights only (`a_j = \\sum_i w^{(1)}_{ji} x_i`, `y_k = \\sum_j w^{(2)}_{kj} z_j`), where
the letter of a unit says its layer (i the input, j hidden, k the output).

The text's forward sums say which letter is which layer: a unit defined with the letter p
from a sum over q of a weight tagged L with the slots (p, q) puts p at layer L and q at layer
L - 1. Each name written at two or more such letters on the rows that first define its uses
(`\\delta_j \\equiv \\partial E_n / \\partial a_j` beside `\\delta_k \\equiv ...`) is one
quantity of several layers, and so is a hidden unit (`a_j`, `z_j`): its every use at a letter
gets the layer tag of that letter, in the weights' own tag style, as the tokens are read
(`Formula.letter_tags`). Nothing is done
when the letters do not name one layer each, or when some unit already has a layer tag.
The same texts write `E_n` for the error of the n-th pattern (`pattern_letter`)."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.infer.scan import Occ, Row, _indices, _rows, _strip
from derive.sources.document import Document

_STYLES = {"(": ("(", ")"), "[": ("[", "]")}


def _fixed_tag(o) -> tuple[int, tuple[str, str]] | None:  # type: ignore[no-untyped-def]
    """A weight's fixed layer tag: `^{(1)}` -> (1, ("(", ")")), `^{[2]}`, `^{2}`."""
    g = _strip(o.sup) if o.sup else []
    if len(g) == 3 and g[0].text in _STYLES and g[2].text == _STYLES[g[0].text][1]:
        g, style = g[1:2], _STYLES[g[0].text]
    else:
        style = ("", "")
    if len(g) == 1 and g[0].kind == "num" and g[0].text.isdigit():
        return int(g[0].text), style
    return None


def _defining(rows: list[Row]) -> list[Row]:
    """The first row that defines each use `u_p` (one name on the left, one letter or none,
    no superscript): a name's later rows are claims about it, where a slip may stand."""
    seen: set[tuple[str, str | None]] = set()
    out: list[Row] = []
    for r in rows:
        left = [o for o in r.occs if o.side == 0]
        if len(left) != 1 or len(r.sides) != 2 or left[0].sup is not None:
            continue
        idx = _indices(left[0])
        key = (left[0].name, idx[0] if len(idx) == 1 else "")
        if key[1] is not None and key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _letter_layers(rows: list[Row]) -> tuple[dict[str, int], tuple[str, str]] | None:
    """Each index letter's layer, from the forward sums of the defining rows; None when there
    are none, or when a letter would name two layers or two letters one."""
    layers: dict[str, int] = {}
    style: tuple[str, str] | None = None
    for r in rows:
        lead = next(iter(_indices(next(o for o in r.occs if o.side == 0))), None)
        bound = {i for i, _ in r.bounds}
        for o in r.occs:
            tag = _fixed_tag(o) if o.side == 1 else None
            idx = _indices(o)
            if tag is None or len(idx) != 2 or idx[0] != lead or idx[1] not in bound:
                continue
            for letter, layer in ((idx[0], tag[0]), (idx[1], tag[0] - 1)):
                if layers.setdefault(letter, layer) != layer:  # type: ignore[arg-type]
                    return None
            if style not in (None, tag[1]):
                return None
            style = tag[1]
    if style is None or len(set(layers.values())) != len(layers):
        return None
    return layers, style


def _tagged(rows: list[Row], layers: dict[str, int]) -> dict[str, set[str]]:
    """The names to tag, with their letters: those written on the defining rows at two or
    more letters of layers or at a hidden layer's. A name only ever at the input's letter or
    only at the output's is the network's input (`x_i`, given), its output (`y_k`) or its
    labels (`t_k`), as deeplearning.ai writes `x` and the output untagged."""
    letters: dict[str, set[str]] = {}
    for r in rows:
        for o in r.occs:
            idx = _indices(o)
            if o.sup is None and len(idx) == 1 and idx[0] in layers:
                letters.setdefault(o.name, set()).add(idx[0])  # type: ignore[arg-type]
    ends = {min(layers.values()), max(layers.values())}
    return {q: ls for q, ls in letters.items()
            if len(ls) > 1 or any(layers[x] not in ends for x in ls)}


def letter_tags(doc: Document) -> Document:
    """The document with the layer tags its index letters stand for (see the module)."""
    rows: list[Row] = []
    for f in doc.formulas:
        try:
            rows += _rows(f)
        except InputError:
            continue
    found = _letter_layers(_defining(rows))
    if found is None:
        return doc
    layers, (opener, closer) = found
    defining = _defining(rows)
    units = {next(o for o in r.occs if o.side == 0).name for r in defining}
    if any(o.name in units and o.sup is not None and _fixed_tag(o) is not None
           for r in rows for o in r.occs):
        return doc  # some unit has a layer tag of its own: the tags are the text's
    multi = _tagged(defining, layers)
    if not multi:
        return doc
    tags = tuple((q, letter, f"{opener}{layers[letter]}{closer}")
                 for q in sorted(multi) for letter in sorted(multi[q]))
    # a unit of one layer (z_j, hidden) is that layer's at its entry 0 (Bishop's bias unit
    # z_0 = 1) and at the letters of the layers below (z_i: a slip for x_i, checked as
    # written, the text defining z only as z_j = h(a_j)); a_k, at a layer above, is Bishop's
    # output activation: left untagged
    one = {q: layers[next(iter(multi[q]))] for q in multi if len(multi[q]) == 1}
    tags += tuple((q, letter, f"{opener}{one[q]}{closer}") for q in sorted(one)
                  for letter in ("0", *sorted(x for x in layers if layers[x] < one[q])))
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, letter_tags=tags) for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, letter_tags=tags) for f in doc.inline))


def pattern_letter(rows: list[Row], occs: list[Occ]) -> str | None:
    """Bishop's `E_n`, the error of the n-th pattern, with no sum over the patterns: a
    letter no sum binds that is the one subscript of every use of one name, indexes no
    other name, and is missing from the right side of that name's definition (`E_n =
    \\frac{1}{2} \\sum_k (y_k - t_k)^2`): the sample's letter, not an index of E."""
    bound = {i for r in rows for i, _ in r.bounds}
    for r in rows:
        head = next((o for o in r.occs if o.side == 0), None)
        if head is None or len(r.sides) != 2 or head.sup is not None:
            continue
        idx = _indices(head)
        letter = idx[0] if len(idx) == 1 else None
        if letter is None or letter in bound or any(
                letter in _indices(o) for o in r.occs if o.side >= 1):
            continue
        uses = [o for o in occs if letter in _indices(o)]
        if uses and all(o.name == head.name and _indices(o) == [letter] for o in uses) \
                and all(o.sub is not None for o in occs if o.name == head.name):
            return letter
    return None
