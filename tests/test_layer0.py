"""A text whose input is layer 0 (`a^0 = x`) beside a layer variable (`z^l = w^l a^{l-1} +
b^l` for l = 1..L): its fixed layers are one higher inside (`z^1` the first layer the model
computes), its layers in `l` and `L` as written; and what goes with such texts: `g^l(z^l)`
beside `g(z^l)` is the one activation g; a factor after an operator-form derivative
(`\\frac{\\partial}{\\partial b} w x + b`) is no node the text differentiates; `C'(a^L)` beside
`\\frac{\\partial C}{\\partial w^l}` is the loss's derivative by a^L."""

from pathlib import Path

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "layer0"
V, R, D, E = Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR


def test_the_input_is_read_as_layer_0():
    inferred = infer(read_document(DATA / "scalar.md"))
    assert inferred.front["first_layer"] == 0
    qs = inferred.front["quantities"]
    assert (qs["a"]["layers"], qs["a"]["given_layers"]) == ("0..L", "0")
    assert qs["z"]["layers"] == qs["w"]["layers"] == "1..L"
    assert any("layers $l$ = 0..$L$, layer 0 the input" in f for f in inferred.facts)


def test_layers_from_0_are_checked():
    assert_verdicts(check_file(DATA / "scalar.md"), [
        (7, D, None), (8, D, None),
        (15, V, None),  # dz^1/dw^1 = a^0
        (19, R, "wrong layer"),  # a^1 for a^0
        (23, V, None), (27, V, None), (31, V, None), (35, V, None), (39, V, None),
        (43, R, "missing factor"),  # sigma'(z^l) left out
        (47, V, None), (51, V, None),
        (55, R, "wrong layer"),  # z^{L-1} for z^L
        (61, V, None),  # C'(a^L): the loss's derivative by a^L
        (65, R, "wrong layer"),
    ])


def test_a_per_layer_activation_is_the_one_function():
    assert_verdicts(check_file(DATA / "activation.md"), [
        (7, D, None), (8, D, None),
        (15, V, None),
        (19, V, None), (19, V, None),  # d/db^l w^l a^{l-1}: w no node differentiated
        (23, R, "wrong layer"),  # w^l for w^{l+1}
        (27, V, None), (27, V, None),
        (31, R, "extra factor"),  # dC/db^l with dz^l/dw^l for dz^l/db^l
    ])
    inferred = infer(read_document(DATA / "activation.md"))
    assert inferred.front["functions"].get("g") == 1
    assert "w" in inferred.front["quantities"] and inferred.front["quantities"]["w"]["given"]


def test_a_sum_up_to_a_width_of_the_last_layer_is_over_units(tmp_path) -> None:
    """In a text whose input is layer 0, `\\sum_{j=1}^{n_L}` runs over the units of the last
    layer from 1: only a sum up to the depth itself runs over layers (and is renumbered). A
    renumbered unit sum dropped the first unit and refuted the correct output error."""
    from derive.check import check_file
    from derive.results import Status

    doc = tmp_path / "layer0.md"
    doc.write_text(
        "# Layer 0 input\n\n$$a^{(0)}_j = x_j$$\n\n"
        "$$z^{(l)}_j = \\sum_{k=1}^{n_{l-1}} w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j$$\n\n"
        "$$a^{(l)}_j = \\sigma(z^{(l)}_j)$$\n\n"
        "$$E = \\frac{1}{2} \\sum_{j=1}^{n_L} (a^{(L)}_j - y_j)^2$$\n\n"
        "$$\\frac{\\partial E}{\\partial a^{(L)}_j} = a^{(L)}_j - y_j$$\n\n"
        "$$\\frac{\\partial E}{\\partial b^{(L)}_j} = (a^{(L)}_j - y_j) \\sigma'(z^{(L)}_j)$$\n",
        encoding="utf-8")
    got = [r.status for r in check_file(doc).results]
    assert got == [Status.DEFINITION] * 4 + [Status.VERIFIED] * 2
    slip = tmp_path / "slip.md"
    slip.write_text(doc.read_text(encoding="utf-8").replace(
        "= a^{(L)}_j - y_j$$", "= a^{(L)}_j + y_j$$"), encoding="utf-8")
    assert [r.status for r in check_file(slip).results][4] is Status.REFUTED
