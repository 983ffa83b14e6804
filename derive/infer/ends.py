"""A weight's two ends written as subscripts: Nielsen's `\\frac{\\partial C}{\\partial w} =
a_{\\rm in} \\delta_{\\rm out}` ("a_in the activation of the neuron input to the weight w, δ_out
the error of the neuron output from it").

A formula read in variables of its own (derive.infer.chain) that writes one weight of the
network bare (a quantity of two indices whose layers differ: `w^l_{jk}`, of shape
`K_l × K_{l-1}`) beside vectors of the network's neurons subscripted `in` or `out` (`\\rm`,
`\\mathrm`, `\\text` or plain) can mean only that weight and the neurons at its ends: the weight
at the layer variable's layer with indices j, k; the name at its input end at the layer and
index of its input side (`a^{l-1}_k`), at its output end those of its output side (`\\delta^l_j`).
The tags go to `Formula.neuron_tags` (the bare weight) and `Formula.end_tags` (the subscripted
names), read by derive.latex.tokens; the facts say so.
"""

from __future__ import annotations

import re

from derive.errors import InputError
from derive.infer.neuron import retagged
from derive.infer.scan import _rows
from derive.latex.ends import end_word
from derive.sources.document import Document, Formula

_DIM = re.compile(r"^(\w+)_\{?([A-Za-z])([+-]\d+)?\}?$")  # `K_{l-1}` of the inferred shapes
_FORMS = {"sup": "^{{{}}}", "paren": "^{{({})}}", "bracket": "^{{[{}]}}"}


def weight_ends(doc: Document, quantities: dict, local: set[int], layer_var: str | None,
                loss: str | None) -> tuple[Document, list[str]]:
    """The document with a weight and its ends' names tagged, and the facts."""
    if layer_var is None:
        return doc, []

    def read(f: Formula) -> dict | None:
        found = _ends(f, quantities, layer_var, loss)
        return None if found is None else {"neuron_tags": found[0], "end_tags": found[1]}

    def said(f: Formula, fields: dict) -> str:
        text = ", ".join(f"${n}$ as ${n}{t}$" for n, t in fields["neuron_tags"])
        text += "".join(f", ${n}_{{\\rm {e}}}$ as ${n}{t}$" for n, e, t in fields["end_tags"])
        return (f"line {f.line} writes a weight and the neurons at its ends without their "
                f"tags: read as one weight's, {text}")

    return retagged(doc, local, read, said)


def _offsets(spec: dict, layer_var: str) -> list[int] | None:
    """The layer offset of each index of a quantity's shape (`K_{l-1}` -> -1), or None."""
    out = []
    for dim in spec.get("shape", ()):
        m = _DIM.match(str(dim))
        if m is None or m.group(2) != layer_var:
            return None
        out.append(int(m.group(3) or 0))
    return out


def _ends(f: Formula, quantities: dict, layer_var: str, loss: str | None
          ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...]] | None:
    try:
        rows = _rows(f)
    except InputError:
        return None
    occs = [o for r in rows for o in r.occs if o.name != loss]
    weights = {o.name for o in occs if end_word(o.sub) is None}
    ended = {(o.name, end_word(o.sub)) for o in occs if end_word(o.sub) is not None}
    if len(weights) != 1 or not ended:
        return None
    w = next(iter(weights))
    spec = quantities.get(w) or {}
    shifts = _offsets(spec, layer_var) if "layers" in spec else None
    if shifts is None or len(shifts) != 2 or shifts[0] == shifts[1]:
        return None
    if any(o.sup is not None or o.sub is not None or o.prime or o.call
           for o in occs if o.name == w):
        return None
    used = {t for t in f.text if t.isalpha()}
    letters = [c for c in "jkimnpq" if c not in used][:2]
    if len(letters) < 2:
        return None
    out_at, in_at = (0, 1) if shifts[0] > shifts[1] else (1, 0)
    index = {"out": (shifts[out_at], letters[out_at]), "in": (shifts[in_at], letters[in_at])}
    ends = []
    for name, end in sorted(ended):
        s = quantities.get(name) or {}
        if "layers" not in s or _offsets(s, layer_var) != [0] or any(
                o.prime or o.call or o.sup is not None for o in occs if o.name == name):
            return None  # not a vector of one layer's neurons, or written with more
        shift, letter = index[end]
        ends.append((name, end, _tag(s, layer_var, shift) + f"_{{{letter}}}"))
    tag = _tag(spec, layer_var, 0) + "_{" + "".join(letters) + "}"
    return ((w, tag),), tuple(ends)


def _tag(spec: dict, layer_var: str, shift: int) -> str:
    layer = layer_var + (f"{shift:+d}" if shift else "")
    return _FORMS.get(spec.get("tag", "sup"), "^{{{}}}").format(layer)
