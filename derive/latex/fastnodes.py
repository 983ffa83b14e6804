"""The tokens of an arithmetic skeleton, and the SymPy nodes latex2sympy2_extended's visitor
builds from them, built as it builds them (for `fastarith`, which must give the same tree)."""

from __future__ import annotations

import re

import sympy

# Greek letters read as plain symbols of their own name (not gamma, pi, epsilon, delta...)
_GREEK = frozenset({"alpha", "beta", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
                    "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"})
_FUNCS = frozenset({"ln", "log", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arctan"})
_MUL_OPS = frozenset({"*", "\\times", "\\cdot"})
_DIV_OPS = frozenset({"/", "\\div"})
_COMMANDS = frozenset({"frac", "sqrt", "sum", "times", "cdot", "div"}) | _FUNCS | _GREEK
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z])|\\([A-Za-z]+)|([-+*/^_=(){}\[\]]))")
_LETTERS_NOT_PLAIN = frozenset("dEI")  # differentials, e-notation, the imaginary unit


class _Decline(Exception):
    """Outside the subset: let latex2sympy2 read it."""


def _lex(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens: num, name, cmd, op; _Decline on anything else."""
    toks: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos == end:
            return toks
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _Decline
        num, letter, cmd, op = m.groups()
        pos = m.end()
        nxt = text[pos] if pos < end else ""
        if num is not None:
            if nxt == ".":
                raise _Decline
            toks.append(("num", num))
        elif letter is not None:
            if letter in _LETTERS_NOT_PLAIN or nxt.isascii() and nxt.isalpha():
                raise _Decline
            toks.append(("e", "e") if letter == "e" else ("name", letter))
        elif cmd is not None:
            if cmd not in _COMMANDS:
                raise _Decline
            toks.append(("name", cmd) if cmd in _GREEK else ("cmd", cmd))
        else:
            if op == "^" and (text.startswith("T", pos) or text.startswith("{T}", pos)):
                raise _Decline  # the transpose tokens `^T`, `^{T}`
            toks.append(("op", op))


_OPEN = {"(": ")", "[": "]", "{": "}"}


def _one_bracket(toks: list[tuple[str, str]]) -> bool:
    """Whether the whole input is one bracket: at the top level that is a set or a tuple."""
    first = toks[0]
    if first[0] != "op" or first[1] not in _OPEN:
        return False
    return _closing(toks, 0) == len(toks) - 1


def _closing(toks: list[tuple[str, str]], k: int) -> int:
    """The index of the bracket closing the one opened at `k` (any kind), or -1."""
    depth = 0
    for j in range(k, len(toks)):
        kind, t = toks[j]
        if kind == "op" and t in _OPEN:
            depth += 1
        elif kind == "op" and t in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return -1


# The visitor's constructors (latex2sympy2_extended.latex2sympy2._Latex2Sympy), as it calls them


def _add_flat(lh: sympy.Basic, rh: sympy.Basic) -> sympy.Basic:
    if lh.is_Add or rh.is_Add:
        args = [*(lh.args if lh.is_Add else [lh]), *(rh.args if rh.is_Add else [rh])]
        return sympy.Add(*args, evaluate=False)
    return sympy.Add(lh, rh, evaluate=False)


def _mul_flat(lh: sympy.Basic | int, rh: sympy.Basic) -> sympy.Basic:
    lmul = isinstance(lh, sympy.Basic) and lh.is_Mul
    if lmul or rh.is_Mul:
        args = [*(lh.args if lmul else [lh]), *(rh.args if rh.is_Mul else [rh])]
        return sympy.Mul(*args, evaluate=False)
    return sympy.Mul(lh, rh, evaluate=False)


def _negate(e: sympy.Basic) -> sympy.Basic:
    """`- e` as a unary minus: numbers negated, anything else -1 times it."""
    if e.func.is_Number or e.is_Number:
        return -e
    return _mul_flat(-1, e)


def _number(text: str) -> sympy.Basic:
    """A NUMBER token (digits, or digits with one point) as latex2sympy2's `sympy.Number(text)`
    makes it (an Integer, or a Float of the literal's precision), without that call's
    `sympify` of the text."""
    if text.isdigit():
        return sympy.Integer(int(text))
    return sympy.Float(text)


def _product(items: list[sympy.Basic]) -> sympy.Basic:
    """Implicit multiplication of a postfix list: a right fold, with the visitor's mixed
    numbers (`2 \\frac{1}{2}` is 5/2, `2 3` is 5)."""
    out = items[-1]
    for res in reversed(items[:-1]):
        if not isinstance(res, sympy.Expr):
            raise _Decline
        rh = out
        if res.is_Integer and rh.is_Rational and rh.p > 0 and rh.q > 0:
            out = sympy.Rational(res * rh.q - rh.p if res < 0 else res * rh.q + rh.p, rh.q)
        else:
            out = _mul_flat(res, rh)
    if not isinstance(out, sympy.Expr):
        raise _Decline
    return out


def _surely_not_atom(inner: list[tuple[str, str]]) -> bool:
    """Whether tokens between brackets are surely more than one atom (so the brackets are a
    group, not a call's arguments): an operator or a second operand at their top level, a
    script's own argument (`B^{2}`, `B_1`) not counted as an operand."""
    operands = 0
    j = 0
    while j < len(inner):
        kind, t = inner[j]
        script = kind == "op" and t in "^_"
        if script:
            j += 1  # the script's argument: one token or one bracket
            if j >= len(inner):
                return False
            kind, t = inner[j]
        if kind == "op" and t in _OPEN:
            close = _closing(inner, j)
            if close < 0:
                return False
            j = close
        elif kind == "op" and t in "+-*/=" or kind == "cmd" and t in ("times", "cdot", "div"):
            return not script
        if not script:
            operands += 1
        j += 1
    return operands > 1
