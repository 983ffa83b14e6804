"""Markdown: CommonMark through markdown-it-py, with mdit-py-plugins for the mathematics.

Display formulas: `$$ ... $$` blocks (dollarmath, with a `(label)` after the closing `$$`),
`\\[ ... \\]` (texmath), bare `\\begin{align}` / `\\begin{equation}` blocks (amsmath), MyST's
```` ```{math} ```` fences; inside blockquotes and lists too. Code blocks (fenced with backticks
or tildes, or indented) are code, not formulas. Inline math (`$...$`, `\\(...\\)`, MyST's
`{math}` role) is kept for context. `$$ ... $$` inside a paragraph is display math, as MathJax and
KaTeX render it on GitHub, Jupyter and most static sites.

Dialects met in real notes: d2lbook's `:eqlabel:` after a block names it; KaTeX macros defined in
the page (`\\gdef\\name#1{...}`) are expanded in the formulas after them, and a block that only
defines macros is not a formula. Annotations are HTML comments: `<!-- derive ... -->` first in the
file (front matter), `<!-- derive: ... -->` before a formula.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_role import myst_role_plugin
from mdit_py_plugins.texmath import texmath_plugin

from derive.errors import InputError
from derive.sources.builder import Builder, Origin, Piece
from derive.sources.document import Document
from derive.sources.macros import Macros

_FRONT = re.compile(r"<!--\s*derive\s*(\n|-->)")
_NOTE = re.compile(r"<!--\s*derive:")
_EQLABEL = re.compile(r":eqlabel:`([^`]*)`")
_MATH_FENCES = {"{math}", "math"}
_KRAMDOWN_INLINE = re.compile(r"\\\\\((.+?)\\\\\)", re.S)
_YAML_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.M)
_BARE_ENV = re.compile(r"\\begin\{((?:equation|align|alignat|gather|multline|eqnarray|flalign)"
                       r"\*?)\}.*?\\end\{\1\}", re.S)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.use(front_matter_plugin)  # Jekyll/Hugo YAML between `---` lines: not prose, not a heading
    md.use(amsmath_plugin)
    md.use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=True,
           double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    md.use(myst_role_plugin)
    # MathJax and KaTeX render `$$` at the start of a line as display math even right after a
    # line of prose; let those blocks interrupt a paragraph, as fences do
    for rule in md.block.ruler.__rules__:
        if rule.name in ("math_block", "math_block_eqno"):
            rule.alt = ["paragraph", "reference", "blockquote", "list"]
            rule.fn = _quiet(rule.fn)
    md.block.ruler.__compile__()
    return md


_MD_ESCAPES = re.compile(r"(?<!\\)(?:\\\\)*(\\\\\\\\|\\_)")


def _unescape(chunk: str) -> str:
    """Maths written for a Markdown engine that unescapes it first (kramdown, Jekyll): `\\_` for
    a subscript and `\\\\\\\\` for a row break. Replaced by ` _` and `\\\\  `, the same length, so
    every column stays where the author wrote it. LaTeX's own `\\_` (an underscore glyph) has no
    use in a derivation."""
    if "\\_" not in chunk and "\\\\\\\\" not in chunk:
        return chunk

    def sub(m: re.Match[str]) -> str:
        lead = m.group()[: m.start(1) - m.start()]
        return lead + (" _" if m.group(1) == "\\_" else "\\\\  ")

    return _MD_ESCAPES.sub(sub, chunk)


def _quiet(fn: Any) -> Any:
    """The plugins' block rules ignore `silent` (asked only whether they would match, when a
    paragraph may be interrupted, they push tokens anyway): run them and take the tokens back."""

    def rule(state: Any, start: int, end: int, silent: bool) -> bool:
        if not silent:
            return bool(fn(state, start, end, silent))
        n, line = len(state.tokens), state.line
        ok = bool(fn(state, start, end, False))
        del state.tokens[n:]
        state.line = line
        return ok

    return rule


_MD: MarkdownIt | None = None


def parse(text: str, name: str) -> Document:
    """Read Markdown `text` (the whole file) as document `name`."""
    lines = tuple(text.splitlines())
    src = text.replace("\r\n", "\n").replace("\r", "\n")
    b = Builder(name, lines, Origin.identity(len(src.split("\n"))), "markdown")
    feed(b, src)
    return b.build()


def feed(b: Builder, src: str, macros: Macros | None = None, *,
         bare_environments: bool = False) -> Macros:
    """Hand the headings, annotations and formulas of Markdown `src` to `b`, in order.

    `src` is the text read (its lines map to the file through `b.origin`); `macros` carries KaTeX
    macros over from an earlier part (the previous cell of a notebook). With
    `bare_environments`, a `\\begin{align*} ... \\end{align*}` inside a paragraph is display
    maths too, as MathJax renders it in Jupyter."""
    global _MD
    if _MD is None:
        _MD = _parser()
    macros = macros if macros is not None else Macros()
    reader = _Reader(b, src.split("\n"), macros)
    reader.bare = bare_environments
    reader.walk(_MD.parse(src))
    return macros


class _Reader:
    def __init__(self, b: Builder, src: list[str], macros: Macros):
        self.b = b
        self.src = src
        self.macros = macros
        self.cursor = 0  # the first line not yet passed, for tokens without a map
        self.bare = False

    # -- locating content in the source -----------------------------------------------------

    def _pieces(self, first: int, first_col: int, content: str) -> list[Piece]:
        """Content lines located in the source, from line `first` (starting at `first_col`)."""
        out: list[Piece] = []
        for k, chunk in enumerate(content.split("\n")):
            ln = first + k
            if k == 0:
                out.append((ln, first_col, chunk))
                continue
            line = self.src[ln] if ln < len(self.src) else ""
            if not chunk:
                col = 0
            elif line.endswith(chunk):
                col = len(line) - len(chunk)
            else:
                col = max(line.find(chunk), 0)
            out.append((ln, col, chunk))
        return out

    @staticmethod
    def _trim(pieces: list[Piece]) -> list[Piece]:
        """Drop the empty first and last line of a block (`$$` alone on its line)."""
        if len(pieces) > 1 and not pieces[0][2].strip():
            pieces = pieces[1:]
        if len(pieces) > 1 and not pieces[-1][2].strip():
            pieces = pieces[:-1]
        return pieces

    def _find(self, needle: str, start: int) -> tuple[int, int]:
        for ln in range(start, len(self.src)):
            col = self.src[ln].find(needle)
            if col >= 0:
                return ln, col
        return start, 0

    # -- the walk ---------------------------------------------------------------------------

    def walk(self, tokens: list[Token]) -> None:
        for k, t in enumerate(tokens):
            if t.map:
                self.cursor = max(self.cursor, t.map[0])
            if t.type == "heading_open":
                title = tokens[k + 1].content if k + 1 < len(tokens) else ""
                self.b.heading(t.map[0] if t.map else self.cursor, int(t.tag[1]), title)
            elif t.type == "html_block":
                self._comment(t)
            elif t.type == "front_matter":
                m = _YAML_TITLE.search(t.content)
                if m and self.b.source_title is None:
                    self.b.source_title = m.group(1).strip().strip("\"'")
            elif t.type in ("math_block", "math_block_label", "math_block_eqno"):
                self._dollar_block(t, self._label(tokens, k))
            elif t.type == "amsmath":
                self._amsmath(t, self._label(tokens, k))
            elif t.type == "fence" and t.info.strip() in _MATH_FENCES:
                self._fence(t)
            elif t.type == "inline":
                self._inline(t)
            if t.map:
                self.cursor = max(self.cursor, t.map[1] - 1)

    @staticmethod
    def _label(tokens: list[Token], k: int) -> str | None:
        t = tokens[k]
        if t.type in ("math_block_label", "math_block_eqno") and t.info:
            return t.info.strip()
        # d2lbook: a paragraph `:eqlabel:`name`` right after the block
        if k + 2 < len(tokens) and tokens[k + 1].type == "paragraph_open":
            m = _EQLABEL.match(tokens[k + 2].content.strip())
            if m:
                return m.group(1)
        return None

    def _comment(self, t: Token) -> None:
        content = t.content
        start_ln = t.map[0] if t.map else self.cursor
        if not content.lstrip().startswith("<!--"):
            return
        line = self.src[start_ln] if start_ln < len(self.src) else ""
        col = max(line.find("<!--"), 0)
        start = self.b.span(start_ln, col, 4)
        body_start = content.index("<!--") + 4
        end = content.find("-->", body_start)
        if end < 0:
            raise InputError("unterminated comment: `-->` not found", start)
        inner = content.find("<!--", body_start)
        if 0 <= inner < end and (_FRONT.match(content.lstrip()) or _NOTE.match(content.lstrip())):
            # comments do not nest: this one's `-->` is missing and the next one's was taken
            raise InputError("this `derive` comment is not closed: another `<!--` begins (line "
                             f"{start_ln + content.count(chr(10), 0, inner) + 1}) before its "
                             "`-->`", start, hint="end the comment with `-->`")
        if _FRONT.match(content.lstrip()):
            after = content.index("derive", body_start) + len("derive")
            self.b.front_matter(self._body(start_ln, content, after, end), start)
        elif _NOTE.match(content.lstrip()):
            after = content.index("derive:", body_start) + len("derive:")
            self.b.note(self._body(start_ln, content, after, end), start)

    def _body(self, ln: int, content: str, a: int, z: int) -> list[Piece]:
        """The text between offsets a and z of an HTML block's `content` (its first line is
        source line `ln`), located in the source."""
        k = content.count("\n", 0, a)
        line_start = content.rfind("\n", 0, a) + 1
        content_line = content.split("\n")[k]
        src = self.src[ln + k] if ln + k < len(self.src) else ""
        base = len(src) - len(content_line) if src.endswith(content_line) else max(
            src.find(content_line), 0)
        return self._pieces(ln + k, base + a - line_start, content[a:z])

    def _macro_only(self, text: str) -> bool:
        return self.macros.define_all(text)

    def _emit(self, pieces: list[Piece], label: str | None, env: str | None = None) -> None:
        pieces = [(ln, col, _unescape(chunk)) for ln, col, chunk in self._trim(pieces)]
        text = "\n".join(p[2] for p in pieces)
        if self._macro_only(text):
            self.b.notes.append(f"line {self.b.span(pieces[0][0], pieces[0][1]).line}: a block "
                                "of macro definitions only, not a formula; its macros are "
                                "expanded in the formulas after it")
            return
        self._formula(pieces, label=label, environment=env)

    def _formula(self, pieces: list[Piece], *, inline: bool = False, label: str | None = None,
                 environment: str | None = None) -> None:
        """A formula (display or inline) with the page's macros expanded: an inline
        `$\\par{C}{z^l}$` is read as the displays are."""
        if not self.macros:
            self.b.formula(pieces, label=label, environment=environment, inline=inline)
            return
        mapped_text, starts = self.b.mapped(pieces)
        if not starts or "\\" not in mapped_text:  # nothing a macro could be
            self.b.formula(pieces, label=label, environment=environment, inline=inline)
            return
        holder = self.b.formula_mapped(mapped_text, starts, inline=True)  # for placing
        self.b.inline.pop()
        out, out_starts, _ = self.macros.expand(mapped_text, starts, holder.span)
        self.b.formula_mapped(out, out_starts, label=label, environment=environment,
                              inline=inline)

    def _dollar_block(self, t: Token, label: str | None) -> None:
        if t.markup == "\\[":  # texmath gives no map: find the opening bracket
            ln, col = self._find("\\[", self.cursor)
            pieces = self._pieces(ln, col + 2, t.content)
            self.cursor = pieces[-1][0]
            self._emit(pieces, label)
            return
        ln = t.map[0] if t.map else self.cursor
        col = max(self.src[ln].find("$$"), 0) + 2 if ln < len(self.src) else 0
        pieces = self._pieces(ln, col, t.content)
        # a second display on the same line: `$$a$$ $$b$$` reaches us as one block `a$$ $$b`
        groups: list[list[Piece]] = [[]]
        for pln, pcol, chunk in pieces:
            parts = chunk.split("$$")
            offset = 0
            for i, part in enumerate(parts):
                if i:
                    groups.append([])
                    if i % 2 == 1:  # prose between two displays
                        groups[-1].append((pln, pcol + offset, part))
                        offset += len(part) + 2
                        continue
                groups[-1].append((pln, pcol + offset, part))
                offset += len(part) + 2
        formulas = [g for i, g in enumerate(groups) if i % 2 == 0]
        for i, g in enumerate(formulas):
            self._emit(g, label if i == 0 else None)

    def _amsmath(self, t: Token, label: str | None) -> None:
        ln = t.map[0] if t.map else self.cursor
        col = max(self.src[ln].find("\\begin"), 0) if ln < len(self.src) else 0
        env = t.meta.get("environment", "") + t.meta.get("numbered", "")
        self._emit(self._pieces(ln, col, t.content.rstrip("\n")), label, env or None)

    def _fence(self, t: Token) -> None:
        assert t.map is not None
        lines = t.content.rstrip("\n").split("\n")
        pieces = self._pieces(t.map[0] + 1, 0, t.content.rstrip("\n"))
        if pieces:  # the first line's column: locate it as the others
            ln0, _, c0 = pieces[0]
            line = self.src[ln0] if ln0 < len(self.src) else ""
            pieces[0] = (ln0, max(line.find(c0), 0) if c0 else 0, c0)
        label = None
        k = 0
        while k < len(lines) and lines[k].startswith(":"):  # MyST options
            m = re.match(r":label:\s*(\S+)", lines[k])
            if m:
                label = m.group(1)
            k += 1
        pieces = pieces[k:]
        # like Sphinx's math directive: blank lines separate equations
        group: list[Piece] = []
        for p in pieces + [(0, 0, "")]:
            if p[2].strip():
                group.append(p)
            elif group:
                self._emit(group, label)
                label, group = None, []

    def _inline(self, t: Token) -> None:
        if not t.children or not t.map:
            return
        ln0, ln1 = t.map
        text = "\n".join(self.src[ln0:ln1])
        pos = 0
        taken: list[tuple[int, int]] = []  # spans of `text` already read as maths
        for c in t.children:
            if c.type in ("math_inline", "math_inline_double") or (
                    c.type == "myst_role" and c.meta.get("name") == "math"):
                opener = {"math_inline": c.markup or "$", "math_inline_double": "$$"}.get(
                    c.type, "`")
                at = text.find(opener + c.content, pos) if c.type != "myst_role" else text.find(
                    c.content, pos)
                if at < 0:
                    at = text.find(c.content, pos)
                    start = at
                else:
                    start = at + (len(opener) if c.type != "myst_role" else 0)
                if start < 0:
                    continue
                pos = start + len(c.content)
                taken.append((start, pos))
                line = ln0 + text.count("\n", 0, start)
                col = start - (text.rfind("\n", 0, start) + 1)
                pieces = self._pieces(line, col, c.content)
                if c.type == "math_inline_double":
                    self._emit(pieces, None)
                else:
                    self._formula(pieces, inline=True)
        # kramdown: `\\(...\\)` is written so that Markdown's unescaping leaves `\(...\)`
        for m in _KRAMDOWN_INLINE.finditer(text):
            if any(a < m.end() and m.start() < z for a, z in taken):
                continue
            start = m.start(1)
            line = ln0 + text.count("\n", 0, start)
            col = start - (text.rfind("\n", 0, start) + 1)
            pieces = [(ln, c, _unescape(chunk)) for ln, c, chunk in
                      self._pieces(line, col, m.group(1))]
            self._formula(pieces, inline=True)
            taken.append((m.start(), m.end()))
        if self.bare:
            for m in _BARE_ENV.finditer(text):
                if any(a < m.end() and m.start() < z for a, z in taken):
                    continue
                line = ln0 + text.count("\n", 0, m.start())
                col = m.start() - (text.rfind("\n", 0, m.start()) + 1)
                self._emit(self._pieces(line, col, m.group()), None, m.group(1))
        if any(c.type == "text" and "$$" in c.content for c in t.children):
            # an opening `$$` that never closes: dollarmath left it as text (code spans and
            # the maths already read do not count)
            code = [(m.start(), m.end()) for m in re.finditer(r"(`+)(.+?)\1", text, re.S)]
            for m in re.finditer(r"(?<!\\)\$\$", text):
                if any(a <= m.start() < z for a, z in code + taken) or any(
                        a - 2 <= m.start() <= z for a, z in taken):
                    continue
                line = ln0 + text.count("\n", 0, m.start())
                col = m.start() - (text.rfind("\n", 0, m.start()) + 1)
                raise InputError("unterminated display formula: closing `$$` not found",
                                 self.b.span(line, col, 2))
