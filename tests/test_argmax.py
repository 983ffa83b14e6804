"""argmax and argmin read as the index they pick (tests/data/argmax): `\\operatorname*{argmax}_j`,
`\\mathrm{argmax}_j`, `\\arg\\max_j`, the index bound by the choice and ranging over the slot of
the quantity it indexes; compared at each point, never differentiated. Softmax keeps the order of
the logits (verified), a sign or a max-for-min slip is refuted with no value edit offered as its
diagnosis, a tie is unchecked with the reason, a choice with no range is a placed error."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "argmax"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
D, V, R, U, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED,
                 Status.ERROR)


def test_softmax_keeps_the_order_and_the_slips_are_refuted() -> None:
    rep = check_file(DATA / "softmax.md")
    assert_verdicts(rep, [(5, D, None), (10, V, None), (16, V, None), (22, R, None),
                          (28, R, None), (34, V, None), (40, U, None), (46, E, None)])
    by_line = {r.line: r for r in rep.results}
    assert "index it picks" in by_line[10].evidence
    assert by_line[22].diagnosis is None and by_line[28].diagnosis is None
    assert "tie" in by_line[40].message
    assert "range of the index" in by_line[46].message and by_line[46].col == 60


def test_the_choice_is_no_quantity_of_the_notation(capsys: pytest.CaptureFixture[str]) -> None:
    from derive.cli import main
    main(["check", str(DATA / "softmax.md")])
    out = capsys.readouterr().out
    facts = [line for line in out.splitlines() if line.startswith("  read as:")]
    assert facts and not any("arg" in line for line in facts)  # no `argmax_i` read as a name


@pytest.mark.skipif(not (CORPUS / "d2lzh_softmax-regression.md").exists(),
                    reason="the shared corpus is not here")
def test_d2lzh_the_most_likely_class_is_the_largest_logit() -> None:
    got = [r for r in check_file(CORPUS / "d2lzh_softmax-regression.md").results if r.line == 133]
    assert [r.status for r in got] == [V]
