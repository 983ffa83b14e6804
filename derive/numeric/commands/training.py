"""`derive train`: train each chosen model, print its epochs, write the metrics and the plot."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import IO

from derive.numeric.commands.checks import (
    read_spec,
    require_bounded,
    require_writable_file,
    trainable_models,
    write_atomically,
)
from derive.numeric.commands.options import (
    UsageError,
    chosen_models,
    output_folder,
    require_positive,
)

METRICS, PLOT = "train-metrics.json", "train-loss.png"


def run_train(args: argparse.Namespace) -> int:
    from derive.numeric.data import DataError, load_dataset
    from derive.numeric.trainer import (
        DEFAULT_LEARNING_RATES,
        Progress,
        TrainConfig,
        TrainingFailed,
        train,
    )

    models = chosen_models(args, output_is_folder=True)
    args.outdir, args.outdir_option = output_folder(args, Path("reports"))
    for name in ("epochs", "batch"):
        require_positive(f"--{name}", getattr(args, name))
    if args.lr is not None:
        require_positive("--lr", args.lr)
    # Everything that can fail on the user's input fails here, before minutes of training.
    require_writable_file(args.outdir / METRICS, args.outdir_option, args.outdir)
    if not args.no_plot:
        require_writable_file(args.outdir / PLOT, args.outdir_option, args.outdir)
        _pyplot()
    try:
        data = load_dataset(args.data, args.label_column, args.test_fraction, args.seed)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    layers = args.layers or (data.features, 32, data.n_classes)
    if layers[0] != data.features or layers[-1] != data.n_classes:
        raise UsageError(
            f"--layers {','.join(map(str, layers))} does not fit {data.name}: the first width "
            f"must be {data.features} (inputs) and the last {data.n_classes} (classes)")
    require_bounded(layers, min(args.batch, len(data.x_train) + len(data.x_test)))
    if args.backend == "jax":
        try:
            import derive.numeric.jax_backend  # noqa: F401
        except ImportError:
            raise UsageError("--backend jax needs JAX: pip install jax jaxlib") from None
    spec = read_spec(args)
    if spec.update.stochastic and args.batch != 1:
        line = spec.update.written[0][0]
        raise UsageError(f"the document's update (line {line}) steps on one sample's gradient, "
                         f"not a minibatch's: train it with --batch 1 (not {args.batch})")
    models = trainable_models(spec, models, layers, named=bool(args.model or args.loss))
    quiet = args.quiet
    print(f"{data.name}: {len(data.x_train)} training and {len(data.x_test)} test samples, "
          f"{data.features} inputs, {data.n_classes} classes; layers "
          f"{','.join(map(str, layers))}, {args.epochs} epochs, batch {args.batch}, seed {args.seed}")
    print(spec.update.describe())
    results, failed = [], []
    for model in models:
        lr = args.lr if args.lr is not None else DEFAULT_LEARNING_RATES[model]
        config = TrainConfig(model, tuple(layers), args.epochs, args.batch, lr, args.seed)
        progress = Progress(f"{model:9s}", args.epochs, enabled=None if not quiet else False)

        def on_epoch(record, model=model, progress=progress):  # type: ignore[no-untyped-def]
            if quiet:
                return
            progress.clear()
            print(f"{model:9s} epoch {record.epoch:3d}  loss {record.train_loss:.4f}  "
                  f"acc {record.train_accuracy:.4f}  test loss {record.test_loss:.4f}  "
                  f"test acc {record.test_accuracy:.4f}", flush=True)

        try:
            result = train(spec, data, config, on_epoch=on_epoch, progress=progress,
                           backend=args.backend)
        except TrainingFailed as exc:  # this model failed; the others still train
            progress.clear()
            print(f"derive: {model}: {exc}", file=sys.stderr)
            failed.append({"model": model, "epoch": exc.epoch, "error": str(exc)})
            continue
        finally:
            progress.clear()
        results.append(result)
        f = result.final
        print(f"{model:9s} final: train loss {f.train_loss:.4f}, train accuracy "
              f"{f.train_accuracy:.4f}; test loss {f.test_loss:.4f}, test accuracy "
              f"{f.test_accuracy:.4f}  (lr {lr:g}; code generated in "
              f"{result.codegen_seconds:.2f} s, trained in {result.train_seconds:.2f} s)")
    _write_outputs(args, data, results, failed)
    return 1 if failed else 0


def _write_outputs(args: argparse.Namespace, data, results, failed) -> None:  # type: ignore[no-untyped-def]
    from derive.numeric.trainer import softmax_a_floor

    metrics = {
        "dataset": data.name,
        "train_samples": len(data.x_train),
        "test_samples": len(data.x_test),
        "softmax_a_floor": softmax_a_floor(data.n_classes),
        "runs": [r.to_json() for r in results],
    }
    if failed:  # only when a model failed, so a healthy run's file is unchanged
        metrics["failed"] = failed
    path = args.outdir / METRICS
    try:
        write_atomically(path, json.dumps(metrics, indent=2) + "\n")
        print(f"metrics written to {path}")
        if args.no_plot or not results:
            return
        png = args.outdir / PLOT
        buffer = io.BytesIO()
        plot_losses(results, data.n_classes, buffer)
        write_atomically(png, buffer.getvalue())
    except OSError as exc:
        raise UsageError(f"cannot write into {args.outdir_option} {args.outdir}: "
                         f"{exc.strerror or exc}") from None
    print(f"loss curves written to {png}")


def _pyplot():  # type: ignore[no-untyped-def]
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed; must precede pyplot
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("the plot needs matplotlib: pip install matplotlib, or the train extra "
                         "pip install 'derive-backprop[train]' (or pass --no-plot)") from None
    return plt


def plot_losses(results, n_classes: int, path: Path | IO[bytes]) -> None:  # type: ignore[no-untyped-def]
    plt = _pyplot()
    from derive.numeric.codegen import MODELS
    from derive.numeric.trainer import softmax_a_floor

    # Fixed metadata so the same run gives the same bytes.
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=100)
    for result in results:
        epochs = [r.epoch for r in result.history]
        losses = [r.train_loss for r in result.history]
        ax.plot(epochs, losses, marker="o", markersize=3,
                label=f"{result.config.model}: {MODELS[result.config.model].description}")
    if any(r.config.model == "softmax-a" for r in results):
        floor = softmax_a_floor(n_classes)
        ax.axhline(floor, linestyle="--", color="grey",
                   label=f"floor of softmax over a: ln(1 + {n_classes - 1}/e) = {floor:.3f}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (mean per sample)")
    ax.set_title("Training loss with generated gradients")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
