"""Derivatives: ∂X/∂Y by differentiating X, expanded through the definitions, in a cut symbol
standing for Y; evaluated at the point or expanded for symbolic proofs."""

from __future__ import annotations

import functools
from typing import Any

import sympy

from derive.expr import BatchSum, Call, FuncRef, Partial, Quantity, Width
from derive.latex import Index, Scalar
from derive.latex.scope import Size
from derive.model.algebra import _Cut
from derive.model.data import Key
from derive.numbers import CTX, Unsupported, guard_kink, sympy_num

# A derivative node at its indices' values: (the node kept alive, {values: (num, den)}), by the
# node's id; a pure function of the two, so shared by every model and instance of the process.
_GROUNDED: dict[int, tuple[Partial, dict]] = {}


def _grounded(e: Partial, values: tuple, env: dict) -> tuple[sympy.Basic, sympy.Basic]:
    """The numerator and the variable of `e` with the indices' values put in."""
    held = _GROUNDED.get(id(e))
    if held is None or held[0] is not e:
        if len(_GROUNDED) > 50_000:
            _GROUNDED.clear()
        held = _GROUNDED[id(e)] = (e, {})
    found = held[1].get(values)
    if found is None:
        ints = {k: sympy.Integer(v) for k, v in env.items() if isinstance(k, Index)}
        found = held[1][values] = (e.num.xreplace(ints), e.den.xreplace(ints))
    return found


# ∂(c Σ_x body + ...)/∂θ as c Σ_x ∂body/∂θ + ..., by the node's id: each term of the numerator
# (a constant times a sum over the samples, or a term without one) and its derivative, or None
# when the numerator has no sum over the samples written so
_SAMPLE_TERMS: dict[int, tuple[Partial, tuple | None]] = {}
_CONSTANT = (sympy.Number, Size, Width, Index, sympy.Add, sympy.Mul, sympy.Pow)


def _sample_terms(e: Partial) -> tuple | None:
    held = _SAMPLE_TERMS.get(id(e))
    if held is None or held[0] is not e:
        if len(_SAMPLE_TERMS) > 50_000:
            _SAMPLE_TERMS.clear()
        held = _SAMPLE_TERMS[id(e)] = (e, _split_over_samples(e))
    return held[1]


def _split_over_samples(e: Partial) -> tuple | None:
    out = []
    for term in sympy.Add.make_args(e.num):
        sums = [f for f in sympy.Mul.make_args(term) if isinstance(f, BatchSum)]
        coef = [f for f in sympy.Mul.make_args(term) if not isinstance(f, BatchSum)]
        if len(sums) == 1 and all(isinstance(n, _CONSTANT) for c in coef
                                  for n in sympy.preorder_traversal(c)):
            out.append((sympy.Mul(*coef), Partial(sums[0].body, e.den, e.total), True))
        elif not sums:
            out.append((sympy.Integer(1), Partial(term, e.den, e.total), False))
        else:
            return None
    return tuple(out) if any(over for *_, over in out) else None


