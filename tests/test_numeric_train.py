"""`derive train`, `derive gradcheck`, `derive bench` through their handlers, and the data."""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from derive.numeric.commands import UsageError, register
from derive.numeric.data import load_dataset
from derive.numeric.trainer import (
    DEFAULT_LEARNING_RATES,
    TrainConfig,
    TrainingDiverged,
    softmax_a_floor,
    train,
)
from derive.spec import load_spec

pytest.importorskip("sklearn")
CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"


@pytest.fixture(scope="module")
def spec():
    """The chapter's network, read when a test first needs it (not at import: collection must
    not parse, and the parse cache must already point at the session's temporary folder)."""
    return load_spec(CHAPTER)  # by path: from any working directory


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="derive")
    register(parser.add_subparsers(required=True))
    if "--formulas" not in argv:  # the chapter by path, whatever the working directory
        argv = (argv[0], "--formulas", str(CHAPTER), *argv[1:])
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def test_digits_split_is_stratified_scaled_and_seeded(digits):
    assert digits.x_train.shape[1] == 64 and digits.n_classes == 10
    assert len(digits.x_train) + len(digits.x_test) == 1797
    assert 0.0 <= digits.x_train.min() and digits.x_train.max() <= 1.0
    counts = np.bincount(digits.test_labels, minlength=10)
    assert counts.min() >= 34 and counts.max() <= 38
    again = load_dataset("digits", seed=0)
    assert np.array_equal(again.x_test, digits.x_test)
    assert not np.array_equal(load_dataset("digits", seed=1).x_test, digits.x_test)


def test_training_is_reproducible(spec, digits):
    config = TrainConfig("softmax-z", (64, 16, 10), epochs=2, batch=64, lr=1.0, seed=3)
    assert train(spec, digits, config) == train(spec, digits, config)


def test_accuracy_and_the_softmax_over_sigmoid_floor(spec):
    """The issue's claim on digits, 64-32-10, 30 epochs, batch 32, as the median of 3 seeds.

    A single split's 360-sample test set moves accuracy by about +-0.015 (seed 0 alone gives
    0.950 / 0.955), so the claim is checked on the median run, not on one lucky or unlucky seed.
    """
    accuracy: dict[str, list[float]] = {m: [] for m in DEFAULT_LEARNING_RATES}
    floor = softmax_a_floor(10)
    for seed in (0, 1, 2):
        data = load_dataset("digits", seed=seed)
        for model, lr in DEFAULT_LEARNING_RATES.items():
            result = train(spec, data, TrainConfig(model, (64, 32, 10), 30, 32, lr, seed))
            accuracy[model].append(result.final.test_accuracy)
            losses = [r.train_loss for r in result.history]
            if model == "softmax-a":
                assert min(losses) > floor  # stalls above ln(1 + 9/e) = 1.461
            if model == "softmax-z":
                assert losses[-1] < 0.1 < floor
    assert statistics.median(accuracy["mse"]) >= 0.97
    assert statistics.median(accuracy["softmax-z"]) >= 0.97


@pytest.mark.parametrize("lr, why", [(1e5, "the loss grew from"), (1e308, "floating-point")])
def test_divergence_is_reported_with_the_epoch(spec, lr, why):
    # With the stable sigmoid and log-softmax an oversized rate makes the loss grow without
    # bound rather than NaN; only at the edge of float64 does an update overflow.
    iris = load_dataset("iris")
    with pytest.raises(TrainingDiverged, match=f"epoch 1: {why}.*smaller learning rate"):
        train(spec, iris, TrainConfig("softmax-z", (4, 8, 3), epochs=3, lr=lr))


