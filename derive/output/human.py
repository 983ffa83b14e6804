"""The format for people: one line per formula or step, its findings explained underneath."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO

from derive.errors import Crashed, InputError
from derive.output.base import READ_AS, Printer, is_finding, symbols_fit, witness_line
from derive.results import FileReport, Result, Status
from derive.text import visible
from derive.unicode import to_unicode

_ASCII = {Status.DEFINITION: "=", Status.VERIFIED: "+", Status.REFUTED: "x",
          Status.CONDITIONAL: "~", Status.UNCHECKED: "?", Status.ERROR: "!"}
_COLOURS = {Status.DEFINITION: "2", Status.VERIFIED: "32", Status.REFUTED: "1;31",
            Status.CONDITIONAL: "33", Status.UNCHECKED: "35", Status.ERROR: "1;31"}


def _short(latex: str, width: int) -> str:
    """A formula on one line, cut to `width` characters (0: never cut)."""
    flat = " ".join(latex.split())
    return flat if width <= 0 or len(flat) <= width else flat[: width - 1] + "…"


def _step_text(r: Result) -> str:
    text = r.latex
    if r.step and r.step > 1:  # later steps: show the step, not the left side again
        for rel in (" = ", " \\leftarrow "):
            if rel in text:
                return "= " + text.split(rel, 1)[1]  # in the source, later steps follow `=`
    return text


class HumanPrinter(Printer):
    """One line per formula or step, findings explained underneath; results streamed per file."""

    def __init__(self, out: IO[str], err: IO[str], *, verbose: bool = False, quiet: bool = False,
                 colour: bool = False, width: int = 0, latex: bool = False):
        super().__init__(out, err)
        self.verbose, self.quiet, self.colour, self.width = verbose, quiet, colour, width
        self.symbols = symbols_fit(out)
        self.latex = latex or not self.symbols  # Unicode maths only where it can be shown

    def begin(self, index: int, total: int, name: str) -> None:
        """On a terminal, a progress line for a run over several files (erased before the
        file's results are printed, so that it never mixes with them)."""
        isatty = getattr(self.err, "isatty", None)
        if total > 1 and isatty and isatty():
            self.err.write("\r" + visible(f"checking {index}/{total}: {name}")[:200] + "\x1b[K")
            self.err.flush()
            self._progress = True

    def _end_progress(self) -> None:
        if getattr(self, "_progress", False):
            self.err.write("\r\x1b[K")
            self._progress = False

    def failed(self, err: InputError) -> None:
        self._end_progress()
        super().failed(err)

    def crashed(self, name: str, exc: Crashed) -> None:
        self._end_progress()
        super().crashed(name, exc)

    def _tex(self, latex: str) -> str:
        return latex if self.latex else to_unicode(latex)

    def _prose(self, text: str) -> str:
        """A message whose `$...$` maths is shown as Unicode (or left as LaTeX)."""
        return text if self.latex else re.sub(r"\$([^$]+)\$", lambda m: to_unicode(m[1]), text)

    def _paint(self, status: Status, text: str) -> str:
        return f"\x1b[{_COLOURS[status]}m{text}\x1b[0m" if self.colour else text

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        self._end_progress()
        w = lambda s: self.out.write(visible(s) + "\n")  # noqa: E731
        if not self.quiet:
            w(f"{rep.file}: {rep.title}")
            for note in rep.notes:
                if note.startswith(READ_AS):
                    w(f"  {self._prose(note)}")
            if rep.definitions:
                w("  model built from: " + ", ".join(
                    f"{self._tex(d.defines)} (line {d.line})" for d in rep.definitions))
        for r in rep.results:
            if self.quiet and not is_finding(r):
                continue
            self._result(r, w)
        if not self.quiet:
            for note in rep.notes:
                if not note.startswith(READ_AS):
                    w(f"  note: {self._prose(note)}")
        counts = rep.counts()
        summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        flagged = sum(1 for r in rep.results if r.lint)
        if flagged:
            summary += f", {flagged} flagged"
        if not rep.results:
            summary = "no display formulas found"
        w(f"{rep.file}: {len(rep.results)} checked: {summary}")
        for r in rep.results:
            if r.status is Status.ERROR and r.diagnosis:
                self.err.write(visible(r.diagnosis) + "\n")
        self.out.flush()

    def _result(self, r: Result, w: Callable[[str], None]) -> None:
        what = f"step {r.step}" if r.step else r.kind
        symbol = r.status.symbol if self.symbols else _ASCII[r.status]
        verdict = self._paint(r.status, f"{symbol} {r.status.value:<11}")  # after `visible`
        text = _step_text(r) if self.latex else to_unicode(_step_text(r))
        cell = f"(cell {r.cell}, line {r.cell_line}) " if r.cell else ""
        self.out.write(visible(f"{r.file}:{r.line}: {cell}") + verdict
                       + visible(f" {what:<10} {_short(text, self.width)}") + "\n")
        verbose = self.verbose
        if r.status not in (Status.VERIFIED, Status.DEFINITION) or verbose:
            w(f"    {self._prose(r.message)}")
        if r.status in (Status.REFUTED, Status.CONDITIONAL) or verbose:
            if r.diagnosis and r.status is not Status.ERROR:
                w(f"    diagnosis: {self._prose(r.diagnosis)}")
            for a in r.assumptions:
                w(f"    assumption: {self._prose(a)}")
            if r.counterexample:
                c = r.counterexample
                at = ", ".join(f"{self._tex(k)}={v}" for k, v in list(c.point.items())[:6])
                w(f"    {witness_line(c)}")
                if at:
                    w(f"      at {at}")
        for f in r.lint:
            w(f"    flagged: {self._prose(f)}")
        for c in r.comparisons:
            if c.status is not r.status or verbose:
                w(f"    in {c.model}: {c.status.value}: {self._prose(c.diagnosis or c.message)}")
        if verbose and r.evidence:
            w(f"    evidence: {r.evidence}")


def print_changes(name: str, against: str, before: FileReport | None, after: FileReport,
                  out: IO[str]) -> int:
    """`derive diff` and `check --since`: what the edit did to the verdicts; 1 when it broke
    something."""
    from derive.edits import compare

    w = lambda s: out.write(visible(s) + "\n")  # noqa: E731
    changes = compare(before, after)
    if before is None:
        w(f"{name}: new {against}; every formula is new")
    edited = sorted({c.formula for c in changes})
    w(f"{name}: {len(edited)} formulas changed {against}")
    for c in changes:
        w("  " + c.describe() + ("  <- broken by the edit" if c.broke else ""))
    broke = sum(1 for c in changes if c.broke)
    if broke:
        w(f"{name}: the edit broke {broke} results")
    return 1 if broke else 0
