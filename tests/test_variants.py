"""Wrong variants of the chapter: each one edit of `formulas/backprop.md` must be refuted.

Every case replaces one exact substring of the shipped chapter (asserted to occur exactly once,
so a change to the chapter breaks the table loudly instead of silently testing nothing), cuts the
document after the edited display formula (definitions accumulate in document order, so the
formulas before it are all the checker needs) and checks the edited formula with the model the
formulas before it build (`chapter_edits.check_edited`). Two tests per case:

* `test_refuted_at_its_line`: exactly one result is REFUTED, at the line of the edited row, and
  every other row of the formula keeps the verdict it has in the unedited chapter;
* `test_diagnosis`: the refutation names the kind of mistake that was made (a keyword of
  `Result.diagnosis`).

Cases the checker gets wrong today are kept, marked `xfail(strict=True)` with the reason, so that
fixing the checker turns them into failures that ask for the mark to be removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from chapter_edits import check_edited, edit_chapter, formula_keys, result_key

from derive.results import FileReport, Status


@dataclass(frozen=True)
class Variant:
    id: str
    old: str  # occurs exactly once in the chapter
    new: str
    diagnosis: str | None  # a keyword the diagnosis must contain (None: not asserted)
    formula_line: bool = False  # the verdict is reported at the formula's first row (cases)
    row_offset: int = 0  # the refuted row is this many lines below the edit (a changed definition)
    refuted_xfail: str | None = None  # why the checker does not refute it today
    diagnosis_xfail: str | None = None  # why the checker's diagnosis does not fit today


# -- reasons shared by several cases (each is a checker gap, see the module docstring) ----------

DIAG_DOMAIN = ("checker bug: Diagnoser samples its trial points from the LEFT side's domain only "
               "(`engine.evaluate(model, lhs, lhs, limit=12)`), so for δ^{(l)}_i it includes "
               "l = n, where w^{(l)} on the right side does not exist; every candidate edit "
               "raises OutOfRange there and the refutation gets no diagnosis")
VARIANTS = [
    # ---- 9.1 chain rule (local models)
    Variant("chain_rule_y2_for_y1_in_a_term", r"\frac{\partial{y_1}}{\partial{x_1}}",
            r"\frac{\partial{y_2}}{\partial{x_1}}", "wrong"),
    Variant("chain_rule_dx1_for_dx2",
            r"\frac{\partial{y_2}}{\partial{x_2}}\end{split}",
            r"\frac{\partial{y_2}}{\partial{x_1}}\end{split}", "wrong"),
    Variant("total_derivative_term_sign", r"+ \frac{\partial{u}}{\partial{z}} \frac{dz}{dx}",
            r"- \frac{\partial{u}}{\partial{z}} \frac{dz}{dx}", "sign of a term"),
    Variant("total_derivative_partial_term_dropped",
            r"\frac{\partial{u}}{\partial{x}} + \frac{\partial{u}}{\partial{y}} \frac{dy}{dx} +",
            r"\frac{\partial{u}}{\partial{y}} \frac{dy}{dx} +", "missing term"),
    Variant("partial_chain_dz_for_dy", r"\frac{\partial{f}}{\partial{y}} \frac{\partial{y}}{\partial{x}}",
            r"\frac{\partial{f}}{\partial{y}} \frac{\partial{z}}{\partial{x}}", "wrong"),
    # ---- 9.2 forward pass: g' and a changed definition of g
    Variant("sigmoid_prime_sign", r"(1 - g(t))g(t)", r"(1 + g(t))g(t)", "sign"),
    Variant("sigmoid_prime_missing_g", r"(1 - g(t))g(t)", r"(1 - g(t))", "missing factor"),
    Variant("sigmoid_prime_doubled", r"(1 - g(t))g(t)", r"2 (1 - g(t))g(t)", "constant factor"),
    Variant("changed_definition_tanh_as_exponentials", r"g(t) &= \ \frac{1}{1 + e^{-t}}",
            r"g(t) &= \ \frac{e^{t} - e^{-t}}{e^{t} + e^{-t}}", None, row_offset=1),
    Variant("changed_definition_tanh", r"g(t) &= \ \frac{1}{1 + e^{-t}}", r"g(t) &= \ \tanh(t)",
            None, row_offset=1),
    # ---- MSE output error
    Variant("mse_step1_dL_da_for_dL_dz",
            r"\begin{split}\delta^{(n)}_i &= \ \frac{\partial{\mathcal{L}}}{\partial{z^{(n)}_i}} \\"
            "\n" r"&= \ \frac{1}{2}",
            r"\begin{split}\delta^{(n)}_i &= \ \frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} \\"
            "\n" r"&= \ \frac{1}{2}", "missing factor"),
    Variant("mse_half_dropped", r"&= \ \frac{1}{2} \frac{\partial{\bigg [ \sum",
            r"&= \ \frac{\partial{\bigg [ \sum", "constant factor"),
    Variant("mse_half_dropped_single_term", r"&= \ \frac{1}{2} \frac{\partial{\bigg [ (y_i",
            r"&= \ \frac{\partial{\bigg [ (y_i", "constant factor"),
    Variant("mse_sum_bound", r"\sum_{j=1}^{C_n}(y_j - a^{(n)}_j)^2 \bigg ]",
            r"\sum_{j=1}^{C_{n-1}}(y_j - a^{(n)}_j)^2 \bigg ]", "sum bound"),
    Variant("mse_output_sign", r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)",
            r"&= \ (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)", "sign"),
    Variant("mse_output_missing_gprime", r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)",
            r"&= \ - (y_i - g(z^{(n)}_i))", "missing factor"),
    Variant("mse_output_extra_a", r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)",
            r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i) a^{(n)}_i", "extra factor"),
    Variant("mse_output_half", r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)",
            r"&= \ - \frac{1}{2} (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)", "constant factor"),
    # ---- the δ recursion
    Variant("recursion_chain_missing_da_dz",
            r"\frac{\partial{a^{(l)}_i}}{\partial{z^{(l)}_i}} \\" "\n"
            r"&= \ \sum_{j=1}^{C_{l+1}} \frac{\partial{\mathcal{L}}}{\partial{z^{(l+1)}_j}} \frac{\partial{\left",
            r"\\" "\n"
            r"&= \ \sum_{j=1}^{C_{l+1}} \frac{\partial{\mathcal{L}}}{\partial{z^{(l+1)}_j}} \frac{\partial{\left",
            "missing factor"),
    Variant("recursion_missing_gprime", r"\delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\",
            r"\delta^{(l+1)}_j w_{ji}^{(l)} \\", "missing factor"),
    Variant("recursion_w_indices_swapped",
            r"\delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\",
            r"\delta^{(l+1)}_j w_{ij}^{(l)} g^{\prime}(z^{(l)}_i) \\", "swapped"),
    Variant("recursion_delta_l_plus_2", r"\delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\",
            r"\delta^{(l+2)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\", "wrong layer"),
    Variant("recursion_w_l_plus_1", r"\delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\",
            r"\delta^{(l+1)}_j w_{ji}^{(l+1)} g^{\prime}(z^{(l)}_i) \\", "wrong layer"),
    Variant("recursion_gprime_wrong_layer",
            r"\delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\",
            r"\delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l+1)}_i) \\", "wrong layer"),
    Variant("recursion_sum_bound_C_l", r"g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_{l+1}}",
            r"g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_l}", "sum bound"),
    Variant("recursion_sign", r"&= \ g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_{l+1}}",
            r"&= \ - g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_{l+1}}", "sign"),
    Variant("recursion_extra_a", r"&= \ g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_{l+1}}",
            r"&= \ g^{\prime}(z^{(l)}_i) a^{(l)}_i \sum_{j=1}^{C_{l+1}}", "extra factor"),
    # ---- weight and bias gradients
    Variant("dw_chain_wrong_layer",
            r"\frac{\partial{\mathcal{L}}}{\partial{z^{(l+1)}_i}} \frac{\partial{z^{(l+1)}_i}}{\partial{w_{ij}^{(l)}}} \\",
            r"\frac{\partial{\mathcal{L}}}{\partial{z^{(l)}_i}} \frac{\partial{z^{(l+1)}_i}}{\partial{w_{ij}^{(l)}}} \\",
            "wrong layer"),
    Variant("dw_delta_wrong_index",
            r"&= \ \delta^{(l+1)}_i \frac{\partial{z^{(l+1)}_i}}{\partial{w_{ij}^{(l)}}} \\",
            r"&= \ \delta^{(l+1)}_j \frac{\partial{z^{(l+1)}_i}}{\partial{w_{ij}^{(l)}}} \\",
            "wrong index"),
    Variant("dw_indices_swapped", r"&= \ \delta^{(l+1)}_i a^{(l)}_j \\",
            r"&= \ \delta^{(l+1)}_j a^{(l)}_i \\", "swapped"),
    Variant("dw_extra_a", r"&= \ \delta^{(l+1)}_i a^{(l)}_j \\",
            r"&= \ \delta^{(l+1)}_i a^{(l)}_j a^{(l)}_j \\", "extra factor"),
    Variant("dw_a_wrong_layer", r"&= \ \delta^{(l+1)}_i a^{(l)}_j \\",
            r"&= \ \delta^{(l+1)}_i a^{(l+1)}_j \\", "wrong layer"),
    Variant("dw_delta_wrong_layer", r"&= \ \delta^{(l+1)}_i a^{(l)}_j \\",
            r"&= \ \delta^{(l+2)}_i a^{(l)}_j \\", "wrong layer"),
    Variant("db_extra_a", r"&= \ \delta^{(l+1)}_i\end{split}",
            r"&= \ \delta^{(l+1)}_i a^{(l)}_i\end{split}", "extra factor"),
    Variant("db_wrong_layer", r"&= \ \delta^{(l+1)}_i\end{split}",
            r"&= \ \delta^{(l)}_i\end{split}", "wrong layer"),
    Variant("db_sign", r"&= \ \delta^{(l+1)}_i\end{split}",
            r"&= \ - \delta^{(l+1)}_i\end{split}", "sign"),
    Variant("db_doubled", r"&= \ \delta^{(l+1)}_i\end{split}",
            r"&= \ 2 \delta^{(l+1)}_i\end{split}", "constant factor"),
    # ---- gradient descent
    Variant("w_update_missing_1_over_m", r"- \frac{\alpha}{m} \sum_x \delta^{(l+1)}_i a^{(l)}_j",
            r"- \alpha \sum_x \delta^{(l+1)}_i a^{(l)}_j", "missing factor"),
    Variant("w_update_step1_missing_1_over_m", r"w_{ij}^{(l)} - \alpha \times \frac{1}{m} \sum_x",
            r"w_{ij}^{(l)} - \alpha \sum_x", "missing factor"),
    Variant("w_update_sign", r"w_{ij}^{(l)} - \frac{\alpha}{m}", r"w_{ij}^{(l)} + \frac{\alpha}{m}",
            "sign"),
    Variant("b_update_wrong_layer", r"\frac{\alpha}{m} \sum_x \delta^{(l+1)}_i" "\n",
            r"\frac{\alpha}{m} \sum_x \delta^{(l+2)}_i" "\n", "wrong layer"),
    # ---- cross entropy and softmax
    Variant("softmax_offdiagonal_plus", r"- \hat{y}_j \hat{y}_i & & i \ne j",
            r"\hat{y}_j \hat{y}_i & & i \ne j", "sign", formula_line=True),
    Variant("softmax_diagonal_one_plus", r"\hat{y}_i (1 - \hat{y}_i) & & i = j",
            r"\hat{y}_i (1 + \hat{y}_i) & & i = j", "sign", formula_line=True),
    Variant("softmax_diagonal_missing_factor", r"\hat{y}_i (1 - \hat{y}_i) & & i = j",
            r"(1 - \hat{y}_i) & & i = j", "missing factor", formula_line=True),
    Variant("ce_dz_chain_missing_da_dz",
            r"&= \ \frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} \frac{\partial{a^{(n)}_i}}{\partial{z^{(n)}_i}} \\"
            "\n" r"\frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} &=",
            r"&= \ \frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} \\"
            "\n" r"\frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} &=", "missing factor"),
    Variant("ce_dL_dyhat_sign", r"&= \ - \frac{y_j}{\hat{y}_j}\end{split}",
            r"&= \ \frac{y_j}{\hat{y}_j}\end{split}", "sign"),
    Variant("ce_dL_dyhat_squared", r"&= \ - \frac{y_j}{\hat{y}_j}\end{split}",
            r"&= \ - \frac{y_j}{\hat{y}_j^2}\end{split}", "missing factor"),
    Variant("ce_sum_includes_i",
            r"\frac{\partial{\hat{y}_i}}{\partial{a^{(n)}_i}} + \sum_{j \ne i}^{C_n}",
            r"\frac{\partial{\hat{y}_i}}{\partial{a^{(n)}_i}} + \sum_{j=1}^{C_n}", "extra term"),
    Variant("ce_term_sign", r"&= \ - y_i \times (1 - \hat{y}_i) + \sum_{j \ne i}^{C_n}",
            r"&= \ - y_i \times (1 - \hat{y}_i) - \sum_{j \ne i}^{C_n}", "sign of a term"),
    Variant("ce_wrong_index", r"\sum_{j=1}^{C_n} y_j \times \hat{y}_i",
            r"\sum_{j=1}^{C_n} y_j \times \hat{y}_j", "wrong index"),
    Variant("ce_delta_chain_missing_da_dz",
            r"&= \ \frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} \frac{\partial{a^{(n)}_i}}{\partial{z^{(n)}_i}} \\"
            "\n" r"&= \ (- y_i",
            r"&= \ \frac{\partial{\mathcal{L}}}{\partial{a^{(n)}_i}} \\" "\n" r"&= \ (- y_i",
            "missing factor"),
]


# --------------------------------------------------------------------------------------------
# Building and checking a variant


_REPORTS: dict[str, tuple[FileReport, int, int]] = {}


def variant_report(chapter_text: str, v: Variant) -> tuple[FileReport, int, int]:
    """The check of a variant's formula (cached: both tests of a case share one check), the
    line its verdict must be reported at and the formula's number."""
    if v.id not in _REPORTS:
        text, line, first = edit_chapter(chapter_text, v.old, v.new)
        rep, number = check_edited(text, first)
        _REPORTS[v.id] = (rep, (first if v.formula_line else line) + v.row_offset, number)
    return _REPORTS[v.id]


