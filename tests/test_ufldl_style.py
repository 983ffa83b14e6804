"""UFLDL's worked example before the network of any depth (issue 12): a text that states its
example's depth (`n_l = 3`) and writes the example's output whole, `h_{W,b}(x) = a^{(3)}`,
has that output read at the last layer `n_l`, so the cost `J = 1/2 ||h - y||^2` and the
backpropagation written at `n_l` are read with the generic depth (checked in networks of 3 and
4 layers); the example's one output unit `h = a^{(3)}_1` is reported as the example's, not
taken as the network's output (its value checked in the example's network:
tests/test_worked_example.py). Planted slips refuted at their line; without the stated depth
nothing is read this way."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.infer.example import example_output
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "ufldl_style"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
D, V, R, U = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED


def test_the_generic_section_verifies() -> None:
    rep = check_file(DATA / "example_then_generic.md")
    assert_verdicts(rep, [
        (6, D, None), (14, D, None), (11, V, None), (12, V, None), (13, V, None), (14, V, None),
        (22, D, None), (23, D, None), (30, D, None), (36, D, None), (36, V, None),
        (42, D, None), (47, V, None), (48, V, None), (55, V, None), (59, V, None),
        (64, V, None), (65, V, None), (72, V, None), (3, D, None)])
    assert any("states $n_l = 3$" in n and "line 14" in n for n in rep.notes), rep.notes


def test_the_slips_are_refuted() -> None:
    assert_verdicts(check_file(DATA / "example_then_generic-slips.md"), [
        (6, D, None), (14, D, None), (11, V, None), (12, V, None), (13, V, None), (14, V, None),
        (22, D, None), (23, D, None), (30, D, None), (36, D, None), (36, R, "negative"),
        (42, D, None), (47, R, "should be $a^{(l)}_{j}$"), (48, R, "$2$ times"),
        (55, R, "activation for its derivative"), (59, R, "transpose"), (64, R, "$2$ times"),
        (65, R, "negative"), (72, R, "negative"), (3, D, None)])


def test_a_claim_at_fixed_layers_is_checked_at_the_stated_depth() -> None:
    """dJ/dW^{(2)} = -(y - a^{(3)}) f'(z^{(3)}) a^{(2)}: the example's claim holds in networks
    of three layers, not of four (where a^{(3)} is no output): it is checked in the former."""
    rep = check_file(DATA / "example_then_generic.md")
    claim = next(r for r in rep.results if r.line == 72)
    assert claim.status is V and "on 1 network instance" in (claim.evidence or ""), (
        claim.evidence)
    generic = next(r for r in rep.results if r.line == 64)
    assert "on 3 network instances" in (generic.evidence or ""), generic.evidence


def test_the_example_unit_is_the_examples() -> None:
    """h = a^{(3)}_1 = f(...): the example's one output unit, reported as the example's
    definition, its value not checked; the output read whole from a^{(3)} at n_l."""
    rep = check_file(DATA / "example_unit.md")
    at14 = [r for r in rep.results if r.line == 14]
    assert [r.status for r in at14] == [D, V]  # checked in the 3-3-1 network its rows write
    assert "worked example's output" in at14[0].message
    assert "on 1 network instance" in (at14[1].evidence or ""), at14[1].evidence
    assert [r.status for r in rep.results if r.line >= 41] == [D, V, D, V, V, V, V]


def test_without_the_stated_depth_nothing_is_read_at_n_l() -> None:
    doc = read_document(DATA / "example_unstated.md")
    assert example_output(doc) == (doc, [])
    rep = check_file(DATA / "example_unstated.md")
    assert not any(r.status in (V, R) for r in rep.results if r.line > 30), [
        (r.line, r.status.value) for r in rep.results]


@pytest.mark.skipif(not (CORPUS / "ufldl_zh_multilayer_nn.md").exists(), reason="no corpus")
def test_corpus_backpropagation_read_at_the_generic_depth() -> None:
    rep = check_file(CORPUS / "ufldl_zh_multilayer_nn.md")
    assert not any(r.status is R for r in rep.results)
    by = {(r.line, r.status) for r in rep.results}
    for line in (161, 172, 173, 184, 188, 193, 194):
        assert (line, V) in by, line
    assert (159, D) in by and (69, D) in by and (57, D) in by
