"""Reports on disk: which files a FileReport becomes, writing them, and finding stale ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from derive.report.html import render_html
from derive.report.json import render_json
from derive.report.markdown import render_markdown
from derive.results import FileReport

RENDERERS: tuple[tuple[str, Callable[[FileReport], str]], ...] = (
    (".md", render_markdown),
    (".html", render_html),
    (".json", render_json),
)


def report_stem(report: FileReport) -> str:
    return Path(report.file).stem


def render_files(reports: Iterable[FileReport], outdir: Path) -> dict[Path, str]:
    """Every report file's path and text, in a fixed order. Raises ValueError on a clash."""
    out: dict[Path, str] = {}
    owners: dict[str, str] = {}
    for report in reports:
        stem = report_stem(report)
        if stem in owners and owners[stem] != report.file:
            raise ValueError(f"{owners[stem]} and {report.file} would both be reported as {stem}.*")
        owners[stem] = report.file
        for suffix, render in RENDERERS:
            out[outdir / f"{stem}{suffix}"] = render(report)
    return out


def write_reports(reports: list[FileReport], outdir: Path) -> list[Path]:
    """Write `<stem>.md`, `.html`, `.json` for each report; return the paths written."""
    files = render_files(reports, outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation on any OS
    return list(files)


def stale_reports(reports: list[FileReport], outdir: Path) -> list[Path]:
    """The report files under `outdir` that are missing or differ from what would be written."""
    stale = []
    for path, text in render_files(reports, outdir).items():
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            stale.append(path)
    return stale
