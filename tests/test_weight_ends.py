"""A weight and the neurons at its ends written without tags (`\\frac{\\partial C}{\\partial w} =
a_{\\rm in} \\delta_{\\rm out}`): read as one weight's, the input end at the layer and index of the
weight's input side, the output end at its output side, in the tag convention of the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "weight_ends"


def _at(rep, line):
    return next(r for r in rep.results if r.line == line)


@pytest.mark.parametrize(("name", "good", "slip"), [("nielsen.tex", 27, 31), ("ufldl.md", 29, 35)])
def test_ends_read_and_checked(name, good, slip) -> None:
    rep = check_file(DATA / name)
    assert _at(rep, good).status is Status.VERIFIED, _at(rep, good).message
    assert _at(rep, slip).status is Status.REFUTED
    assert "weight and the neurons at its ends" in " ".join(rep.notes)


def test_the_ends_follow_the_weights_shape() -> None:
    """Nielsen's w^l runs from layer l-1 to l, UFLDL's W^{(l)} from l to l+1: the input end
    is a^{l-1}_k in one and a^{(l)}_k in the other."""
    nielsen = " ".join(check_file(DATA / "nielsen.tex").notes)
    assert "a^{l-1}_{k}" in nielsen and "\\delta^{l}_{j}" in nielsen
    ufldl = " ".join(check_file(DATA / "ufldl.md").notes)
    assert "a^{(l)}_{k}" in ufldl and "\\delta^{(l+1)}_{j}" in ufldl


def test_a_subscript_in_upright_text_is_one_subscript() -> None:
    """`a_\\text{in}` is a with the subscript `in`, not a followed by the names i and n."""
    from derive.infer.written import _scripts
    from derive.latex.lexer import _lex
    from derive.sources.document import Formula

    text = "a_\\text{in} + b"
    toks = _lex(text, Formula(1, "t.md", text, ((0, 1, 1),), (text,), ()), 0)
    _, sub, _, end = _scripts(toks, 1)
    assert "".join(t.text for t in sub) == "\\text{in}"
    assert toks[end].text == "+"
