"""LaTeX to SymPy, through the document's notation.

Two passes, so that no whole line and no `=` ever reaches the arithmetic parser:

1. *Structure*: a formula is tokenised, unwrapped from `split`, cut into rows at `\\\\`, and each
   row into sides at `=`, `\\leftarrow` and `\\in` (with `&` alignment marks dropped).
2. *Notation*: in each side, every construct of the notation (layer-tagged indexed quantities,
   `g(...)`, `g^{\\prime}(...)`, derivative fractions, sums and their bounds, `\\sum_x`,
   `\\sum_{j \\ne i}`, `cases`, `\\mathrm{softmax}(\\mathbf{a}, j)`) is replaced by a placeholder whose
   SymPy value is built here. What remains is plain arithmetic (`+ - \\times \\frac ( ) ^ e \\ln`,
   numbers, placeholders) and goes to `latex2sympy2_extended`, which must consume all of it.

This is the only module that imports `latex2sympy2_extended`. Formula text is never evaluated:
names become SymPy objects only after they were found in the notation table.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy

from derive.arithcache import Cache
from derive.document import Formula
from derive.errors import InputError
from derive.expr import BatchSum, Call, FuncRef, Partial, Prime, Quantity, Vec, Width
from derive.functions import BY_SPELLING, INDICATORS, KRONECKER, PASSTHROUGH, indicator, kronecker
from derive.notation import Notation, QuantitySpec, lin_value


class Index(sympy.Symbol):
    """A neuron or layer index (integer), e.g. i, j, k, l."""

    def __new__(cls, name: str) -> Index:
        return super().__new__(cls, name, integer=True)


class Size(sympy.Symbol):
    """A size of the network: the number of layers n or the batch size m."""

    def __new__(cls, name: str) -> Size:
        return super().__new__(cls, name, integer=True, positive=True)


class Scalar(sympy.Symbol):
    """A real scalar: a learning rate, a formal parameter `t`, a chain-rule variable `x_1`."""

    def __new__(cls, name: str) -> Scalar:
        return super().__new__(cls, name, real=True)


# --------------------------------------------------------------------------------------------
# Size bounds, checked before any work on a formula starts: what lies beyond them is not a
# formula of a text on backpropagation, and would cost minutes or gigabytes to evaluate.

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


# --------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class Tok:
    kind: str  # "cmd", "sym", "num", "letter"
    text: str
    start: int
    end: int


_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<cmd>\\(?:[A-Za-z]+|.))|(?P<num>\d+(?:\.\d+)?)|(?P<letter>[A-Za-z])"
    r"|(?P<sym>[{}()\[\]^_&=+\-,.'|/*<>!:;])"
)
_SPACING = {"\\ ", "\\,", "\\;", "\\!", "\\:", "\\quad", "\\qquad", "\\displaystyle"}
_DELIM_SIZES = {"\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\biggl", "\\biggr",
                "\\Bigl", "\\Bigr", "\\left", "\\right"}
_OPEN = {"(": ")", "[": "]", "\\{": "\\}"}
_GREEK = {
    "\\alpha", "\\beta", "\\gamma", "\\delta", "\\epsilon", "\\varepsilon", "\\zeta", "\\eta",
    "\\theta", "\\iota", "\\kappa", "\\lambda", "\\mu", "\\nu", "\\xi", "\\pi", "\\rho", "\\sigma",
    "\\tau", "\\phi", "\\varphi", "\\chi", "\\psi", "\\omega", "\\Delta", "\\Phi", "\\Sigma",
    "\\Theta", "\\Lambda", "\\Omega", "\\Gamma", "\\Psi", "\\ell",
}
_FONTS = {"\\hat", "\\mathcal", "\\mathrm", "\\mathbf", "\\tilde", "\\bar", "\\vec", "\\boldsymbol",
          "\\operatorname", "\\mathit", "\\widehat", "\\mathbb"}
_VECTOR_FONTS = {"\\mathbf", "\\mathbb", "\\boldsymbol", "\\vec"}  # a whole vector argument
_RELATIONS = {"=", "\\leftarrow", "\\in", "\\gets", "\\rightarrow", "\\to", "\\equiv",
              "\\triangleq", "\\coloneqq", "\\doteq", ":=", "\\approx"}
# elementary functions the arithmetic parser knows; they pass through to it unchanged
_ELEMENTARY = PASSTHROUGH


def tokenize(text: str, formula: Formula, base: int = 0) -> list[Tok]:
    toks: list[Tok] = []
    pos = 0
    while pos < len(text):
        if text.startswith("//", pos):  # `// a remark`: a note to the end of the line
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise InputError(
                f"unexpected character {text[pos]!r} in a formula", formula.span(base + pos)
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            tok = Tok(kind, m.group(), base + m.start(), base + m.end())
            if tok.text not in _SPACING:
                toks.append(tok)
        pos = m.end()
    return _equation_numbers(_operator_words(_colon_equals(_drop_hspace(toks))), text, base)


_GAP_BEFORE = re.compile(r"(\\[ ,;:!]|\\q?quad|~)\s*$")


def _equation_numbers(toks: list[Tok], text: str, base: int) -> list[Tok]:
    """`... \\ \\ (15)` at the end of a row: the equation's number written by hand after a
    gap, not a factor 15 (a number in brackets after explicit spacing, before `\\\\`, `&` or
    the end)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (t.text == "(" and k + 2 < len(toks) and toks[k + 1].kind == "num"
                and toks[k + 2].text == ")" and out
                and (k + 3 == len(toks) or toks[k + 3].text in ("\\\\", "&"))
                and _GAP_BEFORE.search(text[max(0, out[-1].end - base) : t.start - base])):
            k += 3
            continue
        out.append(t)
        k += 1
    return out


def _drop_hspace(toks: list[Tok]) -> list[Tok]:
    """`\\hspace{0.5in}`: spacing, with its argument."""
    out: list[Tok] = []
    skip = 0
    for k, t in enumerate(toks):
        if skip:
            skip -= 1
            if t.text == "}":
                skip = 0
            continue
        if t.text == "\\hspace" and k + 1 < len(toks) and toks[k + 1].text == "{":
            skip = 10**6  # up to the closing brace
            continue
        out.append(t)
    return out


def _colon_equals(toks: list[Tok]) -> list[Tok]:
    """`:=` is one relation (a definition), not a colon and an equals sign; so are
    `\\stackrel{def}{=}` and `\\overset{\\text{def}}{=}`."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (t.text in ("\\stackrel", "\\overset") and k + 1 < len(toks)
                and toks[k + 1].text == "{"):
            depth, j = 0, k + 1
            while j < len(toks):
                depth += (toks[j].text == "{") - (toks[j].text == "}")
                if depth == 0:
                    break
                j += 1
            rest = [x.text for x in toks[j + 1 : j + 4]]
            if rest == ["{", "=", "}"]:
                out.append(Tok("sym", ":=", t.start, toks[j + 3].end))
                k = j + 4
                continue
        out.append(t)
        k += 1
    toks, out = out, []
    for t in toks:
        if t.text == "=" and out and out[-1].text == ":" and out[-1].end == t.start:
            out[-1] = Tok("sym", ":=", out[-1].start, t.end)
        else:
            out.append(t)
    return out


# Function names notes often write in plain letters, `softmax(a, j)` for `\mathrm{softmax}(a, j)`.
# Read as the upright name (which the document must still define or declare), never as a product
# of single-letter symbols s·o·f·t·m·a·x.
_OPERATOR_WORDS = ("softmax", "sigmoid", "sigm", "relu", "ReLU", "softplus")


def _operator_words(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        for word in _OPERATOR_WORDS:
            run = toks[i : i + len(word)]
            if (len(run) == len(word) and all(t.kind == "letter" for t in run)
                    and "".join(t.text for t in run) == word
                    and all(a.end == b.start for a, b in zip(run, run[1:]))
                    and (i == 0 or toks[i - 1].kind != "letter" or toks[i - 1].end < run[0].start)
                    and i + len(word) < len(toks) and toks[i + len(word)].text == "("):
                start, end = run[0].start, run[-1].end
                out += [Tok("cmd", "\\mathrm", start, start), Tok("sym", "{", start, start),
                        *run, Tok("sym", "}", end, end)]
                i += len(word)
                break
        else:
            out.append(toks[i])
            i += 1
    return out


# --------------------------------------------------------------------------------------------
# Parsed structure


@dataclass(frozen=True)
class Side:
    expr: sympy.Basic
    start: int  # offsets into the formula text
    end: int
    latex: str
    tensor: Any = None  # the side as written in vector form (a derive.tensor.Tensor), if it is


@dataclass(frozen=True)
class Equation:
    kind: str  # "equation", "update" (with \leftarrow) or "assumption" (with \in)
    number: int  # 1-based, within its formula
    lhs: Side
    steps: tuple[Side, ...]  # the right-hand sides, in order: A = B = C has steps (B, C)
    step_lines: tuple[int, ...]  # file line of each step
    line: int
    col: int
    approx_from: int | None = None  # the first step written after `\\approx` (not checked)


@dataclass(frozen=True)
class RowError:
    number: int
    error: InputError
    line: int
    latex: str


@dataclass
class Scope:
    notation: Notation
    formula: Formula
    scalars: set[str] = field(default_factory=set)  # extra scalar names (local variables)
    functions: dict[str, int] = field(default_factory=dict)  # extra (local) functions
    local: bool = False  # a local model hides the notation's own quantities and functions

    def lookup(self, name: str) -> str | None:
        if name in self.scalars:
            return "scalar"
        if name in self.functions:
            return "function"
        if self.local:
            return None if name not in (self.notation.layers,) else "size"
        return self.notation.kind(name)

    def arity(self, name: str) -> int:
        return self.functions.get(name) or self.notation.functions.get(name, 1)

    def known(self) -> list[str]:
        names = set(self.scalars) | set(self.functions)
        if not self.local:
            names |= set(self.notation.names())
        return sorted(names)


def _err(msg: str, scope: Scope, tok: Tok | int, end: int | None = None, hint: str | None = None):
    start = tok.start if isinstance(tok, Tok) else tok
    stop = (tok.end if isinstance(tok, Tok) else start + 1) if end is None else end
    return InputError(msg, scope.formula.span(start, max(1, stop - start)), hint)


# --------------------------------------------------------------------------------------------
# Structure pass


def _match(toks: list[Tok], i: int, scope: Scope) -> int:
    """Index of the token closing the bracket opened at toks[i]."""
    opener = toks[i].text
    closer = {"{": "}", "(": ")", "[": "]"}[opener]
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t == opener:
            depth += 1
        elif t == closer:
            depth -= 1
            if depth == 0:
                return j
    raise _err(f"unbalanced `{opener}`: no matching `{closer}`", scope, toks[i])


def _env_end(toks: list[Tok], i: int, name: str, scope: Scope) -> int:
    """toks[i] is `\\begin`; return the index of the matching `\\end` command."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "\\begin":
            depth += 1
        elif toks[j].text == "\\end":
            depth -= 1
            if depth == 0:
                return j
    raise _err(f"`\\begin{{{name}}}` is never closed", scope, toks[i])


