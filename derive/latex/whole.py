"""Rows read whole: a vector equal to a vector function's value (read entry by entry),
statements outside the network's model (a conditional probability), and the finite
sets after `\\in` (numbers, or the one-hot vectors). Split from `rows`, which calls them."""

from __future__ import annotations

import sympy

from derive.document import Formula
from derive.latex.groups import _depth_split, _match
from derive.latex.scope import Scope, Side, _err
from derive.latex.tokens import _VECTOR_FONTS, VECTOR_FUNCTIONS, Tok


def _vector_name(seg: list[Tok], scope: Scope) -> tuple[list[Tok], Tok] | None:
    """`\\mathbf{o}` or `\\hat{\\mathbf{y}}`, a quantity of one index written whole: the tokens
    of its entry's name (`o`, `\\hat{y}`) and its letter; None for anything else."""
    accent = seg[:2] if len(seg) in (4, 7) and seg[0].text in ("\\hat", "\\tilde", "\\bar") else []
    core = seg[2:-1] if accent else seg
    bold = (len(core) == 4 and core[0].text in _VECTOR_FONTS and core[1].text == "{"
            and core[2].kind == "letter" and core[3].text == "}")
    plain = len(core) == 1 and core[0].kind == "letter"  # \hat{y}, o: a vector all the same
    if not (bold or plain):
        return None
    letter = core[2] if bold else core[0]
    name = f"{accent[0].text}{{{letter.text}}}" if accent else letter.text
    spec = scope.notation.quantities.get(name) if scope.lookup(name) == "quantity" else None
    if spec is None or len(spec.shape) != 1 or spec.layers:
        return None
    toks = [accent[0], accent[1], letter, seg[-1]] if accent else [letter]
    return toks, letter


def _entrywise_vector_function(segments: list[list[Tok]], relations: list[Tok], scope: Scope
                               ) -> list[list[Tok]]:
    """`\\hat{\\mathbf{y}} = \\mathrm{softmax}(\\mathbf{o})`: a vector equal to a vector
    function's value, read entry by entry (`\\hat{y}_j = \\mathrm{softmax}(\\mathbf{o}, j)`, j an
    index letter the row does not use); the segments unchanged otherwise."""
    if len(segments) != 2 or [r.text for r in relations] != ["="]:
        return segments
    lhs, rhs = segments
    if len(rhs) > 3 and rhs[-4].text == "\\text" and rhs[-3].text == "{" and rhs[-1].text == "}":
        rhs = rhs[:-4]  # `\\quad \\text{where} \\quad` before the next row: a word, not maths
    left = _vector_name(lhs, scope)
    if left is None or len(rhs) < 6 or rhs[0].text not in ("\\mathrm", "\\operatorname"):
        return segments
    close = next((k for k in range(1, len(rhs)) if rhs[k].text == "}"), None)
    if (close is None or rhs[0].text + "".join(t.text for t in rhs[1 : close + 1])
            not in VECTOR_FUNCTIONS or close + 1 >= len(rhs) or rhs[close + 1].text != "("
            or rhs[-1].text != ")" or _match(rhs, close + 1, scope) != len(rhs) - 1):
        return segments
    if _vector_name(rhs[close + 2 : -1], scope) is None:
        return segments  # softmax(V h + c): a vector computed, read in vector form
    used = {t.text for t in lhs + rhs}
    j = next((c for c in "jkicrs" if c not in used and scope.lookup(c) is None), None)
    if j is None:
        return segments
    names, _letter = left
    at, end = rhs[-1].start, lhs[-1].end
    index = [Tok("sym", "_", end, end), Tok("letter", j, end, end)]
    return [[*names, *index], [*rhs[:-1], Tok("sym", ",", at, at), Tok("letter", j, at, at),
                               rhs[-1]]]


def _outside_the_model(seg: list[Tok], scope: Scope) -> None:
    """Statements about the data, not values the network computes, are not read (said, never
    guessed): a conditional probability `P(\\mathbf{y} \\mid \\mathbf{x})`."""
    for t in seg:
        if t.text == "\\mid":
            raise _err("a conditional probability (`\\mid`) is not read: it is a statement about "
                       "the data's distribution, outside the network's model (the tool reads "
                       "one as the network's likelihood only where the text says the outputs "
                       "are the class probabilities, $\\hat{y}_j = P(y = j \\mid x)$, and the "
                       "labels one-hot, and then only the label's given the input, "
                       "$P(y \\mid x)$, or the data set's, $P(Y \\mid X)$)", scope, t,
                       hint="the tool checks the formulas of the model, its loss and their "
                       "derivatives")


def _number_tuple(it: list[Tok]) -> sympy.Tuple | None:
    """`(1, 0, 0)`: a tuple of numbers, the value of a whole vector; None for anything else."""
    if len(it) < 5 or it[0].text != "(" or it[-1].text != ")":
        return None
    parts = [p for p, _ in _depth_split(it[1:-1], {","})]
    if not all(len(p) == 1 and p[0].kind == "num" for p in parts):
        return None
    return sympy.Tuple(*(sympy.Rational(p[0].text) for p in parts))


def _parse_set(seg: list[Tok], scope: Scope, formula: Formula) -> Side:
    if not (seg and seg[0].text == "\\{" and seg[-1].text == "\\}"):
        raise _err("after `\\in` the tool understands only a finite set `\\{ 0, 1 \\}`", scope,
                   seg[0] if seg else 0)
    items = [s for s, _ in _depth_split(seg[1:-1], {","})]
    values = []
    for it in items:
        vector = _number_tuple(it)
        if vector is not None:  # \{(1, 0, 0), (0, 1, 0), (0, 0, 1)\}: the values of a vector
            values.append(vector)
            continue
        if len(it) != 1 or it[0].kind != "num":
            raise _err("set elements must be numbers", scope, it[0] if it else seg[0])
        values.append(sympy.Rational(it[0].text))
    return Side(sympy.FiniteSet(*values), seg[0].start, seg[-1].end,
                formula.text[seg[0].start : seg[-1].end])
