"""The document's own update rule, read for the trainer.

A document writes its step of gradient descent as a row such as

    w^{(l)}_{ij} \\leftarrow w^{(l)}_{ij} - \\alpha \\times \\frac{1}{m} \\sum_x
        \\frac{\\partial \\mathcal{L}}{\\partial w^{(l)}_{ij}}

`update_rule` reads that right side as an expression of the parameter P, the sum G over the
minibatch of the per-sample gradients dL/dP (which the generated code computes), the learning
rate and the batch size, and keeps what the trainer runs: P <- P - scale * G, with `scale` the
document's own factor (here alpha/m). A loss written as a mean (`J = \\frac{1}{m} \\sum_x L`) is
inlined, so `w - \\eta \\frac{\\partial J}{\\partial w}` gives the same rule. A row that writes the
gradient only in other quantities (`\\frac{\\eta}{m} \\sum_x \\delta^{x,l}_j a^{x,l-1}_k`) is read
leniently: the product of those quantities stands for one sample's gradient, and the rule
says it was taken so (`UpdateRule.taken`). What is not of that
form (a step that is not linear in the gradient, a factor with a scalar the trainer has no
value for, a step up the gradient) is an `InputError` placed at the row, never a silent
replacement: `derive check` says whether the row is right; the trainer runs it as written.

A document that writes no update is trained by plain gradient descent on the minibatch mean,
P <- P - (rate/m) G, and the trainer says so.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from derive.errors import InputError
from derive.expr import BatchSum, Partial, Quantity, to_latex

RATE = sympy.Symbol("rate", positive=True)  # the learning rate, --lr
BATCH = sympy.Symbol("m", integer=True, positive=True)  # the size of the minibatch
_P = sympy.Dummy("P")  # the parameter updated
_G = sympy.Dummy("G")  # the sum over the minibatch of one parameter's per-sample gradients
_ONE = sympy.Dummy("g")  # one sample's gradient, outside any sum over the samples


@dataclass(frozen=True)
class UpdateRule:
    """Every parameter P <- P - scale * G, G the minibatch sum of dL/dP per sample."""

    scale: sympy.Expr  # of RATE and BATCH: the document's alpha/m
    written: tuple[tuple[int, str], ...] = ()  # (line, LaTeX) of the rows read; () = none
    stochastic: bool = False  # the document steps on one sample's gradient (no sum)
    # the rows write the gradient in other quantities (δ a), taken as dL/dp: which they are
    # is what `derive check` checks of the row, not the trainer
    taken: bool = False

    def step_size(self, rate: float, batch: int) -> float:
        """The factor of G in one step, for this learning rate and minibatch size."""
        return _step_size(self.scale, float(rate), int(batch))

    def describe(self) -> str:
        """One line for the trainer's output: which rule runs, and where the text writes it."""
        size = sympy.sstr(self.scale.xreplace({RATE: sympy.Symbol("lr")}))
        if not self.written:
            return (f"update: the document writes none; plain gradient descent on the "
                    f"minibatch mean, p <- p - ({size}) * sum of dL/dp")
        lines = ", ".join(str(line) for line, _ in self.written)
        taken = (" (the gradient it writes in other quantities taken as dL/dp, which "
                 "`derive check` checks)" if self.taken else "")
        return f"update: the document's, line(s) {lines}: p <- p - ({size}) * sum of dL/dp{taken}"


PLAIN = UpdateRule(RATE / BATCH)


@functools.lru_cache(maxsize=64)
def _step_size(scale: sympy.Expr, rate: float, batch: int) -> float:
    return float(scale.xreplace({RATE: sympy.Float(rate), BATCH: sympy.Integer(batch)}))