class Derivatives:
    """The derivatives a formula writes (a mixin of `Evaluator`)."""

    def _derivative_expr(self, e: Partial, env: dict, sample: int | None,
                         grounded: sympy.Basic | None = None) -> tuple:
        """(memo key, the variable's key, the derivative expression, its leaves); `grounded`:
        the numerator with the indices' values, when the caller has it."""
        wrt = e.den
        if isinstance(wrt, Quantity):
            key = self._key(wrt, env, sample)
        elif isinstance(wrt, Scalar):
            key = self._scalar_key(wrt.name, sample)
        else:
            raise Unsupported("derivative with respect to an expression")
        mode = "total" if e.total else "partial"
        if grounded is None:
            grounded = e.num.xreplace({k: sympy.Integer(v) for k, v in env.items()
                                       if isinstance(k, Index)})
        memo_key = (grounded, key, sample, mode)
        st = self.structure
        found = st.derivatives.get(memo_key)
        if found is None:
            expr = self._eval(e.num, env, sample, _Cut(self, key, mode))
            d = st.engine.diff(expr, st.tau)
            leaves = tuple((s, st.leaf_keys[s]) for s in st.engine.free_symbols(d)
                           if s in st.leaf_keys)
            # the kinks of the expression differentiated: a point at one of them is moved
            found = (d, leaves, tuple(st.engine.kinks(expr)))
            st.derivatives[memo_key] = found
        return memo_key, key, found[0], found[1]

    def derivative(self, e: Partial, env: dict, sample: int | None) -> Any:
        """∂X/∂Y (or dX/dY) at this point: the derivative of X expanded through the
        definitions, with Y as the variable, evaluated at the point."""
        if isinstance(e.num, FuncRef):
            return self._slot_partial(e.num.fname, e.den, sample)
        # first by the expression as written and its indices' values (no substitution), then
        # by the grounded expression, which other formulas may write differently
        fast_key = (id(e), tuple(env.get(s) for s in self._indices_of(e)), sample)
        cached = self._derivative_values.get(fast_key)
        if cached is not None:
            return cached
        if isinstance(e.den, (Quantity, Scalar)) and _sample_terms(e) is not None:
            out = self._by_samples(e, env, sample)
            if out is not None:
                self._derivative_values[fast_key] = out
                return out
        grounded = _grounded(e, fast_key[1], env)
        value_key = (*grounded, sample, e.total)
        cached = self._derivative_values.get(value_key)
        if cached is not None:
            self._derivative_values[fast_key] = cached
            return cached
        memo_key, key, d, leaves = self._derivative_expr(e, env, sample, grounded[0])
        vals = {s: self.value(k) for s, k in leaves}
        vals[self.structure.tau] = self.value(key)
        engine = self.structure.engine
        kinks = self.structure.derivatives[memo_key][2]
        if kinks:
            at = {**vals, **{s: self.value(k) for s, k in self._leaves_of(kinks)}}
            for k in kinks:
                guard_kink(engine.evaluate(k, at), "a non-smooth function")
        out = engine.evaluate(d, vals)
        self._derivative_values[value_key] = self._derivative_values[fast_key] = out
        return out

    def _by_samples(self, e: Partial, env: dict, sample: int | None) -> Any:
        """∂(c Σ_x body)/∂θ as c Σ_x ∂body/∂θ (linearity), for a θ that is the same at every
        sample (a parameter): the samples' derivatives are the ones a claim about one sample
        evaluates, where the whole batch's expression would be differentiated otherwise. None
        for a variable of one sample (which the sum's other samples do not read)."""
        wrt = e.den
        key = (self._key(wrt, env, sample) if isinstance(wrt, Quantity)
               else self._scalar_key(wrt.name, sample))
        if key[3] is not None:
            return None
        total = []
        for coef, part, over in _sample_terms(e):
            samples = range(1, self.instance.batch + 1) if over else (sample,)
            value = CTX.fsum([self.derivative(part, env, s) for s in samples])
            total.append(self.ground(coef, env, sample) * value)
        return CTX.fsum(total)

    def _leaves_of(self, exprs: tuple) -> list[tuple[Any, Key]]:
        st = self.structure
        return [(s, st.leaf_keys[s]) for x in exprs for s in st.engine.free_symbols(x)
                if s in st.leaf_keys]

    def symbolic_derivative(self, e: Partial, env: dict, sample: int | None) -> Any:
        if isinstance(e.num, FuncRef):
            call, slot = self._slot(e.num.fname, e.den)
            fn = self.function(e.num.fname)
            d = sympy.diff(fn.expr, fn.variables[slot])
            args = [self.symbolic(p, {}, sample) for p in call.params]
            return d.subs(dict(zip(fn.variables, args)), simultaneous=True)
        _, key, d, leaves = self._derivative_expr(e, env, sample)
        sub = {s: self.expand(k) for s, k in leaves}
        sub[self.structure.tau] = self.expand(key)
        return self.structure.engine.subs(d, sub)

    def _slot(self, fname: str, wrt: sympy.Basic) -> tuple[Call, int]:
        """Where the givens apply `fname`, and the argument slot that holds `wrt`."""
        for d in self.model.defs:
            call = d.rhs
            if isinstance(call, Call) and call.fname == fname:
                names = [p.name if isinstance(p, Scalar) else None for p in call.params]
                if getattr(wrt, "name", None) in names:
                    return call, names.index(wrt.name)
        raise Unsupported(f"∂{fname}/∂{wrt}: `{wrt}` is not an argument of `{fname}` in the givens")

    def _slot_partial(self, fname: str, wrt: sympy.Basic, sample: int | None) -> Any:
        """∂f/∂x for a function f: its partial derivative in the slot where the givens put x."""
        call, slot = self._slot(fname, wrt)
        fn = self.function(fname)
        args = [self.ground(p, {}, sample) for p in call.params]
        return sympy_num(_diff(fn.expr, fn.variables[slot]), dict(zip(fn.variables, args)))


@functools.lru_cache(maxsize=512)
def _diff(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    """`sympy.diff`, once for each function body and argument (every point asks again)."""
    return sympy.diff(expr, var)
