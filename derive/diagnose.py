"""Explaining a refutation: one edit of the written side that makes it hold, or an assumption.

`Diagnoser` tries named edits in turn (a constant factor or sign, swapped indices, an extra or
missing factor, a wrong index, variable or layer, a sum bound, a term's sign, an extra or a
missing term), each on a spread of points, the witness first. `conditions` lists the side
conditions a claim may hold under (labels summing to one, i = j, i ≠ j).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import sympy

from derive.evaluate import Engine, Trial, free_indices
from derive.expr import Call, Partial, Prime, Quantity, Width, to_latex
from derive.functions import ELEMENTARY, NAMED, NON_SMOOTH
from derive.latex import Index, Scalar, Size
from derive.model import Model, OutOfRange
from derive.numbers import CTX, Unsupported, close

# --------------------------------------------------------------------------------------------
# Diagnoses: one edit that would make a refuted claim hold


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
        return x if all(a is b for a, b in zip(args, x.args)) else x.func(*args)

    out: list[sympy.Basic] = []
    which = 0
    while True:
        count[0] = 0
        candidate = walk(e, which)
        if which >= count[0]:
            return out
        out.append(candidate)
        which += 1


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


def _nice(c) -> str:  # type: ignore[no-untyped-def]
    r = sympy.nsimplify(float(c), tolerance=1e-9, rational=True)
    return to_latex(r)


class Diagnoser:
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
        try:
            vals = self.engine.values(self.model, candidate, self.trials)
        except (OutOfRange, Unsupported, ZeroDivisionError, KeyError, TypeError):
            return False
        return all(close(a, b) for a, b in zip(self.lvals, vals))

    def run(self) -> str | None:
        if isinstance(self.rhs, sympy.Piecewise) and not _value_conditions(self.rhs):
            return self.cases()
        for step in (self.condition, self.value_case, self.extreme, self.constant, self.swapped,
                     self.factor, self.spread, self.index, self.variable, self.layer,
                     self.bound, self.sign, self.argument_sign, self.term_constant, self.term,
                     self.missing_term, self.product_rule, self.square, self.activation,
                     self.derivative_of):
            found = step()
            if found:
                return found
        return None

    def cases(self) -> str | None:
        """A `cases` block: diagnose the case that fails, on the points where it applies."""
        for value, cond in self.rhs.args:
            def applies(env: dict, cond: sympy.Basic = cond) -> bool:
                c = cond.xreplace({k: sympy.Integer(v) for k, v in env.items()})
                return c == sympy.true and (self.restrict is None or self.restrict(env))

            sub = Diagnoser(self.engine, self.model, self.lhs, value, None, applies)
            if sub.trials and not sub.holds(value):
                found = sub.run()
                if found:
                    return f"in the case ${to_latex(cond)}$: {found}"
        return None

    def condition(self) -> str | None:
        """An inequality of a `cases` block or an indicator the wrong way round
        (ReLU'(z) written 1{z < 0} for 1{z > 0})."""
        for rel in _value_conditions(self.rhs):
            flipped = _FLIP[type(rel)](rel.lhs, rel.rhs)
            if any(self.holds(c) for c in each_occurrence(self.rhs, rel, flipped)):
                return (f"wrong condition: ${to_latex(rel)}$ should be ${to_latex(flipped)}$ "
                        "(the step of the derivative is the other way round)")
        return None

    def value_case(self) -> str | None:
        """A `cases` block on values (ELU, leaky ReLU) wrong in one case only: the points are
        split by the case that applies, and the failing case diagnosed on its own points."""
        if not self.trials:
            return None
        for pw in atoms(self.rhs, (sympy.Piecewise,)):
            conds = [c for _, c in pw.args]
            if not any(_on_values(c) for c in conds if c != sympy.true):
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
            where = ("the case otherwise" if cond == sympy.true
                     else f"the case ${to_latex(cond)}$")
            sub = Diagnoser.__new__(Diagnoser)
            sub.engine, sub.model, sub.lhs, sub.restrict = self.engine, self.model, self.lhs, None
            sub.names = {}
            sub.rhs = self.rhs.xreplace({pw: value})
            sub.trials = [t for t, b in zip(trials, branch) if b == k]
            sub.lvals = [t.lhs for t in sub.trials]
            found = sub.run() if len(sub.trials) >= 2 else None
            if found and "is $0$ times" not in found:  # a zero written for a slope: say so below
                return f"in {where}: {found}"
            others = [f"${to_latex(c)}$" for j, c in enumerate(conds) if j != k and c != sympy.true]
            agreed = f" (where {', '.join(others)}, it agrees)" if others else ""
            return f"wrong case: the value in {where} is not the derivative{agreed}"
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

    def constant(self) -> str | None:
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
                return "sign: the right side is the negative of the derived value"
            return f"constant factor: the right side is ${_nice(r0)}$ times the derived value"
        return None

    def swapped(self) -> str | None:
        free = sorted(free_indices(self.lhs) | free_indices(self.rhs), key=str)
        for k, a in enumerate(free):
            for b in free[k + 1 :]:
                if self.holds(self.rhs.xreplace({a: b, b: a})):
                    return f"swapped indices: ${a}$ and ${b}$ are exchanged on the right side"
        return None

    def _factor_candidates(self) -> list[sympy.Basic]:
        cands: list[sympy.Basic] = []
        kinds = (Quantity, Prime, Call, Partial, *FACTOR_FUNCTIONS)
        for a in atoms(self.rhs, kinds) + atoms(self.lhs, kinds):
            if a not in cands and not bound_indices(a) & a.free_symbols:
                cands.append(a)
        # g'(z) at every layer and index the formula mentions, for every one-argument function
        # the model applies to a quantity (a = g(z) gives g'(z))
        applied = {(d.rhs.fname, d.rhs.params[0].name) for d in self.model.defs
                   if isinstance(d.rhs, Call) and len(d.rhs.params) == 1
                   and isinstance(d.rhs.params[0], Quantity)}
        # and the derivative of an activation written inline (a = max(0, z): the step of z)
        inline = []
        for d in self.model.defs:
            inner = atoms(d.rhs, (Quantity,)) if isinstance(d.lhs, Quantity) else []
            if len(inner) == 1 and not isinstance(d.rhs, Call) and d.rhs != inner[0]:
                t = sympy.Dummy("t", real=True)
                slope = sympy.diff(d.rhs.xreplace({inner[0]: t}), t)
                if slope.free_symbols == {t} and not slope.is_constant():
                    inline.append((inner[0].name, sympy.Lambda(t, slope),
                                   _named_smooth(d.rhs.xreplace({inner[0]: t}), t)))
        for q in atoms(self.lhs, (Quantity,)) + atoms(self.rhs, (Quantity,)):
            for fname, arg in sorted(applied):
                if q.layer is not None:
                    c = Prime(fname, Quantity(arg, (q.layer,), q.indices))
                    if c not in cands:
                        cands.append(c)
            for arg, slope, spelling in inline:
                if q.layer is not None:
                    x = Quantity(arg, (q.layer,), q.indices)
                    c = slope(x)
                    if c not in cands:
                        cands.append(c)
                        if spelling is not None:  # sigma'(s), not its exp form
                            self.names[c] = f"{spelling}^{{\\prime}}({to_latex(x)})"

        # per-neuron quantities at the layers and indices the formula mentions (a missing a_j)
        layers = {q.layer for q in atoms(self.lhs, (Quantity,)) + atoms(self.rhs, (Quantity,))
                  if q.layer is not None}
        layers |= {lay + 1 for lay in layers}
        free = sorted(free_indices(self.lhs) | free_indices(self.rhs), key=str)
        if not self.model.local:
            for name, spec in sorted(self.model.notation.quantities.items()):
                if spec.parameter or len(spec.shape) != 1:
                    continue
                for lay in sorted(layers, key=str) if spec.layers else [None]:
                    for idx in free:
                        c = Quantity(name, (lay,) if lay is not None else (), (idx,))
                        if c not in cands:
                            cands.append(c)
        if self.model.notation.batch and not self.model.local:
            cands.append(Size(self.model.notation.batch))
        # the document's scalars (a decay coefficient lambda, a rate): those its definitions
        # use and those of the claim, not a function's formal parameter (t in g(t) = ...)
        for s in self._scalars():
            if s not in cands:
                cands.append(s)
        return cands

    def _scalars(self) -> list[Scalar]:
        if self.model.local:
            return []
        found = [s for d in self.model.defs if not isinstance(d.lhs, Call)
                 for s in atoms(d.rhs, (Scalar,))]
        found += atoms(self.lhs, (Scalar,)) + atoms(self.rhs, (Scalar,))
        declared = self.model.notation.scalars
        return [s for s in dict.fromkeys(found) if s.name in declared]

    def factor(self) -> str | None:
        cands = self._factor_candidates()
        # a size is missing as a divisor (the 1/m of an average), a quantity as a factor
        edits = [(c, c) for c in cands if not isinstance(c, Size)] + [
            (1 / c, c) for c in cands if isinstance(c, Size)]
        for factor, _ in edits:
            if self.holds(self.rhs / factor):
                return f"extra factor: ${self.tex(factor)}$ should not be on the right side"
            if self.holds(self.rhs * factor):
                return f"missing factor: the right side lacks a factor ${self.tex(factor)}$"
        if isinstance(self.rhs, sympy.Add):  # a factor missing from one term (1/m in an update)
            for t in self.rhs.args:
                for factor, _ in edits:
                    if self.holds(self.rhs - t + t * factor):
                        return (f"missing factor: the term ${to_latex(t)}$ lacks a factor "
                                f"${self.tex(factor)}$")
                    if self.holds(self.rhs - t + t / factor):
                        return (f"extra factor: ${self.tex(factor)}$ should not be in the term "
                                f"${to_latex(t)}$")
        return None

    def spread(self) -> str | None:
        """A factor written outside a sum that belongs to some of its terms only:
        1/m (Σ_i ∂ℒ_i/∂W + λW) where the batch mean's 1/m does not apply to the decay."""
        for mul in atoms(self.rhs, (sympy.Mul,)):
            for add in (a for a in mul.args if isinstance(a, sympy.Add)):
                for f in (a for a in mul.args if a is not add and not a.is_Number):
                    for t in add.args:
                        if self.holds(self.rhs.xreplace({add: add - t + t / f})):
                            return (f"extra factor: ${to_latex(f)}$ should not apply to the term "
                                    f"${to_latex(t)}$ (only to the rest of the sum)")
        return None

    def term_constant(self) -> str | None:
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
                return (f"constant factor in one term: the term ${to_latex(t)}$ is "
                        f"${to_latex(1 / c)}$ times the derived value; it should be "
                        f"${to_latex(t * c)}$")
        return None

    def index(self) -> str | None:
        names = sorted(free_indices(self.lhs) | free_indices(self.rhs) | bound_indices(self.rhs),
                       key=str)
        for q in atoms(self.rhs, (Quantity,)):
            if len(q.indices) == 2:  # w_{ij} for w_{ji}
                fixed = q.with_(indices=tuple(reversed(q.indices)))
                if self.holds(self.rhs.xreplace({q: fixed})):
                    return f"swapped indices: ${to_latex(q)}$ should be ${to_latex(fixed)}$"
            for pos, old in enumerate(q.indices):
                for new in names:
                    if new == old:
                        continue
                    idx = list(q.indices)
                    idx[pos] = new
                    fixed = q.with_(indices=tuple(idx))
                    if any(self.holds(c) for c in each_occurrence(self.rhs, q, fixed)):
                        return f"wrong index: ${to_latex(q)}$ should be ${to_latex(fixed)}$"
        return None

    def variable(self) -> str | None:
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
                        return f"wrong variable: ${to_latex(p)}$ should be ${to_latex(fixed)}$"
        return None

    def layer(self) -> str | None:
        for q in atoms(self.rhs, (Quantity,)):
            if q.layer is None:
                continue
            for d in (1, -1, 2, -2):
                fixed = q.with_(layer=q.layer + d)
                if any(self.holds(c) for c in each_occurrence(self.rhs, q, fixed)):
                    return f"wrong layer: ${to_latex(q)}$ should be ${to_latex(fixed)}$"
        return None

    def bound(self) -> str | None:
        widths = atoms(self.rhs, (Width,))
        n = self.model.notation
        layers = {w.layer for w in widths} | {q.layer for q in atoms(self.rhs, (Quantity,))
                                              if q.layer is not None}
        layers |= {c + a * Size(n.layers) for c, a, _b in n.aliases.values()}  # D, H, K
        for w in widths:
            for lay in sorted(layers | {w.layer + 1, w.layer - 1}, key=str):
                fixed = Width(w.name, lay)
                if fixed != w and self.holds(self.rhs.xreplace({w: fixed})):
                    return f"sum bound: ${to_latex(w)}$ should be ${to_latex(fixed)}$"
        for s in atoms(self.rhs, (sympy.Sum,)):
            var, lo, hi = s.limits[0]
            body = s.function
            if body.has(sympy.KroneckerDelta):
                plain = body.replace(lambda x: isinstance(x, sympy.KroneckerDelta),
                                     lambda x: sympy.Integer(0))
                if self.holds(self.rhs.xreplace({s: sympy.Sum(plain, (var, lo, hi))})):
                    return f"sum range: the sum over ${var}$ should include every ${var}$"
        return None

    def sign(self) -> str | None:
        """One term of a sum anywhere in the expression with the wrong sign."""
        for add in atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if self.holds(self.rhs.xreplace({add: add - 2 * t})):
                    return f"sign of a term: ${to_latex(t)}$ has the wrong sign"
        return None

    def missing_term(self) -> str | None:
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
                        return f"missing term: ${to_latex(c)}$ is left out"
        return None

    def extreme(self) -> str | None:
        """\\min written for \\max, or \\max for \\min (ReLU as min(0, s))."""
        for node in atoms(self.rhs, (sympy.Max, sympy.Min)):
            other = (sympy.Min if isinstance(node, sympy.Max) else sympy.Max)(*node.args)
            if any(self.holds(c) for c in each_occurrence(self.rhs, node, other)):
                was, should = ("min", "max") if isinstance(node, sympy.Min) else ("max", "min")
                return (f"{was} for {should}: ${to_latex(node)}$ should be ${to_latex(other)}$")
        return None

    def argument_sign(self) -> str | None:
        """The sign of a known function's argument: e^{u} for e^{-u} (the derivative of
        softplus written 1/(1 + e^{u}) for 1/(1 + e^{-u}))."""
        for node in sympy.preorder_traversal(self.rhs):
            if type(node) not in ELEMENTARY or len(node.args) != 1:
                continue
            flipped = node.func(-node.args[0])
            if flipped != node and any(self.holds(c) for c in each_occurrence(self.rhs, node,
                                                                               flipped)):
                return f"sign of an argument: ${to_latex(node)}$ should be ${to_latex(flipped)}$"
        return None

    def product_rule(self) -> str | None:
        """A term of the product rule left out of f'(u) = ..., where the document defines f
        as a product: Φ(u) for the derivative of GELU u Φ(u), which is Φ(u) + u Φ'(u). The
        terms are sympy.diff of each factor of the definition times the others."""
        if not isinstance(self.lhs, Prime) or not self.trials or self.model.local:
            return None
        trial = self.trials[0]
        try:
            fn = self.engine.evaluator(self.model, trial.instance, trial.seed).function(
                self.lhs.fname)
        except (Unsupported, OutOfRange):
            return None
        if len(fn.variables) != 1 or not isinstance(fn.expr, sympy.Mul):
            return None
        (x,) = fn.variables
        coeff, _ = fn.expr.as_coeff_Mul()
        factors = [f for f in fn.expr.args if f.has(x)]
        if len(factors) < 2:
            return None
        arg = {x: self.lhs.arg}
        for f in factors:
            rest = fn.expr / f
            term = (sympy.diff(f, x) * rest).xreplace(arg)
            if not self.holds(self.rhs + term):
                continue
            spelling = _named_smooth(coeff * f, x)
            shown = (f"{to_latex((rest / coeff).xreplace(arg))} {spelling}^{{\\prime}}"
                     f"({to_latex(self.lhs.arg)})" if spelling
                     else to_latex(sympy.simplify(term)))
            return f"missing term of the product rule: ${shown}$ is left out"
        return None

    def activation(self) -> str | None:
        """The activation written where its derivative belongs: h = f(s) (or f(s) itself) for
        f'(s), as in (h - t) h for a softplus layer's error (h = softplus(s), f' a sigmoid)."""
        applied = {d.lhs.name: d for d in self.model.defs  # the newest definition wins
                   if isinstance(d.lhs, Quantity) and isinstance(d.rhs, Call)
                   and len(d.rhs.params) == 1 and isinstance(d.rhs.params[0], Quantity)}
        for a in atoms(self.rhs, (Quantity, Call)):
            if isinstance(a, Call) and len(a.params) == 1:
                prime = Prime(a.fname, a.params[0])
            elif isinstance(a, Quantity) and a.name in applied:
                d = applied[a.name]
                env = dict(zip(d.lhs.indices, a.indices))
                if d.lhs.layer is not None and a.layer is not None:
                    env[d.lhs.layer] = a.layer
                prime = Prime(d.rhs.fname, d.rhs.params[0].xreplace(env))
            else:
                continue
            if any(self.holds(c) for c in each_occurrence(self.rhs, a, prime)):
                return (f"activation for its derivative: ${to_latex(a)}$ should be "
                        f"${to_latex(prime)}$")
        return None

    def derivative_of(self) -> str | None:
        """A quantity written where the derivative of a function the definitions apply to it
        belongs: W for sgn(W) in the gradient of an L1 penalty λ Σ |W| (the L2 gradient
        written for L1). The derivative is sympy.diff of the function the definition uses."""
        t = sympy.Dummy("t", real=True)
        applied: list[tuple[str, sympy.Basic, sympy.Basic]] = []
        for d in self.model.defs:
            if isinstance(d.lhs, Call):
                continue
            for node in sympy.preorder_traversal(d.rhs):
                if (type(node) in ELEMENTARY and len(node.args) == 1
                        and isinstance(node.args[0], Quantity)):
                    form = node.func(t)
                    applied.append((node.args[0].name, form, sympy.diff(form, t)))
        written = atoms(self.rhs, (Quantity,))
        for name, form, slope in dict.fromkeys(applied):
            for q in (q for q in written if q.name == name):
                fixed = slope.xreplace({t: q})
                if any(self.holds(c) for c in each_occurrence(self.rhs, q, fixed)):
                    return (f"wrong derivative: ${to_latex(q)}$ should be ${to_latex(fixed)}$, "
                            f"the derivative of ${to_latex(form.xreplace({t: q}))}$")
        return None

    def square(self) -> str | None:
        """A square left out or added: 1 - h for 1 - h^2 (tanh' = 1 - tanh^2)."""
        kinds = (Quantity, Call, *FACTOR_FUNCTIONS)
        for a in atoms(self.rhs, kinds):
            if any(self.holds(c) for c in each_occurrence(self.rhs, a, a ** 2)):
                return f"missing square: ${to_latex(a)}$ should be ${to_latex(a ** 2)}$"
        for p in atoms(self.rhs, (sympy.Pow,)):
            if p.exp == 2 and isinstance(p.base, kinds):
                if any(self.holds(c) for c in each_occurrence(self.rhs, p, p.base)):
                    return f"extra square: ${to_latex(p)}$ should be ${to_latex(p.base)}$"
        return None

    def term(self) -> str | None:
        for add in atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if self.holds(self.rhs.xreplace({add: add - t})):
                    return f"extra term: ${to_latex(t)}$ should not be there"
        return None


# the known functions whose applications are candidate factors: tanh(u) missing from
# 1 - tanh(u)^2, a step 1{z > 0} missing from a ReLU layer's error
FACTOR_FUNCTIONS = (sympy.tanh, sympy.erf, *NON_SMOOTH)

_FLIP = {sympy.StrictGreaterThan: sympy.StrictLessThan, sympy.StrictLessThan: sympy.StrictGreaterThan,
         sympy.GreaterThan: sympy.LessThan, sympy.LessThan: sympy.GreaterThan}


def _named_smooth(body: sympy.Basic, t: sympy.Symbol) -> str | None:
    """The spelling of the smooth function known by name that `body` (in `t`) is, when its
    derivative prints worse than f' does: the logistic sigmoid, softplus, GELU, Φ."""
    for f in NAMED:
        if f.arity != 1 or f.apply(t) != body or type(body) in ELEMENTARY:
            continue  # tanh(t), erf(t) print as themselves
        if not sympy.diff(body, t).has(*NON_SMOOTH, sympy.Piecewise):
            return f.spellings[0]
    return None


def _on_values(cond: sympy.Basic) -> bool:
    """Whether a condition is about values (`x > 0`, `z^{(l)}_i \\le 0`), not only indices."""
    return bool(cond.atoms(Quantity, Call, Prime)) or any(
        not isinstance(s, (Index, Size)) for s in cond.free_symbols)


def _value_conditions(e: sympy.Basic) -> list[sympy.Basic]:
    """The inequality conditions on values (not indices) of the `cases` blocks in `e`."""
    out = []
    for pw in atoms(e, (sympy.Piecewise,)):
        for _, cond in pw.args:
            if type(cond) in _FLIP and _on_values(cond):
                out.append(cond)
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# Assumptions under which a failing claim holds


@dataclass(frozen=True)
class Condition:
    name: str  # shown to the reader
    model: Callable[[Model], Model]
    restrict: Callable[[dict], bool] | None = None


def _same_model(m: Model) -> Model:
    return m


def _differ(a: Index, b: Index) -> Callable[[dict], bool]:
    return lambda env: env[a] != env[b]


def _equal(a: Index, b: Index) -> Callable[[dict], bool]:
    return lambda env: env[a] == env[b]


def conditions(lhs: sympy.Basic, rhs: sympy.Basic) -> list[Condition]:

    out = [Condition("the labels sum to one: $\\sum_j y_j = 1$ (one-hot labels)",
                     lambda m: replace(m, label_rule="onehot"))]
    free = sorted(free_indices(lhs) | free_indices(rhs), key=str)
    for k, a in enumerate(free):
        for b in free[k + 1 :]:
            out.append(Condition(f"${a} \\ne {b}$", _same_model, _differ(a, b)))
            out.append(Condition(f"${a} = {b}$", _same_model, _equal(a, b)))
    return out
