"""Generated gradients: derived at the index level, vectorised, safe, stable, and equal to autograd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.numeric.codegen import (
    MODELS,
    WIDE_BATCH,
    CodegenError,
    Program,
    UnsafeExpressionError,
    compile_network,
    derive,
    lambdify_program,
)
from derive.spec import NetworkSpec, T, load_spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spec():
    """The chapter's network, read when a test first needs it (not at import: collection must
    not parse, and the parse cache must already point at the session's temporary folder)."""
    return load_spec(ROOT / "formulas" / "backprop.md")  # by path: from any working directory


def random_problem(layers, seed, batch=7):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(batch, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=batch)]
    params = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        params += [rng.normal(0, 1, size=(fan_out, fan_in)), rng.normal(0, 1, size=fan_out)]
    return x, y, params


def test_derivation_is_layer_generic(spec):
    """One derivation serves every layer: its expressions use only the generic index symbols.
    (What the gradients equal is tested against autograd and finite differences below, not
    against the chapter's formulas.)"""
    d = derive(spec, "mse")
    # the layer's input activations, the error of the layer above, its weights: no layer number
    generic = {"Aprev", "Delta", "W"}
    for expr in (d.backward, d.grad_w, d.grad_b):
        bases = {str(x.base) for x in expr.atoms(sp.Indexed)}
        assert bases <= generic, bases
    assert d.backward.has(sp.Sum)  # the backward step sums over the next layer's units


def test_g_prime_is_rewritten_in_terms_of_g_only_where_it_is_equal(spec):
    d = derive(spec, "mse")
    assert d.prime_of_value is not None
    g = spec.activation
    for t in (-3.0, -0.2, 0.0, 1.7):
        derived = sp.diff(g.expr, g.variables[0]).subs(g.variables[0], t)
        assert float(d.prime_of_value(g(t))) == pytest.approx(float(derived), rel=1e-12)


def test_softmax_output_errors(spec):
    usual = derive(spec, "softmax-z")
    assert usual.shift_invariant  # so it is evaluated at z - max z: no overflow
    # exact without assuming the labels sum to one: the sum over the labels stays
    assert usual.output_error.has(sp.Sum)
    assert not derive(spec, "softmax-a").shift_invariant


@pytest.mark.parametrize("model", list(MODELS))
def test_generated_code_has_no_python_loops(spec, model):
    net = compile_network(spec, model, (64, 32, 10))
    for name, source in net.sources:
        assert "for " not in source and "while " not in source, name
        assert "_dot(" in source or name == "evaluate" or name == "forward"


def test_one_compilation_serves_every_width(spec):
    small = compile_network(spec, "softmax-z", (5, 4, 3))
    big = compile_network(spec, "softmax-z", (784, 128, 10))
    assert small is big  # depth, not size, decides the code
    x, y, params = random_problem((784, 128, 10), 0, batch=4)
    grads = big.gradients(x, y, *params)
    assert [g.shape for g in grads] == [p.shape for p in params]


