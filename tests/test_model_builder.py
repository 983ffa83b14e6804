"""One model builder: the model the trainer reads (`collect_model`, which checks no claim) is
the one the check of the same document reports, definition for definition."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file, collect_model
from derive.model import Model

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"


def _definitions(model: Model) -> list[tuple[int, str]]:
    return [(d.line, d.latex) for d in model.defs]


def test_the_chapter_model_is_the_checked_one(chapter_report):
    model = collect_model(CHAPTER)
    reported = [(d.line, d.latex) for d in chapter_report.definitions]
    assert reported and _definitions(model) == reported


@pytest.mark.parametrize("name", ["conventions/nielsen.md", "conventions/dlai.md"])
def test_an_inferred_model_is_the_checked_one(name):
    """Documents without a front matter: the rows that define are inferred, by the builder."""
    path = ROOT / "tests" / "data" / name
    model = collect_model(path)
    report = check_file(path)
    reported = [(d.line, d.latex) for d in report.definitions]
    assert reported and _definitions(model) == reported

