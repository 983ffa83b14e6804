"""What the readers share: the walk of headings, annotations and formulas in document order.

A reader finds the pieces in its own format and hands them to a `Builder` in file order; the
builder attaches each `derive:` annotation to the next formula (a `[compare]` table to the rest of
its section), validates every annotation against the schema and keeps the source maps.

Positions: a reader may work on a text that is not the file itself (a notebook's cells, whose
file is JSON). An `Origin` maps a line and column of that text back to the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from derive.errors import InputError, Span
from derive.sources.annotations import FRONT, NOTE, InputErrors, parse_toml
from derive.sources.document import CellMap, Document, Formula, no_formulas_note

Piece = tuple[int, int, str]  # (line of the text, 0-based; 0-based column; the chunk)
_EQUATION = re.compile(r"\s*(\\begin\{(equation\*?|displaymath)\})(.*?)(\\end\{\2\})\s*",
                       re.S)
_LABELS = re.compile(r"\\(label|tag\*?)\s*\{([^{}]*)\}|\\(nonumber|notag)\b")


@dataclass(frozen=True)
class Origin:
    """Line i of the text read is file line `rows[i][0]`; its character at column c (0-based)
    is at file column `fcol + c - vcol` for the last breakpoint (vcol, fcol) with vcol <= c."""

    rows: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]

    @staticmethod
    def identity(n: int) -> Origin:
        return Origin(tuple((i + 1, ((0, 1),)) for i in range(n)))

    def breaks(self, line: int, col: int, length: int) -> list[tuple[int, int, int]]:
        """Breakpoints (offset from col, file line, file col) for text[line][col:col+length]."""
        if line >= len(self.rows):
            return [(0, self.rows[-1][0] if self.rows else 1, 1)]
        fline, bps = self.rows[line]
        first = bps[0]
        for b in bps:
            if b[0] <= col:
                first = b
        out = [(0, fline, first[1] + col - first[0])]
        for vcol, fcol in bps:
            if col < vcol < col + length:
                out.append((vcol - col, fline, fcol))
        return out


@dataclass
class Builder:
    name: str
    lines: tuple[str, ...]  # the file's lines, for carets
    origin: Origin
    fmt: str
    cells: CellMap = field(default_factory=CellMap)
    front: dict[str, Any] = field(default_factory=dict)
    front_spans: dict[tuple[str, ...], Span] = field(default_factory=dict)
    front_start: Span | None = None
    formulas: list[Formula] = field(default_factory=list)
    inline: list[Formula] = field(default_factory=list)
    headings: list[tuple[int, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    _path: list[tuple[int, str]] = field(default_factory=list)
    _pending: dict[str, Any] = field(default_factory=dict)
    _pending_spans: dict[str, Span] = field(default_factory=dict)
    _pending_at: Span | None = None
    # (heading level, a section-wide annotation, where its keys are written: `compare.replace`)
    _section_notes: list[tuple[int, dict[str, Any], dict[str, Span]]] = field(
        default_factory=list)
    _has_front: bool = False
    source_title: str | None = None

    # ----------------------------------------------------------------------------------------
    # positions

    def mapped(self, pieces: list[Piece]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
        """The text of `pieces` joined by newlines, and its breakpoints in the file."""
        text = ""
        starts: list[tuple[int, int, int]] = []
        for line, col, chunk in pieces:
            if text or starts:
                text += "\n"
            for off, fline, fcol in self.origin.breaks(line, col, len(chunk)):
                starts.append((len(text) + off, fline, fcol))
            text += chunk
        return text, tuple(starts)

    def span(self, line: int, col: int, width: int = 1) -> Span:
        """The file place of column `col` (0-based) of line `line` (0-based) of the text."""
        _, fline, fcol = self.origin.breaks(line, col, 1)[0]
        return self._formula("", ((0, fline, fcol),)).span(0, width)

    def _formula(self, text: str, starts: tuple[tuple[int, int, int], ...], **kw: Any) -> Formula:
        return Formula(0, self.name, text, starts, self.lines, (), cells=self.cells, **kw)

    # ----------------------------------------------------------------------------------------
    # events, in file order

    def heading(self, line: int, level: int, title: str) -> None:
        fline = self.origin.breaks(line, 0, 1)[0][1]
        self.headings.append((fline, level, title))
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, title))
        self._section_notes = [n for n in self._section_notes if n[0] < level]

    def _toml(self, pieces: list[Piece], schema: Any, what: str) -> tuple[dict[str, Any],
                                                                           dict[tuple[str, ...],
                                                                                Span]] | None:
        body, starts = self.mapped(pieces)
        holder = self._formula(body, starts)
        fallback = self.span(pieces[0][0], max(pieces[0][1] - 1, 0)) if pieces else holder.span(0)
        try:
            parsed = parse_toml(body, holder.span, schema, what, self._comment_start or fallback)
        except InputErrors as errs:
            self.errors.extend(errs.errors)
            return None
        except InputError as err:
            self.errors.append(err)
            return None
        return parsed.data, parsed.spans

    _comment_start: Span | None = None

    def front_matter(self, pieces: list[Piece], start: Span) -> None:
        """The notation table (TOML); `start` is where its comment opens."""
        if self.formulas or self.headings or self._has_front:
            self.errors.append(InputError(
                "front matter must come first in the file, before any heading or formula",
                start))
            return
        self._has_front = True
        self.front_start = start
        self._comment_start = start
        got = self._toml(pieces, FRONT, "front matter")
        self._comment_start = None
        if got:
            self.front, self.front_spans = got

    def front_data(self, data: dict[str, Any], spans: dict[tuple[str, ...], Span],
                   start: Span) -> None:
        """Front matter already parsed elsewhere (a notebook's metadata)."""
        from derive.sources.annotations import validate

        def where(path: tuple[str, ...], at_value: bool) -> Span:
            for k in range(len(path), 0, -1):
                if path[:k] in spans:
                    return spans[path[:k]]
            return start

        errors = validate(data, FRONT, where, "front matter")
        if errors:
            self.errors.extend(errors)
            return
        self._has_front = True
        self.front, self.front_spans, self.front_start = data, spans, start

    def note(self, pieces: list[Piece], start: Span) -> None:
        """A `derive:` annotation: it applies to the next formula."""
        self._comment_start = start
        got = self._toml(pieces, NOTE, "annotation")
        self._comment_start = None
        if got:
            self.note_data(*got, start=start)

    def note_data(self, data: dict[str, Any], spans: dict[tuple[str, ...], Span],
                  start: Span) -> None:
        data = dict(data)
        if "compare" in data:
            level = self._path[-1][0] if self._path else 0
            where = {".".join(p): s for p, s in spans.items() if p[:1] == ("compare",)}
            self._section_notes.append((level, {"compare": data.pop("compare")}, where))
        self._pending.update(data)
        self._pending_spans.update({p[0]: s for p, s in spans.items() if len(p) == 1})
        if data:
            self._pending_at = start

    def formula(self, pieces: list[Piece], *, label: str | None = None,
                environment: str | None = None, inline: bool = False) -> Formula:
        text, starts = self.mapped(pieces)
        if not starts:
            starts = ((0, self.origin.breaks(pieces[0][0] if pieces else 0, 0, 1)[0][1], 1),)
        return self.formula_mapped(text, starts, label=label, environment=environment,
                                   inline=inline)

    def formula_mapped(self, text: str, starts: tuple[tuple[int, int, int], ...], *,
                       label: str | None = None, environment: str | None = None,
                       inline: bool = False) -> Formula:
        section = tuple(t for _, t in self._path)
        if not inline:
            # \label, \tag and \nonumber are not mathematics: blanked, so columns stay
            for m in _LABELS.finditer(text):
                if m.group(1) == "label" and label is None:
                    label = m.group(2)
            text = _LABELS.sub(lambda m: " " * len(m.group()), text)
            # an `equation` wrapper says only "one display": blanked too
            m = _EQUATION.fullmatch(text)
            if m:
                environment = environment or m.group(2)
                text = (text[: m.start(1)] + " " * (m.end(1) - m.start(1)) + m.group(3)
                        + " " * (m.end(4) - m.start(4)) + text[m.end(4) :])
        if inline:
            f = Formula(len(self.inline) + 1, self.name, text, starts, self.lines, section,
                        label=label, environment=environment, cells=self.cells)
            self.inline.append(f)
            return f
        section_annotation: dict[str, Any] = {}
        section_spans: dict[str, Span] = {}
        for _, a, where in self._section_notes:
            section_annotation.update(a)
            section_spans.update(where)
        f = Formula(len(self.formulas) + 1, self.name, text, starts, self.lines, section,
                    self._pending, section_annotation, label=label, environment=environment,
                    cells=self.cells, annotation_spans=self._pending_spans,
                    section_annotation_spans=section_spans)
        self.formulas.append(f)
        self._pending, self._pending_spans, self._pending_at = {}, {}, None
        return f

    def build(self) -> Document:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else InputErrors(self.errors)
        notes = list(self.notes)
        if self._pending_at is not None:
            s = self._pending_at
            notes.append(f"the annotation at line {s.line} comes after the last formula: it "
                         "applies to none")
        if not self.formulas:
            notes.append(no_formulas_note(self.fmt))
        return Document(self.name, self.front, tuple(self.formulas), tuple(self.headings),
                        self.lines, format=self.fmt, inline=tuple(self.inline),
                        notes=tuple(notes), front_spans=dict(self.front_spans),
                        front_start=self.front_start, cells=self.cells,
                        source_title=self.source_title)
