"""A standalone objective in matrix form and its gradients, read as a tree of its own
(`F(A; s) = \\lVert As - x \\rVert_2^2 + \\gamma \\lVert A \\rVert_2^2`, then
`\\nabla_A F = 2(As - x)s^T`): single letters are matrices (a lowercase letter too: its sizes
come from the products it is in), `I` the identity, greek letters scalars, juxtaposition the
matrix product, `^T` a transpose, `\\bullet`/`\\odot`/`\\circ` the entry-wise product, a squared
norm the sum of the squares of the entries.

Anything else (a script on a letter, a sum, a function, a power of a matrix) is not read: the
reader raises `NotRead` with what it met. Token level only: the tree is data, nothing is
evaluated here (derive.check.objectives computes with it)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive.document import Formula
from derive.errors import InputError
from derive.latex.lexer import _GREEK, Tok, _lex


class NotRead(Exception):
    """What the reader met that it does not read."""


@dataclass(frozen=True)
class Var:
    name: str
    pos: int  # where it is written (its token's offset): one occurrence


@dataclass(frozen=True)
class Ident:
    pos: int


@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Scal:
    name: str  # a greek letter: a scalar of the objective


@dataclass(frozen=True)
class T:
    arg: object
    pos: int


@dataclass(frozen=True)
class Mul:
    args: tuple


@dataclass(frozen=True)
class Add:
    terms: tuple  # (sign, node)


@dataclass(frozen=True)
class Had:
    left: object
    right: object


@dataclass(frozen=True)
class Norm2:
    arg: object


@dataclass(frozen=True)
class Row:
    """One row of a formula: its left side's tokens (empty on a continuation `& = ...`) and
    the tokens of each side after an `=`."""

    line: int
    col: int
    lhs: tuple
    steps: tuple
    latex: str


_TRANSPOSE = {"T", "\\top", "\\intercal", "\\mathsf{T}"}
_HADAMARD = {"\\bullet", "\\odot", "\\circ"}
_NORMS = {"\\lVert": "\\rVert", "\\|": "\\|", "\\Vert": "\\Vert"}
_SKIP = {"\\left", "\\right", "\\big", "\\Big", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "&",
         "\\mathbf", "\\boldsymbol", "\\bm"}


def rows(formula: Formula) -> list[Row]:
    """The formula's rows, split at `\\\\`, each at its `=` signs (an `align` environment's
    `\\begin`/`\\end` and `&` dropped)."""
    try:
        toks = _lex(formula.text, formula, 0)
    except InputError as err:
        raise NotRead(err.message) from err
    toks = _bold(_environments(toks))
    out: list[Row] = []
    current: list[Tok] = []
    for t in [*toks, Tok("cmd", "\\\\", len(formula.text), len(formula.text))]:
        if t.text != "\\\\":
            current.append(t)
            continue
        while current and current[-1].text in (",", "."):
            current.pop()
        if current:
            out.append(_row(formula, current))
        current = []
    return out


def _environments(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        if toks[k].text in ("\\begin", "\\end") and k + 1 < len(toks) and toks[k + 1].text == "{":
            k = _close(toks, k + 1) + 1
            continue
        out.append(toks[k])
        k += 1
    return out


def _bold(toks: list[Tok]) -> list[Tok]:
    """`\\mathbf{W}` as the letter W."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        if (toks[k].text in ("\\mathbf", "\\boldsymbol", "\\bm") and k + 3 < len(toks)
                and toks[k + 1].text == "{" and toks[k + 2].kind == "letter"
                and toks[k + 3].text == "}"):
            out.append(Tok("letter", toks[k + 2].text, toks[k].start, toks[k + 3].end))
            k += 4
            continue
        out.append(toks[k])
        k += 1
    return out


