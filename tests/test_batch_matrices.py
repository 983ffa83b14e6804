"""A minibatch written as matrices of the samples' vectors, one column per sample (`X = A^0`,
`Z^l = W^l A^{l-1} + b^l`, `\\Delta^l`): each capital the minibatch of the per-sample quantity
it is named after, the bias added to every column, a product over the samples' columns the sum
over the minibatch. The batch forms are claims about the per-sample model the text defines, and
the matrix gradient of the batch mean is checked against SymPy's derivative of that mean."""

from pathlib import Path

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.results import Status
from tests.conftest import assert_slips_caught, assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "batch"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION


def test_column_batches_verified():
    assert_verdicts(check_file(DATA / "columns.md"), [
        (5, D, None), (7, D, None), (11, D, None), (14, D, None),
        (16, V, None), (18, V, None), (21, D, None),
        (25, V, None),  # Z^l = W^l A^{l-1} + b^l: b^l added to every column
        (27, V, None),  # A^l = sigma(Z^l)
        (29, V, None), (31, V, None),  # Delta^L, Delta^l
        (33, V, None),  # dJ/dW^l = 1/m Delta^l (A^{l-1})^T: the batch mean's gradient
        (35, V, None),  # dJ/db^l = 1/m sum_x delta^l
        (37, V, None),  # \\nabla_a C(A^L): the gradient at each sample's column
    ])
    inferred = infer(read_document(DATA / "columns.md"))
    assert any("minibatch of the samples' $z$" in f for f in inferred.facts)
    assert not {"A", "Z", "\\Delta"} & set(inferred.front["quantities"])


def test_column_batch_slips_refuted():
    base = check_file(DATA / "columns.md")
    rep = check_file(DATA / "columns-slips.md")
    assert_slips_caught(base, rep, [
        (25, "wrong layer"),  # Z^l = W^l A^l + b^l
        (33, "lacks a factor $\\frac{1}{m}$"),  # Delta^l (A^{l-1})^T: the sum, not the mean
        (35, "transpose is missing"),  # Delta^l A^{l-1}
        (37, "order is swapped"),  # (A^{l-1})^T Delta^l
        (39, "wrong layer"),  # Delta^l (A^l)^T
        (41, "lacks a factor $\\frac{1}{m}$"),  # sum_x delta^l
        (43, "should be"),  # sigma(Z^L) for sigma'(Z^L), at the gradient of each column
    ])


def test_dlai_d_names_over_the_minibatch():
    """`dZ^{[l]}` the samples' dz^{[l]} one per column; `dW^{[l]}`, `db^{[l]}` in a row over
    the minibatch the derivatives of its mean loss, `\\frac{1}{m} \\sum_i`; `dZ^{[l](i)}`
    the column of the sample i."""
    assert_verdicts(check_file(DATA / "dlai.md"), [
        (5, D, None), (7, D, None), (11, D, None),
        (16, V, None), (18, V, None),
        (20, V, None),  # dZ^{[L]} = (A^{[L]} - Y) * sigma'(Z^{[L]})
        (22, V, None),  # dW^{[l]} = 1/m dZ^{[l]} A^{[l-1]T}
        (24, V, None),  # db^{[l]} = 1/m sum_i dZ^{[l](i)}
        (26, V, None), (28, V, None),
    ])
    facts = infer(read_document(DATA / "dlai.md")).facts
    assert not any(f.startswith(("$A^", "$Z^")) for f in facts)  # no quantities of their own
    assert any("minibatch's mean loss" in f for f in facts)


def test_dlai_slips_refuted():
    assert_verdicts(check_file(DATA / "dlai-slips.md"), [
        (5, D, None), (7, D, None), (11, D, None), (16, V, None), (18, V, None), (20, V, None),
        (22, R, "lacks a factor $\\frac{1}{m}$"),  # dW = dZ A^T: the sum, not the mean
        (24, R, "transpose is missing"),  # dZ^{[l]} A^{[l-1]}
        (26, R, "order is swapped"),  # A^{[l-1]T} dZ^{[l]}
        (28, R, "wrong layer"),  # A^{[l]T}
        (30, R, "lacks a factor $\\frac{1}{m}$"),  # db: the sum, not the mean
        (32, R, "transpose is missing"),  # W^{[l+1]} dZ^{[l+1]}
        (34, V, None),
    ])


def test_row_batches_one_row_per_sample():
    """Row vectors (`z^l = a^{l-1} W^l + b^l`): the minibatch is one row per sample, the bias
    added to every row, `(A^{l-1})^T \\Delta^l` the sum over the minibatch."""
    assert_verdicts(check_file(DATA / "rows.md"), [
        (5, D, None), (7, D, None), (11, D, None), (13, D, None), (15, V, None), (17, D, None),
        (20, V, None), (22, V, None), (24, V, None),
        (26, V, None),  # dJ/dW^l = 1/m (A^{l-1})^T Delta^l
        (28, V, None),
    ])
    assert_verdicts(check_file(DATA / "rows-slips.md"), [
        (5, D, None), (7, D, None), (11, D, None), (13, D, None), (15, V, None), (17, D, None),
        (20, R, "order is swapped"),  # W^l A^{l-1}: the column layout's order
        (22, V, None), (24, V, None),
        (26, R, "lacks a factor $\\frac{1}{m}$"),
        (28, R, "transpose is missing"),  # A^{l-1} Delta^l
        (30, R, "wrong layer"),  # (A^l)^T
        (32, V, None),
    ])
