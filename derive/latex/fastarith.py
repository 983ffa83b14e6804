"""A fast, exact reader of the arithmetic skeletons, in front of latex2sympy2_extended.

What reaches the arithmetic parser (`arithmetic.read_skeleton`) is plain arithmetic around
placeholder names: numbers, single letters and Greek letters, `+ - * / \\times \\cdot \\div`,
brackets, implicit products, `^`, `\\frac{}{}`, `\\sqrt{}`, `e^{}`, `\\sum_{q=1}^{}` and the
elementary functions (`\\ln`, `\\log_{b}`, `\\exp`, `\\tanh`, ...). latex2sympy2's ANTLR parser
spends most of a cold check warming up on that; this recursive-descent reader of the same
language costs well under a millisecond a skeleton.

It returns the *same* SymPy tree latex2sympy2_extended 1.11 builds (node for node: the same
unevaluated `Add`/`Mul`/`Pow`, the same argument order, number types and quirks such as
`2 3` read as the mixed number 5, `\\log` without a base as base 10, `-2` as `Integer(-2)`),
by following its grammar (PS.g4: greedy loops, the first alternative of an ambiguity) and
building each node with the constructor call its visitor makes. It returns None, and the
caller falls back to latex2sympy2, for anything outside the subset it is sure of: any other
command or character, `d`, `E`, `I`, a letter next to a letter (multi-letter tokens), a name
before a bracket that could make it a function call (`A (B)`), unbraced letter exponents,
chained `^`, `^T`, a subscript other than a sum's or a logarithm's, a whole input in one
bracket (a set or a tuple at the top level), and any parse that does not consume everything.
tests/test_fastarith.py checks it against latex2sympy2 on every skeleton of the documents and
on generated ones. Formula text is never evaluated.
"""

from __future__ import annotations

import sympy
import sympy.functions.elementary.hyperbolic as _hyperbolic
import sympy.functions.elementary.trigonometric as _trig

from derive.latex.fastnodes import (
    _DIV_OPS,
    _FUNCS,
    _MUL_OPS,
    _OPEN,
    _add_flat,
    _closing,
    _Decline,
    _lex,
    _mul_flat,
    _negate,
    _number,
    _one_bracket,
    _product,
    _surely_not_atom,
)

__all__ = ["parse"]

MAX_DEPTH = 60  # nested brackets/operands the reader follows before it declines



def parse(text: str) -> sympy.Basic | None:
    """The SymPy tree latex2sympy2_extended makes of `text`, or None when not sure."""
    try:
        toks = _lex(text)
        if not toks or _one_bracket(toks):
            return None
        reader = _Reader(toks)
        out = reader.expr()
        if reader.k != len(toks):
            return None
        return out
    except (_Decline, RecursionError, TypeError, ValueError, AttributeError, ZeroDivisionError):
        return None