def test_train_command_writes_metrics_and_plot(tmp_path, capsys):
    code = run("train", "--loss", "ce", "--output", "softmax-z", "--layers", "64,16,10",
               "--epochs", "2", "--batch", "64", "--outdir", str(tmp_path), "--quiet")
    assert code == 0
    out = capsys.readouterr().out
    assert "softmax-z final: train loss" in out and "epoch   1" not in out  # --quiet
    metrics = json.loads((tmp_path / "train-metrics.json").read_text())
    (run_,) = metrics["runs"]
    assert run_["model"] == "softmax-z" and len(run_["history"]) == 2
    assert (tmp_path / "train-loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first = (tmp_path / "train-metrics.json").read_text()
    run("train", "--loss", "ce", "--output", "softmax-z", "--layers", "64,16,10", "--epochs",
        "2", "--batch", "64", "--outdir", str(tmp_path), "--quiet", "--no-plot")
    assert (tmp_path / "train-metrics.json").read_text() == first  # same seed, same numbers


def test_train_prints_every_epoch(tmp_path, capsys):
    assert run("train", "--data", "iris", "--loss", "mse", "--epochs", "3", "--lr", "2",
               "--outdir", str(tmp_path), "--no-plot") == 0
    out = capsys.readouterr().out
    assert out.count("mse       epoch") == 3 and "test accuracy" in out


def test_divergence_exits_1(tmp_path, capsys):
    code = run("train", "--data", "iris", "--loss", "ce", "--output", "softmax-z", "--epochs", "2", "--lr", "1e5",
               "--outdir", str(tmp_path), "--no-plot", "--quiet")
    assert code == 1
    assert "diverged in epoch 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--loss", "mse", "--output", "softmax-z"], "softmax"),
        (["--layers", "10,3"], "does not fit digits"),
        (["--epochs", "0"], "--epochs must be positive"),
    ],
)
def test_bad_arguments_are_usage_errors(argv, message, tmp_path):
    with pytest.raises(UsageError, match=message):
        run("train", *argv, "--outdir", str(tmp_path), "--no-plot", "--quiet")


def write(tmp_path, text):
    path = tmp_path / "my.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, column, expected",
    [
        (None, "y", ":1: no such file"),
        ("a,b,label\n1,2,x\n3,4,y\n", "y", ":1: no column 'y'"),
        ("a,b,y\n1,2,x\n3,4,y\n1,oops,x\n", "y", ":4: column 'b': 'oops' is not a finite number"),
        ("a,b,y\n1,2,x\n3,4,x\n", "y", ":2: the label column 'y' has only one class"),
        ("a,b,y\n1,2,x\n3,4\n", "y", ":3: expected 3 fields, found 2"),
    ],
)
def test_bad_csv_gets_path_line_message(tmp_path, text, column, expected):
    path = write(tmp_path, text) if text is not None else tmp_path / "missing.csv"
    with pytest.raises(UsageError) as info:
        run("train", "--data", str(path), "--label-column", column, "--outdir", str(tmp_path),
            "--no-plot", "--quiet")
    assert f"{path}{expected}" in str(info.value)


def test_csv_trains(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["f1,f2,kind"]
    for _ in range(60):
        cls = int(rng.integers(0, 2))
        f1, f2 = rng.normal(3 * cls, 1.0), rng.normal(-2 * cls, 1.0)
        rows.append(f"{f1:.4f},{f2:.4f},{'yes' if cls else 'no'}")
    path = write(tmp_path, "\n".join(rows) + "\n")
    assert run("train", "--data", str(path), "--label-column", "kind", "--loss", "ce",
               "--output", "softmax-z", "--epochs", "20", "--batch", "8", "--outdir",
               str(tmp_path), "--no-plot", "--quiet") == 0
    metrics = json.loads((tmp_path / "train-metrics.json").read_text())
    assert metrics["runs"][0]["final"]["test_accuracy"] >= 0.8


def test_gradcheck_passes_and_fails_by_tolerance(capsys):
    assert run("gradcheck", "--layers", "5,4,3", "--loss", "mse") == 0
    out = capsys.readouterr().out
    assert "W1" in out and "b2" in out and "all below" in out
    assert run("gradcheck", "--layers", "3,3,2", "--tol", "1e-14") == 1


def test_bench_writes_a_report(tmp_path):
    out = tmp_path / "bench.md"
    assert run("bench", "--epochs", "2", "--batches", "64", "--out", str(out)) == 0
    text = out.read_text()
    assert "| 64 | generated |" in text and "| 64 | numpy |" in text
    assert "Time to derive" in text
    if "| 64 | generated (jax) |" in text:  # compiling is reported apart from the medians
        assert "- JAX compilation (its warm-up epoch less a timed one" in text
