"""UFLDL's softmax regression with K classes (issues 11, 12): the parameters shared by the m
samples of the cost (a given quantity the text differentiates by, never written with a sample's
superscript), read first entry by entry (tests/data/ufldl_softmax/entries-samples*.md).

Hand check: J = -Σ_i Σ_k y_k^{(i)} (u_k^{(i)} - log Σ_j e^{u_j^{(i)}}) with
u_k^{(i)} = Σ_a θ_{ak} x_a^{(i)}; ∂u_c^{(i)}/∂θ_{ak} = [c = k] x_a^{(i)}, so
∂J/∂θ_{ak} = -Σ_i x_a^{(i)} (y_k^{(i)} - (Σ_c y_c^{(i)}) p_k^{(i)}), which is
-Σ_i x_a^{(i)} (y_k^{(i)} - p_k^{(i)}) for one-hot labels.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "ufldl_softmax"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED


def test_entries_over_the_samples_verify() -> None:
    """θ is one for all samples: ∂J/∂θ_{ak} sums every sample's term (a per-sample θ would
    keep one sample's and refute the correct gradient)."""
    assert_verdicts(check_file(DATA / "entries-samples.md"),
                    [(7, D, None), (13, D, None), (19, V, None), (23, V, None)])


def test_entries_over_the_samples_slips() -> None:
    assert_verdicts(check_file(DATA / "entries-samples-slips.md"),
                    [(7, D, None), (13, D, None), (19, R, "sign"), (23, R, None)])


def _block(text: str, head: str) -> str:
    return text.split(head + "\n")[1].split("\n[")[0]


def test_the_shared_parameter_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    """θ, differentiated by and never per sample, is a parameter; x^{(i)}, y^{(i)} are not."""
    assert main(["notation", str(DATA / "entries-samples.md")]) == 0
    text = capsys.readouterr().out
    assert "parameter = true" in _block(text, '[quantities."\\\\theta"]'), text
    assert "parameter" not in _block(text, "[quantities.x]"), text
    assert "parameter" not in _block(text, "[quantities.y]"), text
