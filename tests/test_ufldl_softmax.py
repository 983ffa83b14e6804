"""UFLDL's logistic and softmax regression as written (issues 11, 12): vectors θ and x without
indices, their inner product θ^T x a number, the hypothesis h and the cost J numbers defined in
vector form, gradients shaped like θ (written ∂J/∂θ or ∇_θ J), and, with two classes, the
redundant parametrisation (subtracting ψ from both parameter vectors leaves p unchanged).

The documents are in tests/data/ufldl_softmax/, without front matter: each correct one must give
only definitions and verified rows, and its slips variant must be refuted at every planted slip
(with the diagnosis named) and keep every other row's verdict. The table below is the hand
check: every row was differentiated by hand (d/dθ of -[y log h + (1-y) log(1-h)] with
h = 1/(1+e^{-θ^T x}) is (h - y) x; with p = e^a/(e^a + e^b), a = θ^T x, b = ψ^T x, dp/db =
-p(1-p), so ∇_ψ J = (y - p) x).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status
from tests.conftest import assert_row_cases, results_by_line

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "ufldl_softmax"
CORPUS = ROOT.parent / "shared" / "corpus"

D, V, R, U = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED

# file -> line -> (verdict, a piece of the line's text, words one of which the finding says)
CASES: dict[str, dict[int, tuple[Status, str, tuple[str, ...]]]] = {
    "logistic.md": {
        7: (D, r"\exp(-\theta^\top x)", ()),
        13: (D, r"(1 - y) \log (1 - h)", ()),
        19: (V, r"= (h - y) x", ()),
        25: (V, r"x (h - y)", ()),
        31: (V, r"\frac{1}{1 + \exp(-\theta^\top x)} - y", ()),
    },
    "logistic-slips.md": {
        7: (D, r"\exp(-\theta^\top x)", ()),
        13: (D, r"(1 - y) \log (1 - h)", ()),
        19: (R, r"= (y - h) x", ("sign",)),  # the sign of the gradient
        25: (U, r"\nabla_\theta J = h - y", ("shape mismatch",)),  # x missing: a number
        31: (R, r"\exp(\theta^\top x)", ("sign of an argument",)),  # e^{θ^T x} for e^{-θ^T x}
    },
    "two-class.md": {
        8: (D, r"\exp(\psi^\top x)", ()),
        14: (D, r"(1 - y) \log (1 - p)", ()),
        21: (V, r"\exp((\psi - \psi)^\top x)", ()),  # ψ subtracted from both: p unchanged
        22: (V, r"\exp(-(\theta - \psi)^\top x)", ()),  # the logistic form
        28: (V, r"\nabla_\theta J = (p - y) x", ()),
        32: (V, r"\nabla_\psi J = (y - p) x", ()),
    },
    "two-class-slips.md": {
        8: (D, r"\exp(\psi^\top x)", ()),
        14: (D, r"(1 - y) \log (1 - p)", ()),
        21: (V, r"\exp((\psi - \psi)^\top x)", ()),
        # UFLDL's own slip (l.146): the other class's probability, e^{+u} for e^{-u}
        22: (R, r"\exp((\theta - \psi)^\top x)", ("sign of an argument",)),
        28: (R, r"\nabla_\theta J = (y - p) x", ("sign",)),
        32: (R, r"\nabla_\psi J = (p - y) x", ("sign",)),  # the other class's gradient
    },
}


def _results(name: str) -> dict[int, list]:
    return results_by_line(DATA / name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdicts(name: str) -> None:
    assert_row_cases(DATA / name, CASES[name])


def test_shape_mismatch_names_both_shapes() -> None:
    (r,) = _results("logistic-slips.md")[25]
    assert "C_{1} \\times 1" in r.message and "a scalar" in r.message, r.message


def test_inner_product_is_read_as_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    """θ and x are vectors of one size (their inner product is taken); h and J are numbers."""
    code = main(["notation", str(DATA / "logistic.md")])
    out = capsys.readouterr().out
    assert code == 0
    assert 'quantities."\\\\theta"' in out and 'shape = ["C_1"]' in out
    assert "[quantities.x]" in out and "[quantities.h]" in out
    assert out.count('shape = ["C_1"]') == 2, out  # θ and x; h and J have no shape


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(DATA / "logistic-slips.md"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["summary"]["refuted"] == 2 and data["summary"]["error"] == 0


def test_division_by_a_vector_is_still_refused(tmp_path: Path) -> None:
    """A denominator with entries (a vector, not an inner product) stays an error, placed."""
    doc = tmp_path / "d.md"
    doc.write_text("# t\n\n$$\nh = \\frac{1}{1 + \\exp(-\\theta^\\top x)}\n$$\n\n$$\n"
                   "g = \\frac{x}{\\theta}\n$$\n", encoding="utf-8")
    got = {r.line: r for r in check_file(doc).results}
    assert got[4].status == D
    assert got[8].status in (Status.ERROR, U) and "division" in got[8].message, got[8].message


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/ is absent")
def test_corpus_softmax_no_false_alarm() -> None:
    """No refutation in UFLDL's softmax regression but its hand-confirmed mistakes
    (tests/data/vector/CORPUS_TIER2.md: l.146 and l.152, the entries of the K = 2 hypothesis
    swapped, refuted at their steps' matrices on l.147 and l.153; l.140, a vector of one entry
    for the two of K = 2)."""
    report = check_file(CORPUS / "ufldl_zh_softmax_regression.md")
    refuted = {r.line: r for r in report.results if r.status == R}
    assert set(refuted) <= {140, 146, 147, 152, 153}, refuted
    assert all("entries swapped" in refuted[k].diagnosis for k in (147, 153)), refuted
    assert "has 1 entry where the left side has 2" in refuted[140].diagnosis


def test_a_decorated_number_defined_in_vector_form(tmp_path: Path) -> None:
    """`\\hat{y} = \\frac{1}{1 + \\exp(-w^\\top x)}` defines the number ŷ (not a given one: a
    given ŷ would make ∂L/∂w vanish, and the correct gradient refuted)."""
    doc = tmp_path / "y.md"
    doc.write_text("# t\n\n$$\n\\hat{y} = \\frac{1}{1+\\exp(-w^\\top x)}\n$$\n\n$$\n"
                   "L = -\\left( y \\log \\hat{y} + (1-y) \\log (1-\\hat{y}) \\right)\n$$\n\n$$\n"
                   "\\frac{\\partial L}{\\partial w} = (\\hat{y} - y) x\n$$\n\n$$\n"
                   "\\frac{\\partial L}{\\partial w} = \\hat{y} x\n$$\n", encoding="utf-8")
    got = {r.line: r.status for r in check_file(doc).results}
    assert got == {4: D, 8: D, 12: V, 16: R}, got


def test_a_slip_in_a_claim_does_not_shrink_a_shared_size() -> None:
    """θ and x of θ^T x share a size; the slip ∇_θ J = h - y (a number) must not make it 1,
    which would read θ and x as numbers and the other rows as scalar calculus."""
    report = check_file(DATA / "logistic-slips.md")
    notes = " ".join(report.notes)
    assert "$\\theta$ is a vector of shape $C_1$" in notes, notes
    assert "$x$ is a vector of shape $C_1$" in notes, notes
