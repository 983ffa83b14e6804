"""An output layer of one unit in a text of layers in a variable: deeplearning.ai's logistic
loss `\\mathcal{L} = -(y \\log a^{[L]} + (1 - y) \\log(1 - a^{[L]}))` writes the output
`a^{[L]}` as a number (no sum, no inner product, no norm over its units), so the last layer
has one unit and `a^{[L]}` is its one value, while `a^{[l]}` stays the vector of layer l."""

from __future__ import annotations

from derive.infer.scan import Occ, Row
from derive.infer.vectors import _TRANSPOSE
from derive.vecparse import VECTOR_OPS

# what makes a number of a vector, or writes one in vector form
_OVER_UNITS = VECTOR_OPS | {"\\sum", "\\prod", "\\cdot", "\\times", "|", "\\vert", "\\lvert"}
_DEPTH = (0, 1, 0)  # the layer written `L`: 0 + 1·L + 0·l


def output_unit(loss: str | None, rows: list[Row], defs: dict[str, list[Row]],
                quantities: dict[str, list[Occ]], layer_var: str | None) -> str | None:
    """The defined quantity the loss's definition reads at the depth only as a number
    (`a^{[L]}`), when it reads no other layer-tagged quantity, writes no index and nothing
    that makes a number of a vector, and the quantity is written nowhere with an index;
    None otherwise."""
    if layer_var is None or loss is None or not defs.get(loss) or not any(
            any(op in r.formula.text for op in VECTOR_OPS) or _TRANSPOSE.search(r.formula.text)
            for r in rows):
        return None  # without vector form, a^{[L]} is one number per layer anyway
    reads = [o for r in defs[loss] for o in r.occs if o.side >= 1]
    if any(o.sub is not None or o.transposed for o in reads) or any(
            t.text in _OVER_UNITS or t.text == "^" and i + 1 < len(side) and side[i + 1].text == "T"
            for r in defs[loss] for side in r.sides[1:] for i, t in enumerate(side)):
        return None
    tagged = {o.name for o in reads if o.tag is not None}
    if len(tagged) != 1:
        return None
    q = next(iter(tagged))
    if (q not in defs or q == loss
            or not all(o.tag is not None and o.tag[1] == _DEPTH for o in reads if o.name == q)
            or any(o.sub is not None for o in quantities.get(q, ()))):
        return None
    return q
