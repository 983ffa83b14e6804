"""The trainer runs the document's own update row (`derive.updates`), not one of its own.

Each test edits the chapter's update rows (`w \\leftarrow w - \\alpha \\times \\frac{1}{m}
\\sum_x ...`) and looks at what the trainer then runs: the step size it reads, the step the
generated code takes with it, and the placed error for an update it cannot run.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.cli import main
from derive.errors import InputError
from derive.numeric.codegen import compile_network
from derive.numeric.trainer import run_epoch
from derive.spec import load_spec
from derive.updates import BATCH, RATE

WRITTEN = "\\alpha \\times \\frac{1}{m} \\sum_x"
ROOT_CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"


def _update_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if "\\leftarrow" in line]


def _variant(tmp_path: Path, text: str, weight: str, bias: str | None = None) -> Path:
    """The chapter with the weight's (and the bias's) update factor replaced."""
    assert text.count(WRITTEN) == 2
    first = text.index(WRITTEN)
    second = text.index(WRITTEN, first + 1)
    out = (text[:first] + weight + text[first + len(WRITTEN):second]
           + (weight if bias is None else bias) + text[second + len(WRITTEN):])
    path = tmp_path / "variant.md"
    path.write_text(out, encoding="utf-8")
    return path


def test_the_chapter_update_is_read_from_its_rows(chapter_text):
    from tests.conftest import CHAPTER

    rule = load_spec(CHAPTER).update
    assert sp.simplify(rule.scale - RATE / BATCH) == 0
    assert [line for line, _ in rule.written] == _update_lines(chapter_text)
    assert not rule.stochastic
    assert rule.step_size(0.5, 10) == pytest.approx(0.05)


@pytest.mark.parametrize(("written", "expected"), [
    ("\\alpha \\sum_x", RATE),  # the gradient of the summed loss
    ("2 \\alpha \\times \\frac{1}{m} \\sum_x", 2 * RATE / BATCH),
    ("\\frac{\\alpha}{2 m} \\sum_x", RATE / (2 * BATCH)),
    ("\\alpha \\times \\frac{1}{m} \\sum_x \\alpha", RATE ** 2 / BATCH),
])
def test_the_step_size_is_the_documents_factor(tmp_path, chapter_text, written, expected):
    rule = load_spec(_variant(tmp_path, chapter_text, written)).update
    assert sp.simplify(rule.scale - expected) == 0


def test_the_trainer_steps_by_the_documents_factor(tmp_path, chapter_text):
    """One epoch of one minibatch is params - c * (summed gradients), c the document's."""
    spec = load_spec(_variant(tmp_path, chapter_text, "3 \\alpha \\times \\frac{1}{m} \\sum_x"))
    layers = (4, 3, 2)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(5, 4))
    y = np.eye(2)[rng.integers(0, 2, size=5)]
    params = tuple(p for a, b in zip(layers[:-1], layers[1:])
                   for p in (rng.normal(size=(b, a)), rng.normal(size=b)))
    net = compile_network(spec, "mse", layers)
    assert net.step_size(0.2, 5) == pytest.approx(3 * 0.2 / 5)
    grads = net.gradients(x, y, *params)
    after = run_epoch(net, x, y, np.arange(5), 5, 0.2, params)
    for p, g, new in zip(params, grads, after):
        np.testing.assert_allclose(new, p - 3 * 0.2 / 5 * g, rtol=1e-12, atol=1e-12)


DELTA_FORM = "- \\frac{\\alpha}{m} \\sum_x \\delta^{(l+1)}_i a^{(l)}_j"


@pytest.mark.parametrize(("written", "delta_form", "message"), [
    ("- \\alpha \\times \\frac{1}{m} \\sum_x", DELTA_FORM, "steps up the gradient"),
    # the parameter inside the sum, in both forms: not a sum of per-sample gradients
    ("\\alpha \\times \\frac{1}{m} \\sum_x w_{ij}^{(l)}",
     "- \\frac{\\alpha}{m} \\sum_x w_{ij}^{(l)} \\delta^{(l+1)}_i a^{(l)}_j",
     "cannot run this update as written"),
])
def test_an_update_the_trainer_cannot_run_is_placed_at_its_row(tmp_path, chapter_text,
                                                               written, delta_form, message):
    assert chapter_text.count(DELTA_FORM) == 1
    path = _variant(tmp_path, chapter_text.replace(DELTA_FORM, delta_form), written, WRITTEN)
    with pytest.raises(InputError, match=message) as info:
        load_spec(path)
    assert info.value.span is not None
    assert info.value.span.line == _update_lines(chapter_text)[0]


