"""What `derive check` prints, in four formats: for people (`human`), and for machines (`json`,
`github` workflow annotations, `sarif` for code-scanning tools).

A `Printer` is told about each file as soon as it is checked (`file`), each file that could not
be read (`failed`), each file that tripped a bug (`crashed`), and the end of the run (`finish`).
The human format streams; the machine formats that are one document (json, sarif) write it at
the end. Everything taken from a document passes through `visible` (no raw control characters).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from derive import __version__
from derive.errors import InputError
from derive.results import Counterexample, FileReport, Result, Status
from derive.text import visible
from derive.unicode import to_unicode

FORMATS = ("human", "json", "github", "sarif")
JSON_SCHEMA_VERSION = 1

_ASCII = {Status.DEFINITION: "=", Status.VERIFIED: "+", Status.REFUTED: "x",
          Status.CONDITIONAL: "~", Status.UNCHECKED: "?", Status.ERROR: "!"}
_COLOURS = {Status.DEFINITION: "2", Status.VERIFIED: "32", Status.REFUTED: "1;31",
            Status.CONDITIONAL: "33", Status.UNCHECKED: "35", Status.ERROR: "1;31"}


READ_AS = "read as: "  # the notes that say what an inferred notation took each symbol to be


@dataclass
class Tally:
    """The run's counts over every file, for the summary and the exit code."""

    files: int = 0
    unreadable: int = 0
    crashed: int = 0
    results: list[Result] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results:
            out[r.status.value] += 1
        out["flagged"] = sum(1 for r in self.results if r.lint)
        return out


def is_finding(r: Result) -> bool:
    """A result a reader must look at: anything but a clean definition or verification."""
    return r.status not in (Status.VERIFIED, Status.DEFINITION) or bool(r.lint)


def use_colour(choice: str, stream: IO[str]) -> bool:
    """`--color always|never|auto`; auto honours NO_COLOR (https://no-color.org) and dumb
    terminals, and colours only a terminal."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def symbols_fit(stream: IO[str]) -> bool:
    """Whether the stream's encoding can show the verdict symbols (else ASCII stand-ins)."""
    try:
        "≡✓✗≈".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def witness_line(c: Counterexample) -> str:
    """`witness: n=3, C=(3, 2, 4), m=2; i=1: derived 0.57, written 0.19`."""
    idx = ", ".join(f"{k}={v}" for k, v in c.indices.items())
    return (f"witness: {c.instance}{'; ' + idx if idx else ''}: "
            f"derived {c.lhs}, written {c.rhs}")


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


class Printer:
    def __init__(self, out: IO[str], err: IO[str]):
        self.out, self.err = out, err
        self.tally = Tally()

    def begin(self, index: int, total: int, name: str) -> None:
        """About to check file `index` (1-based) of `total`."""

    def file(self, rep: FileReport) -> None:
        self.tally.files += 1
        self.tally.results.extend(rep.results)

    def failed(self, err: InputError) -> None:
        self.tally.unreadable += 1
        self.err.write(visible(err.render() if err.span else f"derive: error: {err.message}")
                       + "\n")

    def crashed(self, name: str, exc: BaseException) -> None:
        self.tally.crashed += 1
        self.err.write(visible(f"{name}: internal error: {type(exc).__name__}: {exc}") + "\n"
                       "    This is a bug in derive, not in the file; the other files are still "
                       "checked. DERIVE_DEBUG=1 shows the traceback.\n")

    def finish(self) -> None:
        pass


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

    def crashed(self, name: str, exc: BaseException) -> None:
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


