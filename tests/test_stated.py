"""Shapes the prose states (`$W \\in \\mathbb{R}^{4 \\times 3}$`, `$x \\in \\mathbb{R}^{1 \\times
d}$`), read as the quantities' shapes where they agree with their use (derive.infer.stated):
numbers are the sizes the check uses and the findings name, letters the sizes' names; a
statement that contradicts the use is said at its line and not used; a square statement is
honoured, and said to hide a transpose from the shapes."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.infer.stated import statements
from derive.results import Status
from derive.sources import read

DATA = Path(__file__).parent / "data" / "stated"


def _at(rep, line):
    (r,) = [r for r in rep.results if r.line == line]
    return r


def _notes(rep) -> str:
    return "\n".join(rep.notes)


def test_statements_are_read_inline_and_in_lists() -> None:
    found = {(s.name, s.dims, s.line) for s in statements(read(DATA / "numbers.md"))}
    assert found == {("x", ("2",), 3), ("W", ("5", "2"), 3), ("b", ("5", "1"), 4),
                     ("t", ("5",), 4)}
    found = {(s.name, s.dims) for s in statements(read(DATA / "square.md"))}
    assert found == {("x", ("3",)), ("h", ("3",)), ("W", ("3", "3"))}  # `x, h \in ...`


def test_numbers_are_the_sizes_checked_and_named() -> None:
    rep = check_file(DATA / "numbers.md")
    for line in (17, 21, 25):
        assert _at(rep, line).status is Status.VERIFIED, (line, _at(rep, line).message)
    slip = _at(rep, 31)
    assert slip.status is Status.REFUTED and "transpose" in (slip.diagnosis or "")
    assert "(5 \\times 2)" in slip.message and "(5 \\times 1)" in slip.message
    assert "C_{" not in slip.message  # the text's sizes, not derive's names
    order = _at(rep, 37)
    assert order.status is Status.REFUTED and "(2 \\times 5)" in order.message
    assert "$C_1 = 5$, $C_2 = 2$" in _notes(rep)


def test_letters_name_the_sizes_in_a_text_of_rows() -> None:
    rep = check_file(DATA / "letters.tex")
    for line in (14, 17, 20):
        assert _at(rep, line).status is Status.VERIFIED, (line, _at(rep, line).message)
    slip = _at(rep, 24)
    assert slip.status is Status.REFUTED and "transpose" in (slip.diagnosis or "")
    assert "(1 \\times k)" in slip.message and "(d \\times k)" in slip.message
    assert "$W$ is a matrix of shape $d \\times k$" in _notes(rep)


def test_a_statement_that_contradicts_the_use_is_said_and_not_used() -> None:
    rep = check_file(DATA / "contradicts.md")
    notes = _notes(rep)
    assert "line 4: the text states $h \\in \\mathbb{R}^{4 \\times 4}$, but its use makes $h$ a " \
        "vector" in notes
    assert "3 and 4 disagree, and neither is used" in notes  # W's 3 columns, x's 4 entries
    assert "$x$ is a vector of shape $C_2$" in notes  # the contradicted size stays open
    for line in (15, 19):  # the claims still checked, by the shapes of their use
        assert _at(rep, line).status is Status.VERIFIED, (line, _at(rep, line).message)


def test_a_square_statement_is_honoured_and_its_blind_spot_said() -> None:
    rep = check_file(DATA / "square.md")
    assert "is square: its shape cannot tell $W$ from $W^T$" in _notes(rep)
    assert _at(rep, 14).status is Status.VERIFIED
    slip = _at(rep, 20)  # W for W^T: no shape mismatch at 3 x 3, the values refute it
    assert slip.status is Status.REFUTED and "shape mismatch" not in slip.message
    assert any(w in (slip.diagnosis or "") for w in ("transpose", "swapped"))


def test_no_statement_leaves_derive_names(tmp_path: Path) -> None:
    """The harness's shapes.md names its 4 x 3; without its sentence of sizes, derive's own
    names C_1 x C_2 as before."""
    source = Path(__file__).parent / "data" / "vector" / "shapes.md"
    assert "(4 \\times 3)" in _at(check_file(source), 34).message
    lines = source.read_text().split("\n")
    bare = tmp_path / "bare.md"
    bare.write_text("\n".join(lines[:7] + ["", ""] + lines[9:]))
    message = _at(check_file(bare), 34).message
    assert "(C_{1} \\times C_{2})" in message and "4" not in message


def test_a_stated_capital_transposed_and_a_minibatch_of_rows() -> None:
    """`\\mathbf{V} \\in \\mathbb{R}^{p \\times K}` beside the entries v_{ij} (i the class, K x
    p): V is read as v^T; `\\mathbf{c} \\in \\mathbb{R}^{1 \\times K}` makes the text's vectors
    rows, `\\mathbf{U}` the minibatch with a sample per row; the softmax of a minibatch is each
    sample's."""
    rep = check_file(DATA / "minibatch.md")
    notes = _notes(rep)
    assert "is the transpose of the matrix of the entries $v_{ij}$ ($K \\times p$)" in notes
    assert "the text's vectors are read as rows" in notes
    for line in (14, 21, 25):
        assert _at(rep, line).status is Status.VERIFIED, (line, _at(rep, line).message)
    extra = _at(rep, 31)  # U V^T: the stated V is already p x K
    assert extra.status is Status.REFUTED and "transpose" in (extra.diagnosis or "")
    assert "(m \\times p)" in extra.message and "(K \\times p)" in extra.message
    sign = _at(rep, 35)
    assert sign.status is Status.REFUTED and "sign" in (sign.diagnosis or "")
    assert _at(rep, 39).status is Status.REFUTED  # the bias left out of the softmax


