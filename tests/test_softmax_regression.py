"""Softmax regression as d2l writes it, read without front matter (tests/data/softmax_regression):
a one-layer model beside samples written `x^{(i)}` (a sample's superscript is no layer tag, so
the formulas without it are the network's, not formulas of their own), the loss written with
its arguments `l(\\mathbf{y}, \\hat{\\mathbf{y}})`, the operator-form derivative `\\partial_{o_j} l`,
and weights written entry by entry (`w_{11}`). The correct derivation verifies (the steps that
need the labels to sum to one only given the text's premise, conditional without it); the
planted slips are refuted at their line with the right diagnosis."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status

DATA = Path(__file__).parent / "data" / "softmax_regression"
CORPUS = Path(__file__).parent.parent.parent / "shared" / "corpus"
D, V, R, C, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL,
                 Status.ERROR)


def _by_line(path: Path) -> dict[int, object]:
    return {r.line: r for r in check_file(path).results}


def test_the_one_layer_model_is_read_beside_sample_superscripts():
    results = _by_line(DATA / "softmax.md")
    for line in (13, 19, 25, 31):  # o_j, yhat_j, the loss l(y, yhat), the premise sum y_j = 1
        assert results[line].status == D, line
    # the batch loss over the samples is not read: said, not guessed
    assert results[7].status == E and "`L`" in results[7].message


def test_correct_derivation_verifies():
    results = check_file(DATA / "softmax.md").results
    claims = [(r.line, r.status) for r in results if r.status not in (D, E)]
    assert claims == [(38, V), (39, V), (40, V), (47, V), (51, V), (57, V), (63, V), (67, V)]


def test_without_the_premise_the_steps_that_need_it_are_conditional():
    results = _by_line(DATA / "softmax-unstated.md")
    assert results[34].status == V and results[35].status == V
    for line in (36, 53, 59, 63):  # they hold only if the labels sum to one
        assert results[line].status == C, line
        assert "sum to one" in results[line].message
    assert results[43].status == V and results[47].status == V  # the softmax's own derivative


@pytest.mark.parametrize(("line", "words"), [
    (39, "sign of a term"),                            # + for - before sum_j y_j o_j
    (47, "wrong index: $\\hat{y}_{j}$ should be $\\hat{y}_{k}$"),  # in the softmax derivative
    (51, "wrong index: $o_{k}$ should be $o_{j}$"),    # exp(o_k) for exp(o_j)
    (63, "wrong index: $x_{j}$ should be $x_{k}$"),
])
def test_slips_are_refuted_with_their_diagnosis(line, words):
    r = _by_line(DATA / "softmax-slips.md")[line]
    assert r.status == R
    assert words in (r.diagnosis or ""), r.diagnosis


def test_the_dropped_label_is_refuted_and_the_rest_verifies():
    results = _by_line(DATA / "softmax-slips.md")
    assert results[57].status == R  # - y_j dropped from the derivative by o_j
    for line in (38, 40, 67):
        assert results[line].status == V, line


def test_notation_reads_one_layer_and_the_loss(capsys):
    assert main(["notation", str(DATA / "softmax.md")]) == 0
    out = capsys.readouterr().out
    assert "the loss l" in out
    assert "wᵢⱼ: i in 1..q, j in 1..d, given, a parameter" in out  # the sizes the text names
    assert "variables of its own" not in out


def test_a_layer_tag_still_makes_untagged_formulas_local(tmp_path):
    """The sample rule is narrow: `a^{(l)}` beside `\\sum_{i=1}^n` keeps l a layer."""
    doc = tmp_path / "layers.md"
    doc.write_text("$$ z^{(l+1)}_j = \\sum_k w^{(l)}_{jk} a^{(l)}_k $$\n\n"
                   "$$ \\frac{\\partial z}{\\partial a_1} = w_1 $$\n")
    results = check_file(doc).results
    assert any("variables of its own" in r.message or r.status != E for r in results)


def test_entries_written_with_two_digits_are_two_indices(tmp_path):
    doc = tmp_path / "entries.md"
    doc.write_text("$$ o_j = \\sum_k w_{jk} x_k + b_j $$\n\n"
                   "$$ \\frac{\\partial o_1}{\\partial x_2} = w_{12} $$\n\n"
                   "$$ \\frac{\\partial o_2}{\\partial x_1} = w_{12} $$\n")
    results = _by_line(doc)
    assert results[3].status == V
    assert results[5].status == R


def test_a_derivation_restating_the_loss_in_another_section_is_checked_whole():
    """`l = <l with the softmax put in> = ... = ...` under a new heading: the first pair equals
    the loss already defined, so the whole chain is checked, not taken as a new loss."""
    results = _by_line(DATA / "softmax.md")
    assert [results[k].status for k in (38, 39, 40)] == [V, V, V]


def test_premise_the_claim_needs_is_named():
    results = _by_line(DATA / "softmax.md")
    premise = "given the text's premise that the labels sum to one"
    for line in (40, 57, 63, 67):  # these need sum_j y_j = 1
        assert results[line].message.endswith(premise), line
    for line in (38, 39, 47, 51):  # these hold without it
        assert "premise" not in results[line].message, line


def test_entries_written_out_are_the_model():
    """d2l's o_1 = x_1 w_{11} + ... + b_1, o_2 = ..., o_3 = ...: three definitions of o's
    entries, checked in the network of 4 inputs and 3 classes they describe; the one-hot
    premise `y \\in \\{(1, 0, 0), ...\\}`; softmax(o)_j as the standard softmax."""
    results = check_file(DATA / "entries.md").results
    assert [(r.line, r.status) for r in results if r.status != E] == [
        (6, D), (13, D), (14, D), (15, D), (22, D), (34, D), (40, V), (44, V), (44, V),
        (48, V)]
    one_hot = "given the text's premise that the labels are one-hot"
    assert all(r.message.endswith(one_hot) for r in results if r.status == V)
    assert all("on 1 network instance" in r.evidence for r in results if r.status == V)


def test_entries_slips():
    results = check_file(DATA / "entries-slips.md").results
    statuses = [(r.line, r.status) for r in results if r.line >= 40]
    assert statuses == [(40, R), (44, V), (44, R), (48, R)]  # y_j dropped; + y_j; x_1 for x_2
    assert "sign of a term" in (results[-2].diagnosis or "")


def test_what_is_not_the_model_is_said(tmp_path):
    doc = tmp_path / "prob.md"
    doc.write_text("$$ o_j = \\sum_k w_{jk} x_k $$\n\n"
                   "$$ P(\\mathbf{y} \\mid \\mathbf{x}) = o_1 $$\n\n"
                   "$$ \\operatorname*{argmax}_j o_j = o_1 $$\n\n"
                   "$$ \\arg\\max_j o_j = o_1 $$\n")
    results = _by_line(doc)
    assert results[3].status == E and "conditional probability" in results[3].message
    # an argmax is the index it picks (tests/test_argmax.py): an index is no logit's value
    assert results[5].status == R and "index it picks" in results[5].evidence
    assert results[7].status == R and results[7].diagnosis is None


def test_the_minibatch_matrix_is_read(tmp_path):
    """X beside the per-sample x is the minibatch (one column per sample, the text's vectors
    being columns), W the matrix of the entries w_{jk}: with o_j = sum_k w_{jk} x_k, X W + b
    does not hold in either layout, and W X + b does (tests/test_batch_matrices.py)."""
    doc = tmp_path / "batch.md"
    doc.write_text("$$ o_j = \\sum_k w_{jk} x_k + b_j $$\n\n"
                   "$$ \\mathbf{O} = \\mathbf{X} \\mathbf{W} + \\mathbf{b} $$\n\n"
                   "$$ \\mathbf{O} = \\mathbf{W} \\mathbf{X} + \\mathbf{b} $$\n")
    results = _by_line(doc)
    assert results[3].status == R and "order is swapped" in (results[3].diagnosis or "")
    assert results[5].status == V


def test_one_hot_premise_must_list_the_unit_vectors(tmp_path):
    doc = tmp_path / "premise.md"
    body = (DATA / "entries.md").read_text()
    # the prose's "one-hot" left out: that premise in words is read (tests/test_premises.py)
    doc.write_text(body.replace("(0, 0, 1)\\}", "(1, 1, 0)\\}").replace(" is one-hot:", ":"))
    results = _by_line(doc)
    assert results[6].status == E  # not the one-hot vectors: not read as the premise
    assert all("premise" not in r.message for r in results.values())


@pytest.mark.skipif(not (CORPUS / "d2lzh_softmax-regression.md").exists(),
                    reason="the shared corpus is not here")
def test_d2lzh_reads_the_network_and_the_loss():
    results = check_file(CORPUS / "d2lzh_softmax-regression.md").results
    assert not any("variables of its own" in r.message for r in results)
    by_line = {}
    for r in results:
        by_line.setdefault(r.line, []).append(r.status)
    assert by_line[60] == [D] and by_line[193] == [D]
    assert by_line[124] == [V, D]  # yhat = softmax(o), where yhat_j = exp(o_j) / sum_k ...
    for line in (217, 218, 219):
        assert by_line[line] == [V], line
    assert by_line[226] == [V, V]
    assert by_line[133] == [V]  # argmax_j yhat_j = argmax_j o_j: softmax keeps the order
    # the likelihood, read where the text ties P(y | x) to yhat (l.175, one-hot labels l.177):
    # its product over the samples, its negative log as the sum of the cross-entropies
    # (derive.infer.likelihood; tests/test_likelihood.py)
    assert by_line[181] == [V] and by_line[187] == [V] and by_line[188] == [V]
    # the minibatch O = X W + b, softmax by rows: W stated d x q (l.147), the transpose of the
    # w_{ij}'s q x d, X a sample per row (b stated 1 x q: rows); derive.infer.stated_capitals
    assert by_line[151] == [V, V]


def test_a_sum_over_a_distributions_support_says_why_it_has_no_range():
    from derive.document import Formula
    from derive.latex.calculus import _over_arguments
    from derive.latex.tokens import tokenize

    text = "\\sum_j - P(j) \\log P(j)"
    f = Formula(1, "x.md", text, ((1, 1, 0),), (text,), ())
    toks = tokenize(text, f)
    assert _over_arguments(toks, 3, "j").startswith(": `j` is the argument of `P(j)`")
    assert _over_arguments(toks, 3, "k") == ""


@pytest.mark.skipif(not (CORPUS / "d2lzh_softmax-regression.md").exists(),
                    reason="the shared corpus is not here")
def test_d2lzh_the_entropy_is_a_definition_over_a_support_of_its_own():
    """H[P] = sum_j -P(j) log P(j): a functional of a distribution, read in a model of its own
    (tests/test_distributions.py), not the network's."""
    rep = check_file(CORPUS / "d2lzh_softmax-regression.md")
    r = [r for r in rep.results if r.line == 260]
    assert [x.status for x in r] == [Status.DEFINITION]
    assert not any(x.status is Status.REFUTED for x in rep.results)