def _close(toks: list, k: int) -> int:
    """The index of the bracket closing the one at k."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    opening, depth = toks[k].text, 0
    for j in range(k, len(toks)):
        if toks[j].text == opening:
            depth += 1
        elif toks[j].text == pairs[opening]:
            depth -= 1
            if depth == 0:
                return j
    raise NotRead(f"an unclosed `{opening}`")


def _row(formula: Formula, toks: list[Tok]) -> Row:
    sides: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        depth += t.text in ("{", "(", "[")
        depth -= t.text in ("}", ")", "]")
        if t.text == "=" and depth == 0:
            sides.append([])
        elif t.text != "&":
            sides[-1].append(t)
    span = formula.span(toks[0].start)
    text = formula.text[toks[0].start:toks[-1].end]
    return Row(span.line, span.col, tuple(sides[0]), tuple(tuple(s) for s in sides[1:]), text)


def gradient_of(lhs: tuple) -> tuple[str, bool, str] | None:
    """`\\nabla_{A} F`, `\\nabla_A F(A)`, `\\nabla_{W^T} F`: (the variable, whether it is
    written transposed, the objective's name); None for any other left side."""
    toks = [t for t in lhs if t.text not in _SKIP]
    if len(toks) < 3 or toks[0].text != "\\nabla" or toks[1].text != "_":
        return None
    k = 2
    if toks[k].text == "{":
        end = _close(toks, k)
        inner, k = toks[k + 1:end], end + 1
    else:
        inner, k = toks[k:k + 1], k + 1
    transposed = len(inner) >= 3 and inner[1].text == "^" and _is_transpose(inner[2:])
    if not inner or inner[0].kind != "letter" or len(inner) > 1 and not transposed:
        return None
    if k >= len(toks) or toks[k].kind != "letter":
        return None
    rest = toks[k + 1:]
    if rest and (rest[0].text != "(" or _close(rest, 0) != len(rest) - 1):
        return None
    return inner[0].text, transposed, toks[k].text


def definition_of(lhs: tuple) -> tuple[str, tuple[str, ...]] | None:
    """`F(A; s)`, `J(W, x)`: the objective's name and its arguments (plain letters); None
    for any other left side."""
    toks = [t for t in lhs if t.text not in _SKIP]
    if len(toks) < 4 or toks[0].kind != "letter" or toks[1].text != "(" or toks[-1].text != ")":
        return None
    args = toks[2:-1]
    names = [t.text for t in args[::2]]
    if not all(t.kind == "letter" for t in args[::2]) or not all(
            t.text in (",", ";") for t in args[1::2]) or len(args) % 2 == 0:
        return None
    return toks[0].text, tuple(names)


def _is_transpose(toks) -> bool:
    text = "".join(t.text for t in toks if t.text not in ("{", "}"))
    return text in _TRANSPOSE or text == "\\mathsf" + "T"


def parse(toks: tuple) -> object:
    """A side as a tree (Var, Ident, Num, Scal, T, Mul, Add, Had, Norm2); NotRead when it
    holds anything else."""
    toks = [t for t in toks if t.text not in _SKIP]
    if not toks:
        raise NotRead("an empty side")
    node, k = _Reader(toks).sum(0)
    if k != len(toks):
        raise NotRead(f"`{toks[k].text}` is not read here")
    return node


class _Reader:
    def __init__(self, toks: list[Tok]):
        self.toks = toks

    def _at(self, k: int) -> str:
        return self.toks[k].text if k < len(self.toks) else ""

    def sum(self, k: int, stop: str = "") -> tuple[object, int]:
        terms: list[tuple[int, object]] = []
        sign = 1
        if self._at(k) in ("+", "-"):
            sign, k = (-1 if self._at(k) == "-" else 1), k + 1
        while True:
            node, k = self.hadamard(k, stop)
            terms.append((sign, node))
            if self._at(k) not in ("+", "-"):
                break
            sign, k = (-1 if self._at(k) == "-" else 1), k + 1
        return (terms[0][1] if len(terms) == 1 and terms[0][0] == 1 else Add(tuple(terms))), k

    def hadamard(self, k: int, stop: str) -> tuple[object, int]:
        node, k = self.product(k, stop)
        while self._at(k) in _HADAMARD:
            right, k = self.product(k + 1, stop)
            node = Had(node, right)
        return node, k

    def product(self, k: int, stop: str) -> tuple[object, int]:
        factors = []
        ends = {"+", "-", ")", "}", *_HADAMARD} | ({stop} if stop else set())
        while k < len(self.toks) and self._at(k) not in ends:
            if self._at(k) == "\\cdot":
                k += 1
                continue
            node, k = self.factor(k)
            factors.append(node)
        if not factors:
            raise NotRead(f"a term is missing before `{self._at(k) or 'the end'}`")
        return (factors[0] if len(factors) == 1 else Mul(tuple(factors))), k

    def factor(self, k: int) -> tuple[object, int]:
        node, k = self.atom(k)
        while self._at(k) == "^":
            start = k
            arg, k = self._script(k + 1)
            if not _is_transpose(arg):
                text = "".join(t.text for t in arg)
                raise NotRead(f"a layer tag `^{{{text}}}`" if text.startswith("(") else
                              f"a power `^{{{text}}}` of a vector or matrix")
            node = T(node, self.toks[start].start)
        if self._at(k) in ("_", "'"):
            raise NotRead(f"a script on `{self.toks[k - 1].text}`")
        return node, k

    def _script(self, k: int) -> tuple[list[Tok], int]:
        if self._at(k) == "{":
            end = _close(self.toks, k)
            return self.toks[k + 1:end], end + 1
        return self.toks[k:k + 1], k + 1

    def atom(self, k: int) -> tuple[object, int]:
        t = self.toks[k] if k < len(self.toks) else None
        if t is None:
            raise NotRead("the side ends early")
        if t.text in ("(", "{"):
            node, end = self.sum(k + 1)
            if self._at(end) != {"(": ")", "{": "}"}[t.text]:
                raise NotRead(f"`{self._at(end) or 'the end'}` where a bracket closes")
            return node, end + 1
        if t.text in _NORMS:
            return self.norm(k)
        if t.text == "\\frac":
            return self.fraction(k)
        if t.kind == "num":
            return Num(Fraction(t.text)), k + 1
        if t.kind == "letter":
            return (Ident(t.start) if t.text == "I" else Var(t.text, t.start)), k + 1
        if t.text in _GREEK:
            return Scal(t.text), k + 1
        raise NotRead(f"`{t.text}` is not read in an objective in matrix form")

    def norm(self, k: int) -> tuple[object, int]:
        close = _NORMS[self._at(k)]
        node, end = self.sum(k + 1, stop=close)
        if self._at(end) != close:
            raise NotRead("a norm that does not close")
        k = end + 1
        if self._at(k) == "_":
            sub, k = self._script(k + 1)
            if "".join(t.text for t in sub) not in ("2", "F"):
                raise NotRead("a norm other than the 2-norm")
        if self._at(k) != "^":
            raise NotRead("a norm that is not squared")
        power, k = self._script(k + 1)
        if "".join(t.text for t in power) != "2":
            raise NotRead("a norm that is not squared")
        return Norm2(node), k

    def fraction(self, k: int) -> tuple[object, int]:
        if self._at(k + 1) != "{":
            raise NotRead("a fraction written without braces")
        end = _close(self.toks, k + 1)
        num = _Reader(self.toks[k + 2:end]).sum(0)[0]
        if self._at(end + 1) != "{":
            raise NotRead("a fraction written without braces")
        end2 = _close(self.toks, end + 1)
        den = _Reader(self.toks[end + 2:end2]).sum(0)[0]
        if not isinstance(den, Num) or den.value == 0:
            raise NotRead("a fraction whose denominator is not a number")
        return Mul((Num(1 / den.value), num)), end2 + 1


def letters(node: object) -> set[str]:
    """The names of the variables a tree reads."""
    if isinstance(node, Var):
        return {node.name}
    out: set[str] = set()
    for child in children(node):
        out |= letters(child)
    return out


def children(node: object) -> tuple:
    if isinstance(node, (T, Norm2)):
        return (node.arg,)
    if isinstance(node, Mul):
        return node.args
    if isinstance(node, Add):
        return tuple(n for _s, n in node.terms)
    if isinstance(node, Had):
        return node.left, node.right
    return ()
