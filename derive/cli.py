"""The command line. The only module that prints and chooses exit codes.

Exit codes: 0 nothing refuted, 1 something refuted (or, with --strict, conditional, unchecked or
flagged), 2 bad input or usage, 3 an internal error (a bug).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from derive import __version__
from derive.errors import DeriveError, InputError, UsageError

FORMULAS_DIR = Path("formulas")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}\n{self.format_usage().strip()}")


def _files(paths: Sequence[str]) -> tuple[list[tuple[Path, str]], list[InputError]]:
    """The formulas files named (directories walked by `derive.sources.discover`: hidden
    folders, `.gitignore`d paths and derive's own reports skipped), and an error for each path
    that names nothing readable, so the others can still be checked."""
    from derive.sources import discover

    if not paths:
        if not FORMULAS_DIR.is_dir():
            raise InputError("no path given and there is no `formulas/` directory here")
        paths = [str(FORMULAS_DIR)]
    return discover(paths)


def _cmd_check(args: argparse.Namespace) -> int:
    from derive.check import check_file
    from derive.results import Status

    reports = []
    files, missing = _files(args.paths)
    for err in missing:
        print(f"derive: error: {err.message}", file=sys.stderr)
    input_errors = bool(missing)
    for path, name in files:
        try:
            reports.append(check_file(path, name, symbolic=args.symbolic))
        except InputError as err:
            print(err.render(), file=sys.stderr)
            input_errors = True
    results = [r for rep in reports for r in rep.results]
    if args.json:
        json.dump([r.to_json() for r in results], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for rep in reports:
            _print_human(rep, verbose=args.verbose)
    for r in results:
        if r.status is Status.ERROR and r.diagnosis and not args.json:
            print(r.diagnosis, file=sys.stderr)
    errors = any(r.status is Status.ERROR for r in results) or input_errors
    if errors:
        return 2
    if any(r.status is Status.REFUTED for r in results):
        return 1
    if args.strict and any(
        r.status in (Status.CONDITIONAL, Status.UNCHECKED) or r.lint for r in results
    ):
        return 1
    return 0


def _print_human(rep, verbose: bool) -> None:  # type: ignore[no-untyped-def]
    from derive.results import Status

    out = sys.stdout
    out.write(f"{rep.file}: {rep.title}\n")
    if rep.definitions:
        out.write("  model built from: " + ", ".join(
            f"{d.defines} (line {d.line})" for d in rep.definitions) + "\n")
    for r in rep.results:
        what = f"step {r.step}" if r.step else r.kind
        text = r.latex
        if r.step and r.step > 1:  # later steps: show the step, not the left side again
            for rel in (" = ", " \\leftarrow "):
                if rel in text:
                    text = "= " + text.split(rel, 1)[1]  # in the source, later steps follow `=`
                    break
        out.write(f"{r.file}:{r.line}: {r.status.symbol} {r.status.value:<11} {what:<10} "
                  f"{_short(text)}\n")
        if r.status not in (Status.VERIFIED, Status.DEFINITION) or verbose:
            out.write(f"    {r.message}\n")
        if r.status is Status.REFUTED or r.status is Status.CONDITIONAL or verbose:
            if r.diagnosis and r.status is not Status.ERROR:
                out.write(f"    diagnosis: {r.diagnosis}\n")
            for a in r.assumptions:
                out.write(f"    assumption: {a}\n")
            if r.counterexample:
                c = r.counterexample
                idx = ", ".join(f"{k}={v}" for k, v in c.indices.items())
                at = ", ".join(f"{k}={v}" for k, v in list(c.point.items())[:6])
                out.write(f"    witness: {c.instance}{'; ' + idx if idx else ''}: "
                          f"derived {c.lhs}, written {c.rhs}\n")
                if at:
                    out.write(f"      at {at}\n")
        for f in r.lint:
            out.write(f"    flagged: {f}\n")
        for c in r.comparisons:
            if c.status is not r.status or verbose:
                out.write(f"    in {c.model}: {c.status.value}: {c.diagnosis or c.message}\n")
        if verbose and r.evidence:
            out.write(f"    evidence: {r.evidence}\n")
    for note in rep.notes:
        out.write(f"  note: {note}\n")
    counts = rep.counts()
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    flagged = sum(1 for r in rep.results if r.lint)
    if flagged:
        summary += f", {flagged} flagged"
    out.write(f"{rep.file}: {len(rep.results)} checked: {summary}\n")


def _cmd_report(args: argparse.Namespace) -> int:
    from derive.check import check_file
    from derive.report.write import render_files, stale_reports, write_reports

    files, missing = _files(args.paths)
    if missing:
        raise missing[0]
    reports = [check_file(path, name, symbolic=True) for path, name in files]
    try:
        render_files(reports, args.output)  # fails early on two files with one name
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.check:
        stale = stale_reports(reports, args.output)
        for p in stale:
            print(f"{p.as_posix()}: stale or missing; run `derive report` and commit it",
                  file=sys.stderr)
        if not stale:
            print(f"reports in {args.output.as_posix()}/ are current")
        return 1 if stale else 0
    for p in write_reports(reports, args.output):
        print(f"wrote {p.as_posix()}")
    for rep in reports:
        counts = ", ".join(f"{v} {k}" for k, v in rep.counts().items() if v)
        print(f"{rep.file}: {counts}")
    return 0


def _short(latex: str, width: int = 70) -> str:
    """A formula on one line, cut to `width` characters."""
    flat = " ".join(latex.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser("check", help="check every formula and derivation step")
    check.add_argument("paths", nargs="*", help="formulas files or directories (default: formulas/)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument("--strict", action="store_true",
                       help="also fail (exit 1) on conditional, unchecked and flagged results")
    check.add_argument("-v", "--verbose", action="store_true", help="show evidence and details")
    check.add_argument("--symbolic", action="store_true",
                       help="also try to prove each verified claim with sympy.simplify (slower)")
    check.set_defaults(handler=_cmd_check)
    report = sub.add_parser("report", help="write derivation reports (Markdown, HTML, JSON)")
    report.add_argument("paths", nargs="*", help="formulas files or directories (default: formulas/)")
    report.add_argument("-o", "--output", type=Path, default=Path("reports"),
                        help="output directory (default: reports/)")
    report.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a report there is stale or missing")
    report.set_defaults(handler=_cmd_report)
    for register in _plugins():
        register(sub)
    return parser


def _plugins():  # type: ignore[no-untyped-def]
    """Subcommands that live with their own stage (the numeric trainer)."""
    out = []
    try:
        from derive.numeric.commands import register as numeric_register

        out.append(numeric_register)
    except ImportError:
        pass
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.handler(args))
    except InputError as err:
        print(err.render() if err.span else f"derive: error: {err.message}", file=sys.stderr)
        return err.exit_code
    except DeriveError as err:
        print(f"derive: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in derive, not bad input: say so, without a traceback
        if os.environ.get("DERIVE_DEBUG") == "1":
            raise
        print(f"derive: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in derive; DERIVE_DEBUG=1 shows the traceback.", file=sys.stderr)
        return 3
