"""Property tests: the gradients `derive` derives agree with finite differences of the forward model.

On random small networks (depth 3-4, widths 2-4, batch 1-3) and random points, for the model the
chapter's own definitions build (the MSE section's, and the cross-entropy section's):

* ∂L/∂w^{(l)}_{ij} and ∂L/∂b^{(l)}_i from `Evaluator.derivative` equal the central difference
  (L(θ+h) − L(θ−h)) / 2h, where L(θ±h) is the loss of a fresh evaluator at the same point with
  only that parameter moved (30-digit arithmetic, so h = 1e-10 leaves an error near 1e-20);
* the same numbers come out of the textbook backward pass written by hand here (δ^{(n)}, the δ
  recursion, δ^{(l+1)}_i a^{(l)}_j), and the model's δ^{(l)}_i = ∂L/∂z^{(l)}_i agrees with it at
  every layer and neuron.

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
from derive.model import CTX, Evaluator, Instance, Model

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
        ev._values[key] = v
        return ev.value(_loss_key(model, sample))

    return (loss_at(theta + H) - loss_at(theta - H)) / (2 * H)


def _g_prime(z):  # type: ignore[no-untyped-def]
    e = CTX.exp(-z)  # the derivative of the logistic function, written independently
    return e / (1 + e) ** 2


def backward(ev: Evaluator, sample: int, output_error) -> dict[int, list]:  # type: ignore[no-untyped-def]
    """δ^{(l)} for l = n..2 by the textbook backward pass, from the evaluator's forward values."""
    n, widths = ev.instance.layers, ev.instance.widths

    def v(name: str, layer: int, *idx: int, s: int | None = sample):  # type: ignore[no-untyped-def]
        return ev.value((name, layer, tuple(idx), s))

    delta = {n: [output_error(k) * _g_prime(v("z", n, k)) for k in range(1, widths[n - 1] + 1)]}
    for layer in range(n - 1, 1, -1):
        delta[layer] = [
            _g_prime(v("z", layer, k)) * CTX.fsum(
                v("w", layer, r, k, s=None) * delta[layer + 1][r - 1]
                for r in range(1, widths[layer] + 1))
            for k in range(1, widths[layer - 1] + 1)
        ]
    return delta


def _close(a, b) -> bool:  # type: ignore[no-untyped-def]
    return abs(a - b) <= TOL * (1 + abs(a) + abs(b))


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
def test_mse_textbook_backward_pass(mse_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    inst, seed, layer, i, j, sample = problem
    ev = Evaluator(mse_model, inst, seed)
    n = inst.layers

    def output_error(k: int):  # type: ignore[no-untyped-def]
        return ev.value(("a", n, (k,), sample)) - ev.value(("y", None, (k,), sample))

    delta = backward(ev, sample, output_error)
    # the model's δ^{(l)}_i = ∂L/∂z^{(l)}_i, at every layer and neuron
    for lay, row in delta.items():
        for k, want in enumerate(row, start=1):
            got = ev.value(("\\delta", lay, (k,), sample))
            assert _close(got, want), (inst.label, seed, lay, k, got, want)
    # ∂L/∂w^{(l)}_{ij} = δ^{(l+1)}_i a^{(l)}_j and ∂L/∂b^{(l)}_i = δ^{(l+1)}_i
    a_j = ev.value(("a", layer, (j,), sample))
    w_atom, w_key = _param("w", layer, i, j)
    b_atom, b_key = _param("b", layer, i)
    assert _close(derived(mse_model, inst, seed, w_atom, sample), delta[layer + 1][i - 1] * a_j)
    assert _close(derived(mse_model, inst, seed, b_atom, sample), delta[layer + 1][i - 1])
    assert _close(central_difference(mse_model, inst, seed, w_key, sample),
                  delta[layer + 1][i - 1] * a_j)


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
def test_cross_entropy_textbook_backward_pass(ce_model: Model, problem) -> None:  # type: ignore[no-untyped-def]
    """∂L/∂a^{(n)}_k = ŷ_k Σ_j y_j − y_k for labels that need not sum to one (the chapter's
    `− y_i + ŷ_i` is the one-hot case), then the same recursion as for MSE."""
    inst, seed, layer, i, j, sample = problem
    ev = Evaluator(ce_model, inst, seed)
    n, top = inst.layers, inst.widths[-1]
    a = [ev.value(("a", n, (k,), sample)) for k in range(1, top + 1)]
    y = [ev.value(("y", None, (k,), sample)) for k in range(1, top + 1)]
    total = CTX.fsum(CTX.exp(x) for x in a)
    y_hat = [CTX.exp(x) / total for x in a]

    def output_error(k: int):  # type: ignore[no-untyped-def]
        return y_hat[k - 1] * CTX.fsum(y) - y[k - 1]

    delta = backward(ev, sample, output_error)
    for lay, row in delta.items():
        for k, want in enumerate(row, start=1):
            assert _close(ev.value(("\\delta", lay, (k,), sample)), want), (lay, k)
    w_atom, _ = _param("w", layer, i, j)
    a_j = ev.value(("a", layer, (j,), sample))
    assert _close(derived(ce_model, inst, seed, w_atom, sample), delta[layer + 1][i - 1] * a_j)
