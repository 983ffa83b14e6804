"""Single readings found across the tier-2 corpus (issue 12), each on documents of its own
(tests/data/misc_readings), in two spellings, with planted slips refuted at their lines:

- the trace `\\mathrm{tr}(X A)` / `Tr(X)` / `\\operatorname{Tr}(X)`, the identity matrix
  `\\mathbf{I}` sized by what stands beside it, and `X^2` of a square matrix as X X
  (derive.vecparse.trace, derive.tensor.trace);
- an `align` whose first row holds only the left side, the relation opening the next row
  (derive.latex.opening);
- a derivative whose denominator lost its `\\partial` (`\\frac{\\partial L}{z_j}`): read as
  meant and flagged at its step (derive.latex.slips);
- a layer's size written as the size of a set, `|l_{l+1}|` (derive.latex.layersize);
- a hand-written equation number `(4)` on the last row, before `\\end{...}`."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "misc_readings"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


def test_trace_and_identity_in_upright_letters() -> None:
    assert_verdicts(check_file(DATA / "trace.md"), [
        (6, V, None), (10, R, "constant factor"), (14, V, None), (18, R, "sign"),
        (22, V, None), (26, V, None), (30, R, None)])


def test_trace_in_plain_letters_and_identity_in_a_sum() -> None:
    assert_verdicts(check_file(DATA / "trace.rst"), [
        (8, V, None), (9, R, "order"), (10, V, None), (11, V, None),
        (12, R, "constant factor")])


def test_identity_read_as_said() -> None:
    rep = check_file(DATA / "trace.rst")
    assert any("identity matrix" in n for n in rep.notes), rep.notes
    # the trace is an operation, no function of the text's: no generic stand-in for it
    assert not any("Tr" in n and "function" in n and "not defined" in n for n in rep.notes)


def test_identity_without_a_size_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    doc = tmp_path / "eye.md"
    doc.write_text("# I\n\n$$\n3 = \\mathrm{tr}(\\mathbf{I})\n$$\n", encoding="utf-8")
    rep = check_file(doc)
    assert [r.status for r in rep.results] == [Status.ERROR], [
        (r.status, r.message) for r in rep.results]
    assert "identity matrix" in (rep.results[0].message or "")


def test_lone_left_side_and_missing_partial() -> None:
    rep = check_file(DATA / "lone_left.md")
    assert_verdicts(rep, [(6, D, None), (10, D, None), (14, D, None),
                          (22, V, None), (23, V, None), (32, V, None), (33, R, "wrong index")])
    first = next(r for r in rep.results if r.line == 22)
    assert any("without `\\partial`" in f for f in first.lint), first.lint
    assert not any(r.lint for r in rep.results if r.line != 22)  # the slip is flagged once


def test_layer_sizes_as_set_sizes_and_lone_left_side_in_aligned() -> None:
    rep = check_file(DATA / "layer_sizes.tex")
    assert_verdicts(rep, [(6, D, None), (10, D, None), (14, D, None),
                          (22, V, None), (23, V, None), (32, V, None),
                          (33, R, "swapped indices"), (40, R, "sum bound")])
    assert any(r.lint for r in rep.results if r.line == 22)


U = Status.UNCHECKED


def test_a_display_of_one_expression_claims_nothing() -> None:
    for name, rows in (("goal.md", [(6, U, None), (12, D, None), (16, D, None), (22, V, None),
                                    (26, R, "swapped indices")]),
                       ("goal.rst", [(8, U, None), (14, D, None), (18, D, None), (22, V, None),
                                     (26, R, "missing factor")])):
        rep = check_file(DATA / name)
        assert_verdicts(rep, rows)
        goal = rep.results[0]
        assert goal.message and goal.message.startswith("nothing to check"), goal.message


def test_a_row_without_a_relation_among_others_is_still_an_error(tmp_path: Path) -> None:
    doc = tmp_path / "rows.md"
    doc.write_text("# Rows\n\n$$\n\\begin{aligned}\n& \\frac{\\partial L}{\\partial x} \\\\\n"
                   "& y + 1\n\\end{aligned}\n$$\n", encoding="utf-8")
    rep = check_file(doc)
    assert [r.status for r in rep.results] == [Status.ERROR, Status.ERROR], [
        (r.status, r.message) for r in rep.results]


def test_a_lone_display_of_conditions_is_no_expression(tmp_path: Path) -> None:
    """`\\begin{cases} i \\in [0, H] \\\\ j \\le W \\end{cases}` states ranges: it is reported as
    the rows it is (an error), never as a display that claims nothing."""
    doc = tmp_path / "cases.md"
    doc.write_text("# Ranges\n\n$$\n\\begin{cases} i \\le 2 \\\\ j \\le 3 \\end{cases}\n$$\n",
                   encoding="utf-8")
    rep = check_file(doc)
    assert rep.results and all(r.status is Status.ERROR for r in rep.results), [
        (r.status, r.message) for r in rep.results]


def test_a_lone_sum_claims_nothing_though_its_bound_has_an_equals_sign(tmp_path: Path) -> None:
    doc = tmp_path / "sum.md"
    doc.write_text("# A sum\n\n$$\n\\sum_{m=0}^{k-1} \\sum_{n=0}^{k-1} W_{m,n} \\delta_{i+m,j+n}"
                   " \\tag 7\n$$\n", encoding="utf-8")
    rep = check_file(doc)
    assert [r.status for r in rep.results] == [Status.UNCHECKED], [
        (r.status, r.message) for r in rep.results]
