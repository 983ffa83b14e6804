"""Conditions and `cases`: one relation (`i = j`, `i \\ne j`, `z \\le 0`) after words such as
`\\text{if}`, and piecewise values built from them."""

from __future__ import annotations

import sympy

from derive.latex.arithmetic import _Skeleton
from derive.latex.groups import _depth_split, _drop_tags, _env_close, _env_end, _env_name, _group
from derive.latex.indices import _index_expr
from derive.latex.scope import Scope, _err
from derive.latex.tokens import Tok


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
        value = sk.parse(_trim_punct(cell) or cell)
        pieces.append((value, _condition(filled[1], sk)))
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


def _condition(toks: list[Tok], sk: _Skeleton) -> sympy.Basic:
    """A `cases` condition or an indicator's: one relation (`i = j`, `i \\ne j`, `x > 0`,
    `z^{(l)}_i \\le 0`), after words such as `\\text{if }`; `\\text{otherwise}` is always true."""
    scope = sk.scope
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
    return rel(sk.parse(left), sk.parse(right))


def _le_ge(toks: list[Tok]) -> list[Tok]:
    """`<=` and `>=` as plain-text notes write them: one relation each."""
    out: list[Tok] = []
    for t in toks:
        if t.text == "=" and out and out[-1].text in ("<", ">") and out[-1].end == t.start:
            out[-1] = Tok("cmd", "\\le" if out[-1].text == "<" else "\\ge", out[-1].start, t.end)
        else:
            out.append(t)
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


_ORDER = {"<", ">", "\\le", "\\leq", "\\ge", "\\geq", "\\lt", "\\gt"}


def range_qualifier(part: list[Tok], relations: set[str]) -> bool:
    """`l < L`, `1 \\le j \\le n`, `l = 2, \\ldots, L-1` (after `,` or `\\text{for}`): a
    part after a gap that says for which values of one letter the equation holds."""
    toks = [t for t in part if t.kind != "text" and t.text not in (",", ";", ".")]
    while toks and toks[0].text in ("\\text", "\\mathrm", "{", "}", "\\forall"):
        toks = toks[1:]
    if len(toks) < 3:
        return False
    texts = [t.text for t in toks]
    if any(x in _ORDER for x in texts) and all(x not in relations for x in texts):
        return all(t.kind in ("letter", "num") or t.text in _ORDER | {"+", "-", "_", "{", "}"}
                   for t in toks)
    return (toks[0].kind == "letter" and texts[1] == "="
            and any(x in ("\\ldots", "\\dots", "\\cdots") for x in texts[2:])
            and all(x not in relations for x in texts[2:]))


def for_words(row: list[Tok], relations: set[str]) -> int | None:
    """Where `\\text{ for } l = 1 \\dots L-1` (or `\\text{for } l < L`) starts at the end of
    a row: the words "for" then the values of one letter the equation holds for."""
    for k in range(len(row) - 3, 0, -1):
        if row[k].text in _TEXT_COMMANDS and row[k + 1].text == "{":
            close = next((p for p in range(k + 2, len(row)) if row[p].text == "}"), None)
            words = "".join(t.text for t in row[k + 2 : close]) if close else ""
            if words in ("for", "forall") and range_qualifier(row[close + 1 :], relations):
                return k
            return None
    return None
