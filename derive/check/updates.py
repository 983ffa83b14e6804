"""What an update's left side is derived as: the parameter after one step of gradient descent
on one sample's loss (stochastic), on the minibatch mean loss, or on the text's overall cost."""

from __future__ import annotations

import sympy

from derive import vectorcheck
from derive.expr import BatchSum, Partial, Quantity, to_latex
from derive.latex import Equation, Scalar, Size
from derive.model import Model


def _derived_side(model: Model, eq: Equation, accumulated: bool = False
                  ) -> tuple[sympy.Basic | None, str]:
    """What the claim's left side is derived as (an update's: the parameter after a step of
    gradient descent; None without the loss and rate), and how, when it is not itself. An
    update with a sum the prose accumulates over the samples (derive.infer.accumulators)
    descends the text's overall cost, where the text defines one."""
    lhs = eq.lhs.expr
    notation = model.notation
    if eq.kind == "update" and accumulated and (
            overall := _overall_update(model, lhs, eq, True)) is not None:
        target, derivation_note = overall
    elif eq.kind == "update" and not any(s.expr.has(BatchSum) or _batch_level(model, s.expr)
                                       or vectorcheck.sums_samples(s) for s in eq.steps):
        # no sum over the samples: stochastic gradient descent on one sample's loss
        target = _update_target(model, lhs, stochastic=True)
        derivation_note = ("stochastic gradient descent on one sample's loss: the derived side "
                           f"is ${to_latex(lhs)} - {notation.rate or 'α'} \\frac{{\\partial "
                           f"{notation.loss}}}{{\\partial {to_latex(lhs)}}}$, differentiated "
                           "with sympy")
    elif eq.kind == "update" and (overall := _overall_update(model, lhs, eq)) is not None:
        target, derivation_note = overall
    elif eq.kind == "update":
        target = _update_target(model, lhs)
        derivation_note = ("gradient descent on the minibatch mean loss: the derived side is "
                           f"${to_latex(lhs)} - {notation.rate or 'α'} \\frac{{\\partial}}"
                           f"{{\\partial {to_latex(lhs)}}} \\frac{{1}}{{{notation.batch}}}"
                           f"\\sum_{{{notation.sample}}} {notation.loss}$, differentiated with sympy")
    else:
        target = lhs
        derivation_note = ""
    return target, derivation_note


def _batch_level(model: Model, e: sympy.Basic) -> bool:
    """Whether `e` reads a quantity of the whole batch (J = 1/m sum_i L^{(i)}), or the batch
    size: then an update with it is on the batch, not on one sample."""
    n = model.notation
    if e.has(Size(n.batch)):
        return True
    return any((spec := n.quantities.get(q.name)) is not None and spec.parameter
               and not spec.given for q in e.atoms(Quantity))


def _overall_update(model: Model, lhs: sympy.Basic, eq: Equation, accumulated: bool = False
                    ) -> tuple[sympy.Basic, str] | None:
    """An update written with the overall cost (UFLDL's `J(W,b)`, `roles.overall`): gradient
    descent on that cost as the text defines it (the mean over the samples, with weight decay),
    not on the mean of the samples' costs alone."""
    n = model.notation
    if not (n.overall and n.rate) or n.overall not in n.quantities or n.rate not in n.scalars:
        return None
    cost = Quantity(n.overall, (), ())
    if not accumulated and not any(s.expr.has(cost) for s in eq.steps):
        return None
    return lhs - Scalar(n.rate) * Partial(cost, lhs), (
        f"gradient descent on the overall cost ${n.overall}$ as the text defines it: the derived "
        f"side is ${to_latex(lhs)} - {n.rate} \\frac{{\\partial {n.overall}}}{{\\partial "
        f"{to_latex(lhs)}}}$, differentiated with sympy")


def _update_target(model: Model, lhs: sympy.Basic, stochastic: bool = False
                   ) -> sympy.Basic | None:
    n = model.notation
    if not (n.loss and n.rate) or n.loss not in n.quantities or n.rate not in n.scalars:
        return None
    loss = Quantity(n.loss, (), ())
    rate = Scalar(n.rate)
    if stochastic:
        return lhs - rate * Partial(loss, lhs)
    m = Size(n.batch)
    return lhs - rate * Partial(BatchSum(loss, n.sample) / m, lhs)
