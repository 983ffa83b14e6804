"""Hostile and broken formulas that once hung, crashed, or came back as a verdict: each is now an
input error at its place (`file:line:col`, the source line, a caret), exit 2, in bounded time,
and the formulas after it are still checked."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile import GOOD, Doc, caret_col, check, write_doc


@dataclass(frozen=True)
class Case:
    id: str
    formula: str  # written as the formula under test (a block if it starts with `<!--`)
    at: str  # the text the error points at (its first occurrence after the definitions)
    message: str  # must occur in the error line
    offset: int = 0  # characters after the start of `at`


NESTED_8 = "".join(rf"\sum_{{{v}=1}}^{{C_n}} " for v in "pqrsuvkj") + "y_p y_q y_r"
DEEP_FRAC = r"\frac{1}{" * 1000 + "y_1" + "}" * 1000
DEEP_BRACES = "{" * 1000 + "y_1" + "}" * 1000

CASES = [
    Case("sum_bound_million", r"\delta^{(l)}_i = \sum_{j=1}^{1000000} y_1", "1000000",
         "1000000 is too large for an index, a layer or a sum bound (the limit is 1000)"),
    Case("sum_bounds_billion", r"\delta^{(l)}_i = \sum_{j=1000000000}^{2000000000} y_1",
         "1000000000", "1000000000 is too large for an index"),
    Case("index_billion", r"\delta^{(l)}_i = y_{1000000000}", "1000000000",
         "1000000000 is too large for an index"),
    Case("eight_nested_sums", rf"\delta^{{(l)}}_i = {NESTED_8}", r"\sum_{p=1}",
         "the sums here expand to"),
    Case("tower_of_powers", r"\delta^{(l)}_i = 10^{10^{10^{10}}}", "10^{10^{10^{10}}}",
         "exponent too large: 10000000000 (the limit is 1000)"),
    Case("e_to_a_billion", r"\delta^{(l)}_i = e^{1000000000}", "e^{1000000000}",
         "exponent too large: 1000000000 (the limit is 1000)"),
    Case("two_to_a_billion", r"\delta^{(l)}_i = 2^{1000000000}", "2^{1000000000}",
         "exponent too large: 1000000000"),
    Case("power_too_many_digits", r"\delta^{(l)}_i = 1000^{1000}", "1000^{1000}",
         "this power has more than 1000 digits"),
    Case("number_too_long", r"\delta^{(l)}_i = " + "7" * 5000, "7777", "number too long: 5000 digits"),
    Case("deep_frac", rf"\delta^{{(l)}}_i = {DEEP_FRAC}", r"\frac{1}{" * 1000,
         "nested too deeply: more than 50 brackets", offset=len(r"\frac{1}{") * 50 + 5),
    Case("deep_braces", rf"\delta^{{(l)}}_i = {DEEP_BRACES}", "{" * 1000,
         "nested too deeply", offset=50),
    Case("only_alignment_marks", "& & &", "& & &",
         "expected an equation: this row holds only alignment marks `&`"),
    Case("zero_over_zero", r"\delta^{(l)}_i = 0/0", "0/0",
         "this expression has no value: it divides by zero"),
    Case("divides_by_zero", r"\delta^{(l)}_i = \frac{1}{y_1 - y_1}", r"\frac{1}{y_1 - y_1}",
         "this expression has no value: it divides by zero"),
    Case("assumption_as_claim", r"y_j \in \{0,1\}", r"y_j \in",
         "an assumption (`\\in`) is not a claim that can be checked"),
    Case("assumption_of_an_expression",
         '<!-- derive: definitions = "all" -->\n$$\nn y_j \\in \\{0,1\\}\n$$', "n y_j",
         "the left side of an assumption must be one quantity with its indices"),
    Case("definition_of_an_expression",
         '<!-- derive: definitions = "all" -->\n$$\ny_1 + y_2 = 1\n$$', "y_1 + y_2",
         "a definition must define a quantity, a scalar or a function"),
    Case("cases_closed_by_split",
         r"\frac{\partial{\hat{y}_j}}{\partial{a^{(n)}_i}} = \begin{cases} - \hat{y}_j \hat{y}_i"
         r" & & i \ne j \\" + "\n" + r"\hat{y}_i (1 - \hat{y}_i) & & i = j \end{split}",
         r"\end{split}", "`\\begin{cases}` is closed by `\\end{split}`"),
    Case("nested_sum_reuses_its_index",
         r"\delta^{(l)}_i = \sum_{j=1}^{C_n} \sum_{j=1}^{C_n} y_j", r"\sum_{j=1}^{C_n} y_j",
         "a sum over `j` inside a sum over `j`: the inner sum hides the outer one's index"),
    Case("compare_replace_broken",
         '<!-- derive:\n[compare]\nname = "alt"\nreplace = ["a^{(n)}_i = z^{(n)_i"]\n-->',
         "z^{(n)_i", "in the `[compare] replace` string 'a^{(n)}_i = z^{(n)_i': unbalanced `{`",
         offset=2),
    Case("compare_replace_not_a_definition",
         '<!-- derive:\n[compare]\nname = "alt"\nreplace = ["y_1 + y_2"]\n-->',
         'y_1 + y_2"', "in the `[compare] replace` string 'y_1 + y_2': expected an equation"),
    Case("double_superscript", r"\delta^{(l)}_i = y_1^{2}^{3}", "^{3}", "double superscript"),
    Case("split_row_with_three_amps", r"\begin{split}\delta^{(l)}_i & & &= y_1\end{split}",
         "& &=", "`split` takes one `&` per row"),
    Case("layer_tag_unclosed", r"\delta^{(l}_i = y_1", "(l}", "unbalanced `(`"),
    Case("layer_tag_zero", r"\delta^{(0)}_i = y_1", "(0)", "layer 0 of `\\delta` is outside"),
    Case("layer_tag_beyond", r"\delta^{(n+1)}_i = y_1", "(n+1)", "is outside its layers"),
    Case("given_not_a_definition",
         '<!-- derive:\nlocal = true\nfunctions = { f = 2 }\n'
         'given = ["x_1 + x_2 = f(x_1, x_2)"]\n-->\n$$\n'
         r"\frac{\partial{x_1}}{\partial{x_1}} = 1" + "\n$$",
         "x_1 + x_2 = f(x_1, x_2)",
         "in the `given` of this formula: 'x_1 + x_2 = f(x_1, x_2)' must define one variable"),
]


def _doc(tmp_path: Path, case: Case) -> Doc:
    return write_doc(tmp_path, case.formula, GOOD)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_placed_error_in_bounded_time(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      case: Case) -> None:
    doc = _doc(tmp_path, case)
    before = doc.path.read_bytes()
    start = time.monotonic()
    run = check(capsys, doc)
    assert time.monotonic() - start < 60
    assert run.code == 2
    after_defs = doc.text.index(case.at, doc.text.index("\\mathcal{L} = \\frac{1}{2}"))
    line = doc.text.count("\n", 0, after_defs) + 1
    col = after_defs - (doc.text.rfind("\n", 0, after_defs) + 1) + 1 + case.offset
    head = run.error_at(doc, line, col)
    assert case.message in head, head
    if len(doc.text.splitlines()[line - 1]) < 160:  # long lines are shown as a window
        assert caret_col(run.err, head) == col
    assert f":{line}: ! error" in run.out
    # the formula after it is still checked, and the input is left alone
    assert f":{doc.line_of(GOOD)}: ✓ verified" in run.out
    assert doc.path.read_bytes() == before


def test_a_five_megabyte_formula_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = r"\delta^{(l)}_i = " + "+".join(["y_1"] * 1_300_000)
    doc = write_doc(tmp_path, huge, GOOD)
    assert len(huge) > 5_000_000
    start = time.monotonic()
    run = check(capsys, doc)
    assert time.monotonic() - start < 60
    assert run.code == 2
    line = doc.line_of(r"\delta^{(l)}_i = y_1+")
    head = run.error_at(doc, line, 1)
    assert "formula too long: 5200016 characters (the limit is 20000)" in head
    # the source line is shown as a window, not five megabytes
    assert max(len(s) for s in run.err.splitlines()) < 400
    assert max(len(s) for s in run.out.splitlines()) < 400
    assert f":{doc.line_of(GOOD)}: ✓ verified" in run.out


def test_a_long_line_is_shown_as_a_window_with_the_caret_in_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c.id == "deep_frac")
    doc = _doc(tmp_path, case)
    run = check(capsys, doc)
    lines = run.err.splitlines()
    k = next(i for i, s in enumerate(lines) if "nested too deeply" in s)
    src, caret = lines[k + 1], lines[k + 2]
    assert src.startswith("    …") and src.endswith("…") and len(src) < 200
    at = caret.index("^")
    # the caret is under the 51st `{`: the one that nests too deep
    assert src[at] == "{"
    assert src[:at].count("{") < 51


@pytest.mark.parametrize("formula", [
    r"\delta^{(l)}_i = \sum_{j=1}^{1000} y_1",  # the largest bound allowed
    r"\delta^{(l)}_i = 10^{1000} - 10^{1000} + e^{-1000}",
    r"\delta^{(l)}_i = " + "{" * 40 + "y_1" + "}" * 40,  # once a FiniteSet, and 35 s
    r"\delta^{(l)}_i = " + "(" * 40 + "y_1" + ")" * 40,  # the parser's time grew steeply
    r"\delta^{(l)}_i = " + "\\left(" * 15 + "y_1" + "\\right)" * 15 + " + [([(y_2)])]",
])
def test_inputs_just_within_the_bounds_are_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], formula: str) -> None:
    doc = write_doc(tmp_path, formula)
    start = time.monotonic()
    run = check(capsys, doc)
    assert time.monotonic() - start < 60
    assert run.code in (0, 1), run.err
    line = doc.line_of(formula[:20])
    assert f":{line}: ✗ refuted" in run.out or f":{line}: ✓ verified" in run.out


def test_a_softmax_whose_denominator_is_zero_is_not_a_verdict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = r"""<!-- derive: definitions = "all" -->
$$
\hat{y}_j = \mathrm{softmax}(\mathbf{a}^{(n)}, j) = \frac{e^{a^{(n)}_j}}{\sum_{k=1}^{C_n} e^{a^{(n)}_k} - \sum_{i=1}^{C_n} e^{a^{(n)}_i}}
$$"""
    claim = r"\frac{\partial{\hat{y}_j}}{\partial{a^{(n)}_i}} = 1"
    doc = write_doc(tmp_path, block, claim, GOOD)
    run = check(capsys, doc)
    assert f":{doc.line_of(claim)}: ? unchecked" in run.out
    assert "a value is not a finite real number here (a division by zero" in run.out
    assert f":{doc.line_of(GOOD)}: ✓ verified" in run.out


def test_a_square_root_in_a_chain_rule_given_is_not_an_internal_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = r"""<!-- derive:
local = true
functions = { f_1 = 2, g = 2 }
given = ["y_1 = \\sqrt{f_1(x_1, x_2)}", "z = g(y_1, x_2)"]
-->
$$
\frac{\partial{z}}{\partial{x_1}} = \frac{\partial{z}}{\partial{y_1}} \frac{\partial{y_1}}{\partial{x_1}}
$$"""
    doc = write_doc(tmp_path, block, GOOD)
    run = check(capsys, doc)
    line = doc.line_of(r"\frac{\partial{z}}{\partial{x_1}} =")
    verdict = next(s for s in run.out.splitlines() if f":{line}: " in s)
    assert "verified" in verdict or "unchecked" in verdict, run.out
    assert f":{doc.line_of(GOOD)}: ✓ verified" in run.out


def test_a_power_tower_of_a_variable_is_refused_at_its_caret(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20 nested exponents have no value a check could use: a placed error at once (it was
    'could not evaluate' after the claim's whole search), and the other formulas go on."""
    formula = r"\delta^{(l)}_i = " + "2^{" * 20 + "y_1" + "}" * 20
    doc = write_doc(tmp_path, formula, GOOD)
    run = check(capsys, doc)
    assert f":{doc.line_of(formula)}: ! error" in run.out
    assert "exponents nested too deeply" in run.out
    assert f":{doc.line_of(GOOD)}: ✓ verified" in run.out
