"""`--backend jax`: the generated step through lambdify's JAX printer, an epoch per compiled call."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from derive.numeric.codegen import MODELS, compile_network
from derive.numeric.trainer import batch_orders, initial_parameters, run_epoch
from derive.spec import load_spec


@pytest.fixture(scope="module")
def spec():
    return load_spec(Path(__file__).resolve().parents[1] / "formulas" / "backprop.md")


def test_backend_jax_without_jax_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "derive.numeric.jax_backend", None)  # import fails
    code = main(["train", "--data", "iris", "--backend", "jax", "-o", str(tmp_path), "--no-plot"])
    out, err = capsys.readouterr()
    assert code == 2 and "--backend jax needs JAX: pip install jax jaxlib" in err
    assert out == "" and not (tmp_path / "train-metrics.json").exists()


@pytest.mark.parametrize("model", list(MODELS))
def test_jax_epoch_equals_the_numpy_epoch(spec, model):
    pytest.importorskip("jax")
    from derive.numeric.jax_backend import compile_jax

    layers = (6, 5, 4, 3)
    rng = np.random.default_rng(3)
    m = 23  # batches of 5 and a last one of 3: the scan and the separate last step
    x = rng.uniform(0, 1, size=(m, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=m)]
    params = initial_parameters(layers, 1)
    net = compile_network(spec, model, layers)
    jnet = compile_jax(spec, model, layers)
    ours, theirs = params, params
    for order in batch_orders(m, 3, 2):
        ours = run_epoch(net, x, y, order, 5, 0.9, ours)
        theirs = jnet.run_epoch(x, y, order, 5, 0.9, theirs)
    assert any(not np.allclose(a, b) for a, b in zip(ours, params))  # it did learn
    for a, b in zip(ours, theirs):
        assert isinstance(b, np.ndarray) and b.dtype == np.float64
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
    # The JAX code is lambdify's printing of the derived step, not something written here.
    assert "jax.numpy" in jnet.source and "@" in jnet.source


def test_jax_epoch_follows_the_data_it_is_given(spec):
    """The data are kept on the device between epochs: new arrays are sent again, and an
    epoch of whole batches (no padded last one) is the NumPy epoch too."""
    pytest.importorskip("jax")
    from derive.numeric.jax_backend import compile_jax

    layers = (4, 3, 2)
    net = compile_network(spec, "mse", layers)
    jnet = compile_jax(spec, "mse", layers)
    rng = np.random.default_rng(5)
    params = initial_parameters(layers, 0)
    for m, batch in ((20, 5), (20, 5), (13, 4)):  # the second (20, 5): other arrays
        x = rng.uniform(0, 1, size=(m, layers[0]))
        y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=m)]
        order = batch_orders(m, 1, m)[0]
        ours = run_epoch(net, x, y, order, batch, 0.7, params)
        theirs = jnet.run_epoch(x, y, order, batch, 0.7, params)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_train_backend_jax_gives_the_numpy_figures(tmp_path, capsys):
    pytest.importorskip("jax")
    finals = {}
    for backend in ("numpy", "jax"):
        out_dir = tmp_path / backend
        code = main(["train", "--data", "iris", "--layers", "4,8,3", "--epochs", "4", "--model",
                     "softmax-z", "--backend", backend, "-o", str(out_dir), "--no-plot",
                     "--quiet"])
        assert code == 0
        run = json.loads((out_dir / "train-metrics.json").read_text())["runs"][0]
        finals[backend] = run["final"]
    capsys.readouterr()
    for key, value in finals["numpy"].items():
        assert finals["jax"][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
