"""The input layer's activation named in the prose as the input: UFLDL's `$a^{(1)}_i = x_i$`,
`$a^{(1)} = x$` (layer 1 the input), joined to the formulas as the definition of that layer.

A text of layers numbered from 1 gives the activation of its first layer, where the forward
step `z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}` starts, as its input `x`, and writes `x` in the
rows of its worked example (`z^{(2)} = W^{(1)} x + b^{(1)}`). Read without the sentence, `x` and
`a^{(1)}` would be two inputs of their own. So the first inline formula of one row that sets the
activation at the layer where it is given (`given_layers`), whole or by entry, to the input (a
given vector without layers, of the width of the first layer) joins the formulas at its line,
as that one layer's definition (`a^{(1)}_i = x_i`: the exact layer wins over the layer being
given, derive.model.lookup). Later sentences that say it again are not read.

Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.infer.scan import _DEFINE, Occ, _rows, _strip
from derive.sources.document import Document, Formula


def _number(toks: list) -> str | None:
    """The number of a fixed layer tag `^{(1)}`, `^{[1]}` or `^{1}` (None for any other)."""
    g = [t.text for t in _strip(toks or []) if t.text not in ("{", "}")]
    if len(g) == 3 and (g[0], g[2]) in (("(", ")"), ("[", "]")):
        g = g[1:2]
    return g[0] if len(g) == 1 and g[0].isdigit() else None


def _sub(o: Occ) -> list[str]:
    return [t.text for t in _strip(o.sub or []) if t.text not in ("{", "}")]


def _naming(f: Formula, quantities: dict) -> str | None:
    """`a^{(1)}_i = x_i`, `a^{(1)} = x`: the activation's name, when the inline formula sets it
    at its given layer to the input; None otherwise."""
    try:
        rows = _rows(f)
    except InputError:
        return None
    if len(rows) != 1 or rows[0].relation not in _DEFINE or len(rows[0].sides) != 2:
        return None
    occs = rows[0].occs
    left = [o for o in occs if o.side == 0]
    right = [o for o in occs if o.side == 1]
    if len(left) != 1 or len(right) != 1 or len(occs) != 2:
        return None
    a, x = left[0], right[0]
    spec, given = quantities.get(a.name, {}), quantities.get(x.name, {})
    if a.name == x.name or a.call is not None or x.call is not None or a.prime or x.prime:
        return None
    if "layers" not in spec or spec.get("given") or "layers" in given or not given.get("given"):
        return None
    if len(spec.get("shape", ())) != 1 or len(given.get("shape", ())) != 1:
        return None
    if x.sup is not None or _number(a.sup) != str(spec.get("given_layers")):
        return None
    if _sub(a) != _sub(x) or len(_sub(a)) > 1 or not all(s.isalpha() for s in _sub(a)):
        return None
    if [t.text for t in _strip(rows[0].sides[1]) if t.text not in ("{", "}")][:1] != [x.name]:
        return None
    return a.name


def input_layer(doc: Document, quantities: dict) -> tuple[Document, list[str]]:
    """The document with the prose's naming of the input layer's activation among its
    formulas, at its line and numbered after the others (its one row read as a definition,
    derive.check.build), and the fact."""
    top = max((f.number for f in doc.formulas), default=0)  # a part's numbers are the text's
    for f in doc.inline:
        name = _naming(f, quantities)
        if name is None:
            continue
        chosen = dataclasses.replace(f, number=top + 1)
        formulas = sorted([*doc.formulas, chosen], key=lambda g: g.line)
        fact = (f"${f.text.strip()}$ at line {f.line} names the input as the activation of the "
                f"layer ${name}$ is given at: taken as that layer's definition")
        return dataclasses.replace(doc, formulas=tuple(formulas)), [fact]
    return doc, []
