"""A limit read as a value (tests/data/limits): `\\lim_{h \\to 0}` of the term after it, its
variable bound by the limit, taken by `sympy.limit` on the model's definitions (a function the
text does not define is a generic smooth stand-in), within a budget; the limit definition of
the derivative verifies, a factor or a sign slipped in it is refuted, a limit that is not finite
is unchecked with the reason, and a limit to a point that is not a number is a placed error."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "limits"
D, V, R, U, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED,
                 Status.ERROR)


def test_the_limit_definition_of_the_derivative_and_its_slips() -> None:
    rep = check_file(DATA / "derivative.md")
    assert_verdicts(rep, [(6, D, None), (6, V, None), (12, V, None), (18, V, None),
                          (24, R, "constant factor"), (30, R, "sign"), (36, U, None), (42, E, None)])
    by_line = {r.line: r for r in rep.results}
    assert "random smooth" in by_line[12].evidence
    assert "does not exist" in by_line[36].message
    assert "goes to a number" in by_line[42].message


def test_the_bound_variable_is_no_input_of_the_model() -> None:
    rep = check_file(DATA / "derivative.md")
    refuted = [r for r in rep.results if r.status == R]
    assert refuted and all(r.counterexample is not None and set(r.counterexample.point) == {"x"}
                           for r in refuted)
