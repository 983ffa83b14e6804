"""Notation inference (issue 10): a document without front matter, read through its own notation.

Each test writes a small document in one convention and asserts what is inferred from it (the
front matter `derive.infer` produces) and the verdicts that follow. The expected notation is the
one a careful reader takes from the formulas; the verdicts come from the checker, which
differentiates the document's own forward model: nothing here codes a derivative.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.check import check_document
from derive.document import read_document
from derive.infer import infer

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "formulas" / "backprop.md"

# one forward pass and its backward pass, in each layer-tag style; {t} is the tag of layer {x}
NETWORK = r"""
$$z{t:l}_j = \sum_{{k=1}}^{{K_{{l-1}}}} w{t:l}_{{jk}} a{t:l-1}_k + b{t:l}_j$$

$$a{t:l}_j = \sigma(z{t:l}_j)$$

$$\sigma(t) = \frac{{1}}{{1+e^{{-t}}}}$$

$$C = \frac{{1}}{{2}} \sum_{{j=1}}^{{K_L}} (y_j - a{t:L}_j)^2$$

$$\delta{t:l}_j = \frac{{\partial C}}{{\partial z{t:l}_j}}$$

$$\delta{t:L}_j = (a{t:L}_j - y_j) \sigma'(z{t:L}_j)$$

$$\delta{t:l}_j = \sum_{{k=1}}^{{K_{{l+1}}}} w{t:l+1}_{{kj}} \delta{t:l+1}_k \sigma'(z{t:l}_j)$$

$$\delta{t:l}_j = \sum_{{k=1}}^{{K_{{l+1}}}} w{t:l+1}_{{jk}} \delta{t:l+1}_k \sigma'(z{t:l}_j)$$

$$\frac{{\partial C}}{{\partial w{t:l}_{{jk}}}} = a{t:l-1}_k \delta{t:l}_j$$

$$\frac{{\partial C}}{{\partial w{t:l}_{{jk}}}} = a{t:l}_k \delta{t:l}_j$$

