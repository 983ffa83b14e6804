"""A layer `l` that nothing binds, written on a claim's right side where the output layer is
meant (steven2358: `J = \\frac12 \\sum_{i=1}^{s_{n_l}} (a^{(l)}_i - y_i)^2`;
tests/data/output_layer): conditional on l = n_l when the claim holds at the output layer and
fails one layer below, never verified; with another slip as well it stays an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "output_layer"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
D, C, E = Status.DEFINITION, Status.CONDITIONAL, Status.ERROR


def test_an_unbound_layer_holds_only_at_the_output_layer() -> None:
    rep = check_file(DATA / "cost.md")
    assert_verdicts(rep, [(6, D, None), (10, D, None), (16, D, None), (22, C, None),
                          (28, E, None), (34, C, None)])
    by_line = {r.line: r for r in rep.results}
    for line in (22, 34):
        r = by_line[line]
        assert r.message.startswith("holds only if $l = n_{l}$, the output layer"), r.message
        assert r.assumptions == ("$l = n_{l}$ (the output layer)",)
        assert "at $l = n_{l} - 1$" in r.evidence
    assert "index `l` is not bound" in by_line[28].message


@pytest.mark.skipif(not (CORPUS / "steven2358_backprop.tex").exists(),
                    reason="the shared corpus is not here")
def test_steven2358_the_cost_written_at_layer_l_is_conditional() -> None:
    got = [r for r in check_file(CORPUS / "steven2358_backprop.tex").results if r.line == 218]
    assert [r.status for r in got] == [C]