def _params(which: str) -> list:
    out = []
    for v in VARIANTS:
        if which == "diagnosis" and v.diagnosis is None:
            continue
        reason = v.refuted_xfail if which == "refuted" else (v.diagnosis_xfail or v.refuted_xfail)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(v, id=v.id, marks=marks))
    return out


def test_variant_table_is_sound(chapter_text: str) -> None:
    ids = [v.id for v in VARIANTS]
    assert len(ids) == len(set(ids))
    assert len(VARIANTS) >= 30
    for v in VARIANTS:
        assert chapter_text.count(v.old) == 1, v.id
        assert v.old != v.new, v.id


@pytest.mark.parametrize("v", _params("refuted"))
def test_refuted_at_its_line(chapter_text: str, chapter_baseline: dict, v: Variant) -> None:
    rep, line, number = variant_report(chapter_text, v)
    refuted = [r for r in rep.results if r.status is Status.REFUTED]
    at_line = [(r.line, r.status.value, r.message) for r in rep.results if r.line == line]
    assert len(refuted) == 1, f"expected one refutation at line {line}, got {at_line}"
    hit = refuted[0]
    assert hit.line == line
    # every other row of the formula keeps the verdict it has in the unedited chapter
    assert {result_key(r) for r in rep.results} == formula_keys(chapter_baseline, number)
    for r in rep.results:
        if r is not hit:
            assert r.status is chapter_baseline[result_key(r)].status, (r.line, r.step, r.message)


