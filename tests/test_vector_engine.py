"""Vector and matrix notation (issue 12), through the public check: documents of my own in
vector form, with and without component definitions, each slip planted in a copy of a correct
claim. The derived side always comes from the document's definitions; the expected verdicts
here are facts about the mathematics (a transpose is missing, the order is swapped), never a
formula the checker is given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_document, collect_model
from derive.document import read_document
from derive.evaluate import Engine
from derive.expr import Partial, Quantity
from derive.model import INSTANCES
from derive.tensor import Leaf, MatMul, ShapeError, Transpose

FORWARD_COMPONENTS = r"""
$$z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$$

$$a^l_j = \sigma(z^l_j)$$

$$C = \frac{1}{2} \sum_j (y_j - a^L_j)^2$$

$$\delta^l_j = \frac{\partial C}{\partial z^l_j}$$
"""

FORWARD_VECTORS = r"""
$$z^l = w^l a^{l-1} + b^l$$

$$a^l = \sigma(z^l)$$

$$C = \frac{1}{2} \|y - a^L\|^2$$

$$\delta^l = \frac{\partial C}{\partial z^l}$$
"""

# (claim, expected status, words of the diagnosis)
CLAIMS = [
    (r"z^l = w^l a^{l-1} + b^l", "verified", ""),
    (r"\delta^L = \nabla_a C \odot \sigma'(z^L)", "verified", ""),
    (r"\delta^L = (a^L - y) \odot \sigma'(z^L)", "verified", ""),
    (r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)", "verified", ""),
    (r"\frac{\partial C}{\partial b^l} = \delta^l", "verified", ""),
    (r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l-1})^T", "verified", ""),
    (r"C = \frac{1}{2} \|y - a^L\|^2", "verified", ""),
    # slips
    (r"\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)", "refuted", "transpose is missing"),
    (r"\frac{\partial C}{\partial w^l} = (a^{l-1})^T \delta^l", "refuted", "order is swapped"),
    (r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l})^T", "refuted", "wrong layer"),
    (r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \sigma'(z^l)", "refuted", "element-wise product"),
    (r"\delta^L = (a^L - y) \odot \sigma(z^L)", "refuted", ""),
    (r"\delta^L = (y - a^L) \odot \sigma'(z^L)", "refuted", "sign"),
]


def _doc(tmp_path: Path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def _document(forward: str) -> str:
    return "# Backpropagation in vector form\n" + forward + "".join(
        f"\n$${claim}$$\n" for claim, _, _ in CLAIMS)


def _by_line(rep) -> dict[int, object]:
    return {r.line: r for r in rep.results}


@pytest.mark.parametrize("forward", [FORWARD_COMPONENTS, FORWARD_VECTORS],
                         ids=["component-definitions", "vector-form-only"])
def test_the_four_equations_in_vector_form(tmp_path: Path, forward: str) -> None:
    text = _document(forward)
    rep = check_document(_doc(tmp_path, text))
    lines = text.splitlines()
    results = _by_line(rep)
    start = len(forward.splitlines())  # the claims come after the definitions
    for claim, status, words in CLAIMS:
        line = lines.index(f"$${claim}$$", start) + 1
        r = results[line]
        assert r.status.value == status, (claim, r.status.value, r.message)
        if words:
            assert words in (r.diagnosis or "") + r.message, (claim, r.diagnosis, r.message)


def test_vector_form_only_says_the_shapes_it_read(tmp_path: Path) -> None:
    rep = check_document(_doc(tmp_path, _document(FORWARD_VECTORS)))
    facts = " ".join(rep.notes)
    assert "$w$ is a matrix of shape" in facts and "\\times" in facts
    assert "$b$ is a vector" in facts and "$y$ is a vector" in facts


def test_a_shape_mismatch_names_the_shapes(tmp_path: Path) -> None:
    text = _document(FORWARD_COMPONENTS)
    rep = check_document(_doc(tmp_path, text))
    line = text.splitlines().index(
        r"$$\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)$$") + 1
    r = _by_line(rep)[line]
    assert "shape mismatch" in r.message
    assert "(K_{l+1} \\times K_{l})" in r.message and "(K_{l+1} \\times 1)" in r.message, r.message


def test_a_mismatch_no_edit_repairs_is_not_a_refutation(tmp_path: Path) -> None:
    # a^L (a^L)^T is a matrix, the left side a vector; no single edit gives the derived value
    text = "# t\n" + FORWARD_COMPONENTS + "\n$$\\delta^L = a^L (a^L)^T$$\n"
    rep = check_document(_doc(tmp_path, text))
    r = _by_line(rep)[len(text.splitlines())]
    assert r.status.value == "unchecked" and "shape mismatch" in r.message, r.message


def test_row_vectors_from_the_front_matter(tmp_path: Path) -> None:
    text = r"""<!-- derive
