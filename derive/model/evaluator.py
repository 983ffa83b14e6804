"""The `Evaluator`: one model grounded in one instance at one random point, assembled from the
geometry, definition lookup, points, interpretation, derivatives and templates mixins and their caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from derive.model.algebra import Structure
from derive.model.data import Instance, Key, Model
from derive.model.derivatives import Derivatives
from derive.model.geometry import Geometry
from derive.model.interpret import Interpretation
from derive.model.lookup import Lookup
from derive.model.points import Points
from derive.model.templates import Templates


@dataclass
class Evaluator(Geometry, Lookup, Points, Interpretation, Derivatives, Templates):
    """Grounds expressions in one instance at one random point (seed) under one model."""

    model: Model
    instance: Instance
    seed: int
    structure: Structure = field(default_factory=Structure)
    _values: dict[Key, Any] = field(default_factory=dict)
    _labels: dict[int | None, tuple] = field(default_factory=dict)
    _derivative_values: dict[tuple, Any] = field(default_factory=dict)
    _sum_values: dict[tuple, Any] = field(default_factory=dict)  # derive.model.sums
    # generic functions stay undefined (f(x, y)) instead of random: for symbolic proofs only
    generic: bool = False
