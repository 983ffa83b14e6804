"""A forward model written only over the batch (derive.infer.batch_forward): `Z^{[l]} = W^{[l]}
A^{[l-1]} + b^{[l]}` read as every column's row, one sample's network; a capital the text
defines as a derivative by such a matrix (`\\Delta^{[l]} = \\partial E / \\partial Z^{[l]}`) read
by that definition, column by column (row by row where the vectors are rows)."""

from pathlib import Path

from derive.check import check_file
from derive.infer.batch_forward import batch_forward
from derive.results import Status
from derive.sources import read
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "batch_forward"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION
_COLUMNS = [(7, D, None), (9, D, None), (14, D, None), (16, D, None)]
_ROWS = [(7, D, None), (9, D, None), (13, D, None), (15, D, None), (19, D, None)]


def test_columns_of_samples():
    """deeplearning.ai's matrices, no row of one example: the forward rows define the model,
    the backward rows over the batch are checked against it."""
    rep = check_file(DATA / "columns.md")
    assert_verdicts(rep, [*_COLUMNS, (20, V, None), (22, V, None), (24, V, None),
                          (26, V, None)])
    assert any("written only over the batch" in n for n in rep.notes)


def test_slips_in_the_columns():
    assert_verdicts(check_file(DATA / "columns-slips.md"), [
        *_COLUMNS, (20, V, None),
        (22, R, "transpose"),  # W^{[l+1]} dZ^{[l+1]}
        (24, R, "order"),  # A^{[l-1]T} dZ^{[l]}
        (26, R, "\\frac{1}{m}"),  # the sum of the columns without 1/m
    ])


def test_rows_of_samples_and_the_error_defined_over_the_batch():
    """Row vectors, the ones column `\\mathbf{1} b^{[l]}`, and `\\Delta^{[l]}` defined by its
    own row as the derivative of the summed loss by `Z^{[l]}`."""
    rep = check_file(DATA / "rows.md")
    assert_verdicts(rep, [*_ROWS, (23, V, None), (25, V, None), (27, V, None), (29, V, None)])
    assert any("$\\Delta$ defined as a derivative by $Z$" in n for n in rep.notes)


def test_slips_in_the_rows():
    assert_verdicts(check_file(DATA / "rows-slips.md"), [
        *_ROWS,
        (23, R, "sign"),  # Y - A^{[L]}
        (25, R, "transpose"),  # \Delta^{[l+1]} W^{[l+1]}
        (27, R, "order"),  # \Delta^{[l]} A^{[l-1]T}
        (29, V, None),
    ])


def test_the_text_s_own_definition_of_the_error_is_kept(tmp_path):
    """With the mean loss, `\\Delta^{[l]} = \\partial E / \\partial Z^{[l]}` carries the 1/m: the
    text that writes it there is right (not refuted for a stack of per-sample errors), and the
    one without it (rows.md's line, under the mean) is refuted for the missing 1/m."""
    assert_verdicts(check_file(DATA / "rows-mean.md"), [
        *_ROWS, (23, V, None), (25, V, None), (27, V, None), (29, V, None)])
    text = (DATA / "rows-mean.md").read_text().replace("\\frac{1}{m} (A^{[L]} - Y)",
                                                       "(A^{[L]} - Y)")
    path = tmp_path / "mean-missing.md"
    path.write_text(text)
    assert_verdicts(check_file(path), [*_ROWS, (23, R, "\\frac{1}{m}"), (25, V, None),
                                       (27, V, None), (29, V, None)])


def _capitals(tmp: Path, text: str) -> dict[int, tuple]:
    path = tmp / "probe.md"
    path.write_text(text)
    doc, _ = batch_forward(read(str(path)))
    return {f.line: f.capitals for f in doc.formulas}


def test_a_written_per_sample_row_leaves_the_matrices_as_written(tmp_path):
    """The per-sample forward row is written: the matrices are the minibatch of it, their rows
    claims (derive.latex.batch), and nothing is read here."""
    text = ("$$z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$$\n\n"
            "$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$\n")
    assert all(not c for c in _capitals(tmp_path, text).values())


def test_the_input_read_only_where_the_text_writes_its_lowercase(tmp_path):
    with_x = ("The examples $x^{(i)}$ are the columns of $X$.\n\n"
              "$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n")
    assert _capitals(tmp_path, with_x)[3] == (("X", "x"), ("Z", "z"))
    assert _capitals(tmp_path, "$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n")[1] == (("Z", "z"),)


def test_a_derivative_row_is_no_forward_row(tmp_path):
    text = ("$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$\n\n$$A^{[l]} = \\sigma(Z^{[l]})$$\n\n"
            "$$G^{[l]} = \\frac{\\partial E}{\\partial A^{[l]}} + Z^{[l]}$$\n")
    got = _capitals(tmp_path, text)
    assert got[1] == got[3] == (("A", "a"), ("Z", "z")) and got[5] == ()


_DEFINED = [(6, D, None), (8, D, None), (10, D, None), (12, D, None), (16, D, None),
            (18, D, None), (20, D, None)]


def test_the_d_names_the_text_defines():
    """`dZ^{[l]} = \\partial J / \\partial Z^{[l]}` (no m): the text's own d-names, read so
    wherever written; under the course's reading (the example's loss by each column) lines 24
    and 28 would be refuted, correct as they are for this text."""
    rep = check_file(DATA / "defined.md")
    assert_verdicts(rep, [*_DEFINED, (24, V, None), (26, V, None), (28, V, None),
                          (30, V, None)])
    assert next(r for r in rep.results if r.line == 16).message.startswith("read as notation")


def test_slips_against_the_d_names_the_text_defines():
    assert_verdicts(check_file(DATA / "defined-slips.md"), [
        *_DEFINED,
        (24, R, "\\frac{1}{m}"),  # the course's dZ^{[L]}, not this text's
        (26, V, None),
        (28, R, "should not be"),  # the course's 1/m in dW, not this text's
        (30, V, None),
    ])


def test_a_d_name_defined_twice_is_left_as_the_course_reads_it(tmp_path):
    from derive.infer.dnames import defined_d_names
    text = ("$$dZ^{[l]} = \\frac{\\partial J}{\\partial Z^{[l]}}$$\n\n"
            "$$dZ^{[l]} = m \\frac{\\partial J}{\\partial Z^{[l]}}$$\n")
    path = tmp_path / "twice.md"
    path.write_text(text)
    doc, facts = defined_d_names(read(str(path)))
    assert facts == [] and all(f.notation is None and not f.d_names for f in doc.formulas)
    one = tmp_path / "once.md"
    one.write_text(text.split("\n\n")[1])
    doc, facts = defined_d_names(read(str(one)))
    assert doc.formulas[0].notation is not None and len(facts) == 1


def test_a_function_named_with_its_fixed_layer_tag(tmp_path):
    """`g^{[1]}(t) = \\tanh(t)` defines one function `g^{[1]}`: its uses and its prime are that
    name; a letter no row defines at a tag stays as written."""
    from derive.infer.tagged_functions import tagged_functions
    from derive.latex import tokenize
    path = tmp_path / "g.md"
    path.write_text("$$g^{[1]}(t) = \\tanh(t)$$\n\n$$a^{[1]} = g^{[1]\\prime}(z^{[1]}) + h^{[1]}(z)$$\n")
    doc, facts = tagged_functions(read(str(path)))
    f = doc.formulas[1]
    texts = [t.text for t in tokenize(f.text, f)]
    assert "g^{[1]}" in texts and texts[texts.index("g^{[1]}") + 1] == "'"
    assert "h^{[1]}" not in texts and len(facts) == 1
