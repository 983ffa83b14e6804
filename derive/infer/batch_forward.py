"""A forward model written only over the batch (`Z^{[1]} = W^{[1]} X + b^{[1]}`,
`A^{[1]} = g^{[1]}(Z^{[1]})`): each row read as every column's row, one sample's network.

Notes vectorised over the training set often never write one example's forward pass: the
matrices `Z^{[l]}`, `A^{[l]}` hold one column per example (one row, in a text of row vectors),
`X` the examples' inputs, and a bias added to the matrix is added to every column
(broadcasting). A row of such a matrix is then the same row in each column:
`z^{[1](i)} = W^{[1]} x^{(i)} + b^{[1]}`. A capital is read so when a row defines it with a layer
tag (its letter alone on the row's left side, the right side no derivative) and no row defines
its lowercase (the per-sample forward row is not written); the input's capital (untagged, never
defined, in such a row's right side) when the text writes its lowercase (`x^{(i)}` in the prose).

In those rows only, the capitals' tokens are read as the lowercase (`Formula.capitals`, read by
derive.latex.tokens): the rows define the per-sample quantities, and every other row that
writes the capitals reads them as the minibatch of the samples' vectors (derive.latex.batch,
`Z` beside `z`), so what the text derives over the batch is checked against its own forward
model. A capital another row defines by a row of its own (`dZ^{[l]} = m \\frac{\\partial
J}{\\partial Z^{[l]}}`) is untouched: that row is its definition. Token level only."""

from __future__ import annotations

import dataclasses
import re

from derive.errors import InputError
from derive.infer.scan import _DEFINE, Row, _single_name, _strip, _text, readable_rows
from derive.latex.lexer import Tok, _lex
from derive.sources.document import Document, Formula

_NOT_FORWARD = ("\\partial", "\\nabla", "\\sum", "\\frac", "d")


def _capital(name: str) -> bool:
    return len(name) == 1 and "A" <= name <= "Z"


def _head(r: Row) -> str | None:
    """The capital a row defines with a layer tag (`Z^{[1]} = ...`), or None."""
    if r.relation not in _DEFINE or len(r.sides) != 2 or not _single_name(r.sides[0]):
        return None
    left = _strip(r.sides[0])
    if (len(left) < 3 or not _capital(left[0].text) or left[1].text != "^"
            or any(t.text in ("_", "(", "'") for t in left)):
        return None
    right = [t for t in _strip(r.sides[1]) if t.kind in ("letter", "cmd")]
    if any(t.text in _NOT_FORWARD or t.text == left[0].text for t in right):
        return None  # a derivative, a sum, or the capital again: no forward row
    return left[0].text


def _lower(name: str) -> str | None:
    """`Z` -> `z`, `\\Delta` -> `\\delta`; None for a name of no such pair."""
    if _capital(name):
        return name.lower()
    if re.fullmatch(r"\\[A-Z][a-z]+", name):
        return "\\" + name[1].lower() + name[2:]
    return None


def _error(r: Row, heads: set[str]) -> tuple[str, str] | None:
    """`\\Delta^{[l]} = \\frac{\\partial E}{\\partial Z^{[l]}}` (a number times it): a capital
    the row defines as the derivative of a number by a forward capital at its tag, and that
    capital; None for any other row."""
    if r.relation not in _DEFINE or len(r.sides) != 2 or not _single_name(r.sides[0]):
        return None
    left = _strip(r.sides[0])
    if len(left) < 3 or _lower(left[0].text) is None or left[1].text != "^":
        return None
    right = [o for o in r.occs if o.side == 1]
    by = [o for o in right if o.after_partial == "den"]
    head = [o for o in r.occs if o.side == 0]
    if (len(by) != 1 or by[0].name not in heads or by[0].sub is not None or len(head) != 1
            or _text(by[0].sup or []) != _text(head[0].sup or [])
            or any(o.sup is not None or o.sub is not None for o in right if o is not by[0])):
        return None
    return left[0].text, by[0].name


