"""The structure pass: a display formula unwrapped from its environment, cut into rows at
`\\\\`, and each row into sides at its relations (`=`, `\\leftarrow`, `\\in`, ...)."""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

import sympy

from derive.document import Formula
from derive.errors import InputError
from derive.expr import Partial, Quantity
from derive.functions import BY_SPELLING
from derive.latex.batch import batch_d_names
from derive.latex.calculus import operands_written_out
from derive.latex.changes import approximating
from derive.latex.conditions import for_words, range_qualifier
from derive.latex.expression import parse_expression
from derive.latex.groups import (
    _BRACKETS,
    _depth_split,
    _drop_tags,
    _env_close,
    _env_end,
    _env_name,
)
from derive.latex.header import without_header
from derive.latex.limits import _check_sizes
from derive.latex.opening import NOTHING_CLAIMED, NothingClaimed, joined_openings, lone_expression
from derive.latex.prefix import readable_prefix
from derive.latex.scope import Equation, Index, RowError, Scope, Side, _err
from derive.latex.slips import flagged, mended_argument, mended_partials
from derive.latex.tokens import _FONTS, VECTOR_FUNCTIONS, Tok, ordinary_derivative, tokenize
from derive.latex.whole import _entrywise_vector_function, _outside_the_model, _parse_set

_RELATIONS = {"=", "\\leftarrow", "\\in", "\\gets", "\\rightarrow", "\\to", "\\equiv",
              "\\triangleq", "\\coloneqq", "\\doteq", ":=", "\\approx"}


_PUNCT = {",", "."}


def _unwrapped(toks: list[Tok], scope: Scope) -> tuple[list[Tok], str | None]:
    """`\\begin{split} ... \\end{split}` (or aligned, align, ...): what is inside, and the
    environment's name; other formulas as they are."""
    if toks and toks[0].text == "\\begin":
        name, body = _env_name(toks, 0, scope)
        if name in ("split", "aligned", "align", "align*", "gathered", "eqnarray"):
            end = _env_end(toks, 0, name, scope)
            after = _env_close(toks, end, name, scope)
            rest = [t for t in toks[after:] if t.text not in _PUNCT]
            if rest:
                raise _err("text after `\\end{" + name + "}`", scope, rest[0])
            return toks[body:end], name
    return toks, None