$$\frac{{\partial C}}{{\partial b{t:l}_j}} = - \delta{t:l}_j$$
"""
STYLES = {"paren": "^{{({})}}", "bracket": "^{{[{}]}}", "sup": "^{{{}}}"}


def _network(style: str, unbounded: bool = False) -> str:
    form = STYLES[style]
    text = re.sub(r"\{t:([^}]*)\}", lambda m: form.format(m[1]), NETWORK)
    text = text.replace("{{", "{").replace("}}", "}")
    if unbounded:
        text = re.sub(r"\\sum_\{([a-z])=1\}\^\{[^{}]*(\{[^{}]*\})?[^{}]*\}", r"\\sum_\1", text)
    return text


def _doc(tmp_path: Path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def _verdicts(doc) -> list[tuple[int, str, str]]:
    rep = check_document(doc)
    return [(r.line, r.status.value, r.diagnosis or "") for r in rep.results]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_layer_tag_style_is_inferred(tmp_path: Path, style: str) -> None:
    front = infer(_doc(tmp_path, _network(style))).front
    q = front["quantities"]
    assert front["roles"]["layers"] == "L" and front["roles"]["width"] == "K"
    assert front["roles"]["loss"] == "C"
    assert {name: spec["tag"] for name, spec in q.items() if "tag" in spec} == {
        "a": style, "b": style, "w": style, "z": style, "\\delta": style}
    # z^l = ... a^{l-1}: layer 1 is the input; z, w, b and delta start at layer 2
    assert q["a"]["layers"] == "1..L" and q["a"]["given_layers"] == "1"
    for name in ("z", "w", "b", "\\delta"):
        assert q[name]["layers"] == "2..L", name
    assert q["w"]["shape"] == ["K_l", "K_{l-1}"]
    assert q["b"]["shape"] == ["K_l"] and q["y"]["shape"] == ["K_L"]
    assert q["w"].get("given") and q["w"].get("parameter")
    assert q["y"].get("given") and not q["y"].get("parameter")
    assert not q["z"].get("given") and not q["a"].get("given")
    assert front["functions"] == {"\\sigma": 1}


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("unbounded", [False, True], ids=["bounded", "unbounded"])
def test_verdicts_without_front_matter(tmp_path: Path, style: str, unbounded: bool) -> None:
    verdicts = _verdicts(_doc(tmp_path, _network(style, unbounded)))
    status = [v[1] for v in verdicts]
    assert status == ["definition"] * 5 + ["verified", "verified", "refuted", "verified",
                                           "refuted", "refuted"]
    swapped, layer, sign = verdicts[7], verdicts[9], verdicts[10]
    assert "swapped indices" in swapped[2]
    assert "wrong layer" in layer[2]
    assert "sign" in sign[2]


def test_the_chapter_without_its_front_matter_gives_the_same_verdicts(tmp_path: Path) -> None:
    """formulas/backprop.md with every `derive` comment removed: every formula gets the verdict
    the written notation gives it, the chain-rule examples included (their dependencies read
    from the derivatives they write, or from the inline maths that states them just before)."""
    text = CHAPTER.read_text(encoding="utf-8")
    stripped = re.sub(r"<!-- derive.*?-->\n", "", text, flags=re.S)
    assert "derive" not in stripped.split("# 9.")[0]
    written = check_document(read_document(CHAPTER)).results
    inferred = check_document(_doc(tmp_path, stripped, "chapter.md")).results
    local = [r for r in written if r.section[-1:] == ("9.1. 链式法则",)]
    assert len(local) == 4 and all(r.status.value == "verified" for r in local)
    assert [(r.status, r.kind, r.step, r.diagnosis) for r in inferred] == [
        (r.status, r.kind, r.step, r.diagnosis) for r in written]
    assert [bool(r.lint) for r in inferred] == [bool(r.lint) for r in written]


def test_the_summary_says_what_was_read(tmp_path: Path) -> None:
    rep = check_document(_doc(tmp_path, _network("sup")))
    read = [n for n in rep.notes if n.startswith("read as: ")]
    text = "\n".join(read)
    assert "layers $l$ = 1..$L$" in text
    assert "$w^{l}_{ij}$: layers 2..L, $i$ in 1..$K_l$, $j$ in 1..$K_{l-1}$, given, a parameter" \
        in text
    assert "$\\sigma$ a function of 1 argument, defined at line 6" in text
    assert "the loss $C$" in text


def test_written_front_matter_overrides_inference(tmp_path: Path) -> None:
    """A document with its own `quantities` is read as written: nothing is inferred."""
    rep = check_document(read_document(CHAPTER))
    assert not any(n.startswith("read as: ") for n in rep.notes)


def test_inference_is_deterministic(tmp_path: Path) -> None:
    doc = _doc(tmp_path, _network("paren", unbounded=True))
    assert infer(doc).front == infer(doc).front
    assert infer(doc).facts == infer(doc).facts


def test_definition_relations_log_and_approximations(tmp_path: Path) -> None:
    """`:=`, `\\equiv`, `\\stackrel{def}{=}` and `\\triangleq` define; `\\log` is the natural logarithm (a correct
    cross-entropy derivative verifies, a base-10 reading would refute it); a step after
    `\\approx` is said to be unchecked, never shown as a pass."""
    text = "\n\n".join([
        r"$$z^l_j := \sum_k w^l_{jk} a^{l-1}_k + b^l_j$$",
        r"$$a^l_j \equiv \sigma(z^l_j)$$",
        r"$$\sigma(t) \stackrel{def}{=} \frac{1}{1+e^{-t}}$$",
        r"$$C = - \sum_j y_j \log a^L_j$$",
        r"$$\delta^l_j \triangleq \frac{\partial C}{\partial z^l_j}$$",
        r"$$\frac{\partial C}{\partial a^L_j} = - \frac{y_j}{a^L_j} \approx 0$$",
        r"$$\frac{\partial C}{\partial a^L_j} = - \frac{y_j}{10 a^L_j}$$",
    ])
    verdicts = _verdicts(_doc(tmp_path, text))
    assert [v[1] for v in verdicts] == ["definition"] * 5 + ["verified", "unchecked", "refuted"]
    rep = check_document(_doc(tmp_path, text))
    assert "approximation" in rep.results[6].message


def _statuses(tmp_path: Path, text: str, name: str = "notes.md") -> dict[int, tuple[str, str]]:
    rep = check_document(_doc(tmp_path, text, name))
    return {r.line: (r.status.value, r.diagnosis or r.message) for r in rep.results}


SOFTMAX = r"""
$$z_k = \sum_d \theta_{kd} x_d + b_k$$