@pytest.mark.parametrize("v", _params("diagnosis"))
def test_diagnosis(chapter_text: str, v: Variant) -> None:
    rep, line, _ = variant_report(chapter_text, v)
    hits = [r for r in rep.results if r.line == line and r.status is Status.REFUTED]
    assert hits, f"nothing refuted at line {line}"
    diagnosis = hits[0].diagnosis
    assert diagnosis is not None, f"refuted at line {line} without a diagnosis"
    assert v.diagnosis in diagnosis.lower(), diagnosis


def test_changed_definition_keeps_the_definition_and_refutes_the_claim(chapter_text: str) -> None:
    """g(t) = tanh(t): the row defining g is still a definition, the claim g' = (1 - g) g on the
    next row is refuted with a witness, and the derived side is the derivative of the new g."""
    v = next(v for v in VARIANTS if v.id == "changed_definition_tanh")
    rep, line, _ = variant_report(chapter_text, v)
    by_line = {r.line: r for r in rep.results}
    assert by_line[line - 1].status is Status.DEFINITION
    assert by_line[line - 1].latex.startswith("g(t) = ")
    claim = by_line[line]
    assert claim.status is Status.REFUTED
    assert claim.counterexample is not None
    # at the witness, tanh' = 1 - tanh^2 is the derived side and (1 - g) g the written one
    derived, written = float(claim.counterexample.lhs), float(claim.counterexample.rhs)
    g = (1 - (1 - 4 * written) ** 0.5) / 2, (1 + (1 - 4 * written) ** 0.5) / 2  # roots of (1-g)g
    assert any(abs(derived - (1 - x * x)) < 1e-6 for x in g), (derived, written)
