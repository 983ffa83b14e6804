"""Three more held-out documents, as three other lecturers write them (tests/data/heldout2):
a deeplearning.ai week-4 L-layer net (`dz^{[l]}`, `dW^{[l]}`, `g^{[l]}`), a UFLDL-style
exercise sheet in .tex (`align*`, `\\partial J(W,b;x,y) / \\partial z`, weight decay), and a
Nielsen-style notebook with the cross-entropy cost (`\\partial C / \\partial w^l_{jk}`). Each
correct document refutes nothing; each planted slip of its `-slips` copy is refuted at its line
with the right diagnosis, and every other row keeps its verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.results import Status
from tests.conftest import assert_correct_copy, assert_slips_caught

DATA = Path(__file__).parent / "data" / "heldout2"
R, E = Status.REFUTED, Status.ERROR

# correct document -> its slips copy's name, the least number of verdicts, and each slip
SLIPS = {
    "ufldl-sheet.tex": ("ufldl-sheet-slips.tex", 16, [
        (33, "missing factor: the right side lacks a factor $f^{\\prime}"),
        (34, "swapped indices: $W^{(l)}_{ij}$ should be $W^{(l)}_{ji}$"),
        (39, "wrong layer: $\\delta^{(l)}_{i}$ should be $\\delta^{(l + 1)}_{i}$"),
        (51, "sign of a term")]),
    "nielsen-xent-nb.ipynb": ("nielsen-xent-nb-slips.ipynb", 12, [
        (57, "extra factor: $\\sigma^{\\prime}"),
        (61, "swapped indices: $w^{l + 1}_{jk}$ should be $w^{l + 1}_{kj}$"),
        (65, "wrong layer: $a^{L}_{k}$ should be $a^{L - 1}_{k}$")]),
    "dlai-week4.md": ("dlai-week4-slips.md", 10, [
        (29, "wrong layer"),
        (31, "sign: the right side is the negative"),
        (33, "a transpose is missing")]),
}


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_correct_document_refutes_nothing(name):
    rep = check_file(DATA / name)
    _, least, _ = SLIPS[name]
    assert_correct_copy(rep, least)


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_every_slip_caught_at_its_line(name):
    base = check_file(DATA / name)
    slips_name, _, slips = SLIPS[name]
    rep = check_file(DATA / slips_name)
    assert_slips_caught(base, rep, slips)


def test_slash_derivatives_read_as_fractions():
    """`\\delta^{(l)}_i = \\partial J(W,b;x,y) / \\partial z^{(l)}_i` (an applied numerator)
    defines delta; `\\partial C / \\partial w^l_{jk}` in a display is a claim that verifies, and
    w stays a parameter (not 'differentiated but never defined')."""
    sheet = check_file(DATA / "ufldl-sheet.tex")
    assert [r.status for r in sheet.results if r.line == 31] == [Status.DEFINITION]
    nb = check_file(DATA / "nielsen-xent-nb.ipynb")
    assert [r.status for r in nb.results if r.line == 71] == [Status.VERIFIED]
    assert not any("differentiated but never defined" in n for n in nb.notes), nb.notes


def test_d_prefix_in_rows_of_one_example_and_of_the_minibatch():
    """`dW^{[l]} = dz^{[l]} a^{[l-1]T}` reads d as the example's loss's derivative; in the
    vectorized `dW^{[l]} = \\frac{1}{m} dZ^{[l]} A^{[l-1]T}` dW is the derivative of the
    minibatch's mean loss (deeplearning.ai's cost J) and dZ the examples' dz, one per column,
    as the facts say (tests/test_batch_matrices.py plants the slips)."""
    rep = check_file(DATA / "dlai-week4.md")
    by_line = {r.line: r for r in rep.results}
    assert by_line[29].status is Status.VERIFIED
    assert by_line[39].status is Status.VERIFIED and by_line[41].status is Status.VERIFIED
    assert any("minibatch's mean loss" in f for f in infer(read_document(
        DATA / "dlai-week4.md")).facts)