def _env_name(toks: list[Tok], i: int, scope: Scope) -> tuple[str, int]:
    if i + 1 >= len(toks) or toks[i + 1].text != "{":
        raise _err(f"`{toks[i].text}` needs an environment name in braces", scope, toks[i])
    j = _match(toks, i + 1, scope)
    return "".join(t.text for t in toks[i + 2 : j]), j + 1


def _env_close(toks: list[Tok], end: int, name: str, scope: Scope) -> int:
    """toks[end] is the `\\end` matching `\\begin{name}`: it must close the same environment."""
    closed, after = _env_name(toks, end, scope)
    if closed != name:
        raise _err(f"`\\begin{{{name}}}` is closed by `\\end{{{closed}}}`", scope, toks[end],
                   toks[after - 1].end)
    return after


def _depth_split(toks: list[Tok], seps: set[str]) -> list[tuple[list[Tok], Tok | None]]:
    """Split at separators at bracket depth 0 and outside environments."""
    out: list[tuple[list[Tok], Tok | None]] = []
    cur: list[Tok] = []
    depth = 0
    env = 0
    for t in toks:
        if t.text in ("{", "(", "[", "\\{"):
            depth += 1
        elif t.text in ("}", ")", "]", "\\}"):
            depth -= 1
        elif t.text == "\\begin":
            env += 1
        elif t.text == "\\end":
            env -= 1
        if t.text in seps and depth == 0 and env == 0:
            out.append((cur, t))
            cur = []
        else:
            cur.append(t)
    out.append((cur, None))
    return out


_PUNCT = {",", "."}


def parse_formula(formula: Formula, scope: Scope) -> list[Equation | RowError]:
    """All equations of a display formula, each row parsed on its own."""
    _check_sizes(formula)
    toks = tokenize(formula.text, formula)
    _check_sizes(formula, toks)
    # unwrap \begin{split} ... \end{split} (or aligned), keeping what is inside
    env = None
    if toks and toks[0].text == "\\begin":
        name, body = _env_name(toks, 0, scope)
        if name in ("split", "aligned", "align", "align*", "gathered", "eqnarray"):
            end = _env_end(toks, 0, name, scope)
            after = _env_close(toks, end, name, scope)
            rest = [t for t in toks[after:] if t.text not in _PUNCT]
            if rest:
                raise _err("text after `\\end{" + name + "}`", scope, rest[0])
            toks = toks[body:end]
            env = name
    rows = [part for r, _ in _depth_split(toks, {"\\\\"})
            for part in split_at_gaps(r, formula.text)]
    out: list[Equation | RowError] = []
    for row in rows:
        row = strip_qualifiers(_drop_tags(row, scope))
        if not row:
            continue
        last = out[-1] if out and isinstance(out[-1], Equation) else None
        failed = out[-1] if out and isinstance(out[-1], RowError) else None
        if failed is not None and _continues(row):
            # `&= ...` after a row that could not be read: part of that equation, not a new one
            span = formula.span(row[0].start, row[-1].end - row[0].start)
            out.append(RowError(len(out) + 1, InputError(
                f"not checked: this step continues the equation at line {failed.line}, which "
                "could not be read", span), span.line, formula.text[row[0].start : row[-1].end]))
            continue
        try:
            _check_row(row, scope, env)
            eq = _parse_row(row, scope, formula, last, len(out) + 1)
        except InputError as exc:
            span = formula.span(row[0].start)
            exc.at(formula.span(row[0].start, row[-1].end - row[0].start))  # never without a place
            out.append(RowError(len(out) + 1, exc, span.line,
                                formula.text[row[0].start : row[-1].end]))
            continue
        if last is not None and eq.number == last.number:
            out[-1] = eq  # a `&=` row continued the previous equation
        else:
            out.append(eq)
    return out


_GAP = re.compile(r"\\(?:quad|qquad|hspace\*?\s*\{[^{}]*\})")
_ARROWS = {"\\rightarrow", "\\Rightarrow", "\\implies", "\\to", "\\longrightarrow"}


def split_at_gaps(row: list[Tok], text: str) -> list[list[Tok]]:
    """`A = B \\quad C = D`: two equations side by side, not the chain A = B C = D. A row is
    cut where a `\\quad`, `\\qquad` or `\\hspace` stands between two parts that each hold a
    relation; an arrow standing alone between them (`\\hspace{1in} \\rightarrow
    \\hspace{1in}`) only says one follows from the other."""
    cuts = [k for k in range(1, len(row)) if _GAP.search(text[row[k - 1].end : row[k].start])]
    if not cuts:
        return [row]
    parts, last = [], 0
    for k in cuts + [len(row)]:
        parts.append(row[last:k])
        last = k
    out: list[list[Tok]] = []
    for part in parts:
        if len(part) == 1 and part[0].text in _ARROWS:
            continue
        if out and not (_has_relation(part) and _has_relation(out[-1])):
            out[-1] = out[-1] + part  # x = y \quad (for all y): one equation
        else:
            out.append(part)
    return out


def _continues(row: list[Tok]) -> bool:
    """Whether a row starts with a relation (`&= ...`), continuing the equation before it."""
    toks = [t for t in row if t.text != "&"]
    return bool(toks) and toks[0].text in _RELATIONS


def _type_annotation(row: list[Tok]) -> int | None:
    """Where a trailing `\\in \\mathbb{R}^{...}` starts, after an equation's other relation."""
    for k in range(len(row) - 1, 0, -1):
        if row[k].text == "\\in":
            rest = [t.text for t in row[k + 1 : k + 4]]
            if rest[:3] == ["\\mathbb", "{", "R"] and _has_relation(row[:k]):
                return k
            return None
    return None


def _has_relation(toks: list[Tok]) -> bool:
    return len(_depth_split(toks, _RELATIONS)) > 1


def strip_qualifiers(row: list[Tok]) -> list[Tok]:
    """A row without its closing punctuation and the range qualifiers notes put after an
    equation, `\\quad (j = 1, 2, \\ldots, p)`: they say where the equation holds, and are no
    part of it."""
    while row:
        if row[-1].text in _PUNCT:
            row = row[:-1]
            continue
        tail = _type_annotation(row)
        if tail is not None:  # ... \in \mathbb{R}^q: the type of what came before
            row = row[:tail]
            continue
        close = row[-1].text == ")" or (len(row) > 1 and row[-2].text == "\\right"
                                        and row[-1].text == ")")
        if not close:
            break
        depth = 0
        start = None
        for k in range(len(row) - 1, -1, -1):
            depth += (row[k].text == ")") - (row[k].text == "(")
            if depth == 0:
                start = k
                break
        if start is None:
            break
        first = start - 1 if start > 0 and row[start - 1].text == "\\left" else start
        inner = [t for t in row[start + 1 : len(row) - 1] if t.text != "\\right"]
        if (first > 0 and len(inner) >= 3 and inner[0].kind == "letter" and inner[1].text == "="
                and any(t.text in ("\\ldots", "\\dots", "\\cdots") for t in inner)
                and not any(t.text in _RELATIONS for t in inner[2:])):
            row = row[:first]
            continue
        break
    return row


