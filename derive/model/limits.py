"""A limit as a value: what it is taken of, built as an exact SymPy expression in its own
variable with every node at the point's value, and `sympy.limit` of that, within a budget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy

from derive.budget import BudgetExceeded, deadline, seconds_from_env
from derive.expr import Partial
from derive.latex import Scalar
from derive.model.algebra import _Cut
from derive.model.data import Key
from derive.numbers import Unsupported, engine_named, sympy_num

if TYPE_CHECKING:
    from derive.model.evaluator import Evaluator

# each limit (sympy.limit can take long on a big expression): past it, the claim is unchecked
LIMIT_SECONDS = seconds_from_env("DERIVE_LIMIT_SECONDS", 5.0)


class _Leaves(_Cut):
    """Plain SymPy expressions in a limit's variable and one real symbol per node it reads
    (the same symbol at every point of the instance), the text's functions applied as SymPy
    functions (their random stand-in included): the limit is taken once, then evaluated at
    each point."""

    def __init__(self, ev: Evaluator, leaves: dict):
        super().__init__(ev, ("", None, (), None), "total", engine_named("sympy"))
        self.leaves = leaves

    def node(self, key: Key) -> Any:
        s = self.leaves.get(key)
        if s is None:
            s = self.leaves[key] = sympy.Symbol(f"_lim{len(self.leaves)}", real=True)
        return s

    def apply(self, lam: sympy.Lambda, args: list) -> Any:
        return lam(*args)

    def partial(self, e: Partial, env: dict, sample: int | None) -> Any:
        raise Unsupported("a derivative inside a limit is not read")


def limit_value(ev: Evaluator, e: sympy.Limit, env: dict, sample: int | None) -> Any:
    """The numeric value of `\\lim_{h \\to a} body` at the point; `Unsupported` (so unchecked,
    with the reason) when SymPy does not decide it, or finds it infinite or not to exist."""
    body, var, target, direction = e.args
    _defined_values(ev, body)
    h = sympy.Symbol(str(var), real=True)
    leaves = ev.structure.cuts.setdefault(("limit leaves",), {})
    expr = ev._eval(body, {**env, var: h}, sample, _Leaves(ev, leaves))
    memo = ev.structure.cuts.setdefault(("limits",), {})
    key = (expr, h, target, str(direction))
    if key not in memo:
        memo[key] = _limit(expr, h, target, str(direction))
    out = memo[key]
    if isinstance(out, str):
        raise Unsupported(out)
    vals = {s: ev.value(k) for k, s in leaves.items() if s in out.free_symbols}
    return sympy_num(out, vals)


def _defined_values(ev: Evaluator, body: sympy.Basic) -> None:
    """`Unsupported` for a limit of a value the model defines as a number of its own variables
    (`g(t) = t^3 + 2t`, read as g): `g(t + h)` in it is not read as g at t + h."""
    defined = {d.lhs for d in ev.model.defs if isinstance(d.lhs, Scalar)}
    found = sorted(str(s) for s in body.free_symbols & defined)
    if found:
        raise Unsupported(
            f"a limit of ${found[0]}$, which the text defines as a value of its own variables: "
            f"the tool reads ${found[0]}$ at those variables only, not at another argument "
            "(as a difference quotient writes it), so the limit is not taken")


def _limit(expr: sympy.Expr, h: sympy.Symbol, target: sympy.Expr, direction: str
           ) -> sympy.Expr | str:
    """`sympy.limit` within its budget: the limit, or why it is not a finite number."""
    where = f"the limit as {h} → {target}"
    try:
        with deadline(LIMIT_SECONDS):
            out = sympy.limit(expr, h, target, direction)
    except BudgetExceeded:
        return f"{where} was not decided within {LIMIT_SECONDS:g} s"
    except ValueError as err:
        if "does not exist" in str(err):
            return f"{where} does not exist here, as SymPy finds it (the limits from either side differ)"
        return f"SymPy could not take {where}"
    except (NotImplementedError, TypeError):
        return f"SymPy could not take {where}"
    if out.has(sympy.Limit, sympy.AccumBounds, sympy.Order):
        return f"SymPy could not decide {where}"
    if out.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
        return f"{where} is not a finite number ({out})"
    return out
