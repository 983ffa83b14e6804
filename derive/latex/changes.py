"""A row written with `\\approx`: its small changes `\\Delta x` of the model's quantities read as
`Change` nodes, and its small step `\\epsilon` read as a scalar of the row."""

from __future__ import annotations

import sympy

from derive.expr import Change, Quantity
from derive.latex.arithmetic import _Skeleton
from derive.latex.groups import _read_name, _scripts, starts_name
from derive.latex.scope import Scope, _err
from derive.latex.tokens import Tok

# the small step of a difference quotient `\frac{f(x + \epsilon) - f(x)}{\epsilon}`
STEPS = ("\\epsilon", "\\varepsilon")


def approximating(scope: Scope, relation: str) -> None:
    """The scope of a row whose first relation is `\\approx`: `\\Delta x` read as a change of x,
    and `\\epsilon` (unless the text declares it) a scalar of the row; other rows unchanged."""
    if relation != "\\approx":
        return
    scope.changes = True
    scope.scalars |= {s for s in STEPS if scope.lookup(s) is None}


def emit_change(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """`\\Delta x` as a change (`_change`); the unit vector `e_j` of a difference quotient
    along a direction, a placed error that says why it is not read."""
    scope = sk.scope
    if (scope.changes and toks[i].text == "e" and i + 1 < len(toks) and toks[i + 1].text == "_"
            and scope.lookup("e") is None):
        raise _err("`e_j` reads as the unit vector in direction j: a difference quotient along "
                   "a unit vector of a whole vector (C(w + \\epsilon e_j)) is not read, the "
                   "tool does not tie that vector to the model's quantities (a quotient in "
                   "numbers, f(x + \\epsilon), is read)", scope, toks[i], toks[i + 1].end)
    return _change(toks, i, sk)


def _change(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """`\\Delta w^l_{jk}` in an approximation: a `Change` of the quantity written after
    `\\Delta`; None (read as before) where it is not one: outside an approximation, where the
    text makes `\\Delta` a quantity of its own, or before anything but a quantity."""
    scope = sk.scope
    if not (scope.changes and toks[i].text == "\\Delta" and i + 1 < len(toks)
            and starts_name(toks[i + 1]) and scope.lookup("\\Delta") != "quantity"):
        return None
    name, j = _read_name(toks, i + 1, scope)
    if scope.lookup(name) != "quantity":
        return None
    _, k = _scripts(toks, j, scope)
    value: sympy.Basic = sk.parse(toks[i + 1 : k])
    if not isinstance(value, Quantity):
        return None
    sk.placeholder(Change(value), (toks[i].start, toks[k - 1].end))
    return k
