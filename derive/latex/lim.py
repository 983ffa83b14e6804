"""A limit `\\lim_{h \\to 0} ...` as a value: its variable bound to the limit (a scalar of its
own, never an index of the notation), the term after it as what the limit is taken of."""

from __future__ import annotations

import dataclasses

import sympy

from derive.latex.arithmetic import _Skeleton, parse_with
from derive.latex.calculus import _term_end
from derive.latex.groups import _group, _strip_group
from derive.latex.scope import Scalar, _err
from derive.latex.tokens import Tok

_ARROWS = ("\\to", "\\rightarrow")
_SIDES = {"+": "+", "-": "-"}


def _target(toks: list[Tok], sk: _Skeleton) -> tuple[sympy.Expr, str]:
    """Where the variable goes: a number, `0^+` / `0^-` from one side (else from both)."""
    direction = "+-"
    if len(toks) >= 3 and toks[-2].text == "^" and toks[-1].text in _SIDES:
        direction, toks = _SIDES[toks[-1].text], toks[:-2]
    elif (len(toks) >= 5 and toks[-4].text == "^" and toks[-3].text == "{"
          and toks[-2].text in _SIDES and toks[-1].text == "}"):
        direction, toks = _SIDES[toks[-2].text], toks[:-4]
    sign = 1
    if len(toks) == 2 and toks[0].text == "-":
        sign, toks = -1, toks[1:]
    if len(toks) != 1 or toks[0].kind != "num":
        raise _err("a limit is read only as its variable goes to a number: "
                   "\\lim_{h \\to 0}", sk.scope, toks[0] if toks else 0)
    return sign * sympy.Rational(toks[0].text), direction


def _emit_limit(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    """`\\lim_{h \\to 0} \\frac{f(x + h) - f(x)}{h}`: a `sympy.Limit` of the term that follows
    (to the next `+` or `-` outside brackets), its variable `h` a scalar bound by the limit."""
    scope = sk.scope
    if i + 1 >= len(toks) or toks[i + 1].text != "_":
        raise _err("a limit needs its variable: \\lim_{h \\to 0}", scope, toks[i])
    sub, k = _group(toks, i + 2, scope)
    sub = _strip_group(sub)
    if len(sub) < 3 or sub[0].kind != "letter" or sub[1].text not in _ARROWS:
        raise _err("a limit's variable is written \\lim_{h \\to 0}", scope, toks[i],
                   sub[-1].end if sub else None)
    target, direction = _target(sub[2:], sk)
    end = _term_end(toks, k)
    body = toks[k:end]
    if not body:
        raise _err("a limit needs something to take the limit of", scope, toks[i])
    name = sub[0].text
    inner = dataclasses.replace(scope, scalars=scope.scalars | {name})
    value = parse_with(sk.read, body, inner)
    sk.placeholder(sympy.Limit(value, Scalar(name), target, direction),
                   (toks[i].start, toks[end - 1].end))
    return end


# a side in vector form is lowered entry by entry; a limit there is not (said, never guessed)
LIMIT_NOT_READ = ("a limit (`\\lim`) in vector form is not read: the tool reads a limit of "
                  "scalars, entry by entry (\\lim_{h \\to 0} \\frac{f(x_i + h) - f(x_i)}{h})")
