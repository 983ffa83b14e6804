"""What a row written with `\\approx` claims, as an equation the checker can decide: a
first-order change (`\\Delta C \\approx \\frac{\\partial C}{\\partial w} \\Delta w`) as the equality
of its linear term, a difference quotient in a small step as the equality of its limit.

A first-order row: `\\Delta y` is the change of the quantity y that the changes `\\Delta x` its
right side writes cause, each x a quantity of the model (a parameter, or a quantity the model
computes, changed as if it were free), the entries named changed and no other. To first order
that change is the sum over them of `\\partial y / \\partial x` times `\\Delta x`, each partial
derived from the model; the row holds iff its right side equals that sum for every value of the
changes: linear in them, with those coefficients. The changes are numbers of their own here,
drawn at random like every free number, so a right side that is not linear in them, or has a
wrong coefficient, differs at the points drawn.

A difference quotient: a right side that divides by the small step `\\epsilon` of the row
(derive.latex.changes) is compared, as its limit `\\epsilon \\to 0^+`, with the left side."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator

import sympy

from derive.expr import Change, Partial, Quantity, to_latex
from derive.latex import Equation, Scalar
from derive.latex.changes import STEPS
from derive.results import Finding, FindingKind, Result, Status
from derive.sentences import sentence

NOT_CHECKED = "`\\approx` states an approximation: it is not checked as an equality"


class Small(Scalar):
    """A small change `\\Delta x`, read as a number of its own (printed as written)."""

    def _latex(self, printer: object) -> str:
        return self.name


@dataclasses.dataclass(frozen=True)
class Reading:
    """The equation an approximation is checked as, and the words its verdict is given in."""

    lhs: sympy.Basic
    rhs: sympy.Basic
    claim: str  # what was verified: "as a first-order approximation ..."
    note: str  # the derivation's note


def reading(eq: Equation) -> Reading | str:
    """The equation the row's one step is checked as, or why it is not checked (the reason)."""
    lhs, step = eq.lhs, eq.steps[0]
    if len(eq.steps) != 1:
        return f"{NOT_CHECKED} (a chain of approximations is not read)"
    if lhs.tensor is not None or step.tensor is not None:
        return f"{NOT_CHECKED} (an approximation in vector form is not read)"
    changes = sorted(step.expr.atoms(Change), key=sympy.default_sort_key)
    if isinstance(lhs.expr, Change) or changes:
        return _first_order(lhs.expr, step.expr, changes)
    steps = [s for s in step.expr.free_symbols if isinstance(s, Scalar) and s.name in STEPS]
    if len(steps) == 1 and not lhs.expr.has(steps[0]) and _divides_by(step.expr, steps[0]):
        return _limit(lhs.expr, step.expr, steps[0])
    return (f"{NOT_CHECKED}: it is neither the first-order change of a quantity "
            "(`\\Delta y \\approx \\frac{\\partial y}{\\partial x} \\Delta x`) nor a difference "
            "quotient in a small step `\\epsilon`")


def _first_order(lhs: sympy.Basic, rhs: sympy.Basic, changes: list[Change]) -> Reading | str:
    if not (isinstance(lhs, Change) and isinstance(lhs.of, Quantity)):
        return (f"{NOT_CHECKED}: its right side writes a change `\\Delta x`, but its left side "
                "is not the change `\\Delta y` of one quantity of the model")
    if lhs.of.has(Change) or not changes:
        return (f"{NOT_CHECKED}: the change of ${to_latex(lhs.of)}$ is not written in terms "
                "of changes `\\Delta x` of the model's quantities")
    if not all(_apart(a.of, b.of) for a, b in itertools.combinations(changes, 2)):
        return (f"{NOT_CHECKED}: it writes changes of several entries of one quantity "
                f"(${'$, $'.join(to_latex(c) for c in changes)}$), which the tool does not read")
    bound = _summed_change(rhs)
    if bound is not None:
        return (f"{NOT_CHECKED}: the change ${to_latex(bound)}$ is summed over its index: only "
                "changes of the entries the row names are read")
    small = {c: Small(to_latex(c)) for c in changes}
    linear = sympy.Add(*(sympy.Mul(_partial(lhs.of, c.of), small[c]) for c in changes))
    written = ", ".join(f"${to_latex(c)}$" for c in changes)
    return Reading(
        lhs=linear, rhs=rhs.xreplace(small),
        claim="verified as a first-order approximation (the linear term of the change), not "
              "as an equality",
        note=(f"first order: ${to_latex(lhs)}$ is the change of ${to_latex(lhs.of)}$ that "
              f"{written} cause{'s' if len(changes) == 1 else ''} (each a small number of its "
              "own, the other entries held), to first order the sum of the partial "
              "derivatives times the changes: the right side must be linear in the changes, "
              "with those coefficients"))


