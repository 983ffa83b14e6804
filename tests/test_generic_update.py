"""A bare update of a name no parameter of the network, checked as the generic rule of
gradient descent: correct rows verified, slipped ones refuted with what differs."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "generic_update"


def _at(rep, line):
    return next(r for r in rep.results if r.line == line)


def test_fc_eta() -> None:
    rep = check_file(DATA / "fc-eta.md")
    ok = _at(rep, 53)
    assert ok.status is Status.VERIFIED and "generic rule" in ok.message
    sign = _at(rep, 65)
    assert sign.status is Status.REFUTED and "wrong sign" in sign.message
    rate = _at(rep, 73)
    assert rate.status is Status.REFUTED and "learning rate" in rate.message
    assert _at(rep, 69).status is not Status.VERIFIED  # the gradient of another parameter


def test_a_bare_name_of_a_tagged_parameter() -> None:
    """`b = b - \\eta \\partial L / \\partial b` beside the network's `b^l`: read in variables of
    its own (L = F(b)), checked as the generic rule; its slips refuted."""
    rep = check_file(DATA / "fc-eta.md")
    ok = _at(rep, 59)
    assert ok.status is Status.VERIFIED and "generic rule" in ok.message
    assert _at(rep, 79).status is Status.REFUTED and "wrong sign" in _at(rep, 79).message
    assert _at(rep, 83).status is Status.REFUTED and "learning rate" in _at(rep, 83).message


def test_own_notation() -> None:
    rep = check_file(DATA / "own-notation.md")
    ok = _at(rep, 81)
    assert ok.status is Status.VERIFIED and "generic rule" in ok.message
    assert _at(rep, 87).status is Status.REFUTED and "wrong sign" in _at(rep, 87).message
    assert _at(rep, 91).status is Status.REFUTED and "learning rate $\\eta$" in _at(rep, 91).message