def test_codegen_is_fast(tmp_path):
    """A cold compilation (a fresh process: nothing derived or compiled yet) is quick."""
    chapter = str(ROOT / "formulas" / "backprop.md")
    code = ("from derive.numeric.codegen import compile_network; from derive.spec import load_spec; "
            f"print(compile_network(load_spec({chapter!r}), 'mse', (64, 32, 10)).seconds)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT),
                                             "DERIVE_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 5.0  # target < 1 s; loose so a loaded machine does not fail it


def torch_reference(model, x, y, params):
    torch = pytest.importorskip("torch")
    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    a = torch.tensor(x, dtype=torch.float64)
    depth = len(params) // 2
    for layer in range(1, depth + 1):
        z = a @ tp[2 * layer - 2].T + tp[2 * layer - 1]
        a = z if (layer == depth and model == "softmax-z") else torch.sigmoid(z)
    ty = torch.tensor(y, dtype=torch.float64)
    if model == "mse":
        loss = 0.5 * ((ty - a) ** 2).sum()
    else:
        loss = -(ty * torch.log_softmax(a, dim=1)).sum()
    loss.backward()
    return float(loss.detach()), [p.grad.numpy() for p in tp]


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_equal_pytorch_autograd(spec, model, seed):
    rng = np.random.default_rng(100 + seed)
    layers = tuple(int(n) for n in rng.integers(2, 9, size=int(rng.integers(2, 5))))
    x, y, params = random_problem(layers, seed, batch=int(rng.integers(1, 12)))
    loss_ref, grads_ref = torch_reference(model, x, y, params)
    net = compile_network(spec, model, layers)
    grads = net.gradients(x, y, *params)
    for got, ref in zip(grads, grads_ref):
        assert np.max(np.abs(got - ref)) <= 1e-10 * max(np.max(np.abs(ref)), 1e-300)
    loss = float(np.sum(net.evaluate(x, y, *params)[1]))
    assert loss == pytest.approx(loss_ref, rel=1e-12)


def documents_updates():
    """The chapter's update rows (`x \\leftarrow ...`), parsed by the tool's own reader."""
    from derive.document import read_document
    from derive.latex import Equation, Scope, parse_formula
    from derive.notation import notation_from_front

    doc = read_document(ROOT / "formulas" / "backprop.md")
    notation = notation_from_front(doc.front, doc.file)
    rows = [row for f in doc.formulas for row in parse_formula(f, Scope(notation, f))
            if isinstance(row, Equation) and row.kind == "update"]
    return notation, rows


def evaluate_update(expr, notation, layer, index, values):
    """A parsed right-hand side as a number: every name is looked up in `values`, which come
    from an oracle independent of the generated code; `\\sum_x` sums over the samples."""
    from derive.expr import BatchSum, Quantity
    from derive.latex import Index, Scalar, Size

    m = values["m"]

    def ev(e, sample):
        if isinstance(e, BatchSum):
            return sum(ev(e.body, k) for k in range(m))
        if isinstance(e, Quantity):
            tag = int(e.layer.xreplace({s: layer for s in e.layer.free_symbols}))  # l -> layer
            idx = tuple(index[str(i)] - 1 for i in e.indices)
            return values[e.name](tag, sample, idx)
        if isinstance(e, Scalar) and e.name == notation.rate:
            return values["rate"]
        if isinstance(e, Size) and e.name == notation.batch:
            return m
        if isinstance(e, Index):
            raise AssertionError(f"free index {e} outside a quantity")
        if e.is_Number:
            return float(e)
        if e.is_Add:
            return sum(ev(a, sample) for a in e.args)
        if e.is_Mul:
            return float(np.prod([ev(a, sample) for a in e.args]))
        if e.is_Pow:
            return ev(e.base, sample) ** ev(e.exp, sample)
        raise AssertionError(f"unexpected node {sp.srepr(e)}")

    return ev(expr, None)


@pytest.mark.parametrize("model", list(MODELS))
def test_step_is_the_documents_update(spec, model):
    """One generated training step equals the chapter's own update rows, evaluated as parsed.

    The oracle knows the meaning of the chapter's symbols, not its formulas: `w`, `b` are the
    parameters, `a^{(l)}` the activations (the input for l = 1, else the forward pass of the
    first l - 1 layers), `\\delta^{(l)}_i` = dL/dz^{(l)}_i by central finite differences of
    each sample's loss in the bias that feeds z^{(l)}, the rate alpha, the batch size m. The
    update's form (sign, alpha/m, the sum over the batch, which index goes where) is the
    document's.
    """
    layers = (4, 3, 3)
    x, y, params = random_problem(layers, 5)
    m, rate = len(x), 0.7
    net = compile_network(spec, model, layers)
    stepped = net.step(x, y, net.step_size(rate, m), *params)  # the document's alpha/m
    notation, updates = documents_updates()
    assert {len(u.lhs.expr.indices) for u in updates} == {1, 2}  # a weight and a bias update

    def sample_losses(ps):
        return net.evaluate(x, y, *ps)[1][:, 0]

    def delta(tag, sample, idx):  # dL_x/dz^{(tag)}_i = dL_x/db^{(tag-1)}_i
        bias = 2 * (tag - 1) - 1
        eps = 1e-6
        up = [p.copy() for p in params]
        down = [p.copy() for p in params]
        up[bias][idx] += eps
        down[bias][idx] -= eps
        return (sample_losses(up)[sample] - sample_losses(down)[sample]) / (2 * eps)

    def activation(tag, sample, idx):
        if tag == 1:
            return x[sample][idx]
        first = compile_network(spec, "mse", layers[:tag])  # g on every layer
        return first.forward(x, *params[: 2 * (tag - 1)])[0][sample][idx]

    checked = 0
    for row in updates:
        lhs = row.lhs.expr
        rhs = row.steps[-1].expr  # the last form: written with delta and a
        position = 0 if len(lhs.indices) == 2 else 1  # weight or bias of a layer
        for layer in range(1, len(layers)):
            n = 2 * (layer - 1) + position
            old, new = params[n], stepped[n]

            def parameter(tag, sample, idx, n=n, layer=layer):
                assert tag == layer
                return params[n][idx]

            values = {"m": m, "rate": rate, lhs.name: parameter, "a": activation,
                      "\\delta": delta}
            for pos in np.ndindex(old.shape):
                index = dict(zip((str(i) for i in lhs.indices), (p + 1 for p in pos)))
                expected = evaluate_update(rhs, notation, layer, index, values)
                assert new[pos] == pytest.approx(expected, abs=1e-8), (lhs.name, layer, pos)
                checked += 1
    assert checked == sum(p.size for p in params)


@pytest.mark.parametrize("model", list(MODELS))
def test_huge_preactivations_stay_finite_without_warnings(spec, model):
    x, y, params = random_problem((6, 5, 4), 3)
    params = [p * 1e4 for p in params]  # |z| in the tens of thousands
    net = compile_network(spec, model, (6, 5, 4))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        out, loss = net.evaluate(x, y, *params)
        grads = net.gradients(x, y, *params)
    assert np.isfinite(loss).all() and np.isfinite(out).all()
    assert all(np.isfinite(g).all() for g in grads)


EVIL = "__import__('os').system('touch {}')"


@pytest.mark.parametrize("kind", ["symbol", "function"])
def test_foreign_names_never_reach_generated_code(spec, tmp_path, kind):
    marker = tmp_path / "pwned"
    name = EVIL.format(marker)
    if kind == "symbol":
        g = sp.Lambda(T, 1 / (1 + sp.exp(-T * sp.Symbol(name))))
    else:
        g = sp.Lambda(T, sp.Function(name)(T))
    spec = NetworkSpec(g, spec.preactivation, spec.losses)
    with pytest.raises(CodegenError):
        compile_network(spec, "mse", (3, 2, 2))
    assert not marker.exists()


def test_safety_check_is_the_last_barrier(tmp_path):
    marker = tmp_path / "pwned"
    x = sp.Symbol("x")
    evil = sp.Symbol(EVIL.format(marker))
    for bad in (x + evil, sp.Function(EVIL.format(marker))(x), sp.Function("open")(x)):
        with pytest.raises(UnsafeExpressionError):
            lambdify_program(Program((x,), (), (bad,)), "f")
    assert not marker.exists()


def test_a_different_activation_is_derived_not_assumed(spec):
    spec = NetworkSpec(sp.Lambda(T, sp.tanh(T)), spec.preactivation, spec.losses)
    x, y, params = random_problem((4, 3, 2), 9)
    net = compile_network(spec, "mse", (4, 3, 2))
    grads = net.gradients(x, y, *params)
    eps = 1e-6
    w = params[0]
    for idx in [(0, 0), (2, 3)]:
        keep = w[idx]
        w[idx] = keep + eps
        up = np.sum(net.evaluate(x, y, *params)[1])
        w[idx] = keep - eps
        down = np.sum(net.evaluate(x, y, *params)[1])
        w[idx] = keep
        assert grads[0][idx] == pytest.approx((up - down) / (2 * eps), rel=1e-6)


def test_trainer_does_not_import_the_hand_written_baseline():
    code = ("import sys, derive.numeric.trainer, derive.numeric.commands; "
            "bad = [m for m in ('derive.numeric.bench', 'torch', 'sklearn', 'matplotlib') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("model", list(MODELS))
def test_in_place_update_equals_the_pure_step(spec, model):
    """`update` (the trainer's fast path: c folded into the deltas, parameters written in
    place) gives the numbers of the document's update `step`, and changes only the
    parameters it was given."""
    layers = (5, 4, 3, 3)
    x, y, params = random_problem(layers, 11)
    net = compile_network(spec, model, layers)
    expected = net.step(x, y, 0.3, *params)
    x_before, y_before = x.copy(), y.copy()
    before = [p.copy() for p in params]
    held = net.hold(params)
    returned = net.update(net.hold_inputs(x), y, 0.3, *held)
    assert len(returned) == len(held)
    for new, same in zip(held, returned):
        assert same is new  # written into the held array, not a new one
    updated = net.release(held)
    assert [p.shape for p in updated] == [p.shape for p in params]
    for new, want in zip(updated, expected):
        np.testing.assert_allclose(new, want, rtol=1e-12, atol=1e-14)
    assert np.array_equal(x, x_before) and np.array_equal(y, y_before)
    assert all(np.array_equal(p, q) for p, q in zip(params, before))  # hold copies
    assert any(not np.array_equal(new, old) for new, old in zip(updated, params))
    # the first layer's bias fused into its weights: one product, no broadcast addition
    source = dict(net.sources)["update"]
    fused = "nP1" if net.negated else "P1"  # held negated where g reads only -z1
    assert net.fused_bias and f"_dot(xa, {fused})" in source and f"out={fused}" in source
    assert "b1" not in source


@pytest.mark.parametrize("model", list(MODELS))
def test_wide_update_equals_the_plain_step(spec, model):
    """`update_wide` (the trainer's update from WIDE_BATCH samples on: every weight read both
    as it is and transposed held twice) gives the numbers of the plain lambdified `step` to
    1e-12 on random weights, at a batch where the trainer picks it, and keeps each transposed
    copy exactly the transpose of its weight."""
    layers = (5, 4, 3, 3)
    x, y, params = random_problem(layers, 11)
    copies = WIDE_BATCH // len(x) + 1
    x, y = np.vstack([x] * copies), np.vstack([y] * copies)
    net = compile_network(spec, model, layers)
    update, wide = net.updater(len(x))
    assert wide and update is net.update_wide and net.updater(WIDE_BATCH - 1)[1] is False
    assert net.mirrored == (1, 3)  # W2 and W3: read in the forward products and the backward
    expected = net.step(x, y, 0.3, *params)
    held = net.hold(params, wide=True)
    assert len(held) == len(net.hold(params)) + 2
    returned = update(net.hold_inputs(x), y, 0.3, *held)
    assert all(same is new for new, same in zip(held, returned))
    for n in net.mirrored:  # W and Wt changed by the same numbers
        assert np.array_equal(held[n + 1 + net.mirrored.index(n)].T,
                              held[n + net.mirrored.index(n)])
    updated = net.release(held, wide=True)
    assert [p.shape for p in updated] == [p.shape for p in params]
    for new, want in zip(updated, expected):
        np.testing.assert_allclose(new, want, rtol=1e-12, atol=1e-14)
    source = dict(net.sources)["update_wide"]
    assert "_dot(a1, W2t)" in source and "_dot(a2, W3t)" in source
    assert "(W2).T" not in source and "(W3).T" not in source


def test_trainer_epoch_at_a_wide_batch_equals_the_plain_steps(spec):
    """The trainer's epoch with batches of WIDE_BATCH and more (update_wide, the last batch
    shorter) gives the numbers of the plain lambdified `step` run batch by batch."""
    from derive.numeric.trainer import batch_orders, initial_parameters, run_epoch

    layers = (6, 5, 4, 3)
    rng = np.random.default_rng(4)
    m, batch = 2 * WIDE_BATCH + 37, WIDE_BATCH + 3
    x = rng.uniform(0, 1, size=(m, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=m)]
    params = initial_parameters(layers, 2)
    net = compile_network(spec, "mse", layers)
    order = batch_orders(m, 1, 3)[0]
    ours = run_epoch(net, x, y, order, batch, 2.0, params)
    plain = params
    for start in range(0, m, batch):
        rows = order[start : start + batch]
        plain = net.step(x[rows], y[rows], net.step_size(2.0, len(rows)), *plain)
    assert any(not np.allclose(a, b) for a, b in zip(ours, params))  # it did learn
    for a, b in zip(ours, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_held_parameters_round_trip_exactly(spec):
    layers = (5, 4, 3, 3)
    _, _, params = random_problem(layers, 2)
    net = compile_network(spec, "mse", layers)
    back = net.release(net.hold(params))
    for a, b in zip(back, params):
        assert a.flags.c_contiguous and np.array_equal(a, b)
    x = np.arange(10.0).reshape(2, 5)
    assert np.array_equal(net.hold_inputs(x), np.hstack([x, np.ones((2, 1))]))
