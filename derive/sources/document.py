"""What every reader returns: a `Document` of display `Formula`s, each with a source map.

Nothing here understands LaTeX. A formula is the text between its delimiters plus a map from
offsets in that text to places in the ORIGINAL file, so that an error or a verdict is printed at
`file:line:col` of the file the user wrote, whatever its format (a notebook's JSON line, a line
of an rst directive, a line of a LaTeX environment after macro expansion).

The map is a tuple of breakpoints `(offset in text, file line, file col)`: the character at
`offset` sits at that line and column, and the characters after it follow on the same line until
the next breakpoint. A reader adds a breakpoint wherever the text and the file stop running in
step (a new line, a JSON escape, a macro expansion).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.errors import InputError, Span


@dataclass(frozen=True)
class SourceSpan(Span):
    """A `Span` that also knows the notebook cell it falls in (None outside a notebook)."""

    cell: int | None = None  # 1-based, counting every cell of the notebook
    cell_line: int | None = None  # 1-based line inside the cell's source

    @property
    def where(self) -> str:
        """`file:line:col`, and for a notebook `(cell 3, line 2)` after it."""
        out = f"{self.file}:{self.line}:{self.col}"
        return out + (f" (cell {self.cell}, line {self.cell_line})" if self.cell else "")


def _locate(starts: tuple[tuple[int, int, int], ...], offset: int) -> tuple[int, int, int]:
    """The breakpoint at or before `offset` (the first one if none is)."""
    if not starts:
        return (0, 1, 1)
    k = bisect.bisect_right([s for s, _, _ in starts], offset) - 1
    return starts[max(k, 0)]


@dataclass(frozen=True)
class CellMap:
    """Which notebook cell each line of the file (the notebook's JSON) belongs to."""

    # (file line, cell, line in the cell, and the file column where that cell line begins)
    rows: tuple[tuple[int, ...], ...] = ()

    def at(self, line: int, col: int | None = None) -> tuple[int, int] | None:
        """The cell and the line in it of a place on a line of the JSON; with its column, the
        cell line that begins last before it (a notebook saved on one line holds every cell
        on that line)."""
        found = None
        for ln, cell, cline, *start in self.rows:
            if ln != line:
                continue
            if col is None or found is None:
                found = (cell, cline)
            if col is not None and start and start[0] <= col:
                found = (cell, cline)
            if col is None:
                break
        return found


@dataclass(frozen=True)
class Formula:
    number: int  # 1-based, in file order
    file: str
    text: str  # the LaTeX between the delimiters (for LaTeX sources: after macro expansion)
    line_starts: tuple[tuple[int, int, int], ...]  # (offset in text, file line, file col)
    lines: tuple[str, ...]  # the whole file's lines, for carets
    section: tuple[str, ...]
    annotation: dict[str, Any] = field(default_factory=dict)
    section_annotation: dict[str, Any] = field(default_factory=dict)
    label: str | None = None  # \label, :label:, :eqlabel:, (label) after $$ ... $$
    environment: str | None = None  # align, equation*, ... when the source names one
    cells: CellMap = field(default_factory=CellMap)  # notebooks only
    annotation_spans: dict[str, Span] = field(default_factory=dict)  # key -> where it is written
    # dotted key of a section-wide annotation (`compare.replace`) -> where it is written
    section_annotation_spans: dict[str, Span] = field(default_factory=dict)
    # Bishop's units told apart by their index letter (derive.infer.letters): (name, letter,
    # the layer tag the tokens give it, as `(1)`), read by derive.latex.tokens
    letter_tags: tuple[tuple[str, str, str], ...] = ()
    # a worked example's output read at the last layer (derive.infer.example): the depth's
    # name, the offsets of the tag numbers read as it (read by derive.latex.tokens) and the
    # depth; and
    # the rows that name the example's one output unit (not checked)
    depth_tags: tuple = ()
    example_units: tuple[int, ...] = ()
    # the parameters a hypothesis is written with, `h_\\theta(x)` (derive.infer.hypotheses),
    # read by derive.latex.tokens
    parameters: tuple[str, ...] = ()
    # the names written with those parameters, each with its input's letter (`h_\\theta(x)`:
    # ("h", "x")): `h(x)` read as h too
    hypotheses: tuple[tuple[str, str], ...] = ()
    # a capital read as the lowercase whose entries it is the matrix of (`W^l` beside
    # `w^l_{ij}`: derive.infer.capitals), read by derive.latex.tokens
    capitals: tuple[tuple[str, str], ...] = ()
    # the capitals among them the text states in the transposed shape of the lowercase's
    # entries (`\mathbf{W} \in \mathbb{R}^{d \times q}` beside `w_{ij}`, i in 1..q:
    # derive.infer.stated_capitals): read as the lowercase transposed, by derive.latex.tokens
    transposed_capitals: tuple[str, ...] = ()
    # layers named by subscripts, `W_1`, `b_2` (derive.infer.subscript_layers): (letter,
    # digit) pairs each read as one name, by derive.latex.tokens
    subscript_names: tuple[tuple[str, str], ...] = ()
    # (loss, argument): a bare `\nabla C` read as `\nabla_a C` (derive.infer.gradient)
    gradient_of: tuple[str, str] | None = None
    # one neuron's quantities written bare (derive.infer.neuron): (name, its tag and index
    # as LaTeX, `^{l}_{j}`), read by derive.latex.tokens
    neuron_tags: tuple[tuple[str, str], ...] = ()
    # the names at a weight's ends (derive.infer.ends): (name, `in` or `out`, its tag and
    # index as LaTeX, `^{l-1}_{k}`), read by derive.latex.tokens in place of the subscript
    end_tags: tuple[tuple[str, str, str], ...] = ()
    # (loss, sample, batch size): a row over the minibatch of a text whose prose says the loss
    # is the mean over the samples (derive.infer.meanloss), read by derive.latex.batch
    mean_loss: tuple[str, str, str] | None = None
    # a bare letter the text names as a layer's activation (`$x =: a^0$`: derive.infer.naming):
    # (letter, the quantity as LaTeX, `a^{0}`), read by derive.latex.tokens
    aliases: tuple[tuple[str, str], ...] = ()
    # a name the prose accumulates over the samples from 0 (`\Delta W^{(l)} := \Delta W^{(l)} +
    # \nabla_{W^{(l)}} J(W,b;x,y)`: derive.infer.accumulators): (the name as written, its sum
    # as LaTeX), read by derive.latex.aliases; an update with it descends the overall cost
    accumulated: tuple[tuple[str, str], ...] = ()
    # (probability, output, label, input, sample): a conditional probability of the labels
    # read as the network's likelihood (derive.infer.likelihood), read by derive.latex.likelihood
    likelihood: tuple[str, str, str, str, str] | None = None
    # the prose beside it names a path (derive.infer.path_terms): a product along one path of
    # layers it writes unsummed is that path's term, read by derive.check.paths
    path_term: bool = False
    # deeplearning.ai's d-names the text defines by a row of their own (derive.infer.dnames):
    # (the letter after the d, the factor and the loss of its definition as LaTeX), read by
    # derive.latex.dnames; and, on that row's formula, what it is read as (reported as a
    # definition of notation, not read as the network's)
    d_names: tuple[tuple[str, str, str], ...] = ()
    # a function named with its fixed layer tag (`g^{[1]}(t) = \\tanh(t)`:
    # derive.infer.tagged_functions): (letter, tag as written), read by derive.latex.tokens
    tagged_functions: tuple[tuple[str, str], ...] = ()
    notation: str | None = None
    # sizes the prose fixes for the formula's section (derive.infer.fixed_sizes): (name,
    # number) pairs, read by derive.vecparse (the shapes) and derive.evaluate (the networks)
    fixed_sizes: tuple[tuple[str, int], ...] = ()
    # distributions written as functions of their outcome (derive.infer.distributions):
    # ((functional key, arity), ...), (distribution, ...), ((outcome letter, its reading), ...),
    # read by derive.latex.distributions
    distributions: tuple | None = None

    def span(self, offset: int, width: int = 1) -> Span:
        """The place in the file of character `offset` of `text`."""
        start, line, col = _locate(self.line_starts, offset)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        where = self.cells.at(line, col + offset - start)
        if where:
            return SourceSpan(self.file, line, col + offset - start, source, width, *where)
        return Span(self.file, line, col + offset - start, source, width)

    @property
    def line(self) -> int:
        return self.line_starts[0][1]

    @property
    def cell(self) -> int | None:
        """The notebook cell (1-based) holding this formula; None outside a notebook."""
        where = self.cells.at(self.line, self.line_starts[0][2])
        return where[0] if where else None

    def annotation_span(self, key: str) -> Span:
        """Where annotation `key` is written (for placing an error in its value): a key of
        this formula's annotation (`given`) or a dotted key of its section's (`compare.replace`);
        the formula itself when it is not written anywhere."""
        return (self.annotation_spans.get(key) or self.section_annotation_spans.get(key)
                or self.span(0))


@dataclass(frozen=True)
class Document:
    file: str
    front: dict[str, Any]
    formulas: tuple[Formula, ...]
    headings: tuple[tuple[int, int, str], ...]  # (line, level, text)
    lines: tuple[str, ...]
    format: str = "markdown"  # markdown, rst, latex, notebook
    inline: tuple[Formula, ...] = ()  # inline math, read for context, not checked
    notes: tuple[str, ...] = ()  # what the reader skipped or could not follow, and why
    front_spans: dict[tuple[str, ...], Span] = field(default_factory=dict)  # key path -> line
    front_start: Span | None = None  # where the front matter begins
    cells: CellMap = field(default_factory=CellMap)
    source_title: str | None = None  # the format's own title: YAML front matter, \title{...}

    @property
    def title(self) -> str:
        if "title" in self.front:
            return str(self.front["title"])
        if self.source_title:
            return self.source_title
        return self.headings[0][2] if self.headings else Path(self.file).stem

    def front_span(self, key: str | tuple[str, ...]) -> Span:
        """The line of front-matter `key` (dotted, `quantities.w.shape`, or a tuple of parts);
        the nearest enclosing key that is written, else the front matter's first line."""
        parts = tuple(key) if isinstance(key, tuple) else tuple(_split_dotted(key))
        while parts:
            span = self.front_spans.get(parts)
            if span is not None:
                return span
            parts = parts[:-1]
        if self.front_start is not None:
            return self.front_start
        return Span(self.file, 1, 1, self.lines[0] if self.lines else "")

    def cell_at(self, line: int, col: int | None = None) -> tuple[int, int] | None:
        """For a notebook: (cell, line in the cell) of a place on a line of its JSON (the
        column tells the cells apart on a notebook saved on one line)."""
        return self.cells.at(line, col)


def _split_dotted(key: str) -> list[str]:
    """`quantities."\\delta".shape` -> ['quantities', '\\delta', 'shape']."""
    parts: list[str] = []
    cur = ""
    quote = ""
    for ch in key:
        if quote:
            if ch == quote:
                quote = ""
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p]


def file_span(name: str, lines: tuple[str, ...] | list[str], line: int, col: int = 1,
              width: int = 1) -> Span:
    """A span at (line, col) of a file whose lines are known."""
    line = max(1, min(line, len(lines))) if lines else 1
    return Span(name, line, max(col, 1), lines[line - 1] if lines else "", width)


def no_formulas_note(doc_format: str) -> str:
    return f"no display formulas found in this {doc_format} file: nothing to check"


__all__ = ["CellMap", "Document", "Formula", "InputError", "SourceSpan", "Span", "file_span"]
