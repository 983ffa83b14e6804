"""What the parser reads of a formula's indices beyond their names, said in words: a sum's
dummy index that shadows a derivative variable's index (renamed, derive.latex.calculus), and the
values a row is stated for (`\\quad (l = 2, 3)`, derive.latex.rows.qualified)."""

from __future__ import annotations

from derive.infer.scan import Row, _fractions, _group, _strip
from derive.latex import Tok


def bound_facts(rows: list[Row]) -> list[str]:
    """The facts of both readings, in the order of the rows."""
    out: list[str] = []
    for r in rows:
        for letter, values in r.holds_for:
            out.append(f"line {r.formula.line}: `({letter} = {', '.join(map(str, values))})` "
                       "after the equation read as the values it is stated for: a claim is checked at "
                       f"those values of ${letter}$ only")
        seen: set[str] = set()
        for side in r.sides:
            for _op, num, den in _fractions(side):
                for letter in sorted(set(_sum_letters(num)) & set(_sub_letters(den))):
                    if letter in seen:
                        continue
                    seen.add(letter)
                    line = r.formula.span(num[0].start).line if num else r.formula.line
                    out.append(f"line {line}: the sum over ${letter}$ inside what a derivative "
                               f"differentiates binds a ${letter}$ of its own (a dummy, read "
                               f"as ${letter}'$): the ${letter}$ of the variable it is "
                               "differentiated by stays free")
    return out


def _sum_letters(toks: list[Tok]) -> list[str]:
    out = []
    for k, t in enumerate(toks):
        if t.text == "\\sum" and k + 1 < len(toks) and toks[k + 1].text == "_":
            sub, _ = _group(toks, k + 2)
            sub = _strip(sub)
            if sub and sub[0].kind == "letter":
                out.append(sub[0].text)
    return out


def _sub_letters(toks: list[Tok]) -> list[str]:
    out = []
    for k, t in enumerate(toks):
        if t.text == "_":
            sub, _ = _group(toks, k + 1)
            out += [x.text for x in sub if x.kind == "letter"]
    return out
