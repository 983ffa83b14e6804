"""The document's model: its definitions, grounded in concrete symbolic networks.

`Model` holds what the document defined up to some point (quantities such as z, a, δ, ℒ, ŷ;
functions such as g and softmax; assumptions such as y_j ∈ {0, 1}), plus the local givens of a
chain-rule formula. `Evaluator` grounds any parsed expression in one `Instance` (a network
shape) at one random point: every quantity is expanded through the document's own definitions,
and every derivative the expression writes is computed by `sympy.diff` of that expansion.
Nothing here knows a backpropagation formula: change the definitions and the derivatives change.

Partial derivatives follow the usual convention for computational graphs: ∂X/∂Y expands X
through every defined quantity, replaces the node Y by a fresh symbol, and differentiates; the
quantities listed as `coordinates` of a local model are held fixed instead of expanded (the
chapter's own convention for ∂u/∂x in u = f(x, y(x), z(x))). A total derivative dX/dY expands
everything.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Iterator

import sympy

from derive.errors import InputError
from derive.expr import BatchSum, Call, FuncRef, Partial, Prime, Quantity, Vec, Width
from derive.latex import Index, Scalar, Size
from derive.notation import Notation

PRECISION = 30  # decimal digits of every evaluation
TOLERANCE = sympy.Float("1e-18", PRECISION)

Key = tuple  # (name, layer or None, indices, sample or None)


class OutOfRange(Exception):
    """A quantity was asked for outside its layers or its neuron range."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class Unsupported(Exception):
    """The expression is well-formed but the tool cannot evaluate it (reason in the message)."""


@dataclass(frozen=True)
class Instance:
    layers: int
    widths: tuple[int, ...]  # C_1 .. C_n
    batch: int = 2

    @property
    def label(self) -> str:
        return f"n={self.layers}, C=({', '.join(map(str, self.widths))}), m={self.batch}"


# Depths 3 and 4, widths 2 to 4, neighbouring widths different: a formula that confuses C_l
# with C_{l+1}, or i with j, cannot hide behind a square layer.
INSTANCES = (
    Instance(3, (3, 2, 4)),
    Instance(4, (2, 4, 3, 2)),
    Instance(4, (4, 3, 2, 3)),
)
LOCAL_INSTANCE = Instance(1, (1,), 1)


@dataclass(frozen=True)
class Def:
    """One definition: `lhs = rhs`, with the place it came from."""

    lhs: sympy.Basic  # Quantity pattern, Scalar, or Call(f, params...)
    rhs: sympy.Basic
    line: int
    latex: str


@dataclass(frozen=True)
class Assumption:
    name: str  # quantity name
    domain: sympy.Basic  # FiniteSet
    line: int
    latex: str


@dataclass(frozen=True)
class Model:
    notation: Notation
    defs: tuple[Def, ...] = ()  # oldest first; later ones win
    assumptions: tuple[Assumption, ...] = ()
    local: bool = False
    coordinates: frozenset[str] = frozenset()
    functions: tuple[tuple[str, int], ...] = ()  # local generic functions (name, arity)
    label_rule: str | None = None  # an extra assumption being tried, e.g. "onehot"
    name: str = "the document's model"

    def with_defs(self, *defs: Def) -> Model:
        return _replace(self, defs=self.defs + defs)

    def with_assumption(self, a: Assumption) -> Model:
        return _replace(self, assumptions=self.assumptions + (a,))


def _replace(model: Model, **kw: Any) -> Model:
    from dataclasses import replace

    return replace(model, **kw)


# --------------------------------------------------------------------------------------------
# Random points


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(map(str, parts)))


def _random_value(key: Key, seed: int) -> sympy.Float:
    # a rational with a small denominator, as a 30-digit float: exact to read in a witness
    r = _rng("value", key, seed)
    return sympy.Float(sympy.Rational(r.randint(-180, 180), 100), PRECISION)