$$\hat{y}_k = \frac{e^{z_k}}{\sum_{c} e^{z_c}}$$

$$\ell = - \sum_{c} y_c \log \hat{y}_c$$

{premise}

$$\frac{\partial \ell}{\partial z_k} = \hat{y}_k - y_k$$

$$\frac{\partial \ell}{\partial \theta_{kd}} = (\hat{y}_k - y_k) x_d$$

$$\frac{\partial \ell}{\partial \theta_{kd}} = (\hat{y}_k - y_k) x_k$$

$$\theta_{kd} \leftarrow \theta_{kd} - \eta (\hat{y}_k - y_k) x_d$$
"""


@pytest.mark.parametrize("stated", [True, False], ids=["premise", "no-premise"])
def test_softmax_regression_without_layers(tmp_path: Path, stated: bool) -> None:
    """No layer tags: inputs (x_d) and classes (z_k) get ranges of different sizes from their
    use; a stated premise sum_c y_c = 1 makes the one-hot step hold, an unstated one leaves it
    conditional; an update without a sum over samples is stochastic gradient descent."""
    premise = r"$$\sum_{c} y_c = 1$$" if stated else "The labels are probabilities."
    text = SOFTMAX.replace("{premise}", premise)
    got = [v for _, v in sorted(_statuses(tmp_path, text).items())]
    front = infer(_doc(tmp_path, text)).front
    assert front["quantities"]["\\theta"]["shape"] == ["C_n", "C_1"]
    assert front["quantities"]["x"]["shape"] == ["C_1"]
    assert front["roles"]["labels"] == "y" and front["roles"]["rate"] == "\\eta"
    expect = "verified" if stated else "conditional"
    defs = 4 if stated else 3
    assert [s for s, _ in got] == ["definition"] * defs + [expect, expect, "refuted", expect]
    assert "wrong index" in got[defs + 2][1]


UFLDL = r"""
$$f(z) = \frac{1}{1 + \exp(-z)}$$

$$z^{(l+1)}_i = \sum_{j=1}^{s_l} W^{(l)}_{ij} a^{(l)}_j + b^{(l)}_i$$

$$a^{(l)}_i = f(z^{(l)}_i)$$

$$J(W,b;x,y) = \frac{1}{2} \sum_{j=1}^{s_{n_l}} (y_j - a^{(n_l)}_j)^2$$

$$\delta^{(l)}_i = \frac{\partial}{\partial z^{(l)}_i} J(W,b;x,y)$$

$$\delta^{(n_l)}_i = - (y_i - a^{(n_l)}_i) f'(z^{(n_l)}_i)$$

$$\frac{\partial}{\partial W^{(l)}_{ij}} J(W,b;x,y) = a^{(l)}_j \delta^{(l+1)}_i$$

$$\frac{\partial}{\partial W^{(l)}_{ij}} J(W,b;x,y) = a^{(l)}_i \delta^{(l+1)}_i$$

