"""Softmax regression's parameters as the columns of one matrix (issue 11): a row that writes the
class matrix as the row of its columns, `\\theta = [\\theta^{(1)} \\cdots \\theta^{(K)}]` (in an
`array` whose rows of bars draw the columns, or a `bmatrix` without them), is notation: the
columns are the class vectors the tool reads `\\theta^{(k)}` as (derive.infer.columns), so the row
is reported as read notation, and a listing whose columns do not run 1, ..., K is said, never
taken as notation. Around it, the gradients of the cost and of the cost with weight decay, in
θ-column notation (with a probability `p^{(i)}_k` defined apart, and the decay added in a cost
of its own, `E = J + \\frac{\\lambda}{2} \\sum_k \\|\\theta^{(k)}\\|^2`: the labels are still
found, through J) and in a notation with other letters (w^{(c)}, t^{(i)}, classes c and d).

The documents are in tests/data/softmax_entries/, without front matter. The hand check of every
verdict: with p_k = e^{θ^{(k)T} x} / Σ_j e^{θ^{(j)T} x} and J = -Σ_i Σ_k 1{y^{(i)} = k} log
p^{(i)}_k, ∂J/∂θ^{(k)} = -Σ_i x^{(i)} (1{y^{(i)} = k} - p^{(i)}_k) for one-hot labels (d log p_c /
dθ^{(k)} = (δ_{ck} - p_k) x, and Σ_c 1{y = c} = 1); the decay adds λ θ^{(k)}. The slips: the
sign of the whole gradient; λ θ^{(1)} for λ θ^{(k)} (a wrong index); the indicator left out of
the gradient (Σ_i p x^{(i)} is not Σ_i (p - 1{t = c}) x^{(i)}); the columns numbered from 0, and
a last column named after the samples' count m where the classes run to K. With two classes
(tests/data/softmax_entries/zero-vector*.md) the zero vector `\\vec{0}`, `\\mathbf{0}` takes the
shape its place needs (derive.tensor.zero): e^{(θ-ψ)^T x} / (e^{(θ-ψ)^T x} + e^{\\vec{0}^T x}) is
e^{θ^T x} / (e^{θ^T x} + e^{ψ^T x}) = p (the slip adds 1 to the denominator: e^0 counted twice),
and ∇_θ J = (p - y) x + \\mathbf{0} with J the logistic cost of p (the slip: its sign).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_row_cases

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "softmax_entries"
CORPUS = ROOT.parent / "shared" / "corpus"

D, V, R, E = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.ERROR

# file -> line -> (verdict, a piece of the line's text, words one of which the finding says)
CASES: dict[str, dict[int, tuple[Status, str, tuple[str, ...]]]] = {
    "theta-columns.md": {
        7: (D, r"p^{(i)}_k = \frac", ()),
        13: (D, r"\theta^{(1)} & \theta^{(2)} & \cdots & \theta^{(K)}", ("columns",)),
        19: (D, r"\log p^{(i)}_k", ()),
        25: (V, r"- \sum_{i=1}^{m} x^{(i)}", ("one-hot",)),
        31: (D, r"\frac{\lambda}{2}", ()),
        35: (V, r"+ \lambda \theta^{(k)}", ("one-hot",)),
    },
    "theta-columns-slips.md": {
        7: (D, r"p^{(i)}_k = \frac", ()),
        13: (E, r"\theta^{(0)} & \theta^{(1)}", ("0, 1, …, k",)),  # numbered from 0
        19: (D, r"\log p^{(i)}_k", ()),
        25: (R, r"J = \sum_{i=1}^{m} x^{(i)}", ("sign",)),
        31: (D, r"\frac{\lambda}{2}", ()),
        35: (R, r"+ \lambda \theta^{(1)}", ("wrong index",)),  # the decay at class 1
    },
    "w-columns.md": {
        7: (D, r"w^{(1)} & w^{(2)} & \cdots & w^{(K)}", ("columns",)),
        14: (D, r"1\{t^{(i)} = c\}", ()),
        20: (V, r"- 1\{t^{(i)} = c\} \right) x^{(i)}", ()),
    },
    "w-columns-slips.md": {
        8: (E, r"w^{(m)}", ("1, 2, …, m",)),  # the last column named after the samples' count
        15: (D, r"1\{t^{(i)} = c\}", ()),
        21: (R, r"x^{(i)})} x^{(i)}", ()),  # the indicator left out
    },
    "zero-vector.md": {
        8: (D, r"\exp(\psi^\top x)", ()),
        14: (D, r"(1 - y) \log (1 - p)", ()),
        21: (V, r"+ \exp(\vec{0}^\top x)}", ()),  # ψ - ψ written as the zero vector
        22: (V, r"\exp(-(\theta - \psi)^\top x)", ()),
        28: (V, r"(p - y) x + \mathbf{0}", ()),  # a zero vector shaped like x
    },
    "zero-vector-slips.md": {
        8: (D, r"\exp(\psi^\top x)", ()),
        14: (D, r"(1 - y) \log (1 - p)", ()),
        21: (R, r"+ \exp(\vec{0}^\top x) + 1}", ()),  # e^0 counted twice
        22: (V, r"\exp(-(\theta - \psi)^\top x)", ()),
        28: (R, r"(y - p) x + \mathbf{0}", ("sign",)),
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdicts(name: str) -> None:
    assert_row_cases(DATA / name, CASES[name])


def test_a_listing_of_a_name_that_is_no_class_matrix_is_not_notation(tmp_path: Path) -> None:
    """`W = [W^{(1)} \\cdots W^{(K)}]` where nothing sums W^{(k)} over the classes: no class
    matrix, so the row is not taken as its notation (whatever else it is, not a definition)."""
    doc = tmp_path / "w.md"
    doc.write_text("# t\n\n$$\nJ = \\sum_{k=1}^{K} \\theta^{(k)\\top} x\n$$\n\n$$\n"
                   "W = \\begin{bmatrix} W^{(1)} & \\cdots & W^{(K)} \\end{bmatrix}\n$$\n",
                   encoding="utf-8")
    got = {r.line: r for r in check_file(doc).results}
    assert "columns of the matrix" not in got[8].message, got[8].message


def test_a_zero_vector_nothing_sizes_is_no_pass(tmp_path: Path) -> None:
    """`\\nabla_\\theta J = \\vec{0}`: a zero vector alone has no shape read; never verified."""
    doc = tmp_path / "z.md"
    doc.write_text("# t\n\n$$\np = \\frac{1}{1 + \\exp(-\\theta^\\top x)}\n$$\n\n$$\n"
                   "J = -[y \\log p + (1-y) \\log(1-p)]\n$$\n\n$$\n"
                   "\\nabla_\\theta J = \\vec{0}\n$$\n", encoding="utf-8")
    got = {r.line: r.status for r in check_file(doc).results}
    assert got[4] == D and got[8] == D and got[12] not in (V, D), got


def test_an_entry_in_vector_form_is_said(tmp_path: Path) -> None:
    """A matrix written by its entries, each an inner product in vector form (the hypothesis of
    two classes): each entry is a number (1 x 1) and is read as one, no error; an entry in
    vector form that is no number (the vector `\\theta^{(1)}`) is an error that says so."""
    doc = tmp_path / "e.md"
    base = (DATA / "theta-columns.md").read_text(encoding="utf-8")
    doc.write_text(base + "\n$$\nh = \\frac{1}{\\exp(\\theta^{(1)\\top} x) + \\exp(\\theta^{(2)\\top} x)}"
                   " \\begin{bmatrix} \\exp(\\theta^{(1)\\top} x) \\\\ "
                   "\\exp(\\theta^{(2)\\top} x) \\end{bmatrix}\n$$\n", encoding="utf-8")
    got = [r for r in check_file(doc).results if r.line == 39]
    assert got and got[0].status not in (E, R, V), got  # read; h has no definition here
    assert "given in the model" in got[0].message, got[0].message
    doc.write_text(base + "\n$$\nh = \\begin{bmatrix} \\theta^{(1)} \\\\ "
                   "\\exp(\\theta^{(2)\\top} x) \\end{bmatrix}\n$$\n", encoding="utf-8")
    got = [r for r in check_file(doc).results if r.line == 39]
    assert got and got[0].status == E, got
    assert "written in vector form" in got[0].message and "is not a number" in got[0].message


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/ is absent")
def test_corpus_ufldl_columns() -> None:
    """UFLDL's `\\theta = [ | ; \\theta^{(1)} \\cdots \\theta^{(K)} ; | ]` (l.54) is read as the
    class matrix's notation."""
    report = check_file(CORPUS / "ufldl_zh_softmax_regression.md")
    (r,) = [r for r in report.results if r.line == 54]
    assert r.status == D and "columns of the matrix" in r.message, r.message
