"""Layer recursions read from the prose's convention, and indices a sum binds inside a
derivative (tests/data/layer_recursion).

An element-wise function defined in the letter of a layer quantity that the text differentiates
across layers and never defines (`ReLU(z) = ...` beside `z^l`, `z^{l+1}`) is the layer
`z^{l+1} = ReLU(z^l)` from its definition on, until the next such function; the scalars of its
body (`\\alpha`, `\\lambda`) are scalars of the model; a layer quantity written without its tag in
a derivation whose left side is at one layer is read at that layer. A sum inside what a
derivative differentiates binds its own index (renamed), and `\\quad (l = 2, 3)` restricts a
claim to those layers. Each reading is said in the "read as" facts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.cli import main
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "layer_recursion"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
V, R, D, E = Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR

# document -> [(line, status, words of the diagnosis or None)] for every result, in order
EXPECTED = {
    "activations.md": [
        (4, D, None),  # delta, defined in the prose
        (9, D, None), (17, V, None), (18, V, None), (19, V, None),
        (29, R, "cases exchanged: the values of the cases $z^{l} > 0$ and $z^{l} \\leq 0$ are "
                "exchanged"),
        (38, D, None), (45, V, None),
        (54, R, "in the case $z^{l} \\leq 0$: missing factor: the right side lacks a factor "
                "$\\mathrm{LeakyReLU}^{\\prime}"),
        # the same body under another name: the section's own function is named
        (65, D, None),
        (74, R, "in the case $z^{l} \\leq 0$: missing factor: the right side lacks a factor "
                "$\\mathrm{PReLU}^{\\prime}"),
        (83, D, None), (90, V, None),
        (99, R, "in the case $z^{l} \\leq 0$: sign of an argument: $e^{- z^{l}}$ should be "
                "$e^{z^{l}}$"),
        (108, D, None), (115, V, None),
        (124, R, "missing factor: the right side lacks a factor $\\lambda$"),
        (133, D, None), (137, V, None), (138, V, None), (139, V, None), (140, V, None),
        (141, V, None),
        (148, R, "sign of an argument: $e^{z^{l}}$ should be $e^{- z^{l}}$"),
    ],
    "shadowed.md": [
        (6, D, None), (10, D, None), (14, D, None), (18, D, None),
        (25, V, None), (26, V, None), (27, V, None),
        (34, V, None), (34, R, "sign: the right side is the negative of the derived value"),
        (40, V, None), (40, V, None), (40, V, None),
        (46, V, None), (46, V, None),
        (46, R, "wrong layer: $a^{l}_{k}$ should be $a^{l - 1}_{k}$"),
        (52, V, None), (52, V, None),
        (59, E, None),
    ],
    "stated_layers.md": [
        (6, D, None), (13, D, None), (14, D, None), (22, D, None), (23, D, None),
        (28, D, None), (32, D, None), (36, V, None), (36, V, None), (40, V, None),
        (46, R, "wrong layer: $a^{l}_{k}$ should be $a^{l - 1}_{k}$"),
        (53, D, None), (54, D, None),
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/layer_recursion/{name}")
            for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_correct_forms_verify_and_slips_are_refuted_at_their_line(reports, name: str) -> None:
    assert_verdicts(reports[name], EXPECTED[name])


def test_each_section_reads_its_own_layer(reports) -> None:
    notes = "\n".join(reports["activations.md"].notes)
    for line, fn in ((9, "ReLU"), (38, "LeakyReLU"), (65, "PReLU"), (83, "ELU"),
                     (108, "SELU"), (133, "Sigmoid")):
        assert (f"line {line}: $z^{{l+1}} = \\mathrm{{{fn}}}(z^{{l}})$ read as the layer of "
                "this section") in notes, (fn, notes)
    assert "the next function defined in $z$ replaces it" in notes
    # z: given in layer 1 (the network's input), defined by the recursion after it
    assert "given in layer 1" in notes


def test_the_untagged_name_is_read_at_the_left_sides_layer(reports) -> None:
    notes = reports["activations.md"].notes
    assert ("read as: line 139: $z$ is written without its layer tag in a derivation whose "
            "left side is at layer $l$: read as $z$ of that layer") in notes
    step = next(r for r in reports["activations.md"].results if r.line == 139)
    assert "z^{l}" in step.parsed and step.status is V


def test_the_scalars_of_a_function_body_are_the_models(reports) -> None:
    """LeakyReLU's slope: the correct error verifies, the one without alpha is refuted in the
    case z <= 0, so that case was evaluated (at a random alpha)."""
    leaky = [r for r in reports["activations.md"].results if r.line in (45, 54)]
    assert [r.status for r in leaky] == [V, R]
    assert "\\alpha" in leaky[0].parsed
    notes = reports["activations.md"].notes
    assert ("read as: $\\lambda$: a scalar of the function defined at line 108, given no value "
            "the tool reads: checked at random positive values") in notes
    assert any(n.startswith("read as: $\\alpha$: a scalar of the functions defined at lines "
                            "38, 65, 83, 108") for n in notes)


def test_a_shadowed_sum_index_is_renamed_and_said(reports) -> None:
    rep = reports["shadowed.md"]
    notes = "\n".join(rep.notes)
    assert ("line 26: the sum over $j$ inside what a derivative differentiates binds a $j$ of "
            "its own (a dummy, read as $j'$)") in notes
    assert "line 40: the sum over $k$" in notes
    step = next(r for r in rep.results if r.line == 26)
    assert "j'" in step.parsed


def test_a_sum_over_the_left_sides_index_at_the_top_stays_an_error(reports) -> None:
    (err,) = [r for r in reports["shadowed.md"].results if r.status is E]
    assert err.message == "index `j` is summed over here but is also free on the left side"
    assert (err.line, err.col) == (59, 29)


def test_stated_layers_restrict_the_claim(reports, tmp_path: Path) -> None:
    rep = reports["stated_layers.md"]
    assert ("read as: line 36: `(l = 2, 3)` after the equation read as the values it is stated "
            "for: it is checked at those values of $l$ only") in rep.notes
    assert not any("line 32: `(l = 2, 3)`" in n for n in rep.notes)  # a definition
    # without it, the 4-layer networks checked reach a layer the text's definitions (in force
    # at that line) do not have
    text = (DATA / "stated_layers.md").read_text(encoding="utf-8")
    bare = tmp_path / "bare.md"
    bare.write_text(text.replace("= \\delta^l_j \\quad (l = 2, 3)", "= \\delta^l_j"),
                    encoding="utf-8")
    unstated = check_file(bare, "bare.md")
    at36 = [r for r in unstated.results if r.line == 36]
    assert at36 and all(r.status is Status.UNCHECKED for r in at36)
    assert "`z^{4}_{1}` has no definition" in at36[0].message


def test_the_command_line_reports_the_slips(capsys) -> None:
    code = main(["check", str(DATA / "activations.md"), "--color", "never"])
    out = capsys.readouterr().out
    assert code == 1  # refuted claims
    assert "activations.md:29: ✗ refuted" in out


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the corpus document {name} is absent (../shared/corpus)")
    return path


def test_corpus_activation_layers() -> None:
    rep = check_file(_corpus("yizt_0_3_activation_backprop.md"), "yizt.md")
    counts = {s: sum(r.status is s for r in rep.results) for s in Status}
    assert counts[E] == 0 and counts[Status.UNCHECKED] == 0 and counts[R] == 0
    # PReLU's ∂L/∂α = δ^{l+1} ∂PReLU(z^l)/∂α = ...: α is each layer's (tests/test_per_layer.py)
    assert [r.status for r in rep.results if 103 <= r.line <= 111] == [Status.VERIFIED] * 4


def test_corpus_shadowed_indices() -> None:
    rep = check_file(_corpus("anch3or_D_bp.ipynb"), "anch3or.ipynb")
    assert not [r for r in rep.results if r.status in (E, Status.UNCHECKED)]
    (wrong,) = [r for r in rep.results if r.status is R]
    # (y_j - a_j^3) sigma'(z_j^3): the derivative of 1/2 sum (y - a)^2 is a_j^3 - y_j
    assert wrong.line == 72 and "negative of the derived value" in (wrong.diagnosis or "")


@pytest.mark.parametrize(("why", "text"), [
    ("z has a definition of its own", r"""
$$
z^{l+1} = w^l z^l + b^l
$$

$$
g(z) = \frac{1}{1 + e^{-z}}
$$

$$
\delta^l = \frac{\partial L}{\partial z^l}
$$
"""),
    ("the function is defined in another letter", r"""
$$
g(t) = \frac{1}{1 + e^{-t}}
$$

$$
\delta^l = \frac{\partial L}{\partial z^{l+1}} \frac{\partial z^{l+1}}{\partial z^l}
$$
"""),
    ("its body reads another quantity", r"""
$$
g(z) = w^l z
$$

$$
\delta^l = \frac{\partial L}{\partial z^{l+1}} \frac{\partial z^{l+1}}{\partial z^l}
$$
"""),
])
def test_no_recursion_is_read_without_the_convention(tmp_path: Path, why: str, text: str) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# A document\n" + text, encoding="utf-8")
    rep = check_file(path, "doc.md")
    assert not any("read as the layer of this section" in n for n in rep.notes), (why, rep.notes)
