"""UFLDL's softmax regression with K classes (issues 11, 12), read as written: the parameter
vector θ^{(k)} of class k (a column of one matrix θ: its letter is summed, transposed, over the
classes in the softmax's denominator, so it is no layer tag), the indicator 1{y^{(i)} = k} of the
sample's class (the entry k of the one-hot label), the gradient ∇_{θ^{(k)}} J with respect to one
class's parameters, the weight decay λ/2 Σ_k ‖θ^{(k)}‖², and the parameters shared by the m
samples of the cost (a given quantity the text differentiates by, never written with a sample's
superscript), also read entry by entry (tests/data/ufldl_softmax/entries-samples*.md).

Hand check: J = -Σ_i Σ_k y_k^{(i)} (u_k^{(i)} - log Σ_j e^{u_j^{(i)}}) with
u_k^{(i)} = Σ_a θ_{ak} x_a^{(i)}; ∂u_c^{(i)}/∂θ_{ak} = [c = k] x_a^{(i)}, so
∂J/∂θ_{ak} = -Σ_i x_a^{(i)} (y_k^{(i)} - (Σ_c y_c^{(i)}) p_k^{(i)}), which is
-Σ_i x_a^{(i)} (y_k^{(i)} - p_k^{(i)}) for one-hot labels; with λ/2 Σ_k ‖θ^{(k)}‖² the gradient
gains λ θ^{(k)}. The slips: the indicator dropped (-Σ_i x^{(i)}(-p_k), off by Σ_i x^{(i)} 1{..}),
the sign inside the bracket, θ^{(k)} for θ^{(l)} in the denominator's sum, λθ^{(k)} dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "ufldl_softmax"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED


def test_classes_verify() -> None:
    rep = check_file(DATA / "classes.md")
    assert_verdicts(rep, [(8, D, None), (14, V, None), (20, V, None), (26, V, None),
                          (32, D, None), (36, V, None)])
    by_line = {r.line: r for r in rep.results}
    assert "one-hot" in by_line[14].message  # the indicator's premise, said
    notes = " ".join(rep.notes)
    assert "column of the matrix" in notes and "one-hot" in notes, notes


def test_classes_slips() -> None:
    rep = check_file(DATA / "classes-slips.md")
    assert_verdicts(rep, [(8, D, None), (14, R, None), (20, R, "sign"),
                          (26, R, "wrong index"), (32, D, None), (36, R, None)])


def test_class_index_is_no_layer_and_no_sample(capsys: pytest.CaptureFixture[str]) -> None:
    """θ^{(k)}: a matrix of one column per class; the sample stays i, x a vector."""
    assert main(["notation", str(DATA / "classes.md")]) == 0
    text = capsys.readouterr().out
    theta = _block(text, '[quantities."\\\\theta"]')
    assert 'shape = ["C_1", "K"]' in theta and "layers" not in theta, text  # K: the classes'
    assert 'shape = ["K"]' in _block(text, "[quantities.y]"), text
    assert 'sample = "i"' in text and 'K = "C_n"' in text, text
    assert 'shape = ["C_1"]' in _block(text, "[quantities.x]"), text


def test_entries_over_the_samples_verify() -> None:
    """θ is one for all samples: ∂J/∂θ_{ak} sums every sample's term (a per-sample θ would
    keep one sample's and refute the correct gradient)."""
    assert_verdicts(check_file(DATA / "entries-samples.md"),
                    [(7, D, None), (13, D, None), (19, V, None), (23, V, None)])


def test_entries_over_the_samples_slips() -> None:
    assert_verdicts(check_file(DATA / "entries-samples-slips.md"),
                    [(7, D, None), (13, D, None), (19, R, "sign"), (23, R, None)])


def _block(text: str, head: str) -> str:
    return text.split(head + "\n")[1].split("\n[")[0]


def test_the_shared_parameter_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    """θ, differentiated by and never per sample, is a parameter; x^{(i)}, y^{(i)} are not."""
    assert main(["notation", str(DATA / "entries-samples.md")]) == 0
    text = capsys.readouterr().out
    assert "parameter = true" in _block(text, '[quantities."\\\\theta"]'), text
    assert "parameter" not in _block(text, "[quantities.x]"), text
    assert "parameter" not in _block(text, "[quantities.y]"), text


def test_class_probability_verifies() -> None:
    """P(y^{(i)} = k | x^{(i)}; θ) is the model's probability of class k (an entry of a vector
    per sample); subtracting ψ from every θ^{(j)} leaves it unchanged, step by step."""
    assert_verdicts(check_file(DATA / "probability.md"),
                    [(7, D, None), (13, D, None), (19, V, None), (27, V, None), (28, V, None)])


def test_class_probability_slips() -> None:
    """The gradient's sign; ψ subtracted in the numerator only (the shift no longer cancels)."""
    assert_verdicts(check_file(DATA / "probability-slips.md"),
                    [(7, D, None), (13, D, None), (19, R, "sign"), (27, R, "should not be"),
                     (28, V, None)])


def test_other_conditional_probabilities_stay_unread(tmp_path: Path) -> None:
    """Only P(label = index | input; parameters) is read; -log P(Y | X) stays a placed error."""
    doc = tmp_path / "p.md"
    doc.write_text("# t\n\n$$\n-\\log P(\\mathbf{Y} \\mid \\mathbf{X}) = 0\n$$\n",
                   encoding="utf-8")
    (r,) = check_file(doc).results
    assert r.status == Status.ERROR and "conditional probability" in r.message, r.message


CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/ is absent")
def test_corpus_ufldl_softmax_classes() -> None:
    """UFLDL's softmax cost (l.67), class probability (l.83), the class gradient (l.90, right)
    and the ψ shift (l.105-108, right) read as written; checked by hand."""
    got = {(r.line, r.status) for r in check_file(CORPUS / "ufldl_zh_softmax_regression.md").results}
    for line, status in ((67, D), (83, D), (90, V), (106, V), (107, V), (108, V)):
        assert (line, status) in got, (line, sorted(got))