class _Reader:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.k = 0
        self.depth = 0

    # ---- tokens

    def peek(self, at: int = 0) -> tuple[str, str]:
        j = self.k + at
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def is_op(self, op: str, at: int = 0) -> bool:
        return self.peek(at) == ("op", op)

    def take(self, op: str) -> None:
        if not self.is_op(op):
            raise _Decline
        self.k += 1

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Decline

    # ---- grammar: expr / additive

    def expr(self) -> sympy.Basic:
        self.enter()
        lh = self.mp(nofunc=False)
        while self.is_op("+") or self.is_op("-"):
            minus = self.is_op("-")
            self.k += 1
            rh = self.mp(nofunc=False)
            if minus:
                rh = -rh if rh.func.is_Number else _mul_flat(-1, rh)
            lh = _add_flat(lh, rh)
        self.depth -= 1
        return lh

    def mp(self, nofunc: bool) -> sympy.Basic:
        """mp / mp_nofunc: unary operands joined by * \\times \\cdot / \\div, left to right."""
        lh = self.unary(nofunc)
        while True:
            kind, t = self.peek()
            op = t if kind == "op" else "\\" + t if kind == "cmd" else ""
            if op not in _MUL_OPS and op not in _DIV_OPS:
                return lh
            self.k += 1
            rh = self.unary(nofunc)
            if op in _MUL_OPS:
                lh = _mul_flat(lh, rh)
            elif lh.is_Integer and rh.is_Integer:
                lh = sympy.Rational(lh, rh)
            else:
                lh = sympy.Mul(lh, sympy.Pow(rh, -1, evaluate=False), evaluate=False)

    def unary(self, nofunc: bool) -> sympy.Basic:
        self.enter()
        if self.is_op("+"):
            self.k += 1
            out = self.unary(nofunc)
        elif self.is_op("-"):
            self.k += 1
            out = _negate(self.unary(nofunc))
        else:
            items = [self.postfix(func=True)]
            while self.starts_postfix(func=not nofunc):
                items.append(self.postfix(func=not nofunc))
            out = _product(items)
        self.depth -= 1
        return out

    def starts_postfix(self, func: bool) -> bool:
        kind, t = self.peek()
        if kind in ("num", "name"):
            return True
        if kind == "op":
            return t in _OPEN
        if kind == "cmd":
            return t == "frac" or (func and (t in _FUNCS or t in ("sqrt", "sum")))
        return kind == "e" and func

    # ---- postfix / exp / comp

    def postfix(self, func: bool) -> sympy.Basic:
        """exp (CARET (atom | {expr}))*: a comp and its powers (postfix operators: none)."""
        base = self.comp(func)
        if self.is_op("^"):
            exponent = self.exponent()
            if self.is_op("^") or self.is_op("_"):
                raise _Decline  # chained scripts
            base = sympy.Pow(base, exponent, evaluate=False)
        return base

    def exponent(self) -> sympy.Basic:
        """After `^`: a braced expression or a number (unbraced letters: not sure)."""
        self.take("^")
        if self.is_op("{"):
            return self.braced()
        kind, t = self.peek()
        if kind != "num":
            raise _Decline
        self.k += 1
        return _number(t)

    def braced(self) -> sympy.Basic:
        self.take("{")
        out = self.expr()
        self.take("}")
        return out

    def comp(self, func: bool) -> sympy.Basic:
        kind, t = self.peek()
        if kind == "op" and t in _OPEN:
            self.k += 1
            out = self.expr()
            self.take(_OPEN[t])
            return out
        if kind == "num":
            self.k += 1
            if self.is_op("_"):
                raise _Decline
            return _number(t)
        if kind == "name":
            self.name_not_called()
            self.k += 1
            if self.is_op("_"):
                raise _Decline
            return sympy.Symbol(t, real=None)
        if kind == "cmd" and t == "frac":
            self.k += 1
            top = self.braced()
            bot = self.braced()
            if top.is_Integer and bot.is_Integer:
                return sympy.Rational(top, bot)
            return sympy.Mul(top, sympy.Pow(bot, -1, evaluate=False), evaluate=False)
        if not func:
            raise _Decline
        if kind == "e":
            return self.exp_e()
        if kind == "cmd" and t == "sqrt":
            self.k += 1
            return sympy.Pow(self.braced(), sympy.S.Half, evaluate=False)
        if kind == "cmd" and t == "sum":
            return self.sum()
        if kind == "cmd" and t in _FUNCS:
            return self.function(t)
        raise _Decline

    def name_not_called(self) -> None:
        """A name before a bracket is a function call when the bracket holds one atom
        (`A (B)`, `A [B]`, `A {(B)}`): decline those; `A (1 - B)` is a product."""
        nxt = self.peek(1)
        if nxt == ("op", "^"):
            j = self.k + 2
            if self.peek(2) == ("op", "{"):
                j = _closing(self.toks, j)
                if j < 0:
                    raise _Decline
            after = self.toks[j + 1] if j + 1 < len(self.toks) else ("eof", "")
            if after[0] == "op" and after[1] in _OPEN:
                raise _Decline
            return
        if nxt == ("op", "{") and self.peek(2)[0] == "op" and self.peek(2)[1] in "([":
            raise _Decline
        if nxt not in (("op", "("), ("op", "[")):
            return
        start = self.k + 1
        close = _closing(self.toks, start)
        if close < 0:
            raise _Decline
        inner = self.toks[start + 1 : close]
        if not _surely_not_atom(inner):
            raise _Decline

    def exp_e(self) -> sympy.Basic:
        """`e^{x}`: the grammar's exponential function (bare `e`: declined)."""
        self.k += 1
        if not self.is_op("^"):
            raise _Decline
        arg = self.exponent()
        if self.is_op("^") or self.is_op("_"):
            raise _Decline
        return sympy.exp(arg)

    def sum(self) -> sympy.Basic:
        """`\\sum_{v = lo}^{hi} body`, the body one mp (greedy)."""
        self.k += 1
        self.take("_")
        self.take("{")
        var = self.expr()
        self.take("=")
        lo = self.expr()
        self.take("}")
        hi = self.exponent()
        if self.is_op("_") or self.is_op("^"):
            raise _Decline
        body = self.mp(nofunc=False)
        return sympy.Sum(body, (var, lo, hi))

    def function(self, name: str) -> sympy.Basic:
        self.k += 1
        base = None
        if self.is_op("_"):
            if name != "log":
                raise _Decline
            self.k += 1
            if self.is_op("{"):
                base = self.braced()
            else:
                kind, t = self.peek()
                if kind != "num":
                    raise _Decline
                self.k += 1
                base = _number(t)
        power = None
        if self.is_op("^"):
            power = self.exponent()
        if self.is_op("_") or self.is_op("^"):
            raise _Decline
        if self.is_op("("):
            self.k += 1
            arg = self.expr()
            self.take(")")
        else:
            arg = self.mp(nofunc=True)
        if name in ("log", "ln"):
            if base is None:
                base = 10 if name == "log" else sympy.E
            out = sympy.log(arg, base, evaluate=False)
        elif name == "exp":
            out = sympy.exp(arg, evaluate=False)
        elif name == "arctan":
            out = _trig.atan(arg, evaluate=False)
        else:
            module = _trig if name in ("sin", "cos", "tan") else _hyperbolic
            if power == -1:
                name = "a" + name
                power = None
            out = getattr(module, name)(arg, evaluate=False)
        if power:
            out = sympy.Pow(out, power, evaluate=False)
        return out
