"""reStructuredText through docutils.

Display formulas: the `.. math::` directive (Sphinx's: `:label:`, `:name:`, `:nowrap:`, the
formula in the directive's argument or its content; blank lines separate equations, as in
Sphinx). Inline `:math:` roles are kept for context. Rows written eqnarray-style
(`lhs & = & \\ rhs \\\\`) are passed on as written; a `:nowrap:` block's own `$$ ... $$` or
`\\[ ... \\]` delimiters are taken off. Sections give the headings; tables, literal blocks and
everything else are prose.

Annotations are rst comments: `.. derive` followed by an indented TOML block first in the file
(front matter), `.. derive: ...` (one line, or indented lines after it) before a formula.
docutils gives each directive the line numbers of its content; the columns are found in the
original lines (docutils removes the indentation).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import docutils.core
import docutils.nodes as nodes
from docutils.parsers.rst import Directive, directives, roles

from derive.sources.builder import Builder, Origin, Piece
from derive.sources.document import Document

_COMMENT = re.compile(r"^(\s*)\.\.\s+derive(:?)(.*)$")


class _math_block(nodes.General, nodes.Element):  # noqa: N801 (a docutils node class)
    """A `.. math::` block with the source lines of its content."""


class _Math(Directive):
    has_content = True
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {
        "label": directives.unchanged, "name": directives.unchanged,
        "nowrap": directives.flag, "class": directives.class_option,
        "number": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        node = _math_block()
        # the directive's own lines, one for one with the file's from `lineno` on: the formula
        # may start after `::`, on the lines before the options, or in the content
        block = self.block_text.split("\n")
        rows: list[tuple[int, str]] = []  # (0-based file line, text)
        first = self.lineno - 1
        head = block[0].split("::", 1)[1] if "::" in block[0] else ""
        if head.strip():
            rows.append((first, head))
        in_header = True
        for k, text in enumerate(block[1:], start=1):
            if in_header and not text.strip():
                in_header = False
            if in_header and _OPTION.match(text):
                continue
            rows.append((first + k, text))
        while rows and not rows[-1][1].strip():
            rows.pop()
        node["rows"] = rows
        node["label"] = self.options.get("label") or self.options.get("name")
        node["nowrap"] = "nowrap" in self.options
        node.line = self.lineno
        return [node]


_OPTION = re.compile(r"^\s*:[\w-]+:")


@contextmanager
def _docutils_alone() -> Iterator[None]:
    """docutils' own directives and roles, with derive's `math`, for the length of one parse.

    docutils keeps directives and roles in module-level registries. A Sphinx build in the same
    process (the `derive.sphinx` extension) fills them with Sphinx's, which need a Sphinx
    environment, and Sphinx's own `math` must not become this one; so they are swapped for the
    parse and put back after it."""
    saved_directives = dict(directives._directives)
    saved_roles = dict(roles._roles)
    directives._directives.clear()
    directives._directives["math"] = _Math
    roles._roles.clear()
    try:
        yield
    finally:
        directives._directives.clear()
        directives._directives.update(saved_directives)
        roles._roles.clear()
        roles._roles.update(saved_roles)


_SETTINGS = {
    "report_level": 5, "halt_level": 5, "warning_stream": io.StringIO(),
    "file_insertion_enabled": False, "raw_enabled": False, "doctitle_xform": False,
    "sectsubtitle_xform": False, "input_encoding": "unicode",
}


def parse(text: str, name: str) -> Document:
    lines = tuple(text.splitlines())
    src = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    b = Builder(name, lines, Origin.identity(len(src)), "rst")
    with _docutils_alone():
        tree = docutils.core.publish_doctree("\n".join(src), source_path=name,
                                             settings_overrides=dict(_SETTINGS,
                                                                     warning_stream=io.StringIO()))
    _Walk(b, src).run(tree)
    return b.build()


class _Walk:
    def __init__(self, b: Builder, src: list[str]):
        self.b = b
        self.src = src
        self.cursor = 0  # a line at or before the current node, for nodes without a line

    def run(self, tree: nodes.document) -> None:
        for node in tree.findall(lambda n: isinstance(n, (nodes.title, nodes.comment,
                                                           _math_block, nodes.math))):
            if isinstance(node, nodes.title) and isinstance(node.parent, nodes.section):
                self._heading(node)
            elif isinstance(node, nodes.comment):
                self._comment(node)
            elif isinstance(node, _math_block):
                self._math(node)
            elif isinstance(node, nodes.math):
                self._inline(node)

    def _col(self, ln: int, text: str) -> int:
        line = self.src[ln] if ln < len(self.src) else ""
        if not text:
            return 0
        if line.endswith(text):
            return len(line) - len(text)
        return max(line.find(text), 0)

    def _heading(self, node: nodes.title) -> None:
        level = len([p for p in _parents(node) if isinstance(p, nodes.section)])
        title = node.astext()
        ln = (node.line or self.cursor + 1) - 1
        # docutils gives the underline's line; the title is the line before it
        for cand in (ln - 1, ln, ln - 2):
            if 0 <= cand < len(self.src) and title.split("\n")[0].strip() and \
                    title.split("\n")[0].strip()[:10] in self.src[cand]:
                ln = cand
                break
        self.cursor = max(self.cursor, ln)
        self.b.heading(ln, level, title)

    def _comment(self, node: nodes.comment) -> None:
        if not node.astext().startswith("derive"):
            return
        end = (node.line or len(self.src)) - 1
        start = None
        for k in range(min(end, len(self.src) - 1), -1, -1):
            if _COMMENT.match(self.src[k]):
                start = k
                break
        if start is None:
            return
        m = _COMMENT.match(self.src[start])
        assert m is not None
        indent = len(m.group(1))
        pieces: list[Piece] = [(start, m.start(3), m.group(3))]
        k = start + 1
        while k < len(self.src) and (not self.src[k].strip() or
                                     len(self.src[k]) - len(self.src[k].lstrip()) > indent):
            pieces.append((k, 0, self.src[k]))
            k += 1
        while len(pieces) > 1 and not pieces[-1][2].strip():
            pieces.pop()
        self.cursor = max(self.cursor, start)
        where = self.b.span(start, indent, 2)
        if m.group(2):
            self.b.note(pieces, where)
        else:
            self.b.front_matter(pieces, where)

    def _math(self, node: _math_block) -> None:
        rows: list[tuple[int, str]] = node["rows"]
        pieces = [(ln, self._col(ln, t), t) for ln, t in rows]
        if pieces:
            self.cursor = max(self.cursor, pieces[-1][0])
        label = node["label"]
        if node["nowrap"]:
            pieces = _strip_delimiters([p for p in pieces if p[2].strip()])
            if pieces:
                self.b.formula(pieces, label=label, environment="nowrap")
            return
        group: list[Piece] = []
        for p in pieces + [(0, 0, "")]:
            if p[2].strip():
                group.append(p)
            elif group:
                self.b.formula(group, label=label)
                label, group = None, []

    def _inline(self, node: nodes.math) -> None:
        text = node.astext()
        for ln in range(self.cursor, len(self.src)):
            col = self.src[ln].find(text)
            if col >= 0:
                self.b.formula([(ln, col, text)], inline=True)
                return


def _parents(node: nodes.Node) -> list[nodes.Node]:
    out = []
    p = node.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out


def _strip_delimiters(pieces: list[Piece]) -> list[Piece]:
    """A `:nowrap:` block's own `$$ ... $$` or `\\[ ... \\]`, taken off (positions kept)."""
    if not pieces:
        return pieces
    for opener, closer in (("$$", "$$"), ("\\[", "\\]")):
        first, last = pieces[0], pieces[-1]
        if first[2].lstrip().startswith(opener) and last[2].rstrip().endswith(closer):
            ln, col, t = first
            cut = t.index(opener) + len(opener)
            inner = [(ln, col + cut, t[cut:])] + pieces[1:]
            ln, col, t = inner[-1]
            if closer not in t:  # `$$` alone: an opener with no closer after it
                return pieces
            inner[-1] = (ln, col, t[: t.rindex(closer)])
            return [p for p in inner if p[2].strip()] or inner[:1]
    return pieces
