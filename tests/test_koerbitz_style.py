"""Koerbitz's style (tests/data/koerbitz_style): a text that writes a layer's weights entry by
entry (`w^l_{ij}`) and the whole matrix as a capital (`z^l = W^l a^{l-1} + b^l`), and defines
its error inline with a macro of the page (`$\\delta^l = \\pd{C}{z^l}$`).

`capitals.md`: `W` is read as the matrix of the entries `w_{ij}` (one quantity; before, `W`
beside `w` read as a matrix with one column per sample, and nothing resting on `z` was
checked); the inline definition of `delta` is read with the page's macro expanded (before, an
error: "unexpected `\\pd`"). The entry and vector forms verify, and four slips are refuted with
their diagnosis (exchanged indices, a lost transpose, a wrong layer, a lost factor).

`operands.md`: `\\pd{z^l_k}{w^l_{ij}} = \\pd{}{w^l_{ij}} \\sum_p w^l_{kp} a^{l-1}_p + b^l_k`, the
operator right after the derivative of one quantity by the same variable, writes that quantity
out: it differentiates all of the side (before, an error: "where this derivative ends is
ambiguous"). The correct steps verify, a wrong index and a lost term are refuted, and the same
operator after a factor (`\\sigma'(z) \\pd{}{w} \\sum ... + b`) is still an error.

`gradient.md`: the text writes its loss as `C(a^L)`, then `\\delta^L = \\nabla C \\odot
\\sigma'(z^L)`: `\\nabla C` is the gradient by that argument, `\\nabla_a C` (before, an error
asking for the subscript); `\\nabla C(a^L)` is the same gradient at its argument. A wrong layer
and a lost factor are refuted.

`nonlinear.md`: "a non-linear activation $a^l = g(z^l)$", g never defined: a claim that holds
only if g is the identity (`\\delta^l = w^{l+1} \\delta^{l+1}`, the activation's derivative
lost) is refuted (before, unchecked: "holds if g is the identity, which the text may mean").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import parse_document
from derive.infer.capitals import matrix_capitals
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "koerbitz_style"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
V, R, D, E, U = (Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR,
                 Status.UNCHECKED)

EXPECTED = {
    "capitals.md": [
        (11, D, None), (12, D, None), (16, D, None),
        (19, V, None), (23, V, None), (27, V, None), (33, V, None), (37, V, None),
        (43, R, "$i$ and $j$ are exchanged"),
        (47, R, "a transpose is missing: $W^{l+1}$ should be transposed"),
        (51, R, "wrong layer: $a^{l}$ should be $a^{l - 1}$"),
        (55, R, "lacks a factor $\\sigma^{\\prime}\\left(z^{l}_{i}\\right)$"),
    ],
    "operands.md": [
        (11, D, None), (12, D, None),
        (20, V, None), (21, V, None), (22, V, None), (30, V, None), (31, V, None),
        (41, V, None), (42, R, None),
        (50, V, None), (51, R, "the right side is $0$ times the derived value"),
        (57, E, None),
    ],
    "gradient.md": [
        (7, D, None), (8, D, None), (13, D, None),
        (16, V, None), (20, V, None),
        (26, R, "wrong layer: $z^{L-1}$ should be $z^{L}$"),
        (30, R, "lacks a factor $\\sigma^{\\prime}\\left(z^{L}_{j}\\right)$"),
    ],
    "nonlinear.md": [
        (4, D, None), (8, D, None), (9, V, None), (13, D, None),
        (16, V, None),
        (22, R, "lacks a factor $g^{\\prime}\\left(z^{l}\\right)$"),
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/koerbitz_style/{name}")
            for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_correct_forms_verify_and_slips_are_refuted_at_their_line(reports, name: str) -> None:
    assert_verdicts(reports[name], EXPECTED[name])


def test_the_capital_is_read_as_the_matrix_of_the_entries(reports) -> None:
    notes = reports["capitals.md"].notes
    assert ("read as: $W$ read as the matrix of the entries $w_{ij}$ the text writes (one "
            "quantity, $w$, written whole as $W$)") in notes
    assert not any("reads as a matrix with one column per sample" in n for n in notes)


def test_the_inline_definition_is_read_with_the_pages_macro(reports) -> None:
    assert ("read as: $\\delta$ is defined in the prose before its display formula at line 27: "
            "$\\delta^l = \\frac{\\partial C}{\\partial z^l}$ at line 16 is taken as its "
            "definition") in reports["capitals.md"].notes


def _capitals(body: str) -> tuple:
    return matrix_capitals(parse_document(body, "doc.md"))[0].formulas[0].capitals


@pytest.mark.parametrize("body, pairs", [
    ("$$z^l = W^l a^{l-1}$$\n\n$$\\frac{\\partial C}{\\partial w^l_{ij}} = 1$$\n",
     (("W", "w"),)),
    # Z beside z_k (one index): a matrix with a column per sample, not z's entries
    ("$$Z^l = W^l A^{l-1}$$\n\n$$z^l_k = w^l_{kj} a^{l-1}_j$$\n", (("W", "w"),)),
    # W with entries of its own: two quantities, as written
    ("$$z^l = W^l a^{l-1}$$\n\n$$W_{ij} = w^l_{ij}$$\n", ()),
    # w never written by two indices: nothing says W is its matrix
    ("$$z^l = W^l a^{l-1}$$\n\n$$z^l = w^l a^{l-1}$$\n", ()),
])
def test_which_capitals_are_their_lowercases_matrix(body: str, pairs: tuple) -> None:
    assert _capitals(body) == pairs


@pytest.mark.skipif(not (CORPUS / "koerbitz_reinventing-backprop.md").exists(),
                    reason="corpus not present")
def test_koerbitz_vector_part_verifies() -> None:
    rep = check_file(CORPUS / "koerbitz_reinventing-backprop.md")
    at = {(r.line, r.status) for r in rep.results}
    for line in (454, 471, 495, 508, 554, 566, 584, 594, 604, 606):
        assert (line, V) in at, line
    # the bias gradient with an extra dz/dw (lines 357, 358) and the recursion without the
    # activation's derivative, g being the non-linear activation the prose says (408), are the
    # text's slips
    assert {r.line for r in rep.results if r.status is R} == {357, 358, 408}


def test_the_operator_reading_is_said(reports) -> None:
    rep = reports["operands.md"]
    assert ("read as: line 21: the derivative by $w^l_{ij}$ read as taken of all that follows it "
            "on the side, which writes out the quantity the side before differentiates"
            ) in rep.notes
    error = next(r for r in rep.results if r.line == 57)
    assert "where this derivative ends is ambiguous" in error.message


def test_the_gradient_by_the_losss_argument_is_said(reports) -> None:
    assert ("read as: $\\nabla C$ read as $\\nabla_{a} C$, the gradient by the output layer's "
            "$a$: the text writes the loss as $C(a^{L})$") in reports["gradient.md"].notes


@pytest.mark.parametrize("old, new", [
    # the text never applies its loss to an argument
    ("the cost $C(a^L)$", "the cost"),
    # two arguments: which one the gradient is taken by is not said
    ("the cost $C(a^L)$", "the cost $C(a^L)$, or $C(z^L)$"),
])
def test_without_one_argument_nabla_c_asks_for_its_subscript(tmp_path, old: str,
                                                             new: str) -> None:
    text = (DATA / "gradient.md").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new).replace("\\nabla C(a^L)", "\\nabla C")
    doc = tmp_path / "plain.md"
    doc.write_text(text, encoding="utf-8")
    rep = check_file(doc, "plain.md")
    at = [r for r in rep.results if r.line in (16, 20, 26, 30)]
    assert at and all(r.status is E and "write what the gradient is taken with respect to"
                      in r.message for r in at), [(r.line, r.message) for r in at]


def test_a_function_the_prose_calls_non_linear_is_not_the_identity(reports, tmp_path) -> None:
    rep = reports["nonlinear.md"]
    assert ("read as: $g$: the prose at line 4 calls it non-linear: a claim that holds only if "
            "$g$ is the identity is not excused by that reading (to say otherwise: nonlinear)"
            ) in rep.notes
    text = (DATA / "nonlinear.md").read_text(encoding="utf-8")
    assert "then a non-linear" in text
    doc = tmp_path / "linear.md"
    doc.write_text(text.replace("then a non-linear", "then an"), encoding="utf-8")
    slip = next(r for r in check_file(doc, "linear.md").results if r.line == 22)
    assert slip.status is U and "holds if $g$ is the identity" in slip.message
