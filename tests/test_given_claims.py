"""A row whose left side is a given of the model as read (a scalar or a given quantity that no
row defines) compares a random value with an expression: no evidence either way, so it is
unchecked with its reason, never refuted (a correct definition misread as a claim was refuted
so before)."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"


def test_a_given_on_the_left_is_unchecked_with_its_reason(tmp_path: Path) -> None:
    """The chapter's labels y are given: `y_i = a^{(n)}_i` appended to it is no claim."""
    text = CHAPTER.read_text(encoding="utf-8")
    doc = tmp_path / "given.md"
    doc.write_text(text + "\n$$\ny_i = a^{(n)}_i\n$$\n", encoding="utf-8")
    line = text.count("\n") + 3
    got = [r for r in check_file(doc).results if r.line == line]
    assert [r.status for r in got] == [Status.UNCHECKED]
    assert "$y_{i}$ is given in the model as read (no row defines it)" in got[0].message
    assert "checks nothing" in got[0].message


def test_row_vector_notes_refute_no_definition() -> None:
    """Row-vector notes the tool does not read yet (`h = \\sigma(x W_1 + b_1)`, W_1 read as an
    entry of W, h and o as given scalars): whatever it makes of them, the definition
    `o = h W_2 + b_2` is not refuted (it was, against a random o)."""
    got = check_file(ROOT / "tests" / "data" / "given_claims" / "row_vectors.md").results
    row = [r for r in got if r.line == 7]
    assert row and row[0].status is not Status.REFUTED
    assert not [r for r in got if r.status is Status.REFUTED and r.line < 19]
