"""Class-indexed parameter vectors: `\\theta^{(k)}`, the parameters of class k of a softmax
regression (UFLDL), told apart from a layer tag by use: the superscript's letter is the index of
a sum with an upper bound written in the same row (`\\sum_{j=1}^{K} \\exp(\\theta^{(j)\\top}
x)`, the classes summed in the softmax's denominator), the use there is transposed (an inner
product; a sample's `x^{(i)}` summed over the samples is not), the letter is not the sample's,
and the name is never written with a subscript (a layer's weights summed over the layers carry
their entries' indices, `W^{(l)}_{ji}`). Such a name is one matrix, its superscript a column
index: `\\theta^{(k)}` is its column k, a vector, and `\\theta^{(1)}`, `\\theta^{(K)}` are
columns too. A name applied to such matrices alone (`J(\\theta)`) is the quantity written with
the parameters it depends on, not a function of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from derive.infer.scan import Lin, Occ, Row, _strip, _text


@dataclass(frozen=True)
class Columns:
    """The names written with a class index, each with the number of classes (the upper bound
    of the sum over them, as written) and the line of the sum that shows it."""

    count: dict[str, str]
    line: dict[str, int]


def _column_index(o: Occ) -> str | None:
    """The letter or number in a superscript `(k)`, `(1)`, `(K)`; None for any other."""
    g = _strip(o.sup) if o.sup else []
    if len(g) == 3 and g[0].text == "(" and g[2].text == ")" and g[1].kind in ("letter", "num"):
        return g[1].text
    return None


def class_columns(rows: list[Row], sample: str | None) -> Columns:
    """The class-indexed names of the rows (see the module's docstring)."""
    occs = [o for r in rows for o in r.occs]
    subscripted = {o.name for o in occs if o.sub is not None}
    count: dict[str, str] = {}
    line: dict[str, int] = {}
    for r in rows:
        for letter, upper in r.bounds:
            if not upper or letter == sample:
                continue
            for o in r.occs:
                if (o.name not in subscripted and o.name not in count and not o.in_bound
                        and o.call is None and o.transposed and _column_index(o) == letter):
                    count[o.name] = _text(_strip(upper))
                    line[o.name] = o.line
    for o in occs:
        if o.name in count and _column_index(o) is not None:
            o.sup = None  # the column index: no layer tag, no sample, no power
        elif o.call is not None and o.args and set(o.args) <= set(count):
            o.call, o.args = None, ()  # J(\theta): the cost, written with its parameters
    return Columns(count, line)


def shape_columns(front: dict[str, Any], columns: Columns,
                  aliases: dict[str, Lin]) -> tuple[dict[str, Lin], list[str]]:
    """The class-indexed names made given parameters whose shape the vector-form pass reads
    (the inference took each for a number: its uses carry no index), each with the number of
    classes as a width (the size the text names, else the output layer's width, as the labels'
    classes are); and the facts that say so."""
    out: dict[str, Lin] = {}
    facts: list[str] = []
    scalars = front.get("scalars", {})
    qs = front.setdefault("quantities", {})
    for name, count in sorted(columns.count.items()):
        if name not in scalars and qs.get(name, {}).get("shape"):
            continue
        scalars.pop(name, None)
        qs[name] = {"given": True, "parameter": True}
        out[name] = aliases.get(count, (0, 1, 0))
        if count not in aliases and count.isalpha() and count not in qs:
            front.setdefault("sizes", {})[count] = f"{front['roles']['width']}_" \
                f"{front['roles']['layers']}"
        facts.append(f"${name}^{{(k)}}$ (line {columns.line[name]}): the parameter vector of "
                     f"class $k$ of ${count}$, a column of the matrix ${name}$ (its superscript "
                     "is summed over the classes, not a layer)")
    if not scalars:
        front.pop("scalars", None)
    return out, facts
