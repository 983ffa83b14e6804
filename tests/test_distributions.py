"""Distributions written as functions of their outcome (tests/data/distributions): entropy,
cross-entropy and KL divergence defined as `H[P] = \\sum_j -P(j) \\log P(j)`, `H(p, q)`,
`D_{KL}(p \\| q)`, then claims about them, each formula read in a model of its own (each
distribution a vector over a support, each functional's application the number its
definition gives). Correct claims verify, planted slips are refuted at their line with the
right diagnosis, and a network text beside them reads as it does without them."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "distributions"
D, V, R, C = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL


def _statuses(name: str) -> list[tuple[int, Status]]:
    return [(r.line, r.status) for r in check_file(DATA / name).results]


def test_definitions_and_claims_verify():
    assert _statuses("entropy.md") == [(5, D), (9, D), (13, D), (17, V), (21, V), (25, V),
                                       (29, V), (33, V), (37, V)]


def test_a_claim_that_needs_the_entries_to_sum_to_one_says_so():
    results = {r.line: r for r in check_file(DATA / "entropy.md").results}
    assert "given that the text says p, q are distributions" in results[37].message
    for line in (17, 21, 25, 29, 33):  # these hold for any positive entries
        assert "given that" not in results[line].message


def test_positive_vectors_the_text_never_calls_distributions_are_not_normalised():
    # the divergence with the masses added back holds only where both sum to one
    assert _statuses("vectors.md") == [(5, D), (7, R)]


def test_slips_are_refuted_with_their_diagnosis():
    results = check_file(DATA / "entropy_slips.md").results
    assert [(r.line, r.status) for r in results] == [(5, D), (9, D), (13, D), (17, R),
                                                     (21, R), (25, R)]
    by_line = {r.line: r.diagnosis or "" for r in results}
    assert "D_{KL}(p, q)" in by_line[17] and "wrong sign" in by_line[17]
    assert "negative of the derived value" in by_line[21]  # the minus lost
    assert "p_{i}" in by_line[25] and "q_{i}" in by_line[25]  # \log p_i for \log q_i


def test_chinese_prose_and_brackets():
    assert _statuses("entropy_zh.md") == [(5, D), (9, D), (13, V), (17, R)]
    notes = check_file(DATA / "entropy_zh.md").notes
    said = [n for n in notes if "line 5:" in n and "functional" in n]
    assert said and "a size derive names" in said[0] and "summing to one" in said[0]


def test_latex_with_a_stated_support_size():
    report = check_file(DATA / "entropy.tex")
    assert [(r.line, r.status) for r in report.results] == [(7, D), (11, D), (15, V),
                                                            (19, V), (23, R)]
    assert any("support of $K$ outcomes (the bound of its sum)" in n for n in report.notes)
    refuted = [r for r in report.results if r.status == R][0]
    assert "K=" in (refuted.evidence or "")  # the support's size, not a network's


def test_a_network_beside_an_entropy_reads_as_without_it():
    # L(y, a) = -\sum_j y_j \log a_j is the network's loss (a_j, L used as names elsewhere)
    assert _statuses("network_loss.md") == [(5, D), (9, D), (13, C), (17, D)]
    notes = check_file(DATA / "network_loss.md").notes
    assert not any("L(y, a)" in n and "functional" in n for n in notes)
    assert any("line 17:" in n and "H[P]" in n for n in notes)
