"""The input named as layer 0 (`$x =: a^0$`, `$a^{[0]} = x$`) read in every later part of the
text and among a matrix's columns (`x^{(1)} \\cdots x^{(m)}`: the minibatch matrix of a^0), and
a chain's second name (`X = A^0 = [...]`: X another name of A^0, the rest of the chain checked)."""

from pathlib import Path

import pytest

from derive.check import check_file
from derive.latex import tokenize
from derive.results import Status
from derive.sources.document import Formula
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "input_columns"
V, R, D, E, U = (Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR,
                 Status.UNCHECKED)
_PARTS_HEAD = [(7, D, None), (8, D, None), (9, D, None), (10, D, None), (19, D, None),
               (20, D, None), (27, V, None), (36, D, None), (37, D, None), (41, D, None),
               (44, V, None), (48, V, None), (55, V, None)]
_DLAI_HEAD = [(5, D, None), (7, D, None), (11, D, None), (15, D, None)]


def test_the_named_input_in_a_later_part_and_its_columns():
    """Part 2 (vectors) reads the `x =: a^0` of part 1: `A^0` is the matrix of the samples'
    columns `x^{(j)}`, and `X`, its second name, is `A^0` in the rows after it."""
    rep = check_file(DATA / "parts-named.md")
    assert_verdicts(rep, [*_PARTS_HEAD, (61, V, None), (65, V, None), (69, V, None)])
    notes = " ".join(rep.notes)
    assert "part 2 of the text" in notes and "the second name $X$" in notes
    assert next(r for r in rep.results if r.line == 61).latex.startswith("A^0 =")


def test_slips_in_the_named_columns():
    rep = check_file(DATA / "parts-named-slips.md")
    assert_verdicts(rep, [
        *_PARTS_HEAD,
        (61, E, None),  # x^{(m-1)} last: the columns follow no pattern, not read
        (65, U, None),  # g(x^{(j)}): holds only if g is the identity
        (69, R, "constant factor"),  # \frac{1}{2} x^{(j)}
        (73, R, "wrong layer"),  # W^1 X + b^2
        (77, V, None),
    ])


def test_deeplearning_ai_tags():
    """`$a^{[0]} = x$` in the prose; `X = A^{[0]} = [x^{(1)} \\cdots x^{(m)}]`."""
    assert_verdicts(check_file(DATA / "dlai-columns.md"), [
        *_DLAI_HEAD, (19, V, None), (21, V, None), (23, V, None), (25, V, None)])
    assert_verdicts(check_file(DATA / "dlai-columns-slips.md"), [
        *_DLAI_HEAD,
        (19, E, None),  # x^{(0)} first: no pattern
        (21, R, "constant factor"),  # 2 x^{(j)}
        (23, R, "sign"),  # W^{[1]} X - b^{[1]}
        (25, V, None), (27, V, None),
    ])


@pytest.mark.parametrize("text, alias, want", [
    ("\\begin{bmatrix} x^1 & \\cdots & x^m \\end{bmatrix}", "a^{0}", "a^{0(1)}"),
    ("\\begin{bmatrix} x^{(1)} & \\cdots & x^{(m)} \\end{bmatrix}", "a^{[0]}", "a^{[0](1)}"),
    ("\\begin{bmatrix} x^{1} \\end{bmatrix}", "a^{0}", "a^{0(1)}"),
])
def test_a_sampled_use_in_a_matrix_reads_the_named_quantity_of_that_sample(text, alias, want):
    f = Formula(1, "t.md", text, ((0, 1, 1),), (text,), (), aliases=(("x", alias),))
    got = "".join(t.text for t in tokenize(text, f))
    assert want in got and "x" not in got.replace("bmatrix", ""), got


def test_a_sampled_use_outside_a_matrix_is_left_as_written():
    text = "z = w x^{(1)}"
    f = Formula(1, "t.md", text, ((0, 1, 1),), (text,), (), aliases=(("x", "a^{0}"),))
    assert "".join(t.text for t in tokenize(text, f)) == "z=wx^{(1)}"


@pytest.mark.parametrize("text, read", [
    ("$$X = A^0 = B$$\n\n$$Z^1 = W^1 A^0$$\n", True),
    ("$$X = A^0 = B$$\n\n$$Z^1 = W^1 A^0 + X_1$$\n", False),  # X written with a script
    ("$$X = A^0 = B$$\n\n$$Z^1 = W^1 A^0$$\n\n$$X = C$$\n", False),  # X defined again
    ("$$X = A^0$$\n\n$$Z^1 = W^1 A^0$$\n", False),  # nothing after the name: no chain
    ("$$X = A^0 = B$$\n\n$$Z^1 = W^1 X$$\n", False),  # A written nowhere else
    ("$$A = A^0 = B$$\n\n$$Z^1 = W^1 A^0$$\n", False),  # the same letter
])
def test_a_second_name_only_where_it_names_nothing_else(text, read):
    from derive.infer.second_names import second_names
    from derive.sources.markdown import parse

    written = parse(text, "t.md")
    doc, facts = second_names(written)
    assert bool(facts) is read
    assert doc.formulas[0].text == ("A^0 = B" if read else written.formulas[0].text)
