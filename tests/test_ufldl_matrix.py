"""UFLDL's backpropagation in its own notation (issue 12): the output layer's error term
defined as an operator-form derivative of a norm, `\\frac{\\partial}{\\partial z^{(n_l)}_i}
\\frac{1}{2} \\|y - a^{(n_l)}\\|^2`, the recursion `delta^{(l)}` from `delta^{(l+1)}` placed in
layers 2..n_l, the labels told from the input the hypothesis is computed from, and the matrix
forms checked; planted slips (a sign, a layer, a factor, a transpose) refuted at their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "ufldl_matrix"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
D, V, R, U = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED


def test_the_error_terms_layers_are_two_to_n() -> None:
    """delta^{(l)} reads W^{(l)} (layers 1..n_l-1), z^{(l)} (2..n_l) and delta^{(l+1)}: it
    holds for l in 2..n_l-1 and needs layer n_l of delta too."""
    front = infer(read_document(DATA / "backprop.md")).front
    assert front["quantities"]["\\delta"]["layers"] == "2..n_l"


def test_the_correct_document_verifies() -> None:
    assert_verdicts(check_file(DATA / "backprop.md"), [
        (7, D, None), (8, D, None), (15, D, None), (21, D, None),
        (27, D, None), (27, V, None),  # delta^{(n_l)} defined as the derivative, then its form
        (33, D, None), (40, V, None), (41, V, None),
        (48, V, None), (52, V, None), (57, V, None), (58, V, None)])


def test_the_slips_are_refuted_at_their_line() -> None:
    assert_verdicts(check_file(DATA / "slips.md"), [
        (7, D, None), (8, D, None), (15, D, None), (21, D, None),
        (27, D, None), (27, R, "sign"),
        (33, D, None), (40, R, "should be $a^{(l)}_{j}$"), (41, V, None),
        (48, R, "$2$ times"), (52, R, "transpose"), (57, V, None), (58, R, "layer")])


def test_the_labels_are_not_the_input_of_the_hypothesis() -> None:
    """J = 1/2 ||h_{W,b}(x) - y||^2: y is what the output is compared with; x is what it is
    computed from."""
    inferred = infer(read_document(DATA / "hypothesis.md"))
    assert inferred.front["roles"]["labels"] == "y"
    assert_verdicts(check_file(DATA / "hypothesis.md"), [
        (4, D, None), (8, D, None), (14, D, None), (21, V, None), (22, D, None),
        (27, D, None), (31, V, None), (35, R, "sign")])


@pytest.mark.skipif(not (CORPUS / "ufldl_zh_multilayer_nn.md").exists(), reason="no corpus")
def test_corpus_input_read_from_the_vector_form() -> None:
    """x is written with an index only in the three-unit example (x_1, x_2, x_3): its size is
    read from z^{(2)} = W^{(1)} x + b^{(1)}, not guessed as the output layer's."""
    inferred = infer(read_document(CORPUS / "ufldl_zh_multilayer_nn.md"))
    assert inferred.front["roles"]["labels"] == "y"
    assert inferred.front["quantities"]["x"]["shape"] == ["s_1"]
    assert inferred.front["quantities"]["\\delta"]["layers"] == "2..n_l"
    results = check_file(CORPUS / "ufldl_zh_multilayer_nn.md").results
    assert not any(r.status is R for r in results)
