"""Interpretation: what each parsed node means in an algebra (a number at the point, an
expression in a cut symbol, a full expansion), through the document's definitions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sympy

from derive.errors import InputError
from derive.expr import (
    ArgMax,
    BatchProduct,
    BatchSum,
    Call,
    FuncRef,
    Partial,
    Prime,
    Quantity,
    Vec,
    VecOf,
    Width,
)
from derive.functions import ELEMENTARY, RELATIONS
from derive.latex import VECTOR_FUNCTIONS, Index, Scalar, Size
from derive.model.algebra import _Cut, _Full, _Numeric, _SymPy
from derive.model.data import Def, Key, key_latex
from derive.model.dispatch import ByType
from derive.model.limits import limit_value
from derive.model.sums import plan
from derive.model.templates import uses_templates
from derive.numbers import CTX, NOT_FINITE, TOO_LARGE, Unsupported, close, holds


class Interpretation:
    """The meaning of parsed expressions under an algebra (a mixin of `Evaluator`)."""

    def build(self, key: Key, cut: Key, mode: str) -> sympy.Expr:
        """A node as an expression in the cut symbol `tau`; leaf symbols elsewhere."""
        st = self.structure
        if key == cut:
            return st.tau
        memo = st.cuts.setdefault((cut, mode), {})
        if key in memo:
            return memo[key]
        self.check_key(key)
        held = mode == "partial" and key[0] in self.model.coordinates
        found = None if self.is_given(key) or held else self.definition(key)
        if found is None and not held and not self.is_given(key):
            self._undefined(key)
        if found is None or not self.depends(key, cut):
            out = st.leaf(key)
        else:
            d, env = found
            with self._computing(("build", cut, mode), key, d):
                if uses_templates(st.engine):
                    out = self.composed(key, d, env, cut, mode)
                else:
                    out = self._eval(d.rhs, env, key[3], _Cut(self, cut, mode))
        memo[key] = out
        return out

    @contextmanager
    def _computing(self, what: tuple, key: Key, d: Def) -> Iterator[None]:
        """Guard a definition's expansion: a key met again inside its own expansion means the
        definitions are circular (a^{(l)} from z^{(l+1)}, itself from a^{(l)})."""
        pending = self.__dict__.setdefault("_pending", set())
        if (what, key) in pending:
            raise InputError(
                f"the definitions are circular: {key_latex(key)} is needed to compute itself "
                f"(through the definition at line {d.line}, `{d.latex}`)")
        pending.add((what, key))
        try:
            yield
        finally:
            pending.discard((what, key))

    def expand(self, key: Key) -> Any:
        """A node as an engine expression in the model's inputs only."""
        memo = self.structure.cuts.setdefault(("full",), {})
        if key in memo:
            return memo[key]
        self.check_key(key)
        found = None if self.is_given(key) else self.definition(key)
        if found is None and not self.is_given(key):
            self._undefined(key)
        if found is None:
            out = self.structure.leaf(key)
        else:
            d, env = found
            with self._computing(("full",), key, d):
                out = self._eval(d.rhs, env, key[3], _Full(self))
        memo[key] = out
        return out

    def symbolic(self, e: sympy.Basic, env: dict, sample: int | None) -> Any:
        """A parsed expression as an engine expression in the model's inputs."""
        return self._eval(e, env, sample, _Full(self))

    def ground(self, e: sympy.Basic, env: dict, sample: int | None) -> Any:
        """The numeric value of a parsed expression at this point. A division by zero or a
        value that is not finite raises `Unsupported`."""
        try:
            v = self._eval(e, env, sample, _Numeric(self))
        except ZeroDivisionError:
            raise Unsupported(NOT_FINITE) from None
        except OverflowError:  # mpmath: an exponent beyond any number it can hold
            raise Unsupported(TOO_LARGE) from None
        if isinstance(v, CTX.mpf) and not CTX.isfinite(v):
            raise Unsupported(NOT_FINITE)
        return v

    def _eval(self, e: sympy.Basic, env: dict, sample: int | None, alg: _Numeric) -> Any:
        """The meaning of `e` in the algebra `alg`: by the handler of its node type in
        `MEANING`, else as an operation of SymPy's (a number, +, ·, a power, a function)."""
        handler = MEANING.find(type(e))
        if handler is None:
            return self._operation(e, env, sample, alg)
        return handler(self, e, env, sample, alg)

    # -- one handler per node type (the table `MEANING` below) --------------------------------

    def _index(self, e: Index, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if e not in env:
            raise Unsupported(f"index {e} has no value")
        return alg.const(sympy.Integer(env[e]))

    def _size(self, e: Size, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if e.name == self.model.notation.layers:
            return alg.const(sympy.Integer(self.instance.layers))
        if e.name == self.model.notation.batch:
            return alg.const(sympy.Integer(self.instance.batch))
        raise Unsupported(f"unknown size {e}")

    def _width(self, e: Width, env: dict, sample: int | None, alg: _Numeric) -> Any:
        return alg.const(sympy.Integer(self.width(self.ground_int(e.layer, env))))

    def _quantity(self, e: Quantity, env: dict, sample: int | None, alg: _Numeric) -> Any:
        return alg.node(self._key(e, env, sample))

    def _scalar(self, e: Scalar, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if e in env:
            return env[e]
        if e.name in self.model.notation.per_layer and not isinstance(alg, _SymPy):
            raise Unsupported(f"`{e.name}` is a parameter of each layer, written here without "
                              "one: which layer's is meant is not read")
        return alg.node(self._scalar_key(e.name, sample))

    def _call(self, e: Call, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if any(isinstance(a, (Vec, VecOf)) for a in e.params):
            return self._vector_call(e, env, sample, alg)
        return self._apply(self.function(e.fname),
                           [self._eval(a, env, sample, alg) for a in e.params], sample, alg,
                           (e.params, env))

    def _prime(self, e: Prime, env: dict, sample: int | None, alg: _Numeric) -> Any:
        t, d = self.prime(e.fname)
        return self._apply(sympy.Lambda(t, d), [self._eval(e.arg, env, sample, alg)], sample,
                           alg, ((e.arg,), env))

    def _apply(self, lam: sympy.Lambda, args: list, sample: int | None, alg: _Numeric,
               at: tuple = ((), {})) -> Any:
        """A function applied; the text's scalars its body reads (`\\alpha` of a leaky ReLU)
        given their values here, as further arguments (a body being built keeps them); `at`:
        the arguments as written and their env (a scalar of each layer is its argument's)."""
        scalars = sorted((s for s in lam.expr.free_symbols if isinstance(s, Scalar)), key=str)
        if not scalars or isinstance(alg, _SymPy):
            return alg.apply(lam, args)
        closed = sympy.Lambda((*lam.variables, *scalars), lam.expr)
        return alg.apply(closed, [*args, *(alg.node(self.body_scalar_key(s.name, at, sample))
                                           for s in scalars)])

    def _partial(self, e: Partial, env: dict, sample: int | None, alg: _Numeric) -> Any:
        return alg.partial(e, env, sample)

    def _batch_sum(self, e: BatchSum, env: dict, sample: int | None, alg: _Numeric) -> Any:
        return alg.add([self._eval(e.body, env, s, alg)
                        for s in range(1, self.instance.batch + 1)])

    def _batch_product(self, e: BatchProduct, env: dict, sample: int | None,
                       alg: _Numeric) -> Any:
        return alg.mul([self._eval(e.body, env, s, alg)
                        for s in range(1, self.instance.batch + 1)])

    def _product(self, e: sympy.Product, env: dict, sample: int | None, alg: _Numeric) -> Any:
        body = e.function
        *rest, (var, lo, hi) = e.limits
        if rest:
            body = sympy.Product(body, *rest)
        a, b = self.ground_int(lo, env), self.ground_int(hi, env)
        return alg.mul([self._eval(body, {**env, var: k}, sample, alg) for k in range(a, b + 1)])

    def _sum(self, e: sympy.Sum, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if type(alg) is _Numeric:
            return self._sum_at_point(e, env, sample, alg)
        # SymPy lists nested sums' limits innermost first: the last is the outer loop,
        # whose index the inner bounds may read (\sum_l \sum_{k=1}^{n_l}: weight decay)
        body = e.function
        *rest, (var, lo, hi) = e.limits
        if rest:
            body = sympy.Sum(body, *rest)
        a, b = self.ground_int(lo, env), self.ground_int(hi, env)
        return alg.add([self._eval(body, {**env, var: k}, sample, alg) for k in range(a, b + 1)])

    def _sum_at_point(self, e: sympy.Sum, env: dict, sample: int | None,
                      alg: _Numeric) -> Any:
        """A sum's value at the point, each sum inside the factors that do not read its index
        (`derive.model.sums`), kept for its free indices' values while the env binds symbols
        only (a vector function's body binds its vector arguments too: not kept)."""
        p = plan(e)
        key = None
        if all(isinstance(k, sympy.Symbol) for k in env):
            key = (id(p), tuple(env.get(s) for s in p.free), sample)
            held = self._sum_values.get(key)
            if held is not None and held[0] is p:
                return held[1]
        a, b = self.ground_int(p.lo, env), self.ground_int(p.hi, env)
        value = alg.add([self._eval(p.summand, {**env, p.var: k}, sample, alg)
                         for k in range(a, b + 1)])
        if p.outside and a <= b:
            value = alg.mul([*(self._eval(f, env, sample, alg) for f in p.outside), value])
        if key is not None:
            self._sum_values[key] = (p, value)
        return value

    def _limit(self, e: sympy.Limit, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if alg.symbolic:
            raise Unsupported("a limit is evaluated at the point only, not differentiated or "
                              "expanded")
        return limit_value(self, e, env, sample)

    def _argmax(self, e: ArgMax, env: dict, sample: int | None, alg: _Numeric) -> Any:
        """The index the body is largest (smallest) at, as a number: compared at the point,
        never differentiated; a tie at the point (within 30 digits) is not decided here."""
        if alg.symbolic:
            raise Unsupported(f"arg{e.which} picks an index: it is compared at the point, not "
                              "differentiated or expanded")
        lo, hi = self.ground_int(e.args[2], env), self.ground_int(e.args[3], env)
        values = [(self._eval(e.body, {**env, e.var: k}, sample, alg), k)
                  for k in range(lo, hi + 1)]
        ranked = sorted(values, key=lambda vk: vk[0], reverse=e.which == "max")
        if len(ranked) > 1 and close(ranked[0][0], ranked[1][0]):
            raise Unsupported(f"arg{e.which} is a tie here (at {e.var} = {ranked[0][1]} and "
                              f"{ranked[1][1]}): no one index is picked")
        return alg.const(sympy.Integer(ranked[0][1]))

    def _kronecker(self, e: sympy.KroneckerDelta, env: dict, sample: int | None,
                   alg: _Numeric) -> Any:
        a, b = (self.ground_int(x, env) for x in e.args)
        return alg.const(sympy.Integer(int(a == b)))

    def _standalone(self, e: FuncRef | Vec, env: dict, sample: int | None, alg: _Numeric) -> Any:
        raise Unsupported(f"`{e}` cannot stand on its own here")

    def _symbol(self, e: sympy.Symbol, env: dict, sample: int | None, alg: _Numeric) -> Any:
        if e in env:
            return env[e]
        raise Unsupported(f"unknown symbol {e}")

    def _operation(self, e: sympy.Basic, env: dict, sample: int | None, alg: _Numeric) -> Any:
        """A node of SymPy's own that no handler names: a number, or an operation on the
        meanings of its arguments."""
        if e.is_Number or e.is_NumberSymbol:
            return alg.const(e)
        args = [self._eval(a, env, sample, alg) for a in e.args]
        if e.is_Add:
            return alg.add(args)
        if e.is_Mul:
            return alg.mul(args)
        if e.is_Pow:
            return alg.pow(*args)
        if isinstance(e, sympy.Function) or type(e) in ELEMENTARY:  # Max is no Function
            return alg.func(e.func, args)
        raise Unsupported(f"cannot evaluate {type(e).__name__}")

    def _cases(self, e: sympy.Piecewise, env: dict, sample: int | None, alg: _Numeric) -> Any:
        """A `cases` block. Conditions on indices (i = j) are decided here; conditions on
        values (x > 0) at the point (numeric) or kept as the engine's Piecewise (symbolic)."""
        ints = {k: sympy.Integer(v) for k, v in env.items() if isinstance(k, Index)}
        pieces: list[tuple[sympy.Basic, sympy.Basic]] = []
        for val, cond in e.args:
            c = cond.xreplace(ints)
            if c == sympy.false:
                continue
            if c != sympy.true and (type(c) not in RELATIONS
                                    or any(isinstance(s, Index) for s in c.free_symbols)):
                raise Unsupported(f"cannot decide the condition {cond}")
            pieces.append((val, c))
            if c == sympy.true:
                break
        if not pieces:
            raise Unsupported("no case of the `cases` block applies")
        if pieces[0][1] == sympy.true:
            return self._eval(pieces[0][0], env, sample, alg)
        if not alg.symbolic:
            for val, c in pieces:
                if c == sympy.true or holds(type(c), self._eval(c.lhs, env, sample, alg),
                                            self._eval(c.rhs, env, sample, alg)):
                    return self._eval(val, env, sample, alg)
            raise Unsupported("no case of the `cases` block applies here")
        out = []
        for val, c in pieces:
            cond = c if c == sympy.true else alg.relation(
                type(c), self._eval(c.lhs, env, sample, alg), self._eval(c.rhs, env, sample, alg))
            out.append((self._eval(val, env, sample, alg), cond))
        return alg.piecewise(out)

    def _vector_call(self, e: Call, env: dict, sample: int | None, alg: _Numeric) -> Any:
        d = self._function_def(e.fname)
        if d is None and e.fname in VECTOR_FUNCTIONS and len(e.params) == 2 and isinstance(
                e.params[0], VecOf):  # softmax(V h + c), no softmax in the text: derive's own
            vec, n = e.params[0], self.ground_int(e.params[0].size, env)
            entries = [sympy.exp(vec.at(sympy.Integer(k))) for k in range(1, n + 1)]
            j = self.ground_int(e.params[1], env)
            if not 1 <= j <= n:
                raise Unsupported(f"entry {j} of `{e.fname}` of a vector of {n}")
            return self._eval(entries[j - 1] / sympy.Add(*entries), env, sample, alg)
        if d is None:
            raise Unsupported(f"function `{e.fname}` is used but never defined")
        sub: dict = {}
        new_env = dict(env)
        for formal, actual in zip(d.lhs.params, e.params):
            if isinstance(formal, Vec):
                if not isinstance(actual, (Vec, VecOf)):
                    raise Unsupported(f"`{e.fname}` expects a vector argument")
                self._same_length(e.fname, formal, actual, env)
                sub[(formal.name, formal.layer)] = actual
            elif isinstance(formal, Index):
                new_env[formal] = self.ground_int(actual, env)

        def rename(x: Quantity) -> sympy.Basic:
            target = sub[(x.name, x.layer)]
            if isinstance(target, VecOf):  # softmax(V h + c): its entry, computed
                return target.at(x.indices[0])
            return Quantity(target.name, (target.layer,) if target.layer is not None else (),
                            x.indices)

        taken = {str(x) for x in d.rhs.atoms(sympy.Symbol)} | {str(x) for x in new_env}
        sub = {k: _apart(v, taken) if isinstance(v, VecOf) else v for k, v in sub.items()}
        body = d.rhs.replace(lambda x: isinstance(x, Quantity) and (x.name, x.layer) in sub,
                             rename)
        return self._eval(body, new_env, sample, alg)


    def _same_length(self, fname: str, formal: Vec, actual: Vec | VecOf, env: dict) -> None:
        """softmax(s)_k defined over the entries of s, applied to o: its sums run over s's
        range, so it is read only where o has as many entries (else said, never miscounted)."""
        if isinstance(actual, VecOf):
            spec_f = self.model.spec(formal.name)
            n_a = self.ground_int(actual.size, env)
            if spec_f is None or len(spec_f.shape) != 1:
                raise Unsupported(f"`{fname}` is applied to a vector computed, and its "
                                  f"parameter {formal.name} is no vector of the text")
            lay_f = self.ground_int(formal.layer, env) if formal.layer is not None else None
            n_f = self.index_size(spec_f, 0, lay_f)
            if n_f != n_a:
                raise Unsupported(f"`{fname}` is defined over the entries of {formal.name} "
                                  f"({n_f} here) and applied to a vector of {n_a}: its sums "
                                  "are not re-ranged to the vector it is applied to")
            return
        spec_f, spec_a = self.model.spec(formal.name), self.model.spec(actual.name)
        if spec_f is None or spec_a is None or len(spec_f.shape) != 1 or len(spec_a.shape) != 1:
            return
        lay_f = self.ground_int(formal.layer, env) if formal.layer is not None else None
        lay_a = self.ground_int(actual.layer, env) if actual.layer is not None else None
        n_f, n_a = self.index_size(spec_f, 0, lay_f), self.index_size(spec_a, 0, lay_a)
        if n_f != n_a:
            raise Unsupported(f"`{fname}` is defined over the entries of {formal.name} ({n_f} "
                              f"here) and applied to {actual.name} ({n_a}): its sums are not "
                              "re-ranged to the vector it is applied to")


def _apart(vec: VecOf, taken: set[str]) -> VecOf:
    """The vector computed with its own indices (its entry's, its sums') renamed apart from
    the letters `taken` (the body of the function it is an argument of): substituted there,
    none of them captures another."""
    bound = {vec.index} | {lim[0] for s in vec.body.atoms(sympy.Sum) for lim in s.limits}
    names = set(taken) | {str(b) for b in bound}
    renamed = {}
    for b in sorted(bound, key=str):
        name = str(b) + "'"
        while name in names:
            name += "'"
        names.add(name)
        renamed[b] = Index(name)
    return VecOf(vec.body.xreplace(renamed), renamed[vec.index], vec.size)


# What each node type means, for `Interpretation._eval`: one place to add a node type.
MEANING = ByType({
    Index: Interpretation._index,
    Size: Interpretation._size,
    Width: Interpretation._width,
    Quantity: Interpretation._quantity,
    Scalar: Interpretation._scalar,
    Call: Interpretation._call,
    Prime: Interpretation._prime,
    Partial: Interpretation._partial,
    BatchSum: Interpretation._batch_sum,
    sympy.Sum: Interpretation._sum,
    BatchProduct: Interpretation._batch_product,
    sympy.Product: Interpretation._product,
    sympy.Piecewise: Interpretation._cases,
    sympy.KroneckerDelta: Interpretation._kronecker,
    sympy.Limit: Interpretation._limit,
    ArgMax: Interpretation._argmax,
    FuncRef: Interpretation._standalone,
    Vec: Interpretation._standalone,
    sympy.Symbol: Interpretation._symbol,
})
