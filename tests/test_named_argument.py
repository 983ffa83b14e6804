"""A self-feeding forward pass whose argument another row names: Nielsen's
`a^l_j = \\sigma(\\sum_k w^l_{jk} a^{l-1}_k + b^l_j)`, then "we write z^l_j = ..." with no
`a^l_j = \\sigma(z^l_j)` anywhere. a is read as σ(z), so a derivative by z is taken through it
(every claim about δ = ∂C/∂z was "a^3_1 has no definition" before)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "named_argument"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


@pytest.mark.parametrize(("name", "want"), [
    ("components.md", {5: D, 7: D, 10: V, 12: V, 14: V, 16: V, 20: R, 22: R}),
    ("vectors.md", {5: D, 7: D, 10: V, 12: V, 14: V, 18: R, 20: R}),
])
def test_the_named_argument_is_differentiated_through(name: str, want: dict) -> None:
    report = check_file(DATA / name)
    got = {r.line: r.status for r in report.results if r.line in want}
    assert got == want
    assert any("is read as that function of $z$" in n for n in report.notes)


def test_the_slips_get_their_diagnoses() -> None:
    got = {r.line: r for r in check_file(DATA / "components.md").results}
    assert "swapped indices" in got[20].diagnosis
    assert "wrong layer" in got[22].diagnosis
    got = {r.line: r for r in check_file(DATA / "vectors.md").results}
    assert "a transpose is missing" in got[18].diagnosis
    assert "missing factor" in got[20].diagnosis
