"""The command line: the subcommands, their arguments and exit codes (what `derive check`, `diff`
and `check --since` print is worded in `derive.output`).

Exit codes: 0 nothing refuted, 1 something refuted (or, with --strict, conditional, unchecked or
flagged), 2 bad input or usage, 3 an internal error (a bug).

Start-up: `derive --version` and `derive --help` must stay fast (a test runs them in a fresh
interpreter and lists what they import). So this module imports only the standard library's
argparse at the top; every stage (and derive.errors, which needs dataclasses) is imported inside
the function that uses it, and a subcommand's arguments are added only when that subcommand is
the one being parsed (`COMMANDS` below).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from derive import __version__
from derive.text import visible

if TYPE_CHECKING:
    from derive.errors import InputError

FORMULAS_DIR = Path("formulas")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        from derive.errors import UsageError

        raise UsageError(f"{message}\n{self.format_usage().strip()}")


class _Subcommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subparsers whose arguments are added when one of them is chosen: `setup` (a
    "module:function" name, the function taking the subparser) runs then, once."""

    def add_parser(self, name: str, *, setup: str, **kwargs):  # type: ignore[no-untyped-def,override]
        sub = super().add_parser(name, **kwargs)
        sub._derive_setup = setup  # type: ignore[attr-defined]
        return sub

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        chosen = self._name_parser_map.get(values[0]) if values else None
        if chosen is not None:
            _setup(chosen)
        super().__call__(parser, namespace, values, option_string)


def _setup(sub: argparse.ArgumentParser) -> None:
    setup = getattr(sub, "_derive_setup", None)
    if setup is None:
        return
    sub._derive_setup = None  # type: ignore[attr-defined]
    import importlib

    module, _, function = setup.partition(":")
    getattr(importlib.import_module(module), function)(sub)


def _files(paths: Sequence[str]) -> tuple[list[tuple[Path, str]], list[InputError]]:
    """The formulas files named (directories walked by `derive.sources.discover`: hidden
    folders, `.gitignore`d paths and derive's own reports skipped), and an error for each path
    that names nothing readable, so the others can still be checked."""
    from derive.errors import InputError
    from derive.sources import discover

    if not paths:
        if not FORMULAS_DIR.is_dir():
            raise InputError("no path given and there is no `formulas/` directory here")
        paths = [str(FORMULAS_DIR)]
    return discover(paths)


def _cmd_check(args: argparse.Namespace) -> int:
    """Check each file and print its results as soon as it is done. A file that cannot be read
    (exit 2) or that trips a bug in derive (exit 3) is reported and the other files go on."""
    from derive.check.parallel import check_files
    from derive.errors import Crashed, InputError
    from derive.output import make_printer
    from derive.results import Status

    if args.since:
        return _check_since(args)
    fmt = "json" if args.json else args.format
    printer = make_printer(fmt, verbose=args.verbose, quiet=args.quiet, colour=args.color,
                           width=args.width, latex=args.latex)
    files, missing = _files(args.paths)
    for err in missing:
        printer.failed(err)
    outcomes = check_files(files, symbolic=args.symbolic, jobs=args.jobs)
    for index, (_, name) in enumerate(files, start=1):
        printer.begin(index, len(files), name)
        outcome = next(outcomes)[1]  # one job: the file is checked now, after its progress line
        if isinstance(outcome, InputError):
            printer.failed(outcome)
        elif isinstance(outcome, Crashed):  # a bug in derive: no results, the others have
            printer.crashed(name, outcome)
        else:
            printer.file(outcome)
    printer.finish()
    tally = printer.tally
    results = tally.results
    if tally.crashed:
        return 3
    if tally.unreadable or any(r.status is Status.ERROR for r in results):
        return 2
    if any(r.status is Status.REFUTED for r in results):
        return 1
    if args.strict and any(
        r.status in (Status.CONDITIONAL, Status.UNCHECKED) or r.lint for r in results
    ):
        return 1
    return 0


