"""Rows written with `\\approx` (tests/data/approx), checked for what they claim: a first-order
change `\\Delta y \\approx \\frac{\\partial y}{\\partial x} \\Delta x` as the linear term of the
change of y that the changes written on the right cause (a wrong index, layer, factor, sign or
a second-order term refuted), a difference quotient in a small step `\\epsilon` as its limit
(a factor two or a step on the wrong side refuted); what neither reading covers stays unchecked
with the reason."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "approx"
D, V, R, U, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED,
                 Status.ERROR)
FIRST_ORDER = "verified as a first-order approximation (the linear term of the change), not as an equality"


def test_first_order_changes_along_one_weight_and_their_slips() -> None:
    rep = check_file(DATA / "changes.md")
    assert_verdicts(rep, [(6, D, None), (10, D, None), (16, D, None),
                          (22, V, None), (28, V, None), (34, V, None), (40, V, None),
                          (46, V, None),
                          (52, R, "swapped indices: $\\Delta w^{l}_{kj}$ should be"),
                          (58, R, None), (64, R, "wrong layer"),
                          (70, V, None), (76, R, "extra term"), (82, U, None), (88, U, None)])
    by_line = {r.line: r for r in rep.results if r.status is not D}
    for line in (22, 28, 34, 40, 46, 70):
        assert by_line[line].message.startswith(FIRST_ORDER), by_line[line].message
        assert "\\approx" in by_line[line].latex
        assert "first order" in by_line[line].derivation
    for line in (52, 58, 64, 76):
        assert "read as a first-order approximation" in by_line[line].message
        assert by_line[line].counterexample is not None
    assert "summed over its index" in by_line[82].message
    assert "not the change" in by_line[88].message


def test_first_order_changes_along_a_path_in_latex() -> None:
    rep = check_file(DATA / "path.tex")
    assert_verdicts(rep, [(4, D, None), (7, D, None), (11, D, None),
                          (15, V, None), (19, V, None), (23, V, None), (27, V, None),
                          (31, R, "wrong index"), (34, R, "missing factor"), (37, R, "sign")])


def test_difference_quotients_as_limits_and_their_slips() -> None:
    rep = check_file(DATA / "difference.md")
    assert_verdicts(rep, [(7, V, None), (13, V, None), (19, R, "constant factor"),
                          (25, R, "sign"), (31, U, None), (37, D, None), (41, U, None),
                          (47, U, None), (53, U, None)])
    by_line = {r.line: r for r in rep.results}
    assert "limit" in by_line[7].message and "not as an equality" in by_line[7].message
    assert "not a finite number" in by_line[31].message
    # g(t + epsilon) of a defined g is not read (the scalar g is its value at t): unchecked,
    # never compared as g times (t + epsilon)
    assert "not at another argument" in by_line[41].message
    assert "vector form" in by_line[47].message
    assert "neither the first-order change" in by_line[53].message  # no quotient by the step


def test_a_change_outside_an_approximation_is_read_as_before(tmp_path: Path) -> None:
    """`\\Delta` is read as a change only in a row written with `\\approx`."""
    doc = tmp_path / "eq.md"
    doc.write_text((DATA / "changes.md").read_text().replace(
        "\\Delta a^l_j \\approx \\sigma'(z^l_j) \\Delta b^l_j",
        "\\Delta a^l_j = \\sigma'(z^l_j) \\Delta b^l_j"))
    rep = check_file(doc)
    at = [r for r in rep.results if r.line == 46]
    assert at and at[0].status is not V and "first-order" not in at[0].message


def test_a_change_in_two_entries_of_one_vector() -> None:
    """`\\Delta v_1` and `\\Delta v_2`: two entries that are never the same, both changed."""
    rep = check_file(DATA / "gradient.md")
    assert_verdicts(rep, [(6, D, None), (12, V, None), (18, V, None), (24, R, None),
                          (28, R, "constant factor in one term")])
