"""Minibatch gradient descent with the generated code, exactly as the document writes it.

The step is the document's own update row (`derive.updates`), e.g. the chapter's

    w <- w - alpha * (1/m) * sum_x dL/dw,    b <- b - alpha * (1/m) * sum_x dL/db

run as p <- p - c * (sum over the minibatch of dL/dp), c = `CompiledNetwork.step_size(lr, m)`
(the document's factor; lr / m for plain gradient descent when the document writes none).

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
    "EpochRunner",
    "Progress",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "TrainingFailed",
    "TrainingStalled",
    "batch_orders",
    "chance_accuracy",
    "initial_parameters",
    "softmax_a_floor",
    "train",
]

# Rates measured to work on digits with 64-32-10, batch 32 (see the performance notes).
DEFAULT_LEARNING_RATES = {"mse": 3.0, "softmax-a": 3.0, "softmax-z": 1.0}


class TrainingFailed(RuntimeError):
    """A run that produced no usable network: it diverged or it stopped learning."""

    def __init__(self, message: str, epoch: int) -> None:
        super().__init__(message)
        self.epoch = epoch


class TrainingDiverged(TrainingFailed):
    """The loss became NaN or infinite, an update overflowed, or the loss grew tenfold."""

    def __init__(self, epoch: int, what: str, lr: float) -> None:
        super().__init__(
            f"training diverged in epoch {epoch}: {what}; try a smaller learning rate than "
            f"--lr {lr:g}", epoch)


class TrainingStalled(TrainingFailed):
    """The run ended no better than chance, or with a loss no lower than where it started.

    The usual cause is a rate so large that the first steps saturate the sigmoids: g'(z) is then
    0 in float64, the updates vanish, and the outputs stay at 0 or 1 (MSE at --lr 1e12 sits at
    loss 0.5 and accuracy 0.1 on digits without a NaN anywhere).
    """

    def __init__(self, epoch: int, what: str, lr: float, saturated: bool = False) -> None:
        advice = (f"try a smaller learning rate than --lr {lr:g}" if saturated else
                  f"try another learning rate than --lr {lr:g} (too large saturates the units, "
                  "too small barely moves them) or more epochs")
        super().__init__(f"training stopped learning in epoch {epoch}: {what}; {advice}", epoch)


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
        if (self.epochs < 1 or self.batch < 1 or not 0 < self.lr < math.inf
                or len(self.layers) < 2):
            raise ValueError("epochs, batch and lr must be positive (lr finite) and there must "
                             "be 2+ layers")
        if self.seed < 0:
            raise ValueError(f"the seed must be a non-negative integer, not {self.seed}")


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


def chance_accuracy(labels: np.ndarray) -> float:
    """The accuracy of answering the commonest class for every sample: what no learning gets."""
    return float(np.bincount(labels).max() / len(labels))


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
    """One pass over the data in the given order: one generated call per minibatch.

    The generated `update` writes each step into arrays holding the parameters as it takes
    them (`CompiledNetwork.hold`: the first weight transposed or fused with its bias), made
    here once per epoch, so the caller's `params` are never changed (the trainer compares
    the weights before and after an epoch). `EpochRunner` does the same and also prepares
    the inputs only once for all epochs.
    """
    return _epoch(net, net.hold_inputs(x), y, order, batch, lr, params)


class EpochRunner:
    """`run_epoch` of one network, as `runner(x, y, order, batch, lr, params)`, with the
    inputs prepared for `update` (a column of ones appended) once for every epoch over the
    same array instead of once per epoch (a fresh (m, k + 1) array costs as much as an
    epoch's steps at batch 256)."""

    def __init__(self, net: CompiledNetwork) -> None:
        self.net = net
        self._x: np.ndarray | None = None
        self._held: np.ndarray | None = None

    def __call__(self, x: np.ndarray, y: np.ndarray, order: np.ndarray, batch: int,
                 lr: float, params: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        if self._x is not x or self._held is None:
            self._x, self._held = x, self.net.hold_inputs(x)
        return _epoch(self.net, self._held, y, order, batch, lr, params)


def _epoch(net: CompiledNetwork, held_x: np.ndarray, y: np.ndarray, order: np.ndarray,
           batch: int, lr: float, params: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    # One gather per epoch (the batches are then views); `take` gathers rows 1.2-3x faster
    # than indexing with the order array.
    xs, ys = np.take(held_x, order, axis=0), np.take(y, order, axis=0)
    update, wide = net.updater(batch)
    held = net.hold(params, wide)
    # The update evaluates g as the document writes it: the logistic's exp(-z) may overflow
    # to inf for z < -709, and 1/(1 + inf) = 0 is its value there, so an overflow is not an
    # error inside the step. A run that truly diverges still ends in NaN (an invalid
    # operation raises) or in non-finite weights, which the trainer checks after the epoch.
    # The document's step size, once per epoch and not per step, as a float64 0-d array (the
    # same number; a ufunc converts a Python float at every call, see codegen.Constant).
    c = np.array(net.step_size(lr, batch))
    with np.errstate(over="ignore"):
        for start in range(0, len(order), batch):
            xb, yb = xs[start : start + batch], ys[start : start + batch]
            update(xb, yb, c if len(xb) == batch else np.array(net.step_size(lr, len(xb))),
                   *held)
    return net.release(held, wide)


def train(
    spec: NetworkSpec,
    data: Dataset,
    config: TrainConfig,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    progress: Progress | None = None,
    backend: str = "numpy",
) -> TrainResult:
    """Train from seeded initial weights.

    Raises `TrainingDiverged` on NaN, inf, an overflow or a tenfold loss, and `TrainingStalled`
    when the run ends no better than chance or with a loss no lower than at the start (both are
    `TrainingFailed`): a run that learned nothing is never returned as a result.

    backend "numpy" runs the generated NumPy step per minibatch; "jax" runs the same generated
    step printed for JAX, a whole epoch in one compiled function (derive.numeric.jax_backend;
    ImportError without JAX). Losses and accuracies are computed by the NumPy code either way.
    """
    layers = config.layers
    if layers[0] != data.features or layers[-1] != data.n_classes:
        raise ValueError(
            f"the layers {','.join(map(str, layers))} do not fit {data.name}: it has "
            f"{data.features} inputs and {data.n_classes} classes"
        )
    net = compile_network(spec, config.model, layers)
    if backend == "jax":
        from derive.numeric.jax_backend import compile_jax

        epoch_runner = compile_jax(spec, config.model, tuple(layers)).run_epoch
    elif backend == "numpy":
        epoch_runner = EpochRunner(net)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    # Stable forms never overflow or divide by zero in a healthy run, so any such event means
    # divergence; under-flow (exp of a very negative number) is harmless. Raising also keeps
    # NumPy's RuntimeWarnings from reaching the user.
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        history, seconds = _descend(net, epoch_runner, data, config, on_epoch, progress)
    return TrainResult(config, data.name, tuple(history), net.seconds, seconds)


def _descend(net: CompiledNetwork, epoch_runner: Callable[..., tuple[np.ndarray, ...]],
             data: Dataset, config: TrainConfig,
             on_epoch: Callable[[EpochRecord], None] | None,
             progress: Progress | None) -> tuple[list[EpochRecord], float]:
    lr = config.lr
    params = initial_parameters(config.layers, config.seed)
    orders = batch_orders(len(data.x_train), config.epochs, config.seed)
    history: list[EpochRecord] = []
    chance = chance_accuracy(data.train_labels)
    at_chance = chance + 0.5 / len(data.x_train)  # accuracies are multiples of 1/m
    # Divergence without NaN: the stable forms turn an oversized rate into a loss that grows
    # without bound (softmax-z) rather than into NaN, so growth past 10x the start also stops.
    try:
        initial_loss, _ = _evaluate(net, data.x_train, data.y_train, params)
    except FloatingPointError as exc:
        raise TrainingDiverged(0, f"floating-point {exc} at the initial weights", lr) from None
    start = time.perf_counter()
    for epoch, order in enumerate(orders, start=1):
        try:
            updated = epoch_runner(data.x_train, data.y_train, order, config.batch, lr, params)
            train_loss, train_acc = _evaluate(net, data.x_train, data.y_train, updated)
            test_loss, test_acc = _evaluate(net, data.x_test, data.y_test, updated)
        except FloatingPointError as exc:
            raise TrainingDiverged(epoch, f"floating-point {exc}", lr) from None
        if not (math.isfinite(train_loss) and all(np.isfinite(p).all() for p in updated)):
            raise TrainingDiverged(epoch, f"the loss is {train_loss}", lr)
        if train_loss > 10.0 * initial_loss:
            raise TrainingDiverged(
                epoch, f"the loss grew from {initial_loss:.4g} to {train_loss:.4g}", lr)
        frozen = all(np.array_equal(new, old) for new, old in zip(updated, params))
        params = updated
        if frozen and train_acc <= at_chance:
            # No later epoch can change anything: the same weights give the same zero update.
            raise TrainingStalled(
                epoch, f"the updates left every weight and bias unchanged (the units are "
                f"saturated: g'(z) is 0 in float64) at training accuracy {train_acc:.4f}, "
                f"which is chance ({chance:.4f}: the commonest class for every sample)", lr,
                saturated=True)
        record = EpochRecord(epoch, train_loss, train_acc, test_loss, test_acc)
        history.append(record)
        if progress is not None:
            progress.update(epoch, f"loss {train_loss:.4f} acc {train_acc:.3f}")
        if on_epoch is not None:
            on_epoch(record)
    final = history[-1]
    if final.train_accuracy <= at_chance:
        raise TrainingStalled(
            final.epoch, f"the training accuracy {final.train_accuracy:.4f} is no better than "
            f"chance ({chance:.4f}: the commonest class for every sample; the loss went from "
            f"{initial_loss:.4g} to {final.train_loss:.4g})", lr)
    if not final.train_loss < initial_loss:
        raise TrainingStalled(
            final.epoch, f"the training loss {final.train_loss:.4g} is no lower than at the "
            f"start ({initial_loss:.4g})", lr)
    return history, time.perf_counter() - start
