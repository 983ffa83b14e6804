"""Koerbitz's general and batched sections, read in texts of their own: an activation written
with its layer once (`g^l(z^l)`) and bare after (`g(z^2)`) is the one function, not a formula
of its own variables; a header row `\\text{for all } l = 1,\\ldots,L:` over a block of
updates quantifies the block."""

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "koerbitz_batch"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


@pytest.mark.parametrize("name", ["activation.md", "act-phi.md"])
def test_a_bare_activation_beside_its_tagged_form(name):
    assert_verdicts(check_file(DATA / name), [
        (8, D, None), (9, D, None),
        (15, V, None),  # a^2 = g(z^2): g is the g^l of every layer
        (17, V, None),
        (19, R, "wrong layer"),  # b^l for b^{l+1}
    ])


def test_updates_under_a_quantifier_header():
    rows = [(7, D, None), (8, D, None), (12, D, None), (15, V, None)]
    assert_verdicts(check_file(DATA / "header.md"), rows + [
        (23, V, None), (24, V, None),  # \text{for all } l = 1,\ldots,L: then aligned
        (33, V, None), (34, V, None),  # \forall l = 1, \dots, L: then split
    ])
    assert_verdicts(check_file(DATA / "header-slips.md"), rows + [
        (23, V, None),
        (24, R, "sign"),  # b^l + eta dC/db^l
        (33, V, None),
        (34, R, "constant factor"),  # 2 eta delta^l
    ])
    rep = check_file(DATA / "header.md")
    assert all(r.kind == "update" for r in rep.results if r.line in (23, 24, 33, 34))


@pytest.mark.parametrize("name", ["untagged.md", "untagged-paren.md"])
def test_untagged_uses_read_at_the_layer_their_indices_fit(name):
    """`a_j` beside `w^l_{ij}` (j in 1..n_{l-1}): a^{l-1}_j; `b_k` beside `w^{l+1}_{kp}`:
    b^{l+1}_k; `\\delta_k` in a sum to n_{l+1}: delta^{l+1}_k. A use whose index no tagged
    use ranges keeps its error."""
    head = [(8, D, None), (9, D, None), (13, D, None)]
    rep = check_file(DATA / name)
    assert_verdicts(rep, head + [
        (17, V, None), (18, V, None),  # cases: a_j
        (26, V, None), (27, V, None),  # + b_k
        (31, V, None),  # \delta_k
        (35, Status.ERROR, None),  # dC/db_k = delta_k: nothing says which layer
    ])
    notes = " ".join(rep.notes)
    for read in ("a^{(l-1)}_{j}", "b^{(l+1)}_{k}", "\\delta^{(l+1)}_{k}") if "paren" in name else (
            "a^{l-1}_{j}", "b^{l+1}_{k}", "\\delta^{l+1}_{k}"):
        assert read in notes, (read, notes)
    slips = check_file(DATA / name.replace(".md", "-slips.md"))
    assert_verdicts(slips, head + [
        (17, V, None),
        (18, R, "wrong layer"),  # a_i: read as a^l_i, the layer i ranges over
        (26, V, None),
        (27, R, "extra term"),  # + b_k after the derivative
        (31, R, "activation for its derivative"),  # g(z^l_i) for g'(z^l_i)
        (35, Status.ERROR, None),
    ])


def test_an_expansion_through_the_activation_is_its_quantity():
    """`\\sum_p w^{l+1}_{kp} g(z^l_p) + b^{l+1}_k` is z^{l+1}_k (no value at l = 0, where a is
    the input, says otherwise); with b^l_k it is not, and the lint says so."""
    rep = check_file(DATA / "expansion.md")
    lint = {r.line: r.lint for r in rep.results}
    assert lint[15] == () and lint[21] == ()
    assert lint[27] and "not equal to its definition" in lint[27][0]
    assert all(r.status is V for r in rep.results if r.line > 10)


@pytest.mark.parametrize("name", ["meanloss.md", "meanloss-words.md"])
def test_the_loss_said_to_be_the_mean_over_the_samples(name):
    """A sentence says the cost is the average over the samples: the rows over the minibatch
    differentiate `\\frac{1}{m} \\sum_j C`; `\\delta^{l\\,(j)}` is the sample j's delta^l."""
    head = [(8, D, None), (9, D, None), (13, D, None), (16, V, None), (20, V, None)]
    b, w = (28, 32) if name == "meanloss.md" else (27, 31)
    rep = check_file(DATA / name)
    assert_verdicts(rep, head + [(b, V, None), (w, V, None)])
    assert any("is the mean over the samples" in n for n in rep.notes)
    slips = check_file(DATA / name.replace(".md", "-slips.md"))
    if name == "meanloss.md":
        assert_verdicts(slips, head + [
            (b, R, "lacks a factor"),  # sum_j delta^{l(j)}: the sum, not the mean
            (w, R, "order is swapped"),  # (A^{l-1})^T Delta^l
        ])
    else:
        assert_verdicts(slips, head + [
            (b, R, "wrong layer"),  # delta^{l-1 (j)}
            (w, R, "lacks a factor"),  # Delta^l (A^{l-1})^T without 1/m
        ])


