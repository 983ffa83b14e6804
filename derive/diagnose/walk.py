"""Walking a claim's expressions for the diagnoses: atoms, each occurrence of a node, cases."""

from __future__ import annotations

import sympy

from derive.expr import Call, Prime, Quantity, Width, to_latex
from derive.functions import ELEMENTARY, NAMED, NON_SMOOTH
from derive.latex import Index, Size
from derive.numbers import CTX


def atoms(e: sympy.Basic, types: tuple = (Quantity,)) -> list[sympy.Basic]:
    seen: list[sympy.Basic] = []
    for a in sympy.preorder_traversal(e):
        if isinstance(a, types) and a not in seen:
            seen.append(a)
    return seen


def each_occurrence(e: sympy.Basic, target: sympy.Basic, new: sympy.Basic) -> list[sympy.Basic]:
    """`e` with one occurrence of `target` replaced by `new`, for each occurrence in turn."""
    count = [0]

    def walk(x: sympy.Basic, which: int) -> sympy.Basic:
        if x == target:
            count[0] += 1
            return new if count[0] - 1 == which else x
        if not x.args or isinstance(x, (Quantity, Width)):
            return x
        args = [walk(a, which) for a in x.args]
        return x if all(a is b for a, b in zip(args, x.args)) else _rebuilt(x, args)

    out: list[sympy.Basic] = []
    which = 0
    while True:
        count[0] = 0
        candidate = walk(e, which)
        if which >= count[0]:
            return out
        out.append(candidate)
        which += 1


def _rebuilt(x: sympy.Basic, args: list[sympy.Basic]) -> sympy.Basic:
    """`x` with new arguments; unevaluated where SymPy's evaluation of them fails (a
    comparison it cannot decide, as `exp` of a sum at an edited index may ask for)."""
    try:
        return x.func(*args)
    except (TypeError, AttributeError, ValueError, NotImplementedError):
        return x.func(*args, evaluate=False)


def bound_indices(e: sympy.Basic) -> set[Index]:
    out: set[Index] = set()
    for s in sympy.preorder_traversal(e):
        if isinstance(s, sympy.Sum):
            out |= {lim[0] for lim in s.limits}
    return out


def ratio(lv, rv):  # type: ignore[no-untyped-def]
    if abs(lv) <= CTX.mpf("1e-15"):
        return None
    return rv / lv


def nice(c) -> str:  # type: ignore[no-untyped-def]
    r = sympy.nsimplify(float(c), tolerance=1e-9, rational=True)
    return to_latex(r)


# the known functions whose applications are candidate factors: tanh(u) missing from
# 1 - tanh(u)^2, a step 1{z > 0} missing from a ReLU layer's error
FACTOR_FUNCTIONS = (sympy.tanh, sympy.erf, *NON_SMOOTH)

FLIP = {sympy.StrictGreaterThan: sympy.StrictLessThan, sympy.StrictLessThan: sympy.StrictGreaterThan,
         sympy.GreaterThan: sympy.LessThan, sympy.LessThan: sympy.GreaterThan}


def named_smooth(body: sympy.Basic, t: sympy.Symbol) -> str | None:
    """The spelling of the smooth function known by name that `body` (in `t`) is, when its
    derivative prints worse than f' does: the logistic sigmoid, softplus, GELU, Φ."""
    for f in NAMED:
        if f.arity != 1 or f.apply(t) != body or type(body) in ELEMENTARY:
            continue  # tanh(t), erf(t) print as themselves
        if not sympy.diff(body, t).has(*NON_SMOOTH, sympy.Piecewise):
            return f.spellings[0]
    return None


def on_values(cond: sympy.Basic) -> bool:
    """Whether a condition is about values (`x > 0`, `z^{(l)}_i \\le 0`), not only indices."""
    return bool(cond.atoms(Quantity, Call, Prime)) or any(
        not isinstance(s, (Index, Size)) for s in cond.free_symbols)


def value_conditions(e: sympy.Basic) -> list[sympy.Basic]:
    """The inequality conditions on values (not indices) of the `cases` blocks in `e`."""
    out = []
    for pw in atoms(e, (sympy.Piecewise,)):
        for _, cond in pw.args:
            if type(cond) in FLIP and on_values(cond):
                out.append(cond)
    return list(dict.fromkeys(out))