$$W^{(l)}_{ij} = W^{(l)}_{ij} - \alpha \frac{\partial}{\partial W^{(l)}_{ij}} J(W,b;x,y)$$
"""


def test_ufldl_operator_derivatives_and_the_loss_with_arguments(tmp_path: Path) -> None:
    got = [v for _, v in sorted(_statuses(tmp_path, UFLDL).items())]
    assert [s for s, _ in got] == ["definition"] * 5 + ["verified", "verified", "refuted",
                                                        "verified"]
    assert "swapped indices" in got[7][1] or "wrong index" in got[7][1]
    front = infer(_doc(tmp_path, UFLDL)).front
    assert front["roles"]["layers"] == "n_l" and front["roles"]["width"] == "s"
    assert front["roles"]["loss"] == "J"


def test_a_definition_with_an_unbound_layer_is_an_error_not_a_model(tmp_path: Path) -> None:
    """J = 1/2 sum (a^{(l)}_i - y_i)^2 leaves l open: which layer? A placed error; what rests
    on J is checked for a generic smooth loss: what holds for every loss verifies, the planted
    slip (a_i for a_j) is refuted, and the output error of the squared error, which needs the
    particular J, is unchecked (issue 10/11: functions and losses never defined)."""
    text = UFLDL.replace(r"a^{(n_l)}_j)^2", r"a^{(l)}_j)^2")
    got = _statuses(tmp_path, text)
    loss_line = 1 + text.split("\n").index(
        r"$$J(W,b;x,y) = \frac{1}{2} \sum_{j=1}^{s_{n_l}} (y_j - a^{(l)}_j)^2$$")
    assert got[loss_line][0] == "error" and "not bound" in got[loss_line][1]
    after = [got[line] for line in sorted(got) if line > loss_line]
    assert [s for s, _ in after] == ["definition", "unchecked", "verified", "refuted",
                                     "verified"]
    assert "needs the loss; the text never defines it" in after[1][1]
    assert "wrong index" in after[3][1] or "swapped indices" in after[3][1]


def test_index_letters_that_name_layers_are_refused_not_refuted(tmp_path: Path) -> None:
    """One weight letter for both layers (`w_{ji}`, `w_{kj}`): the sums chain the letters and
    `a_k` is the output layer's `a` (derive.infer.letters). Two weight names (`V_{ji}`,
    `W_{kj}`) say no layer per letter: `a_k` beside `a_j` is refused, not guessed."""
    text = "\n\n".join([r"$$a_j = \sum_i w_{ji} x_i$$", r"$$z_j = h(a_j)$$",
                        r"$$h(a) = \tanh(a)$$", r"$$a_k = \sum_j w_{kj} z_j$$"])
    got = _statuses(tmp_path, text)
    assert got[7][0] == "definition", got
    two = text.replace("w_{ji}", "V_{ji}").replace("w_{kj}", "W_{kj}")
    got = _statuses(tmp_path, two)
    assert got[7][0] == "error" and "name layers" in got[7][1]


def test_range_qualifiers_and_the_per_sample_loss(tmp_path: Path) -> None:
    """`\\quad (j = 1, \\ldots, p)` after an equation says where it holds; C_x is the loss of
    sample x and N the batch size of C = 1/N sum_x C_x."""
    text = "\n\n".join([
        r"$$z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j \quad (j = 1, 2, \ldots, p)$$",
        r"$$a^l_j = \sigma(z^l_j)$$",
        r"$$\sigma(t) = \frac{1}{1+e^{-t}}$$",
        r"$$C_x = \frac{1}{2} \sum_j (y_j - a^L_j)^2$$",
        r"$$C = \frac{1}{N} \sum_x C_x$$",
        r"$$\frac{\partial C_x}{\partial b^l_j} = \frac{\partial C_x}{\partial z^l_j}$$",
    ])
    front = infer(_doc(tmp_path, text)).front
    assert front["roles"]["sample"] == "x" and front["roles"]["batch"] == "N"
    got = [v for _, v in sorted(_statuses(tmp_path, text).items())]
    assert [s for s, _ in got] == ["definition"] * 5 + ["verified"]


def test_a_chain_rule_is_read_from_its_derivatives(tmp_path: Path) -> None:
    """z = F(y_1, y_2), y_k = F(x_1, x_2) from the derivatives the formula writes (the names
    clash with the network's: z has layer tags elsewhere). A wrong variable in the second row is
    refuted. (A term dropped from every row is consistent with a model without that dependence:
    dependencies read from the formula itself cannot catch it.)"""
    net = _network("paren")
    rows = [r"\frac{\partial z}{\partial x_1} &= \frac{\partial z}{\partial y_1} "
            r"\frac{\partial y_1}{\partial x_1} + \frac{\partial z}{\partial y_2} "
            r"\frac{\partial y_2}{\partial x_1} \\",
            r"\frac{\partial z}{\partial x_2} &= \frac{\partial z}{\partial y_1} "
            r"\frac{\partial y_1}{\partial x_2} + \frac{\partial z}{\partial y_2} "
            r"\frac{\partial y_2}{\partial x_1}"]  # x_1 for x_2: a slip
    text = "$$\\begin{split}" + "\n".join(rows) + "\\end{split}$$\n" + net
    got = _statuses(tmp_path, text)
    assert got[1][0] == "verified"
    assert got[2][0] == "refuted"


def test_equations_side_by_side_are_two_claims(tmp_path: Path) -> None:
    """`A = B \\qquad C = D` and `A = B \\hspace{1in} \\rightarrow \\hspace{1in} C = D` are two
    equations, not the chain A = B C = D; a qualifier after `\\quad` stays with its equation."""
    base = "\n\n".join([
        r"$$z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j \quad (j = 1, 2, \ldots, p)$$",
        r"$$a^l_j = \sigma(z^l_j)$$", r"$$\sigma(t) = \frac{1}{1+e^{-t}}$$",
        r"$$C = \frac{1}{2} \sum_j (y_j - a^L_j)^2$$"])
    pair = (r"$$\frac{\partial C}{\partial b^L_j} = (a^L_j - y_j) \sigma'(z^L_j) {gap} "
            r"\frac{\partial C}{\partial a^L_j} = {rhs}$$")
    for gap in (r"\qquad", r"\hspace{1in} \rightarrow \hspace{1in}"):
        text = base + "\n\n" + pair.replace("{gap}", gap).replace("{rhs}", "y_j")
        rep = check_document(_doc(tmp_path, text))
        assert [r.status.value for r in rep.results] == ["definition"] * 4 + [
            "verified", "refuted"], gap


def test_derive_notation_prints_a_front_matter_that_checks_the_same(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`derive notation FILE` prints what was read and the front matter it amounts to; pasted
    first in the file, that front matter gives the same verdicts."""
    from derive.cli import main

    doc = tmp_path / "notes.md"
    doc.write_text(_network("sup", unbounded=True), encoding="utf-8")
    assert main(["notation", str(doc)]) == 0
    out = capsys.readouterr().out
    assert "read from its formulas" in out and "wˡᵢⱼ: layers 2..L" in out
    front = out.split("paste it first in the file to fix what is read):\n")[1]
    assert front.startswith("<!-- derive\n") and 'tag = "sup"' in front
    pasted = tmp_path / "pasted.md"
    pasted.write_text(front + doc.read_text(encoding="utf-8"), encoding="utf-8")
    before = [(r.status, r.diagnosis) for r in check_document(read_document(doc)).results]
    after = [(r.status, r.diagnosis) for r in check_document(read_document(pasted)).results]
    assert before == after


def test_a_relu_network_without_front_matter(tmp_path: Path) -> None:
    """a = max(0, z), the backward pass with the step 1{z > 0}; a dropped step is refuted and
    named as the missing factor."""
    text = "\n\n".join([
        r"$$z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$$", r"$$a^l_j = \max(0, z^l_j)$$",
        r"$$C = \frac{1}{2} \sum_j (y_j - a^L_j)^2$$",
        r"$$\delta^l_j = \frac{\partial C}{\partial z^l_j}$$",
        r"$$\delta^L_j = (a^L_j - y_j) \mathbb{1}\{z^L_j > 0\}$$",
        r"$$\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \mathbb{1}\{z^l_j > 0\}$$",
        r"$$\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k$$"])
    got = [v for _, v in sorted(_statuses(tmp_path, text).items())]
    assert [s for s, _ in got] == ["definition"] * 4 + ["verified", "verified", "refuted"]
    assert "lacks a factor $\\mathbb{1}\\{z^{l}_{j} > 0\\}$" in got[6][1]
