"""Sums of products at the point: each sum pushed inside the factors that do not read its index
(`\\sum_m \\sum_n \\sum_p A_m B_{mn} C_{np}` as `\\sum_m A_m \\sum_n B_{mn} \\sum_p C_{np}`), and an
inner sum's value kept for its free indices' values, so nested sums cost the sum of their
ranges' products two at a time, not the product of all of them (Nielsen's sum over paths)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

# A sum's plan, by the sum node's id (the node kept alive in it): pure in the node, so shared
# by every evaluator of the process
_PLANS: dict[int, _Plan] = {}


@dataclass(frozen=True)
class _Plan:
    node: sympy.Sum  # the sum planned (kept alive: the plan is found by its id)
    var: sympy.Symbol  # the outer index
    lo: sympy.Expr
    hi: sympy.Expr
    outside: tuple[sympy.Basic, ...]  # factors that read none of the sum's indices
    summand: sympy.Basic  # the rest: the factors of `var`, times the inner sums
    free: tuple[sympy.Symbol, ...]  # what the sum's value depends on (its memo key)


def plan(e: sympy.Sum) -> _Plan:
    """How to evaluate `e` (limits innermost first, as SymPy lists them): its outer index,
    the factors outside every one of its sums, and its summand with the inner sums pushed in."""
    found = _PLANS.get(id(e))
    if found is not None and found.node is e:
        return found
    if len(_PLANS) > 20_000:
        _PLANS.clear()
    *rest, (var, lo, hi) = e.limits
    inner = {lim[0] for lim in rest}
    factors = e.function.args if e.function.is_Mul else (e.function,)
    outside, level, deep = [], [], []
    for f in factors:
        fs = f.free_symbols
        (deep if fs & inner else level if var in fs else outside).append(f)
    if any(var in b.free_symbols for lim in rest for b in lim[1:]):  # an inner bound reads var
        level, deep = [], level + deep
    inside = sympy.Mul(*deep)
    if rest:
        inside = sympy.Sum(inside, *rest)
    summand = sympy.Mul(*level, inside) if level else inside
    free = tuple(sorted(e.free_symbols, key=str))
    found = _PLANS[id(e)] = _Plan(e, var, lo, hi, tuple(outside), summand, free)
    return found
