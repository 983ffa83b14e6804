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

The weights may carry no tag at all, one letter for every layer (`a_j = \\sum_i w_{ji} x_i`,
`a_k = \\sum_j w_{kj} z_j`): the sums then chain the letters, the letter no sum defines being
the input (layer 0) and each defined one a layer above the letter it sums over; an untagged
weight (there, or where a text that tagged its forward pass drops the tag) gets its letters'
layer. Two names of weights (`V_{ji}`, `W_{kj}`) are two quantities, not letters: nothing is
done. The error defined once by `\\equiv` at one letter is every unit's (`every_unit`).
The same texts write `E_n` for the error of the n-th pattern (`pattern_letter`)."""

from __future__ import annotations

import dataclasses

from derive.infer.inferred import Inferred
from derive.infer.scan import Occ, Row, _indices, _strip, readable_rows
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


_Tag = tuple[int, tuple[str, str]]  # a fixed layer tag: (1, ("(", ")")) for ^{(1)}
_Sum = tuple[str, str, str, _Tag | None]  # (p, q, the weight, its tag) of u_p = sum_q w_{pq} v_q
_Tags = tuple[tuple[str, str, str], ...]  # Formula.letter_tags


def _sums(rows: list[Row]) -> list[_Sum]:
    """Each forward sum's weight `u_p = \\sum_q w_{pq} v_q`: (p, q, the weight's name, its fixed
    layer tag or None when it has no superscript)."""
    out: list[_Sum] = []
    for r in rows:
        lead = next(iter(_indices(next(o for o in r.occs if o.side == 0))), None)
        bound = {i for i, _ in r.bounds}
        for o in r.occs:
            idx = _indices(o)
            if o.side != 1 or len(idx) != 2 or idx[0] != lead or idx[1] not in bound:
                continue
            tag = _fixed_tag(o) if o.sup is not None else None
            if o.sup is None or tag is not None:
                out.append((idx[0], idx[1], o.name, tag))  # type: ignore[arg-type]
    return out


def _fixed_layers(sums: list[_Sum]) -> tuple[dict[str, int], tuple[str, str]] | None:
    """Each letter's layer from the weights' fixed tags (tag L: p at L, q at L - 1)."""
    layers: dict[str, int] = {}
    styles = {tag[1] for *_, tag in sums if tag is not None}
    for p, q, _w, tag in sums:
        assert tag is not None
        for letter, layer in ((p, tag[0]), (q, tag[0] - 1)):
            if layers.setdefault(letter, layer) != layer:
                return None
    return (layers, styles.pop()) if len(styles) == 1 else None


def _relative_layers(sums: list[_Sum]) -> dict[str, int] | None:
    """Each letter's layer from untagged weights of one name, one layer above the letter it
    sums over (`a_j = \\sum_i w_{ji} x_i`, `a_k = \\sum_j w_{kj} z_j`: i 0, j 1, k 2); None
    unless the weights have one name and the letters form one chain. One sum alone
    (Rumelhart, Hinton and Williams: `x_j = \\sum_i y_i w_{ji}`, `y_j = 1/(1 + e^{-x_j})`) is a
    network of one layer of weights, i its input and j its output; it is read so only where a
    unit is written at both letters (`_tagged`), which untagged is a circular definition."""
    pairs = {(p, q) for p, q, _w, _t in sums}
    if len({w for _p, _q, w, _t in sums}) != 1 or not pairs:
        return None
    leads = {p for p, _q in pairs}
    inputs = {q for _p, q in pairs} - leads
    if len(inputs) != 1:
        return None
    layers = {inputs.pop(): 0}
    for _ in pairs:
        for p, q in pairs:
            if q in layers and layers.setdefault(p, layers[q] + 1) != layers[q] + 1:
                return None
    return layers if len(layers) == len(leads) + 1 else None


def _letter_layers(rows: list[Row]) -> tuple[dict[str, int], tuple[str, str], _Tags] | None:
    """Each index letter's layer, from the forward sums of the defining rows, its tag style
    and the tags of untagged weights ((w, "ji", "(1)"), ...); None when there are no sums, or
    when a letter would name two layers or two letters one."""
    sums = _sums(rows)
    fixed = [s for s in sums if s[3] is not None]
    if fixed:
        found = _fixed_layers(fixed)
        if found is None:
            return None
        layers, style = found
    else:
        relative = _relative_layers(sums)
        if relative is None:
            return None
        layers, style = relative, _STYLES["("]
    # a weight written without its tag (w_{ji}, the text's tags elsewhere or nowhere) has
    # the layer of its letters: as written, swapped (w_{ij}) and at its bias (w_{j0})
    weights = tuple(sorted({(w, slots, f"{style[0]}{layers[p]}{style[1]}")
                            for p, q, w, _t in sums if p in layers and q in layers
                            for slots in (p + q, q + p, p + "0")}))
    if len(set(layers.values())) != len(layers):
        return None
    return layers, style, weights


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


def _self_fed(rows: list[Row], layers: dict[str, int]) -> bool:
    """One sum alone (two letters): read as layers only where a unit the sum reads at the
    lower letter is defined at the upper one (`x_j = \\sum_i y_i w_{ji}` beside `y_j = ...`),
    which untagged would define itself. `z_j = \\sum_k W_{jk} h_k` beside a softmax's `z_k`
    is one layer of weights between two names, and left as written."""
    low, high = sorted(layers, key=layers.get)  # type: ignore[arg-type]
    forward = [r for r in rows if any(i == low for i, _ in r.bounds) and any(
        o.side == 1 and list(_indices(o)) == [high, low] for o in r.occs)]  # w_{ji}'s row
    summed = {o.name for r in forward for o in r.occs
              if o.side == 1 and list(_indices(o)) == [low]}
    defined = {o.name for r in rows for o in r.occs[:1]
               if o.side == 0 and list(_indices(o)) == [high]}
    return bool(summed & defined)


def letter_tags(doc: Document) -> Document:
    """The document with the layer tags its index letters stand for (see the module)."""
    return _letter_reading(doc)[0]


def _letter_reading(doc: Document) -> tuple[Document, tuple | None]:
    """`letter_tags`'s document, and the letters' layers it rests on (`_letter_layers`), or
    the document itself and None where the letters are not read as layers."""
    rows = readable_rows(doc.formulas)
    defining = _defining(rows)
    found = _letter_layers(defining)
    if found is None:
        return doc, None
    layers, (opener, closer), weights = found
    units = {next(o for o in r.occs if o.side == 0).name for r in defining}
    if any(
            o.name in units and o.sup is not None and (_fixed_tag(o) or (0, ()))[1] == (
                opener, closer) for r in rows for o in r.occs):
        # some unit has a layer tag of its own, in the weights' style (z_j^2 beside w^{(1)}
        # is a square): the tags are the text's
        return doc, None
    multi = _tagged(defining, layers)
    if not multi or (len(layers) == 2 and not _self_fed(defining, layers)):
        return doc, None
    tags = weights + tuple((q, letter, f"{opener}{layers[letter]}{closer}")
                           for q in sorted(multi) for letter in sorted(multi[q]))
    # a unit of one layer (z_j, hidden) is that layer's at its entry 0 (Bishop's bias unit
    # z_0 = 1) and at the letters of the layers below (z_i: a slip for x_i, checked as
    # written, the text defining z only as z_j = h(a_j)); a_k, at a layer above, is Bishop's
    # output activation: left untagged
    # and so is a unit of several layers (delta_j, delta_k) at the letters below its first:
    # delta_i, a slip for delta_j, is checked as written at delta's first layer
    low = {q: min(layers[x] for x in multi[q]) for q in multi}
    tags += tuple((q, letter, f"{opener}{low[q]}{closer}") for q in sorted(low)
                  for letter in ("0",) * (len(multi[q]) == 1)
                  + tuple(sorted(x for x in layers if layers[x] < low[q])))
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, letter_tags=tags) for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, letter_tags=tags) for f in doc.inline)), found


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


def every_unit(per: dict[int, list[Row]], out: Inferred) -> None:
    """Bishop's `\\delta_j \\equiv \\partial E_n / \\partial a_j`: the one definition, by `\\equiv`,
    of an error the text writes at several letters, by a derivative by a unit of the same
    letter, defines the error of every unit (Bishop's 5.51): `\\delta_k = y_k - t_k` at the
    output's letter is then a claim, checked against `\\delta_k \\equiv \\partial E_n / \\partial
    a_k`, read after that formula (`out.recursions`, in derive's own LaTeX) where the text
    defines `a` at that layer too. Not when the text defines the error at another letter by
    `\\equiv` itself. Read from the rows as the letters tagged them (the layer tag a letter
    stands for on every use); the inferred definitions, claims and facts of `out` are
    updated in place."""
    rows = [r for rs in per.values() for r in rs]
    heads = [(r, h) for r in rows for h in [next((o for o in r.occs if o.side == 0), None)]
             if h is not None and len(r.sides) == 2]
    for r, head in heads:
        den = [o for o in r.occs if o.side == 1 and o.after_partial == "den"]
        num = [o for o in r.occs if o.side == 1 and o.after_partial == "num"]
        tag = _fixed_tag(head) if head.sup else None
        if (r.relation != "\\equiv" or tag is None or len(per[r.formula.number]) != 1
                or len(den) != 1 or len(num) != 1 or _fixed_tag(den[0]) != tag
                or _indices(den[0]) != _indices(head) or len(_indices(head)) != 1
                or num[0].sup is not None or len(r.occs) != 3):
            continue
        _every_layer(r, head, den[0].name, num[0], heads, out)


def _every_layer(r: Row, head: Occ, unit: str, num: Occ, heads: list[tuple[Row, Occ]],
                 out: Inferred) -> None:
    """`every_unit` for one definition `head \\equiv \\partial num / \\partial unit`."""
    tag = _fixed_tag(head)
    defined_at = {_fixed_tag(h) for x, h in heads if h.name == unit and h.sup is not None
                  and (x.formula.number, x.number) in _defining_rows(out)}
    if any(x.relation == "\\equiv" and h.name == head.name and x is not r for x, h in heads):
        return  # the text defines the error at its other letters itself
    numerator = num.name + ("_{" + "".join(str(i) for i in _indices(num)) + "}"
                            if num.sub else "")
    for x, h in heads:
        other = _fixed_tag(h) if h.sup else None
        if (h.name != head.name or other is None or other == tag or other not in defined_at
                or (x.formula.number, x.number) not in _defining_rows(out)):
            continue
        (layer, (opener, closer)), (letter,) = other, _indices(h)
        at = f"^{{{opener}{layer}{closer}}}_{{{letter}}}"
        latex = f"{head.name}{at} = \\frac{{\\partial {numerator}}}{{\\partial {unit}{at}}}"
        out.recursions[r.formula.number] = out.recursions.get(r.formula.number, ()) + (latex,)
        out.definitions[x.formula.number].discard(x.number)
        out.claims.add((x.formula.number, x.number))
        out.facts.append(f"line {r.formula.line}: ${r.formula.text.strip()}$ defines the error "
                         f"of every unit: ${head.name}_{letter}$ at line {h.line} is checked "
                         "as a claim")


def _defining_rows(out: Inferred) -> set[tuple[int, int]]:
    return {(k, n) for k, ns in out.definitions.items() for n in ns}


def letter_facts(doc: Document) -> list[str]:
    """What the tags `letter_tags` gives the document (as written, before them) say, for the
    summary: each index letter's layer (the first the input, the last the output)."""
    found = _letter_reading(doc)[1]
    if found is None:
        return []
    layers, (opener, closer), _weights = found
    order = sorted(layers, key=lambda x: layers[x])
    role = {order[0]: "the input, ", order[-1]: "the output, "}
    said = "; ".join(f"${x}$ {role.get(x, '')}layer {layers[x]}" for x in order)
    tags = ", ".join(f"$^{{{opener}{layers[x]}{closer}}}$" for x in order[1:])
    return [f"the units carry no layer tag: their index letter says the layer ({said}), as "
            f"the forward sums read; written below with the weights' tags ({tags})"]
