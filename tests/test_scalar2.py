"""Scalar calculus as cs231n writes it, beyond products and sums (tests/data/scalar_calculus2):
`\\max`/`\\min` gates with indicator derivatives (`\\mathbb{1}(...)`, `\\mathbb{1}\\{...\\}`,
`1\\{...\\}`, `[...]`, `\\mathbb{I}`, the step), checked away from the kinks; parameters written as a
function's subscript (`f_c(x) = c + x`, `f_a(x) = a x`: c and a given numbers); several
definitions of one function in one formula, each covering the rows up to the next; and the
corpus document itself (../shared/corpus/cs231n_optimization-2.md) when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status

DATA = Path(__file__).parent / "data" / "scalar_calculus2"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
D, V, R, E = Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.ERROR


def _results(path: Path):  # type: ignore[no-untyped-def]
    return check_file(path).results


def test_gates_with_kinks_and_constants_verify() -> None:
    got = [(r.line, r.status) for r in _results(DATA / "gates.md")]
    assert got == [(6, D), (6, V), (6, V), (12, D), (12, V), (12, V), (18, D), (18, V),
                   (18, V), (24, D), (24, V), (30, D), (32, V), (34, D), (36, V), (38, D),
                   (40, V), (42, D), (44, V), (50, D), (56, D), (56, V)]


def test_slips_are_refuted_at_their_line_with_the_diagnosis() -> None:
    got = _results(DATA / "slips.md")
    refuted = {r.line: r for r in got if r.status == R}
    assert sorted(refuted) == [6, 12, 18, 30, 34, 40]
    assert [(r.line, r.status) for r in got if r.line == 6] == [(6, D), (6, R), (6, V)]
    assert "wrong condition" in (refuted[6].diagnosis or "")
    assert "should be $x \\geq y$" in (refuted[6].message or "")
    assert "wrong condition" in (refuted[12].diagnosis or "")
    assert "extra factor" in (refuted[30].diagnosis or "")
    assert refuted[30].finding is not None and refuted[30].finding.quantities == ("c",)
    assert "missing factor" in (refuted[34].diagnosis or "")
    assert refuted[34].finding is not None and refuted[34].finding.quantities == ("a",)
    assert "sign" in (refuted[40].diagnosis or "")
    # the shift's derivative before the slip and the first gate of the formula still verify
    assert (26, V) in [(r.line, r.status) for r in got]


def test_a_claim_is_never_diagnosed_by_its_own_left_side() -> None:
    """dg/du = u for the ReLU: refuted with no diagnosis, not "lacks a factor dg/du"."""
    (slip,) = [r for r in _results(DATA / "slips.md") if r.line == 18 and r.status == R]
    assert "dg/du" not in (slip.diagnosis or "") and "\\frac" not in (slip.diagnosis or "")


def test_the_kink_is_avoided_where_max_is_checked(tmp_path: Path) -> None:
    """At x = y max has no derivative: the evaluation points keep away from it, so both the
    >= and the > spelling verify, and the strict one for the other argument too."""
    doc = tmp_path / "kink.md"
    doc.write_text("# k\n\n$$\nf(x,y) = \\max(x, y) \\hspace{1in} \\frac{\\partial f}{\\partial x} "
                   "= \\mathbb{1}(x > y) \\hspace{1in} \\frac{\\partial f}{\\partial y} = "
                   "\\mathbb{1}\\{y \\ge x\\}\n$$\n")
    assert [r.status for r in _results(doc)] == [D, V, V]


def test_read_as_names_each_definition_and_its_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(DATA / "gates.md"), "--color", "never"])
    out = capsys.readouterr().out
    assert "line 34: f = c + x (defined here)" in out and "c a given number" in out
    assert "(in the rows up to its next definition)" in out


def test_known_functions_keep_their_meaning_in_a_local_model(tmp_path: Path) -> None:
    """σ in the body of a local definition is the logistic sigmoid, not a number: a slope
    that ignores it is refuted."""
    doc = tmp_path / "s.md"
    doc.write_text("# s\n\n$$\nq(x) = \\sigma(x) \\hspace{1in} \\frac{dq}{dx} = 0\n$$\n")
    assert [r.status for r in _results(doc)] == [D, R]


@pytest.mark.skipif(not (CORPUS / "cs231n_optimization-2.md").exists(),
                    reason="the shared corpus is not here")
def test_cs231n_optimization_gets_a_verdict_on_every_formula(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # sympy.limit takes about a second here; a loaded machine (the suite beside other work)
    # must not turn the 5 s wall-clock budget into "not decided"
    monkeypatch.setattr("derive.model.limits.LIMIT_SECONDS", 60.0)
    got = _results(CORPUS / "cs231n_optimization-2.md")
    counts = {s: sum(r.status == s for r in got) for s in Status}
    assert counts[R] == 0 and counts[V] == 14 and counts[D] == 10 and counts[E] == 0
    limit = [r for r in got if r.line == 43]  # the limit that defines the derivative
    assert [r.status for r in limit] == [V] and "random smooth" in limit[0].evidence


# -- UFLDL: the hypothesis h_{W,b}(x), one sample's cost J(W,b;x,y), the batch mean with decay --

UFLDL = Path(__file__).parent / "data" / "ufldl_decay"


def _by_line(path: Path) -> dict[int, list]:  # type: ignore[type-arg]
    out: dict[int, list] = {}  # type: ignore[type-arg]
    for r in _results(path):
        out.setdefault(r.line, []).append(r)
    return out


def test_ufldl_the_hypothesis_and_one_samples_cost_are_read() -> None:
    """h_{W,b}(x) = a^{(n_l)} defines h (W and b its parameters, not indices), J(W,b;x,y) is
    read from it, and the backward pass verifies against that J."""
    got = _by_line(UFLDL / "ufldl.tex")
    assert [r.status for r in got[14]] == [D] and [r.status for r in got[18]] == [D]
    for line in (26, 27, 34, 37, 41, 44):
        assert [r.status for r in got[line]] == [V], line


def test_ufldl_the_overall_cost_under_the_same_name_is_a_quantity_of_its_own() -> None:
    """J(W,b) beside J(W,b;x,y): two quantities under one name, read apart (roles.overall);
    the row that defines the overall cost is its definition, never refuted as if it were one
    sample's (tests/test_ufldl_cost.py checks its gradients and slips)."""
    got = _by_line(UFLDL / "ufldl.tex")
    (row,) = got[22]
    assert row.status is D and "\\bar{J}" in row.parsed


