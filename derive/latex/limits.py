"""The size bounds of a formula, checked before any work on it starts and while it is read.

What lies beyond them is not a formula of a text on backpropagation, and would cost minutes or
gigabytes to evaluate.
"""

from __future__ import annotations

import sympy

from derive.document import Formula
from derive.errors import InputError
from derive.latex.scope import Scope, _err
from derive.latex.tokens import Tok

MAX_FORMULA_CHARS = 20_000  # the chapter's longest formula has 898
MAX_NESTING = 50  # brackets, braces and environments inside each other (the chapter: 8)
MAX_DIGITS = 1000  # digits of any number, written or computed from written numbers
MAX_EXPONENT = 1000  # a numeric exponent
MAX_INDEX = 1000  # a number written as an index, a layer or a sum bound
MAX_TOWER = 3  # exponents inside exponents (e^{e^{e^{x}}}: 3); past it the values leave any float


_OPENERS = {"{", "(", "[", "\\{", "\\begin"}
_CLOSERS = {"}", ")", "]", "\\}", "\\end"}


def _check_sizes(formula: Formula, toks: list[Tok] | None = None) -> None:
    if toks is None:
        if len(formula.text) > MAX_FORMULA_CHARS:
            raise InputError(f"formula too long: {len(formula.text)} characters (the limit is "
                             f"{MAX_FORMULA_CHARS})", formula.span(0),
                             hint="split it into several display formulas")
        return
    depth = 0
    towers: list[int] = []  # the brace depth at which each open exponent's group began
    for k, t in enumerate(toks):
        if t.text == "^" and k + 1 < len(toks) and toks[k + 1].text == "{":
            towers.append(depth + 1)
            if len(towers) > MAX_TOWER:
                raise InputError(f"exponents nested too deeply: more than {MAX_TOWER} inside "
                                 "each other", formula.span(t.start),
                                 hint="a tower of exponents has no value a check could use")
        elif t.text in _CLOSERS and towers and towers[-1] == depth:
            towers.pop()
        if t.text in _OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(f"nested too deeply: more than {MAX_NESTING} brackets, braces "
                                 "or environments inside each other", formula.span(t.start))
        elif t.text in _CLOSERS:
            depth = max(depth - 1, 0)
        elif t.kind == "num" and len(t.text.replace(".", "")) > MAX_DIGITS:
            raise InputError(f"number too long: {len(t.text)} digits (the limit is {MAX_DIGITS})",
                             formula.span(t.start, t.end - t.start))


def _check_number(e: sympy.Basic, scope: Scope, toks: list[Tok]) -> None:
    """A number built from written numbers (10^{1000}, or 2^{10^9} before it is built)."""
    if e.is_Rational and max(abs(int(e.p)), int(e.q)).bit_length() > MAX_DIGITS * 3.33:
        raise _err(f"a number here has more than {MAX_DIGITS} digits", scope, toks[0],
                   toks[-1].end)


def _check_power(base: sympy.Basic, exp: sympy.Basic, scope: Scope, toks: list[Tok]) -> None:
    import math

    if not exp.is_Number:
        return
    if abs(exp) > MAX_EXPONENT:
        raise _err(f"exponent too large: {_short_number(exp)} (the limit is {MAX_EXPONENT})",
                   scope, toks[0], toks[-1].end)
    if base.is_Rational and base != 0:
        size = max(abs(int(base.p)), int(base.q))
        if size > 1 and float(abs(exp)) * math.log10(size) > MAX_DIGITS:
            raise _err(f"this power has more than {MAX_DIGITS} digits", scope, toks[0],
                       toks[-1].end)


def _short_number(x: sympy.Basic) -> str:
    if x.is_Integer and abs(int(x)).bit_length() > 200:
        return f"a number of about {int(abs(int(x)).bit_length() * 0.30103)} digits"
    return str(x)


def _check_index(t: Tok, scope: Scope) -> None:
    if "." not in t.text and int(t.text) > MAX_INDEX:
        raise _err(f"{t.text} is too large for an index, a layer or a sum bound (the limit is "
                   f"{MAX_INDEX})", scope, t)
