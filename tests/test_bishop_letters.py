"""Bishop's units told apart by their index letter (issue 10; derive.infer.letters): layer tags
on the weights only (`a_j = \\sum_i w^{(1)}_{ji} x_i + b^{(1)}_j`, `y_k = \\sum_j w^{(2)}_{kj}
z_j + b^{(2)}_k`), the units untagged, `E_n` the error of the n-th pattern with no sum over n.

The forward sums give each letter its layer (i the input, j hidden, k the output); the hidden
and the multi-layer units (`a_j`, `z_j`, `\\delta_j` beside `\\delta_k`) are read at the layer
of their letter. The correct document verifies every claim; each planted slip is refuted at
its line with its diagnosis, and the other rows keep their verdicts. Bishop's held-out notes
with the biases absorbed as weight index 0 (`x_0 = 1`, `\\sum_{i=0}^{D}`) are read, but their
claims stay unchecked (index 0 is outside every range the tool knows): never refuted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.infer.letters import letter_tags
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "bishop_letters"
HELDOUT = Path(__file__).parent / "data" / "heldout"
D, V, R, U, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED,
                 Status.ERROR)

FORWARD = [(9, D, None), (13, D, None), (16, D, None), (20, D, None), (24, D, None),
           (28, D, None), (28, D, None)]
CLAIMS = [35, 39, 43, 46, 50, 53, 56, 59]
SLIPS = {35: "sign: the right side is the negative",
         39: "sign of a term",
         43: "swapped indices",
         46: "missing factor: the right side lacks a factor",
         56: None}  # delta_k a_j for delta_k z_j: refuted, no one edit named


def test_sigmoid_with_biases_verifies() -> None:
    rep = check_file(DATA / "sigmoid-biases.md")
    assert_verdicts(rep, FORWARD + [(line, V, None) for line in CLAIMS])
    assert "read as: $E$: defined at line 24" in rep.notes, rep.notes  # E_n: no index n


def test_sigmoid_with_biases_slips() -> None:
    rep = check_file(DATA / "sigmoid-biases-slips.md")
    assert_verdicts(rep, FORWARD + [(line, R if line in SLIPS else V, SLIPS.get(line))
                                    for line in CLAIMS])
    # said in the text's letters: z_j, not the layer tag its letter stands for
    assert "factor $z_{j}$" in next(r for r in rep.results if r.line == 46).diagnosis


def test_letters_give_layers() -> None:
    doc = letter_tags(read_document(DATA / "sigmoid-biases.md"))
    assert doc.formulas[0].letter_tags == (
        ("\\delta", "j", "(1)"), ("\\delta", "k", "(2)"), ("a", "j", "(1)"), ("z", "j", "(1)"))


def test_conflicting_letters_are_left_alone(tmp_path) -> None:
    """A letter the forward sums put at two layers: nothing is tagged (the text says no one
    layer per letter), and the document reads as before."""
    f = tmp_path / "conflict.md"
    f.write_text("$$\na_j = \\sum_i w^{(1)}_{ji} x_i\n$$\n\n$$\ny_j = \\sum_i w^{(2)}_{ji} a_i\n$$\n")
    assert letter_tags(read_document(f)).formulas[0].letter_tags == ()


@pytest.mark.parametrize("name", ["bishop-relu.md", "bishop-relu-slips.md"])
def test_absorbed_biases_never_refuted(name) -> None:
    """Bishop's x_0 = 1 and sums from 0: the units are read by their letters (a_j, z_j,
    delta_j, delta_k have their layers), the claims that need index 0 are unchecked with the
    reason, and nothing is refuted."""
    rep = check_file(HELDOUT / name)
    assert not [r for r in rep.results if r.status is R]
    by_line = {r.line: r for r in rep.results}
    assert by_line[12].status is D and by_line[16].status is D and by_line[24].status is V
    assert "w^{(2)}_{1,0}" in by_line[48].message
