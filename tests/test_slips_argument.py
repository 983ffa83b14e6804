"""A function defined by a body that writes another letter for its argument (`f(z) =
\\max(0, x)`, UFLDL's ReLU): read with the argument, flagged at its line (derive.latex.slips).

tests/data/slips/stray_argument.md defines its ReLU so; what uses the function is then checked
with the ReLU the text means (its derivative by cases verifies, a recursion without it is
refuted), and a constant function (`g(t) = c`) is not touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "slips"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
STRAY = "the right side writes $x$ where the function's argument is $z$"


def test_a_stray_letter_is_read_as_the_argument_and_flagged():
    got = {r.line: r for r in check_file(DATA / "stray_argument.md").results}
    assert got[11].status is Status.DEFINITION
    assert any(STRAY in f for f in got[11].lint), got[11].lint
    assert got[16].status is Status.VERIFIED  # f'(z) by cases: f is the ReLU max(0, z)
    assert got[18].status is Status.VERIFIED
    assert got[22].status is Status.REFUTED
    assert "missing factor" in (got[22].diagnosis or ""), got[22].diagnosis
    # g(t) = c: a constant function, c a given number (the letter its body reads), never
    # read as the argument
    assert got[26].status is Status.DEFINITION and not got[26].lint
    assert not any(r.lint for line, r in got.items() if line != 11)


@pytest.mark.skipif(not (CORPUS / "ufldl_zh_multilayer_nn.md").exists(), reason="no corpus")
def test_corpus_ufldl_relu_slip_is_flagged():
    got = {r.line: r for r in check_file(CORPUS / "ufldl_zh_multilayer_nn.md").results}
    assert got[26].status is Status.DEFINITION and any(STRAY in f for f in got[26].lint)
