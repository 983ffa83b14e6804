"""Derivatives of functions known by name, stated beside functions the text defines:
`\\tanh'(x) = 1 - \\tanh^2(x)` after `\\sigma(x) = ...` was "unknown symbol x" (x the variable of
the text's own functions only). Read in a model of their own; a text's own definition keeps its
meaning (`softplus'(x)` is checked against the text's softplus, in the text's model)."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DOC = Path(__file__).parent / "data" / "known_functions" / "derivatives.md"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


def test_each_derivative_gets_its_verdict() -> None:
    got = [(r.line, r.status) for r in check_file(DOC).results]
    assert got == [(3, D), (3, V), (5, V), (7, D), (7, V), (9, D), (9, V), (11, D), (11, V),
                   (15, R), (17, R)]


def test_the_missing_square_is_named() -> None:
    got = {r.line: r for r in check_file(DOC).results}
    assert got[15].diagnosis.startswith("missing factor:")
    assert "lacks a factor" in got[15].diagnosis
    assert "should be squared" in got[15].diagnosis
    assert "sign of an argument" in got[17].diagnosis
    # the text's own softplus: checked in the text's model, not the local one
    assert "local model" in str(got[15].counterexample)
    assert "local model" not in str(got[17].counterexample)
