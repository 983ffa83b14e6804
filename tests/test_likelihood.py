"""The likelihood of a softmax classifier (issue 11; derive.infer.likelihood,
derive.latex.likelihood), read without front matter (tests/data/likelihood).

Where the text says the outputs are the class probabilities (two inline maths joined by `=`
in the prose, `$\\hat{y}_2$ = $P(y = \\text{dog} \\mid \\mathbf{x})$`, or a formula
`\\hat{y}_k = P(y = k | \\boldsymbol{x})`) and that the labels are one-hot, `P(y | x)` is the
network's likelihood prod_j yhat_j^{y_j} and `P(Y | X)` the product over the samples: the
product, its negative log as the sum of the samples' and as the cross-entropy the text defines
further on verify; the planted slips (a sum for the product, a missing minus, the log of the
wrong class's probability) are refuted at their line. Where the text does not tie P to the
outputs, or does not say the labels are one-hot, or P is of the input given the label, the
rows keep the reason they are not read.
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

DATA = Path(__file__).parent / "data" / "likelihood"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
D, V, R, C, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL,
                 Status.ERROR)
NOT_READ = "a conditional probability (`\\mid`) is not read"
SIGN = "sign: the right side is the negative of the derived value"


def _said(path: Path) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", "-v", str(path)])
    return buf.getvalue()


def _at(rep, line: int):
    (r,) = [r for r in rep.results if r.line == line]
    return r


def test_tied_in_the_prose():
    rep = check_file(DATA / "prose_tie.md", "prose_tie.md")
    assert_verdicts(rep, [
        (7, D, None), (8, D, None), (9, D, None), (13, D, None),
        (20, V, None),  # P(Y|X) = prod_i P(y^(i)|x^(i))
        (26, R, None),  # a sum for the product
        (32, V, None), (33, V, None),  # -log P(Y|X) = sum_i -log P(..) = sum_i l(..)
        (38, D, None), (42, V, None),
        (47, R, SIGN),  # a missing minus
        (52, V, None),  # -log P(y|x) = -sum_j y_j log yhat_j
        (54, R, None),  # the log of the other classes' probabilities
        (58, E, None),  # P(x | y): the input's given the label, not read
    ])
    assert NOT_READ in _at(rep, 58).message
    sum_slip = _at(rep, 26)
    w = sum_slip.counterexample  # a product of probabilities is below their sum
    assert w is not None and float(w.lhs) < float(w.rhs), w
    out = _said(DATA / "prose_tie.md")
    assert ("read as: line 16: the text says the outputs are the class probabilities" in out
            and "(line 17) that the labels y are one-hot" in out
            and "at lines 20, 26, 32, 47, 52, 54, 58" in out), out
    assert "line 32 writes l before the text defines l (line 38)" in out


def test_tied_by_a_formula():
    rep = check_file(DATA / "formula_tie.md", "formula_tie.md")
    assert_verdicts(rep, [
        (7, D, None), (8, D, None), (9, D, None), (15, D, None),
        (19, E, None),  # the tie itself: not a claim about the model
        (24, V, None),  # \prod_{i=1}^{N} over the N examples
        (28, R, None),  # a sum for the product
        (32, V, None),  # P(y|x) = exp(sum_k y_k log yhat_k): a claim, not P's definition
        (34, V, None), (34, V, None),  # -log P(y|x) = cross-entropy = L
        (38, D, None), (38, V, None),
        (42, R, SIGN),  # a missing minus
        (44, R, "wrong index"),  # log yhat_1 whatever the label
    ])


def test_the_wrong_class_is_found_at_a_label_of_another_class():
    """Under the one-hot premise each class is hot at one of the points: `-\\sum_k y_k \\log
    \\hat{y}_1` holds only for the first class's label, and is refuted at another's."""
    r = _at(check_file(DATA / "formula_tie.md", "formula_tie.md"), 44)
    w = r.counterexample
    assert r.status is R and w is not None and w.point.get("y_{1}", w.point.get("y_1")) == "0", w
    assert "$\\hat{y}_{1}$ should be $\\hat{y}_{k}$" in r.diagnosis


@pytest.mark.parametrize("name", ["untied.md", "no_onehot.md"])
def test_not_tied_or_not_one_hot_is_not_read(name):
    rep = check_file(DATA / name, name)
    rows = [r for r in rep.results if "P(" in (r.latex or "")]
    assert len(rows) == 6 and all(r.status is E and NOT_READ in r.message for r in rows), [
        (r.line, r.status.value, r.message) for r in rows]
    assert "the outputs are the class probabilities (" not in _said(DATA / name)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus is not present")
def test_corpus_d2lzh():
    """d2lzh's softmax regression: `$\\hat{y}_1$=$P(y=\\text{猫} \\mid \\mathbf{x})$` (l.175) and
    its one-hot labels (l.177): the likelihood (l.181) and its negative log, as the sum of the
    samples' and of the cross-entropy l defined at l.193 (l.187-188), verify."""
    path = CORPUS / "d2lzh_softmax-regression.md"
    rep = check_file(path, path.name)
    got = [(r.line, r.status) for r in rep.results if r.line in (181, 187, 188)]
    assert got == [(181, V), (187, V), (188, V)], got
    assert "read as: line 175: the text says the outputs are the class probabilities" in _said(
        path)


def test_a_label_written_as_an_exponent_is_a_power_not_a_layer():
    """`\\hat{y}_k^{y_k}`: the superscript is an entry of a name the text uses, a power; read as
    a layer tag it made every formula one of "variables of its own" (noticed at stop 23)."""
    rep = check_file(DATA / "power_exponent.md", "power_exponent.md")
    got = {r.line: r for r in rep.results}
    assert got[5].status is D and got[21].status is D
    assert got[25].status is V
    assert got[29].status is R and SIGN in (got[29].diagnosis or "")
    assert not any("C_(y" in f or "C_{y" in f for f in rep.notes), rep.notes
