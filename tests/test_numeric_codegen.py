"""Generated gradients: derived at the index level, vectorised, safe, stable, and equal to autograd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.numeric import codegen
from derive.numeric.codegen import (
    MODELS,
    CodegenError,
    Program,
    UnsafeExpressionError,
    compile_network,
    derive,
)
from derive.spec import NetworkSpec, T, load_spec

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"
SPEC = load_spec(CHAPTER)  # by path: collection works from any working directory


def random_problem(layers, seed, batch=7):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(batch, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=batch)]
    params = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        params += [rng.normal(0, 1, size=(fan_out, fan_in)), rng.normal(0, 1, size=fan_out)]
    return x, y, params


def test_derivation_is_layer_generic():
    """One derivation serves every layer: its expressions use only the generic index symbols.
    (What the gradients equal is tested against autograd and finite differences below, not
    against the chapter's formulas.)"""
    d = derive(SPEC, "mse")
    # the layer's input activations, the error of the layer above, its weights: no layer number
    generic = {"Aprev", "Delta", "W"}
    for expr in (d.backward, d.grad_w, d.grad_b):
        bases = {str(x.base) for x in expr.atoms(sp.Indexed)}
        assert bases <= generic, bases
    assert d.backward.has(sp.Sum)  # the backward step sums over the next layer's units


def test_g_prime_is_rewritten_in_terms_of_g_only_where_it_is_equal():
    d = derive(SPEC, "mse")
    assert d.prime_of_value is not None
    g = SPEC.activation
    for t in (-3.0, -0.2, 0.0, 1.7):
        derived = sp.diff(g.expr, g.variables[0]).subs(g.variables[0], t)
        assert float(d.prime_of_value(g(t))) == pytest.approx(float(derived), rel=1e-12)


def test_softmax_output_errors():
    usual = derive(SPEC, "softmax-z")
    assert usual.shift_invariant  # so it is evaluated at z - max z: no overflow
    # exact without assuming the labels sum to one: the sum over the labels stays
    assert usual.output_error.has(sp.Sum)
    assert not derive(SPEC, "softmax-a").shift_invariant


@pytest.mark.parametrize("model", list(MODELS))
def test_generated_code_has_no_python_loops(model):
    net = compile_network(SPEC, model, (64, 32, 10))
    for name, source in net.sources:
        assert "for " not in source and "while " not in source, name
        assert "@" in source or name == "evaluate" or name == "forward"


def test_one_compilation_serves_every_width():
    small = compile_network(SPEC, "softmax-z", (5, 4, 3))
    big = compile_network(SPEC, "softmax-z", (784, 128, 10))
    assert small is big  # depth, not size, decides the code
    x, y, params = random_problem((784, 128, 10), 0, batch=4)
    grads = big.gradients(x, y, *params)
    assert [g.shape for g in grads] == [p.shape for p in params]


def test_codegen_is_fast(tmp_path):
    """A cold compilation (a fresh process: nothing derived or compiled yet) is quick."""
    code = ("from derive.numeric.codegen import compile_network; from derive.spec import load_spec; "
            f"print(compile_network(load_spec({str(CHAPTER)!r}), 'mse', (64, 32, 10)).seconds)")
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
def test_gradients_equal_pytorch_autograd(model, seed):
    rng = np.random.default_rng(100 + seed)
    layers = tuple(int(n) for n in rng.integers(2, 9, size=int(rng.integers(2, 5))))
    x, y, params = random_problem(layers, seed, batch=int(rng.integers(1, 12)))
    loss_ref, grads_ref = torch_reference(model, x, y, params)
    net = compile_network(SPEC, model, layers)
    grads = net.gradients(x, y, *params)
    for got, ref in zip(grads, grads_ref):
        assert np.max(np.abs(got - ref)) <= 1e-10 * max(np.max(np.abs(ref)), 1e-300)
    loss = float(np.sum(net.evaluate(x, y, *params)[1]))
    assert loss == pytest.approx(loss_ref, rel=1e-12)


def test_the_documents_updates_are_gradient_descent_on_the_mean_loss(chapter_report):
    """What `step` must do comes from the document: its `←` rows, which the checker verifies
    against gradient descent on the minibatch mean loss, w - α/m Σ_x ∂L/∂w (derived by sympy)."""
    updates = [r for r in chapter_report.results if r.kind == "update"]
    assert len(updates) == 4  # w and b, two steps each
    assert all(r.status.value == "verified" for r in updates)
    assert all("gradient descent on the minibatch mean loss" in r.derivation for r in updates)


@pytest.mark.parametrize("model", list(MODELS))
def test_step_is_the_documents_update(model):
    """One generated step moves every parameter by -α/m times the gradient of the batch's summed
    loss, the gradient taken by PyTorch autograd (not by the generated code)."""
    x, y, params = random_problem((4, 3, 3), 5)
    net = compile_network(SPEC, model, (4, 3, 3))
    _, grads_ref = torch_reference(model, x, y, params)  # d(Σ_x L)/dθ
    alpha = 0.7
    c = alpha / len(x)  # the step's c is α/m
    for new, old, grad in zip(net.step(x, y, c, *params), params, grads_ref):
        np.testing.assert_allclose(new, old - alpha / len(x) * grad, rtol=0, atol=1e-12)
        assert np.any(new != old)


@pytest.mark.parametrize("model", list(MODELS))
def test_huge_preactivations_stay_finite_without_warnings(model):
    x, y, params = random_problem((6, 5, 4), 3)
    params = [p * 1e4 for p in params]  # |z| in the tens of thousands
    net = compile_network(SPEC, model, (6, 5, 4))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        out, loss = net.evaluate(x, y, *params)
        grads = net.gradients(x, y, *params)
    assert np.isfinite(loss).all() and np.isfinite(out).all()
    assert all(np.isfinite(g).all() for g in grads)


EVIL = "__import__('os').system('touch {}')"


@pytest.mark.parametrize("kind", ["symbol", "function"])
def test_foreign_names_never_reach_generated_code(tmp_path, kind):
    marker = tmp_path / "pwned"
    name = EVIL.format(marker)
    if kind == "symbol":
        g = sp.Lambda(T, 1 / (1 + sp.exp(-T * sp.Symbol(name))))
    else:
        g = sp.Lambda(T, sp.Function(name)(T))
    spec = NetworkSpec(g, SPEC.preactivation, SPEC.losses)
    with pytest.raises(CodegenError):
        compile_network(spec, "mse", (3, 2, 2))
    assert not marker.exists()


def test_safety_check_is_the_last_barrier(tmp_path):
    marker = tmp_path / "pwned"
    x = sp.Symbol("x")
    evil = sp.Symbol(EVIL.format(marker))
    for bad in (x + evil, sp.Function(EVIL.format(marker))(x), sp.Function("open")(x)):
        with pytest.raises(UnsafeExpressionError):
            codegen._lambdify(Program((x,), (), (bad,)), "f")
    assert not marker.exists()


def test_a_different_activation_is_derived_not_assumed():
    spec = NetworkSpec(sp.Lambda(T, sp.tanh(T)), SPEC.preactivation, SPEC.losses)
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
