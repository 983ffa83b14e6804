"""What a text says outside its display formulas, and rows a reading could get wrong: a
definition given only in a sentence, a cost over the samples then for one sample, a derivative
operator whose extent is ambiguous, a left side that needs a layer that is not there. Each
through the public check, on documents of my own."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_document
from derive.document import read_document


def _check(tmp_path: Path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(read_document(path))


def _statuses(rep) -> dict[int, tuple[str, str]]:
    return {r.line: (r.status.value, r.diagnosis or r.message) for r in rep.results}


NIELSEN_PROSE = r"""# Notes

We compute the weighted input $z^l \equiv w^l a^{l-1} + b^l$ of each layer, and the
activations are $a^l = \sigma(z^l)$, with the quadratic cost over the $n$ training inputs

$$C = \frac{1}{2n} \sum_x \|y(x) - a^L(x)\|^2.$$

For one training input the cost is

$$C = \frac{1}{2} ||y - a^L||^2 = \frac{1}{2} \sum_j (y_j - a^L_j)^2$$

and the error of a neuron is

$$\delta^l_j = \frac{\partial C}{\partial z^l_j}.$$

$$\delta^L = (a^L - y) \odot \sigma'(z^L)$$

$$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)$$

$$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j$$

Written out for one neuron, the weighted input is

$$z^{l}_j = \sum_k w^{l}_{jk} a^{l-1}_k + b^{l}_j$$
"""


def test_definitions_in_the_prose_and_the_cost_of_one_sample(tmp_path: Path) -> None:
    rep = _check(tmp_path, NIELSEN_PROSE)
    got = _statuses(rep)
    text = NIELSEN_PROSE.splitlines()

    def line(s: str) -> int:
        return next(k for k, t in enumerate(text, start=1) if s in t)

    notes = " ".join(rep.notes)
    assert "$a$ is defined only in the prose" in notes, notes
    assert "$z$ is defined in the prose before its display formula" in notes, notes
    assert got[line("\\frac{1}{2n}")][0] == "definition"  # the batch's cost, reported as such
    assert got[line("||y - a^L||^2")][0] == "verified"  # C of one sample, checked step by step
    assert got[line("(a^L - y) \\odot")][0] == "verified"
    assert got[line("((w^{l+1})^T")][0] == "verified"
    assert got[line("= a^{l-1}_k \\delta^l_j")][0] == "verified"
    # the display definition after the prose one is a claim about the same z: it holds
    assert got[line("z^{l}_j = \\sum_k")][0] == "verified"


def test_a_derivative_operator_before_a_sum_and_a_plus_is_ambiguous(tmp_path: Path) -> None:
    """Ambiguous unless the side before is the derivative of one quantity by the same
    variable (then the side writes it out: tests/test_koerbitz_style.py); here the left side is
    by another variable."""
    text = ("# t\n\n$$z^l_k = \\sum_{p} w^l_{kp} a^{l-1}_p + b^l_k$$\n\n"
            "$$\\frac{\\partial z^l_k}{\\partial w^l_{ij}} = \\frac{\\partial}{\\partial b^l_i}"
            " \\sum_{p} w^l_{kp} a^{l-1}_p + b^l_k$$\n")
    got = _statuses(_check(tmp_path, text))
    status, why = got[5]
    assert status == "error" and "ambiguous" in why, (status, why)
    written_out = text.replace("\\partial w^l_{ij}}", "\\partial b^l_i}")
    assert _statuses(_check(tmp_path, written_out))[5][0] == "verified"


def test_a_left_side_outside_the_layers_read_is_not_a_refutation(tmp_path: Path) -> None:
    # z's layers are read as 1..L, but its definition needs a^0: the left side has no value
    # at l = 1; that is the reading's gap, not a fault of the right side
    text = ("# t\n\n$$z^l_k = \\sum_{p=1}^{n_{l-1}} w^l_{kp} a^{l-1}_p + b^l_k$$\n\n"
            "$$\\frac{\\partial z^l_k}{\\partial b^l_{i}} = \\begin{cases} 1 & \\text{if } i = k"
            " \\\\ 0 & \\text{otherwise} \\end{cases}$$\n")
    status, why = _statuses(_check(tmp_path, text))[5]
    assert status == "unchecked" and "outside the layers" in why, (status, why)


def test_the_loss_restated_in_vector_form_is_a_claim(tmp_path: Path) -> None:
    text = ("# t\n\n$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n$$a^l_j = \\sigma(z^l_j)$$\n\n"
            "$$C = \\frac{1}{2} \\sum_j (a^L_j - y_j)^2$$\n\n## Vector form\n\n"
            "$$C = \\frac{1}{2} \\|a^L - y\\|^2$$\n\n## Another loss\n\n"
            "$$C = \\|a^L - y\\|^2$$\n\n$$\\frac{\\partial C}{\\partial a^L_j} = 2 (a^L_j - y_j)$$\n")
    got = _statuses(_check(tmp_path, text))
    lines = text.splitlines()
    half = lines.index("$$C = \\frac{1}{2} \\|a^L - y\\|^2$$") + 1
    other = lines.index("$$C = \\|a^L - y\\|^2$$") + 1
    assert got[half][0] == "verified"  # equal to the definition: a restatement
    assert got[other][0] == "definition"  # another loss: the formulas after it use it
    assert got[other + 2][0] == "verified"


def test_a_sum_over_samples_named_m_keeps_the_batch_size_apart(tmp_path: Path) -> None:
    text = ("# t\n\n$$z_k = \\sum_d \\theta_{kd} x_d$$\n\n"
            "$$J = \\frac{1}{2} \\sum_m \\sum_k (z^{(m)}_k - y^{(m)}_k)^2$$\n")
    rep = _check(tmp_path, text)
    assert rep.results, "the document is read, not refused as a whole"


def test_hand_numbers_remarks_and_plain_stars(tmp_path: Path) -> None:
    """`\\ \\ \\ (1)` after a gap is the equation's number, `// ...` a remark to the end of the
    line, `a * b` a product: none of them changes the mathematics."""
    text = ("# t\n\n$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j \\ \\ \\ (1)$$\n\n"
            "$$a^l_j = \\sigma(z^l_j) // the activation$$\n\n"
            "$$\\frac{\\partial z^l_j}{\\partial w^l_{jk}} = a^{l-1}_k \\qquad (2)$$\n\n"
            "$$\\frac{\\partial z^l_j}{\\partial w^l_{jk}} = 3 * a^{l-1}_k \\quad (3)$$\n")
    got = _statuses(_check(tmp_path, text))
    assert got[3][0] == "definition" and got[5][0] == "definition", got
    assert got[7][0] == "verified", got[7]  # not 2 times the derivative
    status, why = got[9]
    assert status == "refuted" and "3" in why, (status, why)  # the star multiplies


def test_a_derivative_the_model_makes_zero_is_no_evidence(tmp_path: Path) -> None:
    """The activations are never defined here, so the model reads them as given and C does not
    depend on z at all: `∂C/∂z = 0` would agree, but 0 = 0 says nothing of the text."""
    text = ("# t\n\n$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n"
            "$$C = \\frac{1}{2} \\sum_j (a^L_j - y_j)^2$$\n\n"
            "$$\\frac{\\partial C}{\\partial z^L_j} = 0$$\n")
    status, why = _statuses(_check(tmp_path, text))[7]
    assert status == "unchecked" and "would be 0" in why, (status, why)