def _check_since(args: argparse.Namespace) -> int:
    """`check --since REF`: each file against its version at the git revision REF."""
    from derive.check import check_file
    from derive.edits import check_version, git_version
    from derive.errors import InputError, UsageError
    from derive.output import error_text, print_changes

    if args.json or args.format != "human":
        raise UsageError("--since prints its changes for people; it takes no --format")
    files, missing = _files(args.paths)
    code = 2 if missing else 0
    for err in missing:
        print(error_text(err), file=sys.stderr)
    for path, name in files:
        try:
            old = git_version(path, args.since)
            new = check_file(path, name, symbolic=args.symbolic)
            before = check_version(old, path, name) if old is not None else None
        except InputError as err:
            print(error_text(err), file=sys.stderr)
            code = max(code, 2)
            continue
        code = max(code, print_changes(name, f"since {args.since}", before, new, sys.stdout))
    return code


def _cmd_diff(args: argparse.Namespace) -> int:
    from derive.check import check_file
    from derive.output import print_changes

    old_path, new_path = Path(args.old), Path(args.new)
    before = check_file(old_path, old_path.as_posix())
    after = check_file(new_path, new_path.as_posix())
    return print_changes(new_path.as_posix(), f"against {old_path.as_posix()}", before, after,
                         sys.stdout)


def _cmd_report(args: argparse.Namespace) -> int:
    """Check each file and write (or, with --check, compare) its reports. A file that cannot be
    read (exit 2) or that trips a bug in derive (exit 3) is reported and gets no report; the
    other files' reports are written as one set."""
    from derive.check.parallel import check_files
    from derive.errors import Crashed, InputError
    from derive.output import error_text
    from derive.report.write import (
        ReportRefused,
        check_targets,
        stale_reports,
        write_reports,
    )
    from derive.text import visible

    files, missing = _files(args.paths)
    failed = len(missing)
    for err in missing:
        print(error_text(err), file=sys.stderr)
    crashed = 0
    try:
        if not args.check:  # what cannot be written is refused before the (slow) checking
            check_targets(args.output, [name for _, name in files],
                          sources=[path for path, _ in files])
        reports = []
        for name, outcome in check_files(files, symbolic=True, jobs=args.jobs):
            if isinstance(outcome, InputError):
                failed += 1
                print(error_text(outcome), file=sys.stderr)
            elif isinstance(outcome, Crashed):
                crashed += 1
                print(visible(f"{name}: internal error: {outcome.kind}: {outcome}\n"
                              "    This is a bug in derive, not in the file; it gets no report, "
                              "the other files do. DERIVE_DEBUG=1 shows the traceback."),
                      file=sys.stderr)
            else:
                reports.append(outcome)
        failure = 3 if crashed else 2 if failed else 0
        if args.check:
            stale = stale_reports(reports, args.output)
            for p in stale:
                print(f"{visible(p.as_posix())}: stale or missing; run `derive report` and "
                      "commit it", file=sys.stderr)
            if not stale and not failure:
                print(f"reports in {visible(args.output.as_posix())}/ are current")
            return failure or (1 if stale else 0)
        written = write_reports(reports, args.output, sources=[path for path, _ in files])
    except ReportRefused as exc:  # one line per refused file (or name clash), nothing written
        for problem in exc.problems:
            print(f"derive: error: {problem}", file=sys.stderr)
        return exc.exit_code
    for p in written:
        print(f"wrote {visible(p.as_posix())}")
    for rep in reports:
        counts = ", ".join(f"{v} {k}" for k, v in rep.counts().items() if v)
        print(f"{visible(rep.file)}: {counts}")
    return failure


def _width(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 0 or (0 < n < 10):
        raise argparse.ArgumentTypeError("give 0 (never cut) or at least 10 characters")
    return n


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("give at least 1 (1: one file after another)")
    return n


# The subcommands in `derive --help` order: name, one-line help, and the "module:function" that
# adds its arguments and its handler (imported only when the subcommand runs). A new subcommand
# is one line here and one setup function.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("check", "check every formula and derivation step", "derive.cli:_setup_check"),
    ("diff", "how the verdicts of OLD changed in NEW (an edit verified)", "derive.cli:_setup_diff"),
    ("notation", "what the notation of each document was read to be, as a front matter",
     "derive.notation_cmd:setup"),
    ("report", "write derivation reports (Markdown, HTML, JSON)", "derive.cli:_setup_report"),
    # the numeric trainer's subcommands live with their stage; their help is
    # derive.numeric.commands.HELP (a test keeps the two equal)
    ("train", "train a network with the gradients derived from the document",
     "derive.numeric.commands:setup_train"),
    ("gradcheck", "compare derived gradients with central finite differences",
     "derive.numeric.commands:setup_gradcheck"),
    ("bench", "time the generated trainer against NumPy and PyTorch baselines",
     "derive.numeric.commands:setup_bench"),
)


