"""Diagnoses by a factor: a constant or sign, a factor extra or missing, a square."""

from __future__ import annotations

import sympy

from derive.diagnose.walk import (
    FACTOR_FUNCTIONS,
    atoms,
    bound_indices,
    each_occurrence,
    named_smooth,
    nice,
    ratio,
)
from derive.evaluate import free_indices
from derive.expr import Call, Partial, Prime, Quantity, to_latex
from derive.latex import Scalar, Size
from derive.model import OutOfRange
from derive.numbers import Unsupported, close
from derive.results import Finding, FindingKind


class FactorEdits:
    """The edits by a factor (a mixin of `Diagnoser`)."""

    def constant(self) -> Finding | None:
        try:
            rvals = self.engine.values(self.model, self.rhs, self.trials)
        except (OutOfRange, Unsupported, ZeroDivisionError):
            return None
        # points where the derived side vanishes say nothing about a ratio: skip them
        ratios = [r for r in (ratio(lv, rv) for lv, rv in zip(self.lvals, rvals)) if r is not None]
        if len(ratios) < 2:
            return None
        r0 = ratios[0]
        if all(close(r, r0) for r in ratios) and not close(r0, 1):
            if close(r0, -1):
                return Finding(FindingKind.SIGN)
            return Finding(FindingKind.CONSTANT_FACTOR, (nice(r0),))
        return None

    def _factor_candidates(self) -> list[sympy.Basic]:
        """What a factor extra or missing may be, in the order tried: the atoms written, the
        derivatives of the functions the model applies, the per-neuron quantities, the batch
        size, the document's scalars."""
        cands: list[sympy.Basic] = []
        kinds = (Quantity, Prime, Call, Partial, *FACTOR_FUNCTIONS)
        for a in atoms(self.rhs, kinds) + atoms(self.lhs, kinds):
            # the claim's own left side is no factor: `df/dx = 1` times df/dx holds vacuously
            if not bound_indices(a) & a.free_symbols and a != self.lhs:
                _add(cands, a)
        self._slope_candidates(cands)
        self._neuron_candidates(cands)
        if self.model.notation.batch and not self.model.local:
            cands.append(Size(self.model.notation.batch))
        # the document's scalars (a decay coefficient lambda, a rate): those its definitions
        # use and those of the claim, not a function's formal parameter (t in g(t) = ...)
        for s in self._scalars():
            _add(cands, s)
        return cands

    def _slope_candidates(self, cands: list[sympy.Basic], letters: bool = False) -> None:
        """g'(z) at every layer and index the formula mentions, for every one-argument function
        the model applies to a quantity (a = g(z) gives g'(z)), and the derivative of an
        activation written inline (a = max(0, z): the step of z)."""
        applied = set()
        replaced = set()  # a later definition of the same left side replaces the earlier one
        for d in reversed(self.model.defs):  # (z^{l+1} = PReLU(z^l) after LeakyReLU's)
            if d.lhs in replaced:
                continue
            replaced.add(d.lhs)
            if (isinstance(d.rhs, Call) and len(d.rhs.params) == 1
                    and isinstance(d.rhs.params[0], Quantity)):
                applied.add((d.rhs.fname, d.rhs.params[0].name))
        inline = self._inline_slopes()
        qs = self.model.notation.quantities
        written = atoms(self.lhs, (Quantity,)) + atoms(self.rhs, (Quantity,))
        places: list[tuple[tuple, tuple]] = []  # (layer, indices) of each slope tried
        if letters:  # a network of letters (h_j = max(0, a_j)): the layerless activation's,
            # at every free index (the claim may write no a_j: dE/dv_{ji}) (letter_slope)
            args = [arg for _f, arg in applied] + [x[0] for x in inline]
            if args and all(a in qs and not qs[a].layers and len(qs[a].shape) == 1
                            for a in args):
                places = [((), (i,)) for i in sorted(
                    free_indices(self.lhs) | free_indices(self.rhs), key=str)]
        else:
            places = [((q.layer,), q.indices) for q in written if q.layer is not None]
        for layer, indices in places:
            for fname, arg in sorted(applied):
                _add(cands, Prime(fname, Quantity(arg, layer, indices)))
            for arg, slope, spelling in inline:
                x = Quantity(arg, layer, indices)
                c = slope(x)
                if _add(cands, c) and spelling is not None:  # sigma'(s), not its exp form
                    self.names[c] = f"{spelling}^{{\\prime}}({to_latex(x)})"

    def _inline_slopes(self) -> list[tuple[str, sympy.Lambda, str | None]]:
        """(the quantity's name, the slope, the function's name if it has one) for each
        definition that applies an activation written out to one quantity."""
        inline = []
        for d in self.model.defs:
            inner = atoms(d.rhs, (Quantity,)) if isinstance(d.lhs, Quantity) else []
            if len(inner) == 1 and not isinstance(d.rhs, Call) and d.rhs != inner[0]:
                t = sympy.Dummy("t", real=True)
                slope = sympy.diff(d.rhs.xreplace({inner[0]: t}), t)
                if slope.free_symbols == {t} and not slope.is_constant():
                    inline.append((inner[0].name, sympy.Lambda(t, slope),
                                   named_smooth(d.rhs.xreplace({inner[0]: t}), t)))
        return inline

    def _neuron_candidates(self, cands: list[sympy.Basic]) -> None:
        """Per-neuron quantities at the layers and indices the formula mentions (a missing
        a_j)."""
        if self.model.local:
            return
        layers = {q.layer for q in atoms(self.lhs, (Quantity,)) + atoms(self.rhs, (Quantity,))
                  if q.layer is not None}
        layers |= {lay + 1 for lay in layers}
        free = sorted(free_indices(self.lhs) | free_indices(self.rhs), key=str)
        for name, spec in sorted(self.model.notation.quantities.items()):
            if spec.parameter or len(spec.shape) != 1:
                continue
            for lay in sorted(layers, key=str) if spec.layers else [None]:
                for idx in free:
                    _add(cands, Quantity(name, (lay,) if lay is not None else (), (idx,)))

    def _scalars(self) -> list[Scalar]:
        if self.model.local:  # a local model's constants: the `a` of `f_a(x) = a x`
            return [s for d in self.model.defs if isinstance(d.lhs, Scalar)
                    for s in atoms(d.rhs, (Scalar,)) if s != d.lhs]
        found = [s for d in self.model.defs for s in atoms(d.rhs, (Scalar,))
                 if not (isinstance(d.lhs, Call) and s in d.lhs.params)]  # alpha, not g's t
        found += atoms(self.lhs, (Scalar,)) + atoms(self.rhs, (Scalar,))
        declared = self.model.notation.scalars
        return [s for s in dict.fromkeys(found) if s.name in declared]

    def letter_slope(self) -> Finding | None:
        """The slope of an activation of a network of letters missing or extra (the step
        1{a_j > 0} of h_j = max(0, a_j)): tried after another quantity in a quantity's place,
        which says better a_j written for h_j = a_j 1{a_j > 0}."""
        cands: list[sympy.Basic] = []
        self._slope_candidates(cands, letters=True)
        for factor in cands:
            if self.holds(self.rhs / factor):
                return Finding(FindingKind.EXTRA_FACTOR, (self.tex(factor),))
            if self.holds(self.rhs * factor):
                return Finding(FindingKind.MISSING_FACTOR, (self.tex(factor),))
        return None

    def factor(self) -> Finding | None:
        cands = self._factor_candidates()
        # a size is missing as a divisor (the 1/m of an average), a quantity as a factor
        edits = [(c, c) for c in cands if not isinstance(c, Size)] + [
            (1 / c, c) for c in cands if isinstance(c, Size)]
        for factor, _ in edits:
            if self.holds(self.rhs / factor):
                return Finding(FindingKind.EXTRA_FACTOR, (self.tex(factor),))
            if self.holds(self.rhs * factor):
                return Finding(FindingKind.MISSING_FACTOR, (self.tex(factor),))
        if isinstance(self.rhs, sympy.Add):  # a factor missing from one term (1/m in an update)
            for t in self.rhs.args:
                for factor, _ in edits:
                    if self.holds(self.rhs - t + t * factor):
                        return Finding(FindingKind.MISSING_FACTOR, (self.tex(factor),),
                                       (("term", to_latex(t)),))
                    if self.holds(self.rhs - t + t / factor):
                        return Finding(FindingKind.EXTRA_FACTOR, (self.tex(factor),),
                                       (("term", to_latex(t)),))
        return None

    def spread(self) -> Finding | None:
        """A factor written outside a sum that belongs to some of its terms only:
        1/m (Σ_i ∂ℒ_i/∂W + λW) where the batch mean's 1/m does not apply to the decay."""
        for mul in atoms(self.rhs, (sympy.Mul,)):
            for add in (a for a in mul.args if isinstance(a, sympy.Add)):
                for f in (a for a in mul.args if a is not add and not a.is_Number):
                    for t in add.args:
                        if self.holds(self.rhs.xreplace({add: add - t + t / f})):
                            return Finding(FindingKind.FACTOR_SCOPE, (to_latex(f),), (("term", to_latex(t)),))
        return None

    def term_constant(self) -> Finding | None:
        """One term of a sum off by a constant factor, the others right: 2λW for λW (the
        ½ of the decay left out). The factor is read from the values, then checked."""
        try:
            whole = self.engine.values(self.model, self.rhs, self.trials)
        except (OutOfRange, Unsupported, ZeroDivisionError, KeyError, TypeError):
            return None
        for add in atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if t.is_Number:
                    continue
                try:
                    rest = self.engine.values(self.model, self.rhs.xreplace({add: add - t}),
                                              self.trials)
                except (OutOfRange, Unsupported, ZeroDivisionError, KeyError, TypeError):
                    continue
                # the derived value of the term over the written one, at each point
                cs = [r for r in (ratio(w - o, d - o) for w, o, d in zip(whole, rest, self.lvals))
                      if r is not None]
                if len(cs) < 2 or not all(close(c, cs[0]) for c in cs):
                    continue
                c = sympy.nsimplify(float(cs[0]), tolerance=1e-9, rational=True)
                if c in (0, 1, -1) or not self.holds(self.rhs.xreplace({add: add - t + t * c})):
                    continue
                return Finding(FindingKind.CONSTANT_FACTOR, (to_latex(1 / c),),
                               (("term", to_latex(t)), ("fixed", to_latex(t * c))))
        return None

    def square(self) -> Finding | None:
        """A square left out or added: 1 - h for 1 - h^2 (tanh' = 1 - tanh^2)."""
        kinds = (Quantity, Call, *FACTOR_FUNCTIONS)
        for a in atoms(self.rhs, kinds):
            if any(self.holds(c) for c in each_occurrence(self.rhs, a, a ** 2)):
                return Finding(FindingKind.MISSING_SQUARE, (to_latex(a), to_latex(a ** 2)))
        for p in atoms(self.rhs, (sympy.Pow,)):
            if p.exp == 2 and isinstance(p.base, kinds):
                if any(self.holds(c) for c in each_occurrence(self.rhs, p, p.base)):
                    return Finding(FindingKind.EXTRA_SQUARE, (to_latex(p), to_latex(p.base)))
        return None


def _add(cands: list[sympy.Basic], c: sympy.Basic) -> bool:
    """Append `c` to `cands` unless it is there; whether it was appended."""
    if c in cands:
        return False
    cands.append(c)
    return True