def test_without_the_sentence_the_batch_rows_stay_unchecked():
    rep = check_file(DATA / "meanloss-unsaid.md")
    at = {r.line: r for r in rep.results}
    assert at[27].status is Status.UNCHECKED and at[31].status is Status.UNCHECKED
    assert "one sample's loss or the batch's" in at[27].message


def test_matrices_given_by_corners_and_ellipses():
    """`\\mat{e_{11}}{e_{1N}}{e_{M1}}{e_{MN}}` (a macro of corners, `\\cdots`, `\\vdots`,
    `\\ddots`) and a column `e_1 \\\\ e_2 \\\\ \\vdots \\\\ e_K`: the matrix whose (i, j) entry
    is e_{ij}; the entries written between must be the pattern's."""
    head = [(13, D, None), (14, D, None), (18, D, None), (21, V, None), (21, V, None)]
    assert_verdicts(check_file(DATA / "pattern.md"), head + [
        (27, V, None), (32, V, None),  # [dC/dw_{11} ... ] = delta^l a^{l-1 T}
        (36, V, None),  # [delta_1 a_1 ...]
        (44, V, None), (49, V, None),  # [dC/db_1; dC/db_2; \vdots; dC/db_{n_l}] = delta^l
        (53, V, None), (54, V, None),
    ])
    rep = check_file(DATA / "pattern-slips.md")
    assert_verdicts(rep, head + [
        (27, V, None),
        (32, R, "transpose is missing"),  # a^{l-1} delta^{l T}
        (36, R, "constant factor"),  # 2 delta_i a_j in every corner
        (44, Status.ERROR, None),  # dC/db_3 where the pattern's second entry is dC/db_2
        (53, V, None),
        (54, R, "missing factor"),  # dC/da^l_i for dC/dz^l_i
    ])
    assert "follow no one pattern" in next(r.message for r in rep.results if r.line == 44)


def test_matrices_of_the_samples_columns():
    """`[ | & & | \\\\ v^{(1)} & \\cdots & v^{(m)} \\\\ | & & | ]`: the minibatch whose column j
    is the sample j's vector v (a^{L\\,(j)}: the layer, then the sample)."""
    head = [(8, D, None), (9, D, None), (13, D, None), (16, V, None), (20, V, None),
            (28, V, None), (32, V, None)]
    assert_verdicts(check_file(DATA / "columns.md"), head + [
        (40, V, None), (41, V, None), (56, V, None)])
    assert_verdicts(check_file(DATA / "columns-slips.md"), head + [
        (40, V, None),
        (41, R, "activation for its derivative"),  # g(z^{L(j)}) for g'(z^{L(j)})
        (56, R, "constant factor"),  # 2 delta^{l(j)}
    ])


def test_steps_before_an_unread_step_are_checked():
    """A row whose third side is not read (`C(g(z_1), \\ldots, g(z_n))`, a sum written with
    `+ \\cdots +`): its first steps are checked, the rest reported as not read, and the rows
    that continue it too."""
    E = Status.ERROR
    head = [(8, D, None), (9, D, None), (13, D, None)]
    rep = check_file(DATA / "prefix.md")
    assert_verdicts(rep, head + [(17, V, None), (17, V, None), (18, E, None), (19, E, None),
                                 (24, V, None), (25, E, None)])
    assert "continues the equation" in next(r.message for r in rep.results if r.line == 19)
    assert_verdicts(check_file(DATA / "prefix-slips.md"), head + [
        (17, V, None), (17, R, "activation for its derivative"), (18, E, None), (19, E, None),
        (24, R, "wrong index"), (25, E, None)])


def test_an_input_alias_leaves_environment_names_alone():
    """`$x =: a^0$` reads a display's bare `x` as `a^0`; the letters of `\\begin{bmatrix}` are
    no names (its `x` read as `a^0` made the environment `bmatria^{0}`)."""
    from derive.latex import tokenize
    from derive.sources.document import Formula

    text = "\\begin{bmatrix} x \\end{bmatrix}"
    f = Formula(1, "t.md", text, ((0, 1, 1),), (text,), (), aliases=(("x", "a^{0}"),))
    got = "".join(t.text for t in tokenize(text, f))
    assert "bmatrix" in got and "a^{0}" in got and got.count("a") == 1 + got.count("bmatrix")
