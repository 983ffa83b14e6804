"""Lint: an expression written in place of a named quantity must be that quantity."""

from __future__ import annotations

import sympy

from derive.check.state import _State
from derive.diagnose import atoms, ratio
from derive.evaluate import free_indices
from derive.expr import FuncRef, Partial, Quantity, to_latex
from derive.latex import Scalar
from derive.model import Model, OutOfRange
from derive.numbers import Unsupported, close


def _lint_expansions(state: _State, model: Model, step: sympy.Basic,
                     previous: sympy.Basic) -> list[str]:
    findings: list[str] = []
    named = {p.den: p.num for p in atoms(previous, (Partial,))
             if isinstance(p.num, (Quantity, Scalar))}
    differentiated = {p.num for p in atoms(step, (Partial,))}
    for p in atoms(step, (Partial,)):
        if isinstance(p.num, (Quantity, Scalar, FuncRef)) or p.den not in named:
            continue
        quantity = named[p.den]
        if quantity in differentiated:  # still differentiated in the step (a chain rule)
            continue
        expansion = p.num
        if _proportional(state, model, expansion, quantity):
            continue
        msg = (f"the expression differentiated, ${to_latex(expansion)}$, is written in place of "
               f"${to_latex(quantity)}$ but is not equal to its definition")
        fix = _expansion_fix(state, model, expansion, quantity)
        if fix:
            msg += f" ({fix})"
        msg += "; the step's value is not affected"
        findings.append(msg)
    return findings


def _proportional(state: _State, model: Model, e: sympy.Basic, q: sympy.Basic) -> bool:
    o = state.engine.evaluate(model, q, q, limit=8)
    pairs = []
    for t in o.trials:  # one by one: g(z^l_p) for a^l_p has no value at l = 0 (a the input)
        try:
            (b,) = state.engine.values(model, e, [t])
        except (OutOfRange, Unsupported, ZeroDivisionError):
            continue
        # both zero (a ReLU layer's unit below its kink) says nothing of the ratio: left out
        if not (close(t.lhs, 0) and close(b, 0)):
            pairs.append((t.lhs, b))
    ratios = [ratio(a, b) for a, b in pairs]
    if not ratios or any(r is None for r in ratios):
        return False
    return all(close(r, ratios[0]) for r in ratios)


def _expansion_fix(state: _State, model: Model, e: sympy.Basic, q: sympy.Basic) -> str | None:
    names = sorted(free_indices(e) | free_indices(q), key=str)
    for atom in atoms(e, (Quantity,)):
        for pos, old in enumerate(atom.indices):
            for new in names:
                if new == old:
                    continue
                idx = list(atom.indices)
                idx[pos] = new
                fixed = atom.with_(indices=tuple(idx))
                if _proportional(state, model, e.xreplace({atom: fixed}), q):
                    return f"${to_latex(atom)}$ should be ${to_latex(fixed)}$"
    return None
