"""The notation pass: one side of an equation to SymPy, each construct of the notation read by
the recogniser the table names for the token that starts it."""

from __future__ import annotations

import sympy

from derive.latex.arithmetic import _Skeleton, parse_with
from derive.latex.calculus import _emit_frac, _emit_sum
from derive.latex.conditions import _emit_cases
from derive.latex.function_notation import _emit_function_notation
from derive.latex.groups import _BRACKETS, _close_bracket, _group, _match, starts_name
from derive.latex.names import _emit_name
from derive.latex.scope import Scope, _err
from derive.latex.tokens import _DELIM_SIZES, _ELEMENTARY, Tok


def parse_expression(toks: list[Tok], scope: Scope) -> sympy.Basic:
    """One side of an equation (or a derivative's numerator) as a SymPy expression."""
    return parse_with(_emit_sequence, toks, scope)


# The arithmetic parser's time grows steeply with bracket nesting (measured: 4 s for 10 nested
# parentheses, 12 s for 20); a bracket group opened this deep is parsed on its own and stands in
# the skeleton as one placeholder, so no parse sees more than this many levels.
_HOIST_DEPTH = 3


def _hoisted(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """Parse the bracket group opening at toks[i] on its own if it is nested deep; the index
    after it, or None to emit it in place."""
    if sk.depth < _HOIST_DEPTH:
        return None
    j = _close_bracket(toks, i)
    if j is None or j == i + 1 or (toks[j - 1].text == "\\right" and j - 1 == i + 1):
        return None
    inner = toks[i + 1 : j]
    if inner and inner[-1].text in _DELIM_SIZES:  # \right) closes it
        inner = inner[:-1]
    if not inner:
        return None
    start = toks[i - 1].start if i > 0 and toks[i - 1].text in _DELIM_SIZES else toks[i].start
    sk.placeholder(parse_expression(inner, sk.scope), (start, toks[j].end))
    return j + 1


def _emit_sequence(toks: list[Tok], sk: _Skeleton) -> None:
    scope = sk.scope
    i = 0
    while i < len(toks):
        t = toks[i]
        x = t.text
        nxt = _emit_function_notation(toks, i, sk)
        if nxt is not None:
            i = nxt
            continue
        if x in _DELIM_SIZES:
            # \left( \right) \bigg [ : sizing only; the bracket that follows is what counts
            if i + 1 < len(toks) and toks[i + 1].text in ("(", ")", "[", "]", ".", "|"):
                br = toks[i + 1].text
                if br in _BRACKETS:
                    nxt = _hoisted(toks, i + 1, sk)
                    if nxt is not None:
                        i = nxt
                        continue
                    sk.depth += 1
                elif br in (")", "]"):
                    sk.depth -= 1
                if br != ".":
                    sk.emit({"[": "(", "]": ")"}.get(br, br), toks[i + 1])
                i += 2
                continue
            raise _err(f"`{x}` must be followed by a bracket", scope, t)
        if x in _BRACKETS:
            nxt = _hoisted(toks, i, sk)
            if nxt is not None:
                i = nxt
                continue
            sk.depth += 1
            sk.emit("(", t)
            i += 1
            continue
        if x in (")", "]"):
            sk.depth -= 1
            sk.emit(")", t)
            i += 1
            continue
        if x in ("+", "-", "^", "/"):
            if x == "^":
                grp, nxt = _group(toks, i + 1, scope)
                sk.emit("^{", t)
                _emit_sequence(grp, sk)
                sk.emit("}", toks[nxt - 1])
                i = nxt
                continue
            sk.emit(x, t)
            i += 1
            continue
        if x == "{":  # a group: brackets to the arithmetic parser (`{{a}}` is not a set)
            j = _match(toks, i, scope)
            if i > 0 and toks[i - 1].text in _ELEMENTARY:  # \sqrt{x}: the command's argument
                sk.emit("{", t)
                sk.depth += 1
                _emit_sequence(toks[i + 1 : j], sk)
                sk.depth -= 1
                sk.emit("}", toks[j])
                i = j + 1
                continue
            if sk.depth >= _HOIST_DEPTH and j > i + 1:
                sk.placeholder(parse_expression(toks[i + 1 : j], scope), (t.start, toks[j].end))
                i = j + 1
                continue
            sk.depth += 1
            sk.emit("(", t)
            _emit_sequence(toks[i + 1 : j], sk)
            sk.emit(")", toks[j])
            sk.depth -= 1
            i = j + 1
            continue
        if t.kind == "num":
            if i + 1 < len(toks) and toks[i + 1].kind == "num":
                raise _err("two numbers side by side", scope, toks[i + 1])
            if "." in x:  # a decimal is exact (0.01 is 1/100), not a binary float
                sk.placeholder(sympy.Rational(x), (t.start, t.end))
                i += 1
                continue
            sk.emit(" " + x + " ", t)
            i += 1
            continue
        if x in ("\\times", "\\cdot", "*"):  # `a * b`, as plain-text notes write it
            sk.emit(" \\times ", t)
            i += 1
            continue
        if x in _ELEMENTARY:
            # `\log` without a base is the natural logarithm, as every text on this subject
            # means it; `\log_2` keeps its base
            natural = x == "\\log" and not (i + 1 < len(toks) and toks[i + 1].text == "_")
            sk.emit(" " + ("\\ln" if natural else x) + " ", t)
            i += 1
            continue
        if x in ("\\frac", "\\dfrac", "\\tfrac"):
            i = _emit_frac(toks, i, sk)
            continue
        if x == "\\sum":
            i = _emit_sum(toks, i, sk)
            continue
        if x == "\\begin":
            i = _emit_cases(toks, i, sk)
            continue
        if x in ("}", ")"):
            raise _err(f"unbalanced `{x}`: nothing opened it", scope, t)
        if x in ("=", "\\leftarrow", "\\in", "&", "\\\\"):
            raise _err(f"unexpected `{x}` inside an expression", scope, t)
        if x in (",", ".", "'", "|", "<", ">", "!", ":", ";"):
            raise _err(f"unexpected `{x}`", scope, t)
        if x == "\\pi" and scope.lookup("\\pi") is None:  # the number, unless declared
            sk.placeholder(sympy.pi, (t.start, t.end))
            i += 1
            continue
        if x == "e" and scope.lookup("e") is None:
            sk.emit(" e", t)
            i += 1
            continue
        if starts_name(t):
            i = _emit_name(toks, i, sk)
            continue
        if x == "\\partial":
            raise _err("`\\partial` outside a derivative fraction", scope, t,
                       hint="write derivatives as \\frac{\\partial X}{\\partial Y}")
        if x in ("\\prime",):
            raise _err("`\\prime` must follow a function name, as in g^{\\prime}(t)", scope, t)
        raise _err(f"unsupported LaTeX command `{x}`", scope, t)
