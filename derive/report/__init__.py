"""Derivation reports a person wants to read: a FileReport as Markdown, HTML and JSON.

Pure functions from `derive.results.FileReport` to text, plus `write` for the files on disk:

    layout     what a report says, in which order, with which anchors (shared by all formats)
    markdown   GitHub-flavoured Markdown with GitHub-rendered mathematics
    html       one self-contained page, mathematics as MathML (via `mathml`)
    json       the same content as data, schema "derive-report/1"
    write      file names, writing the set of files, staleness
    folder     the output folder used safely: our own files, targets, temporary files
"""

from derive.report.html import render_html
from derive.report.json import render_json
from derive.report.markdown import render_markdown
from derive.report.write import stale_reports, write_reports

__all__ = [
    "render_html",
    "render_json",
    "render_markdown",
    "stale_reports",
    "write_reports",
]
