"""Weights written without their layer (issue 10; derive.infer.letters): Bishop's generic
`a_j = \\sum_i w_{ji} x_i`, `a_k = \\sum_j w_{kj} z_j`, where one letter `w` writes every layer
of weights and the index letters say the layers (i the input, j hidden, k the output).

The forward sums chain the letters (j one layer above i, k above j); each weight then has the
layer of its letters (`w_{kj}` the second, also swapped, `w_{jk}`), in a text whose weights
carry no tag at all (`sigmoid.md`) or carry it in the forward pass only (`mixed.md`). The
error defined once by `\\delta_j \\equiv \\partial E_n / \\partial a_j` is every unit's, so
`\\delta_k = y_k - t_k` is a claim checked against it (a wrong sign there is refuted, not taken
as the definition). `z_j^2` beside tags in parentheses is a square. Each planted slip is
refuted at its line with its diagnosis, every other row keeps its verdict.
"""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.document import read_document
from derive.infer.letters import letter_tags
from derive.results import Status
from tests.conftest import assert_slips_caught, assert_verdicts

DATA = Path(__file__).parent / "data" / "untagged_weights"
D, V = Status.DEFINITION, Status.VERIFIED


def test_untagged_weights_verify() -> None:
    rep = check_file(DATA / "sigmoid.md")
    assert_verdicts(rep, [(line, D, None) for line in (9, 12, 15, 18, 21, 25, 29)]
                    + [(line, V, None) for line in (36, 40, 44, 47, 50, 54, 57)])
    assert any("defines the error of every unit" in n and "line 36" in n for n in rep.notes)


def test_untagged_weights_slips() -> None:
    base = check_file(DATA / "sigmoid.md")
    rep = check_file(DATA / "sigmoid-slips.md")
    assert_slips_caught(base, rep, [
        (36, "sign: the right side is the negative"),  # t_k - y_k: not delta_k's definition
        (44, "swapped indices: $w^{(2)}_{jk}$ should be $w^{(2)}_{kj}$"),  # w with the layer read
        (50, "sign of a term"),  # z_j + z_j^2 for z_j - z_j^2
        (57, "wrong quantity"),  # a_j for z_j
    ])


def test_weights_tagged_in_the_forward_pass_only() -> None:
    rep = check_file(DATA / "mixed.md")
    assert_verdicts(rep, [(line, D, None) for line in (7, 10, 13, 16, 19, 19)]
                    + [(line, V, None) for line in (27, 30, 33, 36)])
    slips = check_file(DATA / "mixed-slips.md")
    assert_slips_caught(rep, slips, [(30, "swapped indices"), (33, "extra factor")])


def test_the_letters_chain_into_layers() -> None:
    tags = letter_tags(read_document(DATA / "sigmoid.md")).formulas[0].letter_tags
    assert {t for t in tags if t[0] == "w"} == {
        ("w", "ji", "(1)"), ("w", "ij", "(1)"), ("w", "j0", "(1)"),
        ("w", "kj", "(2)"), ("w", "jk", "(2)"), ("w", "k0", "(2)")}
    assert ("a", "k", "(2)") in tags and ("\\delta", "j", "(1)") in tags


def test_one_weight_name_per_layer_is_not_read_as_letters(tmp_path) -> None:
    """`V_{ji}` and `W_{kj}`: two names, so no one letter writes the layers of weights (each
    matrix is a quantity of its own, as the text names it): nothing is tagged."""
    f = tmp_path / "vw.md"
    f.write_text("$$\nh_j = \\sum_i V_{ji} x_i\n$$\n\n$$\ny_k = \\sum_j W_{kj} h_j\n$$\n")
    assert letter_tags(read_document(f)).formulas[0].letter_tags == ()


def test_two_weight_names_are_refused_with_the_reason() -> None:
    """`a_j` through `V_{ji}`, `a_k` through `W_{kj}`: `a_k` is an error that says the letters
    seem to name layers, and the claim resting on it is unchecked, never a verdict."""
    rep = check_file(DATA / "two-names.md")
    assert_verdicts(rep, [(7, D, None), (10, D, None), (13, Status.ERROR, None), (16, D, None),
                          (19, Status.UNCHECKED, None)])
    assert "seem to name layers" in rep.results[2].message


def test_one_layer_of_untagged_weights_is_left_alone(tmp_path) -> None:
    """`y_k = \\sum_i w_{ki} x_i` alone: one layer of weights, nothing for letters to tell."""
    f = tmp_path / "one.md"
    f.write_text("$$\ny_k = \\sum_i w_{ki} x_i\n$$\n\n$$\nE = \\frac{1}{2} \\sum_k y_k^2\n$$\n")
    assert letter_tags(read_document(f)).formulas[0].letter_tags == ()
