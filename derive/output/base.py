"""What every printer of `derive check` shares: the run's tally, a finding's one-line text."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import IO

from derive.errors import Crashed, InputError
from derive.results import Counterexample, FileReport, Result, Status
from derive.sentences import detail
from derive.text import visible

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


def plain(text: str) -> str:
    """A message without its `$...$` delimiters, on one line."""
    return " ".join(re.sub(r"\$([^$]*)\$", r"\1", text).split())


def finding_text(r: Result) -> str:
    parts = [r.message]
    if r.diagnosis and r.status is not Status.ERROR and _unsaid(r):
        parts.append(f"diagnosis: {r.diagnosis}")
    parts.extend(f"flagged: {f}" for f in r.lint)
    return plain(" ".join(parts))


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
        self.err.write(error_text(err) + "\n")

    def crashed(self, name: str, exc: Crashed) -> None:
        self.tally.crashed += 1
        self.err.write(visible(f"{name}: internal error: {exc.kind}: {exc}") + "\n"
                       "    This is a bug in derive, not in the file; the other files are still "
                       "checked. DERIVE_DEBUG=1 shows the traceback.\n")

    def finish(self) -> None:
        pass


def error_text(err: InputError) -> str:
    """An input error as printed: placed with its source line and caret when it has a place."""
    return visible(err.render() if err.span else f"derive: error: {err.message}")


def _unsaid(r: Result) -> bool:
    """Whether the message leaves out what the diagnosis says (the message of a refutation
    ends with its finding's detail)."""
    said = detail(r.finding) if r.finding is not None else r.diagnosis or ""
    return said not in r.message
