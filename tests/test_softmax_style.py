"""UFLDL's logistic and softmax regression as written (issues 11, 12): the hypothesis written
with its parameters, `h_\\theta(x)` (the value h; at a sample's input `h_\\theta(x^{(i)})`, h^{(i)};
`J(\\theta)` the cost J), a sum over the samples whose summand is the whole bracket after it
(`\\sum_{i=1}^m y^{(i)} \\log h + (1-y^{(i)}) \\log (1-h)`), a text that defines its hypothesis
again (logistic regression's, then softmax regression's: a part of its own from there), and
softmax regression's redundant parameters (θ^{(j)} - ψ for every j leaves P unchanged).

Hand check (logistic.md): J = -Σ_i [y_i log h_i + (1-y_i) log(1-h_i)], h_i = σ(θᵀx_i), σ' = σ(1-σ),
so ∇_θ J = -Σ_i [y_i (1-h_i) - (1-y_i) h_i] x_i = Σ_i (h_i - y_i) x_i. The slips: y - h (the
negative), θ for x, the extra factor h(1-h) (a squared error's sigmoid slope).
Softmax (overparam.md): exp((θ_k-ψ)ᵀx) / Σ_j exp((θ_j-ψ)ᵀx) = e^{-ψᵀx} exp(θ_kᵀx) / (e^{-ψᵀx}
Σ_j exp(θ_jᵀx)) = P_k, and so with +ψ. The slips: ψ subtracted in the numerator alone (P e^{-ψᵀx}),
e^{+ψᵀx} over e^{-ψᵀx} (P e^{2ψᵀx}), θ^{(k)} for θ^{(j)} in the denominator (e^{ψᵀx}/K).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import parse_document
from derive.latex.hypotheses import written_parameters
from derive.latex.tokens import tokenize
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "softmax_style"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
D, V, R, E = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.ERROR


def test_logistic_hypothesis_with_its_parameters() -> None:
    rep = check_file(DATA / "logistic.md")
    assert_verdicts(rep, [(7, D, None), (13, D, None), (19, V, None), (25, V, None),
                          (31, V, None)])
    notes = " ".join(rep.notes)
    assert "names the parameters it depends on" in notes, notes


def test_logistic_slips() -> None:
    rep = check_file(DATA / "logistic-slips.md")
    assert_verdicts(rep, [(7, D, None), (13, D, None), (19, R, "sign"),
                          (25, R, "should be $x_{j}$"), (31, R, None)])


def test_redundant_parameters() -> None:
    assert_verdicts(check_file(DATA / "overparam.md"),
                    [(8, D, None), (14, D, None), (20, V, None), (28, V, None), (29, V, None),
                     (36, V, None)])


def test_redundant_parameters_slips() -> None:
    assert_verdicts(check_file(DATA / "overparam-slips.md"),
                    [(8, D, None), (14, D, None), (20, V, None), (29, R, "should not be there"),
                     (30, R, "sign of an argument"), (37, R, None)])


def test_a_hypothesis_defined_again_starts_a_model_of_its_own() -> None:
    """Logistic, then softmax regression in one section: each gradient checked in its own (the
    softmax hypothesis, the column of the classes' probabilities, is its definition there)."""
    base = check_file(DATA / "two-models.md")
    assert_verdicts(base, [(7, D, None), (13, D, None), (19, V, None), (26, D, None),
                           (37, D, None), (43, D, None), (49, V, None)])
    assert_verdicts(check_file(DATA / "two-models-slips.md"),
                    [(7, D, None), (13, D, None), (19, R, "sign"), (26, D, None), (37, D, None),
                     (43, D, None), (49, R, None)])


def _texts(latex: str) -> list[str]:
    doc = parse_document(f"$$\n{latex}\n$$\n", "t.md")
    return [t.text for t in tokenize(doc.formulas[0].text, doc.formulas[0])]


def test_a_sum_covers_the_later_terms_that_use_its_index() -> None:
    toks = _texts(r"J = -\left[ \sum_{i=1}^m y^{(i)} a + (1-y^{(i)}) b \right]")
    assert toks[toks.index("m") + 1] == "(" and toks[-3:] == [")", "\\right", "]"], toks


@pytest.mark.parametrize("latex", [
    r"z_i = \sum_{j=1}^{n} w_{ij} x_j + b_i",  # the later term does not use j
    r"J = \sum_{i=1}^{m} a^{(i)} + \sum_{i=1}^{m} b^{(i)}",  # a sum of its own after
    r"J = \sum_{i=1}^{m} (a^{(i)} + b^{(i)})",  # bracketed as written
    r"C = \frac{1}{2n} \sum_x \|y(x) - a^L(x)\|^2.",  # the minus is inside the norm's bars
    r"C = \sum_x |y(x) - a(x)| + \lVert w \rVert",  # bars and \lVert: brackets too
])
def test_a_sum_written_otherwise_is_left_as_written(latex: str) -> None:
    assert _texts(latex).count("(") == latex.count("("), _texts(latex)


@pytest.mark.skipif(not (CORPUS / "ufldl_zh_softmax_regression.md").exists(),
                    reason="corpus not present")
def test_ufldl_logistic_part() -> None:
    """The logistic hypothesis and cost (lines 11, 19) are read as a model of their own, before
    the softmax hypothesis (line 30) defines h again; the softmax checks keep their verdicts."""
    got = {(r.line, r.status) for r in check_file(CORPUS / "ufldl_zh_softmax_regression.md").results}
    assert {(11, D), (19, D), (67, D), (83, D), (90, V), (106, V), (107, V), (108, V)} <= got, got
    # the only refutations: the K = 2 section's hand-checked slips (l.140 one entry for two,
    # l.146/152 the entries swapped: tests/data/vector/CORPUS_TIER2.md)
    assert {line for line, s in got if s is R} <= {140, 147, 153}, got


def test_braced_subscript(tmp_path: Path) -> None:
    """`h_{\\theta}(x^{(i)})` is read as `h_\\theta(x^{(i)})` is."""
    text = (DATA / "logistic.md").read_text(encoding="utf-8").replace("h_\\theta(", "h_{\\theta}(")
    doc = tmp_path / "braced.md"
    doc.write_text(text, encoding="utf-8")
    assert_verdicts(check_file(doc), [(7, D, None), (13, D, None), (19, V, None), (25, V, None),
                                      (31, V, None)])


@pytest.mark.parametrize(("formulas", "found"), [
    ([r"h_\theta(x) = \sigma(\theta^\top x)"], ("\\theta",)),
    ([r"f_\alpha(x) = x^2"], ()),  # alpha is nowhere a name of its own: an index, as written
    ([r"h_\theta(x) = \sigma(\theta^\top x)", r"h_\theta(x) = \tanh(\theta^\top x)"], ()),
    ([r"h_\theta(x) = \begin{bmatrix} \theta_1 x \\\\ \theta_2 x \end{bmatrix}"], ()),
])
def test_which_subscripts_name_parameters(formulas: list[str], found: tuple[str, ...]) -> None:
    """Defined twice (two models) or by a matrix of entries (not read): none is taken."""
    doc = parse_document("".join(f"$$\n{f}\n$$\n\n" for f in formulas), "t.md")
    assert written_parameters([tokenize(f.text, f) for f in doc.formulas]) == found
