"""The trainer's update with a layer's forward parameters held negated (`codegen.negated`): only
where the step reads the pre-activation only negated (the logistic's e^(-z)), the same numbers
bit for bit as the update without it, and the caller's parameters never written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.numeric.codegen import (
    MODELS,
    WIDE_BATCH,
    Dot,
    Program,
    compile_network,
    lambdify_program,
    network_programs,
    templates,
)
from derive.numeric.codegen.negated import negated_forward
from derive.spec import load_spec
from tests.conftest import random_problem

TRAIN = Path(__file__).resolve().parent / "data" / "train"
# (document, model): the chapter's logistic, and activations that read z as it is
CASES = [(None, "mse"), (None, "softmax-a"), (None, "softmax-z"),
         ("bce_sigmoid.md", "softmax-a"), ("relu_softmax.md", "softmax-z"),
         ("tanh_softmax.md", "softmax-z"), ("elu_softmax.md", "softmax-z")]


def _spec(document):
    return load_spec(TRAIN / document) if document else load_spec()


@pytest.mark.parametrize(("document", "model"), CASES)
@pytest.mark.parametrize("batch", [5, WIDE_BATCH + 3])
def test_negated_parameters_give_the_same_numbers_bit_for_bit(document, model, batch):
    spec = _spec(document)
    layers = (6, 5, 4, 3)
    net = compile_network(spec, model, layers)
    update, wide = net.updater(batch)
    plain = network_programs(templates(spec, model), MODELS[model], len(layers) - 1,
                             negate=False)["update_wide" if wide else "update"]
    reference = lambdify_program(plain, "update", in_place=True)
    negated = net.negated_wide if wide else net.negated
    x, y, params = random_problem(layers, batch, 3)
    before = [p.copy() for p in params]
    held = list(net.hold(params, wide))
    assert all(np.array_equal(p, q) for p, q in zip(params, before))  # hold copies
    unnegated = [-h if n in negated else h.copy() for n, h in enumerate(held)]
    xa = net.hold_inputs(x)
    with np.errstate(over="ignore"):
        update(xa, y, np.array(0.3), *held)
        reference(xa, y, np.array(0.3), *unnegated)
    for n, (a, b) in enumerate(zip(held, unnegated)):
        assert np.array_equal(-a if n in negated else a, b), n
    learned = net.release(held, wide)
    assert any(not np.array_equal(a, b) for a, b in zip(learned, before))
    source = dict(net.sources)["update_wide" if wide else "update"]
    logistic = document in (None, "bce_sigmoid.md")
    if logistic:  # every layer's logistic reads -z: no negation left in the step
        assert negated and "_np_negative" not in source and "nz1" in source
    else:  # relu, tanh, elu read z itself: nothing negated
        assert not negated and "nz1" not in source


def test_a_pre_activation_read_otherwise_or_a_shared_parameter_is_not_negated():
    x, y, c = sp.symbols("x y c", real=True)
    w, b, z, a = sp.symbols("W1 b1 z1 a1", real=True)
    from derive.numeric.codegen import Descend, Tr

    def program(use, w_elsewhere=False):
        grad = Dot(Tr(x), a) + (w if w_elsewhere else 0)
        return Program((x, y, c, w, b), ((z, Dot(x, w)), (a, use)),
                       (Descend(w, grad), Descend(b, y)))

    read_negated = negated_forward(program(sp.exp(-z) + y))
    assert [p.name for p in read_negated.args[3:]] == ["nW1", "b1"]
    assert read_negated.assignments[0] == (sp.Symbol("nz1", real=True),
                                           Dot(x, sp.Symbol("nW1", real=True)))
    assert read_negated.outputs[0].args[1] == -Dot(Tr(x), a)  # added: -(p - G) = -p + G
    for unchanged in (program(sp.exp(-z) + z), program(sp.exp(-2 * z)),
                      program(sp.exp(-z), w_elsewhere=True)):
        assert negated_forward(unchanged) == unchanged
