"""Numbers and symbolic engines for the evaluator.

Values are 30-digit mpmath numbers in a private context. Cut expressions and their derivatives
are built in SymEngine (SymPy's C++ core) or, with DERIVE_BACKEND=sympy, in SymPy itself.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import mpmath
import sympy

from derive.functions import (
    ELEMENTARY,
    INEQUALITIES,
    NON_SMOOTH,
    RELATIONS,
    symengine_kinks,
    to_symengine,
)

PRECISION = 30  # decimal digits of every evaluation


class Unsupported(Exception):
    """The expression is well-formed but the tool cannot evaluate it (reason in the message)."""


class AtKink(Unsupported):
    """A non-smooth function's argument sits at its kink at this point (a ReLU at 0): the point
    says nothing about a derivative, and the evaluation moves to another point."""


NOT_FINITE = ("a value is not a finite real number here (a division by zero, or a root or logarithm "
              "of a negative value?)")
TOO_LARGE = "a value is too large to compute here (a power of a power?)"


# --------------------------------------------------------------------------------------------
# Numbers: 30-digit mpmath, in a private context so nobody else's precision changes

CTX = mpmath.MPContext()
CTX.dps = PRECISION
_ZERO = CTX.mpf(0)


def close(a: Any, b: Any) -> bool:
    return bool(abs(a - b) <= TOL * (1 + abs(a) + abs(b)))


TOL = CTX.mpf("1e-18")


# A point closer than this to a kink counts as at it: values are exact rationals or 30-digit
# numbers, so a node at a kink is 0 there up to rounding, and any other is far from it.
KINK = CTX.mpf("1e-12")


_LITERAL = [False]  # True: conditions decided as written, even at their switch


def guard_kink(x: Any, what: str) -> None:
    if abs(x) <= KINK and not _LITERAL[0]:
        raise AtKink(f"the point sits at a kink of {what}")


@contextlib.contextmanager
def at_kinks() -> Iterator[None]:
    """Evaluate at a kink on purpose: `x > 0` is false at 0, a step is 0 there, max(0, 0) is 0
    (what a text's convention gives at its kink, reported and never checked)."""
    _LITERAL[0] = True
    try:
        yield
    finally:
        _LITERAL[0] = False


def _numeric(cls: type) -> Callable:
    entry = ELEMENTARY[cls]
    if entry.kinks is None:
        return lambda *xs: entry.mpmath(CTX, *xs)

    def f(*xs: Any) -> Any:
        for k in entry.kinks(*xs):
            guard_kink(k, cls.__name__)
        return entry.mpmath(CTX, *xs)

    return f


NUMERIC_FUNCS: dict[type, Callable] = {cls: _numeric(cls) for cls in ELEMENTARY}


def holds(cls: type, a: Any, b: Any) -> bool:
    """Whether the relation `cls` (a SymPy relational class) holds between two numbers; an
    inequality whose sides are equal is a kink."""
    if cls in INEQUALITIES:
        guard_kink(a - b, "a `cases` condition")
    return bool({sympy.StrictLessThan: a < b, sympy.LessThan: a <= b,
                 sympy.StrictGreaterThan: a > b, sympy.GreaterThan: a >= b,
                 sympy.Eq: a == b, sympy.Ne: a != b}[cls])


def sympy_number(x: sympy.Basic) -> Any:
    """A SymPy number (or number symbol) as a 30-digit number; an exact rational once for
    each value (the same constants of the definitions are met at every point)."""
    if x.is_Rational:
        key = (int(x.p), int(x.q))
        r = _RATIONALS.get(key)
        if r is None:
            if len(_RATIONALS) > 10_000:
                _RATIONALS.clear()
            r = _RATIONALS[key] = CTX.mpf(key[0]) if key[1] == 1 else CTX.mpf(key[0]) / key[1]
        return r
    return CTX.mpf(str(sympy.Float(x, PRECISION + 5)))


_RATIONALS: dict[tuple[int, int], Any] = {}


def sympy_num(e: sympy.Basic, vals: dict, memo: dict | None = None) -> Any:
    """Numeric value of a plain SymPy expression, its symbols taken from `vals`.

    Shared subexpressions are evaluated once (the memo), which keeps derivatives of composed
    networks cheap to evaluate.
    """
    if memo is None:
        memo = {}
    r = memo.get(e)
    if r is not None:
        return r
    if e.is_Symbol:
        if e not in vals:
            raise Unsupported(f"no value for {e}")
        r = vals[e]
    elif e.is_Number or e.is_NumberSymbol:
        r = sympy_number(e)
    elif e.is_Add:
        r = CTX.fsum(sympy_num(a, vals, memo) for a in e.args)
    elif e.is_Mul:
        r = CTX.mpf(1)
        for a in e.args:
            r *= sympy_num(a, vals, memo)
    elif e.is_Pow:
        base, ex = e.args
        r = sympy_num(base, vals, memo) ** (int(ex) if ex.is_Integer else sympy_num(ex, vals, memo))
    elif type(e) in NUMERIC_FUNCS:
        r = NUMERIC_FUNCS[type(e)](*[sympy_num(a, vals, memo) for a in e.args])
    elif isinstance(e, sympy.Piecewise):
        r = _piecewise_num(e, vals, memo)
    else:
        sub = {s: sympy.Float(str(vals[s]), PRECISION) for s in e.free_symbols if s in vals}
        out = e.xreplace(sub).evalf(PRECISION)
        if not out.is_Number:
            raise Unsupported(f"cannot evaluate {e}")
        r = sympy_number(out)
    memo[e] = r
    return r


def _piecewise_num(e: sympy.Piecewise, vals: dict, memo: dict) -> Any:
    for value, cond in e.args:
        if _truth(cond, vals, memo):
            return sympy_num(value, vals, memo)
    raise Unsupported("no case of the `cases` block applies")


def _truth(cond: sympy.Basic, vals: dict, memo: dict) -> bool:
    """A condition at the point: a relation, or what SymPy folds nested cases into (ITE,
    And, Or, Not)."""
    if cond == sympy.true or cond == sympy.false:
        return cond == sympy.true
    if type(cond) in (*INEQUALITIES, sympy.Eq, sympy.Ne):
        return holds(type(cond), sympy_num(cond.lhs, vals, memo), sympy_num(cond.rhs, vals, memo))
    if isinstance(cond, sympy.ITE):
        c, a, b = cond.args
        return _truth(a if _truth(c, vals, memo) else b, vals, memo)
    if isinstance(cond, sympy.And):
        return all(_truth(a, vals, memo) for a in cond.args)
    if isinstance(cond, sympy.Or):
        return any(_truth(a, vals, memo) for a in cond.args)
    if isinstance(cond, sympy.Not):
        return not _truth(cond.args[0], vals, memo)
    raise Unsupported(f"cannot decide the condition {cond}")


# --------------------------------------------------------------------------------------------
# The symbolic engine for cut expressions and their derivatives
#
# SymEngine is the C++ core of the SymPy project with the same expression model: it builds and
# differentiates the composed networks about 500 times faster than SymPy itself (measured:
# 0.1 ms against 45 ms for one derivative of a 4-layer loss), which is what makes a whole
# document check in seconds. DERIVE_BACKEND=sympy selects sympy.diff instead; the test suite
# runs both and requires the same numbers.


def import_symengine() -> Any:
    """SymEngine, imported without NumPy when nothing has imported NumPy yet: SymEngine
    imports it only for `lambdify` (which derive never calls on SymEngine's side), and NumPy's
    import is most of SymEngine's (0.1 s of a check's start). While SymEngine is imported a
    finder makes `import numpy` fail (SymEngine catches the ImportError); it is removed again,
    so a later `import numpy` (the trainer's) works as ever."""
    if "numpy" in sys.modules or "symengine" in sys.modules:
        import symengine
        return symengine
    block = _NoNumPy()
    sys.meta_path.insert(0, block)
    try:
        import symengine
    finally:
        sys.meta_path.remove(block)
    return symengine


class _NoNumPy:
    """An import finder that refuses NumPy (see `import_symengine`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


class _SymEngineBackend:
    name = "symengine"
    # whether a Piecewise (the form of every non-smooth function and `cases` block) was ever
    # built: every SymEngine expression of derive is made by `convert`, `func` or `piecewise`
    # (and substitution, differentiation of those), so without one no expression has a kink
    kinked = False

    def __init__(self) -> None:
        se = import_symengine()
        self.se = se
        self.funcs = {cls: functools.partial(e.symengine, se) for cls, e in ELEMENTARY.items()
                      if e.symengine is not None}
        self.bits = int(PRECISION * 3.33) + 20
        self._reals: dict[Any, Any] = {}  # mpf -> its RealMPFR (the text conversion, once)

    def real(self, v: Any) -> Any:
        """A 30-digit number as SymEngine's RealMPFR (through its decimal text, as SymEngine
        takes it), once for each value: the same node values feed many derivatives."""
        r = self._reals.get(v)
        if r is None:
            if len(self._reals) > 200_000:
                self._reals.clear()
            r = self._reals[v] = self.se.RealMPFR(CTX.nstr(v, PRECISION + 8), self.bits)
        return r

    def symbol(self, name: str) -> Any:
        return self.se.Symbol(name)

    def convert(self, x: sympy.Basic) -> Any:
        if not self.kinked and not x.is_Atom and x.has(sympy.Piecewise, *NON_SMOOTH):
            self.kinked = True
        try:  # a SymPy object to SymEngine's; never a string
            return to_symengine(self.se, x)
        except TypeError as exc:
            raise Unsupported(str(exc)) from None

    def add(self, xs: list) -> Any:
        return self.se.Add(*xs) if xs else self.se.Integer(0)

    def mul(self, xs: list) -> Any:
        return self.se.Mul(*xs) if xs else self.se.Integer(1)

    def pow(self, b: Any, e: Any) -> Any:
        return self.se.Pow(b, e)

    def func(self, cls: type, args: list) -> Any:
        f = self.funcs.get(cls)
        if f is None:
            raise Unsupported(f"the function {cls.__name__} is not supported in derivatives")
        out = f(*args)
        if not self.kinked and (cls in NON_SMOOTH or isinstance(out, self.se.Piecewise)):
            self.kinked = True
        return out

    def relation(self, cls: type, a: Any, b: Any) -> Any:
        return getattr(self.se, RELATIONS[cls])(a, b)

    def piecewise(self, pieces: list) -> Any:
        self.kinked = True
        return self.se.Piecewise(*pieces)

    def kinks(self, e: Any) -> list:
        """Expressions that are 0 where `e` is not differentiable (checked before evaluating):
        none while no Piecewise was ever built (the walk of `e` is not needed then)."""
        return symengine_kinks(self.se, e) if self.kinked else []

    def subs(self, e: Any, mapping: dict) -> Any:
        return e.subs(mapping)

    def diff(self, e: Any, s: Any) -> Any:
        return self.se.diff(e, s)

    def free_symbols(self, e: Any) -> set:
        return e.free_symbols

    def evaluate(self, e: Any, vals: dict) -> Any:
        bits = self.bits
        real = self.real
        sub = {s: real(v) for s, v in vals.items()}
        try:
            # xreplace puts the numbers in as subs does, a third faster; subs where something
            # other than a number is left (a derivative of an undefined function, as a Subs)
            at = e.xreplace(sub)
            if not at.is_Number:
                at = e.subs(sub)
            out = at.n(bits, real=True)
        except RuntimeError:  # SymEngine cannot evaluate an infinity or an undefined value
            raise Unsupported(NOT_FINITE) from None
        except OverflowError:
            raise Unsupported(TOO_LARGE) from None
        try:
            value = CTX.mpf(str(out))
        except (ValueError, TypeError):
            if any(mark in str(out) for mark in ("Inf", "nan", "zoo", "oo")):
                raise Unsupported(NOT_FINITE) from None
            raise Unsupported(f"derivative did not reduce to a real number: {out}") from None
        if not CTX.isfinite(value):
            raise Unsupported(NOT_FINITE)
        return value


class _SymPyBackend(_SymEngineBackend):
    name = "sympy"

    def __init__(self) -> None:
        self.funcs = {f: f for f in NUMERIC_FUNCS}

    def symbol(self, name: str) -> Any:
        return sympy.Symbol(name)

    def convert(self, x: sympy.Basic) -> Any:
        return x

    def add(self, xs: list) -> Any:
        return sympy.Add(*xs)

    def mul(self, xs: list) -> Any:
        return sympy.Mul(*xs)

    def pow(self, b: Any, e: Any) -> Any:
        return sympy.Pow(b, e)

    def func(self, cls: type, args: list) -> Any:
        f = self.funcs.get(cls)
        if f is None:
            raise Unsupported(f"the function {cls.__name__} is not supported in derivatives")
        return f(*args)

    def relation(self, cls: type, a: Any, b: Any) -> Any:
        return cls(a, b)

    def piecewise(self, pieces: list) -> Any:
        return sympy.Piecewise(*pieces)

    def kinks(self, e: Any) -> list:
        return []  # evaluated by sympy_num, which checks each kink as it meets it

    def subs(self, e: Any, mapping: dict) -> Any:
        # subs, not xreplace: a derivative's variable turns into a Subs, as it must
        return e.subs(mapping, simultaneous=True) if e.has(sympy.Derivative) else e.xreplace(mapping)

    def diff(self, e: Any, s: Any) -> Any:
        return sympy.diff(e, s)

    def evaluate(self, e: Any, vals: dict) -> Any:
        return sympy_num(e, vals)


def backend() -> _SymEngineBackend:
    """The engine named by DERIVE_BACKEND (default: symengine)."""
    return engine_named(os.environ.get("DERIVE_BACKEND", "symengine"))


def backend_name() -> str:
    """The name of the engine `backend()` gives, without importing SymEngine (0.4 s: it
    imports NumPy) when nothing else needs it."""
    name = os.environ.get("DERIVE_BACKEND", "symengine")
    if name == "symengine" and importlib.util.find_spec("symengine") is None:
        return "sympy"
    if name not in ("sympy", "symengine"):
        return backend().name  # raises the message of an unknown engine
    return name


@functools.cache
def engine_named(name: str) -> _SymEngineBackend:
    if name == "sympy":
        return _SymPyBackend()
    if name == "symengine":
        try:
            return _SymEngineBackend()
        except ImportError:  # a dependency, but without it the check is slower, not different
            return _SymPyBackend()
    raise Unsupported(f"unknown DERIVE_BACKEND {name!r}: use symengine or sympy")
