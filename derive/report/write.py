"""Reports on disk: which files a FileReport becomes, writing them safely, finding stale ones.

`write_reports` never loses a file that is not its own, and writes the files of a run as a set:

* It replaces only files it wrote itself, known by the marker each format opens with
  (`is_generated`): the Markdown comment `markdown.MARKER`, the HTML
  `<meta name="generator" content="derive report">`, the JSON key `"schema": "derive-report/..."`.
  Any other file in the way, a file of this run's sources (`derive report notes.md -o .`, or
  a hard link to one), a read-only file, a symbolic link or anything that is not a regular file
  is refused: `ReportRefused`, exit 2, and nothing is written.
* It never writes through a symbolic link: a link at a target is refused, and the output
  folder itself may not be a link (links higher up the path are the user's and are followed).
  The folder is opened once; every check and write is relative to that open folder, so a
  component swapped for a link during the run cannot redirect the files.
* Everything is rendered first. Then each file is written to a hidden temporary file beside
  its target (`.<name>.<pid>-<random>.derive-tmp`) and synced; the targets are checked again;
  only then is each temporary file renamed over its target (`os.replace`, atomic per file) and
  the folder synced. Any failure before the renames removes the temporary files and leaves the old set
  untouched (and removes the folders this run created).

POSIX has no rename of several files at once, so there is one short window: between the first
and the last rename of a run (a few system calls, no rendering or writing in between) a
`kill -9` or a power cut leaves some files new and some old. `derive report --check` then calls
the old ones stale, and the next `derive report` replaces them. A rename that fails inside the
window (it does not, short of a disk error) is reported with how many files were replaced.
Temporary files left by a killed run are removed by the next run into the same folder (those
of a run still going on there are left alone).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from derive.report.folder import (
    Folder,
    ReportRefused,
    check_output_dir,
    clean_leftovers,
    is_generated,
    make_folder,
    remove_folders,
    same_state,
    shown,
    sources_of,
    target_problem,
    write_temp,
)
from derive.report.html import render_html
from derive.report.json import render_json
from derive.report.markdown import render_markdown
from derive.results import FileReport
from derive.text import visible

RENDERERS: tuple[tuple[str, Callable[[FileReport], str]], ...] = (
    (".md", render_markdown),
    (".html", render_html),
    (".json", render_json),
)


class ReportNameClash(ReportRefused, ValueError):
    """Two source files would get reports of one name."""


# --- names and texts -------------------------------------------------------------------------


def report_stem(report: FileReport) -> str:
    return Path(report.file).stem


def render_files(reports: Iterable[FileReport], outdir: Path) -> dict[Path, str]:
    """Every report file's path and text, in a fixed order. Raises ReportNameClash (a
    ValueError) when two files would get one report name."""
    out: dict[Path, str] = {}
    owners: dict[str, str] = {}
    for report in reports:
        stem = report_stem(report)
        if stem in owners and owners[stem] != report.file:
            raise ReportNameClash(
                [visible(f"{owners[stem]} and {report.file} would both be reported as {stem}.*")]
            )
        owners[stem] = report.file
        for suffix, render in RENDERERS:
            out[outdir / f"{stem}{suffix}"] = render(report)
    return out


# --- writing the set ------------------------------------------------------------------------


def check_targets(
    outdir: Path, files: Iterable[str], *, sources: Iterable[Path | str] = ()
) -> None:
    """Refuse early (before any checking) what `write_reports` would refuse for the reports of
    `files` (names as the reports will carry them): an unusable folder, or a target that is a
    source, a link or a file not ours. Reads only; `write_reports` checks again."""
    check_output_dir(outdir)
    if not os.path.isdir(outdir):
        return
    names = [f"{Path(f).stem}{suffix}" for f in files for suffix, _ in RENDERERS]
    source_ids = sources_of(sources)
    try:
        folder = Folder(outdir)
    except OSError:
        return  # write_reports says why
    try:
        problems = [p for name in names if (p := target_problem(folder, name, source_ids)[0])]
    finally:
        folder.close()
    if problems:
        raise ReportRefused(problems)


def write_reports(
    reports: list[FileReport], outdir: Path, *, sources: Iterable[Path | str] = ()
) -> list[Path]:
    """Write `<stem>.md`, `.html`, `.json` for each report as one set; return the paths.

    `sources` are the files the reports were made from: none of them is ever replaced.
    Raises `ReportRefused` (a UsageError, exit 2) and changes nothing when a target is not
    ours to replace or the folder cannot be used; see the module docstring for the guarantees.
    """
    files = render_files(reports, outdir)
    data = {p.name: text.encode("utf-8", "backslashreplace") for p, text in files.items()}
    source_ids = sources_of(sources)
    created = make_folder(outdir)
    temps: dict[str, str] = {}
    folder: Folder | None = None
    try:
        folder = _open(outdir)
        states = _replaceable(folder, data, source_ids)
        clean_leftovers(folder, set(data))
        for name, payload in data.items():
            temps[name] = _temp(folder, outdir, name, payload, states[name])
        _unchanged(folder, outdir, states)
        _rename(folder, outdir, temps)
        folder.sync()
    except BaseException:
        if folder is not None:
            _discard(folder, temps)
            folder.close()
            folder = None
        remove_folders(created)
        raise
    finally:
        if folder is not None:
            folder.close()
    return list(files)


def _open(outdir: Path) -> Folder:
    try:
        return Folder(outdir)
    except OSError as exc:
        raise ReportRefused([f"{shown(outdir)}: cannot open the output folder: "
                             f"{exc.strerror or exc}"]) from None


def _replaceable(folder: Folder, data: dict[str, bytes],
                 source_ids: set[tuple[int, int]]) -> dict[str, os.stat_result | None]:
    """Each target's state now; ReportRefused naming every target that may not be replaced."""
    states: dict[str, os.stat_result | None] = {}
    problems = []
    for name in data:
        problem, states[name] = target_problem(folder, name, source_ids)
        if problem:
            problems.append(problem)
    if problems:
        raise ReportRefused(problems)
    return states


