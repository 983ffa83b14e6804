"""Held-out round 4, examiner c (tests/data/heldout4/c-*): cs231n's softmax classifier and
two-layer ReLU net, and logistic regression with one hidden layer and a sigmoid output.

- `c-cs231n-batch.md`: the two-layer net of the assignment in row vectors (`s = x W_1 + b_1`,
  `h = \\max(0, s)`, `f = h W_2 + b_2`, one-hot `y`), one example's backward pass, then the
  minibatch objective with L2 (`J = \\frac{1}{N} \\sum_i L^{(i)} + \\frac{\\lambda}{2} (...)`).
- `c-cs231n-softmax.tex`: the linear softmax classifier in cs231n's own notation
  (`L_i = -\\log \\frac{e^{f_{y_i}}}{\\sum_j e^{f_j}}`, `\\partial L_i / \\partial f_k = p_k -
  \\mathbb{1}(y_i = k)`, the batch gradient with `\\lambda W_{k,l}`), then the two-layer net in
  column vectors; `align`, `equation` with `aligned`.
- `c-bce-hidden.ipynb`: tanh hidden units `h_j = \\tanh(u_j)`, a scalar output `z = \\sum_j v_j
  h_j + c`, `\\hat y = \\sigma(z)`, the binary cross-entropy, `dz = \\hat y - y`, the hidden
  layer's gradients, the mean over N examples, then leaky ReLU and softplus hidden units.

Open findings are the xfail cases (strict), each with the finding in its reason; the fixes
made in this round have their own tests at the end."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_correct_copy, assert_slips_caught

DATA = Path(__file__).parent / "data" / "heldout4"
_VERDICTS = {Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL}

# the minibatch rows of c-cs231n-batch.md (N, the batch size, not read: finding D)
BATCH_ROWS = {60, 64}

SLIPS = {
    "c-cs231n-batch.md": ("c-cs231n-batch-slips.md", 14, [
        (32, "sign: the right side is the negative"),
        (42, "swapped indices: $(W_2)_{pk}$ should be $(W_2)_{kp}$"),
        (50, "wrong quantity: $h_{j}$ should be $x_{j}$")]),
}
# slips of the documents with open findings (each not caught now)
OPEN_SLIPS = {
    "c-cs231n-batch.md": [(64, "missing factor")],
    "c-cs231n-softmax.tex": [(42, "sign"), (63, "factor"), (110, "transpose"),
                             (118, "wrong quantity")],
}


def _without(rep, lines: set) -> object:  # type: ignore[no-untyped-def]
    return dataclasses.replace(rep, results=[r for r in rep.results if r.line not in lines])


def _slips_name(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-slips{dot}{ext}"


def test_batch_document_one_example_covered_and_refutes_nothing():
    rep = check_file(DATA / "c-cs231n-batch.md")
    assert len(rep.results) == 14
    one = _without(rep, BATCH_ROWS)
    assert_correct_copy(one, 12)
    assert all(r.status in _VERDICTS for r in one.results), [
        (r.line, r.status.value, r.message) for r in one.results if r.status not in _VERDICTS]


def test_batch_document_slips_caught_at_their_lines():
    base = check_file(DATA / "c-cs231n-batch.md")
    slips_name, _, slips = SLIPS["c-cs231n-batch.md"]
    rep = check_file(DATA / slips_name)
    assert_slips_caught(_without(base, BATCH_ROWS), _without(rep, BATCH_ROWS), slips)


@pytest.mark.xfail(strict=True, reason="finding D: cs231n's minibatch with N examples "
                   "(`J = \\frac{1}{N} \\sum_{i=1}^{N} L^{(i)} + ...`, `\\frac{1}{N} H^T (P - Y)`) "
                   "is not read: `unknown symbol N` though the prose says `the $N$ examples of "
                   "a minibatch`; with m for N, H beside h is not the minibatch (`unknown symbol "
                   "T` in H^T) and J is read as a 1 x C3 row")
def test_batch_rows_checked():
    rep = check_file(DATA / "c-cs231n-batch.md")
    at = [r for r in rep.results if r.line in BATCH_ROWS]
    assert at and all(r.status in _VERDICTS for r in at), [(r.line, r.message) for r in at]
    slips = check_file(DATA / "c-cs231n-batch-slips.md")
    assert [r.status for r in slips.results if r.line == 64] == [Status.REFUTED]


@pytest.mark.xfail(strict=True, reason="finding D: cs231n's notation is not read: the class "
                   "label as an index (`f_{y_i}`, `f_y`: 'an index must be a letter or a number, "
                   "not `_`' / 'index `y` is not bound'), the sample as a subscript beside the "
                   "entries (`x_i` beside `x_{i,l}`: '`x` takes 2 indices, got 1'), `L_i` beside "
                   "`L` (L read as N x 1); 25 of 29 rows are errors")
def test_softmax_tex_covered():
    rep = check_file(DATA / "c-cs231n-softmax.tex")
    assert_correct_copy(rep, 25)


def test_softmax_tex_refutes_nothing():
    assert_correct_copy(check_file(DATA / "c-cs231n-softmax.tex"), 0)


def test_bce_notebook_correct():
    """Every row of the notebook gets a verdict and none is refuted: the leaky ReLU's slope
    drawn in the (0, 1) its prose states, the softplus units after "instead" a definition
    again, the part on other hidden units keeping the loss, and `g'(u)` beside the units' `u_j`
    read with u the function's variable (it was 'index j has no value')."""
    rep = check_file(DATA / "c-bce-hidden.ipynb")
    assert_correct_copy(rep, 27)


