"""The vector of ones written whole (`\\mathbf{1}`): sized by its place, like the zero vector,
but multiplied out: `\\mathbf{1} - h` shaped like h, `A W + \\mathbf{1} b` one b per row,
`\\frac{1}{m} \\mathbf{1}^T \\Delta` the mean of Δ's rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "ones"


def _at(rep, line):
    return next(r for r in rep.results if r.line == line)


@pytest.mark.parametrize(("name", "lines"), [("column.md", (20, 24, 28)), ("rows.md", (15, 20, 22))])
def test_correct_rows_verified(name, lines) -> None:
    rep = check_file(DATA / name)
    for line in lines:
        assert _at(rep, line).status is Status.VERIFIED, (line, _at(rep, line).message)


def test_slips_refuted_with_their_diagnosis() -> None:
    column = check_file(DATA / "column.md")
    assert _at(column, 34).status is Status.REFUTED and "sign" in (_at(column, 34).diagnosis or "")
    rows = check_file(DATA / "rows.md")
    assert _at(rows, 26).status is Status.REFUTED and "layer" in _at(rows, 26).diagnosis
    assert "\\Delta^{l}" in _at(rows, 26).diagnosis  # the batch matrix, not the sample's delta
    assert _at(rows, 28).status is Status.REFUTED and "\\frac{1}{m}" in _at(rows, 28).diagnosis


def test_ones_that_nothing_sizes_are_said_so() -> None:
    """An outer product of the ones alone (`\\mathbf{1} b` with nothing beside it) has no size
    to read: unchecked with the reason, never verified."""
    from derive.tensor.zero import Ones, sized_ones, sized_terms

    ones = Ones("\\mathbf{1}")
    assert sized_terms([ones]) == [ones]  # nothing sizes it
    assert sized_ones(ones, ones, True) == (ones, ones)
