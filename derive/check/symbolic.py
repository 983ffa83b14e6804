"""The symbolic confirmation of a verified claim: `sympy.simplify` of the expanded sides."""

from __future__ import annotations

import sympy

from derive.budget import BudgetExceeded, deadline
from derive.cache import count_ops, simplifies_to_zero
from derive.check.keys import _keys, _sha
from derive.check.state import _State
from derive.check.verdict import _label
from derive.evaluate import Engine, Trial
from derive.model import Evaluator, Model, OutOfRange, Structure
from derive.numbers import Unsupported, engine_named

SYMBOLIC_SIZE = 600  # operations: beyond this sympy.simplify takes too long to be worth it


def _symbolic_evidence(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> str:
    """`_reckon_symbolic`, kept in the verdict cache beside the claim's verdict (the full
    expansion of both sides costs about as much as the verdict) when no budget decided it."""
    keys = _keys(state)
    key = None
    if keys is not None:
        key = _sha(keys.narrow(model, None, (lhs, rhs)), "symbolic", repr(state.simplify_budget))
        found = keys.store.get(key)
        if isinstance(found, dict) and isinstance(found.get("evidence"), str):
            return found["evidence"]
        if found is not None:
            keys.store.reject(key, "it is malformed")
    text, stable = _reckon_symbolic(state, model, lhs, rhs)
    if key is not None and keys is not None and stable:
        keys.store.put(key, {"evidence": text})
    return text


def _reckon_symbolic(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic
                     ) -> tuple[str, bool]:
    """Try to prove the claim at one index assignment of the first instance by simplifying
    the difference of the fully expanded sides to zero, within the simplify budget (the
    expansion itself within the claim budget); and whether the outcome is the clock's (False:
    a budget ran out)."""
    engine = state.engine
    try:
        with deadline(state.claim_budget):
            trial = engine.evaluate(model, lhs, rhs, limit=1).trials[0]
            where, expr = _symbolic_difference(engine, model, lhs, rhs, trial)
    except BudgetExceeded as exc:
        state.engine = Engine()
        return f"symbolic: not attempted (expanding the sides: {exc})", False
    except (Unsupported, OutOfRange) as exc:
        return f"symbolic: not attempted ({exc})", True
    if isinstance(expr, str):
        return expr, True
    try:  # the outcome is kept on disk by expression (derive.cache)
        zero = simplifies_to_zero(expr, state.simplify_budget)
    except BudgetExceeded as exc:
        return f"symbolic: sympy.simplify stopped {where}: {exc}", False
    if zero:
        return f"symbolic: confirmed by sympy.simplify {where}", True
    return f"symbolic: sympy.simplify could not reduce the difference to 0 {where}", True


def _symbolic_difference(engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                         trial: Trial) -> tuple[str, sympy.Basic | str]:
    where = f"at {_label(trial.instance, model.notation)}" + (
        "; " + ", ".join(f"{k}={v}" for k, v in trial.env) if trial.env else "")
    if model.local:  # generic functions stay undefined: f(x, y), not a random stand-in
        ev = Evaluator(model, trial.instance, trial.seed, Structure(engine=engine_named("sympy")),
                       generic=True)
        where = "with the generic functions undefined"
    else:
        ev = engine.evaluator(model, trial.instance, trial.seed)
    diff = ev.symbolic(lhs, dict(trial.env), 1) - ev.symbolic(rhs, dict(trial.env), 1)
    expr = diff._sympy_() if hasattr(diff, "_sympy_") else diff
    size = count_ops(expr)  # kept on disk with the confirmations (derive.cache)
    if size > SYMBOLIC_SIZE:
        return where, f"symbolic: not attempted ({size} operations {where})"
    return where, expr