def test_weight_and_bias_updates_must_agree(tmp_path, chapter_text):
    path = _variant(tmp_path, chapter_text, WRITTEN, "2 \\alpha \\times \\frac{1}{m} \\sum_x")
    with pytest.raises(InputError, match="differs from the one at line") as info:
        load_spec(path)
    assert info.value.span.line == _update_lines(chapter_text)[1]


def test_a_stochastic_update_trains_one_sample_at_a_time(tmp_path, chapter_text, capsys):
    path = _variant(tmp_path, chapter_text, "\\alpha")
    rule = load_spec(path).update
    assert rule.stochastic and sp.simplify(rule.scale - RATE) == 0
    code = main(["train", "--formulas", str(path), "--epochs", "1", "--batch", "8",
                 "-o", str(tmp_path / "out"), "--no-plot", "--quiet"])
    assert code == 2
    assert "train it with --batch 1" in capsys.readouterr().err
    code = main(["train", "--formulas", str(path), "--epochs", "1", "--batch", "1",
                 "--model", "mse", "-o", str(tmp_path / "out"), "--no-plot", "--quiet"])
    assert code == 0
    assert "p <- p - (lr) * sum of dL/dp" in capsys.readouterr().out


def test_train_says_which_update_it_runs(tmp_path, capsys):
    from tests.conftest import CHAPTER

    code = main(["train", "--formulas", str(CHAPTER), "--epochs", "1", "--model", "mse",
                 "-o", str(tmp_path), "--no-plot", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    lines = _update_lines(CHAPTER.read_text(encoding="utf-8"))
    assert re.search(rf"update: the document's, line\(s\) {lines[0]}, {lines[1]}: "
                     r"p <- p - \(lr/m\)", out), out


def test_a_document_without_an_update_says_so(capsys, tmp_path):
    doc = Path(__file__).resolve().parent / "data" / "train" / "relu_softmax.md"
    rule = load_spec(doc).update
    assert not rule.written
    assert "writes none; plain gradient descent" in rule.describe()


CONVENTIONS = Path(__file__).resolve().parent / "data" / "conventions"


def test_a_row_whose_derivative_form_is_not_read_is_read_by_its_delta_form(tmp_path,
                                                                          chapter_text):
    path = _variant(tmp_path, chapter_text, "\\alpha \\times \\frac{1}{m} \\sum_x w_{ij}^{(l)}",
                    WRITTEN)
    rule = load_spec(path).update
    assert rule.taken and sp.simplify(rule.scale - RATE / BATCH) == 0


def test_an_update_written_with_delta_gives_its_factor():
    """Nielsen's w -> w - (eta/m) sum_x delta^{x,l} a^{x,l-1}: the trainer takes the factor
    eta/m from the row; that delta a is the gradient is what `derive check` checks."""
    rule = load_spec(CONVENTIONS / "nielsen.md").update
    assert sp.simplify(rule.scale - RATE / BATCH) == 0
    assert rule.taken and "taken as dL/dp" in rule.describe()
    assert not load_spec(ROOT_CHAPTER).update.taken  # the chapter's first form is a derivative


def test_a_slipped_factor_of_one_row_is_placed_against_the_other():
    """nielsen-slips.md drops the 1/m of the weight's update only: one step size cannot serve
    both rows, and the error is placed at the second row, naming the first."""
    text = (CONVENTIONS / "nielsen-slips.md").read_text(encoding="utf-8")
    with pytest.raises(InputError, match="differs from the one at line") as info:
        load_spec(CONVENTIONS / "nielsen-slips.md")
    assert info.value.span.line == _update_lines_of(text, "\\rightarrow")[1]


def test_a_network_written_layer_by_layer_is_refused_by_name():
    """deeplearning.ai's W^{[1]}, W^{[2]} (one definition per layer, W^{[2]}_{1j}): a clear
    reason, not an internal KeyError."""
    from derive.spec import SpecError

    with pytest.raises(SpecError, match="has the fixed index"):
        load_spec(CONVENTIONS / "dlai.md")


def _update_lines_of(text: str, arrow: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if arrow in line]
