"""UFLDL's overall cost: `J(W,b)` (the mean of the samples' costs with weight decay) beside
one sample's `J(W,b;x,y)`, the same letter told apart by the arguments, read as two
quantities; its gradients verify, and the usual slips (a missing lambda W, a missing 1/m, a
decayed bias, a wrong-sign step) are refuted at their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.document import read_document
from derive.infer import infer
from derive.results import Status

DATA = Path(__file__).parent / "data" / "ufldl_cost"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
D, V, R, E, U = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.ERROR,
                 Status.UNCHECKED)


def _by_line(path: Path) -> dict[int, list]:  # type: ignore[type-arg]
    out: dict[int, list] = {}  # type: ignore[type-arg]
    for r in check_file(path).results:
        out.setdefault(r.line, []).append(r)
    return out


def test_the_overall_cost_is_a_quantity_of_its_own() -> None:
    inferred = infer(read_document(DATA / "cost.tex"))
    assert inferred.front["roles"]["loss"] == "J"
    assert inferred.front["roles"]["overall"] == "\\bar{J}"
    assert "\\bar{J}" in inferred.front["quantities"]
    assert any("overall cost" in f and "roles.overall" in f for f in inferred.facts)
    assert not inferred.not_checked


def test_the_correct_document_verifies() -> None:
    got = _by_line(DATA / "cost.tex")
    statuses = [r.status for rs in got.values() for r in rs]
    assert statuses.count(D) == 6 and statuses.count(V) == 6, statuses
    assert got[22][0].status is D  # J(W,b) = [1/m sum J(W,b;x^(k),y^(k))] + decay
    for line in (26, 27, 31, 32, 39, 42):
        assert got[line][0].status is V, (line, got[line][0].message)
    # the gradient of the overall cost rests on its definition, not on the sample's cost alone
    assert "\\bar{J}" in (got[31][0].derivation or "")


def test_the_planted_slips_are_refuted_with_their_diagnosis() -> None:
    got = _by_line(DATA / "cost-slips.tex")
    refuted = {line for line, rs in got.items() if rs[0].status is R}
    assert refuted == {26, 30, 34, 38, 42}, refuted
    assert "wrong sign" in (got[26][0].diagnosis or "")  # W + alpha dJ/dW
    assert "lacks a factor $\\lambda$" in (got[30][0].diagnosis or "")  # + W, not + lambda W
    assert "lacks a factor" in (got[38][0].diagnosis or "")  # the mean's 1/m left out
    assert "should not be there" in (got[42][0].diagnosis or "")  # the bias decayed
    assert all(r.status is D for line in (7, 10, 14, 18, 22) for r in got[line])


def test_a_sample_cost_with_two_samples_is_an_error_at_its_place(capsys) -> None:  # type: ignore[no-untyped-def]
    """J(W,b;x^{(k)},y^{(i)}): the label of another sample (steven2358's l.193) is not read as
    one sample's cost: an error placed at the second sample's tag, with a hint."""
    got = _by_line(DATA / "cost-slips.tex")
    assert got[46][0].status is E
    assert "not one sample" in (got[46][0].message or "")
    rc = main(["check", str(DATA / "cost-slips.tex"), "--color", "never"])
    cap = capsys.readouterr()
    out = cap.out + cap.err
    assert rc != 0 and "cost-slips.tex:46:126: error: the sample of `J`" in out
    assert "hint: tag every argument after `;` with the same sample" in out


def test_the_json_output_names_the_overall_cost(capsys) -> None:  # type: ignore[no-untyped-def]
    main(["check", str(DATA / "cost.tex"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    rows = [r for f in doc["files"] for r in f["results"] if r["line"] == 22]
    assert rows and rows[0]["status"] == "definition" and "\\bar{J}" in rows[0]["parsed"]


def test_a_markdown_version_reads_the_same(tmp_path: Path) -> None:
    """The same document in Markdown (UFLDL's own pages are Markdown) reads the same."""
    text = (DATA / "cost.tex").read_text()
    doc = tmp_path / "cost.md"
    body = text.split("\\begin{document}")[1].split("\\end{document}")[0]
    body = body.replace("\\begin{equation}", "$$").replace("\\end{equation}", "$$")
    body = body.replace("\\begin{align}", "$$\\begin{aligned}").replace(
        "\\end{align}", "\\end{aligned}$$").replace("\\section{", "# {")
    doc.write_text(body)
    got = [r.status for r in check_file(doc).results]
    assert got.count(V) == 6 and R not in got and E not in got, got


@pytest.mark.skipif(not (CORPUS / "steven2358_backprop.tex").exists(),
                    reason="the shared corpus is not here")
def test_steven2358_overall_cost_rows_are_read() -> None:
    """l.178 defines the overall cost; l.183-184 (updates) and l.191 (its gradient with
    lambda W) verify; l.193's y^{(i)} for y^{(k)} is an error naming the two samples."""
    got = _by_line(CORPUS / "steven2358_backprop.tex")
    assert got[178][0].status is D
    for line in (183, 184, 191):
        assert got[line][0].status is V, line
    assert got[193][0].status is E and "(k)" in got[193][0].message


def test_another_function_under_the_loss_letter_is_not_the_overall_cost(tmp_path: Path) -> None:
    """J(z) beside J(W,b;x,y) (an objective of other arguments): not the overall cost of the
    same parameters W, b, so no second quantity is made."""
    text = (DATA / "cost.tex").read_text().replace(
        "J(W,b) = \\left[", "J(z) = \\left[", 1)
    doc = tmp_path / "other.tex"
    doc.write_text(text)
    inferred = infer(read_document(doc))
    assert "overall" not in inferred.front.get("roles", {})
    assert "\\bar{J}" not in inferred.front.get("quantities", {})


def test_roles_overall_is_a_front_matter_role() -> None:
    from derive.errors import InputError
    from derive.notation import notation_from_front

    got = notation_from_front({"roles": {"loss": "J", "overall": "\\bar{J}"}}, "doc.md")
    assert got.overall == "\\bar{J}" and got.loss == "J"
    with pytest.raises(InputError, match="a name of its own"):
        notation_from_front({"roles": {"loss": "J", "overall": "J"}}, "doc.md")


def test_weights_a_batch_cost_reads_are_the_samples_shared_parameters() -> None:
    """The overall cost written out at each sample's hypothesis, with the decay: verified.
    The weights were read per sample where the text never differentiates by W, so the batch's
    cost and a claim at one sample saw different weights (a correct row refuted)."""
    rows = _by_line(DATA / "decay_at_samples.tex")
    assert [r.status for r in rows[23]] == [D]
    for line in (27, 30, 33):
        assert [r.status for r in rows[line]] == [V], line
    (slip,) = rows[37]
    assert slip.status is R and "constant factor in one term" in (slip.diagnosis or "")
    spec = infer(read_document(DATA / "decay_at_samples.tex")).front["quantities"]["W"]
    assert spec.get("parameter") is True
