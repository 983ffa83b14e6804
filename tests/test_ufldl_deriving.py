"""Standalone objectives in matrix form (UFLDL's "deriving gradients using the backpropagation
idea": sparse coding, least squares, ICA's tied weight) and their gradients, checked by
differentiating the objective's own definition at sizes that are all different: the correct
forms verify, and a missing transpose, a missing factor 2, a product in the wrong order and a
transpose too many are refuted at their line with the edit that repairs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.check.objectives import find
from derive.document import read_document
from derive.results import Status

DATA = Path(__file__).parent / "data" / "ufldl_deriving"
D, V, R, U = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED


def _by_line(name: str) -> dict[int, list]:  # type: ignore[type-arg]
    out: dict[int, list] = {}  # type: ignore[type-arg]
    for r in check_file(DATA / name).results:
        out.setdefault(r.line, []).append(r)
    return out


def _statuses(rows: dict, line: int) -> list[Status]:  # type: ignore[type-arg]
    return [r.status for r in rows[line]]


def test_least_squares() -> None:
    rows = _by_line("least_squares.md")
    assert _statuses(rows, 6) == [D]
    assert _statuses(rows, 12) == [V]  # 2(Wx - y)x^T
    assert _statuses(rows, 18) == [V]  # 2W^T(Wx - y)
    missing_t = rows[24][0]
    assert missing_t.status == R and missing_t.diagnosis == "a transpose is missing: `x` should be `x^T`"
    assert "does not fit" in missing_t.message
    factor = rows[30][0]
    assert factor.status == R and "1/2 times" in (factor.diagnosis or "")
    order = rows[36][0]
    assert order.status == R and "wrong order" in (order.diagnosis or "")
    assert "`2 (W x - y) x^T`" in order.diagnosis
    unknown = rows[42][0]
    assert unknown.status == U and "X is not a variable" in unknown.message


def test_least_squares_in_bold() -> None:
    rows = _by_line("least_squares_bold.md")
    assert _statuses(rows, 4) == [D]
    assert _statuses(rows, 8) == [V]
    slip = rows[14][0]
    assert slip.status == R and slip.diagnosis == "a transpose is missing: `W` should be `W^T`"
    assert slip.latex.startswith("\\nabla_{\\mathbf{x}} J = 2\\mathbf{W}")


def test_sparse_coding() -> None:
    rows = _by_line("sparse_coding.md")
    assert _statuses(rows, 6) == [D]
    assert _statuses(rows, 11) == [V] and _statuses(rows, 12) == [V]  # with I read as identity
    assert _statuses(rows, 17) == [V]
    decay = rows[23][0]  # gamma A for 2 gamma A: refuted (no single whole-side edit names it)
    assert decay.status == R and decay.counterexample is not None
    # a gradient by a letter F does not have: its later steps against the step before them
    assert _statuses(rows, 30) == [U]
    assert _statuses(rows, 31) == [V] and "the step before it" in rows[31][0].message
    assert _statuses(rows, 32) == [R] and "the step before it" in rows[32][0].message


def test_a_tied_weight_by_its_instances() -> None:
    rows = _by_line("tied.md")
    assert _statuses(rows, 10) == [V]  # by the occurrences written W^T
    assert _statuses(rows, 16) == [V]  # by those written W: one instance
    assert "one instance" in rows[16][0].message
    assert _statuses(rows, 23) == [U]  # the sum written with the gradients
    assert _statuses(rows, 24) == [V] and _statuses(rows, 25) == [V]  # the whole gradient
    slip = rows[34][0]
    assert slip.status == R and slip.diagnosis == "an extra transpose: `W^T` should be `W`"


def test_a_tied_weight_in_bold() -> None:
    rows = _by_line("tied_bold.md")
    assert _statuses(rows, 10) == [V]
    slip = rows[16][0]  # one instance's gradient with W^T for W (UFLDL's own slip)
    assert slip.status == R and slip.diagnosis == "an extra transpose: `W^T` should be `W`"
    assert _statuses(rows, 24) == [V]
    # instances never added: which gradient the plain one is is not said
    assert _statuses(rows, 33) == [V] and _statuses(rows, 37) == [U]
    assert "not said" in rows[37][0].message
    # no instance written: the whole gradient, and one term of it alone is refuted
    assert _statuses(rows, 45) == [V] and _statuses(rows, 49) == [R]


@pytest.mark.parametrize("path", sorted((DATA.parent / "ufldl_cost").glob("*.tex"))
                         + sorted((DATA.parent / "ufldl_matrix").glob("*.md")))
def test_a_network_text_has_no_objective(path: Path) -> None:
    found = find(read_document(path))
    assert not found.claimed and not found.objectives


def test_an_objective_another_formula_uses_is_the_networks() -> None:
    found = find(read_document(DATA / "network_loss.md"))
    assert not found.claimed and not found.objectives
    assert find(read_document(DATA / "least_squares.md")).claimed