def _check_row(row: list[Tok], scope: Scope, env: str | None) -> None:
    """What LaTeX itself rejects in a row, placed where it goes wrong: a double superscript or
    subscript (`x^a^b`), a second `&` in a row of `split`, and a `(` or `[` left open inside
    the `{...}` group that holds it (`a^{(l}_i`). A half-open interval `[0, 1)` stays legal."""
    amps = [t for seg, t in _depth_split(row, {"&"}) if t is not None]
    if env == "split" and len(amps) > 1:
        raise _err("`split` takes one `&` per row: this one is extra (LaTeX: \"Extra & on "
                   "this line\")", scope, amps[1],
                   hint="use `aligned` for several alignment columns")
    for i, t in enumerate(row):
        if t.text in ("^", "_") and i + 1 < len(row):
            j = i + 2
            if row[i + 1].text == "{":
                depth = 0
                for j in range(i + 1, len(row)):
                    depth += (row[j].text == "{") - (row[j].text == "}")
                    if depth == 0:
                        break
                j += 1
            if j < len(row) and row[j].text == t.text:
                what = "superscript" if t.text == "^" else "subscript"
                raise _err(f"double {what}: a second `{t.text}` right after `{t.text}"
                           f"{{...}}` (LaTeX rejects it)", scope, row[j],
                           hint=f"group the first one, as in `{{x{t.text}{{a}}}}{t.text}{{b}}`")
    stack: list[Tok] = []
    for t in row:
        if t.text in ("{", "(", "["):
            stack.append(t)
        elif t.text in (")", "]"):
            if stack and stack[-1].text in ("(", "["):
                stack.pop()
        elif t.text == "}":
            if stack and stack[-1].text in ("(", "["):
                o = stack[-1]
                closer = _BRACKETS[o.text]
                raise _err(f"unbalanced `{o.text}`: no matching `{closer}` before the `}}` that "
                           "closes its group", scope, o)
            if stack:
                stack.pop()


def _parse_row(row: list[Tok], scope: Scope, formula: Formula, current: Equation | None,
               number: int) -> Equation:
    # `&` only aligns: drop it, then cut the row at its relations
    marks = row
    row = [t for seg, _ in _depth_split(row, {"&"}) for t in seg]
    if not row:
        raise _err("expected an equation: this row holds only alignment marks `&`", scope,
                   marks[0], marks[-1].end)
    parts = _depth_split(row, _RELATIONS)
    segments = [seg for seg, _ in parts]
    relations = [sep for _, sep in parts if sep is not None]
    if not relations:
        raise _err("expected an equation: no `=`, `\\leftarrow` or `\\in` in this row", scope,
                   row[0], row[-1].end)
    for k, seg in enumerate(segments):
        if not seg and k > 0:
            raise _err(f"nothing after `{relations[k - 1].text}`", scope, relations[k - 1])
    first_rel = relations[0]
    continuation = not segments[0]
    if continuation and current is None:
        raise _err("a row starting with `&=` continues nothing: there is no equation before it",
                   scope, first_rel)
    rel_kind = {"=": "equation", "\\leftarrow": "update", "\\gets": "update",
                "\\rightarrow": "update", "\\to": "update",
                "\\in": "assumption", "\\equiv": "equation", "\\triangleq": "equation",
                "\\coloneqq": "equation", "\\doteq": "equation", ":=": "equation",
                "\\approx": "approximation"}
    kind = rel_kind[first_rel.text]
    for r in relations[1:]:
        if r.text not in ("=", "\\approx"):
            raise _err(f"`{r.text}` may only be the first relation of a row", scope, r)
    local = _formal_parameters(segments[0], scope) if not continuation else set()
    row_scope = Scope(scope.notation, formula, scope.scalars | local, scope.functions, scope.local)

    def side(seg: list[Tok]) -> Side:
        start, end = seg[0].start, seg[-1].end
        if _vector_form(seg, row_scope):
            return Side(sympy.Integer(0), start, end, formula.text[start:end],
                        tensor=_parse_tensor(seg, row_scope))
        expr = parse_expression(seg, row_scope)
        return Side(expr, start, end, formula.text[start:end])

    span = formula.span(row[0].start)
    if kind == "assumption":
        if len(segments) != 2:
            raise _err("an assumption is written `y_j \\in \\{ 0, 1 \\}`", scope, first_rel)
        rhs_seg = segments[1]
        return Equation(kind, number, side(segments[0]),
                        (_parse_set(rhs_seg, row_scope, formula),),
                        (formula.span(rhs_seg[0].start).line,), span.line, span.col)
    steps = tuple(side(seg) for seg in segments[1:])
    lhs = current.lhs if continuation and current is not None else side(segments[0])
    if lhs.tensor is not None or any(s.tensor is not None for s in steps):
        lhs, steps = _lowered(lhs, steps, formula, row_scope)
    lines = tuple(formula.span(seg[0].start).line for seg in segments[1:])
    approx = next((k for k, r in enumerate(relations, start=1) if r.text == "\\approx"), None)
    if continuation:
        assert current is not None
        if current.approx_from is None and approx is not None:
            approx += len(current.steps)
        return Equation(current.kind, current.number, current.lhs, current.steps + steps,
                        current.step_lines + lines, current.line, current.col,
                        current.approx_from or approx)
    return Equation(kind, number, lhs, steps, lines, span.line, span.col, approx)


def _vector_form(seg: list[Tok], scope: Scope) -> bool:
    from derive.vecparse import vector_form

    return vector_form(seg, scope)


def _parse_tensor(seg: list[Tok], scope: Scope) -> Any:
    from derive.vecparse import parse_tensor

    return parse_tensor(seg, scope)


def _lowered(lhs: Side, steps: tuple[Side, ...], formula: Formula,
             scope: Scope) -> tuple[Side, tuple[Side, ...]]:
    """The sides of an equation in vector form as one entry of each: the checks are of
    components (`derive.tensor`), at indices that are letters the formula does not use. A
    side whose shapes do not fit carries the mismatch in place of an expression."""
    from derive.tensor import ShapeMismatch
    from derive.vecparse import entry

    low = entry(formula, [s.tensor if s.tensor is not None else s.expr for s in (lhs, *steps)])
    out = []
    for s, e, why in zip((lhs, *steps), low.exprs, low.mismatch):
        out.append(dataclasses.replace(s, expr=e if e is not None else ShapeMismatch(why or "")))
    return out[0], tuple(out[1:])


def _formal_parameters(seg: list[Tok], scope: Scope) -> set[str]:
    """`g(t)` on a left side makes `t` a formal parameter for the row."""
    texts = [t.text for t in seg]
    if len(texts) >= 4 and scope.lookup(texts[0]) == "function" and texts[-1] == ")":
        k = texts.index("(") if "(" in texts else -1
        if k > 0 and all(t.kind == "letter" or t.text == "," for t in seg[k + 1 : -1]):
            return {t.text for t in seg[k + 1 : -1] if t.kind == "letter"}
    return set()


def _parse_set(seg: list[Tok], scope: Scope, formula: Formula) -> Side:
    if not (seg and seg[0].text == "\\{" and seg[-1].text == "\\}"):
        raise _err("after `\\in` the tool understands only a finite set `\\{ 0, 1 \\}`", scope,
                   seg[0] if seg else 0)
    items = [s for s, _ in _depth_split(seg[1:-1], {","})]
    values = []
    for it in items:
        if len(it) != 1 or it[0].kind != "num":
            raise _err("set elements must be numbers", scope, it[0] if it else seg[0])
        values.append(sympy.Rational(it[0].text))
    return Side(sympy.FiniteSet(*values), seg[0].start, seg[-1].end,
                formula.text[seg[0].start : seg[-1].end])


# --------------------------------------------------------------------------------------------
# Notation pass


