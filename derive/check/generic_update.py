"""A bare update of a name no parameter of the network (`w = w - \\eta \\frac{\\partial L}{\\partial w}`)
checked as the generic rule of gradient descent: the name minus the rate times the loss's gradient
with respect to that same name, for a generic smooth loss (each partial a symbol of its own)."""

from __future__ import annotations

import sympy

from derive.document import Formula
from derive.expr import Partial, Quantity, to_latex
from derive.latex import Equation, Scalar
from derive.model import Model
from derive.results import Result, Status


def _costs(model: Model) -> set[sympy.Basic]:
    """The text's loss and overall cost; in a formula's local model (`b = b - \\eta
    \\frac{\\partial L}{\\partial b}` read in variables of its own) the same names as its scalars."""
    n = model.notation
    names = [name for name in (n.loss, n.overall) if name]
    return {Quantity(name, (), ()) for name in names} | (
        {Scalar(name) for name in names} if model.local else set())


def _symbolized(e: sympy.Basic) -> tuple[sympy.Basic, dict[sympy.Basic, sympy.Symbol]]:
    """`e` with each partial derivative a symbol of its own (a generic smooth loss)."""
    parts = sorted(e.atoms(Partial), key=sympy.default_sort_key)
    names = {p: sympy.Symbol(f"g[{to_latex(p)}]") for p in parts}
    return e.xreplace(names), names


def is_generic_update(model: Model, eq: Equation) -> bool:
    """`w = w - ...` of a bare name (no quantity, not the rate) whose every step reads the name
    and a partial of the text's loss or cost: a step of gradient descent, even a slipped one."""
    lhs, costs = eq.lhs.expr, _costs(model)
    if eq.kind != "equation" or not isinstance(lhs, Scalar) or not costs or not eq.steps:
        return False
    if lhs.name == model.notation.rate:
        return False
    return all(s.expr.has(lhs) and any(p.num in costs for p in s.expr.atoms(Partial))
               for s in eq.steps)


def generic_update_results(formula: Formula, eq: Equation, model: Model) -> list[Result] | None:
    """The rows' verdicts against the generic rule, or None when a step is not of its form
    (a partial of something other than the text's loss or cost, or no partial at all)."""
    lhs, rate = eq.lhs.expr, model.notation.rate
    if not isinstance(lhs, Scalar) or not rate:
        return None
    costs, results = _costs(model), []
    for k, step in enumerate(eq.steps, start=1):
        parts = step.expr.atoms(Partial)
        if not parts or not costs or any(p.num not in costs for p in parts):
            return None
        cost = sorted({p.num for p in parts}, key=sympy.default_sort_key)[0]
        derived = lhs - Scalar(rate) * Partial(cost, lhs)
        got, want = _symbolized(step.expr)[0], _symbolized(derived)[0]
        ok = sympy.expand(got - want) == 0
        results.append(_result(formula, eq, k, step, derived, ok, _diagnosis(
            lhs, Scalar(rate), cost, got, want, parts) if not ok else None))
    return results


def _diagnosis(lhs: sympy.Basic, rate: sympy.Basic, cost: sympy.Basic, got: sympy.Basic,
               want: sympy.Basic, parts: set) -> str:
    """What differs from the generic rule: the sign, the rate, or the parameter differentiated."""
    if any(p.den != lhs for p in parts):
        other = ", ".join(sorted(f"${to_latex(p.den)}$" for p in parts if p.den != lhs))
        return (f"the gradient is taken with respect to {other}, not the parameter updated "
                f"${to_latex(lhs)}$")
    step = want - lhs
    if sympy.expand(got - (lhs - step)) == 0:
        return "wrong sign: the step goes up the gradient (gradient ascent), not down"
    if sympy.expand(got - (lhs + step / rate)) == 0:
        return f"the learning rate ${to_latex(rate)}$ is missing from the step"
    return f"the right side is not ${to_latex(lhs)}$ minus the rate times the loss's gradient"


def _result(formula: Formula, eq: Equation, k: int, step, derived: sympy.Basic, ok: bool,
            diagnosis: str | None) -> Result:
    lhs = eq.lhs.expr
    return Result(
        file=formula.file, line=eq.step_lines[k - 1] if eq.step_lines else eq.line,
        col=formula.span(eq.lhs.start).col, latex=f"{eq.lhs.latex} = {step.latex}",
        kind="equation", status=Status.VERIFIED if ok else Status.REFUTED,
        section=formula.section, formula=formula.number, step=k if len(eq.steps) > 1 else None,
        parsed=f"{to_latex(lhs)} = {to_latex(step.expr)}",
        derivation=(f"the generic rule of gradient descent: ${to_latex(lhs)}$ is no parameter "
                    f"of the network as read, so the derived side is ${to_latex(derived)}$ "
                    "for a generic smooth loss"),
        evidence=("symbolic: the two sides are identical with each partial derivative a "
                  "symbol of its own" if ok else "symbolic: the two sides differ with each "
                  "partial derivative a symbol of its own"),
        message=("verified as the generic rule of gradient descent (the loss's dependence on "
                 f"${to_latex(lhs)}$ not read)" if ok else f"refuted: {diagnosis}"),
        diagnosis=diagnosis)
