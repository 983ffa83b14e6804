"""Activation functions with parameters written as Latin letters (tests/data/function_parameters):
Haykin's logistic of slope a, `\\varphi(v) = 1/(1 + \\exp(-a v))`, and his hyperbolic tangent
`\\psi(v) = a \\tanh(b v)`, in a text without layers, and a layered network whose logistic has a
slope s. The letters a function's definition reads besides its argument are given numbers (they
were "unknown symbol" errors: only Greek letters were), a claim written `f'(v)` about a function
the text defines is checked against that definition (it was read for a generic f, "never
defined"), and `\\mathrm{sech}^2(b v)` is the square of the function known by that name. Every
formula of the correct documents is verified; every planted slip is refuted at its line, with
the missing factor named where one edit explains it."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "function_parameters"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED


def test_haykin_activations() -> None:
    rep = check_file(DATA / "haykin.md")
    assert_verdicts(rep, [(5, D, None), (9, V, None), (9, V, None), (13, D, None),
                          (17, V, None), (17, V, None)])
    assert any("$a$: a scalar of the functions defined at lines 5, 13" in n
               for n in rep.notes), rep.notes


def test_haykin_slips() -> None:
    rep = check_file(DATA / "haykin-slips.md")
    assert_verdicts(rep, [(5, D, None), (9, V, None), (9, R, "lacks a factor $a$"),
                          (13, D, None), (17, V, None), (17, R, None)])


def test_layered_slope() -> None:
    rep = check_file(DATA / "sigmoid-slope.md")
    forward = [(3, D, None), (5, D, None), (9, D, None), (11, D, None)]
    assert_verdicts(rep, forward + [(13, V, None), (15, V, None)])
    # said of the definition that reads s, not of the claim about g' that writes it too
    assert any(n.endswith("$s$: a scalar of the function defined at line 9, given no value "
                          "the tool reads: checked at random positive values") for n in rep.notes)
    slips = check_file(DATA / "sigmoid-slope-slips.md")
    assert_verdicts(slips, forward + [(13, V, None), (15, R, "lacks a factor $s$")])


def test_primed_claim_uses_the_definition(tmp_path: Path) -> None:
    """`f(v) = 1/(1 + e^{-v})` then `f'(v) = f(v) (1 - f(v))`: verified against the text's f
    (it was unchecked, "the text never defines it"); the slip `1 + f(v)` is refuted."""
    good = tmp_path / "f.md"
    good.write_text("# f\n\n$$f(v) = \\frac{1}{1 + e^{-v}}$$\n\n$$f'(v) = f(v) (1 - f(v))$$\n",
                    encoding="utf-8")
    assert [r.status for r in check_file(good).results] == [D, V]
    bad = tmp_path / "g.md"
    bad.write_text(good.read_text(encoding="utf-8").replace("(1 - f(v))", "(1 + f(v))"),
                   encoding="utf-8")
    assert [r.status for r in check_file(bad).results] == [D, R]