# the notebook's rows before its part on other hidden units (line 160 on)
NB_PART1 = 160


def test_bce_notebook_tanh_part_covered():
    """The tanh network, its output error, its hidden layer and the mean over N examples:
    every row a definition or verified."""
    rep = check_file(DATA / "c-bce-hidden.ipynb")
    first = [r for r in rep.results if r.line < NB_PART1]
    assert len(first) == 20
    assert all(r.status in (Status.DEFINITION, Status.VERIFIED) for r in first), [
        (r.line, r.status.value, r.message) for r in first
        if r.status not in (Status.DEFINITION, Status.VERIFIED)]


def test_bce_notebook_slips_caught():
    """Each slip refuted at its line (the missing factor v_j and the missing 1/N without a
    diagnosis: finding C), every other row keeping its verdict."""
    base = check_file(DATA / "c-bce-hidden.ipynb")
    rep = check_file(DATA / "c-bce-hidden-slips.ipynb")
    slips = {69: "sign: the right side is the negative", 106: None,
             110: "wrong index: $x_{j}$ should be $x_{k}$", 155: None}
    for line, words in slips.items():
        at = [r for r in rep.results if r.line == line]
        assert at and all(r.status is Status.REFUTED for r in at), (line, at)
        assert words is None or all(words in (r.diagnosis or "") for r in at), (line, at)
    assert [(r.line, r.status) for r in rep.results if r.line not in slips] == [
        (r.line, r.status) for r in base.results if r.line not in slips]


@pytest.mark.parametrize("name", sorted(OPEN_SLIPS))
@pytest.mark.xfail(strict=True, reason="the open findings above: these slips are in rows "
                   "that get no verdict")
def test_open_slips_caught(name):
    rep = check_file(DATA / _slips_name(name))
    for line, _words in OPEN_SLIPS[name]:
        at = [r for r in rep.results if r.line == line]
        assert at and all(r.status is Status.REFUTED for r in at), (line, at)


# -- the fixes of this round ----------------------------------------------------------------

_TWO_LAYER = """# Two layers

$$s = W_1 x + b_1$$

$$h = {act}$$

$$f = W_2 h + b_2$$

$$L = -\\sum_k y_k \\log \\frac{{e^{{f_k}}}}{{\\sum_j e^{{f_j}}}}$$

$$\\frac{{\\partial L}}{{\\partial s}} = \\frac{{\\partial L}}{{\\partial h}} \\odot \\mathbb{{1}}(s > 0)$$

$$\\frac{{\\partial L}}{{\\partial W_1}} = \\frac{{\\partial L}}{{\\partial s}} x^T$$

$$\\frac{{\\partial L}}{{\\partial W_1}} = \\frac{{\\partial L}}{{\\partial s}} h^T$$
"""


def _by_line(path: Path) -> dict[int, list]:
    out: dict[int, list] = {}
    for r in check_file(path).results:
        out.setdefault(r.line, []).append(r)
    return out


