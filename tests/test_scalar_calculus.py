"""Scalar calculus of named functions, as cs231n writes it (tests/data/scalars): in a text
without layers, `f(x, y) = x y` defines f, `\\frac{\\partial f}{\\partial x}` is checked by
differentiating that definition with SymPy, and a later definition of f replaces it for the
formulas after it. Slips are refuted at their line; what is not read is an error with its reason."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.cli import main
from derive.results import Status

DATA = Path(__file__).parent / "data" / "scalars"
D, V, R, E = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.ERROR


def _statuses(path: Path) -> list[tuple[int, Status]]:
    return [(r.line, r.status) for r in check_file(path).results]


def test_definitions_and_their_derivatives_verify():
    assert _statuses(DATA / "gates.md") == [
        (6, D), (6, V), (6, V), (12, D), (12, V), (12, V), (18, V), (24, D), (24, V),
        (30, D), (30, V), (36, D), (37, V), (37, V)]


def test_slips_are_refuted_at_their_line():
    got = _statuses(DATA / "gates-slips.md")
    refuted = [line for line, s in got if s == R]
    # dy for dx; the derivative of the first f after f is defined again; a dropped
    # parameter; a sign in the sigmoid's derivative
    assert refuted == [6, 18, 24, 37]
    assert (12, V) in got and (30, V) in got
    sigmoid = [r for r in check_file(DATA / "gates-slips.md").results if r.line == 37
               and r.status == R][0]
    assert "wrong sign" in (sigmoid.diagnosis or "")


def test_read_as_says_which_definition_is_used(capsys):
    main(["check", str(DATA / "gates.md"), "--color", "never"])
    out = capsys.readouterr().out
    assert "line 18: f = x + y (defined at line 12), in a model of its own" in out


def test_two_definitions_in_one_formula_are_read_row_by_row(tmp_path):
    """A later definition in the same formula replaces the earlier one for the rows after it:
    each derivative is checked against the definition before it (a slip in the second one is
    refuted, the first stays verified)."""
    doc = tmp_path / "two.md"
    doc.write_text("# t\n\n$$\nf(x) = x^2 \\\\\n\\frac{df}{dx} = 2 x \\\\\n"
                   "f(x) = x^3 \\\\\n\\frac{df}{dx} = 3 x^2 \\\\\n\\frac{df}{dx} = 2 x\n$$\n")
    got = check_file(doc).results
    assert [(r.line, r.status) for r in got] == [(4, D), (5, V), (6, D), (7, V), (8, R)]


def test_not_in_a_text_with_layers(tmp_path):
    """With layer tags in the text, f(x, y) = x y is not read as a model of its own."""
    doc = tmp_path / "layers.md"
    doc.write_text("# t\n\n$$\nz^{l}_{j} = \\sum_k w^{l}_{jk} a^{l-1}_{k}\n$$\n\n"
                   "$$\nf(x, y) = x y \\hspace{1in} \\frac{\\partial f}{\\partial x} = y\n$$\n")
    got = check_file(doc).results
    assert not any(r.line == 8 and r.status == V for r in got)
