"""Jupyter notebooks through nbformat: the Markdown cells, read as Markdown.

Each Markdown cell is read by the Markdown reader (so `$$ ... $$`, and bare
`\\begin{align*} ... \\end{align*}` without dollars, as Jupyter renders them). Code, raw and
output cells are not read. A place is the line and column in the notebook's JSON (what an editor
shows), and `Formula.cell` / `SourceSpan.cell`, `.cell_line` give the cell (1-based, counting
every cell) and the line in it (what Jupyter shows). JSON escapes (`\\\\`, `\\"`, `\\u....`) are
accounted for, so the caret stands under the character in the JSON line.

Annotations: HTML comments in the cells, as in Markdown; or the notebook's metadata
`{"derive": {...}}` (front matter) and a cell's metadata `{"derive": {...}}` (an annotation for
the cell's first formula).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import nbformat
from nbformat.warnings import MissingIDFieldWarning

from derive.errors import InputError, Span
from derive.sources.annotations import NOTE, InputErrors, validate
from derive.sources.builder import Builder, Origin
from derive.sources.document import CellMap, Document, file_span
from derive.sources.macros import Macros
from derive.sources.markdown import feed

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null")


def _positions(text: str) -> dict[tuple[Any, ...], int]:
    """Where each value of the JSON `text` starts (its index), by path."""
    out: dict[tuple[Any, ...], int] = {}
    n = len(text)

    def ws(i: int) -> int:
        while i < n and text[i] in " \t\r\n":
            i += 1
        return i

    def value(i: int, path: tuple[Any, ...], depth: int) -> int:
        if depth > 200:
            raise ValueError("nested too deeply")
        i = ws(i)
        out[path] = i
        ch = text[i] if i < n else ""
        if ch == "{":
            i = ws(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                i = ws(i)
                key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                i = ws(i)
                i = value(i + 1, path + (key,), depth + 1)  # past the colon
                i = ws(i)
                if text[i] == "}":
                    return i + 1
                i += 1
        if ch == "[":
            i = ws(i + 1)
            if text[i] == "]":
                return i + 1
            k = 0
            while True:
                i = value(i, path + (k,), depth + 1)
                i = ws(i)
                k += 1
                if text[i] == "]":
                    return i + 1
                i += 1
        if ch == '"':
            _, end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            return end
        m = _NUMBER.match(text, i)
        if not m:
            raise ValueError(f"unexpected {ch!r}")
        return m.end()

    value(0, (), 0)
    return out


def _line_col(text: str, starts: list[int], index: int) -> tuple[int, int]:
    """1-based line and column of `index` in `text` (`starts`: where each line begins)."""
    import bisect

    k = bisect.bisect_right(starts, index) - 1
    return k + 1, index - starts[k] + 1


def _decode(text: str, i: int) -> list[tuple[str, int, int]]:
    """The characters of the JSON string literal whose opening quote is at text[i], each with
    the index in `text` where it is written and the width it is written in."""
    out: list[tuple[str, int, int]] = []
    j = i + 1
    simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
              "t": "\t"}
    while j < len(text) and text[j] != '"':
        if text[j] == "\\":
            esc = text[j + 1]
            if esc == "u":
                code = int(text[j + 2 : j + 6], 16)
                width = 6
                if 0xD800 <= code < 0xDC00 and text[j + 6 : j + 8] == "\\u":
                    low = int(text[j + 8 : j + 12], 16)
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    width = 12
                out.append((chr(code), j, width))
                j += width
            else:
                out.append((simple.get(esc, esc), j, 2))
                j += 2
        else:
            out.append((text[j], j, 1))
            j += 1
    return out


def parse(text: str, name: str) -> Document:
    lines = tuple(text.splitlines())
    nb, raw = _notebook(text, name)
    try:
        where = _positions(text)
    except (ValueError, IndexError) as exc:
        raise InputError(f"{name}: cannot locate the cells in its JSON ({exc})") from None
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]

    def span_of(path: tuple[Any, ...]) -> Span:
        k = len(path)
        while k and path[:k] not in where:
            k -= 1
        ln, col = _line_col(text, starts, where.get(path[:k], 0))
        return Span(name, ln, col, lines[ln - 1] if 0 < ln <= len(lines) else "")

    # which JSON line holds which line of which cell, for every Markdown cell
    layouts: list[tuple[int, Any, list[tuple[int, tuple[tuple[int, int], ...]]]]] = []
    cell_rows: list[tuple[int, int, int, int]] = []
    raw_cells = raw.get("cells", []) if isinstance(raw, dict) else []
    for idx, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "markdown":
            continue
        raw_src = raw_cells[idx].get("source", "") if idx < len(raw_cells) else ""
        rows = _cell_layout(text, starts, where, idx, raw_src, cell_rows)
        layouts.append((idx, cell, rows))

    cmap = CellMap(tuple(cell_rows))
    b = Builder(name, lines, Origin(()), "notebook", cells=cmap)
    _front_matter(b, nb, where, span_of)
    macros = Macros()
    for idx, cell, rows in layouts:
        _annotation(b, cell, idx, where, span_of)
        b.origin = Origin(tuple(rows))
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        try:
            macros = feed(b, source.replace("\r\n", "\n"), macros, bare_environments=True)
        except InputErrors as errs:
            b.errors.extend(errs.errors)
        except InputError as err:
            b.errors.append(err)
    return b.build()


_Where = dict[tuple[Any, ...], int]  # a JSON path -> the offset of its value in the text
_SpanOf = Callable[[tuple[Any, ...]], Span]


def _notebook(text: str, name: str) -> tuple[Any, Any]:
    """The notebook nbformat reads from `text`, validated, and the JSON as written (its cells'
    sources as lists or strings); an `InputError` if it cannot be read (at the line and column
    of a JSON syntax error, which nbformat's own message does not give)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        raise InputError(f"{name} is not a Jupyter notebook: its JSON is broken here "
                         f"({exc.msg.lower()})",
                         file_span(name, lines, exc.lineno, exc.colno)) from None
    except RecursionError:
        raise
    try:
        with warnings.catch_warnings():  # a cell without an id (nbformat 4.5) reads as well
            warnings.simplefilter("ignore", MissingIDFieldWarning)
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
    except RecursionError:
        raise
    except Exception as exc:  # nbformat raises several kinds (JSON, validation, version)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name} is not a Jupyter notebook nbformat can read: {reason}") from None
    return nb, raw


