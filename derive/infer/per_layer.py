"""A scalar of an activation's body that the text differentiates by at a layer (PReLU's
`\\frac{\\partial L}{\\partial \\alpha} = \\delta^{l+1} ...`): a parameter of each layer, not one
scalar every layer shares (read by `latex/per_layer`, keyed by `model/geometry`)."""

from __future__ import annotations

from derive.infer.recursion import body_scalars
from derive.infer.scan import Row


def per_layer_scalars(rows: list[Row], front: dict) -> list[str]:
    """Mark in `front` each scalar a function's body reads that a formula differentiates by
    (`\\partial \\alpha` in a denominator of its left side) while it writes quantities at the
    layer variable's layers; the facts that say so (the scalar's "random positive value"
    fact is replaced by one of these)."""
    scalars = front.get("scalars", {})
    body = body_scalars(rows, front)
    found: dict[str, int] = {}
    for r in rows:
        by = [o for o in r.occs if o.side == 0 and o.after_partial == "den" and o.name in body]
        layered = any(o.tag is not None and o.tag[2] is not None for o in r.occs)
        for o in by:
            if layered and r.formula.number > 0:
                found.setdefault(o.name, o.line)
    facts = []
    for name, line in sorted(found.items()):
        spec = scalars.get(name)
        spec = dict(spec) if isinstance(spec, dict) else {}
        spec.update(parameter=True, per_layer=True)
        scalars[name] = spec
        facts.append(f"${name}$: a parameter of each layer (line {line} differentiates by it "
                     "at a layer): the one a layer's function applies to that layer's value, "
                     "written bare in a formula at layers l and l+1 read as layer l's; "
                     "checked at random positive values (to say otherwise: scalars.per_layer)")
    return facts
