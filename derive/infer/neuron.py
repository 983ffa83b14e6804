"""A formula that writes one neuron's quantities without their tags: Nielsen's
`\\frac{\\partial C}{\\partial b} = \\delta` after BP3, "where δ and b are of the same neuron".

A formula read in variables of its own (derive.infer.chain: no layer tag in it, yet its names
have them elsewhere) in which every such name is written bare, at least two of them, each a
vector of the layers' neurons of one and the same layers and width (`b^l_j`, `\\delta^l_j`),
can mean only one thing as the network's: each at the same neuron, the layer variable's layer
and one index. Its tokens get that tag and index (`Formula.neuron_tags`, read by
derive.latex.tokens); the facts say so. A formula of quantities of different shapes (a weight
`w` beside `a` and `\\delta`: `a_{\\rm in} \\delta_{\\rm out}`) is derive.infer.ends's.
"""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.infer.scan import _rows
from derive.sources.document import Document, Formula

_INDEX_LETTERS = "jkimn"


def one_neuron(doc: Document, quantities: dict, local: set[int], layer_var: str | None,
               loss: str | None) -> tuple[Document, list[str]]:
    """The document with the tags of one neuron's quantities written bare, and the facts."""
    if layer_var is None:
        return doc, []

    def read(f: Formula) -> dict | None:
        tags = _neuron_tags(f, quantities, layer_var, loss)
        return None if tags is None else {"neuron_tags": tags}

    def said(f: Formula, fields: dict) -> str:
        tags = fields["neuron_tags"]
        names = " and ".join(f"${n}$" for n, _ in tags)
        written = " and ".join(f"${n}{t}$" for n, t in tags)
        return (f"line {f.line} writes {names} without their tags: read as one neuron's, "
                f"{written} (the same layer and neuron)")

    return retagged(doc, local, read, said)


def retagged(doc: Document, local: set[int], read, said  # type: ignore[no-untyped-def]
             ) -> tuple[Document, list[str]]:
    """The document with each formula read in variables of its own (`local`) that `read` gives
    new fields (its tags) replaced by it, and the fact `said` states of each."""
    facts = []
    formulas = []
    for f in doc.formulas:
        fields = read(f) if f.number in local else None
        if fields is None:
            formulas.append(f)
            continue
        formulas.append(dataclasses.replace(f, **fields))
        facts.append(said(f, fields))
    if not facts:
        return doc, []
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts


def _neuron_tags(f: Formula, quantities: dict, layer_var: str,
                 loss: str | None) -> tuple[tuple[str, str], ...] | None:
    try:
        rows = _rows(f)
    except InputError:
        return None
    occs = [o for r in rows for o in r.occs]
    names = sorted({o.name for o in occs if o.name != loss})
    specs = [quantities.get(n) for n in names]
    if len(names) < 2 or any(s is None or "layers" not in s or len(s.get("shape", ())) != 1
                             for s in specs):
        return None
    if len({(s["layers"], tuple(s["shape"])) for s in specs}) != 1:
        return None  # not one neuron's: other layers or another width
    if any(o.sup is not None or o.sub is not None or o.prime or o.call for o in occs
           if o.name in names):
        return None
    used = {t for t in f.text if t.isalpha()}
    letter = next((c for c in _INDEX_LETTERS if c not in used), None)
    if letter is None:
        return None
    forms = {"sup": "^{{{}}}", "paren": "^{{({})}}", "bracket": "^{{[{}]}}"}
    return tuple((n, forms.get(s.get("tag", "sup"), "^{{{}}}").format(layer_var) + f"_{{{letter}}}")
                 for n, s in zip(names, specs))
