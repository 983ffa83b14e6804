"""`derive gradcheck`: the generated gradients against central finite differences."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from derive.numeric.commands.checks import (
    MAX_GRADCHECK_BATCH,
    MAX_GRADCHECK_PARAMETERS,
    compile_for,
    read_spec,
    require_bounded,
    trainable_models,
)
from derive.numeric.commands.options import UsageError, chosen_models, require_positive


def finite_difference_check(spec, model: str, layers: Sequence[int], batch: int, seed: int,
                            eps: float) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """Largest relative error per parameter tensor: generated gradient vs central differences."""

    import numpy as np

    net = compile_for(spec, model, layers)
    with np.errstate(all="ignore"):  # a huge --eps may overflow: reported as a failure
        return _finite_differences(net, layers, batch, seed, eps)


def _finite_differences(net, layers: Sequence[int], batch: int, seed: int,
                        eps: float) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    import numpy as np

    from derive.numeric.trainer import initial_parameters

    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(batch, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=batch)]
    params = [p.copy() for p in initial_parameters(layers, seed)]
    for n in range(1, len(params), 2):  # nonzero biases so their gradients are exercised too
        params[n] = rng.normal(0.0, 0.5, size=params[n].shape)

    def total_loss() -> float:
        return float(np.sum(net.evaluate(x, y, *params)[1]))

    grads = net.gradients(x, y, *params)
    report = []
    for n, (param, grad) in enumerate(zip(params, grads)):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            keep = param[idx]
            param[idx] = keep + eps
            up = total_loss()
            param[idx] = keep - eps
            down = total_loss()
            param[idx] = keep
            numeric[idx] = (up - down) / (2 * eps)
        scale = np.maximum(np.maximum(np.abs(grad), np.abs(numeric)), 1e-6)
        name = f"{'W' if n % 2 == 0 else 'b'}{n // 2 + 1}"
        error = float(np.max(np.abs(grad - numeric) / scale))
        report.append((name, error if math.isfinite(error) else math.inf))
    return report


def run_gradcheck(args: argparse.Namespace) -> int:
    from derive.numeric.codegen import MODELS

    models = chosen_models(args, output_is_folder=False)
    require_positive("--batch", args.batch)
    if args.batch > MAX_GRADCHECK_BATCH:
        raise UsageError(f"--batch {args.batch:,} is too large for gradcheck; at most "
                         f"{MAX_GRADCHECK_BATCH:,}")
    require_bounded(args.layers, args.batch, max_parameters=MAX_GRADCHECK_PARAMETERS)
    require_positive("--tol", args.tol)
    require_positive("--eps", args.eps)
    spec = read_spec(args)
    # every model's errors before any output
    models = trainable_models(spec, models, args.layers, named=bool(args.model or args.loss))
    worst = 0.0
    for model in models:
        report = finite_difference_check(spec, model, args.layers, args.batch, args.seed,
                                         args.eps)
        print(f"{model} ({MODELS[model].description}), layers "
              f"{','.join(map(str, args.layers))}, batch {args.batch}, eps {args.eps:g}:")
        for name, error in report:
            mark = "ok" if error < args.tol else "FAIL"
            print(f"  {name:4s} max relative error {error:.2e}  {mark}")
            worst = max(worst, error)
    verdict = "all below" if worst < args.tol else "not all below"
    print(f"largest relative error {worst:.2e}: {verdict} the tolerance {args.tol:g}")
    return 0 if worst < args.tol else 1