def update_rule(updates: Sequence[tuple[object, object]], notation: object,
                defs: Sequence[object], parameters: Sequence[str]) -> UpdateRule:
    """The rule of the document's update rows (`Network.updates`) for the named parameters.

    Each row is read from its first step the reading takes (later steps are the same update
    in other terms, which `derive check` checks). Every row must give the same scale: the
    trainer takes one step size for all parameters.
    """
    rows = [(f, eq) for f, eq in updates
            if isinstance(eq.lhs.expr, Quantity)  # type: ignore[attr-defined]
            and eq.lhs.expr.name in parameters]  # type: ignore[attr-defined]
    if not rows:
        return PLAIN
    read: list[tuple[object, object, sympy.Expr, bool]] = []
    taken = False
    for formula, eq in rows:
        scale, stochastic, lenient = _read_row(formula, eq, notation, defs)
        read.append((formula, eq, scale, stochastic))
        taken = taken or lenient
    _, _, first, stochastic = read[0]
    for formula, eq, scale, one in read[1:]:
        if one != stochastic or sympy.simplify(scale - first) != 0:
            raise InputError(
                f"this update's step ({_shown(scale, one)}) differs from the one at line "
                f"{read[0][1].line} ({_shown(first, stochastic)}): the trainer "  # type: ignore[attr-defined]
                "takes one step size for every parameter",
                formula.span(eq.lhs.start))  # type: ignore[attr-defined]
    return UpdateRule(first, tuple((eq.line, f"{eq.lhs.latex} \\leftarrow {eq.steps[0].latex}")
                                   for _, eq, _, _ in read),  # type: ignore[attr-defined]
                      stochastic, taken)


def _shown(scale: sympy.Expr, stochastic: bool) -> str:
    what = "one sample's gradient" if stochastic else "the minibatch sum of the gradients"
    return f"{sympy.sstr(scale)} times {what}"


def _read_row(formula: object, eq: object, notation: object,
              defs: Sequence[object]) -> tuple[sympy.Expr, bool, bool]:
    """(scale, stochastic, lenient) of the row's first step the reading takes: strictly (the
    gradient written as a derivative of the loss), else leniently (written in other
    quantities, δ a, which stand for one sample's gradient)."""
    lhs = eq.lhs.expr  # type: ignore[attr-defined]
    reasons: list[str] = []
    for lenient in (False, True):
        for step in eq.steps:  # type: ignore[attr-defined]
            try:
                value = _Reader(lhs, notation, defs, lenient).read(step.expr)
            except _Unread as why:
                reasons.append(str(why))
                continue
            return (*_scale(formula, eq, step, value), lenient)
    raise InputError(
        "the trainer cannot run this update as written: " + "; ".join(dict.fromkeys(reasons)),
        formula.span(eq.lhs.start),  # type: ignore[attr-defined]
        hint="write it as the parameter minus a factor of the rate times the derivative of "
             "the loss in the parameter, e.g. w - \\frac{\\eta}{m} \\sum_x \\frac{\\partial L}"
             "{\\partial w}")


def _scale(formula: object, eq: object, step: object, value: sympy.Expr
           ) -> tuple[sympy.Expr, bool]:
    """-(d value/dG) when value = P - scale * G exactly, scale > 0 of the rate and batch."""
    where = formula.span(step.start)  # type: ignore[attr-defined]
    stochastic = value.has(_ONE)
    if stochastic and value.has(_G):
        raise InputError("this update mixes one sample's gradient with a sum over the samples",
                          where)
    grad = _ONE if stochastic else _G
    rest = sympy.expand(value - _P)
    scale = -rest.diff(grad)
    if scale == 0 or sympy.expand(rest + scale * grad) != 0 or scale.has(_P, _G, _ONE):
        raise InputError(
            f"the trainer runs p <- p - (factor) * gradient; this update reads as "
            f"{sympy.sstr(value.xreplace({_P: sympy.Symbol('p'), grad: sympy.Symbol('gradient')}))}",
            where)
    extra = scale.free_symbols - {RATE, BATCH}
    if extra:
        raise InputError(f"the step size {sympy.sstr(scale)} holds "
                          f"{', '.join(sorted(map(str, extra)))}, which has no value here", where)
    if stochastic and scale.has(BATCH):
        raise InputError("this update steps on one sample's gradient but scales it by the "
                          "batch size", where)
    if not _step_size(scale, 0.5, 3) > 0:
        raise InputError(f"this update steps up the gradient (its step size {sympy.sstr(scale)} "
                          "is not positive): the trainer runs descent only; `derive check` "
                          "says what the step should be", where)
    return scale, stochastic