def random_function(name: str, arity: int, seed: int) -> sympy.Lambda:
    """A smooth, non-linear stand-in for a generic function f(x, y, ...): with cross terms, so a
    chain rule that drops or swaps a term cannot agree with it by accident."""
    r = _rng("function", name, arity, seed)
    xs = sympy.symbols(f"s0:{arity}", real=True)

    def c() -> sympy.Rational:
        return sympy.Rational(r.randint(3, 17), 10) * r.choice((-1, 1))

    body = c()
    for k, x in enumerate(xs):
        body += c() * sympy.sin(c() * x + c()) + c() * x ** 2 / (k + 2)
        for x2 in xs[k + 1 :]:
            body += c() * x * x2
    return sympy.Lambda(xs, body)


# --------------------------------------------------------------------------------------------
# The evaluator


@dataclass
class Evaluator:
    """Grounds expressions in one instance at one random point (seed) under one model."""

    model: Model
    instance: Instance
    seed: int
    _values: dict[Key, sympy.Expr] = field(default_factory=dict)
    _derivs: dict[tuple, sympy.Expr] = field(default_factory=dict)
    _functions: dict[str, sympy.Lambda] = field(default_factory=dict)
    _labels: dict[int | None, tuple] = field(default_factory=dict)

    # -- structure of the model ---------------------------------------------------------------

    def _range(self, text: str | None) -> tuple[int, int]:
        if text is None:
            return (1, 1)
        lo, _, hi = text.partition("..")
        return (self._int_expr(lo), self._int_expr(hi or lo))

    def _int_expr(self, text: str) -> int:
        # tiny arithmetic over the size names: "1", "n", "n-1"
        t = text.replace(" ", "")
        total, sign, tok = 0, 1, ""
        for ch in t + "+":
            if ch in "+-":
                if tok:
                    total += sign * (self.instance.layers if tok == self.model.notation.layers
                                     else int(tok))
                sign = 1 if ch == "+" else -1
                tok = ""
            else:
                tok += ch
        return total

    def _shape(self, spec_shape: str, layer: int | None) -> int:
        w = self.model.notation.width
        s = spec_shape.replace(" ", "").replace("{", "").replace("}", "")
        if s.startswith(w + "_"):
            sub = s[len(w) + 1 :]
            lay = sub.replace(self.model.notation.layer_var, str(layer if layer is not None else 0))
            lay = lay.replace(self.model.notation.layers, str(self.instance.layers))
            return self.width(self._int_expr(lay))
        return self._int_expr(s)

    def width(self, layer: int) -> int:
        if not 1 <= layer <= self.instance.layers:
            raise OutOfRange(f"{self.model.notation.width}_{layer} (layers are 1..{self.instance.layers})")
        return self.instance.widths[layer - 1]

    def check_key(self, key: Key) -> None:
        name, layer, indices, _ = key
        spec = self.model.notation.quantities.get(name)
        if spec is None:
            return
        if spec.layers:
            lo, hi = self._range(spec.layers)
            if layer is None or not lo <= layer <= hi:
                raise OutOfRange(f"{_show(key)} (its layers are {lo}..{hi})")
        for pos, (idx, shp) in enumerate(zip(indices, spec.shape)):
            size = self._shape(shp, layer)
            if not 1 <= idx <= size:
                raise OutOfRange(f"{_show(key)} (index {pos + 1} runs 1..{size})")

    def is_given(self, key: Key) -> bool:
        name, layer, _, _ = key
        spec = self.model.notation.quantities.get(name)
        if spec is None:
            return self._definition(key) is None
        if spec.given:
            return True
        if spec.given_layers and layer is not None:
            lo, hi = self._range(spec.given_layers)
            return lo <= layer <= hi and self._override(key) is None
        return False

    def _override(self, key: Key) -> Def | None:
        """A definition that names this exact layer (e.g. a^{(n)}_i = z^{(n)}_i)."""
        d = self._definition(key)
        if d is not None and isinstance(d.lhs, Quantity) and d.lhs.layer is not None:
            if not (d.lhs.layer.free_symbols - {Size(self.model.notation.layers)}):
                return d
        return None

    def _definition(self, key: Key) -> Def | None:
        name, layer, indices, _ = key
        for d in reversed(self.model.defs):
            lhs = d.lhs
            if isinstance(lhs, Quantity) and lhs.name == name:
                if self._match(lhs, layer, indices) is not None:
                    return d
            elif isinstance(lhs, Scalar) and lhs.name == name and not indices and layer is None:
                return d
        return None

    def _match(self, pattern: Quantity, layer: int | None, indices: tuple) -> dict | None:
        env: dict[sympy.Symbol, int] = {}
        pairs = list(zip(pattern.indices, indices))
        if pattern.layer is not None:
            if layer is None:
                return None
            pairs.insert(0, (pattern.layer, layer))
        for pat, val in pairs:
            pat = sympy.sympify(pat).xreplace(
                {Size(self.model.notation.layers): sympy.Integer(self.instance.layers)})
            pat = pat.xreplace(env)
            syms = [s for s in pat.free_symbols if isinstance(s, Index)]
            if not syms:
                if pat != val:
                    return None
                continue
            if len(syms) > 1:
                return None
            rest = pat - syms[0]  # patterns are `l`, `l + 1`, `n - 1`: solve without sympy.solve
            if rest.free_symbols or not rest.is_Integer:
                return None
            env[syms[0]] = int(val - rest)
        return env

    # -- values ------------------------------------------------------------------------------

    def labels(self, sample: int | None) -> tuple:
        """Label vector of one sample, under the assumptions in force."""
        if sample in self._labels:
            return self._labels[sample]
        name = _label_name(self.model)
        size = self.instance.widths[-1]
        r = _rng("labels", self.instance, sample, self.seed, self.model.label_rule)
        domain = next((a.domain for a in reversed(self.model.assumptions) if a.name == name), None)
        if self.model.label_rule == "onehot":
            hot = r.randrange(size)
            vals = tuple(sympy.Float(int(k == hot), PRECISION) for k in range(size))
        elif domain is not None:
            choices = sorted(domain)
            vals = tuple(sympy.Float(r.choice(choices), PRECISION) for _ in range(size))
            if self.seed % 2 == 1:  # every other point: the most labels the domain allows
                vals = tuple(sympy.Float(max(choices), PRECISION) for _ in range(size))
        else:
            vals = tuple(sympy.Float(sympy.Rational(r.randint(0, 100), 100), PRECISION)
                         for _ in range(size))
        self._labels[sample] = vals
        return vals

    def given_value(self, key: Key) -> sympy.Expr:
        name, layer, indices, sample = key
        if name == _label_name(self.model) and indices:
            return self.labels(sample)[indices[0] - 1]
        return _random_value((key, self.instance), self.seed)

    def value(self, key: Key) -> sympy.Expr:
        """The numeric value of a node."""
        if key in self._values:
            return self._values[key]
        self.check_key(key)
        if self.is_given(key):
            v = self.given_value(key)
        else:
            v = self._expand(key, None, "value")
            if v is None:
                v = self.given_value(key)
            v = _num(v)
        self._values[key] = v
        return v

    def _expand(self, key: Key, cut: tuple | None, mode: str) -> sympy.Expr | None:
        d = self._override(key) or self._definition(key)
        if d is None:
            return None
        env = self._match(d.lhs, key[1], key[2]) if isinstance(d.lhs, Quantity) else {}
        assert env is not None
        return self.ground(d.rhs, env, key[3], cut, mode)

    def build(self, key: Key, cut: tuple, mode: str, memo: dict) -> sympy.Expr:
        """A node as an expression in the cut symbol (numbers where it does not depend on it)."""
        cut_key, sym = cut
        if key == cut_key:
            return sym
        if key in memo:
            return memo[key]
        self.check_key(key)
        name = key[0]
        if self.is_given(key) or (mode == "partial" and name in self.model.coordinates):
            out = self.value(key)
        elif not self._depends(key, cut_key):
            out = self.value(key)
        else:
            expanded = self._expand(key, (cut_key, sym, memo), mode)
            out = self.value(key) if expanded is None else expanded
        memo[key] = out
        return out

    def _depends(self, key: Key, target: Key) -> bool:
        """Whether `key` is downstream of `target` (cheap structural test, then exact)."""
        if key == target:
            return True
        memo = self._dep_memo.setdefault(target, {})
        if key in memo:
            return memo[key]
        memo[key] = False  # cycles guard
        if self.is_given(key):
            res = False
        else:
            d = self._override(key) or self._definition(key)
            res = False
            if d is not None:
                env = self._match(d.lhs, key[1], key[2]) if isinstance(d.lhs, Quantity) else {}
                res = any(self._depends(k, target) for k in self._keys_of(d.rhs, env, key[3]))
        memo[key] = res
        return res

    @property
    def _dep_memo(self) -> dict:
        if not hasattr(self, "_dm"):
            self._dm: dict = {}
        return self._dm

    def _keys_of(self, expr: sympy.Basic, env: dict, sample: int | None) -> Iterator[Key]:
        """Every node an expression reads, with its indices grounded (sums enumerated)."""
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, Quantity):
                for e in self._envs(expr, node, env):
                    try:
                        yield self._key(node, e, sample)
                    except (OutOfRange, KeyError):
                        continue
            elif isinstance(node, Scalar):
                yield (node.name, None, (), sample)
            elif isinstance(node, Vec):
                layer = int(self._ground_int(node.layer, env)) if node.layer is not None else None
                size = self.width(layer) if layer else self.instance.widths[-1]
                for k in range(1, size + 1):
                    yield (node.name, layer, (k,), sample)
            elif isinstance(node, Partial):
                # δ = ∂ℒ/∂z reads everything ℒ reads
                yield from self._keys_of(node.num, env, sample)
            elif isinstance(node, BatchSum):
                for s in range(1, self.instance.batch + 1):
                    yield from self._keys_of(node.body, env, s)

    def _envs(self, expr: sympy.Basic, node: Quantity, env: dict) -> Iterator[dict]:
        free = [s for s in node.free_symbols if isinstance(s, Index) and s not in env]
        if not free:
            yield env
            return
        top = max(self.instance.widths + (self.instance.layers,))
        for combo in _product(len(free), top):
            yield {**env, **dict(zip(free, combo))}

    # -- grounding ---------------------------------------------------------------------------

    def _ground_int(self, e: sympy.Basic, env: dict) -> int:
        v = self.ground(e, env, None, None, "value")
        if not (v.is_Integer or (v.is_Number and float(v).is_integer())):
            raise Unsupported(f"index expression {e} is not an integer")
        return int(v)

    def _key(self, q: Quantity, env: dict, sample: int | None) -> Key:
        layer = self._ground_int(q.layer, env) if q.layer is not None else None
        idx = tuple(self._ground_int(i, env) for i in q.indices)
        spec = self.model.notation.quantities.get(q.name)
        if spec is not None and spec.parameter:
            sample = None
        key = (q.name, layer, idx, sample)
        self.check_key(key)
        return key

    def ground(self, e: sympy.Basic, env: dict, sample: int | None,
               cut: tuple | None = None, mode: str = "value") -> sympy.Expr:
        """`e` with every index, quantity, function and derivative replaced by its value.

        With `cut = (key, symbol, memo)`, nodes downstream of `key` stay expressions in `symbol`.
        """
        g = self.ground
        if isinstance(e, Index):
            if e not in env:
                raise Unsupported(f"index {e} has no value")
            return sympy.Integer(env[e])
        if isinstance(e, Size):
            if e.name == self.model.notation.layers:
                return sympy.Integer(self.instance.layers)
            if e.name == self.model.notation.batch:
                return sympy.Integer(self.instance.batch)
            raise Unsupported(f"unknown size {e}")
        if isinstance(e, Width):
            return sympy.Integer(self.width(self._ground_int(e.layer, env)))
        if isinstance(e, Quantity):
            key = self._key(e, env, sample)
            return self._node(key, cut, mode)
        if isinstance(e, Scalar):
            if e in env:
                return env[e]
            key = (e.name, None, (), None if self._is_parameter(e.name) else sample)
            return self._node(key, cut, mode)
        if isinstance(e, Call):
            return self._call(e, env, sample, cut, mode)
        if isinstance(e, Prime):
            fn = self.function(e.fname)
            t = sympy.Dummy("t", real=True)
            arg = g(e.arg, env, sample, cut, mode)
            return sympy.diff(fn(t), t).xreplace({t: arg})
        if isinstance(e, Partial):
            return self._partial(e, env, sample, cut, mode)
        if isinstance(e, BatchSum):
            return sympy.Add(*[g(e.body, env, s, cut, mode)
                               for s in range(1, self.instance.batch + 1)])
        if isinstance(e, sympy.Sum):
            body = e.function
            (var, lo, hi), *rest = e.limits
            if rest:
                body = sympy.Sum(body, *rest)
            a, b = self._ground_int(lo, env), self._ground_int(hi, env)
            return sympy.Add(*[g(body, {**env, var: k}, sample, cut, mode)
                               for k in range(a, b + 1)])
        if isinstance(e, sympy.Piecewise):
            for val, cond in e.args:
                c = cond.xreplace({k: sympy.Integer(v) for k, v in env.items()
                                   if isinstance(k, Index)})
                if c == sympy.true:
                    return g(val, env, sample, cut, mode)
                if c != sympy.false:
                    raise Unsupported(f"cannot decide the condition {cond}")
            raise Unsupported("no case of the `cases` block applies")
        if isinstance(e, sympy.KroneckerDelta):
            a, b = (self._ground_int(x, env) for x in e.args)
            return sympy.Integer(int(a == b))
        if isinstance(e, (FuncRef, Vec)):
            raise Unsupported(f"`{e}` cannot stand on its own here")
        if isinstance(e, sympy.Symbol):
            raise Unsupported(f"unknown symbol {e}")
        if not e.args:
            return e
        return e.func(*[g(a, env, sample, cut, mode) for a in e.args])

    def _is_parameter(self, name: str) -> bool:
        return self.model.notation.scalars.get(name, False)

    def _node(self, key: Key, cut: tuple | None, mode: str) -> sympy.Expr:
        if cut is None:
            return self.value(key)
        cut_key, sym, memo = cut
        return self.build(key, (cut_key, sym), mode, memo)

    def function(self, name: str) -> sympy.Lambda:
        if name in self._functions:
            return self._functions[name]
        local = dict(self.model.functions)
        if name in local:
            fn = random_function(name, local[name], self.seed)
        else:
            d = next((d for d in reversed(self.model.defs)
                      if isinstance(d.lhs, Call) and d.lhs.fname == name), None)
            if d is None:
                raise Unsupported(f"function `{name}` is used but never defined")
            params = d.lhs.params
            if all(isinstance(p, Scalar) for p in params):
                fn = sympy.Lambda(tuple(sympy.Symbol(p.name, real=True) for p in params),
                                  self._scalar_body(d.rhs, params))
            else:
                raise Unsupported(f"`{name}` takes a vector: applied where it is used")
        self._functions[name] = fn
        return fn

    def _scalar_body(self, rhs: sympy.Basic, params: tuple) -> sympy.Expr:
        env = {p: sympy.Symbol(p.name, real=True) for p in params}
        return self.ground(rhs, env, None)

    def _call(self, e: Call, env: dict, sample: int | None, cut: tuple | None,
              mode: str) -> sympy.Expr:
        if any(isinstance(a, Vec) for a in e.params):
            return self._vector_call(e, env, sample, cut, mode)
        fn = self.function(e.fname)
        args = [self.ground(a, env, sample, cut, mode) for a in e.params]
        return fn(*args)

    def _vector_call(self, e: Call, env: dict, sample: int | None, cut: tuple | None,
                     mode: str) -> sympy.Expr:
        d = next((d for d in reversed(self.model.defs)
                  if isinstance(d.lhs, Call) and d.lhs.fname == e.fname), None)
        if d is None:
            raise Unsupported(f"function `{e.fname}` is used but never defined")
        sub: dict = {}
        new_env = dict(env)
        for formal, actual in zip(d.lhs.params, e.params):
            if isinstance(formal, Vec):
                if not isinstance(actual, Vec):
                    raise Unsupported(f"`{e.fname}` expects a vector argument")
                sub[(formal.name, formal.layer)] = actual
            elif isinstance(formal, Index):
                new_env[formal] = self._ground_int(actual, env)
        body = d.rhs.replace(
            lambda x: isinstance(x, Quantity) and (x.name, x.layer) in sub,
            lambda x: Quantity(sub[(x.name, x.layer)].name,
                               (sub[(x.name, x.layer)].layer,) if sub[(x.name, x.layer)].layer
                               is not None else (), x.indices),
        )
        return self.ground(body, new_env, sample, cut, mode)

    # -- derivatives -------------------------------------------------------------------------

    def _partial(self, e: Partial, env: dict, sample: int | None, cut: tuple | None,
                 mode: str) -> sympy.Expr:
        if cut is not None:
            # a derivative inside an expression being differentiated (δ inside a chain):
            # its value at the point, which does not depend on the outer cut
            return self._partial(e, env, sample, None, mode)
        wrt = e.den
        if isinstance(wrt, Quantity):
            key = self._key(wrt, env, sample)
        elif isinstance(wrt, Scalar):
            key = (wrt.name, None, (), None if self._is_parameter(wrt.name) else sample)
        else:
            raise Unsupported("derivative with respect to an expression")
        num = e.num
        if isinstance(num, FuncRef):
            return self._slot_partial(num.fname, wrt, sample)
        memo_key = (num.xreplace({k: sympy.Integer(v) for k, v in env.items()
                                  if isinstance(k, Index)}), key, sample, e.total)
        if memo_key in self._derivs:
            return self._derivs[memo_key]
        sym = sympy.Dummy("cut", real=True)
        inner_mode = "total" if e.total else "partial"
        memo: dict = {}
        expr = self.ground(num, env, sample, (key, sym, memo), inner_mode)
        d = sympy.diff(expr, sym)
        out = _num(d.xreplace({sym: self.value(key)}))
        self._derivs[memo_key] = out
        return out

    def _slot_partial(self, fname: str, wrt: sympy.Basic, sample: int | None) -> sympy.Expr:
        """∂f/∂x for a function f: its partial derivative in the slot where the givens put x."""
        for d in self.model.defs:
            call = d.rhs
            if isinstance(call, Call) and call.fname == fname:
                names = [p.name if isinstance(p, Scalar) else None for p in call.params]
                if getattr(wrt, "name", None) in names:
                    slot = names.index(wrt.name)
                    fn = self.function(fname)
                    xs = sympy.symbols(f"s0:{len(names)}", real=True)
                    args = [self.ground(p, {}, sample) for p in call.params]
                    return _num(sympy.diff(fn(*xs), xs[slot]).xreplace(dict(zip(xs, args))))
        raise Unsupported(f"∂{fname}/∂{wrt}: `{wrt}` is not an argument of `{fname}` in the givens")


def _label_name(model: Model) -> str | None:
    """The labels: the quantity an assumption constrains, else the given per-sample quantity
    without layers (y in the chapter)."""
    for a in model.assumptions:
        return a.name
    for name, spec in model.notation.quantities.items():
        if spec.given and not spec.parameter and not spec.layers and len(spec.shape) == 1:
            return name
    return None


def _num(v: sympy.Expr) -> sympy.Expr:
    if v.is_Number:
        return v
    out = v.evalf(PRECISION)
    if out.free_symbols:
        raise Unsupported(f"expression did not reduce to a number: {out}")
    return out


def _product(k: int, top: int) -> Iterator[tuple[int, ...]]:
    if k == 0:
        yield ()
        return
    for first in range(1, top + 1):
        for rest in _product(k - 1, top):
            yield (first,) + rest


def _show(key: Key) -> str:
    name, layer, indices, _ = key
    s = name
    if layer is not None:
        s += f"^{{({layer})}}"
    if indices:
        s += "_{" + ",".join(map(str, indices)) + "}"
    return s


def raise_input(msg: str) -> None:
    raise InputError(msg)
