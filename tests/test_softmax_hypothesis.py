"""Softmax regression's hypothesis written as a column (issues 11, 12): `h_\\theta(x) =
[P(y = 1 | x; \\theta); \\ldots; P(y = K | x; \\theta)] = \\frac{1}{\\sum_j \\exp(\\theta^{(j)\\top}
x)} [\\exp(\\theta^{(1)\\top} x); \\ldots; \\exp(\\theta^{(K)\\top} x)]`. The first side is the
definition of the vector h (its entry k the class probability P(y = k | x; θ) the text names,
derive.infer.entry_column; its parameters θ dropped, derive.latex.hypotheses: a column for any K
is read, a later matrix of two restates it), the second a claim checked against the text's
definition of P, wherever it stands in the part (the hypothesis may come first: its claim waits
for P, derive.check). `h_\\theta(x^{(i)})_k` is the entry k of the hypothesis at sample i's input.

The documents are in tests/data/softmax_hypothesis/, without front matter: `column*.md` with
`bmatrix`, `\\exp`, P defined before the hypothesis, `array*.md` with `\\left[\\begin{array}{c}`,
`\\mid`, the sum over c, P defined after the hypothesis and the hypothesis applied. The hand check:
P_k = e^{θ^{(k)T} x} / Σ_c e^{θ^{(c)T} x}, so the column (1/Σ_c e^{θ^{(c)T} x}) [e^{θ^{(k)T}
x}]_k is h; J = -Σ_i Σ_k 1{y^{(i)} = k} log P^{(i)}_k = -Σ_i Σ_k 1{y^{(i)} = k} log h^{(i)}_k;
∂J/∂θ^{(k)} = -Σ_i x^{(i)} (1{y^{(i)} = k} - P^{(i)}_k) for one-hot labels. The slips: the
exponential left out of the entries (θ^{(k)T} x / Σ e^{...}), the normaliser summing one class
(Σ_c e^{θ^{(1)T} x} = K e^{θ^{(1)T} x}, its index a wrong one), and the hypothesis's entry 1
where the cost reads entry k (a wrong index).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from derive.check import check_file
from derive.latex import Index
from derive.results import Status
from derive.tensor import Tensor
from derive.tensor.lowering import Fresh
from derive.tensor.pattern import Pattern
from derive.tensor.shapes import ONE, Shape
from tests.conftest import assert_row_cases

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "softmax_hypothesis"
CORPUS = ROOT.parent / "shared" / "corpus"

D, V, R, E, U = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.ERROR,
                 Status.UNCHECKED)

# file -> line -> (verdict, a piece of the line's text, words one of which the finding says)
CASES: dict[str, dict[int, tuple[Status, str, tuple[str, ...]]]] = {
    "column.md": {
        7: (D, r"P(y^{(i)} = k | x^{(i)} ; \theta) = \frac", ()),
        13: (D, r"h_\theta(x) =", ()),
        21: (V, r"\frac{1}{ \sum_{j=1}^{K}", ()),
        33: (D, r"\log P(y^{(i)} = k | x^{(i)} ; \theta)", ()),
        39: (V, r"\nabla_{\theta^{(k)}} J(\theta)", ("one-hot",)),
    },
    "column-slips.md": {
        7: (D, r"P(y^{(i)} = k | x^{(i)} ; \theta) = \frac", ()),
        13: (D, r"h_\theta(x) =", ()),
        21: (R, r"\frac{1}{ \sum_{j=1}^{K}", ()),  # the entries without their exponential
        33: (D, r"\log P(y^{(i)} = k | x^{(i)} ; \theta)", ()),
        39: (V, r"\nabla_{\theta^{(k)}} J(\theta)", ("one-hot",)),
    },
    "array.md": {
        7: (D, r"h_{\theta}(x) = \left[ \begin{array}{c}", ()),
        13: (V, r"\sum_{c=1}^{K} \exp(\theta^{(c)\top} x)", ()),
        25: (D, r"P(y^{(i)} = k \mid x^{(i)}; \theta) = \frac", ()),
        31: (D, r"\log P(y^{(i)} = k \mid x^{(i)}; \theta)", ()),
        32: (V, r"\log h_\theta(x^{(i)})_k", ()),
        38: (V, r"- h_\theta(x^{(i)})_k \right)", ("one-hot",)),
    },
    "array-slips.md": {
        7: (D, r"h_{\theta}(x) = \left[ \begin{array}{c}", ()),
        13: (R, r"\sum_{c=1}^{K} \exp(\theta^{(1)\top} x)", ("wrong index",)),  # one class
        25: (D, r"P(y^{(i)} = k \mid x^{(i)}; \theta) = \frac", ()),
        31: (D, r"\log P(y^{(i)} = k \mid x^{(i)}; \theta)", ()),
        32: (R, r"\log h_\theta(x^{(i)})_1", ("wrong index",)),  # entry 1 for entry k
        38: (V, r"- h_\theta(x^{(i)})_k \right)", ("one-hot",)),
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdicts(name: str) -> None:
    assert_row_cases(DATA / name, CASES[name])


def test_the_probabilities_defined_later_are_said() -> None:
    """The hypothesis before the probabilities it lists: its claim is checked against their
    definition further on, and the notes say so."""
    notes = " ".join(check_file(DATA / "array.md").notes)
    assert "line 7 reads the quantity $P$ before the text defines $P$ (line 25)" in notes, notes


def test_a_column_of_two_is_no_column_for_any_length(tmp_path: Path) -> None:
    """A hypothesis written only as a matrix of two entries (no ellipsis) is not the column of
    any length: its parameters are not read, as before (never a verdict by a wrong length)."""
    doc = tmp_path / "two.md"
    doc.write_text("# t\n\n$$\nh_\\theta(x) = \\begin{bmatrix} \\exp(\\theta^{(1)\\top} x) \\\\ "
                   "\\exp(\\theta^{(2)\\top} x) \\end{bmatrix}\n$$\n\n$$\nJ(\\theta) = "
                   "-\\sum_{k=1}^{K} 1\\{y = k\\} \\log \\theta^{(k)\\top} x\n$$\n",
                   encoding="utf-8")
    got = {r.line: r.status for r in check_file(doc).results}
    assert got[4] not in (D, V, R), got


class _Entry(Tensor):
    """A number in vector form whose lowering sums over the first fresh letter: θ_{s,c} x_s,
    with c the pattern's letter."""

    def __init__(self, letter: sympy.Symbol) -> None:
        self.letter = letter

    def shape(self) -> Shape:
        return Shape(ONE, ONE)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = fresh()
        return sympy.Sum(sympy.Indexed("t", s, self.letter) * sympy.Indexed("x", s), (s, 1, 3))