def parse_formula(formula: Formula, scope: Scope) -> list[Equation | RowError]:
    """All equations of a display formula, each row parsed on its own."""
    _check_sizes(formula)
    toks, slips = mended_partials(batch_d_names(tokenize(formula.text, formula), scope),
                                  formula.text)
    toks, strays = mended_argument(toks, formula.text)
    slips += strays
    toks = without_header(toks, _RELATIONS)
    _check_sizes(formula, toks)
    toks, env = _unwrapped(toks, scope)
    rows = [part for r, _ in _depth_split(toks, {"\\\\"}) for both in split_at_and(r)
            for part in split_at_gaps(both, formula.text)]
    rows = joined_openings(rows, _RELATIONS)
    if lone_expression([_drop_tags(r, scope) for r in rows], _RELATIONS):
        at = next(r for r in rows if r)
        span = formula.span(at[0].start, at[-1].end - at[0].start)
        return [RowError(1, NothingClaimed(NOTHING_CLAIMED, span), span.line,
                         formula.text[at[0].start : at[-1].end])]
    out: list[Equation | RowError] = []
    broken: int | None = None  # the equation whose `&=` step could not be read, in `out`
    for row in rows:
        row, holds_for, holds_if = conditioned(_drop_tags(row, scope))
        if not row:
            continue
        last = out[-1] if out and isinstance(out[-1], Equation) else None
        failed = out[-1] if out and isinstance(out[-1], RowError) else None
        if failed is not None and _continues(row) and broken is not None:
            resumed = _resumed(row, scope, formula, out[broken], env, len(out) - 1 - broken)
            if isinstance(resumed, Equation):  # the chain goes on after its step not read
                out[broken] = flagged(resumed, slips)
                continue
            resumed.at(formula.span(row[0].start, row[-1].end - row[0].start))
            out.append(RowError(len(out) + 1, resumed, formula.span(row[0].start).line,
                                formula.text[row[0].start : row[-1].end]))
            continue
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
            exc.at(formula.span(row[0].start, row[-1].end - row[0].start))  # never without a place
            broken = (len(out) - 1 if last is not None and _continues(row) else  # last: out[-1]
                      broken if failed is not None and _continues(row) else None)
            found = readable_prefix(row, exc, _RELATIONS, functools.partial(
                _parse_row, scope=scope, formula=formula, current=last, number=len(out) + 1),
                functools.partial(_place, formula))
            if found is not None:  # the steps before the one not read are checked
                out.append(found[0])
                row = found[1]
            span = formula.span(row[0].start)
            out.append(RowError(len(out) + 1, exc, span.line,
                                formula.text[row[0].start : row[-1].end]))
            continue
        if holds_for:
            eq = dataclasses.replace(eq, holds_for=eq.holds_for + holds_for)
        if holds_if:
            stray = _stray_condition(eq, holds_if)
            if stray is not None:  # (l = L): a layer's value, not a relation of two indices
                out.append(RowError(len(out) + 1, InputError(
                    f"`{stray[0]} {_SAID[stray[1]]} {stray[2]}` after the equation: a condition "
                    "is read only between two of the equation's free indices (`i \\neq j`); "
                    f"`{stray[0]}` and `{stray[2]}` are not both", formula.span(
                        row[0].start, row[-1].end - row[0].start)), formula.span(
                            row[0].start).line, formula.text[row[0].start : row[-1].end]))
                continue
            eq = dataclasses.replace(eq, holds_if=eq.holds_if + holds_if)
        eq = flagged(eq, slips)
        if last is not None and eq.number == last.number:
            out[-1] = eq  # a `&=` row continued the previous equation
        else:
            out.append(eq)
    return out


def _resumed(row: list[Tok], scope: Scope, formula: Formula, chain: Equation, env: str | None,
             unread: int) -> Equation | InputError:
    """A `&=` row after `unread` steps of `chain` that could not be read, as `chain`'s next step
    (checked against the left side), or why it cannot be read either."""
    try:
        _check_row(row, scope, env)
        eq = _parse_row(row, scope, formula, chain, chain.number)
    except InputError as exc:
        return exc
    if eq.number != chain.number or len(eq.steps) <= len(chain.steps):
        return InputError("not checked: this step continues an equation whose step before it "
                          "could not be read")
    numbers = chain.step_numbers or tuple(range(1, len(chain.steps) + 1))
    return dataclasses.replace(eq, step_numbers=(*numbers, len(chain.steps) + unread + 1))


def _place(formula: Formula, offset: int) -> tuple[int, int]:
    span = formula.span(offset)
    return span.line, span.col


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
        if out and range_qualifier(part, _RELATIONS):
            continue  # \quad l < L, \quad \text{for } l = 2, \ldots, L-1: where it holds
        if out and index_condition(part) is not None:
            out[-1] = out[-1] + part  # \qquad (i \neq j): read by `qualified`, at the row's end
            continue
        if out and not (_has_relation(part) and _has_relation(out[-1])):
            out[-1] = out[-1] + part  # x = y \quad (for all y): one equation
        else:
            out.append(part)
    return out


_WORDS = {"\\text", "\\textrm", "\\mbox", "\\mathrm"}


def split_at_and(row: list[Tok]) -> list[list[Tok]]:
    """`A = 1 \\; \\text{and} \\; B = 1`: two equations joined by the word "and", each one
    checked (the word dropped), where the parts on both sides of it hold a relation."""
    for k in range(len(row) - 5):
        if (row[k].text in _WORDS and row[k + 1].text == "{" and row[k + 5].text == "}"
                and "".join(t.text for t in row[k + 2 : k + 5]) == "and"
                and _has_relation(row[:k]) and _has_relation(row[k + 6 :])):
            return [row[:k], *split_at_and(row[k + 6 :])]
    return [row]


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


