"""Koerbitz's general and batched sections, read in texts of their own: an activation written
with its layer once (`g^l(z^l)`) and bare after (`g(z^2)`) is the one function, not a formula
of its own variables; a header row `\\text{for all } l = 1,\\ldots,L:` over a block of
updates quantifies the block."""

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "koerbitz_batch"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


@pytest.mark.parametrize("name", ["activation.md", "act-phi.md"])
def test_a_bare_activation_beside_its_tagged_form(name):
    assert_verdicts(check_file(DATA / name), [
        (8, D, None), (9, D, None),
        (15, V, None),  # a^2 = g(z^2): g is the g^l of every layer
        (17, V, None),
        (19, R, "wrong layer"),  # b^l for b^{l+1}
    ])


def test_updates_under_a_quantifier_header():
    rows = [(7, D, None), (8, D, None), (12, D, None), (15, V, None)]
    assert_verdicts(check_file(DATA / "header.md"), rows + [
        (23, V, None), (24, V, None),  # \text{for all } l = 1,\ldots,L: then aligned
        (33, V, None), (34, V, None),  # \forall l = 1, \dots, L: then split
    ])
    assert_verdicts(check_file(DATA / "header-slips.md"), rows + [
        (23, V, None),
        (24, R, "sign"),  # b^l + eta dC/db^l
        (33, V, None),
        (34, R, "constant factor"),  # 2 eta delta^l
    ])
    rep = check_file(DATA / "header.md")
    assert all(r.kind == "update" for r in rep.results if r.line in (23, 24, 33, 34))