def test_a_pattern_entry_sums_over_no_letter_of_its_own() -> None:
    """The entry of a column in vector form (`\\exp(\\theta^{(c)\\top} x)`) lowered with its own
    summation index: that index is never the pattern's letter, nor the entry's index put in its
    place (no capture: Σ_s θ_{s c} x_s at c = s is not Σ_s θ_{s s} x_s)."""
    k, p = Index("k"), Index("p")
    fresh = Fresh({"k"}, Index)  # its first letter is p: the pattern's letter
    got = Pattern(_Entry(p), p, sympy.Integer(3), None, None, "").lower(k, ONE, fresh)
    (total,) = [a for a in sympy.preorder_traversal(got) if isinstance(a, sympy.Sum)]
    s = total.limits[0][0]
    assert s not in (p, k), got
    assert total.function == sympy.Indexed("t", s, k) * sympy.Indexed("x", s), got


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/ is absent")
def test_corpus_ufldl_hypothesis_column() -> None:
    """UFLDL's softmax hypothesis (l.30, the column of P(y = k | x; θ)) is its definition, and
    its normalised column of exponentials (l.38) verified against P's definition at l.83."""
    got = {r.line: r for r in check_file(CORPUS / "ufldl_zh_softmax_regression.md").results}
    assert got[30].status == D and got[38].status == V, (got[30].message, got[38].message)


def test_the_column_written_again_is_no_definition_again(tmp_path: Path) -> None:
    """The hypothesis defined as the column of its entries, then written again for two classes
    in a section of its own: a claim about it, never its definition again."""
    doc = tmp_path / "again.md"
    doc.write_text((DATA / "column.md").read_text(encoding="utf-8")
                   + "\n## Two classes\n\n$$\nh_\\theta(x) = \\frac{1}{\\exp(\\theta^{(1)\\top} x)"
                   " + \\exp(\\theta^{(2)\\top} x)} \\begin{bmatrix} \\exp(\\theta^{(1)\\top} x) "
                   "\\\\ \\exp(\\theta^{(2)\\top} x) \\end{bmatrix}\n$$\n", encoding="utf-8")
    rep = check_file(doc)
    got = [r for r in rep.results if r.line == 45]
    assert got and all(r.status != D for r in got), [(r.status, r.message) for r in got]
    assert any("$h$: defined at line 13" in n for n in rep.notes), rep.notes
    assert not any("$h$: defined at lines" in n for n in rep.notes), rep.notes
