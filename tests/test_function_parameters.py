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

from fractions import Fraction
from pathlib import Path

import pytest

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


_LEAKY = ("# Leaky ReLU\n\nA leaky ReLU with slope $\\alpha$ on the negative side, "
          "$0 < \\alpha < 1$:\n\n$$g(u) = \\max(\\alpha u, u)$$\n\nIts derivative, away from "
          "$u = 0$:\n\n$$g'(u) = \\begin{cases} 1 & u > 0 \\\\ \\alpha & u < 0 \\end{cases}$$\n")


def test_a_stated_range_is_where_the_scalar_is_drawn(tmp_path: Path) -> None:
    """`$0 < \\alpha < 1$` in the prose: α is drawn in (0, 1), where max(αu, u) has slope α
    for u < 0 (drawn up to 1.8, α = 1.6 refuted the correct derivative); said in "read as",
    and a slip (slope 1 on both sides) is still refuted."""
    doc = tmp_path / "leaky.md"
    doc.write_text(_LEAKY, encoding="utf-8")
    rep = check_file(doc)
    assert [r.status for r in rep.results] == [D, V]
    assert any("checked at random values in (0, 1), the range the text states at line 3" in n
               for n in rep.notes), rep.notes
    slip = tmp_path / "slip.md"
    slip.write_text(_LEAKY.replace("\\alpha & u < 0", "1 & u < 0"), encoding="utf-8")
    assert [r.status for r in check_file(slip).results] == [D, R]


def test_a_range_that_narrows_nothing_changes_nothing() -> None:
    """Haykin's `, \\quad a > 0` holds for every value drawn already: no range is recorded."""
    from derive.document import read_document
    from derive.infer import infer

    front = infer(read_document(DATA / "haykin.md")).front
    assert all("range" not in spec for spec in front["scalars"].values()), front["scalars"]


def test_range_in_front_matter_is_checked(tmp_path: Path) -> None:
    from derive.errors import InputError
    from derive.notation.front import notation_from_front

    ok = notation_from_front({"scalars": {"\\alpha": {"range": ["0", "1/2"]}}}, "f.md")
    assert ok.scalar_ranges == {"\\alpha": (0, Fraction(1, 2))}
    for bad, words in ((["1", "0"], "1 is not below 0"), (["x", "1"], "must be two numbers")):
        with pytest.raises(InputError, match=words):
            notation_from_front({"scalars": {"\\alpha": {"range": bad}}}, "f.md")


_UNITS = ("# Hidden units\n\n$$u_j = \\sum_{k=1}^{n} W_{jk} x_k + b_j$$\n\n$$h_j = \\tanh(u_j)$$\n\n"
          "$$E = \\frac{1}{2} \\sum_j h_j^2$$\n\n"
          "$$\\frac{\\partial E}{\\partial u_j} = h_j (1 - h_j^2)$$\n\n## Softplus units\n\n"
          "With softplus units instead,\n\n$$h_j = \\log(1 + e^{u_j})$$\n\n"
          "$$\\frac{\\partial E}{\\partial u_j} = h_j \\sigma(u_j)$$\n")


def test_a_later_section_defines_the_activation_again(tmp_path: Path) -> None:
    """A section that gives the units another activation (`h_j = \\log(1 + e^{u_j})` after
    `h_j = \\tanh(u_j)`, the same entry of the same arguments) defines h again for what
    follows, in the one notation: E and u carry over (the section was read as a part of its
    own, without E: "E has no definition"); a slip after it is refuted, and a summary that
    writes the same function again with a slip stays a claim."""
    doc = tmp_path / "units.md"
    doc.write_text(_UNITS, encoding="utf-8")
    assert [r.status for r in check_file(doc).results] == [D, D, D, V, D, V]
    slip = tmp_path / "slip.md"
    slip.write_text(_UNITS.replace("h_j \\sigma(u_j)", "h_j \\sigma(-u_j)"), encoding="utf-8")
    assert [r.status for r in check_file(slip).results] == [D, D, D, V, D, R]
    summary = tmp_path / "summary.md"
    summary.write_text(_UNITS.split("## Softplus")[0] + "## Summary\n\n$$h_j = \\tanh(2 u_j)$$\n",
                       encoding="utf-8")
    assert [r.status for r in check_file(summary).results] == [D, D, D, V, R]


def test_instead_defines_the_activation_again_in_the_same_section(tmp_path: Path) -> None:
    """"With softplus units instead," before `h_j = \\log(1 + e^{u_j})`, in the section that
    defined `h_j = \\tanh(u_j)`: a definition again (it was refuted as a claim about the tanh
    units, and so was the correct gradient after it). Without the word, the row is a claim
    about the one definition, and refuted."""
    doc = tmp_path / "instead.md"
    doc.write_text(_UNITS.replace("## Softplus units\n\n", ""), encoding="utf-8")
    assert [r.status for r in check_file(doc).results] == [D, D, D, V, D, V]
    plain = tmp_path / "plain.md"
    plain.write_text(_UNITS.replace("## Softplus units\n\nWith softplus units instead,\n\n",
                                    "Then\n\n"), encoding="utf-8")
    assert [r.status for r in check_file(plain).results][4] is R


def test_the_function_variable_named_like_a_quantity(tmp_path: Path) -> None:
    """`g(z) = 1/(1 + e^{-z})`, `g'(z) = g(z)(1 - g(z))` beside the units' `z_j`: z in the
    claim is g's variable, not the entry z_j without its index ('index j has no value'); the
    slip `1 + g(z)` is refuted."""
    text = ("# t\n\n$$z_j = \\sum_{k=1}^{n} w_{jk} x_k + b_j$$\n\n$$a_j = g(z_j)$$\n\n"
            "$$E = \\frac{1}{2} \\sum_j (a_j - y_j)^2$$\n\n$$g(z) = \\frac{1}{1 + e^{-z}}$$\n\n"
            "$$g'(z) = g(z) (1 - g(z))$$\n\n"
            "$$\\frac{\\partial E}{\\partial z_j} = (a_j - y_j) g'(z_j)$$\n")
    doc = tmp_path / "gz.md"
    doc.write_text(text, encoding="utf-8")
    assert [r.status for r in check_file(doc).results] == [D, D, D, D, V, V]
    doc.write_text(text.replace("(1 - g(z))", "(1 + g(z))"), encoding="utf-8")
    assert [r.status for r in check_file(doc).results] == [D, D, D, D, R, V]
