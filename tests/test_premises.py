"""A premise on the labels stated in words (issue 11; derive.infer.premises), read without front
matter (tests/data/premises): "with a one-hot label $y$", "独热标签向量$\\mathbf{y}$", "exactly one
of the $y_k$ is 1", "whose entries sum to one", a remark `// the labels sum to 1` inside a
derivation. Each is read as the premise a formula would state (`y \\in \\{(1, 0, ...), ...\\}`,
`\\sum_j y_j = 1`), said in the "read as" summary with its line; the claim that needs it
(`\\partial L / \\partial z_j = p_j - y_j`) verifies, given that premise, and the planted slips (a
sign, an extra factor y_j) stay refuted. A sentence that says it of another quantity, negates
it or makes it a condition ("if $y$ is one-hot"), or names the labels only as what something
sums or is a distribution over reads nothing: the claim stays conditional.
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

DATA = Path(__file__).parent / "data" / "premises"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
D, V, R, C = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL

STATED = [(5, D, None), (9, D, None), (13, V, None), (15, V, None), (19, R, "sign"),
          (21, R, "extra factor: $y_{j}$ should not be")]
UNSTATED = [(5, D, None), (9, D, None), (13, V, None), (15, C, None), (19, R, "sign"),
            (21, R, "extra factor: $y_{j}$ should not be")]


def _said(path: Path) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", "-v", str(path)])
    return buf.getvalue()


@pytest.mark.parametrize(("name", "rule", "words"), [
    ("onehot.md", "are one-hot", "one-hot"), ("exactly.md", "are one-hot", "exactly one of"),
    ("sums.md", "sum to one", "sum to one")])
def test_a_premise_in_words_is_read(name, rule, words):
    rep = check_file(DATA / name, name)
    assert_verdicts(rep, STATED)
    p = next(r for r in rep.results if r.line == 15)
    assert "given the text's premise" in p.message, p.message
    out = _said(DATA / name)
    assert f"read as: line 7: the text says in words that the labels y {rule} (`{words}" in out


@pytest.mark.parametrize("name", ["unrelated.md", "negated.md", "distribution.md", "over.md",
                                  "when.md"])
def test_what_is_not_said_of_the_labels_is_not_read(name):
    assert_verdicts(check_file(DATA / name, name), UNSTATED)
    assert "says in words" not in _said(DATA / name)


def test_chinese():
    assert_verdicts(check_file(DATA / "zh.md", "zh.md"),
                    [(5, D, None), (10, D, None), (14, V, None), (18, R, "sign")])
    assert "line 7: the text says in words that the labels y are one-hot (`独热`)" in _said(
        DATA / "zh.md")


@pytest.mark.parametrize(("name", "last"), [("remark.md", (17, V, None)),
                                            ("remark-slip.md", (17, R, "sign"))])
def test_a_remark_in_the_derivation(name, last):
    assert_verdicts(check_file(DATA / name, name),
                    [(5, D, None), (9, D, None), (15, V, None), (16, V, None), last])
    assert "line 16: the text says in words that the labels y sum to one (`sum to 1`)" in _said(
        DATA / name)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus is not present")
def test_corpus_premises():
    """yizt's remark `//所有真实标签的概率之和为1` (l.177) makes its last step (l.178) verified; seed_07
    assumes only y_j in {0, 1} in words and formulas, so its two rows stay conditional."""
    rep = check_file(CORPUS / "yizt_0_1_fc_loss_backprop.md", "yizt")
    last = [r for r in rep.results if r.line == 178]
    assert [r.status for r in last] == [V] and "sum to one" in last[0].message
    rep = check_file(CORPUS / "seed_07_backprop.rst", "seed")
    assert [r.status for r in rep.results if r.line in (145, 154)] == [C, C]