def test_a_capital_multiplied_the_other_way_before_its_statement_is_not_read(
        tmp_path: Path) -> None:
    """A display before the statement that multiplies the capital the other way (`V u`, V
    read as the matrix of the v_ij, before `V \\in \\mathbb{R}^{p \\times K}`) is the text's
    other V: V is read neither way, and nothing that uses it is verified or refuted."""
    text = (DATA / "minibatch.md").read_text().replace(
        "A minibatch", "$$\n\\mathbf{s} = \\mathbf{V} \\mathbf{u} + \\mathbf{c}\n$$\n\nA minibatch")
    doc = tmp_path / "before.md"
    doc.write_text(text)
    rep = check_file(doc)
    assert "a formula before it multiplies $V$ the other way" in _notes(rep)
    uses = [r for r in rep.results if "\\mathbf{V}" in r.latex]
    assert uses and all(r.status not in (Status.VERIFIED, Status.REFUTED) for r in uses), [
        (r.line, r.status) for r in uses]


def test_a_capital_multiplied_against_its_statement_after_it_is_refuted(tmp_path: Path) -> None:
    """After the statement, `V U` (V p x K, U a row per sample) is a slip against it: refuted
    as a shape mismatch in the stated sizes; the rows that follow the statement verified."""
    text = (DATA / "minibatch.md").read_text().replace(
        "\\mathbf{S} = \\mathbf{U} \\mathbf{V} - \\mathbf{c}",
        "\\mathbf{S} = \\mathbf{V} \\mathbf{U} + \\mathbf{c}")
    doc = tmp_path / "after.md"
    doc.write_text(text)
    rep = check_file(doc)
    assert _at(rep, 21).status is Status.VERIFIED and _at(rep, 25).status is Status.VERIFIED
    slip = _at(rep, 35)
    assert slip.status is Status.REFUTED and "shape mismatch" in slip.message
    assert "(p \\times K)" in slip.message


def test_sizes_of_fixed_layers_named_from_their_statements() -> None:
    """`\\mathbf{W}^{(2)} \\in \\mathbb{R}^{c \\times k}`: the weight of layer 2, C_3 x C_2 in
    use, names C_3 c and C_2 k; the finding names them."""
    rep = check_file(DATA / "layers.md")
    assert "($C_1 = d$, $C_2 = k$, $C_3 = c$)" in _notes(rep)
    assert _at(rep, 19).status is Status.VERIFIED
    slip = _at(rep, 25)
    assert slip.status is Status.REFUTED and "transpose" in (slip.diagnosis or "")
    assert "(c \\times k)" in slip.message and "(c \\times 1)" in slip.message
