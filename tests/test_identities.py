"""A text of matrix-derivative identities (tests/data/identities): each formula about vectors and
matrices of its own (derive.infer.parts), the sizes of its names fixed by what each derivative
is taken of (derive.infer.unify), a number by a matrix read in the shape of the matrix
(derive.tensor.jacobian); each identity checked by differentiating its left side by entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "identities"
V, R = Status.VERIFIED, Status.REFUTED


def test_identities_verify_and_slips_are_refuted() -> None:
    assert_verdicts(check_file(DATA / "matrix.md"), [
        (6, V, None), (10, R, None), (14, V, None), (14, V, None), (18, V, None),
        (22, R, "constant factor"), (26, V, None), (30, R, None), (34, R, "sign")])


def test_a_non_symmetric_matrix_refutes_2Bx() -> None:
    rep = check_file(DATA / "matrix.md")
    bad = next(r for r in rep.results if r.line == 10)
    assert "denominator layout" in (bad.message or "")


CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


@pytest.mark.skipif(not (CORPUS / "seedbook_matrix_derivatives.rst").exists(),
                    reason="the corpus is not here")
def test_corpus_table_of_matrix_derivatives() -> None:
    """The first two formulas (vector and matrix identities) verify, and so does the table of
    trace derivatives (`Tr(X)` in plain letters, `\\mathbf{I}` the identity matrix, `X^{2}`
    the product X X: derive.vecparse.trace), each row in a part of its own."""
    got = check_file(CORPUS / "seedbook_matrix_derivatives.rst").results
    checked = [(r.line, r.status) for r in got if r.line < 40]
    assert checked == [(20, V), (20, V), (21, V), (22, V), (23, V), (31, V), (32, V), (33, V)]
    trace = [(r.line, r.status) for r in got if r.line > 40]
    assert trace == [(line, V) for line in (43, 44, 45, 45, 46, 47, 48, 49, 50, 51)]
