"""Names with a superscript star (tests/data/nndl_vector): `y^*` the true label beside the
output `y`, read as one name of its own (`y^{*}`) with its own scripts (`y^*_i`), in either
spelling (`y^*`, `y^{*}`, `\\ast`); never a power. The labels' name is what the one-hot premise
names (`\\sum_j y^{*}_j = 1`), not a `y` the text never wrote.

`starred-labels.md`: softmax, cross-entropy in `y^*`, its derivative by a probability and by a
score (exact, and the form that holds only for labels summing to one, a conditional);
`starred-labels-slips.md`: a lost sign, a lost factor, and the sign flipped in the conditional
form: each refuted at its line with its diagnosis.

`rows.md`: yizt's row-vector layers `z^{i+1} = z^i W^i + b^i` (a generic loss), the gradients
of the weights and biases and the error recursion; `rows-slips.md` writes an entry `\\delta_j`
where the whole row `\\delta` is meant (the outer product `(z)^T \\delta`): a shape mismatch that
one edit, the stray index dropped, repairs, so refuted with that edit; an entry two edits away
(its index and its layer) stays unchecked.

`examples.tex`: Nielsen's numeric examples (a function the prose defines, vectors written by
their entries); `neuron.tex`: `\\partial C / \\partial b = \\delta`, one neuron's bias and error
written bare, read at one neuron (derive.infer.neuron), with slips.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from derive.check import check_file
from derive.document import parse_document
from derive.latex.tokens import tokenize
from derive.results import Status
from tests.conftest import assert_slips_caught, assert_verdicts

DATA = Path(__file__).parent / "data" / "nndl_vector"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
V, R, D, E, U, C = (Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR,
                    Status.UNCHECKED, Status.CONDITIONAL)


def _tokens(latex: str) -> list[str]:
    f = parse_document("$$\n" + latex + "\n$$\n", "case.md").formulas[-1]
    return [t.text for t in tokenize(f.text, f)]


@pytest.fixture(scope="module")
def starred():
    return (check_file(DATA / "starred-labels.md", "starred-labels.md"),
            check_file(DATA / "starred-labels-slips.md", "starred-labels-slips.md"))


def test_a_starred_label_is_a_name_of_its_own(starred) -> None:
    base, _ = starred
    assert_verdicts(base, [(7, D, None), (13, D, None), (19, V, None), (25, V, None),
                           (31, C, None)])
    assert "read as: $y^{*}_{i}$: $i$ in 1..$C_n$, given" in base.notes, base.notes


def test_the_one_hot_premise_names_the_labels_as_written(starred) -> None:
    base, _ = starred
    cond = base.results[-1]
    assert "$\\sum_j y^{*}_j = 1$" in cond.message, cond.message
    assert "y_j" not in cond.message.replace("y^{*}_j", "")


def test_slips_in_the_starred_label_are_refuted(starred) -> None:
    base, slips = starred
    assert_slips_caught(base, slips, [
        (19, "sign: the right side is the negative of the derived value"),
        (25, "lacks a factor $a_{j}$"),
        (31, "sign: the right side is the negative of the derived value"),
    ])


@pytest.mark.parametrize("text", ["y^*_i", "y^{*}_i", "y^\\ast_i", "y^{\\star}_i"])
def test_every_spelling_of_the_star_is_one_name(text: str) -> None:
    assert _tokens(text) == ["y^{*}", "_", "i"]


@pytest.mark.parametrize("text", ["y^2", "y^{*T}", "2^*", "(y)^*"])
def test_other_superscripts_are_not_a_starred_name(text: str) -> None:
    assert "y^{*}" not in _tokens(text)


def _corpus(name: str):
    path = CORPUS / name
    if not path.exists():
        pytest.skip("corpus not present")
    return check_file(path, name)


def test_yizt_softmax_cross_entropy_with_its_starred_label() -> None:
    rep = _corpus("yizt_0_1_fc_loss_backprop.md")
    by_line = {r.line: r for r in rep.results}
    assert by_line[150].status is D
    assert [by_line[k].status for k in range(173, 178)] == [V] * 5
    # the remark at l.177 `//所有真实标签的概率之和为1` states the premise the step needs
    assert by_line[178].status is V and "premise that the labels sum to one" in by_line[
        178].message
    # the one refutation: eq. (5) writes the entry delta^n_j for the row delta^n of (8)
    assert [r.line for r in rep.results if r.status is R] == [53]
    assert by_line[53].diagnosis == "wrong index: $\\delta^n_j$ should be $\\delta^{n}$"


@pytest.fixture(scope="module")
def rows():
    return (check_file(DATA / "rows.md", "rows.md"),
            check_file(DATA / "rows-slips.md", "rows-slips.md"))


def test_row_vector_gradients_verify(rows) -> None:
    base, _ = rows
    assert_verdicts(base, [(4, D, None), (5, D, None), (10, V, None), (16, V, None),
                           (22, V, None), (26, V, None), (30, V, None)])


def test_an_entry_written_for_its_vector_is_refuted_with_the_index_to_drop(rows) -> None:
    """`(z^{n-1})^T \\delta^n_j` for the outer product `(z^{n-1})^T \\delta^n`: the shapes do
    not fit, and dropping the stray index (one edit) makes the claim hold."""
    base, slips = rows
    assert_slips_caught(base, SimpleNamespace(results=[r for r in slips.results if r.line != 36]), [
        (16, "wrong index: $\\delta^n_j$ should be $\\delta^{n}$"),
        (22, "wrong index: $\\delta^{l+1}_i$ should be $\\delta^{l + 1}$"),
        (30, "wrong index: $\\delta^{l+1}_j$ should be $\\delta^{l + 1}$"),
    ])


def test_an_entry_two_edits_away_stays_unchecked(rows) -> None:
    _, slips = rows
    last = slips.results[-1]
    assert (last.line, last.status) == (36, U), last.message
    assert "an entry for its vector" in last.message


@pytest.fixture(scope="module")
def examples():
    return (check_file(DATA / "examples.tex", "examples.tex"),
            check_file(DATA / "examples-slips.tex", "examples-slips.tex"))


def test_numeric_vectors_and_a_function_the_prose_defines(examples) -> None:
    """Nielsen's examples: `g` defined only in a sentence before its use, applied to a vector
    written by its entries; a Hadamard product, a sum and a matrix product of such vectors:
    each checked, entry by entry. The exercise's `\\sigma(z) = z`, after the text's uses of
    `\\sigma`, is not taken as its definition (the sigmoid's derivative still verifies)."""
    base, _ = examples
    assert_verdicts(base, [(4, D, None), (4, D, None), (6, D, None), (10, V, None),
                           (11, V, None), (17, V, None), (18, V, None), (23, V, None),
                           (27, V, None), (31, V, None)])
    assert ("read as: $g$ is defined only in the prose: $g(x) = x^2 + 1$ at line 6 is taken as "
            "its definition") in base.notes
    assert not any("\\sigma(z) = z" in n for n in base.notes)
    by_line = {r.line: r for r in base.results}
    # the entries 1 and 2 in each of the 3 networks, no entry past the last
    assert "(6 index assignments" in by_line[18].evidence, by_line[18].evidence


def test_slips_in_numeric_vectors_are_refuted_and_a_size_mismatch_unchecked(examples) -> None:
    base, slips = examples
    assert_slips_caught(SimpleNamespace(results=[r for r in base.results if r.line != 23]),
                        SimpleNamespace(results=[r for r in slips.results if r.line != 23]), [
        (11, "it should be $10"), (18, "it should be $8"), (27, "it should be $7")])
    at = [r for r in slips.results if r.line == 23]
    assert [r.status for r in at] == [U] and "shape mismatch" in at[0].message


@pytest.fixture(scope="module")
def neuron():
    return (check_file(DATA / "neuron.tex", "neuron.tex"),
            check_file(DATA / "neuron-slips.tex", "neuron-slips.tex"))


def test_one_neurons_bias_and_error_written_bare_are_read_at_one_neuron(neuron) -> None:
    """Nielsen's `\\partial C / \\partial b = \\delta` after BP3: b and delta, of the same
    layers and width, are read as b^l_j and delta^l_j (said in a fact) and verified; the
    weight's `a_{\\rm in} \\delta_{\\rm out}` is read at the weight's two ends (derive.infer.ends,
    tests/test_weight_ends.py) and verified."""
    base, _ = neuron
    assert_verdicts(base, [(4, D, None), (4, D, None), (6, D, None), (8, D, None),
                           (12, V, None), (16, V, None), (20, V, None)])
    assert ("read as: line 16 writes $\\delta$ and $b$ without their tags: read as one "
            "neuron's, $\\delta^{l}_{j}$ and $b^{l}_{j}$ (the same layer and neuron)") in base.notes
    assert any("the neurons at its ends" in n for n in base.notes)


def test_a_slip_in_the_bare_form_is_refuted_and_other_layers_are_not_one_neuron(neuron) -> None:
    base, slips = neuron
    at16 = [r for r in slips.results if r.line == 16]
    assert [r.status for r in at16] == [R]
    assert "constant factor: the right side is $2$ times the derived value" in at16[0].diagnosis
    at24 = [r for r in slips.results if r.line == 24]  # a (layers 1..L) beside b (2..L)
    assert [r.status for r in at24] == [E]
    assert not any("line 24 writes" in n for n in slips.notes)