_CONDITION_WORDS = {"if", "for", "for all", "when", "where", "whenever"}
_INDEX_RELATIONS = {"\\ne": "ne", "\\neq": "ne", "=": "eq"}


def index_condition(part: list[Tok]) -> tuple[str, str, str] | None:
    """`(i \\neq j)`, `\\text{if } i = j`, `i \\ne j` after an equation: a relation between two
    index letters that says for which index values the equation holds, as (letter, `ne` or
    `eq`, letter). A bare `i = j` is no condition (it is an equation of its own), nor is anything
    between other than two single letters."""
    toks = [t for t in part if t.text not in (",", ";", "\\right", "\\left")]
    words = False
    if len(toks) >= 3 and toks[0].text in _WORDS and toks[1].text == "{":
        close = next((k for k in range(2, len(toks)) if toks[k].text == "}"), None)
        word = "".join(t.text for t in toks[2:close]).strip().lower() if close else ""
        if word not in _CONDITION_WORDS:
            return None
        toks, words = toks[close + 1:], True  # type: ignore[operator]
    paren = len(toks) == 5 and toks[0].text == "(" and toks[-1].text == ")"
    if paren:
        toks = toks[1:-1]
    if len(toks) != 3 or toks[1].text not in _INDEX_RELATIONS:
        return None
    if not all(t.kind == "letter" and len(t.text) == 1 for t in (toks[0], toks[2])):
        return None
    if toks[0].text == toks[2].text or (_INDEX_RELATIONS[toks[1].text] == "eq"
                                         and not (paren or words)):
        return None
    return toks[0].text, _INDEX_RELATIONS[toks[1].text], toks[2].text


def _condition_tail(row: list[Tok]) -> tuple[int, tuple[str, str, str]] | None:
    """Where an index condition (`index_condition`) ends the row, after what it qualifies."""
    for k in range(max(1, len(row) - 12), len(row) - 2):  # the longest tail that is one
        found = index_condition(row[k:])
        if found is not None and _has_relation(row[:k]):
            return k, found
    return None


_SAID = {"ne": "\\neq", "eq": "="}


def _stray_condition(eq: Equation, conditions: tuple[tuple[str, str, str], ...]
                     ) -> tuple[str, str, str] | None:
    """The first index condition whose letters are not both free indices of the equation
    (`\\qquad (l = L)`, the number of layers; a letter a sum binds)."""
    free = {str(x) for side in (eq.lhs, *eq.steps) for x in side.expr.free_symbols
            if isinstance(x, Index)}
    return next((c for c in conditions if c[0] not in free or c[2] not in free), None)


def strip_qualifiers(row: list[Tok]) -> list[Tok]:
    """A row without its closing punctuation and the range qualifiers notes put after an
    equation, `\\quad (j = 1, 2, \\ldots, p)`: they say where the equation holds, and are no
    part of it."""
    return qualified(row)[0]


def qualified(row: list[Tok]) -> tuple[list[Tok], tuple[tuple[str, tuple[int, ...]], ...]]:
    """`strip_qualifiers`, and the qualifiers that list an index's values one by one
    (`\\quad (l = 2, 3)`: the row holds for l = 2 and l = 3), innermost last."""
    row, found, _ = conditioned(row)
    return row, found


def conditioned(row: list[Tok]) -> tuple[list[Tok], tuple[tuple[str, tuple[int, ...]], ...],
                                          tuple[tuple[str, str, str], ...]]:
    """`qualified`, and the index conditions after the row (`\\qquad (i \\neq j)`)."""
    found: list[tuple[str, tuple[int, ...]]] = []
    conditions: list[tuple[str, str, str]] = []
    while row:
        if row[-1].text in _PUNCT:
            row = row[:-1]
            continue
        tail_condition = _condition_tail(row)
        if tail_condition is not None:
            row = row[:tail_condition[0]]
            conditions.append(tail_condition[1])
            continue
        tail = _type_annotation(row)
        if tail is None:
            tail = for_words(row, _RELATIONS)
        if tail is not None:  # ... \in \mathbb{R}^q, ... \text{ for } l < L: not the equation
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
                and (any(t.text in ("\\ldots", "\\dots", "\\cdots") for t in inner)
                     or _enumeration(inner[2:]))
                and not any(t.text in _RELATIONS for t in inner[2:])):
            if _enumeration(inner[2:]):
                found.append((inner[0].text, tuple(int(t.text) for t in inner[2::2])))
            row = row[:first]
            continue
        break
    return row, tuple(found), tuple(conditions)


def _enumeration(toks: list[Tok]) -> bool:
    """`2, 3` in `\\quad (l = 2, 3)`: two or more whole numbers, the values the row holds for."""
    values = [t for k, t in enumerate(toks) if k % 2 == 0]
    commas = [t for k, t in enumerate(toks) if k % 2 == 1]
    return (len(values) >= 2 and all(t.kind == "num" and t.text.isdigit() for t in values)
            and all(t.text == "," for t in commas) and len(toks) % 2 == 1)


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
    segments = _entrywise_vector_function(segments, relations, scope)
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
    approximating(row_scope, first_rel.text)
    first_lhs = _lend_left_layer(row_scope, formula, segments[0],
                                 current if continuation else None)

    segments = operands_written_out(segments, row_scope)

    def side(seg: list[Tok]) -> Side:
        _outside_the_model(seg, row_scope)
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
    lhs = (current.lhs if continuation and current is not None else
           first_lhs if first_lhs is not None else side(segments[0]))
    sizes: tuple = ()
    if lhs.tensor is not None or any(s.tensor is not None for s in steps):
        lhs, steps, sizes = _lowered(lhs, steps, formula, row_scope)
    lines = tuple(formula.span(seg[0].start).line for seg in segments[1:])
    approx = next((k for k, r in enumerate(relations, start=1) if r.text == "\\approx"), None)
    if continuation:
        assert current is not None
        if current.approx_from is None and approx is not None:
            approx += len(current.steps)
        _lent_variables(current, row_scope, steps)
        return dataclasses.replace(Equation(
            current.kind, current.number, current.lhs, current.steps + steps,
            current.step_lines + lines, current.line, current.col, current.approx_from or approx,
            current.holds_for, current.readings + tuple(row_scope.readings),
            current.one_hot or row_scope.one_hot, current.sizes or sizes),
            holds_if=current.holds_if)
    eq = Equation(kind, number, lhs, steps, lines, span.line, span.col, approx,
                  readings=tuple(row_scope.readings), one_hot=row_scope.one_hot, sizes=sizes)
    _lent_variables(eq, row_scope)
    return eq


def _lend_left_layer(scope: Scope, formula: Formula, seg: list[Tok],
                     current: Equation | None) -> Side | None:
    """Set the layer of the row's left side in its scope (the equation's it continues, or
    its own, read first); its own left side as read, if read here."""
    if current is not None:
        scope.left_layer = left_layer(current.lhs.expr)
        return None
    if scope.local:
        return None
    try:  # the left side first, for its layer; an error in it is raised in the usual order
        first = _plain_side(seg, scope, formula)
    except InputError:
        return None
    scope.left_layer = left_layer(first.expr) if first is not None else None
    return first


def _lent_variables(eq: Equation, scope: Scope, more: tuple[Side, ...] = ()) -> None:
    """A quantity read at the left side's layer must be the variable of the derivation (δ^l
    = ∂L/∂z^l = ... exp(-z): z is z^l): the equation differentiates by it at that layer.
    Otherwise which layer is meant cannot be told, and the tag is asked for."""
    variables = {(p.den.name, p.den.layer) for side in (eq.lhs, *eq.steps, *more)
                 for p in sympy.preorder_traversal(side.expr)
                 if isinstance(p, Partial) and isinstance(p.den, Quantity)}
    for name, start, end in scope.lent:
        if (name, scope.left_layer) not in variables:
            spec = scope.notation.quantities[name]
            example = {"paren": "^{(l)}", "bracket": "^{[l]}", "sup": "^{l}"}[spec.tag]
            raise _err(f"`{name}` needs a layer tag, as in {name}{example}", scope, start, end)


def _plain_side(seg: list[Tok], scope: Scope, formula: Formula) -> Side | None:
    """A left side read early, for its layer: None when it is in vector form."""
    if not seg or _vector_form(seg, scope):
        return None
    start, end = seg[0].start, seg[-1].end
    return Side(parse_expression(seg, scope), start, end, formula.text[start:end])


def left_layer(e: sympy.Basic) -> sympy.Expr | None:
    """The one layer the quantities of a left side are at (δ^l: l), None when there are
    none or several."""
    layers = {q.layer for q in sympy.preorder_traversal(e) if isinstance(q, Quantity)
              and q.layer is not None}
    return layers.pop() if len(layers) == 1 else None


def _vector_form(seg: list[Tok], scope: Scope) -> bool:
    from derive.vecparse import vector_form

    return vector_form(seg, scope)


def _parse_tensor(seg: list[Tok], scope: Scope) -> Any:
    from derive.vecparse import parse_tensor

    return parse_tensor(seg, scope)


def _lowered(lhs: Side, steps: tuple[Side, ...], formula: Formula,
             scope: Scope) -> tuple[Side, tuple[Side, ...], tuple]:
    """The sides of an equation in vector form as one entry of each: the checks are of
    components (`derive.tensor`), at indices that are letters the formula does not use. A
    side whose shapes do not fit carries the mismatch in place of an expression."""
    from derive.tensor import ShapeMismatch
    from derive.vecparse import entry

    low = entry(formula, [s.tensor if s.tensor is not None else s.expr for s in (lhs, *steps)])
    out = []
    for s, e, why in zip((lhs, *steps), low.exprs, low.mismatch):
        out.append(dataclasses.replace(s, expr=e if e is not None else ShapeMismatch(why or "")))
    return out[0], tuple(out[1:]), low.sizes


def _formal_parameters(seg: list[Tok], scope: Scope) -> set[str]:
    """`g(t)` on a left side makes `t` a formal parameter for the row (so does
    `\\mathrm{ReLU}(z)`: a function named in a font)."""
    rest, var = ordinary_derivative(seg)
    if var is not None:  # \frac{d}{dz} f(z): z a formal parameter, as in f'(z)
        params = _formal_parameters(rest, scope)
        return params if var in params else set()
    texts = [t.text for t in seg]
    if len(texts) >= 4 and _function_head(seg, scope) and texts[-1] == ")":
        k = texts.index("(") if "(" in texts else -1
        if k > 0 and all(t.kind == "letter" or t.text == "," for t in seg[k + 1 : -1]):
            if "".join(texts[:k]) in VECTOR_FUNCTIONS:
                return set()  # softmax(s)_k: s the vector, k the index of the entry
            return {t.text for t in seg[k + 1 : -1] if t.kind == "letter"}
    return set()


def _function_head(seg: list[Tok], scope: Scope) -> bool:
    """Whether the segment starts with a function's name: `g`, `\\mathrm{ReLU}`, or
    `\\text{ReLU}` for a function the registry knows by that name."""
    if (seg[0].text in _FONTS or seg[0].text in ("\\text", "\\textrm")) and len(seg) > 1 and (
            seg[1].text == "{"):
        close = next((k for k in range(2, len(seg)) if seg[k].text == "}"), None)
        inner = "".join(t.text for t in seg[2:close]) if close is not None else ""
        if seg[0].text in _FONTS and inner and scope.lookup(f"{seg[0].text}{{{inner}}}") == (
                "function"):
            return True
        return bool(inner) and scope.lookup(f"\\mathrm{{{inner}}}") is None and (
            f"\\mathrm{{{inner}}}" in BY_SPELLING)
    return scope.lookup(seg[0].text) == "function"
