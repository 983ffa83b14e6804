"""Products over layers written with an ellipsis (derive.vecparse.ellipsis, derive.check.ellipsis):
`\\Sigma'(z^l) (w^{l+1})^T \\ldots \\Sigma'(z^{L-1}) (w^L)^T \\Sigma'(z^L) \\nabla_a C` is the period
`\\Sigma'(z^t) (w^{t+1})^T` at every layer t from l to L - 1, then the tail; the claim is checked
written out at each depth and start layer, and a slip in the period or the end layer is refuted
with that edit. Two spellings (`\\ldots` in LaTeX, `\\cdots` in Markdown with `^{[l]}` tags)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "ellipsis"
V, R, D, E, U = (Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR,
                 Status.UNCHECKED)

EXPECTED = {
    "product_ldots.tex": [
        (4, D, None), (4, D, None), (6, D, None), (8, D, None), (12, V, None),
        (16, V, None),
        (20, V, None),  # two periods written: checked up to L = 6, where one is elided
        (25, R, "a transpose is missing: `w^{l+1}` should be `(w^{l+1})^T` in every period"),
        (29, R, "the last period should be at $l = L - 1$, not $L - 2$"),
        (33, E, None),  # the factors after the dots are not the period's
        (37, R, None),  # \Sigma'(z^L) left out: the written-out product differs
    ],
    "product_cdots.md": [
        (5, D, None), (5, D, None), (7, D, None), (9, D, None), (13, V, None),
        (17, V, None),
        (21, R, "a transpose is missing: `W^{[l+1]}` should be `(W^{[l+1]})^T` in every period"),
        (25, R, "the last period should be at $l = L - 1$, not $L - 2$"),
        (29, V, None), (29, V, None),  # one step of BP2, then the product: each step checked
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/ellipsis/{name}") for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_products_over_layers_verify_and_slips_are_refuted(reports, name: str) -> None:
    assert_verdicts(reports[name], EXPECTED[name])


def test_a_verdict_says_where_the_product_was_written_out(reports) -> None:
    at = {r.line: r for r in reports["product_ldots.tex"].results}
    assert "written out at 3 depths and start layers" in at[16].message
    assert "$L = 5$, $l = 2$ (the ellipsis written out over 1 layer)" in at[16].evidence
    assert "start layers skipped" in at[16].message
    assert at[37].message.startswith("the product over layers written out at $L = 4$, $l = 2$")
    assert at[37].counterexample


def test_factors_that_repeat_no_period_keep_a_clear_error(reports) -> None:
    at = {r.line: r for r in reports["product_ldots.tex"].results}
    assert "do not repeat one period of factors over the layers" in at[33].message
    assert "$L = 6$, $l = 2$ (the ellipsis written out over 1 layer)" in at[20].evidence


def test_a_product_over_layers_is_not_a_definition() -> None:
    """A text that defines δ only by the product over layers: the row is an error (the product
    is checked as a claim, never evaluated as a definition), and what reads δ is unchecked."""
    rep = check_file(DATA / "definition.tex", "tests/data/ellipsis/definition.tex")
    assert_verdicts(rep, [(3, D, None), (3, D, None), (5, D, None), (9, E, None), (12, U, None)])
    at = {r.line: r for r in rep.results}
    assert "checked as a claim, not read as a definition" in at[9].message
