"""`pytest -p derive` on a folder of notes: one item per formula or step, off unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "golden" / "mini.md"  # 5 definitions, 1 verified, 1 conditional, 1 refuted


@pytest.fixture
def notes(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "notes").mkdir()
    (pytester.path / "notes" / "mini.md").write_text(MINI.read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    (pytester.path / "test_ordinary.py").write_text("def test_one():\n    assert True\n")
    return pytester


def test_off_unless_asked(notes: pytest.Pytester) -> None:
    result = notes.runpytest_subprocess()
    result.assert_outcomes(passed=1)  # the ordinary test only; the notes are not collected


def test_each_formula_is_an_item_and_the_refuted_one_fails_with_its_witness(
    notes: pytest.Pytester,
) -> None:
    result = notes.runpytest_subprocess("-p", "derive", "notes", "-rs")
    result.assert_outcomes(passed=6, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*notes/mini.md:70:56: refuted:*",
        "*diagnosis: missing factor*",
        "*witness: n=3*",
        "SKIPPED*conditional: holds only if the labels sum to one*",
    ])


def test_strict_and_ini_option(notes: pytest.Pytester) -> None:
    notes.makeini("[pytest]\nderive = true\nderive_strict = true\n")
    result = notes.runpytest_subprocess("notes")
    result.assert_outcomes(passed=6, failed=2)
