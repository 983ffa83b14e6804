"""Diagnoses of a `cases` block: the failing case, a condition the wrong way round."""

from __future__ import annotations

import sympy

from derive.diagnose.walk import FLIP, atoms, each_occurrence, on_values, value_conditions
from derive.evaluate import Trial, free_indices
from derive.expr import to_latex
from derive.model import OutOfRange
from derive.numbers import Unsupported, close
from derive.results import Finding, FindingKind


class CaseEdits:
    """The edits of a `cases` block (a mixin of `Diagnoser`)."""

    def cases(self) -> Finding | None:
        """A `cases` block: diagnose the case that fails, on the points where it applies."""
        for value, cond in self.rhs.args:
            def applies(env: dict, cond: sympy.Basic = cond) -> bool:
                c = cond.xreplace({k: sympy.Integer(v) for k, v in env.items()})
                return c == sympy.true and (self.restrict is None or self.restrict(env))

            sub = type(self)(self.engine, self.model, self.lhs, value, None, applies)
            if sub.trials and not sub.holds(value):
                found = sub.run()
                if found:
                    return Finding(FindingKind.IN_CASE, parameters=(("case", to_latex(cond)),), inner=found)
        return None

    def condition(self) -> Finding | None:
        """An inequality of a `cases` block or an indicator the wrong way round
        (ReLU'(z) written 1{z < 0} for 1{z > 0})."""
        for rel in value_conditions(self.rhs):
            flipped = FLIP[type(rel)](rel.lhs, rel.rhs)
            if any(self.holds(c) for c in each_occurrence(self.rhs, rel, flipped)):
                return Finding(FindingKind.WRONG_CONDITION, (to_latex(rel), to_latex(flipped)))
        return None

    def exchanged_cases(self) -> Finding | None:
        """Two cases of a `cases` block whose values are each other's (ReLU's error written
        0 where z > 0 and δ where z <= 0)."""
        for pw in atoms(self.rhs, (sympy.Piecewise,)):
            pieces = list(pw.args)
            for i in range(len(pieces)):
                for j in range(i + 1, len(pieces)):
                    values = [v for v, _ in pieces]
                    values[i], values[j] = values[j], values[i]
                    exchanged = sympy.Piecewise(*[(v, c) for v, (_, c) in zip(values, pieces)],
                                                evaluate=False)
                    if self.holds(self.rhs.xreplace({pw: exchanged})):
                        return Finding(FindingKind.CASES_EXCHANGED,
                                       (to_latex(pieces[i][1]), to_latex(pieces[j][1])))
        return None

    def value_case(self) -> Finding | None:
        """A `cases` block on values (ELU, leaky ReLU) wrong in one case only: the points are
        split by the case that applies, and the failing case diagnosed on its own points."""
        if not self.trials:
            return None
        for pw in atoms(self.rhs, (sympy.Piecewise,)):
            conds = [c for _, c in pw.args]
            if not any(on_values(c) for c in conds if c != sympy.true):
                continue
            which = sympy.Piecewise(*[(k, c) for k, c in enumerate(conds)], evaluate=False)
            trials = self.trials + self._more_points(which, len(conds))
            lvals = [t.lhs for t in trials]
            try:
                branch = [int(b) for b in self.engine.values(self.model, which, trials)]
                rvals = self.engine.values(self.model, self.rhs, trials)
            except (OutOfRange, Unsupported, ZeroDivisionError, TypeError):
                continue
            agree = [close(a, b) for a, b in zip(lvals, rvals)]
            failing = {b for b, ok in zip(branch, agree) if not ok}
            if len(failing) != 1 or all(not ok for ok in agree):
                continue  # wrong in several cases, or agreeing in none: not one case's error
            k = failing.pop()
            value, cond = pw.args[k]
            where = () if cond == sympy.true else (("case", to_latex(cond)),)
            sub = type(self).__new__(type(self))
            sub.engine, sub.model, sub.lhs, sub.restrict = self.engine, self.model, self.lhs, None
            sub.names = {}
            sub.rhs = self.rhs.xreplace({pw: value})
            sub.trials = [t for t, b in zip(trials, branch) if b == k]
            sub.lvals = [t.lhs for t in sub.trials]
            found = sub.run() if len(sub.trials) >= 2 else None
            if found and not _zero_factor(found):  # a zero written for a slope: say so below
                return Finding(FindingKind.IN_CASE, parameters=where, inner=found)
            others = tuple(to_latex(c) for j, c in enumerate(conds) if j != k and c != sympy.true)
            agreed = (("agrees", others),) if others else ()
            return Finding(FindingKind.WRONG_CASE, parameters=where + agreed)
        return None

    def _more_points(self, which: sympy.Basic, cases: int) -> list[Trial]:
        """Further random points (seeds beyond the verdict's) until every case of `which` has
        one, at most a few dozen: the diagnosis of one case needs points in the others."""
        seen = set()
        try:
            seen = {int(b) for b in self.engine.values(self.model, which, self.trials)}
        except (OutOfRange, Unsupported, ZeroDivisionError, TypeError):
            return []
        out: list[Trial] = []
        free = sorted(free_indices(self.lhs) | free_indices(self.rhs), key=str)
        for seed in range(2, 14):
            if len(seen) >= cases:
                break
            for instance in self.engine.instances(self.model):
                env = next(iter(self.engine.domain(self.model, instance, free,
                                                   (self.lhs, self.rhs))), None)
                if env is None or (self.restrict is not None and not self.restrict(env)):
                    continue
                ev = self.engine.evaluator(self.model, instance, seed)
                try:
                    lv = ev.ground(self.lhs, env, 1)
                    b = int(ev.ground(which, env, 1))
                except (OutOfRange, Unsupported, ZeroDivisionError, TypeError):
                    continue
                seen.add(b)
                out.append(Trial(instance, tuple(sorted(env.items(), key=lambda kv: str(kv[0]))),
                                 seed, lv, lv))
        return out


def _zero_factor(f: Finding | None) -> bool:
    """Whether a finding, or one it qualifies, is a constant factor of zero."""
    while f is not None:
        if f.kind is FindingKind.CONSTANT_FACTOR and f.quantities[0] == "0":
            return True
        f = f.inner
    return False
