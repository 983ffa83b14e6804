"""Activations beyond the sigmoid, checked in documents with front matter (tests/data/functions).

Each document defines a network with one activation (ReLU, leaky ReLU, PReLU with a learned
slope per unit, ELU, SELU, softplus, tanh, GELU, |u|) or a binary cross-entropy on sigmoid outputs, states correct forms of its
derivatives and backward pass, and plants slips. The correct forms must verify; each slip must
be refuted at its own line, with a diagnosis in the function's terms where the tool has one.
The derived side always comes from differentiating the document's own definitions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "functions"
V, R = Status.VERIFIED, Status.REFUTED

# document -> [(line, status, words of the diagnosis or None)] for every claim, in order
EXPECTED = {
    "relu.md": [
        (55, V, None), (61, V, None),
        (67, R, "wrong condition: $u < 0$ should be $u > 0$"),
        (73, V, None), (79, V, None), (85, V, None),
        (91, R, "missing factor: the right side lacks a factor $\\sigma^{\\prime}"),
        (97, R, "wrong condition: $s^{(l)}_{k} < 0$ should be $s^{(l)}_{k} > 0$"),
        (103, V, None),
        (109, R, "wrong layer"),
        (115, V, None),
        # max(0, s) = s 1{s > 0}: ReLU for its derivative is an extra factor s, honestly
        (121, R, "extra factor: $s^{(l)}_{k}$ should not be on the right side"),
        (127, V, None),
        (133, R, "min for max: $\\min\\left(0, s^{(l)}_{k}\\right)$ should be "
                 "$\\max\\left(0, s^{(l)}_{k}\\right)$"),
    ],
    "relu_by_name.md": [
        (56, V, None), (62, V, None),
        (68, R, "min for max: $\\min\\left(0, s^{(l)}_{j}\\right)$ should be $\\max"),
        (74, V, None), (80, V, None),
        (86, R, "wrong condition: $s^{(l)}_{k} \\leq 0$"),
    ],
    "tanh.md": [
        (55, V, None), (61, V, None),
        (67, R, "lacks a factor $\\tanh{\\left(u \\right)}$"),
        (73, V, None),
        (79, R, "missing square: $h^{(L)}_{j}$ should be $h^{(L)}_{j}^{2}$"),
        (85, V, None),
    ],
    "softplus.md": [
        (55, V, None), (61, V, None),
        (67, R, "sign of an argument: $e^{u}$ should be $e^{- u}$"),
        (73, V, None),
        (79, R, "activation for its derivative: $h^{(L)}_{j}$ should be $\\sigma^{\\prime}"),
    ],
    "leaky_relu.md": [
        (55, V, None), (61, V, None),
        (67, R, "the value in the case $u \\leq 0$ is not the derivative"),
        (73, V, None),
        (79, R, "in the case $s^{(l)}_{k} \\leq 0$: constant factor: the right side is $10$ times"),
    ],
    "elu.md": [
        (57, V, None), (63, V, None),
        (69, R, "the value in the case $s^{(l)}_{k} \\leq 0$ is not the derivative"),
        (75, V, None),
    ],
    "selu.md": [(55, V, None), (61, R, "in the case otherwise: constant factor")],
    "bce.md": [
        (56, V, None), (62, R, "sign: the right side is the negative"), (68, V, None),
        # the sigmoid's derivative left over from a squared loss, named as such
        (74, R, "extra factor: $\\sigma^{\\prime}(s^{(L)}_{j})$ should not be on the right side"),
        (80, V, None),
    ],
    "gelu.md": [
        (55, V, None), (61, V, None),
        (67, R, "missing term of the product rule: $u \\Phi^{\\prime}(u)$ is left out"),
    ],
    "abs.md": [(55, V, None), (61, R, "the value in the case otherwise is not the derivative")],
    "prelu.md": [
        (61, V, None), (67, V, None), (73, R, None), (79, V, None), (85, V, None),
        (91, R, "wrong case: the value in the case $s^{(l)}_{k} \\leq 0$ is not the derivative"),
        (97, V, None),
        # where s <= 0, eps = dE/dh alpha; elsewhere min(0, s) = 0: exactly an extra alpha
        (103, R, "extra factor: $\\alpha^{(l)}_{j}$ should not be on the right side"),
        (109, V, None),
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/functions/{name}") for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_correct_forms_verify_and_slips_are_refuted_at_their_line(reports, name: str) -> None:
    rep = reports[name]
    claims = [r for r in rep.results if r.status is not Status.DEFINITION]
    assert [(r.line, r.status) for r in claims] == [(line, s) for line, s, _ in EXPECTED[name]], [
        (r.line, r.status.value, r.message) for r in claims]
    for r, (_, _, words) in zip(claims, EXPECTED[name]):
        if words is not None:
            assert r.diagnosis is not None and words in r.diagnosis, (r.line, r.diagnosis)


def test_every_document_defines_its_model_without_errors(reports) -> None:
    for name, rep in reports.items():
        assert not [r for r in rep.results if r.status is Status.ERROR], name
        assert rep.definitions, name


def test_relu_convention_at_the_kink_is_reported_not_checked(reports) -> None:
    """ReLU'(0) is not defined: the text's value there (0 for 1{u > 0}) is reported with the
    one-sided derivatives, and the claim is verified away from the kink."""
    first, as_cases = [r for r in reports["relu.md"].results if r.line in (55, 61)]
    for r in (first, as_cases):
        assert r.status is Status.VERIFIED
        assert ("at the kink $u = 0$ the text takes $\\sigma^{\\prime}(0) = 0$; the derivative is "
                "not defined there ($0$ from the left, $1$ from the right): reported, not "
                "checked") in r.evidence


def test_leaky_relu_and_abs_conventions_name_their_one_sided_slopes(reports) -> None:
    (leaky,) = [r for r in reports["leaky_relu.md"].results if r.line == 55]
    assert "the text takes $\\sigma^{\\prime}(0) = 0.01$" in leaky.evidence
    assert "($0.01$ from the left, $1$ from the right)" in leaky.evidence
    (sign,) = [r for r in reports["abs.md"].results if r.line == 55]
    assert "the text takes $\\sigma^{\\prime}(0) = 0$" in sign.evidence
    assert "($-1$ from the left, $1$ from the right)" in sign.evidence


def test_a_smooth_function_gets_no_kink_note(reports) -> None:
    for name in ("tanh.md", "softplus.md", "gelu.md"):
        for r in reports[name].results:
            assert "kink" not in (r.evidence or ""), (name, r.line)


@pytest.mark.parametrize("name", ["relu.md", "elu.md", "leaky_relu.md"])
def test_the_sympy_backend_gives_the_same_verdicts(reports, monkeypatch, name: str) -> None:
    """SymEngine differentiates the Piecewise forms; sympy.diff (Max, Heaviside) must agree."""
    monkeypatch.setenv("DERIVE_BACKEND", "sympy")
    # no time budget: sympy.diff is slower, and a loaded machine must not turn it unchecked
    rep = check_file(DATA / name, f"tests/data/functions/{name}", claim_budget=0)
    assert [(r.line, r.status, r.diagnosis) for r in rep.results] == [
        (r.line, r.status, r.diagnosis) for r in reports[name].results]
