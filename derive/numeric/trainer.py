"""Minibatch gradient descent with the generated code, exactly as the document writes it.

    w <- w - (alpha / m) * sum_x delta_x a_x^T,    b <- b - (alpha / m) * sum_x delta_x

Everything numeric that touches the network (forward pass, output error, the backward recursion,
the update) is one generated function, `CompiledNetwork.step`; this module only shuffles batches,
calls it, and keeps score. It imports nothing from `bench` (where the hand-written baseline lives).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO

import numpy as np

from derive.numeric.codegen import MODELS, CompiledNetwork, compile_network
from derive.numeric.data import Dataset
from derive.spec import NetworkSpec

__all__ = [
    "DEFAULT_LEARNING_RATES",
    "EpochRecord",
    "Progress",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "batch_orders",
    "initial_parameters",
    "softmax_a_floor",
    "train",
]

# Rates measured to work on digits with 64-32-10, batch 32 (see the performance notes).
DEFAULT_LEARNING_RATES = {"mse": 3.0, "softmax-a": 3.0, "softmax-z": 1.0}


class TrainingDiverged(RuntimeError):
    def __init__(self, epoch: int, what: str, lr: float) -> None:
        super().__init__(
            f"training diverged in epoch {epoch}: {what}; try a smaller learning rate than "
            f"--lr {lr:g}"
        )
        self.epoch = epoch


@dataclass(frozen=True)
class TrainConfig:
    model: str  # a key of codegen.MODELS
    layers: tuple[int, ...]  # widths, input first
    epochs: int = 30
    batch: int = 32
    lr: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}")
        if self.epochs < 1 or self.batch < 1 or not self.lr > 0 or len(self.layers) < 2:
            raise ValueError("epochs, batch and lr must be positive and there must be 2+ layers")


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float  # mean loss per sample over the whole training set after the epoch
    train_accuracy: float
    test_loss: float
    test_accuracy: float


@dataclass(frozen=True)
class TrainResult:
    config: TrainConfig
    dataset: str
    history: tuple[EpochRecord, ...]
    codegen_seconds: float = field(compare=False)
    train_seconds: float = field(compare=False)

    @property
    def final(self) -> EpochRecord:
        return self.history[-1]

    def to_json(self) -> dict[str, object]:
        """Deterministic figures only (no timings), so the same seed gives the same file."""
        return {
            "model": self.config.model,
            "description": MODELS[self.config.model].description,
            "dataset": self.dataset,
            "config": asdict(self.config),
            "final": asdict(self.final),
            "history": [asdict(r) for r in self.history],
        }


def softmax_a_floor(n_classes: int) -> float:
    """Lowest cross-entropy of softmax over a in (0, 1): ln(1 + (N - 1)/e), 1.461 for 10 classes.

    The best it can do is a = 1 on the true unit and 0 elsewhere: probability e/(e + N - 1).
    """
    return math.log(1.0 + (n_classes - 1) / math.e)


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    # Independent streams for the weights and the batch order, so changing the number of epochs
    # does not change the initial weights.
    init, order = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init), np.random.default_rng(order)


def initial_parameters(layers: Sequence[int], seed: int) -> tuple[np.ndarray, ...]:
    """(W1, b1, W2, b2, ...): W ~ normal(0, 1/sqrt(fan_in)), shape (out, in); b = 0."""
    rng, _ = _streams(seed)
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        params.append(rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=(fan_out, fan_in)))
        params.append(np.zeros(fan_out))
    return tuple(params)


def batch_orders(m: int, epochs: int, seed: int) -> list[np.ndarray]:
    """The sample permutation of every epoch (shared with the benchmark)."""
    _, rng = _streams(seed)
    return [rng.permutation(m) for _ in range(epochs)]


class Progress:
    """A one-line progress bar on a terminal's stderr; silent otherwise."""

    def __init__(self, label: str, total: int, stream: IO[str] | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.label, self.total, self.shown = label, total, False

    def update(self, done: int, note: str = "") -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r\033[K{self.label} [{bar}] {done}/{self.total} {note}")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def _evaluate(net: CompiledNetwork, x: np.ndarray, y: np.ndarray,
              params: tuple[np.ndarray, ...]) -> tuple[float, float]:
    output, loss = net.evaluate(x, y, *params)
    accuracy = float(np.mean(output.argmax(axis=1) == y.argmax(axis=1)))
    return float(np.mean(loss)), accuracy


def run_epoch(net: CompiledNetwork, x: np.ndarray, y: np.ndarray, order: np.ndarray,
              batch: int, lr: float, params: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """One pass over the data in the given order: one generated call per minibatch."""
    xs, ys = x[order], y[order]  # one gather per epoch; the batches are then views
    step = net.step
    for start in range(0, len(order), batch):
        xb, yb = xs[start : start + batch], ys[start : start + batch]
        params = step(xb, yb, lr / len(xb), *params)
    return params


def train(
    spec: NetworkSpec,
    data: Dataset,
    config: TrainConfig,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    progress: Progress | None = None,
) -> TrainResult:
    """Train from seeded initial weights; raises TrainingDiverged on NaN/inf."""
    layers = config.layers
    if layers[0] != data.features or layers[-1] != data.n_classes:
        raise ValueError(
            f"the layers {','.join(map(str, layers))} do not fit {data.name}: it has "
            f"{data.features} inputs and {data.n_classes} classes"
        )
    net = compile_network(spec, config.model, layers)
    params = initial_parameters(layers, config.seed)
    orders = batch_orders(len(data.x_train), config.epochs, config.seed)
    history: list[EpochRecord] = []
    # Divergence without NaN: the stable forms turn an oversized rate into a loss that grows
    # without bound (softmax-z) rather than into NaN, so growth past 10x the start also stops.
    initial_loss, _ = _evaluate(net, data.x_train, data.y_train, params)
    start = time.perf_counter()
    for epoch, order in enumerate(orders, start=1):
        # Stable forms never overflow or divide by zero in a healthy run, so any such event
        # means divergence; under-flow (exp of a very negative number) is harmless.
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                params = run_epoch(net, data.x_train, data.y_train, order, config.batch,
                                   config.lr, params)
                train_loss, train_acc = _evaluate(net, data.x_train, data.y_train, params)
                test_loss, test_acc = _evaluate(net, data.x_test, data.y_test, params)
        except FloatingPointError as exc:
            raise TrainingDiverged(epoch, f"floating-point {exc}", config.lr) from None
        if not (math.isfinite(train_loss) and all(np.isfinite(p).all() for p in params)):
            raise TrainingDiverged(epoch, f"the loss is {train_loss}", config.lr)
        if train_loss > 10.0 * initial_loss:
            raise TrainingDiverged(
                epoch, f"the loss grew from {initial_loss:.4g} to {train_loss:.4g}", config.lr)
        record = EpochRecord(epoch, train_loss, train_acc, test_loss, test_acc)
        history.append(record)
        if progress is not None:
            progress.update(epoch, f"loss {train_loss:.4f} acc {train_acc:.3f}")
        if on_epoch is not None:
            on_epoch(record)
    seconds = time.perf_counter() - start
    return TrainResult(config, data.name, tuple(history), net.seconds, seconds)
