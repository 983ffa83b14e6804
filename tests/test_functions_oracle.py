"""The derivatives derive computes for the new functions, against independent oracles.

* Every function known by name (derive.functions.NAMED) and every activation a test document
  defines (tests/data/functions): its derivative by sympy.diff, as the evaluator uses it, equals
  PyTorch autograd in float64 (torch's own relu, tanh, 1/cosh, softplus, leaky_relu, elu, gelu, abs,
  sigmoid, erf) and a central finite difference, at points away from the kinks.
* Through a whole network: ∂E/∂W and ∂E/∂s from `Evaluator.derivative` (SymEngine differentiating
  the Piecewise forms) equal central differences of the loss the forward model computes, with
  only that one value moved.

No formula of a document is written here: the oracles are torch's functions and the forward
model itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from derive.check import collect_model
from derive.expr import Partial, Quantity
from derive.functions import BY_SPELLING, NAMED
from derive.model import INSTANCES, Evaluator, Model
from derive.numbers import CTX, sympy_num

torch = pytest.importorskip("torch")
F = torch.nn.functional

DATA = Path(__file__).parent / "data" / "functions"
POINTS = (-2.3, -1.1, -0.4, -0.05, 0.07, 0.6, 1.3, 2.9)  # none at a kink
H = CTX.mpf("1e-12")


def _autograd(f, x: float) -> float:  # type: ignore[no-untyped-def]
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(t), t)
    return float(g)


def _num(e: sympy.Basic, var: sympy.Symbol, x) -> object:  # type: ignore[no-untyped-def]
    return sympy_num(e, {var: CTX.mpf(x)})


def _fd(body: sympy.Basic, var: sympy.Symbol, x: float):  # type: ignore[no-untyped-def]
    return (_num(body, var, CTX.mpf(x) + H) - _num(body, var, CTX.mpf(x) - H)) / (2 * H)


TORCH = {  # registry name -> torch's own implementation of the function
    "ReLU": torch.relu,
    "softplus": F.softplus,
    "the logistic sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "sech": lambda x: 1 / torch.cosh(x),
    "erf": torch.erf,
    "the standard normal CDF": lambda x: 0.5 * (1 + torch.erf(x / 2 ** 0.5)),
    "GELU": lambda x: F.gelu(x, approximate="none"),
    "the sign function": torch.sign,
    # 1 for x > 0, else 0; its slope 0 away from the kink (torch.heaviside has no autograd)
    "the Heaviside step": lambda x: (x > 0).double() + 0 * x,
}


def test_every_one_argument_function_has_a_torch_oracle() -> None:
    assert {f.name for f in NAMED if f.arity == 1} == set(TORCH)


@pytest.mark.parametrize("name", sorted(TORCH))
def test_named_function_derivative_is_torch_autograd_and_the_finite_difference(name: str) -> None:
    (fn,) = [f for f in NAMED if f.name == name]
    t = sympy.Symbol("t", real=True)
    body, slope = fn.apply(t), fn.derivative(t)
    for x in POINTS:
        got = _num(slope, t, x)
        assert abs(float(_num(body, t, x)) - float(TORCH[name](torch.tensor(x, dtype=torch.float64)))) < 1e-12
        assert abs(float(got) - _autograd(TORCH[name], x)) < 1e-12, (name, x)
        assert abs(got - _fd(body, t, x)) < CTX.mpf("1e-15"), (name, x)


def test_max_and_min_derivatives_in_each_argument_are_torch_autograd() -> None:
    a, b = sympy.symbols("a b", real=True)
    for op, ref in ((BY_SPELLING["\\max"], torch.maximum), (BY_SPELLING["\\min"], torch.minimum)):
        e = op.apply(a, b)
        for x, y in ((0.3, -1.2), (-0.7, 0.4), (2.0, 1.9)):
            ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
            ga, gb = torch.autograd.grad(ref(ta, tb), (ta, tb))
            vals = {a: CTX.mpf(x), b: CTX.mpf(y)}
            assert float(sympy_num(sympy.diff(e, a), vals)) == float(ga)
            assert float(sympy_num(sympy.diff(e, b), vals)) == float(gb)


# activations the test documents define, with torch's implementation at the same constants
DEFINED = {
    "relu.md": torch.relu,
    "tanh.md": torch.tanh,
    "softplus.md": F.softplus,
    "leaky_relu.md": lambda x: F.leaky_relu(x, 0.01),
    "selu.md": lambda x: 1.0507 * F.elu(x, alpha=1.6733),
    "gelu.md": lambda x: F.gelu(x, approximate="none"),
    "abs.md": torch.abs,
}


@pytest.fixture(scope="module")
def models() -> dict[str, Model]:
    return {name: collect_model(DATA / name) for name in DEFINED}


@pytest.mark.parametrize("name", sorted(DEFINED))
def test_documents_activation_and_its_derivative_are_torchs(models, name: str) -> None:
    ev = Evaluator(models[name], INSTANCES[0], 0)
    fn = ev.function("\\sigma")
    t, slope = ev.prime("\\sigma")
    (var,) = fn.variables
    for x in POINTS:
        ref = DEFINED[name]
        value = float(_num(fn.expr, var, x))
        assert abs(value - float(ref(torch.tensor(x, dtype=torch.float64)))) < 1e-12, (name, x)
        got = _num(slope, t, x)
        assert abs(float(got) - _autograd(ref, x)) < 1e-12, (name, x)
        assert abs(got - _fd(fn.expr, var, x)) < CTX.mpf("1e-15"), (name, x)


class _Moved(Evaluator):
    """The same point with one value moved by `by` (every other value as before)."""

    def __init__(self, model: Model, seed: int, key: tuple, by) -> None:  # type: ignore[no-untyped-def]
        super().__init__(model, INSTANCES[0], seed)
        self.moved_key, self.by = key, by

    def value(self, key: tuple):  # type: ignore[no-untyped-def]
        v = super().value(key)
        return v + self.by if key == self.moved_key else v


def _loss(model: Model, seed: int, key: tuple, by):  # type: ignore[no-untyped-def]
    return _Moved(model, seed, key, by).value(("E", None, (), 1))


NETWORKS = ["relu.md", "relu_by_name.md", "leaky_relu.md", "elu.md", "softplus.md", "tanh.md",
            "gelu.md", "abs.md", "bce.md", "selu.md", "prelu.md"]


@pytest.mark.parametrize("name", NETWORKS)
def test_network_gradients_are_central_differences_of_the_forward_model(name: str) -> None:
    model = collect_model(DATA / name)
    layers, widths = INSTANCES[0].layers, INSTANCES[0].widths
    loss = Quantity("E", (), ())
    checked = nonzero = 0
    for seed in (0, 1, 2, 3):
        targets = [("W", layer, (j, k), None) for layer in range(1, layers)
                   for j in range(1, widths[layer] + 1) for k in (1, widths[layer - 1])]
        targets += [("s", layer, (j,), 1) for layer in range(2, layers + 1) for j in (1, 2)]
        for key in targets:
            atom = Quantity(key[0], (sympy.Integer(key[1]),), tuple(map(sympy.Integer, key[2])))
            derived = Evaluator(model, INSTANCES[0], seed).derivative(Partial(loss, atom), {}, 1)
            fd = (_loss(model, seed, key, H) - _loss(model, seed, key, -H)) / (2 * H)
            assert abs(derived - fd) <= CTX.mpf("1e-12") * (1 + abs(fd)), (name, seed, key)
            checked += 1
            nonzero += abs(fd) > CTX.mpf("1e-6")
    assert checked > 50 and nonzero >= 5  # not only the zero slopes of inactive units


def test_prelu_slopes_in_its_input_and_its_learned_slope_are_torchs() -> None:
    """PReLU with a learned slope per unit (prelu.md defines it as a cases block): ∂h/∂s and
    ∂h/∂α from the evaluator equal torch's F.prelu autograd at the same s and α, on units on
    both sides of the kink."""
    model = collect_model(DATA / "prelu.md")
    inst = INSTANCES[0]
    sides = set()
    for seed in (0, 1, 2):
        ev = Evaluator(model, inst, seed)
        for layer in range(2, inst.layers + 1):
            for j in range(1, inst.widths[layer - 1] + 1):
                lj = ((sympy.Integer(layer),), (sympy.Integer(j),))
                h, s, a = (Quantity(n, *lj) for n in ("h", "s", "\\alpha"))
                sv, av = ev.value(("s", layer, (j,), 1)), ev.value(("\\alpha", layer, (j,), None))
                st = torch.tensor([float(sv)], dtype=torch.float64, requires_grad=True)
                at = torch.tensor([float(av)], dtype=torch.float64, requires_grad=True)
                gs, ga = torch.autograd.grad(F.prelu(st, at).sum(), (st, at))
                assert abs(float(ev.derivative(Partial(h, s), {}, 1)) - float(gs)) < 1e-12
                assert abs(float(ev.derivative(Partial(h, a), {}, 1)) - float(ga)) < 1e-12
                sides.add(sv > 0)
    assert sides == {True, False}
