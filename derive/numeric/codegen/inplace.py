"""In-place printing of the trainer's `update`: each elementwise operation a ufunc with `out=`.

At batch 32 an array operation costs about a microsecond whatever its size, and at batch 256
every fresh array is memory to fill: so each elementwise operation of an assignment writes into
a buffer the step already owns (a fresh intermediate of the same assignment, or an earlier
temporary read for the last time) when the result has that buffer's shape, and the operations
are one NumPy call each. Same operations on the same operands as the printed expression; only
where the results go changes (and a number is given as a float64 0-d array, `Constant`, and
1/u as `reciprocal(u)`: the same division). Never written into: the arguments (x, y, the parameters outside
Descend) and views (transposes, broadcasts).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import sympy as sp

from derive.numeric.codegen.primitives import (
    NEGATED_PREFIX,
    UFUNCS,
    BatchSum,
    Constant,
    Dot,
    OnesPerSample,
    RowMax,
    RowSum,
    ShapedLike,
    Tr,
)

if TYPE_CHECKING:
    from derive.numeric.codegen.program import Program

_ELEMENTWISE_UFUNC = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sinh: "sinh",
                      sp.cosh: "cosh", sp.sin: "sin", sp.cos: "cos", sp.Abs: "absolute",
                      sp.sign: "sign"}

# Array kinds, for the shape of a result: SCALAR broadcasts to everything; a unit VECTOR (a
# bias) and a per-sample COLUMN (a row sum) broadcast to a SAMPLE array (rows = samples).
_SCALAR, _VECTOR, _COLUMN, _SAMPLE, _MATRIX = "scalar", "vector", "column", "sample", "matrix"


def _join(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    if a == _SCALAR or a == b:
        return b
    if b == _SCALAR:
        return a
    if {a, b} <= {_VECTOR, _COLUMN, _SAMPLE}:
        return _SAMPLE
    return None  # unknown: the operation gets a fresh array


class _InPlace:
    """Rewrites a straight-line program's assignments into ufunc calls with `out=`."""

    def __init__(self, program: Program) -> None:
        x, y, c, *params = program.args
        self.kind: dict[sp.Symbol, str | None] = {x: _SAMPLE, y: _SAMPLE, c: _SCALAR}
        for p in params:  # biases b1, b2, ...; weights W2, V1, P1, ...; negated: nb2, nP1
            name = p.name.removeprefix(NEGATED_PREFIX)
            self.kind[p] = _VECTOR if name.startswith("b") else _MATRIX
        self.last_use: dict[sp.Symbol, int] = {}
        for n, (_, expr) in enumerate(program.assignments):
            for sym in expr.free_symbols:
                self.last_use[sym] = n
        for expr in program.outputs:
            for sym in expr.free_symbols:
                self.last_use[sym] = len(program.assignments)
        self.owned: set[sp.Symbol] = set()  # buffers made by this step, shared by no other name
        self.fresh = (sp.Symbol(f"_u{n}", real=True) for n in itertools.count())
        self.out: list[tuple[sp.Symbol, sp.Expr]] = []
        self.constants: dict[sp.Expr, sp.Expr] = {}  # number -> its Constant
        # state of the assignment being rewritten
        self.n = 0
        self.remaining: dict[sp.Symbol, int] = {}  # reads of each symbol still to come in it
        self.temps: set[sp.Symbol] = set()  # its own intermediates

    def kind_of(self, e: sp.Expr) -> str | None:
        kind = self.kind
        if e.is_Number or isinstance(e, Constant):
            return _SCALAR
        if isinstance(e, sp.Symbol):
            return kind.get(e)
        if isinstance(e, Dot):
            a, b = e.args
            ka = self.kind_of(a.args[0]) if isinstance(a, Tr) else self.kind_of(a)
            kb = self.kind_of(b.args[0]) if isinstance(b, Tr) else self.kind_of(b)
            if isinstance(a, Tr) and ka == kb == _SAMPLE:
                return _MATRIX  # a sum over the batch of outer products: a weight's shape
            if not isinstance(a, Tr) and ka == _SAMPLE and kb == _MATRIX:
                return _SAMPLE
            if ka == "ones" and kb == _SAMPLE:
                return _VECTOR
            return None
        if isinstance(e, (RowSum, RowMax)):
            return _COLUMN
        if isinstance(e, BatchSum):
            return _VECTOR
        if isinstance(e, OnesPerSample):
            return "ones"
        if isinstance(e, ShapedLike):
            return self.kind_of(e.args[1])
        return None

    def rewrite(self, program: Program) -> Program:
        for n, (target, expr) in enumerate(program.assignments):
            self.n, self.temps, self.remaining = n, set(), {}
            for node in sp.preorder_traversal(expr):
                if isinstance(node, sp.Symbol):
                    self.remaining[node] = self.remaining.get(node, 0) + 1
            value = self.emit(expr)
            self.kind[target] = self.kind_of(value)
            if isinstance(value, sp.Symbol) and (value in self.temps
                                                 or self.reusable(value, self.kind[target])):
                self.owned.discard(value)
                self.owned.add(target)  # the name now holds the buffer
            elif isinstance(value, sp.Symbol):  # two live names for one array: write neither
                self.owned.discard(value)
            self.out.append((target, value))
        return dataclasses.replace(program, assignments=tuple(self.out))

    def read(self, e: sp.Expr) -> None:
        for node in sp.preorder_traversal(e):
            if node in self.remaining:  # (the intermediates are not counted)
                self.remaining[node] -= 1

    def reusable(self, value: sp.Expr, result: str | None) -> bool:
        """May `value`'s buffer receive a result of kind `result`?"""
        if not isinstance(value, sp.Symbol) or result in (None, _SCALAR, "ones"):
            return False
        if self.kind.get(value) != result:
            return False
        if value in self.temps:
            return True
        return (value in self.owned and self.last_use.get(value, -1) <= self.n
                and self.remaining.get(value, 0) <= 0)

    def constant(self, number: sp.Expr) -> sp.Expr:
        """The number as the 0-d array `Constant` (a power's exponent stays as it is)."""
        if number not in self.constants:
            self.constants[number] = Constant(sp.Integer(len(self.constants)), number)
        return self.constants[number]

    def call(self, name: str, operands: list[sp.Expr], result: str | None) -> sp.Symbol:
        self.read(sp.Tuple(*operands))
        if name != "power":
            operands = [self.constant(v) if v.is_Number else v for v in operands]
        into = next((v for v in operands if self.reusable(v, result)), None)
        if into is not None:
            dest, expr = into, UFUNCS[name, True](*operands, into)
        else:
            dest, expr = next(self.fresh), UFUNCS[name, False](*operands)
            if result not in (None, _SCALAR):
                self.temps.add(dest)
        self.kind[dest] = result
        self.out.append((dest, expr))
        return dest

    def binary(self, name: str, acc: sp.Expr, term: sp.Expr) -> sp.Symbol:
        value = self.atom(term)
        return self.call(name, [acc, value], _join(self.kind_of(acc), self.kind_of(value)))

    def atom(self, e: sp.Expr) -> sp.Expr:
        """An operand: a number or a symbol as it is, anything else computed first."""
        if e.is_Number or isinstance(e, sp.Symbol):
            return e
        return self.emit(e)

    def emit(self, e: sp.Expr) -> sp.Expr:
        if e.is_Number or isinstance(e, sp.Symbol):
            return e
        # Add and Mul in the order, and with the grouping, that lambdify's printer writes them
        # (left to right; a quotient's denominators multiplied first): the same roundings.
        if isinstance(e, sp.Add):
            return self.emit_add(e)
        if isinstance(e, sp.Mul):
            return self.emit_mul(e)
        if isinstance(e, sp.Pow):
            return self.emit_pow(e)
        if type(e) in _ELEMENTWISE_UFUNC and len(e.args) == 1:
            arg = self.atom(e.args[0])
            return self.call(_ELEMENTWISE_UFUNC[type(e)], [arg], self.kind_of(arg))
        # an array primitive (Dot, RowSum, a broadcast, ...): printed as it is, to a new name
        self.read(e)
        dest = next(self.fresh)
        self.kind[dest] = self.kind_of(e)
        self.out.append((dest, e))
        if isinstance(e, (Dot, RowSum, RowMax, BatchSum)) and self.kind[dest] is not None:
            self.temps.add(dest)  # a fresh array (not a view)
        return dest

    def emit_add(self, e: sp.Add) -> sp.Expr:
        """The terms left to right, a negative term subtracted."""
        acc: sp.Expr | None = None
        for t in e.as_ordered_terms():
            negative = t.could_extract_minus_sign()
            value = self.atom(-t if negative else t)
            if acc is None:
                acc = self.call("negative", [value], self.kind_of(value)) if negative else value
            else:
                acc = self.call("subtract" if negative else "add", [acc, value],
                                _join(self.kind_of(acc), self.kind_of(value)))
        return acc

    def emit_mul(self, e: sp.Mul) -> sp.Expr:
        """The numerator's factors left to right, divided by the product of the denominators;
        a negative coefficient negated last."""
        coeff, rest = e.as_coeff_Mul()
        negate = coeff.is_negative
        body = -e if negate else e
        num: list[sp.Expr] = []
        den: list[sp.Expr] = []
        for f in body.as_ordered_factors():
            if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
            else:
                num.append(f)
        acc = self.atom(num[0]) if num else sp.Integer(1)
        for f in num[1:]:
            acc = self.binary("multiply", acc, f)
        if den:
            divisor = self.atom(den[0])
            for f in den[1:]:
                divisor = self.binary("multiply", divisor, f)
            acc = (self.call("reciprocal", [divisor], self.kind_of(divisor)) if not num else
                   self.call("divide", [acc, divisor],
                             _join(self.kind_of(acc), self.kind_of(divisor))))
        return self.call("negative", [acc], self.kind_of(acc)) if negate else acc

    def emit_pow(self, e: sp.Pow) -> sp.Expr:
        base = self.atom(e.base)
        k = self.kind_of(base)
        if e.exp == 2:
            return self.call("square", [base], k)
        if e.exp == sp.Rational(1, 2):
            return self.call("sqrt", [base], k)
        if e.exp == -1:
            return self.call("reciprocal", [base], k)
        return self.binary("power", base, e.exp)


def rewrite_in_place(program: Program) -> Program:
    """The program with every elementwise assignment split into ufunc calls with `out=`."""
    return _InPlace(program).rewrite(program)
