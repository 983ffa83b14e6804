"""A scalar of each layer written bare (PReLU's `\\alpha` in `\\frac{\\partial L}{\\partial \\alpha} =
\\delta^{l+1} ...`, `derive.infer.per_layer`): read as the one of the lowest layer its formula
writes, the layer whose value the function between it and the next is applied to."""

from __future__ import annotations

import dataclasses

import sympy

from derive.expr import Quantity
from derive.latex.scope import Equation, Scalar
from derive.notation import Notation


def at_layer(eq: Equation, notation: Notation) -> Equation:
    """`eq` with each bare per-layer scalar as the quantity of its formula's lowest layer, when
    the formula writes layers l and l+1 of the layer variable at most (one function between
    them); `eq` itself otherwise (the scalar then has no value: `model/geometry`)."""
    sides = (eq.lhs, *eq.steps)
    bare = sorted({s for side in sides for s in side.expr.atoms(Scalar)
                   if s.name in notation.per_layer}, key=str)
    if not bare:
        return eq
    layer = _lowest(sides)
    if layer is None:
        return eq
    sub = {s: Quantity(s.name, (layer,)) for s in bare}
    said = tuple(f"${s.name}$ read as ${s.name}^{{{layer}}}$, the one of layer {layer}: a "
                 "parameter of each layer, written bare in a formula at that layer and the one "
                 "after it" for s in bare)
    return dataclasses.replace(
        eq, lhs=dataclasses.replace(eq.lhs, expr=eq.lhs.expr.xreplace(sub)),
        steps=tuple(dataclasses.replace(s, expr=s.expr.xreplace(sub)) for s in eq.steps),
        readings=eq.readings + said)


def _lowest(sides: tuple) -> sympy.Expr | None:
    """The lowest of the layers the sides write, when they are v + c for one variable v and
    offsets c that differ by at most 1; None otherwise."""
    layers = {q.layer for side in sides for q in sympy.preorder_traversal(side.expr)
              if isinstance(q, Quantity) and q.layer is not None}
    variables = {s for x in layers for s in x.free_symbols}
    if len(variables) != 1 or not layers:
        return None
    v = next(iter(variables))
    offsets = {x - v for x in layers}
    if not all(o.is_Integer for o in offsets) or max(offsets) - min(offsets) > 1:
        return None
    return v + min(offsets)