# Placeholders are single tokens for the arithmetic parser: its prediction cost grows with the
# number of tokens, and `P_{12}` is five of them (measured: 10 ms against 200 ms for `A B + C F`).
# E, I and O are avoided (Euler's number, the imaginary unit, big-O), and so are Greek letters
# with a meaning of their own to the parser (gamma, pi, epsilon, delta).
_POOL = [*"ABCFGHJKLMNPQRSTUVWXYZ", "alpha", "beta", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"]
_DUMMIES = [*"qrstuvwxyzabcfgh"]


@dataclass
class _Skeleton:
    scope: Scope
    parts: list[str] = field(default_factory=list)
    where: list[tuple[int, int, int]] = field(default_factory=list)  # (skel offset, src start, end)
    values: dict[str, sympy.Basic] = field(default_factory=dict)  # placeholder -> value
    sums: dict[str, tuple] = field(default_factory=dict)  # bound name -> (var, lo, hi, excl, batch)
    length: int = 0
    depth: int = 0  # brackets open in the skeleton here
    # token list id -> (the list, kept alive; whether it may hold `(x)_+` or `[y = k]`)
    bracket_notation: dict[int, tuple[list, bool]] = field(default_factory=dict)

    def emit(self, text: str, src: Tok | tuple[int, int]) -> None:
        start, end = (src.start, src.end) if isinstance(src, Tok) else src
        self.where.append((self.length, start, end))
        self.parts.append(text)
        self.length += len(text)

    def _name(self, start: int, end: int) -> str:
        used = len(self.values) + len(self.sums)
        if used >= len(_POOL):
            raise InputError("expression too long: split it into smaller steps",
                             self.scope.formula.span(start, end - start))
        return _POOL[used]

    def placeholder(self, value: sympy.Basic, src: tuple[int, int]) -> None:
        name = self._name(*src)
        self.values[name] = value
        self.emit(" " + _tex(name) + " ", src)

    def sum_bound(self, record: tuple, src: tuple[int, int]) -> None:
        if len(self.sums) >= len(_DUMMIES):
            raise InputError(f"too many sums in one expression (more than {len(_DUMMIES)}): "
                             "split it into smaller steps", self.scope.formula.span(*src))
        name = self._name(*src)
        self.sums[name] = record
        dummy = _DUMMIES[len(self.sums) - 1]
        self.emit(f" \\sum_{{{dummy}=1}}^{{{_tex(name)}}} ", src)

    def source_at(self, offset: int) -> tuple[int, int]:
        best = self.where[0][1:] if self.where else (0, 1)
        for s, a, b in self.where:
            if s <= offset:
                best = (a, b)
        return best


def _tex(name: str) -> str:
    return name if len(name) == 1 else "\\" + name


def parse_expression(toks: list[Tok], scope: Scope) -> sympy.Basic:
    """One side of an equation (or a derivative's numerator) as a SymPy expression."""
    if not toks:
        raise InputError("empty expression")
    sk = _Skeleton(scope)
    _emit_sequence(toks, sk)
    return _finish(sk, toks)


def _group(toks: list[Tok], i: int, scope: Scope) -> tuple[list[Tok], int]:
    """A `{...}` group or a single token at toks[i]; returns (contents, next index)."""
    if i >= len(toks):
        raise _err("expected an argument here", scope, toks[-1].end if toks else 0)
    if toks[i].text == "{":
        j = _match(toks, i, scope)
        return toks[i + 1 : j], j + 1
    return [toks[i]], i + 1


def _strip_group(toks: list[Tok]) -> list[Tok]:
    while len(toks) >= 2 and toks[0].text == "{" and toks[-1].text == "}":
        depth = 0
        for k, t in enumerate(toks):
            depth += t.text == "{"
            depth -= t.text == "}"
            if depth == 0 and k < len(toks) - 1:
                return toks
        toks = toks[1:-1]
    return toks


# The arithmetic parser's time grows steeply with bracket nesting (measured: 4 s for 10 nested
# parentheses, 12 s for 20); a bracket group opened this deep is parsed on its own and stands in
# the skeleton as one placeholder, so no parse sees more than this many levels.
_HOIST_DEPTH = 3
_BRACKETS = {"(": ")", "[": "]"}


def _close_bracket(toks: list[Tok], i: int) -> int | None:
    """The index of the `)` or `]` closing the bracket at toks[i] (either kind closes either,
    as the arithmetic parser reads them), or None."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
            if depth == 0:
                return j
    return None


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


def _kronecker(name: str, scripts: dict, scope: Scope, first: Tok, last: Tok) -> sympy.Basic | None:
    """`\\delta_{ij}` as the Kronecker delta: two indices and no layer tag, where the
    notation's own quantity of that name (the error δ) is not one with two indices and no
    layers. When the error takes two indices and a layer, the two readings clash: said so."""
    sub = scripts.get("_")
    kind = scope.lookup(name)
    if name not in KRONECKER or sub is None or "^" in scripts or kind not in (None, "quantity"):
        return None
    idx = [t for t in _strip_group(sub[0]) if t.text != ","]
    if len(idx) != 2 or not all(t.kind in ("letter", "num") for t in idx):
        return None
    spec = scope.notation.quantities.get(name) if kind == "quantity" else None
    if spec is not None and len(spec.shape) == 2:
        if not spec.layers:
            return None  # the document's own two-index δ_{ij}
        raise _err(f"`{name}_{{{''.join(t.text for t in idx)}}}` is ambiguous: the quantity "
                   f"`{name}` takes two indices and a layer tag, and the Kronecker delta is "
                   "written the same way without the tag", scope, first, last.end, hint=f"write the layer tag for the quantity, or the indicator "
                   f"[{idx[0].text} = {idx[1].text}] for the Kronecker delta")
    args = []
    for t in idx:
        if t.kind == "num":
            _check_index(t, scope)
            args.append(sympy.Integer(t.text))
        else:
            args.append(Index(t.text))
    return kronecker(*args)


def starts_name(t: Tok) -> bool:
    """Whether a name starts at this token: a letter, a Greek letter or a font (`\\mathbf{a}`)."""
    return t.kind == "letter" or t.text in _GREEK or t.text in _FONTS


def _read_name(toks: list[Tok], i: int, scope: Scope) -> tuple[str, int]:
    """A base name: `w`, `\\delta`, `\\hat{y}`, `\\mathcal{L}`, `\\mathrm{softmax}`."""
    t = toks[i]
    if t.text in _FONTS:
        grp, nxt = _group(toks, i + 1, scope)
        inner = "".join(g.text for g in grp)
        if not inner:
            raise _err(f"`{t.text}` needs an argument", scope, t)
        return f"{t.text}{{{inner}}}", nxt
    return t.text, i + 1


def _scripts(toks: list[Tok], i: int, scope: Scope) -> tuple[dict[str, tuple[list[Tok], Tok]], int]:
    """Superscript and subscript after a name, in either order."""
    found: dict[str, tuple[list[Tok], Tok]] = {}
    while i < len(toks) and toks[i].text in ("^", "_", "'"):
        mark = toks[i]
        if mark.text == "'":
            found["^"] = ([Tok("cmd", "\\prime", mark.start, mark.end)], mark)
            i += 1
            continue
        if mark.text in found:
            break
        grp, i = _group(toks, i + 1, scope)
        found[mark.text] = (grp, mark)
    return found, i


def _emit_name(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    start_tok = toks[i]
    name, j = _read_name(toks, i, scope)
    scripts, k = _scripts(toks, j, scope)
    src = (start_tok.start, toks[k - 1].end)
    sub = scripts.get("_")
    sup = scripts.get("^")
    kron = _kronecker(name, scripts, scope, start_tok, toks[k - 1])
    if kron is not None:  # \delta_{ij}
        sk.placeholder(kron, src)
        return k
    # a subscripted scalar name such as x_1 or y_2 (chain-rule variables)
    if sub is not None:
        full = f"{name}_{''.join(t.text for t in sub[0])}"
        if scope.lookup(full) in ("scalar", "function"):
            name, sub = full, None
            scripts.pop("_")
    kind = scope.lookup(name)
    if kind is None:
        close = difflib.get_close_matches(name, scope.known(), n=1)
        hint = f"did you mean `{close[0]}`?" if close else (
            "declare it in the front matter (quantities, functions or scalars)")
        raise _err(f"unknown symbol `{name}`", scope, start_tok, toks[j - 1].end, hint)
    if kind == "function":
        return _emit_call(toks, name, scripts, k, sk, start_tok)
    power: tuple[list[Tok], Tok] | None = None
    if kind == "quantity":
        value = _quantity(name, scripts, scope, start_tok, toks[k - 1])
        if not value.indices and not value.layer:
            k = _skip_arguments(toks, k, scope)  # J(W, b; x, y): the loss J, with its arguments
        if (sup is not None and _layer_tokens(scope.notation.quantities[name], sup[0]) is None
                and not _is_sample_tag(sup[0], scope)):
            power = sup
    elif kind == "width":
        if sub is None:
            raise _err(f"`{name}` needs the layer as a subscript, as in {name}_l", scope, start_tok)
        value = Width(name, _index_expr(_strip_group(sub[0]), scope))
        power = sup
    elif kind == "size":
        if sub is not None:
            raise _err(f"`{name}` takes no subscript", scope, sub[1])
        value = Size(name)
        power = sup
    elif kind == "alias":
        c, a, _b = scope.notation.aliases[name]
        value = Width(scope.notation.width, c + a * Size(scope.notation.layers))
        power = sup
    else:  # scalar
        if sub is not None:
            raise _err(f"`{name}` takes no subscript", scope, sub[1])
        value = Scalar(name)
        power = sup
    sk.placeholder(value, src)
    if power is not None:
        sk.emit("^{", power[1])
        _emit_sequence(power[0], sk)
        sk.emit("}", power[1])
    return k


def _is_sample_tag(grp: list[Tok], scope: Scope) -> bool:
    """`^{(i)}` where i is the sample index: the sample a quantity belongs to."""
    g = _strip_group(grp)
    return (len(g) == 3 and g[0].text == "(" and g[2].text == ")"
            and g[1].text == scope.notation.sample)


def _skip_arguments(toks: list[Tok], k: int, scope: Scope) -> int:
    """After a quantity without indices, `(W, b; x, y)`: the arguments a text writes for the
    loss. Only names, commas and semicolons (and their scripts) count as such a list."""
    j = k + 1 if k < len(toks) and toks[k].text == "\\left" else k
    if j >= len(toks) or toks[j].text != "(":
        return k
    depth = 0
    saw_separator = False
    for p in range(j, len(toks)):
        t = toks[p]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
            if depth == 0:
                end = p + 1
                if p > j and toks[p - 1].text == "\\right":
                    pass
                return end if saw_separator or p == j + 2 else k
        elif t.text in (",", ";"):
            saw_separator = True
        elif not (t.kind in ("letter", "num") or t.text in _GREEK or t.text in _FONTS
                  or t.text in ("^", "_", "{", "}", "\\right")):
            return k
        if t.kind == "letter" and scope.lookup(t.text) not in ("quantity", None, "scalar"):
            return k
    return k


_TAG_BRACKETS = {"paren": ("(", ")"), "bracket": ("[", "]")}


def without_sample(g: list[Tok]) -> list[Tok]:
    """A superscript's tokens without the sample index it may share with the layer tag:
    `^{x,l}` (the sample x, then the layer) and `^{[1](i)}` (the layer, then the sample)."""
    if len(g) >= 3 and g[1].text == "," and g[0].kind == "letter":
        g = g[2:]
    if len(g) >= 6 and g[-1].text == ")" and g[-3].text == "(" and g[-4].text == "]":
        g = g[:-3]
    return g


def _layer_tokens(spec: QuantitySpec, grp: list[Tok]) -> list[Tok] | None:
    """The layer inside a superscript written in the quantity's tag style (`^{(l)}`, `^{[l]}`,
    or a bare `^{l}`), or None when the superscript is not a layer tag (a power, a prime)."""
    g = without_sample(_strip_group(grp))
    if spec.tag == "sup":
        ok = bool(g) and all(t.kind in ("letter", "num") or t.text in "+-_{}" for t in g)
        return g if ok else None
    opener, closer = _TAG_BRACKETS[spec.tag]
    if len(g) >= 3 and g[0].text == opener and g[-1].text == closer:
        return g[1:-1]
    return None


def _quantity(name: str, scripts: dict, scope: Scope, first: Tok, last: Tok) -> Quantity:
    spec = scope.notation.quantities[name]
    sup = scripts.get("^")
    sub = scripts.get("_")
    layer = None
    sample = sup is not None and _is_sample_tag(sup[0], scope)
    inner = _layer_tokens(spec, sup[0]) if sup is not None and not (
        sample and not spec.layers) else None
    if inner is not None:
        layer = _index_expr(inner, scope) + (1 - scope.notation.first_layer)
        _check_layer(name, spec, layer, scope, sup[0][0] if sup[0] else sup[1], sup[0][-1]
                     if sup[0] else sup[1])
    if spec.layers and layer is None:
        example = {"paren": "^{(l)}", "bracket": "^{[l]}", "sup": "^{l}"}[spec.tag]
        raise _err(f"`{name}` needs a layer tag, as in {name}{example}", scope, first, last.end)
    if not spec.layers and layer is not None and sup is not None:
        raise _err(f"`{name}` has no layers, but a layer tag is given", scope, sup[1])
    # y^{(i)}: the sample's own index (inner is None): each sample's quantities are its own
    indices: list[sympy.Expr] = []
    if (sub is not None and not spec.shape
            and [t.text for t in _strip_group(sub[0])] == [scope.notation.sample]):
        sub = None  # C_x: the loss of the sample x
    if sub is not None:
        for t in _strip_group(sub[0]):
            if t.text == ",":
                continue
            if t.kind == "letter":
                indices.append(Index(t.text))
            elif t.kind == "num":
                _check_index(t, scope)
                indices.append(sympy.Integer(t.text))
            else:
                raise _err(f"an index must be a letter or a number, not `{t.text}`", scope, t)
    if (len(indices) == 1 and len(spec.shape) > 1 and sub is not None
            and [t.kind for t in _strip_group(sub[0])] == ["num"]
            and len(str(indices[0])) == len(spec.shape) and "0" not in str(indices[0])):
        indices = [sympy.Integer(c) for c in str(indices[0])]  # W_{12}: the entry (1, 2)
    if (not indices and len(spec.shape) == 1 and spec.unit_range is not None
            and layer is not None and layer.is_Integer
            and spec.unit_range[0][0] <= int(layer) <= spec.unit_range[1][0]):
        indices = [sympy.Integer(1)]  # z^{[2]}: the one unit of the output layer
    if len(indices) != len(spec.shape):
        want = len(spec.shape)
        raise _err(
            f"`{name}` takes {want} ind{'ex' if want == 1 else 'ices'}, got {len(indices)}",
            scope, first, last.end,
        )
    return Quantity(name, (layer,) if layer is not None else (), tuple(indices))


def _check_layer(name: str, spec: QuantitySpec, layer: sympy.Expr, scope: Scope, first: Tok,
                 last: Tok) -> None:
    """A layer tag in no network's layers of the quantity (`a^{(0)}`, `\\delta^{(n+1)}` where
    the layers are 1..n) is an error at the tag: there is nothing it could mean."""
    rng = spec.layer_range
    n_name = scope.notation.layers
    if rng is None or any(str(x) != n_name for x in layer.free_symbols):
        return
    for nv in range(2, 9):
        k = layer.xreplace({x: sympy.Integer(nv) for x in layer.free_symbols})
        if not k.is_Integer or lin_value(rng[0], nv) <= int(k) <= lin_value(rng[1], nv):
            return
    raise _err(f"layer {sympy.sstr(layer)} of `{name}` is outside its layers {spec.layers}",
               scope, first, last.end, hint=f"the layers of `{name}` are {spec.layers} "
               f"({n_name}: the number of layers)")


def _index_expr(toks: list[Tok], scope: Scope) -> sympy.Expr:
    """Index arithmetic in layer tags, subscripts and sum bounds: `l+1`, `n`, `C_{l+1}`, `2`."""
    toks = _strip_group(toks)
    if not toks:
        raise InputError("empty index expression")
    total: sympy.Expr = sympy.Integer(0)
    sign = 1
    i = 0
    expect_term = True
    while i < len(toks):
        t = toks[i]
        if t.text in ("+", "-"):
            if expect_term and t.text == "-":
                sign = -sign
            elif not expect_term:
                sign = 1 if t.text == "+" else -1
                expect_term = True
            i += 1
            continue
        if not expect_term:
            raise _err(f"unexpected `{t.text}` in an index expression", scope, t)
        if t.kind == "num":
            term: sympy.Expr = sympy.Integer(t.text) if "." not in t.text else None  # type: ignore[assignment]
            if term is None:
                raise _err("an index must be an integer", scope, t)
            _check_index(t, scope)
            i += 1
        elif t.kind == "letter" and _size_name_at(toks, i, scope.notation.layers):
            term = Size(scope.notation.layers)  # n_l, the number of layers in UFLDL's notes
            i = _size_name_at(toks, i, scope.notation.layers)
        elif t.kind == "letter" and _alias_at(toks, i, scope):
            name, i = _alias_at(toks, i, scope)  # D, n_x: the width of the layer it names
            c, a, _b = scope.notation.aliases[name]
            term = Width(scope.notation.width, c + a * Size(scope.notation.layers))
        elif t.kind == "letter":
            kind = scope.lookup(t.text)
            if kind == "width":
                scripts, nxt = _scripts(toks, i + 1, scope)
                if "_" not in scripts:
                    raise _err(f"`{t.text}` needs the layer as a subscript", scope, t)
                term = Width(t.text, _index_expr(scripts["_"][0], scope))
                i = nxt
            elif kind == "size":
                term = Size(t.text)
                i += 1
            else:
                term = Index(t.text)
                i += 1
        else:
            raise _err(f"unexpected `{t.text}` in an index expression", scope, t)
        total += sign * term
        sign = 1
        expect_term = False
    if expect_term:
        raise _err("index expression ends with an operator", scope, toks[-1])
    return total


def _alias_at(toks: list[Tok], i: int, scope: Scope) -> tuple[str, int] | None:
    """A size the text names on its own (`D`, `n_x`) starting at i: its name and the end."""
    for name in scope.notation.aliases:
        if name == toks[i].text:
            return name, i + 1
        end = _size_name_at(toks, i, name)
        if end:
            return name, end
    return None


def _size_name_at(toks: list[Tok], i: int, name: str) -> int:
    """When a subscripted size name (`n_l`, `n_{l}`) starts at i, the index after it; else 0."""
    if "_" not in name:
        return 0
    base, sub = name.split("_", 1)
    sub = sub.strip("{}")
    if toks[i].text != base or i + 2 >= len(toks) or toks[i + 1].text != "_":
        return 0
    if toks[i + 2].text == sub:
        return i + 3
    if (toks[i + 2].text == "{" and i + 4 < len(toks) and toks[i + 3].text == sub
            and toks[i + 4].text == "}"):
        return i + 5
    return 0


def _check_index(t: Tok, scope: Scope) -> None:
    if "." not in t.text and int(t.text) > MAX_INDEX:
        raise _err(f"{t.text} is too large for an index, a layer or a sum bound (the limit is "
                   f"{MAX_INDEX})", scope, t)


def _emit_call(toks: list[Tok], name: str, scripts: dict, k: int, sk: _Skeleton,
               start_tok: Tok) -> int:
    scope = sk.scope
    sup = scripts.get("^")
    prime = False
    if sup is not None:
        if [t.text for t in _strip_group(sup[0])] != ["\\prime"]:
            raise _err(f"`{name}` is a function: only `^{{\\prime}}` may follow it", scope, sup[1])
        prime = True
    if "_" in scripts:
        raise _err(f"function `{name}` takes no subscript", scope, scripts["_"][1])
    # \left( ... \right) or ( ... )
    j = k
    if j < len(toks) and toks[j].text == "\\left":
        j += 1
    if j >= len(toks) or toks[j].text != "(":
        if prime:
            raise _err(f"`{name}^{{\\prime}}` must be applied to an argument", scope, start_tok)
        sk.placeholder(FuncRef(name), (start_tok.start, toks[k - 1].end))
        return k
    close = _match(toks, j, scope)
    inner = toks[j + 1 : close]
    if inner and inner[-1].text == "\\right":
        inner = inner[:-1]
    args_toks = [a for a, _ in _depth_split(inner, {","})]
    if any(not a for a in args_toks):
        raise _err(f"empty argument in `{name}(...)`", scope, toks[j])
    arity = scope.arity(name)
    if len(args_toks) != arity:
        raise _err(f"`{name}` takes {arity} argument{'s' if arity > 1 else ''}, got "
                   f"{len(args_toks)}", scope, start_tok, toks[close].end)
    args = [_argument(a, scope) for a in args_toks]
    value = Prime(name, args[0]) if prime else Call(name, *args)
    if prime and arity != 1:
        raise _err("`^{\\prime}` is understood only for one-argument functions", scope, start_tok)
    sk.placeholder(value, (start_tok.start, toks[close].end))
    return close + 1


def _argument(toks: list[Tok], scope: Scope) -> sympy.Basic:
    if toks[0].text in _VECTOR_FONTS:
        name, nxt = _read_name(toks, 0, scope)
        base = name[len(toks[0].text) + 1 : -1]
        if scope.lookup(base) != "quantity":
            raise _err(f"unknown vector `{base}`", scope, toks[0])
        scripts, end = _scripts(toks, nxt, scope)
        if end != len(toks) or "_" in scripts:
            raise _err("a vector argument is written \\mathbf{a}^{(l)}", scope, toks[0])
        layer: tuple = ()
        if "^" in scripts:
            inner = _layer_tokens(scope.notation.quantities[base], scripts["^"][0])
            if inner is None:
                raise _err("a vector argument is written \\mathbf{a}^{(l)}", scope, toks[0])
            layer = (_index_expr(inner, scope),)
        return Vec(base, layer)
    if len(toks) == 1 and toks[0].kind == "letter" and scope.lookup(toks[0].text) is None:
        return Index(toks[0].text)  # softmax(a, j): an index argument
    return parse_expression(toks, scope)


def _emit_frac(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    num, j = _group(toks, i + 1, scope)
    den, k = _group(toks, j, scope)
    num_s, den_s = _strip_group(num), _strip_group(den)
    src = (toks[i].start, toks[k - 1].end)
    kind = _derivative_kind(num_s, den_s, scope)
    if kind is None:
        sk.emit("\\frac{", toks[i])
        _emit_sequence(num, sk)
        sk.emit("}{", toks[j - 1])
        _emit_sequence(den, sk)
        sk.emit("}", toks[k - 1])
        return k
    total = kind == "d"
    top = _strip_group(num_s[1:])
    bottom = _strip_group(den_s[1:])
    if not top:  # operator form, \frac{\partial}{\partial W} J: what follows, to the term's end
        end = _term_end(toks, k)
        top = _strip_group(toks[k:end])
        if top and top[0].text in (r"\sum", r"\prod") and end < len(toks):
            raise _err("where this derivative ends is ambiguous: it is followed by a sum, and "
                       f"then by `{toks[end].text}`", scope, toks[i], toks[end].end,
                       hint="write what it differentiates in brackets: "
                       "\\frac{\\partial}{\\partial x} \\left( \\sum_p ... + b \\right)")
        if top:
            src = (toks[i].start, toks[end - 1].end)
            k = end
    if not top:
        raise _err("a derivative needs something to differentiate: \\frac{\\partial X}{...}",
                   scope, toks[i])
    if not bottom:
        raise _err("a derivative needs a variable: \\frac{...}{\\partial Y}", scope, den_s[0])
    x = parse_expression(top, scope)
    y = parse_expression(bottom, scope)
    if not isinstance(y, (Quantity, Scalar, Index)):
        raise _err("the tool differentiates only with respect to a single quantity or variable",
                   scope, bottom[0], bottom[-1].end)
    if isinstance(y, Index):
        raise _err(f"`{y}` is not a variable that can be differentiated by", scope, bottom[0])
    sk.placeholder(Partial(x, y, total), src)
    return k


def _term_end(toks: list[Tok], k: int) -> int:
    """Where the term that starts at k ends: at a `+` or `-` outside brackets, or the end."""
    depth = 0
    for p in range(k, len(toks)):
        t = toks[p].text
        if t in ("(", "[", "{", "\\{") or (t == "\\left" and p + 1 < len(toks)):
            depth += 1 if t != "\\left" else 0
        elif t in (")", "]", "}", "\\}"):
            depth -= 1
            if depth < 0:
                return p
        elif t in ("+", "-") and depth == 0 and p > k:
            return p
    return len(toks)


def _derivative_kind(num: list[Tok], den: list[Tok], scope: Scope) -> str | None:
    if num and den and num[0].text == "\\partial":
        if den[0].text != "\\partial":
            raise _err("a `\\partial` numerator needs a `\\partial` denominator", scope, den[0])
        return "partial"
    if (len(num) >= 1 and len(den) >= 2 and num[0].text == "d" and den[0].text == "d"
            and scope.lookup("d") is None):
        return "d"
    return None


def _emit_sum(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    t = toks[i]
    if i + 1 >= len(toks) or toks[i + 1].text != "_":
        raise _err("a sum needs its index: \\sum_{j=1}^{C}", scope, t)
    sub, j = _group(toks, i + 2, scope)
    sup: list[Tok] | None = None
    if j < len(toks) and toks[j].text == "^":
        sup, j = _group(toks, j + 1, scope)
    sub = _strip_group(sub)
    sample = scope.notation.sample
    over_batch = (len(sub) == 3 and sub[0].text == sample and sub[1].text == "="
                  and sub[2].text == "1" and sup is not None
                  and [t.text for t in _strip_group(sup)] == [scope.notation.batch])
    if (len(sub) == 1 and sub[0].text == sample or over_batch) and not scope.local:
        if sup is not None and not over_batch:
            raise _err("`\\sum_x` over the minibatch takes no upper bound", scope, toks[j - 1])
        record: tuple = (None, None, None, None, True)  # \sum_x, \sum_{i=1}^{m}: the batch
    else:
        if not sub or sub[0].kind != "letter":
            raise _err("a sum index must be a letter, as in \\sum_{j=1}^{C}", scope, sub[0] if sub else t)
        var = Index(sub[0].text)
        excl = None
        lo: sympy.Expr = sympy.Integer(1)
        if len(sub) >= 3 and sub[1].text == "=":
            lo = _index_expr(sub[2:], scope)
        elif len(sub) == 3 and sub[1].text in ("\\ne", "\\neq"):
            excl = _index_expr(sub[2:], scope)
        elif len(sub) != 1:
            raise _err("a sum index is written j=1, or j \\ne i", scope, sub[0], sub[-1].end)
        if sup:
            hi = _index_expr(sup, scope)
        else:  # \sum_k w_{jk} a_k: k runs over the range of the first index it is used in
            implied = None if sup is not None else _implied_bound(toks, j, sub[0].text, scope)
            if implied is None:
                raise _err("this sum has no upper bound", scope,
                           toks[j - 1] if sup is not None else t,
                           hint=f"no quantity after it is indexed by `{sub[0].text}`, so its "
                           "range cannot be read from its use")
            hi = implied
        record = (var, lo, hi, excl, False)
    sk.sum_bound(record, (t.start, toks[j - 1].end))
    return j


def _implied_bound(toks: list[Tok], j: int, letter: str, scope: Scope) -> sympy.Expr | None:
    """The range of an unbounded sum's index, read from its use: the range of the slot of a
    quantity after the sum indexed by it (`\\sum_k w^{(l)}_{jk} a^{(l)}_k`: the width of layer l).
    A defined quantity's slot is preferred to a given one's (weights are where index slips are
    made), then the first."""
    notation = scope.notation
    found: list[tuple[bool, sympy.Expr]] = []
    p = j
    while p < len(toks):
        t = toks[p]
        if not starts_name(t):
            p += 1
            continue
        try:
            name, nxt = _read_name(toks, p, scope)
            scripts, end = _scripts(toks, nxt, scope)
        except InputError:
            break
        spec = notation.quantities.get(name)
        sub = scripts.get("_")
        p = max(end if spec is not None else nxt, p + 1)  # e^{z_c}: look inside the exponent
        if spec is None or sub is None:
            continue
        letters = [x.text for x in _strip_group(sub[0]) if x.text != ","]
        if letter not in letters or len(letters) != len(spec.dims):
            continue
        kind, (c, a, b) = spec.dims[letters.index(letter)]
        layer: sympy.Expr = sympy.Integer(0)
        if b:
            inner = _layer_tokens(spec, scripts["^"][0]) if "^" in scripts else None
            if inner is None:
                continue
            layer = _index_expr(inner, scope)
        value = c + a * Size(notation.layers) + b * layer
        found.append((spec.given, Width(notation.width, value) if kind == "width" else value))
    if not found:
        return None
    return sorted(found, key=lambda f: f[0])[0][1]  # stable: the first defined one, else the first


def _emit_cases(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    name, body = _env_name(toks, i, scope)
    if name != "cases":
        raise _err(f"unsupported environment `{name}` inside an expression", scope, toks[i])
    end = _env_end(toks, i, name, scope)
    after = _env_close(toks, end, name, scope)
    pieces = []
    for row, _ in _depth_split(toks[body:end], {"\\\\"}):
        if not row:
            continue
        cells = [c for c, _ in _depth_split(row, {"&"})]
        filled = [c for c in cells if c]
        if len(filled) != 2:
            raise _err("each `cases` row needs a value and a condition: value & condition",
                       scope, row[0])
        cell = _drop_tags(filled[0], scope)
        value = parse_expression(_trim_punct(cell) or cell, scope)
        pieces.append((value, _condition(filled[1], scope)))
    sk.placeholder(sympy.Piecewise(*pieces, evaluate=False), (toks[i].start, toks[after - 1].end))
    return after


_RELATION_TOKENS: dict[str, type] = {
    "=": sympy.Eq, "\\ne": sympy.Ne, "\\neq": sympy.Ne,
    "<": sympy.StrictLessThan, "\\lt": sympy.StrictLessThan,
    ">": sympy.StrictGreaterThan, "\\gt": sympy.StrictGreaterThan,
    "\\le": sympy.LessThan, "\\leq": sympy.LessThan, "\\leqslant": sympy.LessThan,
    "\\ge": sympy.GreaterThan, "\\geq": sympy.GreaterThan, "\\geqslant": sympy.GreaterThan,
}
_TEXT_COMMANDS = {"\\text", "\\mathrm", "\\textrm", "\\mbox", "\\textit", "\\textnormal"}
_IF_WORDS = {"if", "for", "forall", "when", "where", "wenn", "falls", "si"}
_ELSE_WORDS = {"otherwise", "else", "elsewhere", "sonst", "sinon"}


def _trim_punct(toks: list[Tok]) -> list[Tok]:
    while toks and toks[-1].text in (",", ".", ";"):
        toks = toks[:-1]
    while toks and toks[0].text in (",", ";", ":"):
        toks = toks[1:]
    return toks


def _condition(toks: list[Tok], scope: Scope) -> sympy.Basic:
    """A `cases` condition or an indicator's: one relation (`i = j`, `i \\ne j`, `x > 0`,
    `z^{(l)}_i \\le 0`), after words such as `\\text{if }`; `\\text{otherwise}` is always true."""
    whole = toks
    toks = _trim_punct(_le_ge(_drop_tags(toks, scope)))
    parts = [p for p, _ in _depth_split(toks, {","})]
    if len(parts) > 1 and len(_depth_split(parts[0], set(_RELATION_TOKENS))) == 2:
        toks = parts[0]  # `z > 0, \alpha = 0.1`: what follows the relation qualifies it
    while toks and toks[0].text in _TEXT_COMMANDS:
        grp, nxt = _group(toks, 1, scope)
        word = "".join(t.text for t in grp).lower()
        if word in _ELSE_WORDS and not _trim_punct(toks[nxt:]):
            return sympy.true
        if word not in _IF_WORDS:
            raise _err(f"`{word}` in a condition: write a relation such as `x > 0`, "
                       "`i = j`, or `\\text{otherwise}`", scope, toks[0], toks[nxt - 1].end)
        toks = _trim_punct(toks[nxt:])
    if toks and all(t.kind == "letter" for t in toks) and "".join(
            t.text for t in toks).lower() in _ELSE_WORDS:
        return sympy.true
    parts = _depth_split(toks, set(_RELATION_TOKENS))
    if not toks or len(parts) != 2 or not parts[0][0] or not parts[1][0]:
        at = whole[0] if whole else 0
        raise _err("a condition must be one relation, as in `i = j`, `i \\ne j`, `x > 0` or "
                   "`x \\le 0` (or `\\text{otherwise}`)", scope, at,
                   whole[-1].end if whole else None)
    (left, op), (right, _) = parts
    assert op is not None
    rel = _RELATION_TOKENS[op.text]
    if _index_like(left, scope) and _index_like(right, scope):
        return rel(_index_expr(left, scope), _index_expr(right, scope))
    return rel(parse_expression(left, scope), parse_expression(right, scope))


def _le_ge(toks: list[Tok]) -> list[Tok]:
    """`<=` and `>=` as plain-text notes write them: one relation each."""
    out: list[Tok] = []
    for t in toks:
        if t.text == "=" and out and out[-1].text in ("<", ">") and out[-1].end == t.start:
            out[-1] = Tok("cmd", "\\le" if out[-1].text == "<" else "\\ge", out[-1].start, t.end)
        else:
            out.append(t)
    return out


def _drop_tags(toks: list[Tok], scope: Scope) -> list[Tok]:
    """A cell without its equation number `\\tag 2` / `\\tag{2}` (LaTeX puts it at the margin)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        if toks[k].text in ("\\tag", "\\tag*", "\\label") and k + 1 < len(toks):
            _, k = _group(toks, k + 1, scope)
            continue
        if toks[k].text in ("\\nonumber", "\\notag"):
            k += 1
            continue
        out.append(toks[k])
        k += 1
    return out