def _cell_layout(text: str, starts: list[int], where: _Where, idx: int, raw_src: Any,
                 cell_rows: list[tuple[int, int, int, int]]
                 ) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
    """Where each line of Markdown cell `idx` stands in the JSON text: for each line, its JSON
    line and the breakpoints (column in the cell line, JSON column). Appends the cell's lines
    to `cell_rows` as (JSON line, cell number, line in the cell, JSON column it begins at)."""
    literals = ([("cells", idx, "source", j) for j in range(len(raw_src))]
                if isinstance(raw_src, list) else [("cells", idx, "source")])
    chars: list[tuple[str, int, int]] = []
    for p in literals:
        if p in where:
            chars.extend(_decode(text, where[p]))
    rows: list[tuple[int, tuple[tuple[int, int], ...]]] = []
    bps: list[tuple[int, int, int]] = []  # (column in the cell line, JSON column, index)
    col, expected, last, line_no = 0, -1, where.get(literals[0], 0) if literals else 0, 1
    for ch, at, _width in chars + [("\n", -1, 0)]:
        if ch == "\n":
            anchor = bps[0][2] if bps else (at if at >= 0 else last)
            fline, fcol = _line_col(text, starts, anchor)
            rows.append((fline, tuple((v, f) for v, f, _ in bps) or ((0, fcol),)))
            cell_rows.append((fline, idx + 1, line_no, fcol))
            line_no += 1
            col, bps, expected = 0, [], -1
            if at >= 0:
                last = at
            continue
        if at != expected:
            bps.append((col, _line_col(text, starts, at)[1], at))
        expected = at + 1  # the map runs one column per character between breakpoints
        last = at
        col += 1
    return rows


def _front_matter(b: Builder, nb: Any, where: _Where, span_of: _SpanOf) -> None:
    """The notebook metadata `derive`: the document's front matter."""
    meta = nb.metadata.get("derive") if isinstance(nb.metadata, dict) else None
    if meta is None:
        return
    if not isinstance(meta, dict):
        b.errors.append(InputError("front matter: the notebook metadata `derive` must be "
                                   "a table", span_of(("metadata", "derive"))))
        return
    spans = {p[2:]: span_of(p) for p in where if p[:2] == ("metadata", "derive")
             and len(p) > 2 and all(isinstance(x, str) for x in p[2:])}
    b.front_data(dict(meta), spans, span_of(("metadata", "derive")))


def _annotation(b: Builder, cell: Any, idx: int, where: _Where, span_of: _SpanOf) -> None:
    """A cell's metadata `derive`: the annotation of the formulas in it, validated."""
    note = cell.get("metadata", {}).get("derive")
    if note is None:
        return
    base = ("cells", idx, "metadata", "derive")
    if not isinstance(note, dict):
        b.errors.append(InputError("annotation: a cell's metadata `derive` must be a "
                                   "table", span_of(base)))
        return
    spans = {p[4:]: span_of(p) for p in where if p[:4] == base and len(p) > 4
             and all(isinstance(x, str) for x in p[4:])}
    errors = validate(dict(note), NOTE, lambda p, v, s=spans, base=base:
                      s.get(p) or span_of(base), "annotation")
    if errors:
        b.errors.extend(errors)
    else:
        b.note_data(dict(note), spans, span_of(base))
