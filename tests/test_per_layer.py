"""A scalar of an activation's body that the text differentiates by at a layer (PReLU's
`\\frac{\\partial L}{\\partial \\alpha} = \\delta^{l+1} ...`) is a parameter of each layer: the one
the layer's function applies to that layer's value, written bare at layers l and l+1 read as
layer l's. One scalar every layer shares would make that derivative a sum over the layers."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.infer import infer
from derive.results import Status
from derive.sources import read

DATA = Path(__file__).parent / "data" / "per_layer"


def _at(rep, line):
    return [r for r in rep.results if r.line == line]


def test_the_slope_of_an_activation_layer_is_each_layers_own() -> None:
    rep = check_file(DATA / "prelu.md")
    assert [r.status for r in _at(rep, 16)] == [Status.VERIFIED]  # δ^l through PReLU
    assert [r.status for r in _at(rep, 26)] == [Status.VERIFIED]
    assert [r.status for r in _at(rep, 27)] == [Status.VERIFIED]
    swapped, = _at(rep, 34)
    assert swapped.status is Status.REFUTED and "exchanged" in swapped.diagnosis
    for line in (40, 46):  # the wrong layer's error; α kept in its own derivative
        slip, = _at(rep, line)
        assert slip.status is Status.REFUTED, line
    assert any("a parameter of each layer" in n and "line 26" in n for n in rep.notes)
    far, = _at(rep, 52)  # δ^{l+2} beside z^l: which layer's α is not said
    assert far.status is Status.ERROR and "which layer's is meant is not read" in far.message


def test_a_slope_shared_by_a_layers_units_sums_over_them() -> None:
    rep = check_file(DATA / "prelu_units.tex")
    assert [r.status for r in _at(rep, 14)] == [Status.VERIFIED]  # φ' reads the layer's α
    assert [r.status for r in _at(rep, 18)] == [Status.VERIFIED]
    slip, = _at(rep, 22)
    assert slip.status is Status.REFUTED and "min" in slip.diagnosis
    assert "\\alpha^{2}" in slip.counterexample.point  # in the text's tag style, not ^{(2)}
    unsummed, = _at(rep, 26)
    assert unsummed.status is Status.ERROR and "`j` is not bound" in unsummed.message


def test_a_scalar_never_differentiated_by_stays_one_scalar(tmp_path: Path) -> None:
    """A leaky ReLU's fixed α is not differentiated by: one scalar, said as before."""
    text = (DATA / "prelu.md").read_text().split("and $\\alpha$ is learned")[0]
    (tmp_path / "leaky.md").write_text(text)
    out = infer(read(tmp_path / "leaky.md"))
    spec = out.front["scalars"]["\\alpha"]
    assert not (isinstance(spec, dict) and spec.get("per_layer"))
    assert any("checked at random positive values" in f and "parameter of each layer" not in f
               for f in out.facts)
