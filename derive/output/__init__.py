"""What `derive check` prints, in four formats: for people (`human`), and for machines (`json`,
`github` workflow annotations, `sarif` for code-scanning tools).

A `Printer` is told about each file as soon as it is checked (`file`), each file that could not
be read (`failed`), each file that tripped a bug (`crashed`), and the end of the run (`finish`).
The human format streams; the machine formats that are one document (json, sarif) write it at
the end. Everything taken from a document passes through `visible` (no raw control characters).
`print_changes` words `derive diff` and `check --since`; `error_text` an input error.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from derive.output.base import (
    READ_AS,
    Printer,
    Tally,
    error_text,
    finding_text,
    is_finding,
    symbols_fit,
    use_colour,
    witness_line,
)
from derive.output.human import HumanPrinter, print_changes
from derive.output.machine import JSON_SCHEMA_VERSION, GithubPrinter, JsonPrinter, SarifPrinter

FORMATS = ("human", "json", "github", "sarif")


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


__all__ = [
    "FORMATS",
    "JSON_SCHEMA_VERSION",
    "READ_AS",
    "GithubPrinter",
    "HumanPrinter",
    "JsonPrinter",
    "Printer",
    "SarifPrinter",
    "Tally",
    "error_text",
    "finding_text",
    "is_finding",
    "make_printer",
    "print_changes",
    "symbols_fit",
    "use_colour",
    "witness_line",
]