@pytest.mark.parametrize("act", ["\\max(0, s)", "\\max(s, 0)", "\\mathrm{ReLU}(s)"])
def test_max_with_zero_of_a_vector_is_relu(tmp_path, act):
    """`h = \\max(0, s)` of a vector (cs231n's np.maximum(0, s)) is the ReLU of every entry:
    a definition, not "unexpected `\\max` in a vector expression"."""
    doc = tmp_path / "relu.md"
    doc.write_text(_TWO_LAYER.format(act=act), encoding="utf-8")
    rows = _by_line(doc)
    assert [r.status for r in rows[5]] == [Status.DEFINITION]
    assert [r.status for r in rows[11]] == [Status.VERIFIED]
    assert [r.status for r in rows[13]] == [Status.VERIFIED]
    assert [r.status for r in rows[15]] == [Status.REFUTED]
    assert "wrong quantity: $h$ should be $x$" in rows[15][0].diagnosis


def test_scalar_not_reached_is_unchecked_not_refuted(tmp_path):
    """`\\partial L / \\partial c` where the row that gives c its place (`z = v^T h + c`) was
    not read: 0 by the model read, so unchecked with that reason (as `\\partial L / \\partial
    v_j` beside it), never refuted with 'derived 0'."""
    doc = tmp_path / "c.md"
    doc.write_text("""# Out

$$u_j = \\sum_{k=1}^{n} W_{jk} x_k + b_j$$

$$h_j = \\tanh(u_j)$$

$$z = v^T h + c$$

$$\\hat{y} = \\sigma(z)$$

$$L = -\\left[ y \\log \\hat{y} + (1 - y) \\log (1 - \\hat{y}) \\right]$$

$$\\frac{\\partial L}{\\partial z} = \\hat{y} - y$$

$$\\frac{\\partial L}{\\partial c} = \\hat{y} - y$$
""", encoding="utf-8")
    rows = _by_line(doc)
    assert [r.status for r in rows[13]] == [Status.VERIFIED]
    assert [r.status for r in rows[15]] == [Status.UNCHECKED]
    assert "reads no $c$" in rows[15][0].message


def test_entry_defined_in_a_sentence(tmp_path):
    """`With one-hot labels $y$ and the probabilities $p_k = e^{f_k} / \\sum_j e^{f_j}$,` in a
    text without layers: p's definition (it was a random given, and `\\partial L / \\partial
    f_k = p_k - y_k` refuted), and the sentence still states the one-hot premise."""
    doc = tmp_path / "p.md"
    doc.write_text("""# Scores

$$f_k = \\sum_{l=1}^{D} W_{kl} x_l + b_k$$

$$L = -\\sum_k y_k \\log \\frac{e^{f_k}}{\\sum_j e^{f_j}}$$

With one-hot labels $y$ and the probabilities $p_k = e^{f_k} / \\sum_j e^{f_j}$,

$$\\frac{\\partial L}{\\partial f_k} = p_k - y_k$$

$$\\frac{\\partial L}{\\partial f_k} = y_k - p_k$$
""", encoding="utf-8")
    rows = _by_line(doc)
    assert [r.status for r in rows[7]] == [Status.DEFINITION]
    assert [r.status for r in rows[9]] == [Status.VERIFIED]
    assert [r.status for r in rows[11]] == [Status.REFUTED]


def test_sample_superscript_keeps_subscript_layers(tmp_path):
    """`J = \\frac{1}{m} \\sum_{i=1}^{m} L^{(i)}` after a net of W_1, W_2: the sample's `(i)`
    is no layer tag, so W_1 and W_2 stay two matrices (they were read as entries of one W
    and every row of the net was an error)."""
    doc = tmp_path / "batch.md"
    doc.write_text(_TWO_LAYER.format(act="\\max(0, s)")
                   + "\n$$J = \\frac{1}{m} \\sum_{i=1}^{m} L^{(i)}$$\n", encoding="utf-8")
    rows = _by_line(doc)
    assert [r.status for r in rows[3]] == [Status.DEFINITION]
    assert [r.status for r in rows[13]] == [Status.VERIFIED]
    assert [r.status for r in rows[17]] == [Status.DEFINITION]


def test_notebook_on_one_line_names_each_cell(tmp_path):
    """A notebook saved without indentation (all its JSON on line 1): each result names its
    own cell and line in it (every one said `cell 1, line 1`)."""
    import json

    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# T\n", "\n",
                                                                "$$f(x) = x^2$$\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["x = 1"]},
             {"cell_type": "markdown", "metadata": {}, "source": [
                 "Then\n", "\n", "$$\\frac{df}{dx} = 2 x$$\n", "\n", "$$\\frac{df}{dx} = 3 x$$\n"]}]
    for k, cell in enumerate(cells):
        cell["id"] = f"cell-{k}"
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    flat, indented = tmp_path / "flat.ipynb", tmp_path / "indented.ipynb"
    flat.write_text(json.dumps(nb), encoding="utf-8")
    indented.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    want = [(1, 3), (3, 3), (3, 5)]
    for path in (flat, indented):
        rep = check_file(path)
        assert [(r.cell, r.cell_line) for r in rep.results] == want, path.name


