"""Networks whose layers are named by letters (issues 10 and 12): `h = \\mathrm{ReLU}(W x + b)`,
`\\hat{y} = v^\\top h + c`, no layer index anywhere, as Goodfellow-style notes write them.

`tests/data/letter_layers/` holds such texts without front matter, each checked as written: a
ReLU hidden layer with a scalar output (`relu.md`, the indicator written `\\mathbb{1}[u > 0]`,
`\\mathbb{1}\\{u > 0\\}` and `[u > 0]`), the same with its forward pass in the prose
(`inline.md`), a sigmoid hidden layer (`sigmoid.md`) and a tanh hidden layer with a softmax
output (`softmax-tanh.md`). The slips planted (a wrong activation derivative, a missing
transpose, `x` for `h` and `h` for `x`, a missing indicator) must be refuted at their lines,
with the diagnosis named where one edit explains them; nothing else may be refuted. Every
expected verdict was worked out by hand: the gradients of the squared loss through
`\\hat{y} = v^\\top h + c` are `(\\hat y - y)` times `h`, `v`, `v \\odot f'(W x + b)`, and that
vector's outer product with `x`; through a softmax and the cross-entropy `-y^\\top \\log \\hat y`
they hold for labels that sum to one (one-hot), which the text says only in words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status

DATA = Path(__file__).resolve().parent / "data" / "letter_layers"
D, V, R, C, U = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL,
                 Status.UNCHECKED)

# file -> {line: (verdict, words the diagnosis or message must hold, or None)}
EXPECTED = {
    "relu.md": {6: (D, None), 8: (D, None), 12: (D, None), 16: (V, None), 18: (V, None),
                20: (V, None), 22: (V, None), 24: (V, None), 26: (V, None)},
    "relu-slips.md": {6: (D, None), 8: (D, None), 12: (D, None), 16: (V, None),
                      18: (R, "$x$ should be $h$"),  # x for h
                      20: (V, None),
                      22: (R, "differs"),  # the indicator left out
                      24: (R, "transpose"),  # x for x^T
                      26: (R, "differs")},  # tanh's derivative in a ReLU layer
    "inline.md": {3: (D, None),  # h and \\hat{y}, both in the one sentence
                  4: (D, None), 8: (V, None), 10: (V, None), 12: (V, None),
                  14: (V, None), 16: (R, "$x$ should be $h$"), 18: (R, "$h$ should be $x$")},
    "sigmoid.md": {3: (D, None), 5: (D, None), 7: (D, None), 9: (V, None), 11: (V, None),
                   13: (V, None),
                   17: (R, "differs"),  # tanh's derivative for the sigmoid's
                   19: (R, "transpose")},
    # "For a one-hot label the gradients are": the premise in words (derive.infer.premises)
    "softmax-tanh.md": {5: (D, None), 7: (D, None), 9: (D, None), 13: (D, None),
                        **{k: (V, "premise that the labels are one-hot")
                           for k in (17, 19, 21, 23, 25, 27)}},
    "softmax-tanh-slips.md": {
        5: (D, None), 7: (D, None), 9: (D, None), 13: (D, None),
        17: (V, "premise"), 19: (V, "premise"),
        21: (R, "$x$ should be $h$"),  # x for h: shapes that do not fit, the edit verified
        23: (R, "transpose is missing"),  # V for V^T
        25: (R, "extra factor"),  # the sigmoid's derivative in a tanh layer
        27: (V, "premise")},
    # the softmax defined by its entries in a dummy vector t (sized like z, the vector it is
    # applied to, not a layer of its own) and the error named by a Greek letter (a vector)
    "softmax-defined.md": {3: (D, None), 5: (D, None), 7: (D, None), 11: (D, None),
                           15: (D, None), 19: (D, None),
                           **{k: (V, "premise that the labels are one-hot")
                              for k in (21, 23, 25, 27)}},
    "softmax-defined-slips.md": {
        3: (D, None), 5: (D, None), 7: (D, None), 11: (D, None), 15: (D, None), 19: (D, None),
        21: (R, "sign"),  # -epsilon for epsilon
        23: (V, "premise"),
        25: (R, "transpose is missing"),  # V for V^T
        27: (V, "premise")},
    # the softmax of a vector computed in its argument, `\\mathrm{softmax}(V g + c)`: read
    # entry by entry through the text's definition (the argument's letters kept apart)
    "softmax-computed.md": {3: (D, None), 5: (D, None), 9: (D, None), 13: (D, None),
                            **{k: (V, "premise") for k in (15, 17, 19)}},
    "softmax-computed-slips.md": {3: (D, None), 5: (D, None), 9: (D, None), 13: (D, None),
                                  15: (V, "premise"),
                                  17: (R, "transpose"),  # g (p - q)^T: the outer product swapped
                                  19: (R, "$V$ should be transposed")},  # V for V^T
    # the same in rst, the softmax never defined: derive's own, of the vector computed
    "softmax-own.rst": {6: (D, None), 10: (D, None), 16: (D, None),
                        **{k: (V, "premise") for k in (20, 24, 28)}},
    "softmax-own-slips.rst": {6: (D, None), 10: (D, None), 16: (D, None),
                              20: (R, "sign"),  # q - p for p - q
                              24: (V, "premise"),
                              28: (R, "$g$ should be $x$")},  # g^T for x^T
    # bad input: each placed at its line, never an internal error
    "malformed.md": {3: (D, None), 5: (D, None), 7: (D, None),
                     9: (Status.ERROR, "\\mathbb{1}"),  # unclosed
                     11: (Status.ERROR, "\\mathbb{1}"),  # no condition
                     13: (Status.ERROR, "\\mathbb{1}"),  # two relations
                     15: (R, "differs"),  # the condition the wrong way round
                     17: (U, "no vector")},  # the softmax of a matrix
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def report(request):
    return request.param, check_file(DATA / request.param)


def test_verdicts(report) -> None:
    name, rep = report
    got: dict[int, list] = {}
    for r in rep.results:
        got.setdefault(r.line, []).append(r)
    assert sorted(got) == sorted(EXPECTED[name]), (name, sorted(got))
    if name == "inline.md":
        assert len(got[3]) == 2, got[3]
    for line, (status, words) in EXPECTED[name].items():
        for r in got[line]:
            assert r.status is status, (name, line, r.status.value, r.message)
            if words is not None:
                said = f"{r.message} {r.diagnosis or ''}"
                assert words in said, (name, line, said)


def test_shapes_read() -> None:
    """`v^\\top h` is a number: the prediction and the label are numbers, v and h vectors of the
    hidden width, W hidden x input."""
    rep = check_file(DATA / "relu.md")
    notes = " ".join(rep.notes)
    assert "$W$ is a matrix of shape $C_1 \\times C_2$" in notes, notes
    for q in ("b", "h", "v"):
        assert f"${q}$ is a vector of shape $C_1$" in notes, (q, notes)
    assert "$x$ is a vector of shape $C_2$" in notes, notes
    assert "\\hat{y}$ is a" not in notes and "$y$ is a" not in notes and "$c$ is a" not in notes


def test_defined_softmax_parameter_sized_by_its_argument() -> None:
    """`\\mathrm{softmax}(t)_i = ...` applied to z: t has z's size, the labels are q (not t)."""
    notes = " ".join(check_file(DATA / "softmax-defined.md").notes)
    assert "$t$ is a vector of shape $C_3$" in notes and "$z$ is a vector of shape $C_3$" in notes
    assert "labels $q$ are one-hot" in notes, notes
    assert "\\epsilon$ is a vector of shape $C_3$" in notes, notes


