"""Vector texts whose input is layer 0 beside a layer variable (`a^0 = x`, `z^l = W^l a^{l-1} +
b^l`), in row and column vectors: the layers and the input's width inferred as the text numbers
them, `x^\\top` read as `(a^0)^\\top`, the input named in prose where the displays write the
activation only in the layer variable; and a minibatch loss written as a trace
(`\\mathrm{tr}((A^L - Y)^T (A^L - Y))`): the sum over the samples, each counted once."""

from pathlib import Path

from derive.check import check_file, prepare, read_document
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "rowvec0"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


def test_the_layers_are_numbered_from_0_in_vector_form():
    _, inferred = prepare(read_document(DATA / "column.md"))
    assert inferred is not None and inferred.front["first_layer"] == 0
    qs = inferred.front["quantities"]
    assert (qs["a"]["layers"], qs["a"]["given_layers"]) == ("0..L", "0")
    assert qs["z"]["layers"] == qs["W"]["layers"] == "1..L"
    assert qs["W"]["shape"] == ["K_l", "K_{l-1}"]


def test_column_vectors_from_layer_0():
    assert_verdicts(check_file(DATA / "column.md"), [
        (6, D, None), (10, D, None), (16, D, None), (22, D, None),
        (28, V, None),  # z^1 = W^1 x + b^1: x is a^0
        (32, V, None),
        (36, V, None),  # x^T: (a^0)^T
        (40, R, "transpose"),  # x for x^T
        (44, R, "wrong layer"),  # x for a^1
    ])


def test_row_vectors_from_layer_0_named_in_prose():
    """`$a^0 = h$` where the displays write `a` only as `a^{l-1}`, `a^L`: h is a^0."""
    assert_verdicts(check_file(DATA / "row.tex"), [
        (6, D, None), (6, D, None), (10, D, None), (14, D, None),
        (18, V, None),  # h^T g^1
        (21, R, "transpose"),  # h g^1
        (24, R, "wrong layer"),  # g^2 for g^1
        (27, V, None),
    ])


def test_a_trace_over_the_minibatch_sums_each_sample_once():
    assert_verdicts(check_file(DATA / "trace.md"), [
        (6, D, None), (6, D, None), (9, D, None), (9, D, None), (12, V, None),
        (18, D, None),
        (22, V, None), (26, V, None),
        (30, R, "extra factor"),  # the loss is summed, not averaged
        (34, R, "extra factor"),
    ])


def test_the_input_named_in_a_display_defines_layer_0():
    """`a^0 = x` in a display of vectors: the input layer given as x (x of layer 0's width),
    not a claim comparing two inputs."""
    assert_verdicts(check_file(DATA / "display.md"), [
        (6, D, None), (6, D, None), (6, D, None), (10, D, None), (10, D, None),
        (14, V, None),  # delta^1 x^T
        (18, R, "transpose"),  # delta^1 x
    ])
    _, inferred = prepare(read_document(DATA / "display.md"))
    assert inferred is not None and inferred.front["quantities"]["x"]["shape"] == ["K_0"]
