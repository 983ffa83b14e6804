"""Held-out documents of round 4, letter v (tests/data/heldout4/v-*): a network in vectors and
matrices whose chain rule is a product of Jacobians in numerator layout (`\\frac{\\partial
a}{\\partial z} = \\operatorname{diag}(\\sigma'(z))`, `\\frac{\\partial C}{\\partial z^l}` a row
vector), on a Jupyter-book page with its YAML front matter; the softmax's Jacobian and the
cross-entropy's gradient by Kronecker deltas, `\\sum_i t_i = 1` used in a step; a tanh network's
mean squared error averaged over a minibatch, the samples in superscripts `x^{(i)}`. Every
formula of each correct document gets a verdict and none is refuted; each planted slip of its
`-slips` copy is refuted at its line with the right diagnosis, every other row keeping its
verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.results import Status
from tests.conftest import assert_correct_copy, assert_slips_caught

DATA = Path(__file__).parent / "data" / "heldout4"
_VERDICTS = {Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL}

# correct document -> its slips copy, the number of its formulas' rows, and each slip
SLIPS = {
    "v-jacobians.md": ("v-jacobians-slips.md", 24, [
        (67, "wrong layer: $z^{l + 1}$ should be $z^{l}$"),
        (115, "wrong layer"),
        (127, "swapped indices"),
        (135, "wrong layer")]),
    "v-softmax-xent.md": ("v-softmax-xent-slips.md", 21, [
        (37, "sign of a term: $y_{i}$ has the wrong sign"),
        (51, "wrong index: $y_{i}$ should be $y_{j}$"),
        (70, "sign of a term"),
        (94, "swapped indices: $W_{kj}$ should be $W_{jk}$")]),
    "v-minibatch-mse.md": ("v-minibatch-mse-slips.md", 17, [
        (31, "missing factor: the right side lacks a factor $\\frac{1}{m}$"),
        (71, "wrong quantity: $h_{k}$ should be $x_{k}$"),
        (82, "sign of a term"),
        (90, "a transpose is missing")]),
}


# finding A of round 4 (v): a scalar's derivative by a column vector is read as a column (the
# gradient), not as the row the text's stated numerator layout makes it. The correct
# `\frac{\partial C}{\partial a^L} = (a^L - y)^T` (line 75) and the chain's product of four
# Jacobians (line 90) were refuted; they are conditional on numerator layout now, but
# `\delta^l = (\frac{\partial C}{\partial z^l})^T` (line 99) is still an error, and what rests
# on delta unchecked (the README: "Not read yet: numerator layout")
_NUMERATOR = pytest.mark.xfail(strict=True, reason=(
    "numerator layout not read: dC/da^L = (a^L - y)^T conditional, delta^l = (dC/dz^l)^T an "
    "error"))
_CASES = [pytest.param(n, marks=_NUMERATOR) if n == "v-jacobians.md" else n for n in sorted(SLIPS)]


@pytest.mark.parametrize("name", _CASES)
def test_correct_document_covered_and_refutes_nothing(name):
    rep = check_file(DATA / name)
    _, rows, _ = SLIPS[name]
    assert len(rep.results) == rows
    assert_correct_copy(rep, rows)  # every row a verdict: nothing unchecked, nothing an error
    assert all(r.status in _VERDICTS for r in rep.results)


@pytest.mark.parametrize("name", _CASES)
def test_every_slip_caught_at_its_line(name):
    base = check_file(DATA / name)
    slips_name, _, slips = SLIPS[name]
    assert_slips_caught(base, check_file(DATA / slips_name), slips)


def test_a_batch_cost_defined_as_the_mean_is_not_averaged_again():
    """`J = \\frac{1}{m} \\sum_{i=1}^m \\frac12 \\sum_r (\\hat y^{(i)}_r - y^{(i)}_r)^2` beside
    the prose's "the squared error averaged over the minibatch": J is the text's own batch
    cost, so `\\sum_{i=1}^m \\frac{\\partial J}{\\partial \\hat y^{(i)}_r} h^{(i)}_j` is that
    J's derivative, not `\\frac{1}{m} \\sum_i J`'s (whose sum over i nested in the chain's own
    was "a sum over `i` inside a sum over `i`", an error at lines 39 and 57)."""
    rep = check_file(DATA / "v-minibatch-mse.md")
    at = {r.line: r.status for r in rep.results}
    assert at[39] is at[40] is at[41] is at[57] is at[58] is Status.VERIFIED
    assert not any("mean over the samples" in f for f in infer_facts(DATA / "v-minibatch-mse.md"))


def infer_facts(path: Path) -> list[str]:
    from derive.check.build import prepare
    _, inferred = prepare(read_document(path))
    return inferred.facts if inferred is not None else []


_SOFTMAX = """# r

$$
y_i = \\frac{e^{z_i}}{\\sum_{k=1}^{K} e^{z_k}}
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = y_i (1 - y_i) \\qquad (i = j)
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = y_i (1 - y_j) \\quad \\text{if } i = j
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = -y_i y_i \\qquad (i \\neq j)
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = y_i y_j, \\quad i \\ne j
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = -y_i y_j \\quad \\text{for } i \\neq j.
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = -\\frac{e^{z_i} e^{z_j}}{(\\sum_{k=1}^{K} e^{z_k})^2} = -y_i y_j \\qquad (i \\neq j)
$$

