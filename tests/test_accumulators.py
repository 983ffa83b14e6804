"""A name the prose accumulates over the samples from 0 (UFLDL's `\\Delta W^{(l)} := 0`, for
`i = 1 \\ldots m` `\\Delta W^{(l)} := \\Delta W^{(l)} + \\nabla_{W^{(l)}} J(W,b;x,y)`): the sum of
the one-sample gradients, and the update with it checked as gradient descent on the text's
overall cost (the mean over the samples with weight decay)."""

from pathlib import Path

from derive.check import check_file
from derive.infer.accumulators import _LOOP, _at_sample
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "accumulators"
V, R, D, E = Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR
_HEAD = [(6, D, None), (10, D, None), (16, D, None), (22, D, None), (28, D, None)]


def test_the_accumulated_update_descends_the_overall_cost():
    rep = check_file(DATA / "accumulate.md")
    assert_verdicts(rep, [*_HEAD, (42, V, None), (43, V, None)])
    assert any("starts at 0 and adds one sample's term" in n for n in rep.notes)


def test_slips_in_the_accumulated_update():
    assert_verdicts(check_file(DATA / "accumulate-slips.md"), [
        *_HEAD,
        (42, R, "sign"),  # - \lambda W^{(l)}: the decay's gradient is + \lambda W
        (43, R, "missing factor"),  # \Delta b without 1/m
    ])


def test_no_loop_said_no_sum_read():
    """Without the loop over the samples the name stays one name, not read (an error)."""
    rep = check_file(DATA / "accumulate-noloop.md")
    assert_verdicts(rep, [*_HEAD, (42, E, None), (43, E, None)])
    assert "accumulated change" in next(r for r in rep.results if r.line == 42).message


def test_the_loop_and_the_sample():
    assert _LOOP.match(r"For \ i=1 \ to \ m") and _LOOP.match(r"i = 1, \ldots, m")
    assert not _LOOP.match("l") and not _LOOP.match("i = 2, \\ldots, m")
    assert _at_sample(r"\nabla_{W} J(W,b;x,y)", "i") == r"\nabla_{W} J(W,b;x^{(i)},y^{(i)})"
    assert _at_sample(r"\nabla_{W} J(W,b)", "i") is None  # no one sample's cost
