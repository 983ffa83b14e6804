"""`derive bench`: the generated trainer timed against hand-written baselines, to Markdown."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from derive.numeric.commands.checks import (
    compile_for,
    read_spec,
    require_bounded,
    require_writable_file,
    write_atomically,
)
from derive.numeric.commands.options import UsageError, require_positive, warn_deprecated

BENCH_REPORT = "bench.md"


def _same_network_as_baselines(net, model: str, layers: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    """The benchmark's hand-written baselines are sigmoid networks (the chapter's): timing
    them against another network would compare different work, so refuse it."""
    import numpy as np

    from derive.numeric.bench import numpy_gradients

    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, size=(4, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=4)]
    params = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        params += [rng.normal(0.0, 1.0, size=(fan_out, fan_in)), rng.normal(0.0, 1.0, fan_out)]
    with np.errstate(all="ignore"):
        ours = net.gradients(x, y, *params)
        theirs = numpy_gradients(model, x, y, params)
    if not all(np.allclose(a, b, rtol=1e-8, atol=1e-10) for a, b in zip(ours, theirs)):
        raise UsageError(f"derive bench times the generated trainer against hand-written "
                         f"sigmoid networks (--model {model}); the formulas define another "
                         "network, whose gradients differ from theirs: nothing comparable")


def run_bench(args: argparse.Namespace) -> int:
    from derive.numeric.bench import run_benchmark

    try:
        batches = tuple(int(b) for b in args.batches.split(","))
    except ValueError:
        raise UsageError(f"--batches expects sizes like 32,256, not {args.batches!r}") from None
    require_positive("--epochs", args.epochs)
    for b in batches:
        require_positive("--batches", b)
    try:
        from derive.numeric.data import DataError, load_dataset

        data = load_dataset("digits", seed=args.seed)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    if args.layers[0] != data.features or args.layers[-1] != data.n_classes:
        raise UsageError(f"--layers must start with {data.features} and end with "
                         f"{data.n_classes} for digits")
    for b in batches:
        require_bounded(args.layers, min(b, len(data.x_train)))
    if args.out is not None:  # the old spelling named the report file itself
        if args.output is not None:
            raise UsageError("--out is the old spelling of -o/--output DIR: give only -o/--output")
        warn_deprecated("--out FILE", "-o/--output DIR")
        target, option, given = args.out, "--out", args.out
    else:
        folder = args.output if args.output is not None else Path("reports")
        target, option, given = folder / BENCH_REPORT, "-o/--output", folder
    require_writable_file(target, option, given)
    spec = read_spec(args)
    net = compile_for(spec, args.model, args.layers)
    _same_network_as_baselines(net, args.model, args.layers)
    report = run_benchmark(spec, data, args.layers, args.model, batches, args.epochs,
                           args.seed, progress=sys.stderr.isatty())
    try:
        write_atomically(target, report)
    except OSError as exc:
        raise UsageError(f"cannot write {option} {given}: {exc.strerror or exc}") from None
    print(report)
    print(f"written to {target}")
    return 0