def _setup_check(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", help="formulas files or directories (default: formulas/)")
    check.add_argument("--format", choices=("human", "json", "github", "sarif"), default="human",
                       help="human (default), json (schema in the README), github (workflow "
                            "annotations) or sarif (code scanning)")
    check.add_argument("--json", action="store_true", help="the same as --format json")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="print only findings and each file's summary line")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the verdicts (auto: on a terminal, unless NO_COLOR is set)")
    check.add_argument("--width", type=_width, default=None, metavar="N",
                       help="cut formulas to N characters (0: never; default: fit the terminal, "
                            "never cut in a pipe)")
    check.add_argument("--strict", action="store_true",
                       help="also fail (exit 1) on conditional, unchecked and flagged results")
    check.add_argument("-v", "--verbose", action="store_true", help="show evidence and details")
    check.add_argument("--symbolic", action="store_true",
                       help="also try to prove each verified claim with sympy.simplify (slower)")
    check.add_argument("--latex", action="store_true",
                       help="show formulas as their LaTeX (default: as Unicode text)")
    check.add_argument("--since", metavar="REF",
                       help="show how the verdicts changed since the git revision REF "
                            "(exit 1 when an edit broke a result)")
    check.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                       help="check N files at once, each in a process of its own (default: one "
                            "per core; the output is the same)")
    check.set_defaults(handler=_cmd_check)


def _setup_diff(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("old", help="the file before the edit")
    diff.add_argument("new", help="the file after the edit")
    diff.set_defaults(handler=_cmd_diff)


def _setup_report(report: argparse.ArgumentParser) -> None:
    report.add_argument("paths", nargs="*", help="formulas files or directories (default: formulas/)")
    report.add_argument("-o", "--output", type=Path, default=Path("reports"),
                        help="output directory (default: reports/)")
    report.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a report there is stale or missing")
    report.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                        help="check N files at once, each in a process of its own (default: one "
                             "per core; the reports are the same)")
    report.set_defaults(handler=_cmd_report)


def build_parser(*, complete: bool = False) -> argparse.ArgumentParser:
    """The command line. A subcommand's arguments are added when it is parsed, or all at once
    with `complete=True` (for whatever inspects the parser rather than running it)."""
    parser = _Parser(prog="derive", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.register("action", "parsers", _Subcommands)
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text, setup in COMMANDS:
        added = sub.add_parser(name, help=help_text, setup=setup)
        if complete:
            _setup(added)
    return parser


def _degrade_encoding() -> None:
    """On a terminal that cannot encode some character (a Latin-1 or ASCII locale), print an
    escape for it instead of failing with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream
                pass


def main(argv: Sequence[str] | None = None) -> int:
    _degrade_encoding()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        code = _failure(exc)
        if code is None:  # DERIVE_DEBUG=1 and a bug in derive: the traceback
            raise
        return code


def _failure(exc: Exception) -> int | None:
    """Print what went wrong and give the exit code; None for a bug under DERIVE_DEBUG=1."""
    from derive.errors import DeriveError, InputError

    if isinstance(exc, InputError):
        from derive.output import error_text

        print(error_text(exc), file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, DeriveError):
        print(visible(f"derive: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, BrokenPipeError):
        return 0
    # a bug in derive, not bad input: say so, without a traceback
    if os.environ.get("DERIVE_DEBUG") == "1":
        return None
    print(visible(f"derive: internal error: {type(exc).__name__}: {exc}\n"
                  "This is a bug in derive; DERIVE_DEBUG=1 shows the traceback."),
          file=sys.stderr)
    return 3