def _temp(folder: Folder, outdir: Path, name: str, payload: bytes,
          old: os.stat_result | None) -> str:
    """The temporary file of one target, written and synced, with the target's permissions."""
    mode = old.st_mode & 0o777 if old is not None else 0o666
    try:
        return write_temp(folder, name, payload, mode)
    except OSError as exc:
        raise ReportRefused([f"{shown(outdir / name)}: cannot be written: "
                             f"{exc.strerror or exc}; no report was changed"]) from None


def _unchanged(folder: Folder, outdir: Path, states: dict[str, os.stat_result | None]) -> None:
    """Check again, all before the first rename: a file that appeared or changed meanwhile is
    not replaced, and neither is any other of the set."""
    for name, before in states.items():
        try:
            now: os.stat_result | None = folder.lstat(name)
            same = same_state(before, now)
        except FileNotFoundError:
            same = before is None
        except OSError:
            same = False
        if not same:
            raise ReportRefused([f"{shown(outdir / name)}: changed while the reports were "
                                 "written; no report was changed"])


def _rename(folder: Folder, outdir: Path, temps: dict[str, str]) -> None:
    """Each temporary file over its target; each renamed one leaves `temps`."""
    total, done = len(temps), 0
    for name in list(temps):
        try:
            folder.replace(temps[name], name)
        except OSError as exc:
            raise ReportRefused([
                f"{shown(outdir / name)}: cannot be replaced: {exc.strerror or exc}; "
                f"{done} of {total} files of the set were already replaced: rerun "
                "derive report"
            ]) from None
        del temps[name]
        done += 1


def _discard(folder: Folder, temps: dict[str, str]) -> None:
    for tmp in temps.values():
        try:
            folder.unlink(tmp)
        except OSError:
            pass


def stale_reports(reports: list[FileReport], outdir: Path) -> list[Path]:
    """The report files under `outdir` that are missing or differ from what would be written.

    A target that is not a regular file (a link, a folder, a FIFO) counts as stale and is not
    opened."""
    stale = []
    for path, text in render_files(reports, outdir).items():
        expected = text.encode("utf-8", "backslashreplace")
        try:
            st = os.lstat(path)
            same = (
                stat.S_ISREG(st.st_mode)
                and st.st_size == len(expected)
                and path.read_bytes() == expected
            )
        except OSError:
            same = False
        if not same:
            stale.append(path)
    return stale


__all__ = [
    "RENDERERS",
    "ReportNameClash",
    "ReportRefused",
    "check_output_dir",
    "check_targets",
    "is_generated",
    "render_files",
    "report_stem",
    "stale_reports",
    "write_reports",
]
