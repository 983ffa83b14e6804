"""Weight decay: a cost whose penalty sums over the layer index, checked in documents.

tests/data/functions/weight_decay.md defines a sigmoid network with a batch of m examples and
J = 1/m Σ_i ℒ^{(i)} + λ/2 Σ_l Σ_j Σ_k (W^{[l]}_{jk})^2; weight_decay_l1.md the L1 penalty
λ Σ_l Σ_j Σ_k |W^{[l]}_{jk}|, then L2 without the ½; weight_decay_inferred.md the L2 cost in
a text without front matter. The gradients the texts state (the mean of
the examples' gradients plus the decay's, in components with the errors δ) must verify; the
planted slips (λ left out, the batch's 1/m applied to the decay, 2λ for λ, the 1/m missing, the
biases decayed, the L2 gradient for the L1 penalty) must be refuted at their line with the
diagnosis that names the slip. The derived side is sympy.diff of the document's own J.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from derive.check import check_file, collect_model
from derive.expr import Partial, Quantity
from derive.model import INSTANCES, Evaluator, Model
from derive.numbers import CTX
from derive.results import Status

DATA = Path(__file__).parent / "data" / "functions"
V, R = Status.VERIFIED, Status.REFUTED
W = "W^{[l]}_{jk}"

EXPECTED = {
    "weight_decay.md": [
        (76, V, None),  # 1/m Σ_i ∂ℒ_i/∂W + λW
        (82, V, None),  # the same in components
        (88, R, f"missing factor: the term ${W}$ lacks a factor $\\lambda$"),
        (94, R, "extra factor: $\\frac{1}{m}$ should not apply to the term $" + W + " \\lambda$"),
        (100, R, "extra factor: $\\frac{1}{m}$ should not be in the term $\\frac{" + W + " \\lambda}{m}$"),
        (106, R, f"constant factor in one term: the term $2 {W} \\lambda$ is $2$ times the "
                 f"derived value; it should be ${W} \\lambda$"),
        (112, R, "lacks a factor $\\frac{1}{m}$"),
        (118, V, None),
        (124, R, "extra term: $b^{[l]}_{j} \\lambda$ should not be there"),
        (131, V, None),  # the update as a shrinking of the weights
        (137, R, "missing factor: the right side lacks a factor $\\frac{1}{m}$"),  # not "2 times"
    ],
    # the same cost with no front matter: the notation, the sum over layers included, inferred
    "weight_decay_inferred.md": [
        (29, V, None),
        (35, R, f"missing factor: the term ${W}$ lacks a factor $\\lambda$"),
        (41, R, "extra factor: $\\frac{1}{m}$ should not apply to the term $" + W + " \\lambda$"),
    ],
    "weight_decay_l1.md": [
        (77, V, None),  # λ sgn(W)
        (83, R, f"wrong derivative: ${W}$ should be $\\operatorname{{sign}}{{\\left({W} "
                f"\\right)}}$, the derivative of $\\left|{{{W}}}\\right|$"),
        (89, R, f"missing factor: the term $\\operatorname{{sign}}{{\\left({W} \\right)}}$ "
                "lacks a factor $\\lambda$"),
        (104, V, None),  # without the ½: 2λW
        (110, R, f"the term ${W} \\lambda$ is $\\frac{{1}}{{2}}$ times the derived value; it "
                 f"should be $2 {W} \\lambda$"),
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/functions/{name}") for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decay_gradients_verify_and_slips_are_refuted_with_their_diagnosis(reports, name) -> None:
    rep = reports[name]
    claims = [r for r in rep.results if r.status is not Status.DEFINITION]
    assert [(r.line, r.status) for r in claims] == [(line, s) for line, s, _ in EXPECTED[name]], [
        (r.line, r.status.value, r.message) for r in claims]
    for r, (_, _, words) in zip(claims, EXPECTED[name]):
        if words is not None:
            assert r.diagnosis is not None and words in r.diagnosis, (r.line, r.diagnosis)


def test_the_cost_is_a_definition_summed_over_every_layer(reports) -> None:
    """The sum over the layer index reads: J is defined (no 'index l has no value'), and the
    verified gradient was evaluated at weights of more than one layer."""
    rep = reports["weight_decay.md"]
    (cost,) = [r for r in rep.results if r.line == 70]
    assert cost.status is Status.DEFINITION
    assert not [r for r in rep.results if r.status in (Status.ERROR, Status.UNCHECKED)]
    model = collect_model(DATA / "weight_decay.md")
    ev = Evaluator(model, INSTANCES[1], 0)  # four layers: weights in layers 1..3
    j = Quantity("J", (), ())
    slopes = {layer: ev.derivative(Partial(j, Quantity("W", (sympy.Integer(layer),),
                                                       (sympy.Integer(1), sympy.Integer(1)))),
                                   {}, None)
              for layer in (1, 2, 3)}
    assert all(s != 0 for s in slopes.values())


class _Moved(Evaluator):
    """The same point with one value moved by `by`."""

    def __init__(self, model: Model, instance, seed: int, key: tuple, by) -> None:  # type: ignore[no-untyped-def]
        super().__init__(model, instance, seed)
        self.moved_key, self.by = key, by

    def value(self, key: tuple):  # type: ignore[no-untyped-def]
        v = super().value(key)
        return v + self.by if key == self.moved_key else v


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_costs_gradient_is_the_central_difference_of_the_cost(name: str) -> None:
    """∂J/∂W from the evaluator equals a central difference of J as the forward model computes
    it (every example of the batch through the network, plus the penalty), one weight moved."""
    model = collect_model(DATA / name)
    h = CTX.mpf("1e-12")
    checked = 0
    for instance in INSTANCES[:2]:
        for seed in (0, 1):
            for layer in range(1, instance.layers):
                for j, k in ((1, 1), (instance.widths[layer], instance.widths[layer - 1])):
                    key = ("W", layer, (j, k), None)
                    atom = Quantity("W", (sympy.Integer(layer),), (sympy.Integer(j), sympy.Integer(k)))
                    derived = Evaluator(model, instance, seed).derivative(
                        Partial(Quantity("J", (), ()), atom), {}, None)
                    up, down = (_Moved(model, instance, seed, key, s * h).value(("J", None, (), None))
                                for s in (1, -1))
                    fd = (up - down) / (2 * h)
                    assert abs(derived - fd) <= CTX.mpf("1e-12") * (1 + abs(fd)), (
                        name, instance, seed, key)
                    checked += 1
    assert checked >= 20
