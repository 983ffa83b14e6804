"""Four more held-out documents, in the conventions tested least (tests/data/heldout3): a
two-layer perceptron whose error sums over its output units (`\\sum_k (y_k - \\hat y_k)^2`) with
n inputs and m hidden units as its sums' bounds; deeplearning.ai's shallow net with a one-unit
output layer (`z^{[2]} = w^{[2]T} a^{[1]} + b^{[2]}`, `\\hat y = \\sigma(z^{[2]})`); a network of
row vectors whose layers are named by subscripts (`h = \\sigma(x W_1 + b_1)`); a two-layer ReLU
net with the letters V and W for its weight matrices. Every formula of each correct document
gets a verdict and none is refuted; each planted slip of its `-slips` copy is refuted at its
line with the right diagnosis, every other row keeping its verdict.

Each reading has a second spelling in tests/data/rows_readings, with slips of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.results import Status
from tests.conftest import assert_correct_copy, assert_slips_caught

DATA = Path(__file__).parent / "data" / "heldout3"
OTHER = Path(__file__).parent / "data" / "rows_readings"
R = Status.REFUTED
_VERDICTS = {Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL}

# correct document -> its slips copy, the number of its formulas' rows, and each slip
SLIPS = {
    "mlp-units.md": ("mlp-units-slips.md", 16, [
        (28, "sign: the right side is the negative"),
        (32, "should be $\\sigma^{\\prime}\\left(z^{(2)}_{k}\\right)$"),
        (42, "swapped indices: $w^{(2)}_{jk}$ should be $w^{(2)}_{kj}$"),
        (44, "wrong quantity: $h_{i}$ should be $x_{i}$")]),
    "dlai-oneunit.md": ("dlai-oneunit-slips.md", 13, [
        (25, "sign: the right side is the negative"),
        (27, "wrong quantity: $z^{[1]}_{j}$ should be $a^{[1]}_{j}$"),
        (33, "missing factor: the right side lacks a factor $1 - \\tanh^{2}"),
        (43, "sign of a term")]),
    "rows-subscripts.md": ("rows-subscripts-slips.md", 9, [
        (20, "wrong quantity: $x$ should be $h$"),
        (24, "a transpose is missing: $W_2$ should be transposed"),
        (28, "missing factor: the right side lacks a factor $h_{k}$")]),
    "vw-relu.md": ("vw-relu-slips.md", 11, [
        (22, "wrong quantity: $a_{j}$ should be $h_{j}$"),
        (28, "swapped indices: $W_{jk}$ should be $W_{kj}$"),
        (32, "missing factor: the right side lacks a factor $\\mathbb{1}\\{a_{j} > 0\\}$")]),
}


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_correct_document_covered_and_refutes_nothing(name):
    rep = check_file(DATA / name)
    _, rows, _ = SLIPS[name]
    assert len(rep.results) == rows
    assert_correct_copy(rep, rows)  # every row a verdict: nothing unchecked, nothing an error
    assert all(r.status in _VERDICTS for r in rep.results)


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_every_slip_caught_at_its_line(name):
    base = check_file(DATA / name)
    slips_name, _, slips = SLIPS[name]
    rep = check_file(DATA / slips_name)
    # `\delta_k = \partial E / \partial z_k = ...`: the row that defines keeps its verdict
    defining = {(r.line, r.col) for r in base.results if r.status is Status.DEFINITION}
    assert_slips_caught(_without(base, defining), _without(rep, defining), slips)
    assert [(r.line, r.status) for r in rep.results if (r.line, r.col) in defining] == [
        (r.line, r.status) for r in base.results if (r.line, r.col) in defining]


def _without(rep, places: set) -> object:  # type: ignore[no-untyped-def]
    """The report without the results at these places (line, column)."""
    import dataclasses
    return dataclasses.replace(rep, results=[r for r in rep.results
                                             if (r.line, r.col) not in places])


def _by_line(path: Path) -> dict[int, list]:
    out: dict[int, list] = {}
    for r in check_file(path).results:
        out.setdefault(r.line, []).append(r)
    return out


def infer_facts(path: Path) -> list[str]:
    from derive.check.build import prepare
    _, inferred = prepare(read_document(path))
    return inferred.facts if inferred is not None else []


def test_n_and_m_bounding_unit_sums_are_widths():
    """`\\sum_{i=1}^{n} w_{ji} x_i`, `\\sum_{j=1}^{m} w_{kj} h_j`: n and m are sizes of units,
    not the number of layers nor the batch (the sum to m over the hidden units was summed to
    the batch size and refuted a correct recursion)."""
    facts = infer_facts(DATA / "mlp-units.md")
    assert any("$C_1$ = $m$" in f and "$C_0$ = $n$" in f for f in facts), facts
    rows = _by_line(OTHER / "unit-sizes.md")
    assert all(r.status in (Status.DEFINITION, Status.VERIFIED)
               for line, rs in rows.items() if line < 21 for r in rs)
    assert [r.status for r in rows[21]] == [R]
    assert "wrong index: $x_{j}$ should be $x_{i}$" in rows[21][0].diagnosis
    # the slope of z_j = tanh(a_j), which the claim writes at no a_j, missing
    assert "lacks a factor $1 - \\tanh^{2}{\\left(a_{j} \\right)}$" in rows[23][0].diagnosis
    assert not infer(read_document(OTHER / "unit-sizes.md")).front["roles"]["batch"] == "m"


def test_one_unit_output_layer_in_fixed_layers():
    """The loss reads layer 2 as a number: z^{[2]}, b^{[2]} (and a^{[2]}) are the one unit's
    values, w^{[2]} (written transposed) the unit's weight vector beside the matrix W^{[1]},
    x the layer-0 input of C_0 entries. A second spelling: `(w^{[2]})^\\top`, the output
    a^{[2]} in the loss, ReLU."""
    facts = infer_facts(DATA / "dlai-oneunit.md")
    assert any("reads layer 2 as a number" in f and "$z^{[2]}$" in f for f in facts), facts
    assert any(f.startswith("$w$ is a vector of shape $C_{l-1}$") for f in facts), facts
    assert any(f.startswith("$x$ is a vector of shape $C_0$") for f in facts), facts
    assert not any("does not relate" in f for f in facts), facts
    rows = _by_line(OTHER / "oneunit-a2.md")
    assert all(r.status in (Status.DEFINITION, Status.VERIFIED)
               for line, rs in rows.items() if line < 23 for r in rs)
    assert [r.status for r in rows[23]] == [R] and "extra factor: $a^{[2]}_{1}$" in rows[23][
        0].diagnosis
    assert [r.status for r in rows[25]] == [R] and "lacks a factor $\\mathrm{ReLU}^{\\prime}" in (
        rows[25][0].diagnosis)


def test_layers_named_by_subscripts():
    """W_1, W_2, b_1, b_2: four names, each its own shape (W_1 and W_2 of different sizes),
    not entries of one W; braced subscripts (`W_{2}^\\top`) read the same."""
    facts = infer_facts(DATA / "rows-subscripts.md")
    assert any("layers are named by their subscripts" in f for f in facts), facts
    assert any(f.startswith("$W_1$ is a matrix of shape $C_1 \\times C_2$") for f in facts)
    assert any(f.startswith("$W_2$ is a matrix of shape $C_2 \\times C_3$") for f in facts)
    rows = _by_line(OTHER / "subscripts-braced.md")
    assert all(r.status in (Status.DEFINITION, Status.VERIFIED)
               for line, rs in rows.items() if line < 17 for r in rs)
    assert "the product's order is swapped" in rows[17][0].diagnosis
    assert "a transpose is missing: $W_{2}$" in rows[19][0].diagnosis


def test_digit_subscripts_of_scalars_stay_entries():
    """θ_0, θ_1 (numbers of a line) and W_{12} beside W_{ij} (an entry): no capital written
    only with two or more digits, nothing read as layers named by subscripts."""
    from derive.infer.scan import _rows
    from derive.infer.subscript_layers import subscript_names

    def names(path: Path) -> tuple:
        doc = read_document(path)
        return subscript_names([o for f in doc.formulas for r in _rows(f) for o in r.occs])

    assert names(OTHER / "theta-digits.md") == ()
    assert names(DATA / "rows-subscripts.md") == (("W", "1"), ("W", "2"), ("b", "1"),
                                                  ("b", "2"))
    assert not any("named by their subscripts" in f
                   for f in infer_facts(OTHER / "theta-digits.md"))


def test_square_in_the_superscript_and_an_open_input_size():
    """`1 - a^{[1]2}` is `1 - (a^{[1]})^2`, entry by entry beside `*` (its slip, the square
    left out, refuted as a missing square); `w^{[2]\\top}` is the transpose (read in the superscript). A slip in a claim
    (`a^{[1]T}` for `x^T`) that would fix the size of x the definitions leave open makes W^{[1]}
    unread, said: the correct `\\partial L / \\partial W^{[1]}` beside it is not refuted."""
    rows = _by_line(OTHER / "oneunit-square.md")
    assert [r.status for r in rows[15]] == [Status.VERIFIED]
    assert [r.status for r in rows[21]] == [R] and "missing square" in rows[21][0].diagnosis
    assert [r.status for r in rows[17]] == [Status.UNCHECKED]
    assert [r.status for r in rows[23]] == [Status.UNCHECKED]
    assert any("$W$: its sizes are not read" in f
               for f in infer_facts(OTHER / "oneunit-square.md"))
