"""A chain whose left side cannot be checked (its loss is another section's, or reads none of
what it is differentiated by): each later step checked against the step before it, which each
`=` of the chain also claims. The first step stays unchecked, with its reason."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DOC = Path(__file__).parent / "data" / "chains" / "step_before.md"


def _at(rep, line):
    return next(r for r in rep.results if r.line == line)


def test_correct_steps_verified_against_the_step_before() -> None:
    rep = check_file(DOC)
    first = _at(rep, 21)
    assert first.status is Status.UNCHECKED and "reads no" in first.message
    for line in (22, 23):
        r = _at(rep, line)
        assert r.status is Status.VERIFIED, (line, r.message)
        assert f"the step before it, line {line - 1}" in r.message


def test_a_slipped_step_refuted_against_the_step_before() -> None:
    rep = check_file(DOC)
    assert _at(rep, 32).status is Status.VERIFIED
    slip = _at(rep, 33)
    assert slip.status is Status.REFUTED
    assert "the step before it, line 32" in slip.message
    assert slip.counterexample is not None


def test_a_chain_goes_on_after_a_step_not_read() -> None:
    """A `&=` step that cannot be read is an error at its line; the steps after it are still
    checked, against the left side (never against the step before the gap), and a slip among
    them is refuted. A `// remark` ends at the row's `\\\\`, so the rows stay apart."""
    rep = check_file(DOC.parent / "after_gap.md")
    assert [r.status for r in _rows(rep, 20)] == [Status.ERROR]
    assert [r.status for r in _rows(rep, 21)] == [Status.VERIFIED]
    assert [r.status for r in _rows(rep, 22)] == [Status.VERIFIED]
    assert [r.step for r in _rows(rep, 21) + _rows(rep, 22)] == [3, 4]  # numbered as written
    assert [r.status for r in _rows(rep, 31)] == [Status.ERROR]
    slip = _rows(rep, 32)
    assert len(slip) == 1 and slip[0].status is Status.REFUTED
    assert "step before" not in slip[0].message
    assert "\\sigma" in slip[0].diagnosis


def _rows(rep, line):
    return [r for r in rep.results if r.line == line]
