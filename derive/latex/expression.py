"""The notation pass: one side of an equation to SymPy, each construct of the notation read by
the recogniser the table names for the token that starts it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sympy

from derive.latex.argmax import emit_argmax
from derive.latex.arithmetic import _Skeleton, parse_with
from derive.latex.calculus import _emit_frac, _emit_sum
from derive.latex.changes import emit_change
from derive.latex.conditions import _emit_cases
from derive.latex.function_notation import _emit_function_notation
from derive.latex.groups import _BRACKETS, _close_bracket, _group, _match, starts_name
from derive.latex.lim import _emit_limit
from derive.latex.names import _emit_name
from derive.latex.paths import emit_path
from derive.latex.scope import ELLIPSES, ELLIPSIS_NOT_READ, Scope, _err
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


_PATH_STARTS = ("\\sum", "\\frac", "\\dfrac", "\\tfrac")  # a path product (derive.latex.paths)

# a rule: emits the construct that starts at toks[i] into the skeleton, returns the index after it
Recogniser = Callable[[list[Tok], int, _Skeleton], int]


def _emit_sequence(toks: list[Tok], sk: _Skeleton) -> None:
    """Emit a token list into the skeleton: at each token, the function notation that may start
    there (`|x|`, `(x)_+`, `\\max(0, x)`), else the construct the table's rule for it reads."""
    i = 0
    while i < len(toks):
        nxt = emit_argmax(toks, i, sk)
        if nxt is None and toks[i].text in _PATH_STARTS:
            nxt = emit_path(toks, i, sk)
        if nxt is None:
            nxt = emit_change(toks, i, sk)
        if nxt is None:
            nxt = _emit_function_notation(toks, i, sk)
        i = nxt if nxt is not None else _rule_for(toks[i], sk.scope)(toks, i, sk)


def _rule_for(t: Tok, scope: Scope) -> Recogniser:
    """The rule for a token: by its text, else a number, a constant the document leaves
    undeclared, a name, or an error at it."""
    rule = _BY_TEXT.get(t.text)
    if rule is not None:
        return rule
    if t.kind == "num":
        return _number
    if t.text in _CONSTANTS and scope.lookup(t.text) is None:  # the number, unless declared
        return _CONSTANTS[t.text]
    if starts_name(t):
        return _emit_name
    return _UNSUPPORTED


