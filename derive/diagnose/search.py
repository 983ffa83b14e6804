"""The search for one edit of the written side that makes a refuted claim hold."""

from __future__ import annotations

from collections.abc import Callable

import sympy

from derive.diagnose.cases import CaseEdits
from derive.diagnose.factors import FactorEdits
from derive.diagnose.functions import FunctionEdits
from derive.diagnose.structure import StructureEdits
from derive.diagnose.walk import value_conditions
from derive.evaluate import Engine, Trial
from derive.expr import to_latex
from derive.model import Model, OutOfRange
from derive.numbers import Unsupported, close
from derive.results import Finding


class Diagnoser(CaseEdits, FactorEdits, StructureEdits, FunctionEdits):
    """Search for one edit of the written side that makes it equal the derived side.

    Each candidate is tested on a spread of points (the witness first); an edit is reported
    only if it holds at all of them.
    """

    def __init__(self, engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                 witness: Trial | None = None,
                 restrict: Callable[[dict], bool] | None = None):
        self.engine = engine
        self.model = model
        self.lhs = lhs
        self.rhs = rhs
        self.restrict = restrict
        sample = engine.sample(model, lhs, rhs, 12, restrict)
        self.trials = ([witness] if witness else []) + sample[: 12 - bool(witness)]
        self.lvals = [t.lhs for t in self.trials]
        self.names: dict[sympy.Basic, str] = {}  # a candidate's LaTeX where to_latex's is worse

    def tex(self, e: sympy.Basic) -> str:
        return self.names.get(e) or to_latex(e)

    def holds(self, candidate: sympy.Basic) -> bool:
        if not self.trials:
            return False
        try:  # point by point: most candidates fail at the first (the counterexample)
            return all(close(want, self.engine.values(self.model, candidate, [t])[0])
                       for want, t in zip(self.lvals, self.trials))
        except (OutOfRange, Unsupported, ZeroDivisionError, KeyError, TypeError):
            return False

    def run(self) -> Finding | None:
        if isinstance(self.rhs, sympy.Piecewise) and not value_conditions(self.rhs):
            return self.cases()
        for step in (self.condition, self.exchanged_cases, self.value_case, self.extreme, self.constant, self.swapped,
                     self.factor, self.spread, self.index, self.variable, self.layer,
                     self.bound, self.sign, self.argument_sign,
                     self.term_constant, self.term,
                     self.missing_term, self.missing_decay, self.missing_unit,
                     self.quantity,  # another quantity in its place: after the terms, which
                     # say more of a slip whose one edit also happens to fit (ŷ_i for y_i)
                     self.letter_slope,
                     self.product_rule, self.square,
                     self.activation, self.other_activation, self.derivative_of):
            found = step()
            if found:
                return found
        return None
