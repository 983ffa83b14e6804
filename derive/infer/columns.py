"""A matrix written as the row of its own columns, at the token level: `\\theta =
\\left[\\begin{array}{cccc} | & | & | \\\\ \\theta^{(1)} & \\cdots & \\theta^{(K)} \\\\ | & | & |
\\end{array}\\right]` (rows of bars only draw the columns) or `\\theta = \\begin{bmatrix}
\\theta^{(1)} & \\theta^{(2)} & \\cdots & \\theta^{(K)} \\end{bmatrix}`, where the text's
`\\theta^{(k)}` are the class columns of one matrix (derive.infer.classes). Such a row says what
the matrix's columns are, which is how the class columns are read: no definition of the matrix
and no claim to check. A listing of the same form whose columns do not run 1, 2, ..., K (the
number of classes the text sums over) is said, with what it lists, never taken as notation."""

from __future__ import annotations

import re

from derive.infer.classes import Columns
from derive.infer.scan import Row, _single_name, _strip, _text
from derive.latex import Tok, _depth_split

_ENVS = ("array", "matrix", "bmatrix", "pmatrix")
_BARS = {"|", "\\vert", "\\mid", "\\Big|", "\\big|"}
_GAPS = {"\\cdots", "\\ldots", "\\dots", "\\dotsb", "\\dotsc", "\\hdots"}
_COLUMN = re.compile(r"^(?P<name>\\?[A-Za-z]+)\^\{?\((?P<index>[A-Za-z0-9]+)\)\}?$")


def _body(side: list[Tok]) -> list[Tok] | None:
    """The inside of the matrix environment the side is, brackets `\\left[ ... \\right]` and an
    array's column layout `{cccc}` dropped; None when the side is no such environment."""
    toks = [t for t in _strip(side) if t.text not in ("\\left", "\\right", ".")]
    if len(toks) > 2 and toks[0].text in ("[", "(") and toks[-1].text in ("]", ")"):
        toks = toks[1:-1]
    text = [t.text for t in toks]
    for env in _ENVS:  # the environment's name, where the tokens keep it
        if text[:4] == ["\\begin", "{", env, "}"] and text[-4:] == ["\\end", "{", env, "}"]:
            toks, text = [toks[0], *toks[4:-4], toks[-1]], ["\\begin", *text[4:-4], "\\end"]
    if len(toks) < 3 or text[0] != "\\begin" or text[-1] != "\\end":
        return None
    body = toks[1:-1]
    if body and body[0].text == "{":  # an array's column layout, `{cccc}` or `{c|c}`
        close = next((k for k, t in enumerate(body) if t.text == "}"), None)
        if close is not None and all(set(t.text) <= set("clr|") for t in body[1:close]):
            body = body[close + 1:]
    return body


def _cells(body: list[Tok]) -> list[list[str]] | None:
    """The one row of cells that is not bars (each cell's text), or None."""
    rows = [[_text(c) for c, _ in _depth_split(r, {"&"})]
            for r, _ in _depth_split(body, {"\\\\"})]
    rows = [r for r in rows if r != [""]]
    kept = [r for r in rows if not all(c in _BARS or c == "" for c in r)]
    return kept[0] if len(kept) == 1 else None


def _indices(cells: list[str], name: str) -> list[str | None] | None:
    """Each cell's column index (None for a gap), when every cell is a gap or `name^{(c)}`."""
    out: list[str | None] = []
    for c in cells:
        if c in _GAPS:
            out.append(None)
            continue
        m = _COLUMN.match(c)
        if m is None or m.group("name") != name:
            return None
        out.append(m.group("index"))
    return out if any(i is not None for i in out) else None


def _runs_over_classes(indices: list[str | None], count: str) -> bool:
    """1, 2, ..., one gap, then the number of classes as written (or 1, ..., K with no gap
    when K is a number)."""
    gaps = [k for k, i in enumerate(indices) if i is None]
    head = indices[: gaps[0]] if gaps else indices
    if len(gaps) > 1 or (gaps and gaps[0] != len(indices) - 2) or not head:
        return False
    if head != [str(k + 1) for k in range(len(head))]:
        return False
    if gaps:
        return indices[-1] == count
    return count.isdigit() and int(count) == len(head)


def listed_columns(row: Row, columns: Columns | None) -> tuple[str, str | None] | None:
    """For a row that writes a class matrix as the row of its columns: the matrix's name and
    None when the columns run over the classes, else the reason the listing is not read; None
    for any other row."""
    if columns is None or len(row.sides) != 2 or row.relation != "=":
        return None
    if not _single_name(row.sides[0]):
        return None
    name = _text(_strip(row.sides[0]))
    if name not in columns.count:
        return None
    body = _body(row.sides[1])
    cells = _cells(body) if body is not None else None
    indices = _indices(cells, name) if cells is not None else None
    if indices is None:
        return None
    count = columns.count[name]
    if _runs_over_classes(indices, count):
        return name, None
    written = ", ".join("…" if i is None else i for i in indices)
    return name, (f"this row lists the columns of ${name}$ as ${name}^{{(c)}}$ for c = "
                  f"{written}: the text's class columns are ${name}^{{(1)}}, \\ldots, "
                  f"{name}^{{({count})}}$ (its sums over the classes run to ${count}$), so the "
                  "listing is not read as the matrix's notation")
