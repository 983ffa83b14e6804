"""`derive bench`: the generated trainer against independent baselines, timed side by side.

The NumPy backpropagation below is written by hand, independently of the derivation, and is the
only hand-written backprop in the package; the trainer never imports this module. All three
implementations (generated, NumPy, PyTorch eager autograd if installed) start from the same
weights, see the same batches in the same order, run in one process with BLAS and torch limited
to one thread, and are interleaved epoch by epoch (in an order drawn for each epoch) so drift in machine speed
hits them alike. Ratios, not absolute times, are what to quote.
"""

from __future__ import annotations

import contextlib
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derive.numeric import codegen
from derive.numeric.data import Dataset
from derive.numeric.trainer import EpochRunner, batch_orders, initial_parameters
from derive.spec import NetworkSpec

__all__ = ["BenchResult", "numpy_epoch", "numpy_gradients", "run_benchmark", "torch_gradients"]

Params = list[np.ndarray]
GENERATED_TARGET, JAX_TARGET = 0.8, 0.6  # ratios to the hand-written NumPy (issue 13)
JAX = "generated (jax)"


# ------------------------------------------------------------------------------------------
# Hand-written NumPy baseline (textbook backpropagation, in-place updates).


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def numpy_gradients(model: str, x: np.ndarray, y: np.ndarray, params: Sequence[np.ndarray]
                    ) -> list[np.ndarray]:
    """Sums over the batch of dL/dparameter, by hand (for the benchmark and as a cross-check)."""
    weights, biases = params[0::2], params[1::2]
    acts = [x]
    depth = len(weights)
    z = x
    for layer, (w, b) in enumerate(zip(weights, biases), start=1):
        z = acts[-1] @ w.T + b
        acts.append(z if (layer == depth and model == "softmax-z") else _sigmoid(z))
    out = acts[-1]
    if model == "mse":
        delta = (out - y) * out * (1.0 - out)
    else:
        e = np.exp(out - out.max(axis=1, keepdims=True))
        soft = e / e.sum(axis=1, keepdims=True)
        delta = soft - y
        if model == "softmax-a":
            delta = delta * out * (1.0 - out)
    grads: list[np.ndarray] = [None, None] * depth  # type: ignore[list-item]
    for layer in range(depth, 0, -1):
        grads[2 * layer - 2] = delta.T @ acts[layer - 1]
        grads[2 * layer - 1] = delta.sum(axis=0)
        if layer > 1:
            a = acts[layer - 1]
            delta = (delta @ weights[layer - 1]) * a * (1.0 - a)
    return grads


def numpy_epoch(model: str, x: np.ndarray, y: np.ndarray, order: np.ndarray, batch: int,
                lr: float, params: Params) -> Params:
    xs, ys = x[order], y[order]
    for start in range(0, len(order), batch):
        xb, yb = xs[start : start + batch], ys[start : start + batch]
        grads = numpy_gradients(model, xb, yb, params)
        c = lr / len(xb)
        for p, g in zip(params, grads):
            p -= c * g
    return params


# ------------------------------------------------------------------------------------------
# PyTorch eager autograd (optional).


def _torch():  # type: ignore[no-untyped-def]
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_loss(torch, model: str, x, y, params):  # type: ignore[no-untyped-def]
    a = x
    depth = len(params) // 2
    for layer in range(1, depth + 1):
        z = a @ params[2 * layer - 2].T + params[2 * layer - 1]
        a = z if (layer == depth and model == "softmax-z") else torch.sigmoid(z)
    if model == "mse":
        return 0.5 * ((y - a) ** 2).sum()
    return -(y * torch.log_softmax(a, dim=1)).sum()


def torch_gradients(model: str, x: np.ndarray, y: np.ndarray, params: Sequence[np.ndarray]
                    ) -> list[np.ndarray] | None:
    """Autograd reference in float64 (None when torch is not installed)."""
    torch = _torch()
    if torch is None:
        return None
    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    loss = _torch_loss(torch, model, torch.from_numpy(x), torch.from_numpy(y), tp)
    loss.backward()
    return [p.grad.numpy() for p in tp]


def _torch_epoch(torch, model: str, x, y, order, batch: int, lr: float, params):  # type: ignore[no-untyped-def]
    xs, ys = x[order], y[order]
    for start in range(0, len(order), batch):
        xb, yb = xs[start : start + batch], ys[start : start + batch]
        loss = _torch_loss(torch, model, xb, yb, params)
        loss.backward()
        c = lr / len(xb)
        with torch.no_grad():
            for p in params:
                p -= c * p.grad
                p.grad = None
    return params


# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchResult:
    batch: int
    medians_ms: dict[str, float]  # implementation -> median ms per epoch
    max_param_difference: dict[str, float]  # vs the generated trainer, after all epochs
    # the untimed warm-up epoch of each implementation, ms (JAX compiles its epoch in it)
    first_ms: dict[str, float] = field(default_factory=dict)