$$
\\frac{\\partial y_i}{\\partial z_j} = -y_i y_j
$$
"""


def test_an_index_condition_after_the_equation_is_where_it_holds(tmp_path):
    """`\\qquad (i \\neq j)`, `\\quad \\text{if } i = j`, `, \\quad i \\ne j` after a claim
    (the softmax's Jacobian off and on its diagonal) say where it holds: checked at those index
    values only, said in "read as"; a slip is still refuted there. Without the condition the
    off-diagonal claim stays conditional (it was an error, "unknown symbol `i`", with it)."""
    path = tmp_path / "cases.md"
    path.write_text(_SOFTMAX, encoding="utf-8")
    rep = check_file(path)
    at = {}
    for r in rep.results:
        at.setdefault(r.line, []).append(r)
    assert [r.status for r in at[8]] == [Status.VERIFIED]
    assert [r.status for r in at[12]] == [Status.VERIFIED]
    assert [r.status for r in at[16]] == [Status.REFUTED]
    assert [r.status for r in at[20]] == [Status.REFUTED] and "sign" in at[20][0].diagnosis
    assert [r.status for r in at[24]] == [Status.VERIFIED]
    assert [r.status for r in at[28]] == [Status.VERIFIED, Status.VERIFIED]
    assert [r.status for r in at[32]] == [Status.CONDITIONAL]
    assert any("line 16: `i \\neq j` after the equation read as the condition" in n
               for n in _notes(path)), _notes(path)
    # `\\qquad (l = L)`: no relation of two free indices (L the number of layers): an error
    # that says so, never a condition dropped (the claim checked at every layer)
    path.write_text(_SOFTMAX.replace("(i = j)", "(i = K)"), encoding="utf-8")
    at8 = [r for r in check_file(path).results if r.line == 8]
    assert [r.status for r in at8] == [Status.ERROR]
    assert "a condition is read only between two of the equation's free indices" in (
        at8[0].message)


def _notes(path: Path) -> list[str]:
    """The "read as" lines `derive check` prints for the file."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "derive", "check", "--color", "never", str(path)],
                         capture_output=True, text=True, check=False).stdout
    return [line.strip() for line in out.splitlines() if line.strip().startswith("read as:")]


_CLAIMED = """# r

$$
z^l = W^l a^{l-1} + b^l
$$

$$
a^l = \\sigma(z^l)
$$

$$
C = \\frac{1}{2} \\| a^L - y \\|^2
$$

$$
\\delta^l = \\frac{\\partial C}{\\partial z^l}
$$

$$
\\frac{\\partial C}{\\partial W^l_{jk}} = \\delta^l_k a^{l-1}_j
$$
"""


def test_a_claim_does_not_reshape_what_the_vector_form_defines(tmp_path):
    """`W^l_{jk}` written only in a claim, with its indices swapped, beside `z^l = W^l a^{l-1}
    + b^l`: the claim's ranges (j over the layer below) made W square-incompatible, the
    definition an error and every row unchecked; the vector form's definition sizes W, and the
    slip is refuted as swapped indices (v-jacobians-slips.md line 127 had turned the whole
    document unchecked)."""
    path = tmp_path / "claimed.md"
    path.write_text(_CLAIMED, encoding="utf-8")
    rep = check_file(path)
    assert [r.status for r in rep.results] == [Status.DEFINITION] * 4 + [Status.REFUTED]
    assert "swapped indices" in rep.results[-1].diagnosis
    facts = infer_facts(path)
    assert any(f.startswith("$W^{l}_{ij}$") and "$i$ in 1..$K_l$" in f
               and "$j$ in 1..$K_{l-1}$" in f for f in facts), facts
    path.write_text(_CLAIMED.replace("\\delta^l_k a^{l-1}_j", "\\delta^l_j a^{l-1}_k"),
                    encoding="utf-8")
    assert [r.status for r in check_file(path).results] == [Status.DEFINITION] * 4 + [
        Status.VERIFIED]


def test_a_gradient_written_as_a_row_is_conditional_on_numerator_layout(tmp_path) -> None:
    """`\\frac{\\partial C}{\\partial a^L} = (a^L - y)^T` and the chain's row product are correct
    in numerator layout: conditional on it, never refuted; a slip written as a row is refuted
    (it holds in neither layout)."""
    rep = check_file(DATA / "v-jacobians.md")
    got = {r.line: r for r in rep.results}
    for line in (75, 90):
        assert got[line].status is Status.CONDITIONAL, (line, got[line].message)
        assert any("numerator layout" in a for a in got[line].assumptions)
    assert not [r.line for r in rep.results if r.status is Status.REFUTED]
    doc = tmp_path / "row.md"
    doc.write_text("# Rows\n\n$$ z^l = W^l a^{l-1} + b^l $$\n\n$$ a^l = \\sigma(z^l) $$\n\n"
                   "$$ C = \\frac{1}{2} \\| a^L - y \\|^2 $$\n\n"
                   "$$ \\frac{\\partial C}{\\partial a^L} = (a^L + y)^T $$\n", encoding="utf-8")
    assert [r.status for r in check_file(doc).results][-1] is Status.REFUTED
