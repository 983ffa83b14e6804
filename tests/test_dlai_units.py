"""deeplearning.ai's L-layer notes: the per-layer activation's derivative written with its
layer tag (`g^{[l]\\prime}(z^{[l]})`, `g'^{[l]}(z^{[l]})`) is the one activation g's
derivative, with g only ever written with its tag; and a logistic loss that writes the output
`a^{[L]}` as a number (`y \\log a^{[L]}`: no sum, inner product or norm over its units) reads
the output layer as one unit, `a^{[L]}` its one value, while `a^{[l]}` stays a vector. A loss
that sums over the output's units (a norm) leaves the output a vector."""

from pathlib import Path

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "dlai_units"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


def test_one_output_unit_and_tagged_primes():
    assert_verdicts(check_file(DATA / "primes.md"), [
        (5, D, None), (7, D, None), (9, D, None),
        (11, V, None),  # da^{[L]} of the logistic loss, as one fraction
        (13, R, "the right side is the negative"),
        (15, V, None),  # g'^{[l]}(z^{[l]})
        (17, V, None),  # g^{[l]\prime}(z^{[l]})
        (19, V, None), (21, V, None),
        (23, R, "wrong layer"),  # a^{[l]T} for a^{[l-1]T}
    ])
    inferred = infer(read_document(DATA / "primes.md"))
    assert inferred.front["functions"].get("g") == 1
    qs = inferred.front["quantities"]
    assert qs["a"]["unit_layers"] == "L" and qs["a"]["shape"] == ["C_l"]
    assert "y" in qs and not qs["y"].get("shape")  # the label: one number
    assert any("the output layer is one unit" in f for f in inferred.facts)


def test_a_loss_summed_over_the_units_keeps_a_vector_output():
    assert_verdicts(check_file(DATA / "norm.md"), [
        (5, D, None), (7, D, None), (9, D, None), (11, V, None), (13, V, None), (15, V, None)])
    qs = infer(read_document(DATA / "norm.md")).front["quantities"]
    assert "unit_layers" not in qs["a"] and qs["y"]["shape"] == ["C_L"]
