"""The worked example's output read at the last layer: a text that works one network of fixed
depth (it states `n_l = 3`) before it writes its layers with the variable `n_l`.

UFLDL first works a network of three layers (`h_{W,b}(x) = a^{(3)} = f(z^{(3)})`), then gives
the forward step `z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}` for any depth and the cost
`J = \\frac{1}{2} \\|h_{W,b}(x) - y\\|^2` and the backpropagation at the last layer `n_l`. The
output `h` is the network's output, its last layer: the example's layer 3 is its `n_l`. A row
that names a value without layers (`h`) as a whole quantity at the stated depth, every tag of
the row that depth, is read at the last layer (`h = a^{(n_l)} = f(z^{(n_l)})`: the tag's
number read as the text's own depth name, `Formula.depth_tags`), so the generic section's rows
are read with the generic depth. An earlier row that names the same value as one entry at that
depth (`h_{W,b}(x) = a^{(3)}_1`, the example's one output unit) is the example's, not its
definition: not checked, with the reason (`Formula.example_units`).

Nothing is done unless the text states the depth and writes that name as a layer tag.
Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses
import re

from derive.errors import InputError
from derive.infer.scan import Occ, Row, _rows, _single_name, _strip, _text
from derive.latex import Tok
from derive.sources.document import Document, Formula

_NAME = r"[A-Za-z](?:_\{?[A-Za-z]\}?)?"
_STATED = re.compile(rf"^\s*({_NAME})\s*=\s*(\d+)\s*[.,]?\s*$")
_PAIRS = {"(": ")", "[": "]"}


def _stated_depth(doc: Document) -> tuple[str, int] | None:
    """`n_l = 3` written as a formula of its own (inline or display), where `n_l` is written
    as a layer tag (`a^{(n_l)}`) in the display formulas: the name and the depth."""
    for f in (*doc.inline, *doc.formulas):
        m = _STATED.match(f.text)
        if m is None:
            continue
        name = re.sub(r"[{}]", "", m[1])
        if any(name in _tags(g) for g in doc.formulas):
            return name, int(m[2])
    return None


def _tags(f: Formula) -> set[str]:
    """The whole layer tags a display formula writes, `^{(n_l)}` -> "n_l"."""
    return {re.sub(r"[{}\s]", "", t) for t in re.findall(
        r"\^\{\s*[(\[]\s*([A-Za-z](?:_\{?[A-Za-z]\}?)?)\s*[)\]]\s*\}", f.text)}


def _fixed(o: Occ) -> Tok | None:
    """The number token of a fixed layer tag `^{(3)}` or `^{[3]}` (None for any other)."""
    g = _strip(o.sup) if o.sup else []
    if len(g) == 3 and g[0].text in _PAIRS and g[2].text == _PAIRS[g[0].text] and (
            g[1].kind == "num" and g[1].text.isdigit()):
        return g[1]
    return None


def _head(r: Row) -> Occ | None:
    """The name a row's left side is, without a superscript (`h_{W,b}(x)`: `h`)."""
    left = [o for o in r.occs if o.side == 0]
    if len(r.sides) < 2 or not left or left[0].sup is not None or not _single_name(
            r.sides[0]):
        return None
    return left[0]


def _value(r: Row) -> Occ | None:
    """The one quantity the first right side is, with its scripts (`a^{(3)}`, `a_1^{(3)}`)."""
    right = [o for o in r.occs if o.side == 1]
    side = _strip(r.sides[1])
    if len(right) != 1 or not _single_name(side) or right[0].call is not None:
        return None
    return right[0]


def _output_row(r: Row, depth: int) -> list[Tok] | None:
    """`h = a^{(3)} = f(z^{(3)})`: a value without layers named as a whole quantity at the
    stated depth, every fixed tag of the row at that depth and no entry written by number;
    the tag numbers to read as the depth's name."""
    head, value = _head(r), _value(r)
    if head is None or value is None or value.sub is not None or value.name == head.name:
        return None
    nums = [(o, _fixed(o)) for o in r.occs if o.side >= 1 and o.sup is not None]
    if not nums or any(t is None or int(t.text) != depth for _, t in nums):
        return None
    if any(o.sub and any(t.kind == "num" for t in o.sub) for o, _ in nums):
        return None
    if _fixed(value) is None:
        return None
    return [t for _, t in nums if t is not None]


def _unit_row(r: Row, depth: int, names: set[str]) -> bool:
    """`h_{W,b}(x) = a^{(3)}_1`: a name the output row defines, named as one entry of a
    quantity at the stated depth (the example's one output unit)."""
    head, value = _head(r), _value(r)
    tag = _fixed(value) if value is not None else None
    return (head is not None and head.name in names and tag is not None
            and int(tag.text) == depth and bool(value.sub)
            and _text(_strip(value.sub)).isdigit())


def example_depth(doc: Document) -> int | None:
    """The depth of the worked example whose output rows `example_output` read at the last
    layer (None when it read none)."""
    return next((f.depth_tags[2] for f in doc.formulas if f.depth_tags), None)


def example_output(doc: Document) -> tuple[Document, list[str]]:
    """The document with the worked example's output rows read at the last layer, and the
    facts that say so."""
    stated = _stated_depth(doc)
    if stated is None:
        return doc, []
    name, depth = stated
    per: list[list[Row]] = []
    for f in doc.formulas:
        try:
            per.append(_rows(f))
        except InputError:
            per.append([])
    outputs = {(r.formula.number, r.number): toks for rows in per for r in rows
               if (toks := _output_row(r, depth)) is not None}
    if not outputs:
        return doc, []
    heads = {(k, next(o.name for o in r.occs if o.side == 0)) for rows in per for r in rows
             if (k := (r.formula.number, r.number)) in outputs}
    facts, formulas = [], []
    for f, rows in zip(doc.formulas, per):
        tags = tuple(t.start for r in rows for t in outputs.get((f.number, r.number), ()))
        units = tuple(r.number for r in rows if _unit_row(r, depth, {
            h for (k, h) in heads if k > (f.number, r.number)}))
        for r in rows:
            if (f.number, r.number) in outputs:
                facts.append(f"the text states ${name} = {depth}$ for its worked example: the "
                             f"output row at line {_head(r).line} is read at the last layer "
                             f"${name}$, as the rows written for any depth use it")
        formulas.append(dataclasses.replace(f, depth_tags=(name, tags, depth),
                                            example_units=units)
                        if tags or units else f)
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts

