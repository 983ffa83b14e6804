"""A name a chain gives a quantity the text writes (`X = A^0 = [x^1 \\cdots x^m]`): a second name
of it, a definition by name, not a claim.

A display whose first row opens with a bare letter `N`, equal to one tagged name `Q` (a letter
with a superscript, `A^0`, `A^{[0]}`), equal to more (`= [...]`), reads as the text naming `Q`
`N` as it goes on: the formula is checked as `Q = ...` (the row's other relations: `Q` equals
what the chain writes after it), and the later formulas' bare `N` read as `Q`
(`Formula.aliases`, read by derive.latex.tokens). Only when `N` is a name of nothing else: the
displays write it bare only, never define it on a row's left side, and `Q` is of another letter
that the other displays write with a superscript (a quantity of the text's model, not one made
up by the chain).

Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.infer.naming import bare
from derive.infer.scan import Row, _rows, _single_name, _strip
from derive.latex.lexer import Tok, _lex
from derive.sources.document import Document, Formula


def _safe_rows(f: Formula) -> list[Row]:
    try:
        return _rows(f)
    except InputError:
        return []


def _uses(f: Formula, letter: str) -> tuple[bool, bool]:
    """Whether a formula writes the letter bare, and whether it writes it with scripts."""
    try:
        toks = _lex(f.text, f, 0)
    except InputError:
        return False, True  # not read: the letter may be anything there
    at = [k for k, t in enumerate(toks) if t.kind == "letter" and t.text == letter
          and not (k and toks[k - 1].text in ("^", "_", "{"))]
    scripted = any(k + 1 < len(toks) and toks[k + 1].text in ("^", "_", "'", "(") for k in at)
    return any(bare(toks, k) for k in at), scripted


def _chain(f: Formula) -> tuple[Tok, list[Tok], int] | None:
    """`N = Q = ...` opening the formula: N's token, Q's tokens, where Q starts in the text."""
    rows = _safe_rows(f)
    if not rows or rows[0].relation != "=" or len(rows[0].sides) < 3:
        return None
    first, second = _strip(rows[0].sides[0]), _strip(rows[0].sides[1])
    if (len(first) != 1 or first[0].kind != "letter" or f.text[:first[0].start].strip()
            or not _single_name(second) or second[0].kind != "letter"
            or len(second) < 3 or second[1].text != "^" or any(t.text == "(" for t in second)
            or second[0].text == first[0].text):
        return None
    return first[0], second, second[0].start


def _written_elsewhere(doc: Document, f: Formula, name: str) -> bool:
    """Whether another display writes the letter with a superscript (`a^{l-1}`, `A^l`)."""
    return any(g is not f and any(t.kind == "letter" and t.text == name and k + 1 < len(toks)
                                  and toks[k + 1].text == "^" for k, t in enumerate(toks))
               for g in doc.formulas for toks in [_tokens(g)])


def _tokens(f: Formula) -> list[Tok]:
    try:
        return _lex(f.text, f, 0)
    except InputError:
        return []


def _defined(doc: Document, f: Formula, letter: str, name: str) -> bool:
    """Whether a row of another display has the letter alone on its left side (other than
    a chain that gives the same quantity the same name again)."""
    return any(g is not f and r.sides and [t.text for t in _strip(r.sides[0])] == [letter]
               and not _names_again(g, letter, name)
               for g in doc.formulas for r in _safe_rows(g))


def _names_again(g: Formula, letter: str, name: str) -> bool:
    found = _chain(g)
    return found is not None and found[0].text == letter and (
        g.text[found[2]:found[1][-1].end] == name)


def _second_name(doc: Document, f: Formula) -> tuple[str, str, int] | None:
    """The letter, the name it is given to, and where the formula's own claim starts."""
    found = None if f.annotation else _chain(f)
    if found is None:
        return None
    letter, second, start = found
    name = f.text[start:second[-1].end]
    if (_uses(f, letter.text)[1] or _defined(doc, f, letter.text, name)
            or not _written_elsewhere(doc, f, second[0].text)
            or any(_uses(g, letter.text)[1] for g in doc.formulas if g is not f)):
        return None
    return letter.text, name, start


def _from(f: Formula, start: int) -> Formula:
    """The formula's text from offset `start` on, each character kept at its place."""
    span = f.span(start)
    starts = [(0, span.line, span.col)] + [(o - start, line, col) for o, line, col in
                                           f.line_starts if o > start]
    return dataclasses.replace(f, text=f.text[start:], line_starts=tuple(starts))


def second_names(doc: Document) -> tuple[Document, list[str]]:
    """The document with each chain's second name read (`X = A^0 = ...`: the formula from
    `A^0` on, the later bare `X` read as `A^0`), and the facts."""
    formulas = list(doc.formulas)
    facts: list[str] = []
    for k, f in enumerate(doc.formulas):  # read as written (no alias yet)
        found = _second_name(doc, f)
        if found is None:
            continue
        letter, name, start = found
        formulas[k] = _from(formulas[k], start)
        for j in range(k + 1, len(formulas)):
            if _uses(formulas[j], letter)[0] and not _names_again(doc.formulas[j], letter, name):
                formulas[j] = dataclasses.replace(
                    formulas[j], aliases=(*formulas[j].aliases, (letter, name)))
        facts.append(f"line {f.line}: ${letter} = {name} = \\ldots$ gives ${name}$ "
                     f"the second name ${letter}$, a definition by name and no claim; "
                     f"the rest of the chain is checked as ${name} = \\ldots$")
    if not facts:
        return doc, []
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts
