"""Property tests: the gradients `derive` derives agree with finite differences of the forward model.

On random small networks (depth 3-4, widths 2-4, batch 1-3) and random points, for the model the
chapter's own definitions build (the MSE section's, and the cross-entropy section's):

* ∂L/∂w^{(l)}_{ij} and ∂L/∂b^{(l)}_i from `Evaluator.derivative` equal the central difference
  (L(θ+h) − L(θ−h)) / 2h, where L(θ±h) is the loss of a fresh evaluator at the same point with
  only that parameter moved (30-digit arithmetic, so h = 1e-10 leaves an error near 1e-20);
* the model's δ^{(l)}_i (the chapter's definition ∂L/∂z^{(l)}_i) equals the central difference
  in z^{(l)}_i itself: the loss recomputed with only that pre-activation moved.

No formula of the chapter is written here: the oracle is the forward model alone.

Few examples, derandomized: the suite is deterministic in CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.check import collect_model
from derive.expr import Partial, Quantity
from derive.model import Evaluator, Instance, Model
from derive.numbers import CTX

CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"
MSE_LOSS = r"\mathcal{L} = \frac{1}{2} \sum_{j=1}^{C_n}(y_j - a^{(n)}_j)^2."
CE_PREDICTION = r"\hat{y}_j = \mathrm{softmax}(\mathbf{a}^{(n)}, j)"
H = CTX.mpf("1e-10")
TOL = CTX.mpf("1e-15")

PROPERTY = settings(max_examples=8, deadline=None, derandomize=True, database=None)


def _model_up_to(tmp: Path, marker: str) -> Model:
    """The model the chapter's definitions build up to the display formula holding `marker`."""
    text = CHAPTER.read_text(encoding="utf-8")
    assert text.count(marker) == 1, marker
    closing = re.compile(r"^\$\$[ \t]*$", re.M).search(text, text.index(marker))
    assert closing is not None
    path = tmp / "chapter_prefix.md"
    path.write_text(text[: closing.end()] + "\n", encoding="utf-8")
    return collect_model(path)


@pytest.fixture(scope="module")
def mse_model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    model = _model_up_to(tmp_path_factory.mktemp("mse"), MSE_LOSS)
    assert model.notation.loss == "\\mathcal{L}"
    return model


@pytest.fixture(scope="module")
def ce_model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    return _model_up_to(tmp_path_factory.mktemp("ce"), CE_PREDICTION)


@st.composite
def problems(draw: st.DrawFn) -> tuple[Instance, int, int, int, int, int]:
    """A network, a random point (seed), a weight w^{(l)}_{ij} and a sample of the batch."""
    depth = draw(st.integers(3, 4))
    widths = tuple(draw(st.lists(st.integers(2, 4), min_size=depth, max_size=depth)))
    batch = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 10_000))
    layer = draw(st.integers(1, depth - 1))
    i = draw(st.integers(1, widths[layer]))  # neuron of layer l+1
    j = draw(st.integers(1, widths[layer - 1]))  # neuron of layer l
    sample = draw(st.integers(1, batch))
    return Instance(depth, widths, batch), seed, layer, i, j, sample


# --------------------------------------------------------------------------------------------
# Helpers


def _loss_key(model: Model, sample: int) -> tuple:
    return (model.notation.loss, None, (), sample)


def _param(name: str, layer: int, *indices: int) -> tuple[Quantity, tuple]:
    atom = Quantity(name, (sympy.Integer(layer),), tuple(sympy.Integer(k) for k in indices))
    return atom, (name, layer, tuple(indices), None)  # parameters belong to no sample


def derived(model: Model, inst: Instance, seed: int, atom: Quantity, sample: int):
    ev = Evaluator(model, inst, seed)
    loss = Quantity(model.notation.loss, (), ())
    return ev.derivative(Partial(loss, atom), {}, sample)


def central_difference(model: Model, inst: Instance, seed: int, key: tuple, sample: int):
    theta = Evaluator(model, inst, seed).value(key)

    def loss_at(v):  # type: ignore[no-untyped-def]
        ev = Evaluator(model, inst, seed)  # the same point: every other value is drawn again
        ev.set_value(key, v)
        return ev.value(_loss_key(model, sample))

    return (loss_at(theta + H) - loss_at(theta - H)) / (2 * H)


def _close(a, b) -> bool:  # type: ignore[no-untyped-def]
    return abs(a - b) <= TOL * (1 + abs(a) + abs(b))


def test_a_held_value_is_read_by_every_node_computed_from_it(mse_model: Model) -> None:
    """`Evaluator.set_value`, which the finite differences rest on: the held value is the node's
    value, the loss computed after it reads it, and holding a node at its own value changes
    nothing."""
    inst, seed, sample = Instance(3, (3, 2, 4), 2), 0, 1
    _, key = _param("w", 1, 2, 1)
    free = Evaluator(mse_model, inst, seed)
    theta, loss = free.value(key), free.value(_loss_key(mse_model, sample))
    moved = Evaluator(mse_model, inst, seed)
    moved.set_value(key, theta + 1)
    assert moved.value(key) == theta + 1
    assert moved.value(_loss_key(mse_model, sample)) != loss
    same = Evaluator(mse_model, inst, seed)
    same.set_value(key, theta)
    assert same.value(_loss_key(mse_model, sample)) == loss


# --------------------------------------------------------------------------------------------
# MSE: L = 1/2 Σ_j (y_j - a^{(n)}_j)^2


@PROPERTY
@given(problems())
def test_mse_weight_gradient_is_the_finite_difference(mse_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    inst, seed, layer, i, j, sample = problem
    atom, key = _param("w", layer, i, j)
    d = derived(mse_model, inst, seed, atom, sample)
    fd = central_difference(mse_model, inst, seed, key, sample)
    assert _close(d, fd), (inst.label, seed, layer, i, j, sample, d, fd)


@PROPERTY
@given(problems())
def test_mse_bias_gradient_is_the_finite_difference(mse_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    inst, seed, layer, i, _, sample = problem
    atom, key = _param("b", layer, i)
    d = derived(mse_model, inst, seed, atom, sample)
    fd = central_difference(mse_model, inst, seed, key, sample)
    assert _close(d, fd), (inst.label, seed, layer, i, sample, d, fd)


@PROPERTY
@given(problems())
def test_mse_delta_is_the_finite_difference_in_z(mse_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    _check_delta(mse_model, problem)


# --------------------------------------------------------------------------------------------
# Cross entropy over the chapter's softmax of the activations a^{(n)}


@PROPERTY
@given(problems())
def test_cross_entropy_gradients_are_finite_differences(ce_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    inst, seed, layer, i, j, sample = problem
    for atom, key in (_param("w", layer, i, j), _param("b", layer, i)):
        d = derived(ce_model, inst, seed, atom, sample)
        fd = central_difference(ce_model, inst, seed, key, sample)
        assert _close(d, fd), (inst.label, seed, key, sample, d, fd)


@PROPERTY
@given(problems())
def test_cross_entropy_delta_is_the_finite_difference_in_z(ce_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    _check_delta(ce_model, problem)


def _check_delta(model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    """δ^{(l+1)}_i from the model against moving z^{(l+1)}_i alone (its downstream recomputed)."""
    inst, seed, layer, i, _, sample = problem
    z_key = ("z", layer + 1, (i,), sample)
    got = Evaluator(model, inst, seed).value(("\\delta", layer + 1, (i,), sample))
    fd = central_difference(model, inst, seed, z_key, sample)
    assert _close(got, fd), (inst.label, seed, layer + 1, i, sample, got, fd)
