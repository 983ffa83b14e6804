"""`derive train` with the activations and losses beyond the sigmoid (issue 11): ReLU, leaky
ReLU, tanh and softplus hidden layers under a softmax cross-entropy, and the binary
cross-entropy on sigmoid outputs. The gradients are generated from each document's own
definitions; the oracles here are PyTorch autograd (float64) on torch's own implementations
of the functions the documents name, and central finite differences of the generated loss.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.cli import main
from derive.numeric.codegen import CodegenError, compile_network
from derive.spec import NetworkSpec, SpecError, T, load_spec

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "tests" / "data" / "train"

# document -> (model, torch activation of the hidden layers, output: "softmax" over z, or the
# binary cross-entropy of "sigmoid" outputs). The names are what each document says it defines.
DOCUMENTS = {
    "relu_softmax.md": ("softmax-z", "relu", "softmax"),
    "leaky_relu_softmax.md": ("softmax-z", "leaky_relu", "softmax"),
    "tanh_softmax.md": ("softmax-z", "tanh", "softmax"),
    "softplus_softmax.md": ("softmax-z", "softplus", "softmax"),
    "gelu_softmax.md": ("softmax-z", "gelu", "softmax"),  # u Φ(u): erf, from SciPy
    "elu_softmax.md": ("softmax-z", "elu", "softmax"),  # alpha = 1, a number of the text
    "bce_sigmoid.md": ("softmax-a", "sigmoid", "sigmoid"),
}


@pytest.fixture(scope="module")
def specs():
    return {name: load_spec(TRAIN / name) for name in DOCUMENTS}


def _torch_activation(torch, name):
    functional = torch.nn.functional
    return {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "softplus": functional.softplus, "gelu": functional.gelu,  # exact: erf
            "elu": lambda z: functional.elu(z, 1.0),
            "leaky_relu": lambda z: functional.leaky_relu(z, 0.01)}[name]


def torch_reference(document, x, y, params):
    """Loss summed over the batch and its gradients, by autograd in float64."""
    torch = pytest.importorskip("torch")
    _, hidden, output = DOCUMENTS[document]
    act = _torch_activation(torch, hidden)
    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    a = torch.tensor(x, dtype=torch.float64)
    ty = torch.tensor(y, dtype=torch.float64)
    depth = len(params) // 2
    for layer in range(1, depth + 1):
        z = a @ tp[2 * layer - 2].T + tp[2 * layer - 1]
        a = act(z) if layer < depth else z
    if output == "softmax":
        loss = -(ty * torch.log_softmax(a, dim=1)).sum()
    else:  # the sigmoid network's output layer, under the binary cross-entropy
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a, ty, reduction="sum")
    loss.backward()
    return float(loss.detach()), [p.grad.numpy() for p in tp]


def problem(layers, seed, batch=9):
    """A batch whose pre-activations are well away from every kink (|z| > 1e-3)."""
    rng = np.random.default_rng(seed)
    while True:
        x = rng.uniform(-1.0, 1.0, size=(batch, layers[0]))
        y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=batch)]
        params = []
        for fan_in, fan_out in zip(layers[:-1], layers[1:]):
            params += [rng.normal(0, 1, size=(fan_out, fan_in)), rng.normal(0, 1, size=fan_out)]
        zs, a = [], x
        for w, b in zip(params[0::2], params[1::2]):
            z = a @ w.T + b
            zs.append(z)
            a = np.tanh(z)  # any activation: only the first layer's z matters for the test
        if np.min(np.abs(zs[0])) > 1e-3:
            return x, y, params, zs[0]


@pytest.mark.parametrize("document", list(DOCUMENTS))
@pytest.mark.parametrize("seed", [0, 1])
def test_generated_gradients_equal_pytorch_autograd(specs, document, seed):
    model = DOCUMENTS[document][0]
    layers = (6, 5, 4, 3)
    x, y, params, z1 = problem(layers, seed)
    # both sides of every kink are exercised
    assert (z1 > 0).any() and (z1 < 0).any()
    net = compile_network(specs[document], model, layers)
    loss_ref, grads_ref = torch_reference(document, x, y, params)
    _, loss = net.evaluate(x, y, *params)
    assert float(np.sum(loss)) == pytest.approx(loss_ref, rel=1e-12)
    grads = net.gradients(x, y, *params)
    assert len(grads) == len(grads_ref)
    for ours, theirs in zip(grads, grads_ref):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("document", list(DOCUMENTS))
def test_generated_gradients_equal_finite_differences(specs, document):
    model = DOCUMENTS[document][0]
    layers = (4, 5, 3)
    x, y, params, _ = problem(layers, 7)
    net = compile_network(specs[document], model, layers)
    grads = net.gradients(x, y, *params)
    eps = 1e-6
    checked = 0
    for param, grad in zip(params, grads):
        for idx in np.ndindex(param.shape):
            keep = param[idx]
            param[idx] = keep + eps
            up = np.sum(net.evaluate(x, y, *params)[1])
            param[idx] = keep - eps
            down = np.sum(net.evaluate(x, y, *params)[1])
            param[idx] = keep
            assert grad[idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)
            checked += 1
    assert checked == sum(p.size for p in params)


def test_relu_backward_is_the_step_of_z_not_a_hand_coded_activation(specs):
    """The ReLU document's step comes from sympy.diff(Max(0, t)) (a Heaviside), and the
    activation is the document's max(0, z): no activation is written into the trainer."""
    net = compile_network(specs["relu_softmax.md"], "softmax-z", (4, 5, 3))
    source = dict(net.sources)["gradients"]
    assert "maximum(0, z1)" in source and "heaviside(z1" in source
    assert "tanh" not in source and "exp(z1" not in source