def _apart(a: Quantity, b: Quantity) -> bool:
    """Whether two changed entries are different entries at every index value: of different
    quantities, or at a layer or index written as two different numbers (`v_1`, `v_2`)."""
    if a.name != b.name:
        return True
    pairs = zip((a.layer, *a.indices), (b.layer, *b.indices))
    return any(isinstance(x, sympy.Integer) and isinstance(y, sympy.Integer) and x != y
               for x, y in pairs)


def _partial(of: Quantity, by: sympy.Basic) -> sympy.Basic:
    return sympy.Integer(1) if of == by else Partial(of, by)


def _summed_change(rhs: sympy.Basic) -> Change | None:
    """A change inside a sum over one of its indices (`\\sum_k ... \\Delta w_{jk}`)."""
    for s in rhs.atoms(sympy.Sum):
        bound = set(s.variables)
        for c in s.function.atoms(Change):
            if bound & c.free_symbols:
                return c
    return None


def _divides_by(rhs: sympy.Basic, step: Scalar) -> bool:
    """Whether the right side divides by the step, as a difference quotient does."""
    return any(p.base == step and p.exp.is_negative for p in rhs.atoms(sympy.Pow))


def _limit(lhs: sympy.Basic, rhs: sympy.Basic, step: Scalar) -> Reading:
    eps = to_latex(step)
    return Reading(
        lhs=lhs, rhs=sympy.Limit(rhs, step, 0, "+"),
        claim=(f"verified as the limit ${eps} \\to 0^+$ of the right side (the difference "
               f"quotient tends to the left side), not as an equality at a finite ${eps}$"),
        note=(f"a difference quotient in the small step ${eps}$: compared as its limit "
              f"${eps} \\to 0^+$ (sympy.limit)"))


def worded(found: Result, read: Reading, latex: str) -> Result:
    """The verdict on the equation read, given for the row as written (with `\\approx`)."""
    message = found.message
    if found.status is Status.VERIFIED:
        message = f"{read.claim}: {message}"
    elif found.status in (Status.REFUTED, Status.CONDITIONAL):
        what = read.claim.replace("verified as", "read as", 1)
        message = f"{message} ({what})"
    return dataclasses.replace(found, latex=latex, message=message)


def change_repair(eq: Equation, holds: Callable[[Reading], bool],
                  orders_only: bool = False) -> Finding | None:
    """One edit of a change the right side writes that makes a refuted first-order row hold:
    its indices in another order (`\\Delta w_{kj}` for `\\Delta w_{jk}`), or (unless
    `orders_only`: the row has a diagnosis already) the entry a derivative beside it names
    (`\\Delta a_n` for the `a_m` of `\\partial C / \\partial a_m`)."""
    step = eq.steps[0]
    for c, edit, kind in _change_edits(step.expr):
        if orders_only and kind is not FindingKind.INDEX_ORDER:
            continue
        read = reading(dataclasses.replace(eq, steps=(dataclasses.replace(
            step, expr=step.expr.xreplace({c: edit})),)))
        if isinstance(read, Reading) and holds(read):
            return Finding(kind, (to_latex(c), to_latex(edit)))
    return None


def _change_edits(rhs: sympy.Basic) -> Iterator[tuple[Change, Change, FindingKind]]:
    for c in sorted(rhs.atoms(Change), key=sympy.default_sort_key):
        q = c.of
        for order in itertools.permutations(q.indices):
            if order != q.indices:
                yield c, Change(q.with_(indices=order)), FindingKind.INDEX_ORDER
        named = {p.den for p in rhs.atoms(Partial)
                 if isinstance(p.den, Quantity) and p.den.name == q.name and p.den != q}
        for den in sorted(named, key=sympy.default_sort_key):
            kind = (FindingKind.WRONG_LAYER if den.layer != q.layer else
                    FindingKind.WRONG_INDEX)
            yield c, Change(den), kind


def repaired(found: Result, fix: Finding) -> Result:
    """A refuted first-order row with the edit of a change that makes it hold."""
    words = sentence(fix)
    return dataclasses.replace(found, diagnosis=words, finding=fix,
                               message=f"differs from the derivation: {words}, and with that "
                               "edit it holds")
