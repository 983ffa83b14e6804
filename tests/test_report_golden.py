"""Golden files: the reports `derive` writes for tests/golden/mini.md, byte for byte.

The input is a real formulas file with one verified, one conditional and one refuted formula,
checked by the real checker: a change anywhere in the pipeline shows up here.

Regenerate after an intended change with `DERIVE_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from derive.report import render_html, render_json, render_markdown
from derive.results import Status

GOLDEN = Path(__file__).parent / "golden"
ROOT = GOLDEN.parent.parent
UPDATE = os.environ.get("DERIVE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def mini():
    from derive.check import check_file

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return check_file("tests/golden/mini.md", symbolic=True)


def test_mini_has_one_of_each_verdict(mini):
    claims = [r.status for r in mini.results if r.status is not Status.DEFINITION]
    assert claims == [Status.VERIFIED, Status.CONDITIONAL, Status.REFUTED]


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("mini.report.md", render_markdown),
        ("mini.report.json", render_json),
        ("mini.report.html", render_html),
    ],
)
def test_golden(name, render, mini):
    text = render(mini)
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"{path} missing: run with DERIVE_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} changed: review, then DERIVE_UPDATE_GOLDEN=1 to accept"
