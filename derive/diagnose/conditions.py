"""Assumptions under which a failing claim holds: one-hot labels, i = j, i ≠ j."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import sympy

from derive.evaluate import free_indices
from derive.latex import Index
from derive.model import Model


@dataclass(frozen=True)
class Condition:
    name: str  # shown to the reader
    model: Callable[[Model], Model]
    restrict: Callable[[dict], bool] | None = None


def _same_model(m: Model) -> Model:
    return m


def _differ(a: Index, b: Index) -> Callable[[dict], bool]:
    return lambda env: env[a] != env[b]


def _equal(a: Index, b: Index) -> Callable[[dict], bool]:
    return lambda env: env[a] == env[b]


def conditions(lhs: sympy.Basic, rhs: sympy.Basic, labels: str | None = None) -> list[Condition]:
    """The assumptions tried on a failing claim; `labels` the labels' name (`y`, `y^{*}`)."""
    y = labels or "y"
    out = [Condition(f"the labels sum to one: $\\sum_j {y}_j = 1$ (one-hot labels)",
                     lambda m: replace(m, label_rule="onehot"))]
    free = sorted(free_indices(lhs) | free_indices(rhs), key=str)
    for k, a in enumerate(free):
        for b in free[k + 1 :]:
            out.append(Condition(f"${a} \\ne {b}$", _same_model, _differ(a, b)))
            out.append(Condition(f"${a} = {b}$", _same_model, _equal(a, b)))
    return out