def test_inline_forward_pass_is_one_part() -> None:
    """A forward pass in the prose is no text of identities: one part, no 'part' note."""
    rep = check_file(DATA / "inline.md")
    assert not any("part 1 of the text" in n for n in rep.notes), rep.notes


def test_ones_times_the_labels_is_their_sum() -> None:
    """`\\mathbf{1}^\\top y = 1` states the premise `\\sum_j y_j = 1`, as the sum written out does;
    nothing else written with the ones is read so."""
    import dataclasses

    from derive.infer.ones_sum import ones_sum
    from derive.latex import tokenize
    from derive.sources import read

    formula = read(DATA / "softmax-computed.md").formulas[0]

    def side(text: str) -> str | None:
        return ones_sum(tokenize(text, dataclasses.replace(formula, text=text)))

    assert side("\\mathbf{1}^\\top y") == "y" and side("\\mathbf{1}^T q") == "q"
    assert side("y^{\\top} \\mathbf{1}") == "y"
    assert side("\\mathbf{1}^\\top y + b") is None and side("\\mathbf{1} y") is None
    assert side("\\mathbf{1}^\\top \\hat{y}") is None  # a decorated name: not one letter
    notes = " ".join(check_file(DATA.parent / "vector" / "column.rst").notes)
    assert "line 30 states a premise: the labels $y$ sum to one" in notes, notes
