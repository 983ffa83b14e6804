"""A layer quantity the displays only differentiate by (`\\delta^l_j = \\partial C / \\partial
z^l_j`), defined in the prose from the layer before (`z^l_j = \\sum_k w^l_{jk} a^{l-1}_k +
b^l_j` in a sentence): that sentence is its definition; a value the prose gives a parameter
(`b^l_j = 0`, an initialisation) is not."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "prose_forward"


def _at(rep, line):
    return [r for r in rep.results if r.line == line]


def test_escaped_markdown_forward_pass_read_from_the_prose() -> None:
    rep = check_file(DATA / "escaped.md")
    assert {r.status for r in _at(rep, 4)} == {Status.DEFINITION}
    assert [r.status for r in _at(rep, 12)] == [Status.VERIFIED]
    assert [r.status for r in _at(rep, 16)] == [Status.VERIFIED]
    slip = _at(rep, 22)[0]
    assert slip.status is Status.REFUTED and "layer" in slip.diagnosis


def test_an_initial_value_is_no_definition() -> None:
    for name in ("escaped.md", "paren.md"):
        rep = check_file(DATA / name)
        assert not any(r.status is Status.DEFINITION and r.latex.lstrip().startswith("b")
                       for r in rep.results), name
    rep = check_file(DATA / "paren.md")
    assert [r.status for r in _at(rep, 12)] == [Status.VERIFIED]
    assert _at(rep, 18)[0].status is Status.REFUTED
