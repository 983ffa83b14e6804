"""A worked example of a stated depth written out unit by unit (issue 12): UFLDL's
`a_1^{(2)} = f(W_{11}^{(1)} x_1 + W_{12}^{(1)} x_2 + W_{13}^{(1)} x_3 + b_1^{(1)})`, ..., checked
against the forward step the text states after it, in the one network of the widths its rows
write out (3-3-1 in markdown, 2-2-1 in LaTeX); the input named in the prose (`a^{(1)} = x`,
`a^{(1)}_i = x_i`) read as the first layer's activation. Planted slips (a wrong index, a unit
left out, a wrong layer, a sign) refuted at their line with their diagnosis."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "worked_example"
D, V, R, U = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED


def _at(rep, lo: int, hi: int) -> list[tuple[int, Status]]:
    return [(r.line, r.status) for r in rep.results if lo <= r.line <= hi]


def test_the_markdown_example_verifies_in_its_own_network() -> None:
    rep = check_file(DATA / "ufldl_331.md")
    assert _at(rep, 12, 24) == [(12, V), (13, V), (14, V), (15, D), (15, V), (24, D), (23, V),
                                (24, V)]
    assert any("3 layers of 3, 3, 1 units" in n for n in rep.notes), rep.notes
    assert any("names the input as the activation" in n for n in rep.notes), rep.notes
    unit = next(r for r in rep.results if r.line == 12)
    assert "on 1 network instance" in (unit.evidence or ""), unit.evidence


def test_the_markdown_slips_are_refuted() -> None:
    rep = check_file(DATA / "ufldl_331-slips.md")
    assert _at(rep, 12, 24) == [(12, R), (13, R), (14, V), (15, D), (15, R), (24, D), (23, R),
                                (24, V)]
    by = {r.line: r for r in rep.results if r.status is R}
    for line, words in ((12, "should be $W^{(1)}_{12}$"), (13, "$W^{(1)}_{23} x_{3}$ is left out"),
                        (15, "wrong layer"), (23, "wrong sign")):
        assert words in (by[line].diagnosis or ""), (line, by[line].diagnosis)


def test_the_latex_example_verifies_in_its_own_network() -> None:
    rep = check_file(DATA / "net221.tex")
    assert _at(rep, 9, 18) == [(9, V), (10, V), (11, D), (11, V), (18, V)]
    assert any("3 layers of 2, 2, 1 units" in n for n in rep.notes), rep.notes


def test_the_latex_slips_are_refuted() -> None:
    rep = check_file(DATA / "net221-slips.tex")
    assert _at(rep, 9, 18) == [(9, R), (10, R), (11, D), (11, R), (18, V)]
    by = {r.line: r for r in rep.results if r.status is R}
    assert "wrong index" in (by[9].diagnosis or ""), by[9].diagnosis  # W_{12} x_1: x_2
    assert "$x_{1}$ should be $x_{2}$" in by[9].message, by[9].message
    assert "$W^{(1)}_{22} x_{2}$ is left out" in by[10].message, by[10].message
    assert "should be $b^{(2)}_{1}$" in by[11].message, by[11].message


def test_an_input_never_named_is_not_read_as_the_first_layer() -> None:
    """Without `a^{(1)} = x` the example's `x_1` and the model's `a^{(1)}_1` are two inputs:
    the rows that read x are not checked, with the reason, never refuted."""
    rep = check_file(Path(__file__).parent / "data" / "ufldl_style" / "example_unit.md")
    rows = [r for r in rep.results if r.line in (11, 12, 13)]
    assert [r.status for r in rows] == [U, U, U]
    assert all("does not name $x$ as the input layer's activation" in r.message for r in rows)


def test_the_hypothesis_at_a_samples_input_is_that_samples_value() -> None:
    """`h_{W,b}(x^{(k)})` (UFLDL's parameters listed under the hypothesis) is sample k's
    output h^{(k)}, not h times x^{(k)}: the overall cost written out verifies, and with its
    1/2 left out it is refuted."""
    rep = check_file(DATA / "cost_at_samples.tex")
    assert [(r.line, r.status) for r in rep.results if r.line == 26] == [(26, V)]
    assert any("$h_{W,b}(x^{(i)})$ is read as $h^{(i)}$" in n for n in rep.notes), rep.notes
    slip = check_file(DATA / "cost_at_samples-slips.tex")
    row = next(r for r in slip.results if r.line == 26)
    assert row.status is R and "$2$ times" in (row.diagnosis or ""), row.diagnosis


def test_a_unit_written_in_one_row_only_does_not_widen_the_network() -> None:
    """`W_{34} x_4` in one of three rows of three inputs: the network keeps the width most rows
    write (3), so the correct rows are not refuted as missing x_4; the odd row is not checked."""
    rep = check_file(DATA / "ufldl_331-extra.md")
    assert _at(rep, 12, 15) == [(12, V), (13, V), (14, U), (15, D), (15, V)]
    assert any("3 layers of 3, 3, 1 units" in n for n in rep.notes), rep.notes