vectors = "row"
[roles]
layers = "L"
width = "n"
loss = "C"
[quantities.W]
tag = "sup"
layers = "2..L"
shape = ["n_{l-1}", "n_l"]
given = true
parameter = true
[quantities.b]
tag = "sup"
layers = "2..L"
shape = ["n_l"]
given = true
parameter = true
[quantities.a]
tag = "sup"
layers = "1..L"
shape = ["n_l"]
given_layers = "1"
[quantities.z]
tag = "sup"
layers = "2..L"
shape = ["n_l"]
[quantities."\\delta"]
tag = "sup"
layers = "2..L"
shape = ["n_l"]
[quantities.y]
shape = ["n_L"]
given = true
[quantities.C]
[functions]
f = 1
-->
# Row vectors: z = a W + b

$$z^l_k = \sum_j a^{l-1}_j W^l_{jk} + b^l_k$$

$$a^l_k = f(z^l_k)$$

$$f(t) = \tanh(t)$$

$$C = \frac{1}{2} \sum_k (a^L_k - y_k)^2$$

$$\delta^l_k = \frac{\partial C}{\partial z^l_k}$$

$$z^l = a^{l-1} W^l + b^l$$

$$\delta^l = (\delta^{l+1} (W^{l+1})^T) \odot f'(z^l)$$

$$\frac{\partial C}{\partial W^l} = (a^{l-1})^T \delta^l$$

$$\frac{\partial C}{\partial W^l} = \delta^l (a^{l-1})^T$$

$$\delta^l = (\delta^{l+1} W^{l+1}) \odot f'(z^l)$$
"""
    rep = check_document(_doc(tmp_path, text))
    got = [(r.status.value, r.diagnosis or "") for r in rep.results if r.kind != "definition"]
    assert [s for s, _ in got] == ["verified", "verified", "verified", "refuted", "refuted"], got
    assert "order is swapped" in got[3][1] and "transpose" in got[4][1], got


def test_the_tree_reports_the_product_that_does_not_fit() -> None:
    from sympy import Integer, Symbol

    w = Leaf("w", Symbol("l"), (Integer(3), Integer(5)), "w")
    d = Leaf("d", Symbol("l"), (Integer(3),), "d")
    with pytest.raises(ShapeError, match="shape mismatch"):
        MatMul(w, d, "w d").shape()
    assert MatMul(Transpose(w, "w^T"), d, "w^T d").shape().rows == 5


torch = pytest.importorskip("torch")


def test_vector_form_gradients_agree_with_torch_autograd(tmp_path: Path) -> None:
    """The derivatives the model of a vector-form-only document gives, against PyTorch's
    autograd of the same network (the forward pass built from the same weights)."""
    path = tmp_path / "notes.md"
    path.write_text("# t\n" + FORWARD_VECTORS, encoding="utf-8")
    model = collect_model(path)
    instance = INSTANCES[0]
    ev = Engine().evaluator(model, instance, 0)

    def value(name: str, layer: int | None, *idx: int) -> float:
        q = Quantity(name, (layer,) if layer is not None else (), idx)
        return float(ev.ground(q, {}, 1))

    L, widths = instance.layers, instance.widths
    f64 = torch.float64
    W = {lay: torch.tensor([[value("w", lay, j, k) for k in range(1, widths[lay - 2] + 1)]
                          for j in range(1, widths[lay - 1] + 1)], dtype=f64, requires_grad=True)
         for lay in range(2, L + 1)}
    b = {lay: torch.tensor([value("b", lay, j) for j in range(1, widths[lay - 1] + 1)], dtype=f64,
                         requires_grad=True) for lay in range(2, L + 1)}
    a = torch.tensor([value("a", 1, j) for j in range(1, widths[0] + 1)], dtype=f64)
    y = torch.tensor([value("y", None, j) for j in range(1, widths[-1] + 1)], dtype=f64)
    for lay in range(2, L + 1):
        a = torch.sigmoid(W[lay] @ a + b[lay])
    cost = 0.5 * ((y - a) ** 2).sum()
    grads = torch.autograd.grad(cost, [*W.values(), *b.values()])
    for (lay, w), g in zip(W.items(), grads[: len(W)]):
        for j in range(w.shape[0]):
            for k in range(w.shape[1]):
                d = ev.ground(Partial(Quantity("C"), Quantity("w", (lay,), (j + 1, k + 1))), {}, 1)
                assert abs(float(d) - float(g[j, k])) < 1e-12
    for (lay, _), g in zip(b.items(), grads[len(W):]):
        for j in range(g.shape[0]):
            d = ev.ground(Partial(Quantity("C"), Quantity("b", (lay,), (j + 1,))), {}, 1)
            assert abs(float(d) - float(g[j])) < 1e-12


ROW_TEXT = r"""# Row vectors, no front matter