def test_vector_definition_then_its_entries(tmp_path):
    """`f = W x + b`, then `f_k = \\sum_l W_{kl} x_l + b_k`: the entries of the vector the
    text defined whole, a claim checked against it (it was an error, 'defined again with
    another index (k for )', read as Bishop's index letters naming layers); a swapped index
    there refuted."""
    doc = tmp_path / "f.md"
    doc.write_text("""# Scores

$$f = W x + b$$

$$f_k = \\sum_{l=1}^{D} W_{kl} x_l + b_k$$

$$f_k = \\sum_{l=1}^{D} W_{lk} x_l + b_k$$
""", encoding="utf-8")
    rows = _by_line(doc)
    assert [r.status for r in rows[3]] == [Status.DEFINITION]
    assert [r.status for r in rows[5]] == [Status.VERIFIED]
    assert [r.status for r in rows[7]] == [Status.REFUTED]
    assert "swapped indices" in rows[7][0].diagnosis


def test_scalar_output_unit_without_tags(tmp_path):
    """Tanh hidden units by their entries and one sigmoid output written bare: `z = \\sum_{j=1}^{m}
    v_j h_j + c`, `\\hat y = \\sigma(z)`, the binary cross-entropy in the bare label y. z, ŷ
    are defined there (they were given, y an unknown symbol), m is the hidden width (it was
    read as the batch size), and the gradients down to W check; a slip is refuted."""
    doc = tmp_path / "bce.md"
    doc.write_text("""# One hidden layer, sigmoid output

$$u_j = \\sum_{k=1}^{n} W_{jk} x_k + b_j$$

$$h_j = \\tanh(u_j)$$

$$z = \\sum_{j=1}^{m} v_j h_j + c$$

$$\\hat{y} = \\sigma(z)$$

$$L = -\\left[ y \\log \\hat{y} + (1 - y) \\log (1 - \\hat{y}) \\right]$$

$$\\frac{\\partial L}{\\partial z} = \\hat{y} - y$$

$$\\frac{\\partial L}{\\partial c} = \\hat{y} - y$$

$$\\frac{\\partial L}{\\partial v_j} = (\\hat{y} - y) h_j$$

$$\\frac{\\partial L}{\\partial W_{jk}} = (\\hat{y} - y) v_j (1 - h_j^2) x_k$$

$$\\frac{\\partial L}{\\partial W_{jk}} = (\\hat{y} - y) v_j (1 - h_j^2) x_j$$
""", encoding="utf-8")
    rows = _by_line(doc)
    assert [rows[n][0].status for n in (3, 5, 7, 9, 11)] == [Status.DEFINITION] * 5
    assert [rows[n][0].status for n in (13, 15, 17, 19)] == [Status.VERIFIED] * 4
    assert [r.status for r in rows[21]] == [Status.REFUTED]


def test_power_beside_a_sample_superscript(tmp_path):
    """`h_j^2` (a power) beside the sample's `h^{(i)}_j` in the batch mean: h stays the
    sample's, no layer tag, so `h_j = \\tanh(u_j)` is a definition of the network (it was
    'a formula with variables of its own', and every gradient through h unchecked)."""
    doc = tmp_path / "h.md"
    doc.write_text("""# Hidden units

$$u_j = \\sum_{k=1}^{n} W_{jk} x_k + b_j$$

$$h_j = \\tanh(u_j)$$

$$E = \\frac{1}{2} \\sum_j h_j^2$$

$$\\frac{\\partial E}{\\partial u_j} = h_j (1 - h_j^2)$$

$$J = \\frac{1}{m} \\sum_{i=1}^{m} E^{(i)}$$

$$\\frac{\\partial J}{\\partial b_j} = \\frac{1}{m} \\sum_{i=1}^{m} h^{(i)}_j \\left(1 - (h^{(i)}_j)^2\\right)$$
""", encoding="utf-8")
    rows = _by_line(doc)
    assert [r.status for r in rows[5]] == [Status.DEFINITION]
    assert [r.status for r in rows[9]] == [Status.VERIFIED]
    assert [r.status for r in rows[13]] == [Status.VERIFIED]