class JsonPrinter(Printer):
    """One JSON object: the schema version, every file with its results, the files that could
    not be read, and a summary (documented in the README)."""

    def __init__(self, out: IO[str], err: IO[str]):
        super().__init__(out, err)
        self.files: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        self.files.append({"file": rep.file, "title": rep.title, "counts": rep.counts(),
                           "results": [r.to_json() for r in rep.results]})

    def failed(self, err: InputError) -> None:
        super().failed(err)
        self.errors.append(_error_json(err, "input"))

    def crashed(self, name: str, exc: BaseException) -> None:
        super().crashed(name, exc)
        self.errors.append({"file": name, "line": None, "col": None, "kind": "internal",
                            "message": f"{type(exc).__name__}: {exc}"})

    def finish(self) -> None:
        doc = {"schema": JSON_SCHEMA_VERSION, "tool": "derive", "version": __version__,
               "summary": {"files": self.tally.files, "unreadable": self.tally.unreadable,
                           "internal_errors": self.tally.crashed, **self.tally.counts()},
               "files": self.files, "errors": self.errors}
        json.dump(doc, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


def _error_json(err: InputError, kind: str) -> dict[str, Any]:
    span = err.span
    return {"file": span.file if span else None, "line": span.line if span else None,
            "col": span.col if span else None, "kind": kind, "message": err.message,
            "hint": err.hint}


# GitHub workflow commands: https://docs.github.com/actions/reference/workflow-commands
def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


_LEVEL = {Status.REFUTED: "error", Status.ERROR: "error", Status.CONDITIONAL: "warning",
          Status.UNCHECKED: "warning"}


def _plain(text: str) -> str:
    """A message without its `$...$` delimiters, on one line."""
    return " ".join(re.sub(r"\$([^$]*)\$", r"\1", text).split())


def finding_text(r: Result) -> str:
    parts = [r.message]
    if (r.diagnosis and r.status is not Status.ERROR
            and r.diagnosis.split(": ", 1)[-1] not in r.message):
        parts.append(f"diagnosis: {r.diagnosis}")
    parts.extend(f"flagged: {f}" for f in r.lint)
    return _plain(" ".join(parts))


def _level(r: Result) -> str:
    return _LEVEL.get(r.status, "warning" if r.lint else "notice")


class GithubPrinter(Printer):
    """`::error file=F,line=L,col=C,title=T::message` for every finding, as it is found."""

    def _annotate(self, level: str, file: str, line: int | None, col: int | None, title: str,
                  message: str) -> None:
        props = [f"file={_gh_prop(file)}"]
        if line:
            props.append(f"line={line}")
        if col:
            props.append(f"col={col}")
        props.append(f"title={_gh_prop(title)}")
        self.out.write(visible(f"::{level} {','.join(props)}::{_gh_data(message)}") + "\n")

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        for r in rep.results:
            if is_finding(r):
                what = f"step {r.step}" if r.step else r.kind
                self._annotate(_level(r), r.file, r.line, r.col,
                               f"derive: {r.status.value} ({what})", finding_text(r))
        self.out.flush()

    def failed(self, err: InputError) -> None:
        self.tally.unreadable += 1
        span = err.span
        self._annotate("error", span.file if span else "", span.line if span else None,
                       span.col if span else None, "derive: error", err.message)

    def crashed(self, name: str, exc: BaseException) -> None:
        self.tally.crashed += 1
        self._annotate("error", name, None, None, "derive: internal error",
                       f"{type(exc).__name__}: {exc} (a bug in derive)")

    def finish(self) -> None:
        c = self.tally.counts()
        summary = ", ".join(f"{v} {k}" for k, v in c.items() if v) or "nothing checked"
        self.out.write(f"derive: {self.tally.files} files: {summary}\n")


class SarifPrinter(Printer):
    """SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/): one run, one rule per
    kind of finding."""

    RULES = (("refuted", "A formula or step differs from what its model derives"),
             ("conditional", "A formula holds only under an assumption the text does not make"),
             ("unchecked", "A formula the tool could not decide"),
             ("flagged", "A finding that does not change the verdict"),
             ("error", "A formula or file that could not be read"),
             ("internal", "A bug in derive"))

    def __init__(self, out: IO[str], err: IO[str]):
        super().__init__(out, err)
        self.results: list[dict[str, Any]] = []

    def _add(self, rule: str, level: str, text: str, file: str | None, line: int | None,
             col: int | None) -> None:
        res: dict[str, Any] = {"ruleId": rule, "level": level, "message": {"text": text}}
        if file:
            region = {k: v for k, v in (("startLine", line), ("startColumn", col)) if v}
            loc: dict[str, Any] = {"artifactLocation": {"uri": file}}
            if region:
                loc["region"] = region
            res["locations"] = [{"physicalLocation": loc}]
        self.results.append(res)

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        for r in rep.results:
            if r.status in (Status.VERIFIED, Status.DEFINITION) and not r.lint:
                continue
            rule = r.status.value if r.status not in (Status.VERIFIED, Status.DEFINITION) \
                else "flagged"
            level = {"error": "error", "warning": "warning"}.get(_level(r), "note")
            self._add(rule, level, finding_text(r), r.file, r.line, r.col)

    def failed(self, err: InputError) -> None:
        super().failed(err)
        span = err.span
        self._add("error", "error", err.message, span.file if span else None,
                  span.line if span else None, span.col if span else None)

    def crashed(self, name: str, exc: BaseException) -> None:
        super().crashed(name, exc)
        self._add("internal", "error", f"{type(exc).__name__}: {exc}", name, None, None)

    def finish(self) -> None:
        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "derive", "version": __version__,
                    "rules": [{"id": i, "shortDescription": {"text": t}} for i, t in self.RULES],
                }},
                "results": self.results,
            }],
        }
        json.dump(doc, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


def make_printer(fmt: str, *, verbose: bool = False, quiet: bool = False, colour: str = "auto",
                 width: int | None = None, latex: bool = False, out: IO[str] | None = None,
                 err: IO[str] | None = None) -> Printer:
    out = out or sys.stdout
    err = err or sys.stderr
    if fmt == "json":
        return JsonPrinter(out, err)
    if fmt == "github":
        return GithubPrinter(out, err)
    if fmt == "sarif":
        return SarifPrinter(out, err)
    if width is None:  # fit a terminal; never cut what goes to a file or a pipe
        isatty = getattr(out, "isatty", None)
        width = max(40, os.get_terminal_size().columns - 45) if isatty and isatty() else 0
    return HumanPrinter(out, err, verbose=verbose, quiet=quiet,
                        colour=use_colour(colour, out), width=width, latex=latex)