def _index_like(toks: list[Tok], scope: Scope) -> bool:
    """Only indices, sizes and integers: `i`, `j + 1`, `C_l`, `n`."""
    for t in toks:
        if t.kind == "letter":
            if scope.lookup(t.text) not in (None, "size", "width"):
                return False
        elif t.kind == "num":
            if "." in t.text:
                return False
        elif t.text not in ("+", "-", "_", "{", "}"):
            return False
    return True


# --------------------------------------------------------------------------------------------
# Functions: |x|, (x)_+, indicators, and the functions known by name (derive.functions)

_BARS = {"|", "\\vert", "\\lvert", "\\rvert"}
_OPEN_SIZES = {"\\left", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl", "\\big", "\\Big", "\\bigg",
               "\\Bigg"}


def _emit_function_notation(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """The function notation starting at toks[i], emitted; the index after it, or None when
    toks[i] starts none of it."""
    t = toks[i]
    x = t.text
    nxt_text = toks[i + 1].text if i + 1 < len(toks) else ""
    scope = sk.scope
    if x in ("|", "\\vert", "\\lvert") or (x == "\\left" and nxt_text in _BARS):
        return _emit_abs(toks, i, sk)
    if x in ("(", "[") or (x in _OPEN_SIZES and nxt_text in ("(", "[")):
        return _emit_bracket_function(toks, i, sk)
    if t.kind == "num" and x == "1" and (nxt_text == "\\{" or (
            nxt_text == "\\left" and i + 2 < len(toks) and toks[i + 2].text == "\\{")):
        return _emit_indicator(toks, i + 1, sk, t)
    if x in ("\\text", "\\textrm") and nxt_text == "{":  # \text{ReLU}(z): a known name only
        grp, nxt = _group(toks, i + 1, scope)
        name = "\\mathrm{" + "".join(g.text for g in grp) + "}"
        if name in BY_SPELLING and scope.lookup(name) is None:
            return _emit_named(toks, i, nxt, name, sk)
        return None
    if x in _FONTS or x in _GREEK or x in BY_SPELLING:
        name, nxt = _read_name(toks, i, scope)
        after = toks[nxt].text if nxt < len(toks) else ""
        if name in INDICATORS and after in ("\\{", "_", "(", "[", "\\left"):
            return _emit_indicator(toks, nxt, sk, t)
        fn = BY_SPELLING.get(name)
        if fn is not None and scope.lookup(name) is None:
            return _emit_named(toks, i, nxt, name, sk)
    return None


def _closing_bar(toks: list[Tok], i: int) -> int | None:
    depth = 0
    for j in range(i + 1, len(toks)):
        x = toks[j].text
        if x in ("(", "[", "{", "\\{"):
            depth += 1
        elif x in (")", "]", "}", "\\}"):
            depth -= 1
            if depth < 0:
                return None
        elif x in ("|", "\\vert", "\\rvert") and depth == 0 and toks[j - 1].text != "\\right":
            return j
    return None


def _closing_right(toks: list[Tok], i: int) -> int | None:
    """toks[i] is `\\left`: the index of its `\\right`."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "\\left":
            depth += 1
        elif toks[j].text == "\\right":
            depth -= 1
            if depth == 0:
                return j
    return None


def _emit_abs(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    if toks[i].text == "\\left":
        r = _closing_right(toks, i)
        if r is None or r + 1 >= len(toks) or toks[r + 1].text not in _BARS:
            raise _err("`\\left|` needs a matching `\\right|`", scope, toks[i], toks[i + 1].end)
        inner, end = toks[i + 2 : r], r + 2
    else:
        j = _closing_bar(toks, i)
        if j is None:
            raise _err(f"no closing `{toks[i].text}` for this absolute value", scope, toks[i])
        inner, end = toks[i + 1 : j], j + 1
    if not inner:
        raise _err("an absolute value needs something between its bars", scope, toks[i],
                   toks[end - 1].end)
    sk.placeholder(sympy.Abs(parse_expression(inner, scope)), (toks[i].start, toks[end - 1].end))
    return end


def _plus_subscript(toks: list[Tok], k: int) -> int | None:
    """`_+` or `_{+}` at toks[k]: the index after it."""
    texts = [t.text for t in toks[k : k + 4]]
    if texts[:2] == ["_", "+"]:
        return k + 2
    if texts[:4] == ["_", "{", "+", "}"]:
        return k + 4
    return None


def _emit_bracket_function(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """`(x)_+` (the positive part, max(0, x)) and the Iverson bracket `[y = k]`."""
    key = id(toks)
    if key not in sk.bracket_notation:  # one scan per token list, not one per bracket
        texts = [t.text for t in toks]
        sk.bracket_notation[key] = (toks, any(
            a == "_" and (b == "+" or b == "{") for a, b in zip(texts, texts[1:]))
            or ("[" in texts and any(x in _RELATION_TOKENS for x in texts)))
    if not sk.bracket_notation[key][1]:
        return None
    k = i + 1 if toks[i].text in _OPEN_SIZES else i
    close = _close_bracket(toks, k)
    if close is None:
        return None
    inner = toks[k + 1 : close]
    if inner and inner[-1].text in _DELIM_SIZES:
        inner = inner[:-1]
    if not inner:
        return None
    end = _plus_subscript(toks, close + 1)
    src = (toks[i].start, toks[(end or close + 1) - 1].end)
    if end is not None:
        sk.placeholder(sympy.Max(0, parse_expression(inner, sk.scope)), src)
        return end
    if toks[k].text == "[" and len(_depth_split(inner, set(_RELATION_TOKENS))) == 2:
        sk.placeholder(indicator(_condition(inner, sk.scope)), src)
        return close + 1
    return None


def _emit_indicator(toks: list[Tok], k: int, sk: _Skeleton, start: Tok) -> int:
    """An indicator `\\mathbb{1}\\{c\\}` (or `_{c}`, `(c)`, `1\\{c\\}`) from its argument at
    toks[k]: 1 where the condition holds, else 0."""
    scope = sk.scope
    x = toks[k].text
    if x == "_":
        inner, end = _group(toks, k + 1, scope)
    elif x == "\\left":
        r = _closing_right(toks, k)
        if r is None:
            raise _err("`\\left` needs a matching `\\right`", scope, toks[k])
        inner, end = toks[k + 2 : r], r + 2
    elif x == "\\{":
        depth = 0
        end = None
        for j in range(k, len(toks)):
            depth += (toks[j].text == "\\{") - (toks[j].text == "\\}")
            if depth == 0:
                end = j + 1
                break
        if end is None:
            raise _err("unbalanced `\\{`: no matching `\\}`", scope, toks[k])
        inner = toks[k + 1 : end - 1]
    else:
        close = _close_bracket(toks, k)
        if close is None:
            raise _err(f"unbalanced `{x}`", scope, toks[k])
        inner, end = toks[k + 1 : close], close + 1
    if not inner:
        raise _err("an indicator needs a condition, as in \\mathbb{1}\\{y = k\\}", scope, start,
                   toks[end - 1].end)
    sk.placeholder(indicator(_condition(inner, scope)), (start.start, toks[end - 1].end))
    return end


def _emit_named(toks: list[Tok], i: int, nxt: int, name: str, sk: _Skeleton) -> int | None:
    """A function known by name (`\\max(0, x)`, `\\mathrm{ReLU}(z)`, `\\Phi(x)`,
    `\\operatorname{erf}(x)`), applied: its SymPy form from the registry. Its derivative
    `f^{\\prime}(x)` is sympy.diff of that form. Not applied: None (the name is then read as
    any other name)."""
    scope = sk.scope
    fn = BY_SPELLING[name]
    scripts, k = _scripts(toks, nxt, scope)
    prime = False
    if "_" in scripts:
        if fn.arity is None:
            raise _err(f"`{name}` over an index is not supported: write `{name}(a, b)`", scope,
                       scripts["_"][1])
        return None
    if "^" in scripts:
        if [t.text for t in _strip_group(scripts["^"][0])] != ["\\prime"]:
            return None
        prime = True
    j = k + 1 if k < len(toks) and toks[k].text in _OPEN_SIZES else k
    if j >= len(toks) or toks[j].text not in ("(", "[", "\\{"):
        if fn.arity is None:
            raise _err(f"`{name}` must be applied to its arguments, as in `{name}(0, x)`", scope,
                       toks[i])
        return None
    if toks[j].text == "\\{":
        depth = 0
        close = None
        for m in range(j, len(toks)):
            depth += (toks[m].text == "\\{") - (toks[m].text == "\\}")
            if depth == 0:
                close = m
                break
    else:
        close = _close_bracket(toks, j)
    if close is None:
        raise _err(f"unbalanced `{toks[j].text}`", scope, toks[j])
    inner = toks[j + 1 : close]
    if inner and inner[-1].text in _DELIM_SIZES:
        inner = inner[:-1]
    args_toks = [a for a, _ in _depth_split(inner, {","})]
    if any(not a for a in args_toks):
        raise _err(f"empty argument in `{name}(...)`", scope, toks[j])
    want = fn.arity
    if (want is None and len(args_toks) < 2) or (want is not None and len(args_toks) != want):
        what = "at least 2 arguments" if want is None else (
            f"{want} argument{'s' if want != 1 else ''}")
        raise _err(f"`{name}` ({fn.name}) takes {what}, got {len(args_toks)}", scope, toks[i],
                   toks[close].end)
    args = [parse_expression(a, scope) for a in args_toks]
    if prime:
        if want != 1:
            raise _err("`^{\\prime}` is understood only for one-argument functions", scope,
                       toks[i])
        value = fn.derivative(args[0])
    else:
        value = fn.apply(*args)
    sk.placeholder(value, (toks[i].start, toks[close].end))
    return close + 1


# --------------------------------------------------------------------------------------------
# The arithmetic parser


@cache
def _arithmetic(skeleton: str) -> sympy.Basic:
    """Plain arithmetic to SymPy via latex2sympy2_extended (raises its own exception)."""
    cache = _disk_cache()
    hit = cache.get(skeleton)
    if hit is not None:
        return hit
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy

    config = ConversionConfig(lowercase_symbols=False, interpret_as_mixed_fractions=False,
                              interpret_simple_eq_as_assignment=False)
    out = _Latex2Sympy(config=config).parse(skeleton)
    cache.put(skeleton, out)
    return out


@cache
def _disk_cache() -> Cache:
    return Cache()


_CARET = re.compile(r"\n(~*)\^\s*$")


def _finish(sk: _Skeleton, toks: list[Tok]) -> sympy.Basic:
    text = "".join(sk.parts)
    scope = sk.scope
    if text.strip() == _POOL[0] and len(sk.values) == 1:
        return sk.values[_POOL[0]]
    text, shift = _outer_brackets(text)
    try:
        raw = _arithmetic(text)
    except Exception as exc:  # the parser raises bare Exception with a caret picture
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        m = _CARET.search(str(exc))
        offset = (len(m.group(1)) if m else 0) + shift
        a, b = sk.source_at(offset)
        raise InputError(f"cannot read this arithmetic: {msg}",
                         scope.formula.span(a, b - a)) from None
    names = {s.name for s in raw.free_symbols}
    expected = set(sk.values) | set(sk.sums) | set(_DUMMIES[: len(sk.sums)])
    stray = names - expected
    if stray:
        raise InputError(f"the arithmetic parser read stray symbol(s) {sorted(stray)}",
                         scope.formula.span(toks[0].start, toks[-1].end - toks[0].start))
    missing = set(sk.values) - names
    if missing:
        lost = sk.values[sorted(missing)[0]]
        raise InputError(f"part of the expression was dropped by the arithmetic parser: {lost}",
                         scope.formula.span(toks[0].start, toks[-1].end - toks[0].start))
    out = _rebuild(raw, sk, toks)
    if out.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise InputError("this expression has no value: it divides by zero (or is 0/0, or "
                         "infinite)", scope.formula.span(toks[0].start, toks[-1].end - toks[0].start))
    return out


def _outer_brackets(text: str) -> tuple[str, int]:
    """The skeleton without brackets around all of it, `((A + B))` as `A + B`, and how many
    characters were cut at its start: the arithmetic parser reads redundant outer brackets
    2-3 times slower cold and 7-17 times slower warm (measured), for the same tree."""
    shift = 0
    while True:
        stripped = text.strip()
        lead = len(text) - len(text.lstrip())
        if not (stripped.startswith("(") and stripped.endswith(")")):
            return text, shift
        depth = 0
        for k, ch in enumerate(stripped):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and k < len(stripped) - 1:
                return text, shift  # (A)(B): the first bracket closes early
        text = stripped[1:-1]
        shift += lead + 1


def _rebuild(e: sympy.Basic, sk: _Skeleton, toks: list[Tok]) -> sympy.Basic:
    if isinstance(e, sympy.Symbol):
        if e.name in sk.values:
            return sk.values[e.name]
        raise InputError(f"internal: unexpected symbol {e.name}")
    if isinstance(e, sympy.Sum):
        body = _rebuild(e.function, sk, toks)
        for _dummy, _lo, hi in e.limits:  # innermost first
            var, lo, upper, excl, batch = sk.sums[str(hi)]
            if batch:
                body = BatchSum(body, sk.scope.notation.sample)
                continue
            if excl is not None:
                body = body * (1 - sympy.KroneckerDelta(var, excl))
            body = sympy.Sum(body, (var, lo, upper))
        return body
    if isinstance(e, sympy.log) and len(e.args) == 2:
        return sympy.log(_rebuild(e.args[0], sk, toks)) / sympy.log(_rebuild(e.args[1], sk, toks))
    if not e.args:
        _check_number(e, sk.scope, toks)
        return e
    args = [_rebuild(a, sk, toks) for a in e.args]
    if isinstance(e, sympy.Pow):
        _check_power(args[0], args[1], sk.scope, toks)
    elif isinstance(e, sympy.exp):
        _check_power(sympy.E, args[0], sk.scope, toks)
    out = e.func(*args)
    _check_number(out, sk.scope, toks)
    return out