def _one_thread(stack: ExitStack) -> str:
    notes = []
    try:
        from threadpoolctl import threadpool_limits

        stack.enter_context(threadpool_limits(1))
        notes.append("BLAS limited to 1 thread (threadpoolctl)")
    except ImportError:
        notes.append("threadpoolctl missing: BLAS threads not limited")
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(1)
        notes.append("torch.set_num_threads(1)")
    return "; ".join(notes)


def _codegen_seconds(spec: NetworkSpec, model: str, layers: Sequence[int]) -> float:
    # Cold for our caches (SymPy's own cache may be warm if something derived before).
    codegen.clear_caches()
    start = time.perf_counter()
    codegen.compile_network(spec, model, layers)
    return time.perf_counter() - start


def _jax_network(spec: NetworkSpec, model: str, layers: Sequence[int]):  # type: ignore[no-untyped-def]
    """The `--backend jax` epoch, or None when JAX is not installed."""
    try:
        from derive.numeric.jax_backend import compile_jax
    except ImportError:
        return None
    return compile_jax(spec, model, tuple(layers))


def matmul_gflops(size: int = 384, repeats: int = 9) -> float:
    """One core's float64 matmul speed here (median of `repeats` products of size^3)."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(size, size)), rng.normal(size=(size, size))
    out = np.empty((size, size))
    np.matmul(a, b, out=out)  # warm up
    times = []
    for _ in range(repeats):
        start = time.process_time()
        np.matmul(a, b, out=out)
        times.append(time.process_time() - start)
    return 2 * size**3 / max(statistics.median(times), 1e-9) / 1e9


def epoch_flops(layers: Sequence[int], samples: int) -> int:
    """Matmul FLOPs of one epoch of backpropagation: per layer the forward product and the
    weight gradient, and the delta recursion for every layer above the first (2 m k n each)."""
    total = 0
    for layer, (k, n) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        total += (4 if layer == 1 else 6) * samples * k * n
    return total


def _bench_batch(spec: NetworkSpec, data: Dataset, layers: Sequence[int], model: str,
                 batch: int, epochs: int, seed: int, lr: float) -> BenchResult:
    net = codegen.compile_network(spec, model, layers)
    x, y = data.x_train, data.y_train
    orders = batch_orders(len(x), epochs + 1, seed)  # epoch 0 warms up, untimed
    init = initial_parameters(layers, seed)
    state: dict[str, Any] = {"generated": tuple(p.copy() for p in init),
                                "numpy": [p.copy() for p in init]}
    runners: dict[str, Callable[[np.ndarray], None]] = {}

    runner = EpochRunner(net)

    def generated(order: np.ndarray) -> None:
        state["generated"] = runner(x, y, order, batch, lr, state["generated"])

    def hand(order: np.ndarray) -> None:
        state["numpy"] = numpy_epoch(model, x, y, order, batch, lr, state["numpy"])

    runners["generated"] = generated
    runners["numpy"] = hand
    jax_net = _jax_network(spec, model, layers)
    if jax_net is not None:
        state["generated (jax)"] = tuple(p.copy() for p in init)

        def compiled(order: np.ndarray) -> None:
            state["generated (jax)"] = jax_net.run_epoch(x, y, order, batch, lr,
                                                         state["generated (jax)"])

        runners["generated (jax)"] = compiled
    torch = _torch()
    if torch is not None:
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        state["torch"] = [torch.tensor(p, requires_grad=True) for p in init]

        def eager(order: np.ndarray) -> None:
            state["torch"] = _torch_epoch(torch, model, tx, ty, torch.from_numpy(order), batch,
                                          lr, state["torch"])

        runners["torch eager"] = eager
    times: dict[str, list[float]] = {name: [] for name in runners}
    first: dict[str, float] = {}
    names = list(runners)
    with np.errstate(over="ignore", under="ignore"):  # the plain baseline's exp(-z)
        # each epoch's order of the implementations drawn afresh (seeded): an epoch run just
        # after torch's is 0.3-0.4 ms slower, and a rotation of one list puts the same
        # implementation after torch in most epochs
        shuffle = np.random.default_rng(seed).permutation
        for epoch, order in enumerate(orders):
            for k in shuffle(len(names)):
                name = names[int(k)]
                start = time.process_time()
                runners[name](order)
                took = time.process_time() - start
                if epoch:
                    times[name].append(took)
                else:
                    first[name] = 1e3 * took
    final = {"numpy": state["numpy"]}
    if jax_net is not None:
        final["generated (jax)"] = list(state["generated (jax)"])
    if torch is not None:
        final["torch eager"] = [p.detach().numpy() for p in state["torch"]]
    differences = {
        name: max(float(np.max(np.abs(a - b))) for a, b in zip(state["generated"], params))
        for name, params in final.items()
    }
    medians = {name: 1e3 * statistics.median(ts) for name, ts in times.items()}
    return BenchResult(batch, medians, differences, first)


def run_benchmark(spec: NetworkSpec, data: Dataset, layers: Sequence[int], model: str,
                  batches: Sequence[int], epochs: int, seed: int, progress: bool = False) -> str:
    """Run the comparison and return the Markdown report."""
    from derive.numeric.trainer import DEFAULT_LEARNING_RATES

    lr = DEFAULT_LEARNING_RATES[model]
    with ExitStack() as stack:
        threads = _one_thread(stack)
        gflops = matmul_gflops()
        codegen_s = _codegen_seconds(spec, model, layers)
        results = []
        for batch in batches:
            if progress:
                print(f"bench: batch {batch} ...", file=sys.stderr, flush=True)
            results.append(_bench_batch(spec, data, layers, model, batch, epochs, seed, lr))
    import numpy
    import sympy

    torch = _torch()
    jax_version = "not installed"
    with contextlib.suppress(ImportError):
        import jax

        jax_version = jax.__version__
    floor_ms = 1e3 * epoch_flops(layers, len(data.x_train)) / (gflops * 1e9)
    lines = [
        "# derive bench",
        "",
        f"Model `{model}` ({codegen.MODELS[model].description}), layers "
        f"{'-'.join(map(str, layers))}, {data.name} ({len(data.x_train)} training samples), "
        f"float64, learning rate {lr:g}, {epochs} timed epochs after one warm-up epoch, seed {seed}.",
        "Same initial weights and batch order for every implementation; epochs interleaved in "
        "an order drawn at random for each epoch (seeded), in one process.",
        "",
        f"Python {platform.python_version()}, NumPy {numpy.__version__}, SymPy "
        f"{sympy.__version__}, torch {torch.__version__ if torch else 'not installed'}, jax "
        f"{jax_version}; {threads}; {platform.machine()}. Times are the process's CPU time "
        "per epoch (every thread counted; on a shared machine wall-clock time also counts the "
        "other processes' turns).",
        "",
        f"Floor: {epoch_flops(layers, len(data.x_train)) / 1e6:.1f} MFLOP of matrix products "
        f"per epoch at this core's measured {gflops:.1f} GFLOP/s (float64 {384}^3 matmul) = "
        f"**{floor_ms:.3f} ms** per epoch.",
        "",
        f"Time to derive (sympy.diff at the index level), translate and lambdify the code for "
        f"{'-'.join(map(str, layers))}: **{codegen_s:.3f} s** (target < 1 s).",
        "",
        "| batch | implementation | median ms / epoch | ratio to NumPy | times the floor |"
        " generated is faster by | max abs weight difference to generated |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = r.medians_ms["numpy"]
        for name, ms in r.medians_ms.items():
            speed = ms / r.medians_ms["generated"]
            diff = r.max_param_difference.get(name)
            lines.append(
                f"| {r.batch} | {name} | {ms:.3f} | {ms / base:.2f}x | {ms / floor_ms:.1f}x | "
                f"{'' if name == 'generated' else f'{speed:.2f}x'} | "
                f"{'' if diff is None else f'{diff:.1e}'} |"
            )
    lines += ["", f"Targets: generated at most {GENERATED_TARGET}x NumPy; generated (jax) at most "
              f"{JAX_TARGET}x NumPy; at least 3x faster than torch eager at batch 32; code "
              "generation under 1 s.", ""]
    for r in results:
        ratio = r.medians_ms["generated"] / r.medians_ms["numpy"]
        verdict = [f"batch {r.batch}: generated/NumPy {ratio:.2f}x "
                   f"({'met' if ratio <= GENERATED_TARGET else 'NOT met'})"]
        if "generated (jax)" in r.medians_ms:
            jratio = r.medians_ms["generated (jax)"] / r.medians_ms["numpy"]
            verdict.append(f"generated (jax)/NumPy {jratio:.2f}x "
                           f"({'met' if jratio <= JAX_TARGET else 'NOT met'})")
        if "torch eager" in r.medians_ms:
            speed = r.medians_ms["torch eager"] / r.medians_ms["generated"]
            target = " (target 3x: " + ("met)" if speed >= 3 else "NOT met)") if r.batch == 32 else ""
            verdict.append(f"torch eager/generated {speed:.2f}x{target}")
        lines.append("- " + "; ".join(verdict))
    lines.append(f"- code generation {codegen_s:.3f} s ({'met' if codegen_s < 1 else 'NOT met'})")
    compiles = [f"{r.first_ms[JAX] - r.medians_ms[JAX]:.0f} ms at batch {r.batch}"
                for r in results if JAX in r.first_ms]
    if compiles:
        lines.append("- JAX compilation (its warm-up epoch less a timed one; excluded from the "
                     "medians): " + ", ".join(compiles))
    return "\n".join(lines) + "\n"
