"""Correct rewrites of the chapter: each one edit of `formulas/backprop.md` must keep its verdict.

Every case replaces one exact substring of the shipped chapter (asserted to occur exactly once)
by an equivalent way of writing it (reordered factors or terms, a renamed summation index,
g'(z) spelt out as a(1 - a), ...), cuts the document after the edited display formula and
checks the edited formula with the model the formulas before it build: the edited row must be
VERIFIED (or keep the verdict the original row has, for the two rows the chapter states under an
unstated one-hot assumption), and every other row of the formula must keep the verdict it has in
the unedited chapter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from chapter_edits import check_edited, edit_chapter, formula_keys, result_key

from derive.results import Status


@dataclass(frozen=True)
class Rewrite:
    id: str
    old: str  # occurs exactly once in the chapter
    new: str
    formula_line: bool = False  # the verdict is reported at the formula's first row (cases)
    same_as_original: bool = False  # the original row is not VERIFIED: keep its verdict


REWRITES = [
    Rewrite("chain_rule_terms_and_factors_reordered",
            r"&=\ \frac{\partial{z}}{\partial{y_1}} \frac{\partial{y_1}}{\partial{x_1}} + "
            r"\frac{\partial{z}}{\partial{y_2}} \frac{\partial{y_2}}{\partial{x_1}}",
            r"&=\ \frac{\partial{y_2}}{\partial{x_1}} \frac{\partial{z}}{\partial{y_2}} + "
            r"\frac{\partial{z}}{\partial{y_1}} \frac{\partial{y_1}}{\partial{x_1}}"),
    Rewrite("sigmoid_prime_factors_swapped", r"(1 - g(t))g(t)", r"g(t)(1 - g(t))"),
    Rewrite("sigmoid_prime_expanded", r"(1 - g(t))g(t)", r"g(t) - g(t)^2"),
    Rewrite("sigmoid_prime_closed_form", r"(1 - g(t))g(t)", r"\frac{e^{-t}}{(1 + e^{-t})^2}"),
    Rewrite("mse_half_inside_and_square_flipped",
            r"&= \ \frac{1}{2} \frac{\partial{\bigg [ (y_i - g(z^{(n)}_i))^2 \bigg ]}}",
            r"&= \ \frac{\partial{\bigg [ \frac{1}{2} (g(z^{(n)}_i) - y_i)^2 \bigg ]}}"),
    Rewrite("mse_output_gprime_as_a_one_minus_a",
            r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)",
            r"&= \ - (y_i - g(z^{(n)}_i)) a^{(n)}_i(1 - a^{(n)}_i)"),
    Rewrite("mse_output_sign_moved_inside",
            r"&= \ - (y_i - g(z^{(n)}_i)) g^{\prime}(z^{(n)}_i)",
            r"&= \ (a^{(n)}_i - y_i) g^{\prime}(z^{(n)}_i)"),
    Rewrite("recursion_factors_reordered",
            r"&= \ \sum_{j=1}^{C_{l+1}} \delta^{(l+1)}_j w_{ji}^{(l)} g^{\prime}(z^{(l)}_i) \\",
            r"&= \ \sum_{j=1}^{C_{l+1}} w_{ji}^{(l)} \delta^{(l+1)}_j g^{\prime}(z^{(l)}_i) \\"),
    Rewrite("recursion_summed_over_k",
            r"&= \ g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_{l+1}} \delta^{(l+1)}_j w_{ji}^{(l)}\end{split}",
            r"&= \ g^{\prime}(z^{(l)}_i) \sum_{k=1}^{C_{l+1}} \delta^{(l+1)}_k w_{ki}^{(l)}\end{split}"),
    Rewrite("recursion_gprime_as_a_one_minus_a",
            r"&= \ g^{\prime}(z^{(l)}_i) \sum_{j=1}^{C_{l+1}} \delta^{(l+1)}_j w_{ji}^{(l)}\end{split}",
            r"&= \ a^{(l)}_i (1 - a^{(l)}_i) \sum_{j=1}^{C_{l+1}} \delta^{(l+1)}_j w_{ji}^{(l)}\end{split}"),
    Rewrite("dw_factors_reordered", r"&= \ \delta^{(l+1)}_i a^{(l)}_j \\",
            r"&= \ a^{(l)}_j \delta^{(l+1)}_i \\"),
    Rewrite("db_as_the_derivative_it_names", r"&= \ \delta^{(l+1)}_i\end{split}",
            r"&= \ \frac{\partial{\mathcal{L}}}{\partial{z^{(l+1)}_i}}\end{split}"),
    Rewrite("w_update_alpha_times_one_over_m", r"w_{ij}^{(l)} - \frac{\alpha}{m} \sum_x",
            r"w_{ij}^{(l)} - \alpha \frac{1}{m} \sum_x"),
    Rewrite("b_update_sum_over_m", r"b_i^{(l)} - \frac{\alpha}{m} \sum_x \delta^{(l+1)}_i",
            r"b_i^{(l)} - \alpha \frac{\sum_x \delta^{(l+1)}_i}{m}"),
    Rewrite("softmax_offdiagonal_factors_reordered", r"- \hat{y}_j \hat{y}_i & & i \ne j",
            r"- \hat{y}_i \hat{y}_j & & i \ne j", formula_line=True),
    Rewrite("softmax_diagonal_expanded", r"\hat{y}_i (1 - \hat{y}_i) & & i = j",
            r"\hat{y}_i - \hat{y}_i^2 & & i = j", formula_line=True),
    Rewrite("ce_dL_dyhat_with_cdot", r"&= \ - \frac{y_j}{\hat{y}_j}\end{split}",
            r"&= \ - y_j \cdot \frac{1}{\hat{y}_j}\end{split}"),
    Rewrite("ce_terms_reordered", r"&= \ - y_i + \sum_{j=1}^{C_n} y_j \times \hat{y}_i \\",
            r"&= \ \hat{y}_i \sum_{j=1}^{C_n} y_j - y_i \\"),
    # the chapter's last step of dL/da and its delta^{(n)} hold only for one-hot labels: the
    # rewrite must keep that verdict (CONDITIONAL with the same assumption), not change it
    Rewrite("ce_final_terms_reordered", r"&= \ - y_i + \hat{y}_i\end{split}",
            r"&= \ \hat{y}_i - y_i\end{split}", same_as_original=True),
    Rewrite("ce_delta_reordered", r"&= \ (- y_i + \hat{y}_i) g^{\prime}(z^{(n)}_i)",
            r"&= \ g^{\prime}(z^{(n)}_i) (\hat{y}_i - y_i)", same_as_original=True),
    # the softmax Jacobian's two cases in one line with the Kronecker delta: \delta_{ij} (two
    # indices, no layer tag) is not the chapter's error \delta^{(l)}_i
    Rewrite("softmax_jacobian_with_kronecker_delta",
            r"\begin{cases} - \hat{y}_j \hat{y}_i & & i \ne j \\" "\n"
            r"\hat{y}_i (1 - \hat{y}_i) & & i = j \end{cases}",
            r"\hat{y}_i (\delta_{ij} - \hat{y}_j)"),
]


def test_rewrite_table_is_sound(chapter_text: str) -> None:
    ids = [r.id for r in REWRITES]
    assert len(ids) == len(set(ids)) and len(REWRITES) >= 10
    for r in REWRITES:
        assert chapter_text.count(r.old) == 1, r.id


@pytest.mark.parametrize("rw", [pytest.param(r, id=r.id) for r in REWRITES])
def test_rewrite_keeps_the_verdict(chapter_text: str, chapter_baseline: dict, rw: Rewrite) -> None:
    text, line, first = edit_chapter(chapter_text, rw.old, rw.new)
    rep, number = check_edited(text, first)
    target = first if rw.formula_line else line
    edited = [r for r in rep.results if r.line == target]
    assert edited, f"no result at line {target}"
    for r in edited:
        original = chapter_baseline[result_key(r)]
        if rw.same_as_original:
            assert original.status is not Status.VERIFIED  # the case is still meaningful
            assert (r.status, r.assumptions) == (original.status, original.assumptions), r.message
        else:
            assert r.status is Status.VERIFIED, (r.line, r.step, r.message, r.diagnosis)
    # nothing else changes: the same rows, each with its verdict from the unedited chapter
    assert {result_key(r) for r in rep.results} == formula_keys(chapter_baseline, number)
    for r in rep.results:
        assert r.status is chapter_baseline[result_key(r)].status, (r.line, r.step, r.message)
        assert not r.lint or r.lint == chapter_baseline[result_key(r)].lint, r.lint
