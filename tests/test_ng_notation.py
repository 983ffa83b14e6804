"""Andrew Ng's Machine Learning course notation (tests/data/heldout4/n-ng-week5.md): fixed
layers `a^{(1)}`, `z^{(2)} = \\Theta^{(1)} a^{(1)}`, the whole vectors written bare, the output
`a^{(3)}_k` indexed in the cost, Octave's `.*` for the element-wise product. The bare vectors
were read as layers of one unit (a^{(1)}, a^{(2)}, a^{(3)}: every definition an error, "the left
side a^{(2)}_1 (a scalar)"), and `.*` as "unexpected `.`": a layer the text also writes with an
index, or that a matrix multiplies, or that a row defines from such a product, is a vector
layer; `.*` is `*`. The correct document reads every row and verifies its gradient; the slip
(swapped indices) is refuted."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).parent / "data" / "heldout4"


def test_every_row_read_and_the_gradient_verified() -> None:
    got = [r.status for r in check_file(DATA / "n-ng-week5.md").results]
    assert got == [Status.DEFINITION] * 9 + [Status.VERIFIED], got


def test_the_swapped_indices_refuted() -> None:
    got = [r.status for r in check_file(DATA / "n-ng-week5-slips.md").results]
    assert got == [Status.DEFINITION] * 9 + [Status.REFUTED], got


def test_octave_product_is_the_elementwise_one() -> None:
    from derive.document import read_document
    from derive.latex.tokens import tokenize

    doc = read_document(DATA / "n-ng-week5.md")
    f = next(f for f in doc.formulas if ".*" in f.text)
    texts = [t.text for t in tokenize(f.text, f)]
    assert "*" in texts and "." not in texts, texts