def _sizing(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    """`\\left( \\right) \\bigg [`: sizing only; the bracket that follows is what counts."""
    if not (i + 1 < len(toks) and toks[i + 1].text in ("(", ")", "[", "]", ".", "|")):
        raise _err(f"`{toks[i].text}` must be followed by a bracket", sk.scope, toks[i])
    br = toks[i + 1].text
    if br in _BRACKETS:
        nxt = _hoisted(toks, i + 1, sk)
        if nxt is not None:
            return nxt
        sk.depth += 1
    elif br in (")", "]"):
        sk.depth -= 1
    if br != ".":
        sk.emit({"[": "(", "]": ")"}.get(br, br), toks[i + 1])
    return i + 2


def _open(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    nxt = _hoisted(toks, i, sk)
    if nxt is not None:
        return nxt
    sk.depth += 1
    sk.emit("(", toks[i])
    return i + 1


def _close(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    sk.depth -= 1
    sk.emit(")", toks[i])
    return i + 1


def _operator(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    sk.emit(toks[i].text, toks[i])
    return i + 1


def _power(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    grp, nxt = _group(toks, i + 1, sk.scope)
    sk.emit("^{", toks[i])
    _emit_sequence(grp, sk)
    sk.emit("}", toks[nxt - 1])
    return nxt


def _brace_group(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    """A group: brackets to the arithmetic parser (`{{a}}` is not a set)."""
    scope = sk.scope
    t = toks[i]
    j = _match(toks, i, scope)
    if i > 0 and toks[i - 1].text in _ELEMENTARY:  # \sqrt{x}: the command's argument
        sk.emit("{", t)
        sk.depth += 1
        _emit_sequence(toks[i + 1 : j], sk)
        sk.depth -= 1
        sk.emit("}", toks[j])
        return j + 1
    if sk.depth >= _HOIST_DEPTH and j > i + 1:
        sk.placeholder(parse_expression(toks[i + 1 : j], scope), (t.start, toks[j].end))
        return j + 1
    sk.depth += 1
    if _after_operand(sk):  # g'(z) {X}: a product, not g'(z) applied to X
        sk.emit(" \\times ", t)
    sk.emit("(", t)
    _emit_sequence(toks[i + 1 : j], sk)
    sk.emit(")", toks[j])
    sk.depth -= 1
    return j + 1


def _after_operand(sk: _Skeleton) -> bool:
    """Whether the skeleton so far ends with an operand (a placeholder or a closing bracket):
    a bracket after it would read as an application."""
    text = "".join(sk.parts).rstrip()
    return bool(text) and (text.endswith(")") or text.split()[-1] in sk.values)


def _number(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    t = toks[i]
    if i + 1 < len(toks) and toks[i + 1].kind == "num":
        raise _err("two numbers side by side", sk.scope, toks[i + 1])
    if "." in t.text:  # a decimal is exact (0.01 is 1/100), not a binary float
        sk.placeholder(sympy.Rational(t.text), (t.start, t.end))
    else:
        sk.emit(" " + t.text + " ", t)
    return i + 1


def _times(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    sk.emit(" \\times ", toks[i])
    return i + 1


def _elementary(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    """An elementary function the arithmetic parser knows. `\\log` without a base is the natural
    logarithm, as every text on this subject means it; `\\log_2` keeps its base."""
    x = toks[i].text
    if x == "\\log" and i + 1 < len(toks) and toks[i + 1].text == "_":
        base, after = _group(toks, i + 2, sk.scope)
        if len(base) != 1 or base[0].kind != "num" or sympy.Rational(base[0].text) <= 1:
            raise _err("a logarithm's base must be a number above 1 (`\\log_2`, `\\log_{10}`)",
                       sk.scope, toks[i + 1])
        sk.emit(" \\log_{" + base[0].text + "} ", toks[i])
        return after
    sk.emit(" " + ("\\ln" if x == "\\log" else x) + " ", toks[i])
    return i + 1


def _pi(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    sk.placeholder(sympy.pi, (toks[i].start, toks[i].end))
    return i + 1


def _euler(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    sk.emit(" e", toks[i])
    return i + 1


def _refuse(message: Callable[[str], str], hint: str | None = None) -> Recogniser:
    """A rule for a token that starts nothing where it stands: an error at it."""

    def rule(toks: list[Tok], i: int, sk: _Skeleton) -> int:
        raise _err(message(toks[i].text), sk.scope, toks[i], hint=hint)

    return rule


# The notation's constructs by the token that starts them. A new construct is one rule here (a
# function of the tokens, the position and the skeleton that emits it and returns the index
# after it); where two rules name a token, the first wins.
_RULES: tuple[tuple[Iterable[str], Recogniser], ...] = (
    (_DELIM_SIZES, _sizing),
    (_BRACKETS, _open),
    ((")", "]"), _close),
    (("+", "-", "/"), _operator),
    (("^",), _power),
    (("{",), _brace_group),
    (("\\times", "\\cdot", "*"), _times),  # `a * b`, as plain-text notes write it
    (_ELEMENTARY, _elementary),
    (("\\frac", "\\dfrac", "\\tfrac"), _emit_frac),
    (("\\sum", "\\prod"), _emit_sum),  # a product's index and bounds are a sum's
    (("\\begin",), _emit_cases),
    (("}", ")"), _refuse(lambda x: f"unbalanced `{x}`: nothing opened it")),
    (("=", "\\leftarrow", "\\in", "&", "\\\\"),
     _refuse(lambda x: f"unexpected `{x}` inside an expression")),
    ((",", ".", "'", "|", "<", ">", "!", ":", ";"), _refuse(lambda x: f"unexpected `{x}`")),
    (("\\partial",), _refuse(lambda x: "`\\partial` outside a derivative fraction",
                             hint="write derivatives as \\frac{\\partial X}{\\partial Y}")),
    (("\\prime",),
     _refuse(lambda x: "`\\prime` must follow a function name, as in g^{\\prime}(t)")),
    (("\\lim",), _emit_limit),
    (ELLIPSES, _refuse(ELLIPSIS_NOT_READ.format)),
)
_BY_TEXT: dict[str, Recogniser] = {}
for _texts, _rule in _RULES:
    for _x in _texts:
        _BY_TEXT.setdefault(_x, _rule)
_UNSUPPORTED = _refuse(lambda x: f"unsupported LaTeX command `{x}`")
# constants, read as numbers unless the document declares the name
_CONSTANTS: dict[str, Recogniser] = {"\\pi": _pi, "e": _euler}
