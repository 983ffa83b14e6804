"""Layer recursions the text states in words: an element-wise activation taken as a layer.

Notes on activations often say "we take the activation as a layer: the output of layer l is
$z^l$, after the activation it is $z^{l+1}$", define the function in the letter of that quantity
(`ReLU(z) = \\begin{cases} z & z > 0 \\\\ 0 & z <= 0 \\end{cases}`) and go on to its backward
pass (`\\delta^l = \\delta^{l+1} ...`), one section per function, without ever writing
`z^{l+1} = ReLU(z^l)`. When a layer quantity with no neuron index and no definition of its own
is differentiated, is written at two adjacent layers, and a function of one argument is defined
in that quantity's own letter (its body reading no other quantity: element-wise, no weights),
that function is read as the layer `q^{l+1} = f(q^l)` from its definition on: a later function
defined in the same letter replaces it for the formulas after it (the text's next section).
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.infer.ranges import Stated, drawn
from derive.infer.scan import _DEFINE, Row, _rows, _text, function_bodies
from derive.sources.document import Document, Formula

# how a layer tag of each style is written, from the style's name (derive.infer.tags)
_TAGS = {"sup": "^{{{}}}", "paren": "^{{({})}}", "bracket": "^{{[{}]}}"}


@dataclass(frozen=True)
class Recursion:
    """`q^{l+1} = f(q^l)`, read as the layer the function defined in formula `after` is."""

    after: int  # the formula whose function definition it follows
    latex: str  # derive's own LaTeX of the recursion
    quantity: str
    function: str
    line: int


def activation_layers(rows: list[Row], front: dict, defined: dict[str, int],
                      layer_var: str | None) -> list[Recursion]:
    """The layer recursions the text takes for granted (see the module's docstring)."""
    quantities = front.get("quantities", {})
    functions = front.get("functions", {})
    if layer_var is None:
        return []
    out: list[Recursion] = []
    for q, spec in sorted(quantities.items()):
        if (q in defined or spec.get("given") or spec.get("shape") or "layers" not in spec
                or spec.get("tag") not in _TAGS or not _differentiated(rows, q)):
            continue
        step = _step(rows, q)
        if step is None:
            continue
        tag = _TAGS[spec["tag"]]
        here, there = (f"{layer_var}+1", layer_var) if step > 0 else (layer_var, f"{layer_var}-1")
        for r in rows:
            fn = _elementwise_definition(r, q, quantities, functions)
            if fn is not None:
                latex = f"{q}{tag.format(here)} = {fn}({q}{tag.format(there)})"
                out.append(Recursion(r.formula.number, latex, q, fn, r.formula.line))
    return out


def _differentiated(rows: list[Row], q: str) -> bool:
    return any(o.name == q and o.after_partial == "den" for r in rows for o in r.occs)


def _step(rows: list[Row], q: str) -> int | None:
    """+1 when the text writes q at the layer after the layer variable's (`z^{l+1}`), -1 when
    at the one before (`z^{l-1}`), None when it never writes two adjacent layers of it."""
    offsets = {o.tag[1][0] for r in rows for o in r.occs
               if o.name == q and o.tag is not None and o.tag[1] is not None
               and o.tag[1][2] == 1 and o.tag[1][1] == 0}
    if 0 in offsets and 1 in offsets:
        return 1
    if 0 in offsets and -1 in offsets:
        return -1
    return None


def _elementwise_definition(r: Row, q: str, quantities: dict, functions: dict) -> str | None:
    """The function a row defines as `f(q) = ...` in the bare letter q, its body reading no
    quantity but q itself (no weights, no other layer); None when the row is no such
    definition."""
    left = [o for o in r.occs if o.side == 0]
    if r.relation not in _DEFINE or len(r.sides) != 2 or not left:
        return None
    head = left[0]
    if (head.name not in functions or head.call != 1 or head.args != (q,)
            or _text(r.sides[0]).count("(") != 1):
        return None
    for o in r.occs:
        if o.side == 0 and o is not head and not (o.name == q and o.sup is None):
            return None
        if o.side == 1 and o.name in quantities and (o.name != q or o.sup or o.sub):
            return None
    return head.name


def recursion_formula(rec: Recursion, of: Formula) -> Formula:
    """The recursion as a formula of its own, placed at the function's definition (for the
    inference: it is never reported, the check adds it to the model)."""
    return Formula(-of.number, of.file, rec.latex, ((0, of.line, 1),), of.lines, of.section)


def recursion_fact(rec: Recursion, superseded: bool) -> str:
    return (f"line {rec.line}: ${rec.latex}$ read as the layer of this section: "
            f"${rec.function}$ is defined in the letter of ${rec.quantity}$, which the text "
            "differentiates across layers and never defines (an element-wise layer, no weights"
            + (f"; the next function defined in ${rec.quantity}$ replaces it" if superseded
               else "") + ")")


def body_scalars(rows: list[Row], front: dict) -> dict[str, list[int]]:
    """The scalars the bodies of the text's functions read (`\\alpha z` for z <= 0), each with
    the lines of the definitions that read it."""
    scalars = front.get("scalars", {})
    return {name: lines for name, lines in function_bodies(rows, front.get("functions", {})
                                                            ).items() if name in scalars}


def body_scalar_facts(rows: list[Row], front: dict, stated: Stated | None = None) -> list[str]:
    """The scalars the bodies of the text's functions read, said: the model gives them random
    positive values (derive.model.points), or values in the range the text states (`stated`,
    derive.infer.ranges); those of each layer are said by infer/per_layer."""
    scalars = front.get("scalars", {})
    return [f"${name}$: a scalar of the function{'s' if len(lines) > 1 else ''} defined at "
            f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}, given no value "
            f"the tool reads: {drawn(name, stated or {})}"
            for name, lines in sorted(body_scalars(rows, front).items())
            if not _per_layer(scalars[name])]


def _per_layer(spec: object) -> bool:
    return isinstance(spec, dict) and bool(spec.get("per_layer"))


def by_formula(recursions: list[Recursion]) -> dict[int, tuple[str, ...]]:
    """The recursions' rows by the formula they follow (Inferred.recursions)."""
    out: dict[int, tuple[str, ...]] = {}
    for rec in recursions:
        out[rec.after] = out.get(rec.after, ()) + (rec.latex,)
    return out


def with_recursions(doc: Document, per: dict[int, list[Row]], local: set[int],
                     recursions: list[Recursion]) -> list[Row]:
    """The rows read afresh, each layer recursion's row after its function's formula."""
    formulas = {f.number: f for f in doc.formulas}
    rows: list[Row] = []
    for k in per:
        if k in local:
            continue
        rows += _rows(formulas[k])
        for rec in recursions:
            if rec.after == k:
                rows += _rows(recursion_formula(rec, formulas[k]))
    return rows