def test_ufldl_slips_in_the_backward_pass_are_refuted() -> None:
    got = _by_line(UFLDL / "ufldl-slips.tex")
    assert [r.status for r in got[34]] == [R] and "sign" in (got[34][0].diagnosis or "")
    assert [r.status for r in got[37]] == [R] and "swapped" in (got[37][0].diagnosis or "")
    assert [r.status for r in got[41]] == [R] and "wrong index" in (got[41][0].diagnosis or "")
    assert [r.status for r in got[44]] == [V]


def test_ufldl_weight_decay_and_the_batch_mean_verify_when_the_cost_has_its_own_name() -> None:
    got = _by_line(UFLDL / "named.tex")
    assert [r.status for r in got[22]] == [D]
    assert [r.status for r in got[26]] == [V]  # [1/m sum_k dJ_k/dW] + lambda W
    assert [r.status for r in got[29]] == [V]  # 1/m sum_k dJ_k/db


def test_ufldl_weight_decay_slips_are_refuted_with_their_diagnosis() -> None:
    got = _by_line(UFLDL / "named-slips.tex")
    refuted = {line: rs[0] for line, rs in got.items() if rs[0].status is R}
    assert sorted(refuted) == [27, 31, 35, 38]
    lam = refuted[27].finding
    assert lam is not None and lam.kind.value == "missing_factor" and "\\lambda" in lam.quantities
    mean = refuted[31].finding
    assert mean is not None and mean.kind.value == "missing_factor"
    assert mean.quantities == ("\\frac{1}{m}",)
    assert "should not apply to the term" in (refuted[35].diagnosis or "")
    assert "extra factor" in (refuted[38].diagnosis or "")


