"""Bishop's units told apart by their index letter (issue 10; derive.infer.letters): layer tags
on the weights only (`a_j = \\sum_i w^{(1)}_{ji} x_i + b^{(1)}_j`, `y_k = \\sum_j w^{(2)}_{kj}
z_j + b^{(2)}_k`), the units untagged, `E_n` the error of the n-th pattern with no sum over n.

The forward sums give each letter its layer (i the input, j hidden, k the output); the hidden
and the multi-layer units (`a_j`, `z_j`, `\\delta_j` beside `\\delta_k`) are read at the layer
of their letter. The correct document verifies every claim; each planted slip is refuted at
its line with its diagnosis, and the other rows keep their verdicts. Bishop's held-out notes
with the biases absorbed as weight index 0 (`x_0 = 1`, `\\sum_{i=0}^{D}`): the slots a sum
from 0 runs over start at 0 (`from_zero`), the entries `x_0 = 1`, `z_0 = 1` are defined at
that index (beating "given" and `z_j = h(a_j)`), and every claim is checked
(tests/test_heldout.py has their slips).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.errors import InputError
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
        # a weight without its tag: the layer of its letters, swapped, and at its bias
        ("w", "ij", "(1)"), ("w", "j0", "(1)"), ("w", "ji", "(1)"), ("w", "jk", "(2)"),
        ("w", "k0", "(2)"), ("w", "kj", "(2)"),
        ("\\delta", "j", "(1)"), ("\\delta", "k", "(2)"), ("a", "j", "(1)"), ("z", "j", "(1)"),
        # a unit at the letters below its first layer (delta_i: a slip, checked as written),
        # and a unit of one layer at its entry 0 (Bishop's bias unit)
        ("\\delta", "i", "(1)"), ("a", "0", "(1)"), ("a", "i", "(1)"), ("z", "0", "(1)"),
        ("z", "i", "(1)"))


def test_conflicting_letters_are_left_alone(tmp_path) -> None:
    """A letter the forward sums put at two layers: nothing is tagged (the text says no one
    layer per letter), and the document reads as before."""
    f = tmp_path / "conflict.md"
    f.write_text("$$\na_j = \\sum_i w^{(1)}_{ji} x_i\n$$\n\n$$\ny_j = \\sum_i w^{(2)}_{ji} a_i\n$$\n")
    assert letter_tags(read_document(f)).formulas[0].letter_tags == ()


def test_absorbed_biases_read_from_zero() -> None:
    """Bishop's x_0 = 1 and sums from 0: w's second slot, x and z start at 0 (read from the
    sums), `z_0 = 1` is the hidden bias unit's entry (not z's definition), and the bias's
    derivative `\\partial E_n / \\partial w_{j0}^{(1)} = \\delta_j` is verified."""
    rep = check_file(HELDOUT / "bishop-relu.md")
    by_line: dict[int, list] = {}
    for r in rep.results:
        by_line.setdefault(r.line, []).append(r)
    assert [r.status for r in by_line[5]] == [D, D]  # z_0 = 1 and x_0 = 1
    assert by_line[16][0].status is D  # z_j = h(a_j): still z's definition
    assert all(by_line[line][0].status is V for line in (48, 52, 57, 63, 64, 68))
    assert any("defines the entry 0 of $z$" in n for n in rep.notes), rep.notes


def test_from_zero_in_front_matter(tmp_path) -> None:
    """`from_zero` is a front-matter key: the inferred notation prints it, and pasting it back
    reads the same; a slot outside the shape is a placed error."""
    from derive.infer import infer
    front = infer(read_document(HELDOUT / "bishop-relu.md")).front["quantities"]
    assert front["w"]["from_zero"] == [2] and front["x"]["from_zero"] == [1]
    assert front["z"]["from_zero"] == [1] and "from_zero" not in front["t"]
    f = tmp_path / "bad.md"
    f.write_text('<!-- derive\n[quantities.x]\nshape = ["C_1"]\ngiven = true\n'
                 'from_zero = [2]\n-->\n\n$$\ny = x_1\n$$\n')
    with pytest.raises(InputError, match="from_zero must list index slots 1..1"):
        check_file(f)


def test_one_generic_sum_names_two_layers() -> None:
    """Rumelhart, Hinton and Williams write one layer pair for all (`x_j = \\sum_i y_i w_{ji}`,
    `y_j` the logistic of `x_j`, `E` over the output units j): the unit y written at i and at j
    would define itself; read as a network of one layer of weights (i the input, j the output)
    every claim is checked, and each planted slip refuted at its line."""
    rep = check_file(DATA / "rumelhart.md")
    forward = [(6, D, None), (10, D, None), (15, D, None)]
    assert_verdicts(rep, forward + [(line, V, None) for line in (19, 23, 27, 32)])
    assert any("$j$ the output, layer 1" in n for n in rep.notes), rep.notes
    slips = check_file(DATA / "rumelhart-slips.md")
    assert_verdicts(slips, forward + [(19, V, None), (23, R, "sign of a term"), (27, R, None),
                                      (32, R, "swapped indices")])
