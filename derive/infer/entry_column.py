"""A name defined as a column of its entries, at the token level: `h_\\theta(x) =
\\begin{bmatrix} P(y = 1 | x; \\theta) \\\\ \\vdots \\\\ P(y = K | x; \\theta) \\end{bmatrix}` (softmax
regression's hypothesis, its parameters dropped: derive.latex.hypotheses), `p = \\begin{bmatrix}
p_1 \\\\ p_2 \\\\ \\vdots \\\\ p_K \\end{bmatrix}`: one cell a row, an ellipsis before the last. The
name is a vector quantity (derive.infer.names), its length the size the last entry writes
where the first writes 1 (derive.vecparse.pattern reads the column itself).

Nothing is evaluated."""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.infer.scan import Row, _rows, _single_name, _strip, _text
from derive.latex import Tok, _depth_split
from derive.sources.document import Document

_ENVS = ("bmatrix", "pmatrix", "matrix", "array", "Bmatrix", "vmatrix")
_DOTS = {"\\vdots", "\\cdots", "\\dots", "\\ldots"}


def _column(side: list[Tok]) -> list[list[Tok]] | None:
    """The cells of a side that is one matrix environment of one column with an ellipsis
    (`\\left[ ... \\right]` around it allowed); None for any other side."""
    toks = [t for t in _strip(side) if t.text not in ("\\left", "\\right")]
    if len(toks) > 2 and toks[0].text in ("[", "(") and toks[-1].text in ("]", ")"):
        toks = toks[1:-1]
    text = [t.text for t in toks]
    env = next((e for e in _ENVS if text[:4] == ["\\begin", "{", e, "}"]
                and text[-4:] == ["\\end", "{", e, "}"]), None)
    if env is not None:
        body = toks[4:-4]
    elif len(text) > 2 and text[0] == "\\begin" and text[-1] == "\\end":
        body = toks[1:-1]  # the names dropped (derive.infer.scan)
    else:
        return None
    if body and body[0].text == "{":  # an array's column layout
        close = next((k for k, t in enumerate(body) if t.text == "}"), None)
        if close is not None and all(set(t.text) <= set("clr|") for t in body[1:close]):
            body = body[close + 1:]
    rows = [r for r, _ in _depth_split(body, {"\\\\"})]
    if rows and not _strip(rows[-1]):
        rows.pop()  # a `\\` after the last entry
    if len(rows) < 3 or any(len(_depth_split(r, {"&"})) != 1 for r in rows):
        return None
    cells = [_strip(r) for r in rows]
    if [_text(c) for c in cells].count("\\vdots") + sum(
            _text(c) in _DOTS - {"\\vdots"} for c in cells) != 1 or _text(cells[-2]) not in _DOTS:
        return None
    return cells


def column_defined(row: Row, name: str) -> bool:
    """Whether the row writes `name` alone, equal to a column of its entries."""
    if row.relation not in ("=", ":=") or len(row.sides) < 2:
        return False
    left = _strip(row.sides[0])
    if not _single_name(left) or _text(left) != name:
        return False
    return _column(row.sides[1]) is not None


def _length(cells: list[list[Tok]]) -> str | None:
    """The column's length: what the last entry writes where the first writes 1."""
    from derive.vecparse.pattern import _differ

    found = _differ(cells[0], cells[-1], "i")
    if found is None or len(found[1]) != 1:
        return None
    return found[1][0].text


def column_shapes(doc: Document, front: dict[str, Any]) -> list[str]:
    """The shape of each name defined as a column of its entries, its length the size the
    text names (`K` of the classes' sums: the width it is read as), written into `front`;
    the facts that say so."""
    qs = front.get("quantities", {})
    sizes = front.get("sizes", {})
    facts: list[str] = []
    for f in doc.formulas:
        if f.annotation:
            continue
        try:
            rows = _rows(f)
        except InputError:
            continue
        for r in rows:
            name = _text(_strip(r.sides[0])) if r.sides else ""
            if name not in qs or "shape" in qs[name] and qs[name].get("column") or not (
                    column_defined(r, name)):
                continue
            cells = _column(r.sides[1])
            length = _length(cells) if cells is not None else None
            if length is None or not (length in sizes or length.isdigit()):
                continue
            qs[name]["shape"] = [sizes.get(length, length)]
            facts.append(f"${name}$ is a vector of ${length}$ entries, the column of its "
                         f"entries at line {f.line}")
    return facts
