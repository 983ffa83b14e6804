"""The algebras a node's meaning is computed in: numbers at the point, expressions in a cut
symbol (for derivatives), plain SymPy (function bodies) and full expansion (symbolic proofs);
with `Structure`, what the evaluators of one instance share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy

from derive.expr import Partial
from derive.latex import Scalar
from derive.model.data import Key
from derive.numbers import (
    CTX,
    NUMERIC_FUNCS,
    PRECISION,
    Unsupported,
    backend,
    engine_named,
    sympy_num,
    sympy_number,
)

if TYPE_CHECKING:
    from derive.model.evaluator import Evaluator


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
    upstream: dict[Key, frozenset | None] = field(default_factory=dict)  # Lookup._upstream
    given: dict[Key, bool] = field(default_factory=dict)  # Lookup.is_given
    reads: dict[Key, tuple] = field(default_factory=dict)
    keys: dict[tuple, Key] = field(default_factory=dict)  # (quantity, index values, sample)
    quantity_indices: dict[int, tuple] = field(default_factory=dict)  # id -> (expr, indices)
    definitions: dict[Key, Any] = field(default_factory=dict)
    functions: dict[str, sympy.Lambda] = field(default_factory=dict)
    converted: dict[sympy.Lambda, tuple] = field(default_factory=dict)
    primes: dict[str, tuple] = field(default_factory=dict)
    valid: dict[Key, Any] = field(default_factory=dict)  # "" or the OutOfRange of the key
    shapes: dict[tuple, int] = field(default_factory=dict)
    # the loss keys given a random stand-in (the text never defines the loss), and the
    # functions used but never defined that were given one
    generic_losses: set = field(default_factory=set)
    generic_functions: set = field(default_factory=set)
    generic_applied: dict = field(default_factory=dict)  # a loss key -> its function (l of L = l(o, y))
    tau: Any = None
    body_scalars: frozenset | None = None  # the scalars the function bodies read (Points)

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
        # a scalar of the notation (`\alpha z` for z <= 0) stays a symbol of the body: each use
        # of the function supplies its value (Interpretation.closed), so it is differentiated
        # by like any node. Any other node would make the body depend on the network
        name, layer, indices, _ = key
        if layer is None and not indices and name in self.ev.model.notation.scalars:
            return Scalar(name)
        raise Unsupported("a function's definition may only use its own parameters and the "
                          "text's scalars")

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
