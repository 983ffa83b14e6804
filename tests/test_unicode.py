"""LaTeX shown as Unicode in the terminal: a table of (LaTeX, expected text) pairs."""

from __future__ import annotations

import pytest

from derive.unicode import to_unicode

CASES = [
    (r"\frac{\partial{z}}{\partial{x_1}}", "∂z/∂x₁"),
    (r"\sum_{\substack{1 \le j \le C_n \\ j \ne i}} a_j", "Σ_(1 ≤ j ≤ Cₙ ; j ≠ i) aⱼ"),  # the rows
    (r"z^{(l+1)}_i = b^{(l)}_i", "z⁽ˡ⁺¹⁾ᵢ = b⁽ˡ⁾ᵢ"),
    (r"g(t) = \frac{1}{1 + e^{-t}}", "g(t) = 1/(1 + e⁻ᵗ)"),
    (r"g^{\prime}(t)", "g′(t)"),
    (r"\frac{\partial \mathcal{L}}{\partial w^{(l)}_{ij}}", "∂ℒ/∂w⁽ˡ⁾ᵢⱼ"),
    (r"\sum_{j=1}^{C_n} y_j", "Σⱼ₌₁^(Cₙ) yⱼ"),  # no superscript C: kept readable
    (r"\hat{y}_i - y_i", "ŷᵢ - yᵢ"),
    (r"\delta^L = \nabla_a C \odot \sigma'(z^L)", "δᴸ = ∇ₐ C ⊙ σ′(zᴸ)"),
    (r"w \leftarrow w - \alpha \frac{1}{m} \sum_x \delta", "w ← w - α 1/m Σₓ δ"),
    (r"(W^{[2]})^T", "(W^([2]))ᵀ"),
    (r"y_j \in \{0, 1\}", "yⱼ ∈ {0, 1}"),
    (r"\left( \frac{a}{b} \right)", "(a/b)"),
    (r"\mathbb{1}\{y = k\}", "𝟙{y = k}"),
    (r"\operatorname*{argmax}_j o_j", "argmaxⱼ oⱼ"),  # the star (limits below) is not shown
    (r"\unknownmacro{x}", r"\unknownmacro{x}"),  # unknown: as written, never guessed
]


@pytest.mark.parametrize(("latex", "text"), CASES)
def test_to_unicode(latex: str, text: str) -> None:
    assert to_unicode(latex) == text


def test_human_output_shows_unicode_and_latex_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from derive.cli import main

    mini = Path(__file__).resolve().parents[1] / "tests" / "golden" / "mini.md"
    main(["check", str(mini)])
    out = capsys.readouterr().out
    assert "∂ℒ/∂z⁽ⁿ⁾ᵢ = ŷᵢ - yᵢ" in out and "labels sum to one: Σⱼ yⱼ = 1" in out
    main(["check", str(mini), "--latex"])
    out = capsys.readouterr().out
    assert r"\frac{\partial{\mathcal{L}}}{\partial{z^{(n)}_i}} = \hat{y}_i - y_i" in out