def _train(tmp_path, document, *extra):
    out = tmp_path / Path(document).stem
    code = main(["train", "--formulas", str(TRAIN / document), "--no-plot", "--quiet",
                 "-o", str(out), *extra])
    assert code == 0
    return json.loads((out / "train-metrics.json").read_text())["runs"]


def test_relu_softmax_trains_digits_to_the_bar(tmp_path, capsys):
    """One seed of the issue's run (the full bar, the median of seeds 0-4, is the README's
    command: kept out of the suite for its time), through the command line."""
    (run,) = _train(tmp_path, "relu_softmax.md", "--model", "softmax-z", "--seed", "1")
    capsys.readouterr()
    assert run["model"] == "softmax-z" and run["config"]["epochs"] == 30
    assert run["final"]["test_accuracy"] >= 0.97


@pytest.mark.parametrize("document", ["tanh_softmax.md", "leaky_relu_softmax.md",
                                      "softplus_softmax.md", "gelu_softmax.md",
                                      "elu_softmax.md", "bce_sigmoid.md"])
def test_other_activations_and_losses_train(tmp_path, capsys, document):
    model = DOCUMENTS[document][0]
    (run,) = _train(tmp_path, document, "--model", model, "--epochs", "8")
    capsys.readouterr()
    history = run["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert run["final"]["test_accuracy"] >= 0.85


def test_without_model_the_documents_models_train_and_the_others_are_named(tmp_path, capsys):
    runs = _train(tmp_path, "relu_softmax.md", "--epochs", "2")
    err = capsys.readouterr().err
    assert [r["model"] for r in runs] == ["softmax-z"]
    assert "cannot run --model mse" in err and "no mse loss" in err
    assert "--model softmax-a" in err and "written on the output pre-activations z" in err


@pytest.mark.parametrize("document, model, words", [
    ("relu_softmax.md", "softmax-a", "written on the output pre-activations z"),
    ("bce_sigmoid.md", "softmax-z", "has no softmax"),
    ("relu_softmax.md", "mse", "no mse loss"),
])
def test_a_model_the_document_does_not_define_is_a_usage_error(tmp_path, capsys, document,
                                                               model, words):
    code = main(["train", "--formulas", str(TRAIN / document), "--model", model, "--no-plot",
                 "-o", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and words in err and "Traceback" not in err
    assert not (tmp_path / "train-metrics.json").exists()


def test_saturated_sigmoid_outputs_keep_the_cross_entropy_finite(specs):
    """a = 1.0 exactly in float64 (z > 37): the derived output error a(1-a)((1-y)/(1-a) - y/a)
    is cancelled to a - y and log(1 - a) is evaluated from z, so nothing divides by zero."""
    net = compile_network(specs["bce_sigmoid.md"], "softmax-a", (4, 5, 3))
    x, y, params, _ = problem((4, 5, 3), 2)
    params = [p * 200 for p in params]
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        out, loss = net.evaluate(x, y, *params)
        grads = net.gradients(x, y, *params)
    assert ((out == 1.0) | (out == 0.0)).any()  # saturated
    assert np.isfinite(loss).all() and all(np.isfinite(g).all() for g in grads)


def test_a_name_in_a_piecewise_condition_never_reaches_generated_code(specs, tmp_path):
    marker = tmp_path / "pwned"
    evil = sp.Symbol(f"__import__('os').system('touch {marker}')", real=True)
    base = specs["relu_softmax.md"]
    g = sp.Lambda(T, sp.Piecewise((T, T > evil), (T / 100, True)))
    with pytest.raises(CodegenError):
        compile_network(NetworkSpec(g, base.preactivation, base.losses), "softmax-z", (3, 2, 2))
    assert not marker.exists()


def test_bench_refuses_a_network_its_baselines_do_not_compute(tmp_path, capsys):
    code = main(["bench", "--formulas", str(TRAIN / "relu_softmax.md"), "--model", "softmax-z",
                 "--epochs", "1", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "sigmoid networks" in err
    assert not (tmp_path / "bench.md").exists()


def test_jax_backend_trains_the_relu_network_as_numpy_does(specs):
    pytest.importorskip("jax")
    from derive.numeric.jax_backend import compile_jax
    from derive.numeric.trainer import batch_orders, initial_parameters, run_epoch

    layers = (6, 5, 4, 3)
    x, y, _, _ = problem(layers, 4, batch=23)
    net = compile_network(specs["relu_softmax.md"], "softmax-z", layers)
    jnet = compile_jax(specs["relu_softmax.md"], "softmax-z", layers)
    # 23 samples in batches of 5: the last batch padded with rate-0 rows, one compiled scan
    assert jnet.per_sample
    ours = theirs = initial_parameters(layers, 1)
    for order in batch_orders(len(x), 3, 2):
        ours = run_epoch(net, x, y, order, 5, 0.5, ours)
        theirs = jnet.run_epoch(x, y, order, 5, 0.5, theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_an_activation_without_numpy_code_is_a_clear_error(specs):
    base = specs["relu_softmax.md"]
    body = sp.Piecewise((T, T > 0), (0, T < -1))
    spec = NetworkSpec(sp.Lambda(T, body), base.preactivation, base.losses)
    with pytest.raises(CodegenError, match="do not cover every value"):
        compile_network(spec, "softmax-z", (3, 2, 2))


def test_erf_without_scipy_is_a_clear_error(specs, monkeypatch):
    """GELU's erf is SciPy's in the generated code (NumPy has none): without SciPy the
    generator says so instead of failing at the first step."""
    import derive.numeric.codegen.vectorise as vectorise
    from derive.numeric.codegen import clear_caches

    base = specs["relu_softmax.md"]
    spec = NetworkSpec(sp.Lambda(T, T * (1 + sp.erf(T / sp.sqrt(2))) / 2), base.preactivation,
                       base.losses)
    monkeypatch.setattr(vectorise, "scipy_erf", lambda: None)
    clear_caches()
    try:
        with pytest.raises(CodegenError, match="erf .* needs SciPy"):
            compile_network(spec, "softmax-z", (3, 2, 2))
    finally:
        clear_caches()


def test_gelu_is_erf_in_the_generated_code(specs):
    net = compile_network(specs["gelu_softmax.md"], "softmax-z", (4, 5, 3))
    source = dict(net.sources)["gradients"]
    assert "_erf(" in source and "exp(" in source  # Φ and its derivative, the normal density


@pytest.mark.parametrize("body", [sp.Abs(T), sp.Max(T, T / 10),
                                  sp.Piecewise((T, T > 0), (sp.exp(T) - 1, True))])
def test_more_non_smooth_activations_equal_finite_differences(specs, body):
    """|t|, max(t, t/10) and an ELU with alpha = 1, away from their kinks."""
    base = specs["relu_softmax.md"]
    net = compile_network(NetworkSpec(sp.Lambda(T, body), base.preactivation, base.losses),
                          "softmax-z", (4, 5, 3))
    x, y, params, _ = problem((4, 5, 3), 5)
    grads = net.gradients(x, y, *params)
    w, eps = params[0], 1e-6
    for idx in np.ndindex(w.shape):
        keep = w[idx]
        w[idx] = keep + eps
        up = np.sum(net.evaluate(x, y, *params)[1])
        w[idx] = keep - eps
        down = np.sum(net.evaluate(x, y, *params)[1])
        w[idx] = keep
        assert grads[0][idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-7)


def test_an_alias_of_the_output_is_not_taken_for_the_activation(tmp_path):
    """ŷ = h^{(L)} defined after h = σ(s) has the shape a = g(z) too; the activation is the
    one whose input sums the layer below (s = c + Σ W h)."""
    text = (TRAIN / "bce_sigmoid.md").read_text(encoding="utf-8")
    text = text.replace("[quantities.E]", '[quantities."\\\\hat{y}"]\nshape = ["N_L"]\n'
                        "[quantities.E]", 1)
    text += ('\nThe prediction:\n\n<!-- derive: definitions = "all" -->\n$$\n'
             "\\hat{y}_j = h^{(L)}_j\n$$\n")
    path = tmp_path / "alias.md"
    path.write_text(text, encoding="utf-8")
    spec = load_spec(path)
    assert sp.simplify(spec.activation.expr - 1 / (1 + sp.exp(-T))) == 0


def test_a_scalar_of_the_activation_takes_the_texts_number(tmp_path):
    """ELU's alpha: the number the text gives it (`\\alpha = 1`) is what is trained; without
    one, the trainer says which scalar has no value and how to give it one."""
    spec = load_spec(TRAIN / "elu_softmax.md")
    assert spec.activation(sp.Integer(-1)) == sp.exp(-1) - 1
    text = (TRAIN / "elu_softmax.md").read_text(encoding="utf-8")
    assert text.count("\\alpha &= 1 \\\\\n") == 1
    halved = tmp_path / "elu_half.md"
    halved.write_text(text.replace("\\alpha &= 1 \\\\\n", "\\alpha &= \\frac{1}{2} \\\\\n"),
                      encoding="utf-8")
    assert load_spec(halved).activation(sp.Integer(-1)) == (sp.exp(-1) - 1) / 2
    unvalued = tmp_path / "elu_unvalued.md"
    unvalued.write_text(text.replace("\\alpha &= 1 \\\\\n", ""), encoding="utf-8")
    with pytest.raises(SpecError, match=r"scalar \\alpha, which has no value here: give it one"):
        load_spec(unvalued)
