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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sympy

from derive.errors import InputError
from derive.expr import (
    BatchSum,
    Call,
    FuncRef,
    Partial,
    Prime,
    Quantity,
    Vec,
    Width,
    as_basic,
    layer_tag_latex,
)
from derive.functions import ELEMENTARY, RELATIONS
from derive.latex import Index, Scalar, Size
from derive.notation import Notation, QuantitySpec, lin_value, parse_dim, parse_range
from derive.numbers import (
    CTX,
    NOT_FINITE,
    NUMERIC_FUNCS,
    PRECISION,
    TOO_LARGE,
    Unsupported,
    backend,
    engine_named,
    guard_kink,
    holds,
    sympy_num,
    sympy_number,
)

Key = tuple  # (name, layer or None, indices, sample or None)


class OutOfRange(Exception):
    """A quantity was asked for outside its layers or its neuron range."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Instance:
    layers: int
    widths: tuple[int, ...]  # C_1 .. C_n
    batch: int = 2

    @property
    def label(self) -> str:
        return self.label_in("n", "C", "m")

    def label_in(self, layers: str, width: str, batch: str) -> str:
        """The shape in a document's own names for its sizes, e.g. n=3, C=(3, 2, 4), m=2."""
        widths = ", ".join(map(str, self.widths))
        return f"{layers}={self.layers}, {width}=({widths}), {batch}={self.batch}"