def _lowercase_defined(rows: list[Row], letter: str) -> bool:
    """Whether a row has the lowercase alone on its left side (a per-sample row)."""
    return any(r.sides and _single_name(r.sides[0]) and r.relation in _DEFINE
               and _strip(r.sides[0])[0].text == letter for r in rows)


def _written(doc: Document, letter: str) -> bool:
    """Whether a display or the prose's inline maths writes the lowercase letter."""
    return any(t.kind == "letter" and t.text == letter
               for f in (*doc.formulas, *doc.inline) for t in _tokens(f))


def _tokens(f: Formula) -> list[Tok]:
    try:
        return _lex(f.text, f, 0)
    except InputError:
        return []


def _forward_rows(rows: list[Row]) -> tuple[dict[int, list[Row]], set[str],
                                              dict[int, list[tuple[str, str]]]]:
    """The formulas whose every row is a batch forward row, by number, their capitals, and
    the formulas whose every row defines an error term by one of them (its two capitals)."""
    by: dict[int, list[Row]] = {}
    for r in rows:
        by.setdefault(r.formula.number, []).append(r)
    heads = {h for r in rows if (h := _head(r)) is not None}
    heads = {h for h in heads if not _lowercase_defined(rows, h.lower())}
    forward = {k: rs for k, rs in by.items() if all(_head(r) in heads for r in rs)}
    heads = {h for rs in forward.values() for r in rs if (h := _head(r))}
    errors = {k: [e for r in rs if (e := _error(r, heads))] for k, rs in by.items()
              if k not in forward and all(_error(r, heads) for r in rs)}
    errors = {k: es for k, es in errors.items()
              if not any(_lowercase_defined(rows, _lower(d) or "") for d, _ in es)}
    return forward, heads, errors


def _inputs(doc: Document, rows: list[Row], forward: dict[int, list[Row]],
            heads: set[str]) -> set[str]:
    """The inputs' capitals: untagged, never defined, in a forward row's right side, their
    lowercase written by the text."""
    defined = {_strip(r.sides[0])[0].text for r in rows
               if r.sides and _single_name(r.sides[0]) and r.relation in _DEFINE}
    out = set()
    for rs in forward.values():
        for r in rs:
            for o in r.occs:
                if (o.side == 1 and _capital(o.name) and o.sup is None and o.sub is None
                        and o.call is None and o.name not in heads | defined
                        and not _lowercase_defined(rows, o.name.lower())
                        and _written(doc, o.name.lower())):
                    out.add(o.name)
    return out


def batch_forward(doc: Document) -> tuple[Document, list[str]]:
    """The document with each batch forward row read as one sample's (see the module), and
    the facts that say so."""
    rows = readable_rows(doc.formulas)
    forward, heads, errors = _forward_rows(rows)
    if not forward:
        return doc, []
    pairs = tuple(sorted((c, c.lower()) for c in heads | _inputs(doc, rows, forward, heads)))
    read = {k: pairs for k in forward} | {
        k: tuple(sorted({p for d, z in es for p in ((d, _lower(d)), (z, z.lower()))}))
        for k, es in errors.items()}
    formulas = tuple(dataclasses.replace(f, capitals=(*f.capitals, *(
        p for p in read[f.number] if p not in f.capitals))) if f.number in read else f
        for f in doc.formulas)
    lines = ", ".join(str(f.line) for f in doc.formulas if f.number in forward)
    names = ", ".join(f"${c}$" for c, _ in pairs)
    lows = ", ".join(f"${c}$" for _, c in pairs)
    fact = (f"lines {lines}: the forward model is written only over the batch: each row of "
            f"{names} is read as the same row in every column (one sample's network, a "
            f"vector added to a matrix added to each column), defining the samples' {lows}; "
            f"the other rows read {names} as the matrices of the samples' {lows}")
    facts = [fact] + [
        f"line {f.line}: ${d}$ defined as a derivative by ${z}$ over the batch is read in each "
        f"column, the sample's ${_lower(d)}$ by its ${z.lower()}$; the other rows read ${d}$ "
        f"as the matrix of the samples' ${_lower(d)}$"
        for f in doc.formulas if f.number in errors for d, z in errors[f.number]]
    return dataclasses.replace(doc, formulas=formulas), facts

