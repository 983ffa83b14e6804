"""A weight's ends written as subscripts, `a_{\\rm in}`, `\\delta_{\\rm out}` (derive.infer.ends):
the subscript that spells the end, and the token rewrite that puts the tag and index read for
it (`Formula.end_tags`) in its place."""

from __future__ import annotations

from derive.document import Formula
from derive.latex.lexer import Tok, _lex

ENDS = ("in", "out")
_UPRIGHT = ("\\rm", "\\mathrm", "\\text", "\\textrm")


def end_word(sub: list[Tok] | None) -> str | None:
    """`in` or `out` when a subscript's letters spell one (`{\\rm in}`, `\\text{out}`)."""
    if not sub:
        return None
    word = "".join(t.text for t in sub if t.kind == "letter")
    rest = [t for t in sub if t.kind != "letter" and t.text not in ("{", "}")]
    if word in ENDS and all(t.text in _UPRIGHT for t in rest):
        return word
    return None


def _subscript_end(toks: list[Tok], k: int) -> int:
    """The index after the subscript whose `_` is at `k`: a group, a command and its group
    (`\\text{in}`), or one token."""
    j = k + 1
    if j < len(toks) and toks[j].text in _UPRIGHT and j + 1 < len(toks) and toks[j + 1].text == "{":
        j += 1
    if j < len(toks) and toks[j].text == "{":
        depth = 0
        for m in range(j, len(toks)):
            depth += {"{": 1, "}": -1}.get(toks[m].text, 0)
            if depth == 0:
                return m + 1
        return len(toks)
    return j + 1


def end_tags(toks: list[Tok], formula: Formula) -> list[Tok]:
    """Each `a_{\\rm in}` the formula's end tags read: its subscript replaced by the tag and
    index (`^{l-1}_{k}`), as tokens spanning the subscript."""
    if not formula.end_tags:
        return toks
    tags = {(n, e): t for n, e, t in formula.end_tags}
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        out.append(t)
        if k + 1 < len(toks) and toks[k + 1].text == "_":
            end = _subscript_end(toks, k + 1)
            tag = tags.get((t.text, end_word(toks[k + 2:end])))
            if tag is not None:
                at, to = toks[k + 1].start, toks[end - 1].end
                out += [Tok(x.kind, x.text, at, to) for x in _lex(tag, formula, 0)]
                k = end
                continue
        k += 1
    return out
