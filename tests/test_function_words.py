"""Function names as notes write them, in plain letters (`ReLU(z)`, `LeakyReLU(z)`,
`Sigmoid(z)`, `exp(-z)`), and prose inside a formula (tests/data/fnames).

A plain-letter name applied to a bracket is a function when the document defines it as
`Name(z) = ...` or the registry knows it by name (case-insensitively); a function definition's
argument is its own variable even where the same letter is a layer-tagged quantity elsewhere;
prose after a comma at the end of a `cases` row is a remark, said in the "read as" facts, and
prose standing in the mathematics stays an error at its place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.document import parse_document
from derive.errors import InputError
from derive.latex import tokenize
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "fnames"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
V, R, D, E = Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR

# document -> [(line, status, words of the diagnosis or None)] for every result, in order
EXPECTED = {
    "leaky.md": [
        (6, D, None), (15, D, None), (21, V, None), (21, V, None),
        (30, R, "wrong case: the value in the case $z^{l} \\leq 0$ is not the derivative"),
    ],
    "sigmoid.md": [
        (4, D, None), (8, D, None), (15, V, None), (16, V, None),
        (23, R, "sign of a term"),
        (29, D, None), (33, V, None),
        (39, R, "missing factor: the term $- \\tanh{\\left(a^{l} \\right)}$ lacks a factor"),
    ],
    "prose.md": [(4, D, None), (10, V, None), (19, E, None)],
    "byname.md": [
        (4, D, None), (8, V, None),
        (14, R, "activation for its derivative: $\\mathrm{Sigmoid}\\left(z^{l}\\right)$"),
        (18, D, None), (22, V, None),
        (31, R, None),  # refuted; the diagnosis is the diagnoser's (see the report)
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/fnames/{name}") for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_correct_forms_verify_and_slips_are_refuted_at_their_line(reports, name: str) -> None:
    assert_verdicts(reports[name], EXPECTED[name])


def test_defined_plain_letter_names_are_read_as_functions(reports) -> None:
    notes = "\n".join(reports["leaky.md"].notes)
    assert "$\\mathrm{LeakyReLU}$ a function of 1 argument, defined at line 6" in notes
    assert "$\\mathrm{Sigmoid}$ a function of 1 argument, defined at line 4" in "\n".join(
        reports["sigmoid.md"].notes)


def test_names_known_to_the_registry_stand_for_its_functions(reports) -> None:
    notes = reports["byname.md"].notes
    assert ("read as: $\\mathrm{Sigmoid}$ read as the function known by that name (the "
            "logistic sigmoid): the text uses it without defining it") in notes
    assert ("read as: $\\mathrm{relu}$ read as the function known by that name (ReLU): the "
            "text uses it without defining it") in notes


def test_a_remark_is_said_and_prose_in_the_mathematics_is_an_error(reports) -> None:
    rep = reports["prose.md"]
    assert ("read as: line 11: the words `这里用到了链式法则` read as a remark, not as mathematics"
            in rep.notes)
    (err,) = [r for r in rep.results if r.status is E]
    assert err.message == "unexpected character '乘' in a formula"
    assert (err.line, err.col) == (19, 55)
    leaky = "\n".join(reports["leaky.md"].notes)
    assert "line 8: the words `斜率是一个小的正常数` read as a remark" in leaky


def test_the_command_line_places_the_prose_error(capsys) -> None:
    code = main(["check", str(DATA / "prose.md"), "--color", "never"])
    out = capsys.readouterr()
    assert code == 2  # bad input
    assert "prose.md:19:55: error: unexpected character '乘' in a formula" in out.out + out.err


def _tokens(latex: str, before: str = "") -> list[str]:
    doc = parse_document(before + "$$\n" + latex + "\n$$\n", "case.md")
    f = doc.formulas[-1]
    return [t.text for t in tokenize(f.text, f)]


@pytest.mark.parametrize(("latex", "expected"), [
    # the registry's names, case-insensitively: a command where it writes one, else upright
    ("exp(-z)", ["\\exp", "(", "-", "z", ")"]),
    ("Exp(z)", ["\\exp", "(", "z", ")"]),
    ("max(0, z)", ["\\max", "(", "0", ",", "z", ")"]),
    ("Sigmoid(z)", ["\\mathrm", "{", "S", "i", "g", "m", "o", "i", "d", "}", "(", "z", ")"]),
    ("GELU'(z)", ["\\mathrm", "{", "G", "E", "L", "U", "}", "'", "(", "z", ")"]),
    # not applied, or not a name anyone defines: letters, a product
    ("exp z", ["e", "x", "p", "z"]),
    ("xy(z)", ["x", "y", "(", "z", ")"]),
    ("LeakyReLU(z)", ["L", "e", "a", "k", "y", "R", "e", "L", "U", "(", "z", ")"]),
    ("asin(x)", ["a", "s", "i", "n", "(", "x", ")"]),  # not `a` times `sin`, not `\arcsin`
])
def test_plain_letter_runs(latex: str, expected: list[str]) -> None:
    assert _tokens(latex) == expected


def test_a_name_defined_elsewhere_in_the_document_is_a_function() -> None:
    before = "$$\nPReLU(z) = z\n$$\n\nthen\n\n"
    assert _tokens("\\frac{\\partial PReLU(z^l)}{\\partial z^l}", before)[:10] == [
        "\\frac", "{", "\\partial", "\\mathrm", "{", "P", "R", "e", "L", "U"]


def test_prose_inside_text_is_text_and_elsewhere_an_error() -> None:
    assert _tokens("a = b \\quad \\text{其中} \\quad c = d")[3:7] == [
        "\\text", "{", "其中", "}"]
    with pytest.raises(InputError, match="unexpected character '且'"):
        _tokens("a = b 且 c")


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the corpus document {name} is absent (../shared/corpus)")
    return path


def test_yizt_activations_are_read_as_definitions() -> None:
    """ReLU, LeakyReLU, PReLU, ELU, the SELU written as RELU and Sigmoid, each defined in
    plain letters in a variable `z` that is a layer-tagged quantity elsewhere."""
    rep = check_file(_corpus("yizt_0_3_activation_backprop.md"))
    defined = {r.line for r in rep.results if r.status is D}
    assert {20, 55, 82, 126, 152, 180} <= defined
    messages = [r.message for r in rep.results if r.status is E]
    for gone in ("variables of its own", "unexpected character", "unknown symbol `R`",
                 "unknown symbol `x`"):
        assert not [m for m in messages if gone in m], (gone, messages)
    assert not [r for r in rep.results if r.status is R]


def test_gaurav_relu_derivative_is_checked_against_the_registry() -> None:
    rep = check_file(_corpus("gaurav_MLP.md"))
    (relu,) = [r for r in rep.results if r.line == 70]
    assert relu.status is V, relu.message
