"""Activations and losses named in the prose (issue 11; derive.infer.named), read without front
matter (tests/data/prose_named): "the output layer applies a sigmoid", "binary cross-entropy
loss", "the hidden layers use ReLU" become the model's definitions, each said in the "read as"
summary with its line; `\\hat{y}` is the output activation, `\\text{ReLU}'` the registry's ReLU'.
The vector chain rule written with them (issue 12) verifies in the correct documents, and the
planted slips (a sign, a missing transpose, a missing ReLU', a wrong layer, σ' for ReLU') are
refuted at their line with their diagnosis.

* `column.md`: column vectors, `L` the only layer symbol (the last layer), `\\cdot` between
  Jacobians, sigmoid + binary cross-entropy output, ReLU hidden layers (a gaurav-style text);
* `entries.md`: by entries, `l` and `L`, tanh hidden units, sigmoid output, squared error.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "prose_named"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
D, V, R, U, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED,
                 Status.ERROR)

COLUMN = [(10, V, None), (17, V, None), (23, V, None), (27, V, None), (31, V, None),
          (37, V, None), (41, V, None), (49, V, None), (55, V, None), (59, V, None),
          (63, V, None), (67, V, None)]
COLUMN_SLIPS = {17: "sign", 37: "a transpose is missing", 41: "sign",
                59: "lacks a factor $\\mathrm{ReLU}^{\\prime}", 63: "wrong layer",
                67: "another layer's activation: $\\sigma^{\\prime}"}
ENTRIES = [(6, D, None), (13, V, None), (17, V, None), (21, V, None), (25, V, None),
           (29, V, None)]
ENTRIES_SLIPS = {13: "sign", 21: "activation for its derivative", 25: "missing factor",
                 29: "wrong layer"}


def _check(path: Path):
    return check_file(path, path.name)


def _said(path: Path) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", str(path)])
    return buf.getvalue()


def _slipped(correct, slips):
    return [(line, R if line in slips else s, slips.get(line)) for line, s, _ in correct]


# line 49 of the slips: the chain rule, then `(\hat{y} - y) \cdot W^L` for `(W^L)^T (\hat{y} - y)`
ROW_FOR_COLUMN = [(49, V, None), (49, R, "order is swapped and $W^L$ should be transposed")]


def _with_row_slip(expected):
    out = []
    for e in expected:
        out += ROW_FOR_COLUMN if e[0] == 49 else [e]
    return out


@pytest.mark.parametrize(("name", "expected"), [
    ("column.md", COLUMN), ("entries.md", ENTRIES),
    ("column-slips.md", _with_row_slip(_slipped(COLUMN, COLUMN_SLIPS))),
    ("entries-slips.md", _slipped(ENTRIES, ENTRIES_SLIPS))])
def test_verdicts(name, expected):
    assert_verdicts(_check(DATA / name), expected)


def test_relu_prime_for_sigma_prime_is_refuted_at_a_negative_entry():
    r = next(r for r in _check(DATA / "column-slips.md").results if r.line == 67)
    assert r.status is R and r.counterexample is not None, r.message
    shown = _said(DATA / "column-slips.md").split(":67:")[1].split("\n")[3]
    assert "witness:" in shown and "derived 0," in shown, shown  # ReLU' is 0 there, σ' is not


def test_the_readings_are_said_with_their_lines():
    out = _said(DATA / "column.md")
    assert ("L read as the last layer: the text writes it only as L and below, and the prose "
            "names the output layer (line 13)") in out
    assert "line 23: z's definition, written for the last layer L only, read for every layer" in out
    assert ("line 13: the prose names the output layer's activation (the logistic sigmoid): "
            "aᴸ = σ(zᴸ), taken from the prose, not defined in the text") in out
    assert "line 46: the prose names the hidden layers' activation (ReLU)" in out
    assert "line 13: ℒ read as the binary cross-entropy the prose names" in out
    assert "ŷ, never defined, read as the output layer's activation aᴸ" in out
    out = _said(DATA / "entries.md")
    assert "line 9: the prose names the hidden layers' activation (tanh)" in out
    assert "C read as the squared error with its factor 1/2 the prose names" in out


def _doc(tmp_path: Path, prose: str, name: str = "t.md") -> Path:
    path = tmp_path / name
    path.write_text("# t\n\n$$\nz^L = W^L a^{L-1} + b^L\n$$\n\n" + prose + "\n\n$$\n"
                    "\\frac{\\partial \\mathcal{L}}{\\partial a^L} \\cdot \\frac{\\partial a^L}"
                    "{\\partial z^L} = \\hat{y} - y\n$$\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("prose", [
    "The hidden layers use ReLU; the loss is the binary cross-entropy.",  # no output layer
    "The output layer uses a sigmoid or a ReLU, with the binary cross-entropy loss.",
    "The hidden layers and the output layer use a sigmoid, with the binary cross-entropy loss.",
    "```\n# the output layer uses a sigmoid, binary cross-entropy loss\n```",  # code, not prose
])
def test_what_the_prose_does_not_say_is_not_read(tmp_path, prose):
    """The verdicts are those of the same text without the sentence, and nothing is said."""
    said = [r.status for r in _check(_doc(tmp_path, prose)).results]
    assert said == [r.status for r in _check(_doc(tmp_path, "", "u.md")).results]
    assert V not in said
    assert "taken from the prose" not in _said(_doc(tmp_path, prose))


def test_the_output_layer_and_the_hidden_layers(tmp_path):
    rep = _check(_doc(tmp_path, "For the output layer we take a sigmoid activation and "
                                "the binary cross-entropy loss. The hidden layers are ReLU layers."))
    assert [r.status for r in rep.results] == [V, V], [r.message for r in rep.results]


def test_the_output_layer_alone_leaves_the_hidden_layers_unread(tmp_path):
    rep = _check(_doc(tmp_path, "For the output layer we take a sigmoid activation and "
                                "the binary cross-entropy loss."))
    assert [r.status for r in rep.results] == [U, U], [r.message for r in rep.results]


def test_an_activation_the_text_defines_is_not_read_from_the_prose(tmp_path):
    body = ("$$\nz^l = W^l a^{l-1} + b^l\n$$\n\n$$\na^l = \\tanh(z^l)\n$$\n\n$$\n"
            "\\frac{\\partial a^L}{\\partial z^L} = \\mathrm{diag}(\\tanh'(z^L))\n$$\n")
    path, plain = tmp_path / "t.md", tmp_path / "u.md"
    path.write_text("# t\n\nThe output layer uses a sigmoid activation.\n\n" + body,
                    encoding="utf-8")
    plain.write_text("# t\n\n" + body, encoding="utf-8")
    assert ([(r.status, r.message) for r in _check(path).results]
            == [(r.status, r.message) for r in _check(plain).results])
    assert "taken from the prose" not in _said(path)


@pytest.mark.skipif(not (CORPUS / "gaurav_MLP.md").is_file(), reason="no corpus here")
def test_gaurav_as_written():
    """Each verdict checked by hand: the vector chain rule as the text writes it holds, but
    `(\\hat{y} - y) \\cdot W^L` (line 57) multiplies a column of C_L entries by a C_L × C_(L-1)
    matrix, undefined for more than one output where lines 41 and 85 use columns and
    `(W^L)^T (\\hat{y} - y)` (tests/data/vector/CORPUS_TIER2.md): refuted, the fix named."""
    rep = _check(CORPUS / "gaurav_MLP.md")
    got = [(r.line, r.step, r.status) for r in rep.results]
    assert got == [(9, None, U), (15, None, V), (25, None, V), (31, None, V), (35, None, V),
                   (41, None, V), (49, None, V), (57, 1, V), (57, 2, R), (66, None, V),
                   (70, None, V), (79, None, V), (85, None, V)], got
    assert "the product needs $1 = C_{L}$" in rep.results[8].message
    assert rep.results[8].diagnosis == ("the product's order is swapped and $W^L$ should be "
                                        "transposed: $(W^L)^T$ comes before $\\hat{y} - y$")


def test_text_font_names_a_registry_function_only_when_applied():
    from derive.document import Formula
    from derive.latex.tokens import tokenize

    def texts(latex: str) -> list[str]:
        f = Formula(1, "t.md", latex, ((0, 1, 1),), (latex,), ())
        return [t.text for t in tokenize(latex, f)]

    assert texts("\\text{ReLU}'(z)")[:2] == ["\\mathrm", "{"]
    assert texts("\\text{ReLU}(z)")[0] == "\\mathrm"
    assert texts("1 \\text{ if } z > 0")[1] == "\\text"
    assert texts("\\text{step} 1")[0] == "\\text"  # a word, not applied


def test_the_prediction_by_entries(tmp_path):
    text = (DATA / "entries.md").read_text(encoding="utf-8").replace(
        "= a^{L}_{j} - y_{j}", "= \\hat{y}_{j} - y_{j}").replace(
        "(a^{L}_{j} - y_{j}) a^{L}_{j}", "(\\hat{y}_{j} - y_{j}) \\hat{y}_{j}")
    path = tmp_path / "hat.md"
    path.write_text(text, encoding="utf-8")
    assert_verdicts(_check(path), ENTRIES)
    assert "ŷ, never defined, read as the output layer's activation aᴸ" in _said(path)
    slipped = tmp_path / "hat-slip.md"
    slipped.write_text(text.replace("= \\hat{y}_{j} - y_{j}", "= y_{j} - \\hat{y}_{j}"),
                       encoding="utf-8")
    assert_verdicts(_check(slipped), [(13, R, "sign") if e[0] == 13 else e for e in ENTRIES])
