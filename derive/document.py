"""Read a formulas file: Markdown with `$$ ... $$` display formulas and `derive` annotations.

The file format (documented in the README):

* an optional front-matter comment `<!-- derive ... -->` (TOML) with the notation table;
* Markdown headings and prose, kept only for locations and reports;
* display formulas in `$$ ... $$` blocks;
* `<!-- derive: ... -->` comments (TOML) before a formula: they apply to the next formula.
  A comment holding a `[compare]` table applies to the rest of its section instead.

Nothing here understands LaTeX: a formula leaves this module as text plus a map from offsets
in that text to places in the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.errors import InputError, Span

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT = "<!-- derive\n"
_NOTE = re.compile(r"<!--\s*derive:")


@dataclass(frozen=True)
class Formula:
    number: int  # 1-based, in file order
    file: str
    text: str  # the LaTeX between the $$ delimiters
    line_starts: tuple[tuple[int, int, int], ...]  # (offset in text, file line, file col)
    lines: tuple[str, ...]  # the whole file's lines, for carets
    section: tuple[str, ...]
    annotation: dict[str, Any] = field(default_factory=dict)
    section_annotation: dict[str, Any] = field(default_factory=dict)

    def span(self, offset: int, width: int = 1) -> Span:
        """The place in the file of character `offset` of `text`."""
        start, line, col = self.line_starts[0]
        for s, ln, c in self.line_starts:
            if s <= offset:
                start, line, col = s, ln, c
        return Span(self.file, line, col + offset - start, self.lines[line - 1], width)

    @property
    def line(self) -> int:
        return self.line_starts[0][1]


@dataclass(frozen=True)
class Document:
    file: str
    front: dict[str, Any]
    formulas: tuple[Formula, ...]
    headings: tuple[tuple[int, int, str], ...]  # (line, level, text)
    lines: tuple[str, ...]

    @property
    def title(self) -> str:
        if "title" in self.front:
            return str(self.front["title"])
        return self.headings[0][2] if self.headings else Path(self.file).stem


def read_document(path: str | Path, display_name: str | None = None) -> Document:
    """Read and split a formulas file. Raises `InputError` with a place for anything malformed."""
    name = display_name or str(path)
    p = Path(path)
    if not p.exists():
        raise InputError(f"no such file: {name}")
    if p.is_dir():
        raise InputError(f"{name} is a directory; give a formulas file or use `derive check DIR`")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None
    return parse_document(text, name)


def _toml(body: str, name: str, lines: list[str], first_line: int) -> dict[str, Any]:
    try:
        return tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        if m:
            ln = first_line + int(m.group(1)) - 1
            col = int(m.group(2))
        else:
            ln, col = first_line, 1
        ln = min(ln, len(lines))
        raise InputError(
            f"bad derive annotation: {msg}", Span(name, ln, col, lines[ln - 1])
        ) from None


def parse_document(text: str, name: str) -> Document:
    lines = text.splitlines()
    front: dict[str, Any] = {}
    formulas: list[Formula] = []
    headings: list[tuple[int, int, str]] = []
    path: list[tuple[int, str]] = []  # (level, text) of the enclosing headings
    pending: dict[str, Any] = {}
    section_notes: list[tuple[int, dict[str, Any]]] = []  # (heading level, annotation)
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        if stripped.startswith("<!--"):
            j = i
            while "-->" not in lines[j]:
                j += 1
                if j == len(lines):
                    raise InputError(
                        "unterminated comment: `-->` not found", Span(name, i + 1, 1, line, 4)
                    )
            block = "\n".join(lines[i : j + 1])
            body_start = block.index("<!--") + 4
            body = block[body_start : block.rindex("-->")]
            if (block.lstrip() + "\n").startswith(_FRONT) and not formulas and not headings:
                front = _toml(body.split("\n", 1)[1] if "\n" in body else "", name, lines, i + 2)
            elif _NOTE.match(block.lstrip()):
                inner = body.split("derive:", 1)[1]
                first = i + 1 if "\n" not in body.split("derive:", 1)[1].lstrip(" ") else i + 1
                data = _toml(inner.strip("\n") if "\n" in inner else inner.strip(), name, lines, first)
                if "compare" in data:
                    level = path[-1][0] if path else 0
                    section_notes.append((level, {"compare": data.pop("compare")}))
                pending.update(data)
            i = j + 1
            continue
        m = _HEADING.match(line)
        if m:
            level = len(m.group(1))
            title = m.group(2)
            headings.append((i + 1, level, title))
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, title))
            section_notes = [(lv, a) for lv, a in section_notes if lv < level]
            i += 1
            continue
        if stripped.startswith("$$"):
            start_col = line.index("$$") + 1
            rest = line[start_col + 1 :]
            parts: list[tuple[int, int, str]] = []  # (file line, col of first char, text)
            if "$$" in rest:  # $$ ... $$ on one line
                end = rest.index("$$")
                parts.append((i + 1, start_col + 2, rest[:end]))
                i += 1
            else:
                if rest.strip():
                    parts.append((i + 1, start_col + 2, rest))
                j = i + 1
                while True:
                    if j == len(lines):
                        raise InputError(
                            "unterminated display formula: closing `$$` not found",
                            Span(name, i + 1, start_col, line, 2),
                        )
                    if "$$" in lines[j]:
                        before = lines[j][: lines[j].index("$$")]
                        if before.strip():
                            parts.append((j + 1, 1, before))
                        break
                    parts.append((j + 1, 1, lines[j]))
                    j += 1
                i = j + 1
            ftext = ""
            starts: list[tuple[int, int, int]] = []
            for ln, col, chunk in parts:
                if ftext:
                    ftext += "\n"
                starts.append((len(ftext), ln, col))
                ftext += chunk
            if not starts:
                starts.append((0, i, 1))
            section_annotation: dict[str, Any] = {}
            for _, a in section_notes:
                section_annotation.update(a)
            formulas.append(
                Formula(
                    number=len(formulas) + 1,
                    file=name,
                    text=ftext,
                    line_starts=tuple(starts),
                    lines=tuple(lines),
                    section=tuple(t for _, t in path),
                    annotation=pending,
                    section_annotation=section_annotation,
                )
            )
            pending = {}
            continue
        i += 1
    return Document(name, front, tuple(formulas), tuple(headings), tuple(lines))