$$z^l = a^{l-1} W^l + b^l$$

$$a^l = \tanh(z^l)$$

$$C = \frac{1}{2} \|a^L - y\|^2$$

$$\delta^l = \frac{\partial C}{\partial z^l}$$

$$\delta^l = (\delta^{l+1} (W^{l+1})^T) \odot (1 - a^l \odot a^l)$$

$$\frac{\partial C}{\partial W^l} = (a^{l-1})^T \delta^l$$

$$\frac{\partial C}{\partial W^l} = \delta^l (a^{l-1})^T$$
"""


def test_row_vectors_are_inferred_from_the_products(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rep = check_document(_doc(tmp_path, ROW_TEXT))
    assert any("row vectors" in n for n in rep.notes), rep.notes
    got = [(r.status.value, r.diagnosis or "") for r in rep.results if r.kind != "definition"]
    assert [s for s, _ in got] == ["verified", "verified", "refuted"], got
    assert "order is swapped" in got[2][1]
    from derive.cli import main

    capsys.readouterr()
    assert main(["notation", str(tmp_path / "notes.md")]) == 0
    assert 'vectors = "row"' in capsys.readouterr().out  # the front matter it prints says so


@pytest.mark.parametrize("text", [_document(FORWARD_VECTORS), ROW_TEXT], ids=["columns", "rows"])
def test_the_printed_front_matter_gives_the_same_verdicts(tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                          text: str) -> None:
    """`derive notation` of a vector-form text, pasted at its top, checks the same."""
    from derive.cli import main

    bare = _doc(tmp_path, text)
    capsys.readouterr()
    assert main(["notation", str(tmp_path / "notes.md")]) == 0
    out = capsys.readouterr().out
    front = out[out.index("<!-- derive"): out.index("-->") + 3]
    pasted = _doc(tmp_path, front + "\n" + text, "pasted.md")
    shift = len(front.splitlines())

    def verdicts(rep, offset):  # type: ignore[no-untyped-def]
        return [(r.line - offset, r.status.value, r.diagnosis) for r in rep.results]

    assert verdicts(check_document(pasted), shift) == verdicts(check_document(bare), 0)


def test_a_dot_product_of_two_vectors(tmp_path: Path) -> None:
    """`u \\cdot v` between two vectors of one shape is their dot product, as `u^T v`: not a
    product whose shapes do not fit (a correct formula must never be refuted for its notation)."""
    text = "# t\n" + FORWARD_COMPONENTS + (
        "\n$$C = \\frac{1}{2} (a^L - y) \\cdot (a^L - y)$$\n"
        "\n$$C = \\frac{1}{2} (a^L - y)^T (a^L - y)$$\n"
        "\n$$C = (a^L - y) \\cdot (a^L - y)$$\n")
    got = [(r.status.value, r.diagnosis or "") for r in check_document(_doc(tmp_path, text)).results
           if r.kind != "definition"]
    assert [s for s, _ in got] == ["verified", "verified", "refuted"], got
    assert "$2$ times" in got[2][1], got[2]


UNTAGGED = r"""# A two-layer net in vector form, no layer tags

$$h = \sigma(W x + b)$$

$$o = V h + c$$

$$\ell = \frac{1}{2} \|o - y\|^2$$

$$\frac{\partial \ell}{\partial o} = o - y$$

$$\frac{\partial \ell}{\partial V} = (o - y) h^T$$

$$\frac{\partial \ell}{\partial h} = V^T (o - y)$$

$$\frac{\partial \ell}{\partial W} = ((V^T (o - y)) \odot h \odot (1 - h)) x^T$$

$$\frac{\partial \ell}{\partial W} = ((V (o - y)) \odot h \odot (1 - h)) x^T$$

$$\frac{\partial \ell}{\partial b} = (V^T (o - y)) \odot h \odot (1 - h)$$
"""


def test_a_network_without_layer_tags_in_vector_form(tmp_path: Path) -> None:
    """Each size the products leave open is a width of its own (three here), so V is not
    square, and the slip in the claims (V for V^T) cannot make it so."""
    rep = check_document(_doc(tmp_path, UNTAGGED))
    notes = " ".join(rep.notes)
    assert "$V$ is a matrix of shape $C_3 \\times C_1$" in notes, notes
    got = [(r.status.value, r.diagnosis or "") for r in rep.results if r.kind != "definition"]
    assert [s for s, _ in got] == ["verified"] * 4 + ["refuted", "verified"], got
    assert "transpose is missing" in got[4][1]
