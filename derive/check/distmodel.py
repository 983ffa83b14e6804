"""The model of a formula about distributions written as functions of their outcome
(derive.infer.distributions): a notation of its own, each distribution a given vector over one
support, each functional's application a number its definition gives."""

from __future__ import annotations

from typing import Any

from derive.document import Formula
from derive.latex import Scope
from derive.model import Model
from derive.notation import notation_from_front


def distribution_notation(formula: Formula, spec: dict[str, Any]) -> Scope:
    """The scope of the formula's own notation: its distributions of the support's size (the
    first width of each checked network), its applications numbers it defines."""
    size = str(spec["size"])
    used = {size, *spec["names"]}
    layers = next(c for c in ("n", "L", "\\nu") if c not in used)
    width = next(c for c in ("C", "W", "\\omega") if c not in used)
    quantities: dict[str, Any] = {n: {"shape": [size], "given": True} for n in spec["names"]}
    quantities.update({n: {} for n in spec["instances"]})
    front = {"roles": {"layers": layers, "width": width}, "sizes": {size: f"{width}_1"},
             "quantities": quantities}
    return Scope(notation_from_front(front, formula.file), formula)


def distribution_model(formula: Formula, spec: dict[str, Any], scope: Scope,
                       defs: list) -> Model:
    """The model: the definitions applied to the formula's distributions, drawn positive (and
    summing to one where the text says they are distributions)."""
    return Model(scope.notation, tuple(defs), distributions=frozenset(spec["names"]),
                 normalized=bool(spec["normalized"]), name="the model of its distributions")
