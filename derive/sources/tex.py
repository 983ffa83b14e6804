"""LaTeX sources through pylatexenc's LatexWalker (environments, comments and positions).

Display formulas: `equation`, `align`, `eqnarray`, `gather`, `multline`, `alignat`, `flalign`
(starred or not), `\\[ ... \\]` and `$$ ... $$`. A formula's text is the environment's body;
`\\label`, `\\tag` and `\\nonumber` are taken out of it (blanked, so columns stay) and the label
kept; `%` comments are blanked too, so a commented-out formula is never read. Macros the document
defines (`\\newcommand`, `\\renewcommand`, `\\providecommand`, `\\def`, `\\DeclareMathOperator`,
with arguments) are expanded before parsing; a macro it uses but does not define is left for the
checker, which reports it as an unknown command (it is not guessed). `\\input{file}` and
`\\include{file}` are followed when the file is there (relative to the document), and noted when
it is not. Headings: `\\chapter`, `\\section`, `\\subsection`, `\\subsubsection`.

Annotations are `%` comments: a block of `%` lines opening with `% derive` first in the file is
the front matter; `% derive: ...` (one line, or `%` lines after it) comes before a formula.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from pathlib import Path

from pylatexenc.latexwalker import (
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexWalker,
)

from derive.errors import InputError
from derive.sources.builder import Builder, Origin, Piece
from derive.sources.document import Document
from derive.sources.macros import Macros

MATH_ENVS = {"equation", "align", "eqnarray", "gather", "multline", "alignat", "flalign",
             "displaymath", "math"}
_SECTIONS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
             "paragraph": 5}
_ANNOTATION = re.compile(r"^(\s*)%+\s*derive(:?)(.*)$")
_LABELS = re.compile(r"\\(label|tag\*?)\s*\{([^{}]*)\}|\\(nonumber|notag)\b")
_COMMENT = re.compile(r"(?<!\\)%.*")
MAX_INPUT_DEPTH = 8


def parse(text: str, name: str, _depth: int = 0, base: Path | None = None) -> Document:
    """Read LaTeX `text` as document `name`; `\\input` files are looked for in `base` (by
    default the folder of `name`)."""
    lines = tuple(text.splitlines())
    src = text.replace("\r\n", "\n").replace("\r", "\n")
    b = Builder(name, lines, Origin.identity(len(src.split("\n"))), "LaTeX")
    _Tex(b, src, name, _depth, base if base is not None else Path(name).parent).run()
    return b.build()


class _Tex:
    def __init__(self, b: Builder, src: str, name: str, depth: int, base: Path):
        self.b = b
        self.base = base
        self.src = src
        self.name = name
        self.depth = depth
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", src)]
        self.macros = Macros()
        self.macros.scan(_COMMENT.sub(lambda m: " " * len(m.group()), src))
        self.events: list[tuple[int, int, object]] = []  # (position, order, event)

    def at(self, pos: int) -> tuple[int, int]:
        """0-based line and column of position `pos`."""
        k = bisect.bisect_right(self.line_starts, pos) - 1
        return k, pos - self.line_starts[k]

    def pieces(self, a: int, z: int) -> list[Piece]:
        ln, col = self.at(a)
        out: list[Piece] = []
        for k, chunk in enumerate(self.src[a:z].split("\n")):
            out.append((ln + k, col if k == 0 else 0, chunk))
        return out

    # -- collecting the events ---------------------------------------------------------------

    def run(self) -> None:
        self._annotations()
        walker = LatexWalker(self.src, tolerant_parsing=True)
        try:
            nodes, _, _ = walker.get_latex_nodes(pos=0)
        except RecursionError:
            raise
        except Exception as exc:  # pylatexenc's own parse errors, even in tolerant mode
            raise InputError(f"{self.name}: pylatexenc cannot read this LaTeX: {exc}") from None
        self._walk(nodes)
        for _, _, ev in sorted(self.events, key=lambda e: (e[0], e[1])):
            ev()  # type: ignore[operator]

    def _add(self, pos: int, ev: object) -> None:
        self.events.append((pos, len(self.events), ev))

    def _annotations(self) -> None:
        lines = self.src.split("\n")
        k = 0
        while k < len(lines):
            m = _ANNOTATION.match(lines[k])
            if not m:
                k += 1
                continue
            start = k
            pieces: list[Piece] = [(k, m.start(3), m.group(3))]
            k += 1
            while k < len(lines) and lines[k].lstrip().startswith("%") and \
                    not _ANNOTATION.match(lines[k]):
                line = lines[k]
                cut = line.index("%") + 1
                pieces.append((k, cut, line[cut:]))
                k += 1
            where = self.b.span(start, len(m.group(1)), 1)
            note = bool(m.group(2))
            self._add(self.line_starts[start],
                      (lambda p=pieces, w=where: self.b.note(p, w)) if note else
                      (lambda p=pieces, w=where: self.b.front_matter(p, w)))

    def _walk(self, nodes: list | None) -> None:  # type: ignore[type-arg]
        for node in nodes or []:
            if isinstance(node, LatexEnvironmentNode):
                self._environment(node)
            elif isinstance(node, LatexMathNode):
                a = node.pos + len(node.delimiters[0])
                z = node.pos + node.len - len(node.delimiters[1])
                self._formula(a, z, None, inline=node.displaytype != "display")
            elif isinstance(node, LatexMacroNode):
                self._macro(node)
            elif isinstance(node, LatexGroupNode):
                self._walk(node.nodelist)
            # a LatexCommentNode, or text: nothing to read

    def _environment(self, node: LatexEnvironmentNode) -> None:
        """A display environment (`align`, `equation*`, ...) is a formula; any other is walked."""
        env = node.environmentname
        if env.rstrip("*") not in MATH_ENVS:
            self._walk(node.nodelist)
            return
        body_a = self.src.index("}", node.pos) + 1
        if env.rstrip("*") == "alignat":  # \begin{alignat}{2}
            m = re.match(r"\s*\{[^{}]*\}", self.src[body_a:])
            if m:
                body_a += m.end()
        body_z = self.src.rfind("\\end", node.pos, node.pos + node.len)
        if body_z < body_a:
            ln, col = self.at(node.pos)
            raise InputError(f"unterminated environment: `\\end{{{env}}}` not "
                             "found", self.b.span(ln, col, len(env) + 8))
        self._formula(body_a, body_z, env)

    def _macro(self, node: LatexMacroNode) -> None:
        """A sectioning command (a heading), `\\title`, `\\input`; then the macro's arguments."""
        name = node.macroname
        args = node.nodeargd.argnlist if node.nodeargd and node.nodeargd.argnlist else None
        if name in _SECTIONS and args:
            arg = args[-1]
            title = arg.latex_verbatim().strip("{}") if arg is not None else ""
            ln, _ = self.at(node.pos)
            self._add(node.pos, lambda ln=ln, lv=_SECTIONS[name], t=title:
                      self.b.heading(ln, lv, t))
        elif name == "title" and args:
            arg = args[-1]
            if arg is not None and self.b.source_title is None:
                self.b.source_title = arg.latex_verbatim().strip("{}").strip()
        elif name in ("input", "include"):
            self._input(node)
        if args:
            self._walk([a for a in args if a is not None])

    def _input(self, node: LatexMacroNode) -> None:
        m = re.match(r"\\(?:input|include)\s*\{([^{}]+)\}", self.src[node.pos:])
        if not m:
            return
        target = m.group(1).strip()
        base = self.base
        candidates = [base / target, base / f"{target}.tex"]
        path = next((p for p in candidates if p.is_file()), None)
        ln, _ = self.at(node.pos)
        if path is None or self.depth >= MAX_INPUT_DEPTH:
            why = "it is not there" if path is None else "inputs nest too deeply"
            self._add(node.pos, lambda: self.b.notes.append(
                f"line {ln + 1}: `\\{node.macroname}{{{target}}}` not followed: {why}"))
            return

        def follow(path: Path = path) -> None:
            from derive.sources.files import read_text

            shown = (Path(self.name).parent / path.relative_to(self.base)).as_posix()
            child = parse(read_text(path, shown), shown, self.depth + 1, path.parent)
            for f in child.formulas:
                self.b.formulas.append(replace(f, number=len(self.b.formulas) + 1,
                                               section=tuple(t for _, t in self.b._path)))
            self.b.notes.extend(n for n in child.notes if "no display formulas" not in n)

        self._add(node.pos, follow)

    def _formula(self, a: int, z: int, env: str | None, inline: bool = False) -> None:
        raw = self.src[a:z]
        label = None
        for m in _LABELS.finditer(raw):
            if m.group(1) == "label":
                label = m.group(2)
        # blank what is not mathematics (labels, tags, comments): the columns stay as written
        clean = _LABELS.sub(lambda m: " " * len(m.group()), raw)
        clean = _COMMENT.sub(lambda m: " " * len(m.group()), clean)
        pieces = self.pieces(a, z)
        pieces = [(ln, col, c) for (ln, col, _), c in zip(pieces, clean.split("\n"))]
        if len(pieces) > 1 and not pieces[0][2].strip():
            pieces = pieces[1:]
        if len(pieces) > 1 and not pieces[-1][2].strip():
            pieces = pieces[:-1]

        def emit() -> None:
            if inline:
                self.b.formula(pieces, inline=True)
                return
            if self.macros:
                text, starts = self.b.mapped(pieces)
                holder = self.b.formula_mapped(text, starts, inline=True)
                self.b.inline.pop()
                out, out_starts, _ = self.macros.expand(text, starts, holder.span)
                self.b.formula_mapped(out, out_starts, label=label, environment=env)
            else:
                self.b.formula(pieces, label=label, environment=env)

        self._add(a, emit)
