"""Diagnoses of a claim's structure: indices, layers, variables, sum bounds, terms."""

from __future__ import annotations

import sympy

from derive.diagnose.walk import atoms, bound_indices, each_occurrence
from derive.evaluate import free_indices
from derive.expr import Partial, Quantity, Width, to_latex
from derive.latex import Scalar, Size
from derive.results import Finding, FindingKind


class StructureEdits:
    """The edits of indices, layers, variables, bounds and terms (a mixin of `Diagnoser`)."""

    def swapped(self) -> Finding | None:
        free = sorted(free_indices(self.lhs) | free_indices(self.rhs), key=str)
        for k, a in enumerate(free):
            for b in free[k + 1 :]:
                if self.holds(self.rhs.xreplace({a: b, b: a})):
                    return self._one_index(a, b) or Finding(FindingKind.SWAPPED_INDICES,
                                                           (str(a), str(b)))
        return None

    def _one_index(self, a: sympy.Basic, b: sympy.Basic) -> Finding | None:
        """An exchange of a and b where the right side has only one of them, in one quantity
        (`a_i` for `a_j`): that quantity's index is wrong, which says it better."""
        written = free_indices(self.rhs)
        if (a in written) == (b in written):
            return None
        moved = [q for q in atoms(self.rhs, (Quantity,)) if q.xreplace({a: b, b: a}) != q]
        if len(moved) != 1:
            return None
        q = moved[0]
        return Finding(FindingKind.WRONG_INDEX, (to_latex(q), to_latex(q.xreplace({a: b, b: a}))))

    def index(self) -> Finding | None:
        names = sorted(free_indices(self.lhs) | free_indices(self.rhs) | bound_indices(self.rhs),
                       key=str)
        for q in atoms(self.rhs, (Quantity,)):
            if len(q.indices) == 2:  # w_{ij} for w_{ji}
                fixed = q.with_(indices=tuple(reversed(q.indices)))
                if self.holds(self.rhs.xreplace({q: fixed})):
                    return Finding(FindingKind.INDEX_ORDER, (to_latex(q), to_latex(fixed)))
            for pos, old in enumerate(q.indices):
                # an entry written by number (`x_1` for `x_2` in a written-out sum): the others
                numbers = [sympy.Integer(k) for k in range(1, _MAX_UNITS + 1)] if isinstance(
                    old, sympy.Integer) else []
                for new in names + numbers:
                    if new == old:
                        continue
                    idx = list(q.indices)
                    idx[pos] = new
                    fixed = q.with_(indices=tuple(idx))
                    if any(self.holds(c) for c in each_occurrence(self.rhs, q, fixed)):
                        return Finding(FindingKind.WRONG_INDEX, (to_latex(q), to_latex(fixed)))
        return None

    def variable(self) -> Finding | None:
        """A plain variable exchanged for another (∂y_2 written for ∂y_1 in a chain rule)."""
        scalars = sorted({s for s in (self.lhs.free_symbols | self.rhs.free_symbols)
                          if isinstance(s, Scalar)}, key=str)
        for p in atoms(self.rhs, (Partial,)):
            for part in (p.num, p.den):
                if not isinstance(part, Scalar):
                    continue
                for other in scalars:
                    if other == part:
                        continue
                    fixed = Partial(other if part is p.num else p.num,
                                    other if part is p.den else p.den, p.total)
                    if any(self.holds(c) for c in each_occurrence(self.rhs, p, fixed)):
                        return Finding(FindingKind.WRONG_VARIABLE, (to_latex(p), to_latex(fixed)))
        return None

    def layer(self) -> Finding | None:
        for q in atoms(self.rhs, (Quantity,)):
            if q.layer is None:
                continue
            for d in (1, -1, 2, -2):
                fixed = q.with_(layer=q.layer + d)
                if any(self.holds(c) for c in each_occurrence(self.rhs, q, fixed)):
                    return Finding(FindingKind.WRONG_LAYER, (to_latex(q), to_latex(fixed)))
        return None

    def quantity(self) -> Finding | None:
        """A quantity written for another of the model's quantities with as many indices, in
        its place (`a^{[1](i)}` for the input `x^{(i)}` the first layer reads, where no
        `a^{[0]}` is): the one the definitions read in the same layer, or without a layer."""
        known = sorted({k for d in self.model.defs for k in atoms(d.rhs, (Quantity,))}
                       | {d.lhs for d in self.model.defs if isinstance(d.lhs, Quantity)},
                       key=str)
        for q in atoms(self.rhs, (Quantity,)):
            seen: set[sympy.Basic] = set()
            for k in known:
                if k.name == q.name or len(k.indices) != len(q.indices):
                    continue
                fixed = Quantity(k.name, () if k.layer is None or q.layer is None
                                 else (q.layer,), q.indices)
                if (k.layer is None) != (fixed.layer is None) or fixed in seen:
                    continue
                seen.add(fixed)
                if any(self.holds(c) for c in each_occurrence(self.rhs, q, fixed)):
                    return Finding(FindingKind.WRONG_QUANTITY, (to_latex(q), to_latex(fixed)))
        return None

    def bound(self) -> Finding | None:
        widths = atoms(self.rhs, (Width,))
        n = self.model.notation
        layers = {w.layer for w in widths} | {q.layer for q in atoms(self.rhs, (Quantity,))
                                              if q.layer is not None}
        layers |= {c + a * Size(n.layers) for c, a, _b in n.aliases.values()}  # D, H, K
        for w in widths:
            for lay in sorted(layers | {w.layer + 1, w.layer - 1}, key=str):
                fixed = Width(w.name, lay)
                if fixed != w and self.holds(self.rhs.xreplace({w: fixed})):
                    return Finding(FindingKind.SUM_BOUND, (to_latex(w), to_latex(fixed)))
        for s in atoms(self.rhs, (sympy.Sum,)):
            var, lo, hi = s.limits[0]
            body = s.function
            if body.has(sympy.KroneckerDelta):
                plain = body.replace(lambda x: isinstance(x, sympy.KroneckerDelta),
                                     lambda x: sympy.Integer(0))
                if self.holds(self.rhs.xreplace({s: sympy.Sum(plain, (var, lo, hi))})):
                    return Finding(FindingKind.SUM_RANGE, (str(var),))
        return None

    def sign(self) -> Finding | None:
        """One term of a sum anywhere in the expression with the wrong sign."""
        for add in atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if self.holds(self.rhs.xreplace({add: add - 2 * t})):
                    return Finding(FindingKind.TERM_SIGN, (to_latex(t),))
        return None

    def missing_term(self) -> Finding | None:
        """A chain-rule term left out: a derivative of the formula's own variables."""
        parts = atoms(self.lhs, (Partial,)) + atoms(self.rhs, (Partial,))
        nums = list(dict.fromkeys(p.num for p in parts))
        dens = list(dict.fromkeys(p.den for p in parts))
        for num in nums:
            for den in dens:
                if num == den:
                    continue
                for total in (False, True):
                    c = Partial(num, den, total)
                    if self.holds(self.rhs + c):
                        return Finding(FindingKind.MISSING_TERM, (to_latex(c),))
        return None

    def missing_decay(self) -> Finding | None:
        """A weight-decay term left out of a gradient (`\\lambda W_{jk}` of an L2 penalty
        `\\frac{\\lambda}{2} \\|W\\|^2`): one of the text's parameter scalars times the
        variable the left side differentiates by, added."""
        if not isinstance(self.lhs, Partial) or not isinstance(self.lhs.den, Quantity):
            return None
        rate = self.model.notation.rate
        for name, parameter in sorted(self.model.notation.scalars.items()):
            if not parameter or name == rate:
                continue
            c = Scalar(name) * self.lhs.den
            if self.holds(self.rhs + c):
                return Finding(FindingKind.MISSING_TERM, (to_latex(c),))
        return None

    def term(self) -> Finding | None:
        for add in atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if self.holds(self.rhs.xreplace({add: add - t})):
                    return Finding(FindingKind.EXTRA_TERM, (to_latex(t),))
        return None

    def missing_unit(self) -> Finding | None:
        """A sum over a layer's units written out term by term with one unit left out
        (`W_{21} x_1 + W_{22} x_2 + b_2` in a layer of three): the term of the unit not
        written, one written term with the unit's number for the one it steps through
        (`W_{23} x_3`)."""
        for add in atoms(self.rhs, (sympy.Add,)):
            terms = [t for t in add.args if _numbered(t)]
            if len(terms) < 2:
                continue
            for t in terms:
                for v in sorted(_numbered(t)):
                    for w in range(1, _MAX_UNITS + 1):
                        c = _renumbered(t, v, w)
                        if c in add.args or c in terms:
                            continue
                        if self.holds(self.rhs.xreplace({add: add + c})):
                            return Finding(FindingKind.MISSING_TERM, (to_latex(c),))
        return None


_MAX_UNITS = 6  # the units a written-out sum's missing term is looked for among


def _numbered(t: sympy.Basic) -> set[int]:
    """The numbers the entries of a term are written with (`W_{21} x_1`: 1, 2)."""
    return {int(i) for q in t.atoms(Quantity) for i in q.indices if isinstance(i, sympy.Integer)}


def _renumbered(t: sympy.Basic, v: int, w: int) -> sympy.Basic:
    """The term with the entries' index v written w (`W_{21} x_1`, 1 -> 3: `W_{23} x_3`)."""
    swap = {q: q.with_(indices=tuple(sympy.Integer(w) if i == v else i for i in q.indices))
            for q in t.atoms(Quantity)}
    return t.xreplace(swap)
