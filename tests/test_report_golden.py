"""Golden files: the Markdown and JSON report of tests/golden/mini.md, byte for byte.

Regenerate after an intended change with `DERIVE_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_report_samples import mini_report

from derive.report import render_html, render_json, render_markdown

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DERIVE_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("mini.report.md", render_markdown),
        ("mini.report.json", render_json),
        ("mini.report.html", render_html),
    ],
)
def test_golden(name, render):
    text = render(mini_report())
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"{path} missing: run with DERIVE_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} changed: review, then DERIVE_UPDATE_GOLDEN=1 to accept"


def test_golden_input_matches_hand_built_report():
    """The hand-built FileReport points at the formulas of tests/golden/mini.md as written."""
    lines = (GOLDEN / "mini.md").read_text(encoding="utf-8").splitlines()
    report = mini_report()
    for line, level, text in report.headings:
        assert lines[line - 1] == "#" * level + " " + text
    for r in report.results:
        if r.step is None:
            assert lines[r.line - 1] == r.latex, r