@pytest.mark.skipif(not (CORPUS / "steven2358_backprop.tex").exists(),
                    reason="the shared corpus is not here")
def test_steven2358_gets_verdicts_and_keeps_its_one_real_slip() -> None:
    """l.205 (dz_i/dW_ij = a_i, for a_j) stays refuted, confirmed by hand; the overall cost
    J(W,b) is read (l.178 its definition, l.191 its gradient verifies); l.193 (y^{(i)} for
    y^{(k)}: two samples in one sample's cost) is an error with its reason; l.218 (a layer l
    left open where the output layer is meant) is conditional on l = n_l (tests/test_output_layer)."""
    got = _results(CORPUS / "steven2358_backprop.tex")
    assert [r.line for r in got if r.status is R] == [205]
    counts = {s: sum(r.status == s for r in got) for s in Status}
    assert counts[V] == 13 and counts[D] == 6
    assert sorted(r.line for r in got if r.status is E) == [193]
    assert [r.line for r in got if r.status is Status.CONDITIONAL] == [218]
    assert not [r for r in got if r.status is Status.UNCHECKED]


def test_ufldl_inference_reads_h_as_a_vector_of_the_parameters_not_a_matrix() -> None:
    """h_{W,b}(x): W and b are layered quantities, so the subscript lists parameters; h is the
    output layer's vector (its shape from h = a^{(n_l)}), not a function nor h_{ij}."""
    from derive.document import read_document
    from derive.infer import infer

    front = infer(read_document(UFLDL / "ufldl.tex")).front
    assert front["quantities"]["h"].get("shape") == ["s_{n_l}"]
    assert "h" not in front.get("functions", {})
    assert front["roles"]["loss"] == "J"


def test_ufldl_an_accumulator_delta_w_is_said_not_read_as_delta_times_w(tmp_path: Path) -> None:
    text = (UFLDL / "ufldl.tex").read_text().replace(
        "\\end{document}",
        "\\begin{equation}\nW^{(l)}_{ij} = W^{(l)}_{ij} - \\alpha \\frac{1}{m} \\Delta W^{(l)}_{ij}"
        "\n\\end{equation}\n\\end{document}")
    doc = tmp_path / "acc.tex"
    doc.write_text(text)
    last = max(_results(doc), key=lambda r: r.line)
    assert last.status is E and "reads as one name" in (last.message or "")


def test_a_layer_past_the_layers_read_without_a_sum_is_unchecked_not_a_sum_overrun(
        tmp_path: Path) -> None:
    """delta^{(l+1)} at the top layer when the text's definition of the output layer's delta
    is not read: the layers inferred are in doubt, so the claim is unchecked (it was refuted
    as "a summed index runs past", with no sum written)."""
    text = (UFLDL / "ufldl.tex").read_text().replace(
        "\\delta_i^{(n_l)} = (a_i^{(n_l)} - y_i) f'(z_i^{(n_l)})",
        "\\delta_i^{(n_l)} = \\frac{\\partial}{\\partial z_i^{(n_l)}} \\frac{1}{2} "
        "\\left\\| y - h_{W,b}(x) \\right\\|^2")
    text = text.replace("\\delta_i^{(l)} = \\frac{\\partial}{\\partial z_i^{(l)}} J(W,b;x,y)",
                        "\\delta_i^{(l)} = \\left( \\sum_{j=1}^{s_{(l+1)}} W_{ji}^{(l)} "
                        "\\delta_j^{(l+1)} \\right) f'(z_i^{(l)})")
    doc = tmp_path / "top.tex"
    doc.write_text(text)
    got = _results(doc)
    assert not [r for r in got if r.status is R]
    for line in (41, 44):  # dJ/dW = a_j delta^{(l+1)}_i, dJ/db = delta^{(l+1)}_i
        (row,) = [r for r in got if r.line == line]
        assert row.status is Status.UNCHECKED
        assert "outside the layers the tool read" in (row.message or "")
