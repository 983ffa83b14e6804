"""Held-out lecture notes in five conventions, without front matter (tests/data/heldout):
each correct document refutes nothing, and each planted slip of its `-slips` copy is refuted at
its line with the right diagnosis (issue 10's re-measure on notes the project never saw).

What they exercise: UFLDL's unit sums at the sample's letter (`\\sum_{i=1}^{s_{n_l}}` in
J(W,b;x,y)) do not make the sample cost one per batch; `\\frac{\\mathrm{d}}{\\mathrm{d}z} f(z)` is
an ordinary derivative in f's own argument; Nielsen's self-feeding `a^l = \\sigma(w a + b)` beside
`z^l := ...` leaves a defined by the row (or the sentence) that defines it from z; a derivative
between two layers of one quantity the model cannot reach is unchecked, never refuted; a
range after a gap (`\\quad l < L`, `\\quad \\text{for } l = 2, \\ldots, L-1`) only says where
the row holds; deeplearning.ai's transpose inside the superscript (`a^{[1](i)T}`) is read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_correct_copy, assert_slips_caught, assert_verdicts

DATA = Path(__file__).parent / "data" / "heldout"
UNITS = Path(__file__).parent / "data" / "heldout_units"
R, U = Status.REFUTED, Status.UNCHECKED

# correct document -> its slips copy, the least number of verdicts, and each slip: line, words
SLIPS = {
    # Bishop's biases as weight index 0 (x_0 = 1, z_0 = 1, sums from 0): every claim checked
    "bishop-relu.md": (16, [(48, "sign: the right side is the negative"),
                            (57, "swapped indices: $w^{(2)}_{jk}$ should be $w^{(2)}_{kj}$"),
                            (63, "wrong quantity: $z_{i}$ should be $x_{i}$"),
                            (68, "extra factor: $x_{j}$ should not be on the right side")]),
    "nielsen-comp.tex": (15, [(47, "sign: the right side is the negative"),
                              (57, "swapped indices: $w^{l + 1}_{jk}$ should be $w^{l + 1}_{kj}$"),
                              (68, "wrong layer: $a^{l}_{k}$ should be $a^{l - 1}_{k}$")]),
    "nielsen-matrix.md": (14, [(38, "missing factor: the right side lacks a factor $\\sigma^{\\prime}"),
                               (39, "wrong layer: $w^{l}$ should be $w^{l + 1}$"),
                               (41, "wrong layer: $a^{l}$ should be $a^{l - 1}$"),
                               (58, "sign of a term")]),
    "nielsen-xent.md": (13, [(28, "sign of a term"),
                             (46, "extra factor: $\\sigma^{\\prime}\\left(z^{L}_{j}\\right)$"),
                             (58, "missing factor: the right side lacks a factor $\\sigma^{\\prime}")]),
    "ufldl-tanh.md": (18, [(56, "missing square"),
                           (62, "wrong layer: $\\delta^{(l)}_{j}$ should be $\\delta^{(l + 1)}_{j}$"),
                           (75, "extra factor: $\\frac{1}{m}$ should not be in the term"),
                           (79, "missing factor: the right side lacks a factor $\\frac{1}{m}$")]),
}
_VERDICTS = {Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL}


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_correct_document_refutes_nothing(name):
    rep = check_file(DATA / name)
    least, _ = SLIPS[name]
    assert_correct_copy(rep, least)


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_every_slip_caught_at_its_line(name):
    base = check_file(DATA / name)
    stem, dot, ext = name.rpartition(".")
    rep = check_file(DATA / f"{stem}-slips{dot}{ext}")
    _, slips = SLIPS[name]
    assert_slips_caught(base, rep, slips)


def test_dlai_transpose_in_the_superscript():
    """`a^{[1](i)T}`, `W^{[2]T}`, `x^{(i)T}`: the transpose after the tags; every row gets a
    verdict, the correct notebook refutes nothing, and its three slips are refuted."""
    base = check_file(DATA / "dlai-week3.ipynb")
    assert all(r.status in _VERDICTS for r in base.results) and len(base.results) == 15
    assert not [r for r in base.results if r.status is R]
    rep = check_file(DATA / "dlai-week3-slips.ipynb")
    at = {r.line: r for r in rep.results if r.status is R}
    assert sorted(at) == [100, 106, 110]
    assert "lacks a factor $\\frac{1}{m}$" in (at[100].diagnosis or "")
    assert "lacks a factor $1 - \\tanh^{2}" in (at[106].diagnosis or "")
    # the input x the first layer reads, where no a^{[0]} is: another quantity, not a layer
    assert "wrong quantity: $a^{[1]}$ should be $x$" in (at[110].diagnosis or "")


def test_matrix_form_reads_slash_derivative_and_later_sigma():
    """`\\delta^l = \\partial C / \\partial z^l` inline is the fraction (a definition, not an
    error); `a^l = \\sigma(...)` before `\\sigma(z) = ...` in the same section waits for it and
    is checked against it, said in a 'read as'."""
    rep = check_file(DATA / "nielsen-matrix.md")
    assert all(r.status in _VERDICTS for r in rep.results), [
        (r.line, r.status.value, r.message) for r in rep.results if r.status not in _VERDICTS]
    assert any("applies the function $\\sigma$ before the text defines" in n
               for n in rep.notes), rep.notes


def test_self_feeding_row_alone_reads_through_the_named_argument():
    """a^l = sigma(sum w a^{l-1} + b), then "we call the weighted input z^l = <the argument>",
    with no other definition of a: a is read as sigma(z) (tests/test_named_argument.py), so
    dz^{l+1}/dz^l is reached through a and checked (it was unchecked, a being given)."""
    rep = check_file(UNITS / "self-feeding-only.md")
    assert_verdicts(rep, [(5, Status.DEFINITION, None), (9, Status.DEFINITION, None),
                          (13, Status.VERIFIED, None)])
    assert any("is read as that function of $z$" in n for n in rep.notes), rep.notes
