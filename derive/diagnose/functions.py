"""Diagnoses about functions: min for max, an argument's sign, an activation, a derivative."""

from __future__ import annotations

import sympy

from derive.diagnose.walk import atoms, each_occurrence, named_smooth
from derive.expr import Call, Prime, Quantity, to_latex
from derive.functions import ELEMENTARY
from derive.model import OutOfRange
from derive.numbers import Unsupported
from derive.results import Finding, FindingKind


class FunctionEdits:
    """The edits of the functions a claim applies (a mixin of `Diagnoser`)."""

    def extreme(self) -> Finding | None:
        """\\min written for \\max, or \\max for \\min (ReLU as min(0, s))."""
        for node in atoms(self.rhs, (sympy.Max, sympy.Min)):
            other = (sympy.Min if isinstance(node, sympy.Max) else sympy.Max)(*node.args)
            if any(self.holds(c) for c in each_occurrence(self.rhs, node, other)):
                kind = (FindingKind.MIN_FOR_MAX if isinstance(node, sympy.Min)
                        else FindingKind.MAX_FOR_MIN)
                return Finding(kind, (to_latex(node), to_latex(other)))
        return None

    def argument_sign(self) -> Finding | None:
        """The sign of a known function's argument: e^{u} for e^{-u} (the derivative of
        softplus written 1/(1 + e^{u}) for 1/(1 + e^{-u}))."""
        found = []
        for node in sympy.preorder_traversal(self.rhs):
            if type(node) not in ELEMENTARY or len(node.args) != 1 or node in found:
                continue
            flipped = node.func(-node.args[0])
            if flipped != node and any(self.holds(c) for c in each_occurrence(self.rhs, node,
                                                                               flipped)):
                found.append(node)
        # when two flips both fix it (σ' written e^{z} / (1 + e^{-z})^2: either exponent), a
        # dropped minus sign is the likelier slip than one written too many
        found.sort(key=lambda n: n.args[0].could_extract_minus_sign())
        if found:
            node = found[0]
            return Finding(FindingKind.ARGUMENT_SIGN,
                           (to_latex(node), to_latex(node.func(-node.args[0]))))
        return None

    def product_rule(self) -> Finding | None:
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
            spelling = named_smooth(coeff * f, x)
            shown = (f"{to_latex((rest / coeff).xreplace(arg))} {spelling}^{{\\prime}}"
                     f"({to_latex(self.lhs.arg)})" if spelling
                     else to_latex(sympy.simplify(term)))
            return Finding(FindingKind.PRODUCT_RULE_TERM, (shown,))
        return None

    def activation(self) -> Finding | None:
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
                return Finding(FindingKind.ACTIVATION, (to_latex(a), to_latex(prime)))
        return None

    def other_activation(self) -> Finding | None:
        """The derivative of another activation the model applies to the same quantity: σ'(z)
        written in a hidden layer whose activation is ReLU (the output layer's σ, a^L = σ(z^L),
        beside the hidden layers' a^l = ReLU(z^l))."""
        applied = {(d.rhs.params[0].name, d.rhs.fname) for d in self.model.defs
                   if isinstance(d.lhs, Quantity) and isinstance(d.rhs, Call)
                   and len(d.rhs.params) == 1 and isinstance(d.rhs.params[0], Quantity)}
        for p in atoms(self.rhs, (Prime,)):
            if not isinstance(p.arg, Quantity):
                continue
            for name, fname in sorted(applied, key=str):
                if name != p.arg.name or fname == p.fname:
                    continue
                other = Prime(fname, p.arg)
                if any(self.holds(c) for c in each_occurrence(self.rhs, p, other)):
                    return Finding(FindingKind.OTHER_ACTIVATION, (to_latex(p), to_latex(other)))
        return None

    def derivative_of(self) -> Finding | None:
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
                    return Finding(FindingKind.WRONG_DERIVATIVE, (to_latex(q), to_latex(fixed)),
                                   (("of", to_latex(form.xreplace({t: q}))),))
        return None