class _Unread(Exception):
    """A part of an update the trainer's reading does not take (the reason)."""


class _Reader:
    """An update's right side in P, G (or one sample's gradient), the rate and batch size."""

    def __init__(self, lhs: Quantity, notation: object, defs: Sequence[object],
                 lenient: bool = False) -> None:
        self.lhs, self.notation, self.defs, self.lenient = lhs, notation, defs, lenient

    def read(self, e: sympy.Basic) -> sympy.Expr:
        from derive.latex import Scalar, Size

        if e == self.lhs:
            return _P
        if isinstance(e, Scalar):
            if e.name == getattr(self.notation, "rate", None):
                return RATE
            raise _Unread(f"the scalar {e.name} has no value in training")
        if isinstance(e, Size):
            if e.name == getattr(self.notation, "batch", None):
                return BATCH
            raise _Unread(f"the size {e.name} is not the batch size")
        if isinstance(e, BatchSum):
            return self._summed(self.read(e.body), e)
        if isinstance(e, Partial):
            if e.den != self.lhs:
                raise _Unread(f"${to_latex(e)}$ is not a derivative in the parameter updated")
            return self.derivative(e.num)
        if e.is_Number:
            return e  # type: ignore[return-value]
        if self.lenient and isinstance(e, (Quantity, sympy.Mul)):
            others = [a for a in sympy.Mul.make_args(e)
                      if isinstance(a, Quantity) and not a.has(self.lhs)]
            if others:  # δ a: one sample's gradient in other terms, times the rest
                rest = [a for a in sympy.Mul.make_args(e) if a not in others]
                return self.read(sympy.Mul(*rest)) * _ONE
        if isinstance(e, (sympy.Add, sympy.Mul, sympy.Pow)):
            return e.func(*[self.read(a) for a in e.args])
        raise _Unread(f"${to_latex(e)}$ is not read in an update")

    def derivative(self, num: sympy.Basic, depth: int = 0) -> sympy.Expr:
        """d num/dP, by linearity, in one sample's gradient of the loss (_ONE)."""
        from derive.latex import Scalar, Size

        loss = getattr(self.notation, "loss", None)
        if isinstance(num, Quantity) and not num.indices:
            if num.name == loss:
                return _ONE
            definition = next((d for d in reversed(self.defs)  # type: ignore[attr-defined]
                               if isinstance(d.lhs, Quantity) and d.lhs.name == num.name
                               and not d.lhs.indices), None)
            if definition is not None and depth < 4:
                return self.derivative(definition.rhs, depth + 1)  # type: ignore[attr-defined]
        if isinstance(num, BatchSum):
            return self._summed(self.derivative(num.body, depth), num)
        if isinstance(num, sympy.Add):
            return sympy.Add(*[self.derivative(a, depth) for a in num.args])
        if isinstance(num, sympy.Mul):
            constant = [a for a in num.args if a.is_Number or isinstance(a, (Scalar, Size))
                        or (isinstance(a, sympy.Pow) and isinstance(a.base, (Scalar, Size))
                            and a.exp.is_Number)]
            varying = [a for a in num.args if a not in constant]
            if len(varying) == 1:
                return self.read(sympy.Mul(*constant)) * self.derivative(varying[0], depth)
        raise _Unread(f"the derivative of ${to_latex(num)}$ is not one of the loss "
                      f"{loss or '(none named)'}, its sum over the samples, or a multiple")

    @staticmethod
    def _summed(body: sympy.Expr, e: BatchSum) -> sympy.Expr:
        """Σ over the samples of body: body must be a multiple of one sample's gradient."""
        linear = body.diff(_ONE)
        if body.has(_P, _G) or linear == 0 or linear.has(_ONE) \
                or sympy.expand(body - linear * _ONE) != 0:
            raise _Unread(f"${to_latex(e)}$ is not a sum of one sample's gradients")
        return body.xreplace({_ONE: _G})