# Depths 3 and 4, widths 2 to 4, neighbouring widths different: a formula that confuses C_l
# with C_{l+1}, or i with j, cannot hide behind a square layer.
INSTANCES = (
    Instance(3, (3, 2, 4)),
    Instance(4, (2, 4, 3, 2), 3),  # another batch size: a missing 1/m is not a factor 2
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

    def spec(self, name: str) -> QuantitySpec | None:
        """The notation's entry for a quantity; a local model has its own plain variables."""
        return None if self.local else self.notation.quantities.get(name)

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
class Structure:
    """What does not depend on the random point: shared by the evaluators of one instance.

    Leaves are symbols standing for node values; cut expressions and their derivatives are
    built once per instance and evaluated at each point.
    """

    engine: Any = field(default_factory=backend)
    leaves: dict[Key, Any] = field(default_factory=dict)
    leaf_keys: dict[Any, Key] = field(default_factory=dict)
    cuts: dict[tuple, dict] = field(default_factory=dict)  # (cut key, mode) -> build memo
    derivatives: dict[tuple, tuple] = field(default_factory=dict)  # -> (expr, leaves)
    depends: dict[Key, dict] = field(default_factory=dict)
    reads: dict[Key, tuple] = field(default_factory=dict)
    keys: dict[tuple, Key] = field(default_factory=dict)  # (quantity, index values, sample)
    quantity_indices: dict[int, tuple] = field(default_factory=dict)  # id -> (expr, indices)
    definitions: dict[Key, Any] = field(default_factory=dict)
    functions: dict[str, sympy.Lambda] = field(default_factory=dict)
    converted: dict[sympy.Lambda, tuple] = field(default_factory=dict)
    primes: dict[str, tuple] = field(default_factory=dict)
    valid: dict[Key, str] = field(default_factory=dict)  # "" or why the key is out of range
    shapes: dict[tuple, int] = field(default_factory=dict)
    grounded: dict[tuple, tuple] = field(default_factory=dict)  # a derivative at index values
    tau: Any = None

    def __post_init__(self) -> None:
        self.tau = self.engine.symbol("tau")

    def leaf(self, key: Key) -> Any:
        s = self.leaves.get(key)
        if s is None:
            s = self.engine.symbol(f"v{len(self.leaves)}")
            self.leaves[key] = s
            self.leaf_keys[s] = key
        return s

    def lam(self, lam: sympy.Lambda) -> tuple:
        """A SymPy Lambda in the engine's terms: (variables, body)."""
        out = self.converted.get(lam)
        if out is None:
            out = (tuple(self.engine.convert(v) for v in lam.variables),
                   self.engine.convert(lam.expr))
            self.converted[lam] = out
        return out


class _Numeric:
    """Evaluate to 30-digit numbers at the evaluator's point."""

    symbolic = False

    def __init__(self, ev: Evaluator):
        self.ev = ev

    def node(self, key: Key) -> Any:
        return self.ev.value(key)

    def const(self, x: sympy.Basic) -> Any:
        return sympy_number(x)

    def add(self, xs: list) -> Any:
        return CTX.fsum(xs)

    def mul(self, xs: list) -> Any:
        r = CTX.mpf(1)
        for x in xs:
            r *= x
        return r

    def pow(self, b: Any, e: Any) -> Any:
        return b ** e

    def func(self, cls: type, args: list) -> Any:
        f = NUMERIC_FUNCS.get(cls)
        if f is None:
            return sympy_number(cls(*[sympy.Float(str(a), PRECISION) for a in args]).evalf(PRECISION))
        return f(*args)

    def apply(self, lam: sympy.Lambda, args: list) -> Any:
        return sympy_num(lam.expr, dict(zip(lam.variables, args)))

    def relation(self, cls: type, a: Any, b: Any) -> Any:
        raise NotImplementedError  # numeric conditions are decided, not built

    def piecewise(self, pieces: list) -> Any:
        raise NotImplementedError

    def partial(self, e: Partial, env: dict, sample: int | None) -> Any:
        return self.ev.derivative(e, env, sample)


class _Cut(_Numeric):
    """Build an engine expression of the nodes downstream of the cut, in the symbol `tau`;
    every other node is a leaf symbol whose value is supplied at evaluation."""

    symbolic = True

    def __init__(self, ev: Evaluator, cut: Key, mode: str, engine: Any = None):
        super().__init__(ev)
        self.cut = cut
        self.mode = mode
        self.engine = engine or ev.structure.engine

    def node(self, key: Key) -> Any:
        return self.ev.build(key, self.cut, self.mode)

    def const(self, x: sympy.Basic) -> Any:
        return self.engine.convert(x)

    def add(self, xs: list) -> Any:
        return self.engine.add(xs)

    def mul(self, xs: list) -> Any:
        return self.engine.mul(xs)

    def pow(self, b: Any, e: Any) -> Any:
        return self.engine.pow(b, e)

    def func(self, cls: type, args: list) -> Any:
        return self.engine.func(cls, args)

    def relation(self, cls: type, a: Any, b: Any) -> Any:
        return self.engine.relation(cls, a, b)

    def piecewise(self, pieces: list) -> Any:
        return self.engine.piecewise(pieces)

    def apply(self, lam: sympy.Lambda, args: list) -> Any:
        variables, body = self.ev.structure.lam(lam)
        return self.engine.subs(body, dict(zip(variables, args)))

    def partial(self, e: Partial, env: dict, sample: int | None) -> Any:
        raise Unsupported("a derivative inside an expression being differentiated")


class _SymPy(_Cut):
    """Plain SymPy expressions: the bodies of the document's functions (g(t) = ...)."""

    def __init__(self, ev: Evaluator):
        super().__init__(ev, ("", None, (), None), "total", engine_named("sympy"))

    def node(self, key: Key) -> Any:
        raise Unsupported("a function's definition may only use its own parameters")

    def apply(self, lam: sympy.Lambda, args: list) -> Any:
        return lam(*args)

    def partial(self, e: Partial, env: dict, sample: int | None) -> Any:
        raise Unsupported("a derivative inside a function's definition")


class _Full(_Cut):
    """Expand every node down to the model's inputs (leaf symbols): for symbolic proofs."""

    def __init__(self, ev: Evaluator):
        super().__init__(ev, ("", None, (), None), "total")

    def node(self, key: Key) -> Any:
        return self.ev.expand(key)

    def partial(self, e: Partial, env: dict, sample: int | None) -> Any:
        return self.ev.symbolic_derivative(e, env, sample)


@dataclass
class Evaluator:
    """Grounds expressions in one instance at one random point (seed) under one model."""

    model: Model
    instance: Instance
    seed: int
    structure: Structure = field(default_factory=Structure)
    _values: dict[Key, Any] = field(default_factory=dict)
    _labels: dict[int | None, tuple] = field(default_factory=dict)
    _derivative_values: dict[tuple, Any] = field(default_factory=dict)
    # generic functions stay undefined (f(x, y)) instead of random: for symbolic proofs only
    generic: bool = False

    # -- structure of the model ---------------------------------------------------------------

    def layer_range(self, spec: QuantitySpec) -> tuple[int, int]:
        """The layers of a quantity in this instance (1, 1 for one without layers)."""
        return self._range(spec.layer_range, spec.layers)

    def given_range(self, spec: QuantitySpec) -> tuple[int, int]:
        return self._range(spec.given_range, spec.given_layers)

    def _range(self, form: tuple | None, text: str | None) -> tuple[int, int]:
        if form is None:
            if text is None:
                return (1, 1)
            form = parse_range(text, self._names())
        return (lin_value(form[0], self.instance.layers), lin_value(form[1], self.instance.layers))

    def _names(self) -> dict[str, str]:
        n = self.model.notation
        return {"layers": n.layers, "width": n.width, "layer_var": n.layer_var}

    def _shape(self, spec: QuantitySpec, pos: int, layer: int | None) -> int:
        """The size of index `pos` of a quantity at a layer."""
        key = (spec.name, pos, layer)
        if key not in self.structure.shapes:
            dims = spec.dims or tuple(parse_dim(s, self._names(), spec.layer_range)
                                      for s in spec.shape)
            kind, form = dims[pos]
            value = lin_value(form, self.instance.layers, layer)
            self.structure.shapes[key] = self.width(value) if kind == "width" else value
        return self.structure.shapes[key]

    def width(self, layer: int) -> int:
        if not 1 <= layer <= self.instance.layers:
            raise OutOfRange(f"{self.model.notation.width}_{layer} (layers are "
                             f"1..{self.instance.layers})")
        return self.instance.widths[layer - 1]

    def check_key(self, key: Key) -> None:
        ok = self.structure.valid.get(key)
        if ok is None:
            try:
                self._check_key(key)
                ok = ""
            except OutOfRange as exc:
                ok = exc.what
            self.structure.valid[key] = ok
        if ok:
            raise OutOfRange(ok)

    def _check_key(self, key: Key) -> None:
        name, layer, indices, _ = key
        spec = self.model.spec(name)
        if spec is None or (spec.layers and layer is None and not indices):
            return  # no quantity; or a scalar named as one (sigma'(z) = ...: z its argument)
        if spec.layers:
            lo, hi = self.layer_range(spec)
            if layer is None or not lo <= layer <= hi:
                raise OutOfRange(f"{key_latex(key)} (its layers are {lo}..{hi})")
        for pos, idx in enumerate(indices[: len(spec.shape)]):
            size = self._shape(spec, pos, layer)
            if not 1 <= idx <= size:
                raise OutOfRange(f"{key_latex(key)} (index {pos + 1} runs 1..{size})")

    def is_given(self, key: Key) -> bool:
        name, layer, _, _ = key
        spec = self.model.spec(name)
        if spec is None:
            return self.definition(key) is None
        if spec.given:
            return True
        if spec.given_layers and layer is not None:
            lo, hi = self.given_range(spec)
            return lo <= layer <= hi and not self._pinned(key)
        return False

    def _pinned(self, key: Key) -> bool:
        """Whether a definition names this key's exact layer (e.g. a^{(n)}_i = z^{(n)}_i)."""
        d = self.definition(key)
        return d is not None and isinstance(d[0].lhs, Quantity) and d[0].lhs.layer is not None \
            and not any(isinstance(s, Index) for s in d[0].lhs.layer.free_symbols)

    def definition(self, key: Key) -> tuple[Def, dict] | None:
        """The newest definition that covers `key`, with the index values that match it.
        A definition naming an exact layer wins over a layer-generic one."""
        if key in self.structure.definitions:
            return self.structure.definitions[key]
        name, layer, indices, _ = key
        found = None
        for d in reversed(self.model.defs):
            lhs = d.lhs
            if isinstance(lhs, Quantity) and lhs.name == name:
                env = self._match(lhs, layer, indices)
                if env is not None:
                    exact = lhs.layer is not None and not any(
                        isinstance(s, Index) for s in lhs.layer.free_symbols)
                    if exact:
                        found = (d, env)
                        break
                    if found is None:
                        found = (d, env)
            elif isinstance(lhs, Scalar) and lhs.name == name and not indices and layer is None:
                found = found or (d, {})
        self.structure.definitions[key] = found
        return found

    def _match(self, pattern: Quantity, layer: int | None, indices: tuple) -> dict | None:
        env: dict[sympy.Symbol, int] = {}
        pairs = list(zip(pattern.indices, indices))
        if pattern.layer is not None:
            if layer is None:
                return None
            pairs.insert(0, (pattern.layer, layer))
        n = Size(self.model.notation.layers)
        for pat, val in pairs:
            pat = as_basic(pat).xreplace({n: sympy.Integer(self.instance.layers)})
            pat = pat.xreplace({k: sympy.Integer(v) for k, v in env.items()})
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
        name = label_name(self.model)
        size = self.instance.widths[-1]
        r = _rng("labels", self.instance, sample, self.seed, self.model.label_rule)
        domain = next((a.domain for a in reversed(self.model.assumptions) if a.name == name), None)
        if self.model.label_rule == "onehot":
            hot = r.randrange(size)
            vals = tuple(CTX.mpf(int(k == hot)) for k in range(size))
        elif self.model.label_rule == "sum1":  # a stated premise: the labels sum to one
            raw = [CTX.mpf(r.randint(1, 100)) for _ in range(size)]
            vals = tuple(v / sum(raw) for v in raw)
        elif domain is not None:
            choices = sorted(domain)
            vals = tuple(sympy_number(r.choice(choices)) for _ in range(size))
            if self.seed % 2 == 1:  # every other point: the most labels the domain allows
                vals = tuple(sympy_number(max(choices)) for _ in range(size))
        else:
            vals = tuple(CTX.mpf(r.randint(0, 100)) / 100 for _ in range(size))
        self._labels[sample] = vals
        return vals

    def given_value(self, key: Key) -> Any:
        name, layer, indices, sample = key
        labels = self.labels(sample) if name == label_name(self.model) and indices else ()
        if indices and indices[0] <= len(labels):
            return labels[indices[0] - 1]
        r = _rng("value", key, self.instance, self.seed)
        return CTX.mpf(r.randint(-180, 180)) / 100

    def value(self, key: Key) -> Any:
        """The numeric value of a node."""
        v = self._values.get(key)
        if v is not None:
            return v
        self.check_key(key)
        if self.is_given(key):
            v = self.given_value(key)
        else:
            found = self.definition(key)
            if found is None:
                self._undefined(key)
                v = self.given_value(key)
            else:
                d, env = found
                with self._computing(("value",), key, d):
                    v = self._eval(d.rhs, env, key[3], _Numeric(self))
        self._values[key] = v
        return v

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
                out = self._eval(d.rhs, env, key[3], _Cut(self, cut, mode))
        memo[key] = out
        return out

    def _undefined(self, key: Key) -> None:
        """A quantity the notation says is defined (not given) but that has no definition in
        force at this key: its value is unknown, never a made-up input."""
        spec = self.model.spec(key[0])
        scalar = key[1] is None and not key[2] and bool(spec and (spec.layers or spec.shape))
        if spec is not None and not spec.given and not self.model.local and not scalar:
            raise Unsupported(f"`{key_latex(key)}` has no definition the tool could read")

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

    def depends(self, key: Key, target: Key) -> bool:
        """Whether `key` is downstream of `target` in the model's definitions."""
        if key == target:
            return True
        memo = self.structure.depends.setdefault(target, {})
        if key in memo:
            return memo[key]
        memo[key] = False  # a cycle reads as independent
        res = any(self.depends(k, target) for k in self.reads(key))
        memo[key] = res
        return res

    def reads(self, key: Key) -> tuple[Key, ...]:
        """The nodes a node's definition reads directly (none for an input)."""
        out = self.structure.reads.get(key)
        if out is None:
            out = ()
            if not self.is_given(key):
                found = self.definition(key)
                if found is not None:
                    d, env = found
                    out = tuple(dict.fromkeys(self.keys_of(d.rhs, env, key[3])))
                else:  # what it reads is unknown, so whether it depends on anything is too
                    self._undefined(key)
            self.structure.reads[key] = out
        return out

    def keys_of(self, expr: sympy.Basic, env: dict, sample: int | None) -> Iterator[Key]:
        """Every node an expression reads, with its indices grounded (sums enumerated)."""
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, Quantity):
                for e in self._envs(node, env):
                    try:
                        yield self._key(node, e, sample)
                    except (OutOfRange, Unsupported):
                        continue
            elif isinstance(node, Scalar):
                if node not in env:
                    yield (node.name, None, (), None if self._is_parameter(node.name) else sample)
            elif isinstance(node, Vec):
                layer = self._ground_int(node.layer, env) if node.layer is not None else None
                size = self.width(layer) if layer else self.instance.widths[-1]
                for k in range(1, size + 1):
                    yield (node.name, layer, (k,), sample)
            elif isinstance(node, Call) and not any(isinstance(a, Vec) for a in node.params):
                found = self._function_def(node.fname)
                if found is not None and any(isinstance(p, Vec) for p in found.lhs.params):
                    continue
            elif isinstance(node, BatchSum):
                for s in range(1, self.instance.batch + 1):
                    yield from self.keys_of(node.body, env, s)

    def _envs(self, node: Quantity, env: dict) -> Iterator[dict]:
        free = [s for s in node.free_symbols if isinstance(s, Index) and s not in env]
        if not free:
            yield env
            return
        top = max(self.instance.widths + (self.instance.layers,))
        for combo in product(len(free), top):
            yield {**env, **dict(zip(free, combo))}

    # -- grounding ---------------------------------------------------------------------------

    def _ground_int(self, e: sympy.Basic, env: dict) -> int:
        if isinstance(e, Index):
            if e not in env:
                raise Unsupported(f"index {e} has no value")
            return int(env[e])
        if e.is_Integer:
            return int(e)
        v = self._eval(e, env, None, _Numeric(self))
        if v != int(v):
            raise Unsupported(f"index expression {e} is not an integer")
        return int(v)

    def _indices_of(self, e: sympy.Basic) -> tuple:
        """The index symbols of `e`, sorted; memoised by the object itself (its id, the object
        kept alive beside it): a dict keyed by the expression would compare equal trees node
        by node at every lookup."""
        held = self.structure.quantity_indices.get(id(e))
        if held is None or held[0] is not e:
            syms = tuple(sorted((s for s in e.free_symbols if isinstance(s, Index)),
                               key=lambda s: s.name))
            held = self.structure.quantity_indices[id(e)] = (e, syms)
        return held[1]

    def _key(self, q: Quantity, env: dict, sample: int | None) -> Key:
        st = self.structure
        memo = (id(q), tuple(env.get(s) for s in self._indices_of(q)), sample)
        key = st.keys.get(memo)
        if key is None:
            key = st.keys[memo] = self._key_uncached(q, env, sample)
        return key

    def _key_uncached(self, q: Quantity, env: dict, sample: int | None) -> Key:
        layer = self._ground_int(q.layer, env) if q.layer is not None else None
        idx = tuple(self._ground_int(i, env) for i in q.indices)
        spec = self.model.spec(q.name)
        if spec is not None and spec.parameter:
            sample = None
        key = (q.name, layer, idx, sample)
        self.check_key(key)
        return key

    def _scalar_key(self, name: str, sample: int | None) -> Key:
        return (name, None, (), None if self._is_parameter(name) else sample)

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
        ev = self._eval
        if isinstance(e, Index):
            if e not in env:
                raise Unsupported(f"index {e} has no value")
            return alg.const(sympy.Integer(env[e]))
        if isinstance(e, Size):
            if e.name == self.model.notation.layers:
                return alg.const(sympy.Integer(self.instance.layers))
            if e.name == self.model.notation.batch:
                return alg.const(sympy.Integer(self.instance.batch))
            raise Unsupported(f"unknown size {e}")
        if isinstance(e, Width):
            return alg.const(sympy.Integer(self.width(self._ground_int(e.layer, env))))
        if isinstance(e, Quantity):
            return alg.node(self._key(e, env, sample))
        if isinstance(e, Scalar):
            if e in env:
                return env[e]
            return alg.node(self._scalar_key(e.name, sample))
        if isinstance(e, Call):
            if any(isinstance(a, Vec) for a in e.params):
                return self._vector_call(e, env, sample, alg)
            return alg.apply(self.function(e.fname), [ev(a, env, sample, alg) for a in e.params])
        if isinstance(e, Prime):
            t, d = self.prime(e.fname)
            return alg.apply(sympy.Lambda(t, d), [ev(e.arg, env, sample, alg)])
        if isinstance(e, Partial):
            return alg.partial(e, env, sample)
        if isinstance(e, BatchSum):
            return alg.add([ev(e.body, env, s, alg) for s in range(1, self.instance.batch + 1)])
        if isinstance(e, sympy.Sum):
            # SymPy lists nested sums' limits innermost first: the last is the outer loop,
            # whose index the inner bounds may read (\sum_l \sum_{k=1}^{n_l}: weight decay)
            body = e.function
            *rest, (var, lo, hi) = e.limits
            if rest:
                body = sympy.Sum(body, *rest)
            a, b = self._ground_int(lo, env), self._ground_int(hi, env)
            return alg.add([ev(body, {**env, var: k}, sample, alg) for k in range(a, b + 1)])
        if isinstance(e, sympy.Piecewise):
            return self._cases(e, env, sample, alg)
        if isinstance(e, sympy.KroneckerDelta):
            a, b = (self._ground_int(x, env) for x in e.args)
            return alg.const(sympy.Integer(int(a == b)))
        if isinstance(e, (FuncRef, Vec)):
            raise Unsupported(f"`{e}` cannot stand on its own here")
        if isinstance(e, sympy.Symbol):
            if e in env:
                return env[e]
            raise Unsupported(f"unknown symbol {e}")
        if e.is_Number or e.is_NumberSymbol:
            return alg.const(e)
        args = [ev(a, env, sample, alg) for a in e.args]
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

    def _is_parameter(self, name: str) -> bool:
        return self.model.notation.scalars.get(name, False)

    def _function_def(self, name: str) -> Def | None:
        return next((d for d in reversed(self.model.defs)
                     if isinstance(d.lhs, Call) and d.lhs.fname == name), None)

    def function(self, name: str) -> sympy.Lambda:
        fn = self.structure.functions.get(name)
        if fn is not None:
            return fn
        local = dict(self.model.functions)
        if name in local and self.generic:
            xs = sympy.symbols(f"s0:{local[name]}")
            fn = sympy.Lambda(xs, sympy.Function(name.replace("\\", ""))(*xs))
        elif name in local:
            fn = random_function(name, local[name], 0)
        else:
            d = self._function_def(name)
            if d is None:
                raise Unsupported(f"function `{name}` is used but never defined")
            params = d.lhs.params
            if not all(isinstance(p, Scalar) for p in params):
                raise Unsupported(f"`{name}` takes a vector: applied where it is used")
            xs = tuple(sympy.Symbol(p.name, real=True) for p in params)
            body = self._eval(d.rhs, dict(zip(params, xs)), None, _SymPy(self))
            fn = sympy.Lambda(xs, body)
        self.structure.functions[name] = fn
        return fn

    def prime(self, name: str) -> tuple[sympy.Symbol, sympy.Expr]:
        """g' by sympy.diff of g's definition."""
        if name not in self.structure.primes:
            fn = self.function(name)
            if len(fn.variables) != 1:
                raise Unsupported(f"`{name}'` of a function of several arguments")
            t = sympy.Symbol("t_prime", real=True)
            self.structure.primes[name] = (t, sympy.diff(fn(t), t))
        return self.structure.primes[name]

    def _vector_call(self, e: Call, env: dict, sample: int | None, alg: _Numeric) -> Any:
        d = self._function_def(e.fname)
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

        def rename(x: Quantity) -> Quantity:
            target = sub[(x.name, x.layer)]
            return Quantity(target.name, (target.layer,) if target.layer is not None else (),
                            x.indices)

        body = d.rhs.replace(lambda x: isinstance(x, Quantity) and (x.name, x.layer) in sub,
                             rename)
        return self._eval(body, new_env, sample, alg)

    # -- derivatives -------------------------------------------------------------------------

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
        st = self.structure
        fast_key = (id(e), tuple(env.get(s) for s in self._indices_of(e)), sample)
        cached = self._derivative_values.get(fast_key)
        if cached is not None:
            return cached
        grounded = st.grounded.get(fast_key[:2])  # shared by the points of the instance
        if grounded is None:
            ints = {k: sympy.Integer(v) for k, v in env.items() if isinstance(k, Index)}
            grounded = st.grounded[fast_key[:2]] = (e.num.xreplace(ints), e.den.xreplace(ints))
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
        return sympy_num(sympy.diff(fn.expr, fn.variables[slot]), dict(zip(fn.variables, args)))


def label_name(model: Model) -> str | None:
    """The labels: the quantity an assumption constrains, else the given per-sample quantity
    without layers (y in the chapter)."""
    for a in model.assumptions:
        return a.name
    if model.notation.labels in model.notation.quantities:
        return model.notation.labels
    for name, spec in model.notation.quantities.items():
        if spec.given and not spec.parameter and not spec.layers and len(spec.shape) == 1:
            return name
    return None


def product(k: int, top: int) -> Iterator[tuple[int, ...]]:
    """Every k-tuple of values 1..top, in order."""
    if k == 0:
        yield ()
        return
    for first in range(1, top + 1):
        for rest in product(k - 1, top):
            yield (first,) + rest


def key_latex(key: Key) -> str:
    """A grounded quantity in LaTeX, e.g. w^{(2)}_{1,3}."""
    name, layer, indices, _ = key
    s = name
    if layer is not None:
        s += layer_tag_latex(name, str(layer))
    if indices:
        s += "_{" + ",".join(map(str, indices)) + "}"
    return s
