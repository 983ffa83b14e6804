"""A weight matrix's column written with a mark for the whole first index (cs231n's
`\\delta^l_j = \\sigma'(z^l_j)(\\delta^{l+1})^T w^{l+1}_{.j}`, `w_{:,j}`, `w_{\\cdot j}`): that column,
a vector, in a side otherwise written by entries."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "slices"


def _only(rep, line):
    found = [r for r in rep.results if r.line == line]
    assert len(found) == 1, (line, found)
    return found[0]


def test_a_column_of_the_next_layers_weights_gives_the_backward_recursion() -> None:
    rep = check_file(DATA / "columns.md")
    for line in (13, 19, 23):  # `.j`, `:,j`, `\cdot j`
        assert _only(rep, line).status is Status.VERIFIED, line


def test_slips_with_a_column_are_refuted_with_their_diagnosis() -> None:
    rep = check_file(DATA / "columns.md")
    for line, words in ((29, "wrong layer"), (35, "transpose is missing"),
                        (41, "activation for its derivative")):
        r = _only(rep, line)
        assert r.status is Status.REFUTED and words in (r.diagnosis or ""), (line, r.diagnosis)
