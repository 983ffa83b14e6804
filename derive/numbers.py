"""Numbers and symbolic engines for the evaluator.

Values are 30-digit mpmath numbers in a private context. Cut expressions and their derivatives
are built in SymEngine (SymPy's C++ core) or, with DERIVE_BACKEND=sympy, in SymPy itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import mpmath
import sympy

PRECISION = 30  # decimal digits of every evaluation


class Unsupported(Exception):
    """The expression is well-formed but the tool cannot evaluate it (reason in the message)."""


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


NUMERIC_FUNCS: dict[type, Callable] = {
    sympy.exp: CTX.exp, sympy.log: CTX.log, sympy.sin: CTX.sin, sympy.cos: CTX.cos,
    sympy.tan: CTX.tan, sympy.tanh: CTX.tanh, sympy.sinh: CTX.sinh, sympy.cosh: CTX.cosh,
    sympy.Abs: abs, sympy.sqrt: CTX.sqrt, sympy.atan: CTX.atan,
}


def sympy_number(x: sympy.Basic) -> Any:
    if x.is_Integer:
        return CTX.mpf(int(x))
    if x.is_Rational:
        return CTX.mpf(int(x.p)) / int(x.q)
    return CTX.mpf(str(sympy.Float(x, PRECISION + 5)))


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
    else:
        sub = {s: sympy.Float(str(vals[s]), PRECISION) for s in e.free_symbols if s in vals}
        out = e.xreplace(sub).evalf(PRECISION)
        if not out.is_Number:
            raise Unsupported(f"cannot evaluate {e}")
        r = sympy_number(out)
    memo[e] = r
    return r


# --------------------------------------------------------------------------------------------
# The symbolic engine for cut expressions and their derivatives
#
# SymEngine is the C++ core of the SymPy project with the same expression model: it builds and
# differentiates the composed networks about 500 times faster than SymPy itself (measured:
# 0.1 ms against 45 ms for one derivative of a 4-layer loss), which is what makes a whole
# document check in seconds. DERIVE_BACKEND=sympy selects sympy.diff instead; the test suite
# runs both and requires the same numbers.


class _SymEngineBackend:
    name = "symengine"

    def __init__(self) -> None:
        import symengine as se

        self.se = se
        self.funcs = {sympy.exp: se.exp, sympy.log: se.log, sympy.sin: se.sin, sympy.cos: se.cos,
                      sympy.tan: se.tan, sympy.tanh: se.tanh, sympy.sinh: se.sinh,
                      sympy.cosh: se.cosh, sympy.Abs: se.Abs, sympy.atan: se.atan}
        self.bits = int(PRECISION * 3.33) + 20

    def symbol(self, name: str) -> Any:
        return self.se.Symbol(name)

    def convert(self, x: sympy.Basic) -> Any:
        return self.se.sympify(x)  # a SymPy object to SymEngine's; never a string

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
        return f(*args)

    def subs(self, e: Any, mapping: dict) -> Any:
        return e.subs(mapping)

    def diff(self, e: Any, s: Any) -> Any:
        return self.se.diff(e, s)

    def free_symbols(self, e: Any) -> set:
        return e.free_symbols

    def evaluate(self, e: Any, vals: dict) -> Any:
        bits = self.bits
        sub = {s: self.se.RealMPFR(CTX.nstr(v, PRECISION + 8), bits) for s, v in vals.items()}
        try:
            out = e.subs(sub).n(bits, real=True)
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
