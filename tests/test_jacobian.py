"""Derivatives of vectors in the vector chain rule (issue 12), read without front matter
(tests/data/jacobian): `\\frac{\\partial a}{\\partial z}` of vectors is the Jacobian,
`\\frac{\\partial z}{\\partial W}` by a matrix a three-index object (written equal to a vector by the
standard abuse of notation), and a chain `\\frac{\\partial C}{\\partial a} \\frac{\\partial a}{\\partial
z} \\frac{\\partial z}{\\partial W}` is read by its entries. Every step is checked against the
document's own forward model; the correct documents verify, their planted slips (a missing
transpose, a swapped order, a wrong layer, a sign, an activation for its derivative) are refuted at
their line with the diagnosis in matrix terms, and each reading taken is said in the message.

* `chain-rule.md`: column vectors, `\\cdot` between the factors (a gaurav-style text);
* `delta-chain.md`: `\\delta^l := \\par{C}{z^l}` and `aligned` chains (a koerbitz-style text);
* `rowvec-chain.md`: row vectors, `x W + b`, `*` between the factors, denominator layout.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status
from tests.test_vector_engine import FORWARD_COMPONENTS, FORWARD_VECTORS  # the same two models

DATA = Path(__file__).parent / "data" / "jacobian"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED

# (line, step) -> verdict for every result of the correct documents
CORRECT = {
    "chain-rule.md": {(10, None): D, (16, None): D, (20, None): D, (26, None): D,
                      (34, None): V, (40, None): V, (46, None): V, (52, None): V, (58, None): V,
                      (64, None): V, (70, None): V, (78, None): V, (82, 1): V, (82, 2): V,
                      (88, None): V, (92, None): V},
    "delta-chain.md": {(15, None): D, (16, None): D, (23, None): D, (29, None): D,
                       (37, 1): V, (38, 2): V, (39, 3): V, (41, 1): V, (42, 2): V, (43, 3): V,
                       (51, None): V, (52, None): V, (61, 1): V, (62, 2): V, (63, 3): V,
                       (70, None): V, (76, None): V, (82, 1): V, (82, 2): V},
    "rowvec-chain.md": {(9, None): D, (15, None): D, (23, None): D, (29, 1): V, (29, 2): V,
                        (33, None): V, (37, 1): V, (37, 2): V, (44, None): V, (48, 1): V,
                        (48, 2): V},
}

# (line, step) -> words of the diagnosis of each planted slip; every other row keeps its verdict
SLIPS = {
    "chain-rule-slips.md": ("chain-rule.md", {
        (40, None): "sign",
        (46, None): "activation for its derivative",
        (52, None): "wrong layer",
        (70, None): "transpose is missing",
        (82, 2): "transpose is missing",
        (88, None): "wrong layer: $z^{l}$ should be $z^{l - 1}$",
        (92, None): "order is swapped",
    }),
    "delta-chain-slips.md": ("delta-chain.md", {
        (43, 3): "transpose is missing",
        (52, None): "wrong layer",
        (63, 3): "transpose is missing",
        (70, None): "order is swapped",
        (82, 2): "sign",
    }),
    "rowvec-chain-slips.md": ("rowvec-chain.md", {
        (29, 2): "order is swapped",
        (33, None): "wrong layer",
        (48, 2): "transpose is missing",
    }),
}


def _results(name: str) -> dict:
    out: dict = {}
    for r in check_file(DATA / name).results:
        assert (r.line, r.step) not in out, (name, r.line, r.step)
        out[(r.line, r.step)] = r
    return out


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_document_verifies(name):
    results = _results(name)
    assert {k: r.status for k, r in results.items()} == CORRECT[name]
    for r in results.values():
        if r.status is V:
            found = re.match(r"numeric: (\d+) evaluations", r.evidence)
            assert found and int(found.group(1)) > 0, r.evidence


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_slips_refuted_with_their_diagnosis(name):
    base, slips = SLIPS[name]
    results = _results(name)
    assert set(results) == set(CORRECT[base])
    for key, words in slips.items():
        r = results[key]
        assert r.status is R, (key, r.status, r.message)
        assert words in (r.diagnosis or ""), (key, r.diagnosis)
    for key, status in CORRECT[base].items():
        if key not in slips:
            assert results[key].status is status, (key, results[key].message)


def test_slip_documents_exit_1_and_correct_ones_0():
    for name in CORRECT:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["check", str(DATA / name)]) == 0, name
    for name in SLIPS:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["check", str(DATA / name)]) == 1, name


def test_readings_are_said():
    chain = _results("chain-rule.md")
    assert "read by its entries as the chain rule" in chain[(34, None)].message
    assert "numerator layout" in chain[(46, None)].message
    three = chain[(52, None)].message
    assert "standard abuse of notation" in three and "\\delta_{ij} v_k" in three
    assert "identity" in chain[(58, None)].message
    row = _results("rowvec-chain.md")
    assert "denominator layout" in row[(44, None)].message
    assert "\\delta_{ik} v_j" in row[(33, None)].message  # a row vector: z_k depends on column k


def test_json_gives_the_entries_checked():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["check", str(DATA / "chain-rule.md"), "--format", "json"])
    rows = {r["line"]: r for r in json.loads(buf.getvalue())["files"][0]["results"]}
    # the three-index derivative beside a^{L-1}: the Kronecker delta on the row index
    assert "\\delta_{" in rows[52]["parsed"] and "a^{L - 1}" in rows[52]["parsed"]
    # the chain by entries: sums over the entries of the intermediate vectors
    assert rows[34]["parsed"].count("\\sum_") == 2


def _check_text(tmp_path: Path, body: str) -> dict:
    head = (DATA / "chain-rule.md").read_text().split("## The last layer")[0]
    doc = tmp_path / "t.md"
    doc.write_text(head + "\n" + body + "\n")
    return {r.line: r for r in check_file(doc).results}


def test_a_layout_that_cannot_fit_is_a_shape_finding(tmp_path):
    """A Jacobian by a vector beside a matrix that fits neither layout: not a guess, a shape
    finding, refuted with the edit that makes it fit and hold (a wrong layer)."""
    results = _check_text(tmp_path, "$$\n\\frac{\\partial z^L}{\\partial a^{L-1}} = W^{L-1}\n$$")
    r = results[max(results)]
    assert r.status is R and "shape mismatch" in r.message
    assert "wrong layer: $W^{L-1}$ should be $W^{L}$" in (r.diagnosis or "")
    results = _check_text(tmp_path, "$$\n\\frac{\\partial z^L}{\\partial a^{L-1}} = a^{L-1}\n$$")
    r = results[max(results)]
    assert r.status is Status.UNCHECKED and "shape mismatch" in r.message


def test_derivative_of_a_vector_expression(tmp_path):
    """What is differentiated may be an expression; what it is differentiated with respect to
    must be a single quantity (else a placed error)."""
    results = _check_text(
        tmp_path, "$$\n\\frac{\\partial (W^L a^{L-1})}{\\partial a^{L-1}} = W^L\n$$")
    assert results[max(results)].status is V
    results = _check_text(
        tmp_path, "$$\n\\frac{\\partial z^L}{\\partial (W^L a^{L-1})} = 1\n$$")
    r = results[max(results)]
    assert r.status is Status.ERROR
    assert "with respect to a single quantity" in r.message


def test_operator_without_brackets_is_a_placed_error(tmp_path):
    """Not right after the derivative of one quantity by the same variable (here the left side
    is by `a^{L-1}`): nothing says where the operator ends."""
    results = _check_text(
        tmp_path, "$$\n\\frac{\\partial z^L}{\\partial a^{L-1}} = \\frac{\\partial}{\\partial b^L} "
                  "W^L a^{L-1} + b^L\n$$")
    r = results[max(results)]
    assert r.status is Status.ERROR and "follows in brackets" in r.message


def test_operator_writing_out_the_quantity_before_it_differentiates_all_of_it(tmp_path):
    """`dz/db = d/db W a + b`: right after the derivative of z by b, the side writes z out
    (derive.latex.calculus.operands_written_out): the operator takes all of it."""
    results = _check_text(
        tmp_path, "$$\n\\frac{\\partial z^L}{\\partial b^L} = \\frac{\\partial}{\\partial b^L} "
                  "W^L a^{L-1} + b^L\n$$")
    assert results[max(results)].status is V


# (claim in vector form, expected status, words of the diagnosis or message); the same claims
# over a forward model written in components and one written in vectors (a mixed document)
JACOBIAN_CLAIMS = [
    (r"\frac{\partial a^l}{\partial z^l} = \mathrm{diag}(\sigma'(z^l))", "verified", "numerator"),
    (r"\frac{\partial a^l}{\partial z^l} = \sigma'(z^l)", "verified", "diagonal matrix"),
    (r"\frac{\partial z^l}{\partial a^{l-1}} = w^l", "verified", "numerator"),
    (r"\frac{\partial z^l}{\partial a^{l-1}} = (w^l)^T", "verified", "denominator layout"),
    (r"\frac{\partial z^l}{\partial b^l} = 1", "verified", "identity"),
    (r"\frac{\partial z^l}{\partial w^l} = a^{l-1}", "verified", "abuse of notation"),
    (r"\frac{\partial z^l}{\partial w^l} = (a^{l-1})^T", "verified", "abuse of notation"),
    (r"\frac{\partial C}{\partial w^l} = \delta^l \frac{\partial z^l}{\partial w^l}", "verified",
     "chain rule"),
    (r"\frac{\partial C}{\partial a^{l-1}} = \frac{\partial C}{\partial z^l} \frac{\partial z^l}"
     r"{\partial a^{l-1}}", "verified", "chain rule"),
    (r"\delta^{l-1} = \delta^l \frac{\partial z^l}{\partial a^{l-1}} \frac{\partial a^{l-1}}"
     r"{\partial z^{l-1}}", "verified", "chain rule"),
    (r"\delta^{l-1} = \frac{\partial a^{l-1}}{\partial z^{l-1}} \frac{\partial z^l}"
     r"{\partial a^{l-1}} \delta^l", "verified", "denominator layout"),
    (r"\delta^{l-1} = \frac{\partial z^l}{\partial a^{l-1}} \frac{\partial a^{l-1}}"
     r"{\partial z^{l-1}} \delta^{l-1}", "unchecked", "shape mismatch"),
    # the operator form and a vector expression differentiated
    (r"\frac{\partial z^l}{\partial w^l} = \frac{\partial}{\partial w^l} (w^l a^{l-1} + b^l)",
     "verified", "abuse of notation"),
    (r"\frac{\partial z^l}{\partial a^{l-1}} = \frac{\partial (w^l a^{l-1} + b^l)}"
     r"{\partial a^{l-1}}", "verified", "numerator"),
    (r"\frac{\partial C}{\partial a^{l-1}} = \frac{\partial C}{\partial z^l} \frac{\partial}"
     r"{\partial a^{l-1}} \left( w^l a^{l-1} + b^l \right)", "verified", "chain rule"),
    # slips
    (r"\frac{\partial z^l}{\partial b^l} = \frac{\partial}{\partial b^l} (w^l a^{l-1})",
     "refuted", ""),
    (r"\frac{\partial a^l}{\partial z^l} = \sigma(z^l)", "refuted", "derivative"),
    (r"\frac{\partial z^l}{\partial w^l} = a^{l}", "refuted", "wrong layer"),
    (r"\frac{\partial z^l}{\partial b^l} = 2", "refuted", ""),
    (r"\frac{\partial C}{\partial a^{l-1}} = \frac{\partial C}{\partial z^l} \frac{\partial z^{l+1}}"
     r"{\partial a^{l-1}}", "refuted", "wrong layer"),
    (r"\frac{\partial C}{\partial w^l} = \frac{\partial C}{\partial z^l} a^{l-1}", "refuted",
     "transpose is missing"),
]


@pytest.mark.parametrize("forward", [FORWARD_COMPONENTS, FORWARD_VECTORS],
                         ids=["component-definitions", "vector-form-only"])
def test_jacobian_claims(tmp_path: Path, forward: str) -> None:
    text = "# Jacobians\n" + forward + "".join(f"\n$${c}$$\n" for c, _, _ in JACOBIAN_CLAIMS)
    doc = tmp_path / "notes.md"
    doc.write_text(text, encoding="utf-8")
    results = {r.line: r for r in check_file(doc).results}
    lines = text.splitlines()
    start = len(forward.splitlines())
    for claim, status, words in JACOBIAN_CLAIMS:
        r = results[lines.index(f"$${claim}$$", start) + 1]
        assert r.status.value == status, (claim, r.status.value, r.message)
        assert words in (r.diagnosis or "") + r.message, (claim, r.diagnosis, r.message)
        if status == "verified":  # in a chain, what is differentiated stands for z, not C
            assert not r.lint, (claim, r.lint)
