"""The Kronecker delta `\\delta_{ij}` beside an error quantity named δ.

tests/data/functions/kronecker.md (no front matter) uses δ_k for the error of class k and δ_{kc}
for the Kronecker delta in the softmax Jacobian ∂ŷ_k/∂z_c = ŷ_k(δ_{kc} - ŷ_c);
kronecker_layers.md (front matter) the error δ^{(l)}_j of a layered network and δ_{ij}. The two
readings are told apart by use: two indices and no layer tag is the Kronecker delta, unless the
document's own δ takes two indices and no layer; where its δ takes two indices and a layer, the
clash is said at the formula's place. The Jacobian and the errors through it must verify; the
planted slips be refuted at their line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status

DATA = Path(__file__).parent / "data" / "functions"
V, R = Status.VERIFIED, Status.REFUTED

EXPECTED = {
    "kronecker.md": [
        (31, V, None),  # ŷ_k (δ_kc - ŷ_c)
        (37, R, "sign of a term: $\\hat{y}_{c}$ has the wrong sign"),
        (43, R, "missing factor: the right side lacks a factor $\\hat{y}_{k}$"),
        (49, V, None),  # Σ_c δ_kc ŷ_c = ŷ_k
        (56, V, None), (57, V, None), (58, V, None), (59, V, None),  # the error, step by step
        (66, R, "wrong index: $\\hat{y}_{c}$ should be $\\hat{y}_{k}$"),
    ],
    "kronecker_layers.md": [
        (55, V, None),
        (61, R, "wrong index: $h^{(L)}_{i}$ should be $h^{(L)}_{j}$"),
        (67, V, None), (73, V, None), (79, V, None),
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/functions/{name}") for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_jacobian_with_the_delta_verifies_and_slips_are_refuted(reports, name: str) -> None:
    rep = reports[name]
    claims = [r for r in rep.results if r.status is not Status.DEFINITION]
    assert [(r.line, r.status) for r in claims] == [(line, s) for line, s, _ in EXPECTED[name]], [
        (r.line, r.status.value, r.message) for r in claims]
    for r, (_, _, words) in zip(claims, EXPECTED[name]):
        if words is not None:
            assert r.diagnosis is not None and words in r.diagnosis, (r.line, r.diagnosis)


def test_the_error_delta_stays_a_quantity_and_the_reading_is_said(
        reports, capsys: pytest.CaptureFixture[str]) -> None:
    rep = reports["kronecker.md"]
    assert not [r for r in rep.results if r.status is Status.ERROR]
    assert [d.line for d in rep.definitions if d.defines == "\\delta"] == [25]  # δ_k = ∂ℓ/∂z_k
    assert main(["check", "--latex", str(DATA / "kronecker.md")]) == 1  # the planted slips
    out = capsys.readouterr().out
    assert ("read as: $\\delta_{kc}$ (line 31) read as the Kronecker delta, 1 when $k = c$ and 0 "
            "otherwise: two indices and no layer tag (the other uses of $\\delta$ are a "
            "quantity)") in out
    assert "read as: $\\delta_{i}$: $i$ in 1..$K$, defined at line 25" in out  # "$K$ classes"


def _doc(tmp_path: Path, delta_shape: str, layers: bool, formula: str) -> Path:
    front = "\n".join([
        "<!-- derive", "[roles]", 'layers = "L"', 'width = "N"', 'loss = "E"',
        "[quantities.h]", 'layers = "1..L"', 'shape = ["N_l"]', "given = true",
        '[quantities."\\\\delta"]', *(['layers = "1..L"'] if layers else []),
        f"shape = {delta_shape}", "given = true", "[quantities.E]", "-->", ""])
    path = tmp_path / "delta.md"
    path.write_text(front + "\n$$\n" + formula + "\n$$\n", encoding="utf-8")
    return path


def test_a_delta_with_two_indices_and_a_layer_clashes_with_the_kronecker_delta(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _doc(tmp_path, '["N_l", "N_l"]', True,
                "\\frac{\\partial h^{(l)}_j}{\\partial h^{(l)}_k} = \\delta_{jk}")
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    line = len(path.read_text().splitlines()) - 1
    col = path.read_text().splitlines()[line - 1].index("\\delta") + 1
    assert f"delta.md:{line}:{col}: error: `\\delta_{{jk}}` is ambiguous" in err
    assert "^~~~~~~~~~~" in err  # the caret under \delta_{jk}
    assert "the indicator [j = k] for the Kronecker delta" in err


def test_the_documents_own_two_index_delta_without_layers_is_its_quantity(tmp_path: Path) -> None:
    """A δ declared with two indices and no layer is that quantity: δ_{jk} is not replaced by
    the Kronecker delta (h_j = δ_{jk} would then hold only where j = k)."""
    path = _doc(tmp_path, '["N_L", "N_L"]', False,
                "\\frac{\\partial h^{(l)}_j}{\\partial h^{(l)}_k} = \\delta_{jk}")
    (res,) = check_file(path, "delta.md").results
    assert res.status is Status.REFUTED  # ∂h_j/∂h_k is the Kronecker delta; a given δ_jk is not
    path = _doc(tmp_path, '["N_l"]', True,
                "\\frac{\\partial h^{(l)}_j}{\\partial h^{(l)}_k} = \\delta_{jk}")
    (res,) = check_file(path, "delta.md").results
    assert res.status is Status.VERIFIED  # the error δ^{(l)}_j has one index: δ_jk is Kronecker's
