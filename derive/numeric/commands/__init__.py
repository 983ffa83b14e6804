"""`derive train`, `derive gradcheck`, `derive bench`: argparse wiring and printing.

`register(subparsers)` adds the three subcommands; each handler takes the parsed arguments and
returns an exit code (0 fine, 1 a run diverged or stopped learning / gradients disagree) or
raises `UsageError` for bad input, which the main command line turns into `derive: error: ...`
and exit 2. Input is checked before the work (output paths, seeds, rates, data, formulas), so a
bad argument never costs a training run.
matplotlib, scikit-learn and torch are imported lazily, only by the commands that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from derive.errors import UsageError as _CliUsageError

# Building the command line (`derive --version`, `--help`) must not import SymPy or NumPy (a
# second each): they are imported inside the handlers. The model names are repeated here for
# the same reason; a test keeps them equal to codegen.MODELS.
MODEL_NAMES = ("mse", "softmax-a", "softmax-z")

__all__ = ["HELP", "UsageError", "register", "run_bench", "run_gradcheck", "run_train",
           "setup_bench", "setup_gradcheck", "setup_train"]


class UsageError(_CliUsageError):
    """Bad input from the user (arguments, data file): exit 2, no traceback.

    A subclass of the command line's own UsageError, so `derive.cli` already maps it to
    `derive: error: ...` and exit 2.
    """


def _layers(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 64,32,10, not {text!r}") from None
    if len(widths) < 2 or any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError("need at least two positive widths, like 64,32,10")
    return widths


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, not {text!r}") from None
    if seed < 0:  # NumPy's SeedSequence takes only non-negative integers
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, not {seed}")
    return seed


def _model_name(loss: str | None, output: str | None) -> list[str]:
    """The models a --loss/--output pair selects (no --loss: all three). Deprecated spelling."""
    if loss is None:
        if output is not None:
            raise UsageError("--output needs --loss ce")
        return list(MODEL_NAMES)
    if loss == "mse":
        if output not in (None, "sigmoid"):
            raise UsageError("--loss mse uses sigmoid outputs; --output softmax-* needs --loss ce")
        return ["mse"]
    if output in (None, "softmax-a"):
        return ["softmax-a"]
    if output == "softmax-z":
        return ["softmax-z"]
    raise UsageError("--loss ce needs --output softmax-a or softmax-z")


_OLD_OUTPUT_VALUES = ("sigmoid", "softmax-a", "softmax-z")


def _deprecated(old: str, new: str) -> None:
    print(f"derive: warning: {old} is deprecated and will be removed in the next release; "
          f"use {new}", file=sys.stderr)


def _models(args: argparse.Namespace, *, output_is_folder: bool) -> list[str]:
    """--model NAME (one model; none given: every model), or the deprecated --loss/--output.

    Where `-o/--output` names the output folder (train), an old `--output softmax-z` is still
    read as the model when --loss is given: one release of grace for old command lines.
    """
    output = getattr(args, "output", None)
    old_output = None
    if output is not None and (not output_is_folder or (args.loss is not None
                                                       and output in _OLD_OUTPUT_VALUES)):
        old_output = output
        if output_is_folder:
            args.output = None  # it was the model, not the folder
    if args.loss is None and old_output is None:
        return [args.model] if args.model else list(MODEL_NAMES)
    if args.model:
        raise UsageError("--model replaces --loss/--output: give only --model")
    if not output_is_folder and old_output is not None and old_output not in _OLD_OUTPUT_VALUES:
        raise UsageError(f"--output {old_output}: expected one of {', '.join(_OLD_OUTPUT_VALUES)}")
    models = _model_name(args.loss, old_output)
    _deprecated("--loss/--output", f"--model {models[0]}" if len(models) == 1 else "--model")
    return models


def _output_folder(args: argparse.Namespace, default: Path) -> tuple[Path, str]:
    """The folder of -o/--output, or of the deprecated spelling (`--outdir`); with the option
    name the user typed, for messages."""
    old = getattr(args, "outdir", None)
    if old is not None:
        if args.output is not None:
            raise UsageError("--outdir is the old name of -o/--output: give only -o/--output")
        _deprecated("--outdir", "-o/--output")
        return old, "--outdir"
    if args.output is not None:
        return Path(args.output), "-o/--output"
    return default, "-o/--output"


def _add_model_options(parser: argparse.ArgumentParser, *, output_is_folder: bool) -> None:
    parser.add_argument("--model", choices=MODEL_NAMES,
                        help="mse: the document's loss without a logarithm (squared error) on the "
                        "outputs a = g(z); softmax-a: its loss with a logarithm (cross-entropy) "
                        "on a = g(z) (the chapter's softmax over a; a binary cross-entropy on "
                        "sigmoid outputs); softmax-z: that loss on z (a softmax over the "
                        "logits). Default: every model the document defines")
    parser.add_argument("--loss", choices=("mse", "ce"), help=argparse.SUPPRESS)  # deprecated
    if not output_is_folder:  # deprecated; on train, --output is the output folder
        parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--formulas", default=None, help="formulas file (default: the document)")
    parser.add_argument("--seed", type=_seed, default=0,
                        help="seed for weights, split and batches (a non-negative integer)")


# One-line help of each subcommand, shown by `derive --help` (derive.cli lists them without
# importing this module; a test keeps its copy equal to this one).
HELP = {
    "train": "train a network with the gradients derived from the document",
    "gradcheck": "compare derived gradients with central finite differences",
    "bench": "time the generated trainer against NumPy and PyTorch baselines",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the three subcommands, fully configured, to `subparsers`."""
    for name, setup in (("train", setup_train), ("gradcheck", setup_gradcheck),
                        ("bench", setup_bench)):
        setup(subparsers.add_parser(name, help=HELP[name]))


def setup_train(train: argparse.ArgumentParser) -> None:
    """The arguments and handler of `derive train`."""
    train.description = ("Train with code generated from the document's definitions by "
                         "differentiation. Without --model, trains all three models and "
                         "compares them.")
    _add_model_options(train, output_is_folder=True)
    train.add_argument("--data", default="digits",
                       help="digits (default), iris, or a CSV file with a header row")
    train.add_argument("--label-column", help="the CSV column holding the class label")
    train.add_argument("--layers", type=_layers,
                       help="widths, input first, e.g. 64,32,10 (default: inputs,32,classes)")
    train.add_argument("--epochs", type=int, default=30)
    train.add_argument("--batch", type=int, default=32)
    train.add_argument("--lr", type=float,
                       help="learning rate alpha (default: mse 3, softmax-a 3, softmax-z 1)")
    train.add_argument("--test-fraction", type=float, default=0.2)
    train.add_argument("-o", "--output", metavar="DIR",
                       help="folder for train-loss.png and train-metrics.json (default: reports)")
    train.add_argument("--outdir", type=Path, help=argparse.SUPPRESS)  # deprecated: -o
    train.add_argument("--backend", choices=("numpy", "jax"), default="numpy",
                       help="numpy: the generated NumPy step per minibatch (default); jax: the "
                       "same generated step through JAX, one compiled function per epoch "
                       "(pip install jax jaxlib)")
    train.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib)")
    train.add_argument("--quiet", "-q", action="store_true",
                       help="no progress bar and no per-epoch lines")
    train.set_defaults(handler=run_train)


def setup_gradcheck(grad: argparse.ArgumentParser) -> None:
    """The arguments and handler of `derive gradcheck`."""
    grad.description = ("Random network and batch; prints the largest relative error per "
                        "parameter tensor; exit 0 when all are below --tol.")
    _add_model_options(grad, output_is_folder=False)
    grad.add_argument("--layers", type=_layers, default=(5, 4, 3))
    grad.add_argument("--batch", type=int, default=8)
    grad.add_argument("--tol", type=float, default=1e-6)
    grad.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    grad.set_defaults(handler=run_gradcheck)


def setup_bench(bench: argparse.ArgumentParser) -> None:
    """The arguments and handler of `derive bench`."""
    bench.description = ("Interleaved timing of the generated trainer, an independent "
                         "hand-written NumPy backpropagation and PyTorch eager autograd (if "
                         "installed), written to Markdown.")
    bench.add_argument("--layers", type=_layers, default=(64, 32, 10))
    bench.add_argument("--epochs", type=int, default=30)
    bench.add_argument("--batches", default="32,256", help="batch sizes, comma separated")
    bench.add_argument("--model", choices=MODEL_NAMES, default="mse")
    bench.add_argument("--seed", type=_seed, default=0)
    bench.add_argument("-o", "--output", type=Path, metavar="DIR",
                       help=f"folder for {BENCH_REPORT} (default: reports)")
    bench.add_argument("--out", type=Path, help=argparse.SUPPRESS)  # deprecated: a file
    bench.add_argument("--formulas", default=None)
    bench.set_defaults(handler=run_bench)


def _spec(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The formulas file's network; its unreadable definitions are placed errors (exit 2)."""
    from derive.spec import load_spec

    try:
        return load_spec(args.formulas) if args.formulas else load_spec()
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _compile(spec, model: str, layers: Sequence[int]):  # type: ignore[no-untyped-def]
    """The generated network; a document that lacks what `model` needs is bad input."""
    from derive.numeric.codegen import CodegenError, compile_network
    from derive.spec import SpecError

    try:
        return compile_network(spec, model, layers)
    except SpecError as exc:
        raise UsageError(f"cannot run --model {model}: {exc.message}") from None
    except CodegenError as exc:
        raise UsageError(f"cannot generate code from the formulas: {exc}") from None


def _trainable(spec, models: list[str], layers: Sequence[int], *,  # type: ignore[no-untyped-def]
               named: bool) -> list[str]:
    """The models to train. One the user named must compile (else exit 2); without --model,
    the models the document's definitions do not support (no squared-error loss, a loss
    written on z) are skipped with a note on stderr, and only none at all is an error."""
    usable, skipped = [], []
    for model in models:
        try:
            _compile(spec, model, layers)
        except UsageError as exc:
            if named:
                raise
            skipped.append(exc)
            continue
        usable.append(model)
    if not usable:
        raise skipped[0]
    for exc in skipped:
        print(f"derive: note: {exc} (skipped)", file=sys.stderr)
    return usable


def _positive(name: str, value: float) -> None:
    if isinstance(value, int) and value <= 0:
        raise UsageError(f"{name} must be positive, not {value}")
    if not 0 < value < math.inf:
        raise UsageError(f"{name} must be a positive finite number, not {value}")


MAX_PARAMETERS = 10_000_000  # weights and biases of a trained network (80 MB per copy)
MAX_ACTIVATIONS = 20_000_000  # batch size x widest layer: the arrays of one step
MAX_GRADCHECK_PARAMETERS = 10_000  # two loss evaluations per parameter
MAX_GRADCHECK_BATCH = 10_000


def _parameters(layers: Sequence[int]) -> int:
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(layers[:-1], layers[1:]))


def _bounded(layers: Sequence[int], batch: int, *, max_parameters: int = MAX_PARAMETERS) -> None:
    """Sizes that would exhaust memory or time are refused before anything is allocated."""
    shown = ",".join(map(str, layers))
    if _parameters(layers) > max_parameters:
        raise UsageError(f"--layers {shown} has {_parameters(layers):,} weights and biases; at "
                         f"most {max_parameters:,} are allowed here")
    if batch * max(layers) > MAX_ACTIVATIONS:
        raise UsageError(f"a batch of {batch:,} samples through --layers {shown} needs "
                         f"{batch * max(layers):,} activations at once; at most "
                         f"{MAX_ACTIVATIONS:,} are allowed (use a smaller --batch)")


def _writable_file(path: Path, option: str, given: Path) -> None:
    """Fail before the work, not after it: `path` must be creatable as a regular file.

    `given` is what the user typed for `option` (the folder of -o/--output, or the file of the old --out).
    """
    folder = path.parent
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                if parent == given:
                    raise UsageError(f"{option} {given}: not a folder (it names a file)")
                raise UsageError(f"{option} {given}: {parent} is not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise UsageError(f"{option} {given}: cannot write into {parent} "
                                 "(permission denied)")
            break
    if path.is_dir():
        raise UsageError(f"{option} {given}: {path} is a folder, not a file")
    if path.exists() and not path.is_file():
        raise UsageError(f"{option} {given}: {path} is not a regular file")


def _write_atomically(path: Path, data: bytes | str) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: an interrupted run
    leaves the old file or the new one, and a symlink at `path` is replaced, not followed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and not path.is_symlink():
        mode = path.stat().st_mode & 0o7777  # keep the mode of the file replaced
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what open() would have given a new file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def run_train(args: argparse.Namespace) -> int:
    from derive.numeric.data import DataError, load_dataset
    from derive.numeric.trainer import (
        DEFAULT_LEARNING_RATES,
        Progress,
        TrainConfig,
        TrainingFailed,
        train,
    )

    models = _models(args, output_is_folder=True)
    args.outdir, args.outdir_option = _output_folder(args, Path("reports"))
    for name in ("epochs", "batch"):
        _positive(f"--{name}", getattr(args, name))
    if args.lr is not None:
        _positive("--lr", args.lr)
    # Everything that can fail on the user's input fails here, before minutes of training.
    _writable_file(args.outdir / METRICS, args.outdir_option, args.outdir)
    if not args.no_plot:
        _writable_file(args.outdir / PLOT, args.outdir_option, args.outdir)
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
    _bounded(layers, min(args.batch, len(data.x_train) + len(data.x_test)))
    if args.backend == "jax":
        try:
            import derive.numeric.jax_backend  # noqa: F401
        except ImportError:
            raise UsageError("--backend jax needs JAX: pip install jax jaxlib") from None
    spec = _spec(args)
    models = _trainable(spec, models, layers, named=bool(args.model or args.loss))
    quiet = args.quiet
    print(f"{data.name}: {len(data.x_train)} training and {len(data.x_test)} test samples, "
          f"{data.features} inputs, {data.n_classes} classes; layers "
          f"{','.join(map(str, layers))}, {args.epochs} epochs, batch {args.batch}, seed {args.seed}")
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


METRICS, PLOT = "train-metrics.json", "train-loss.png"
BENCH_REPORT = "bench.md"


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
        _write_atomically(path, json.dumps(metrics, indent=2) + "\n")
        print(f"metrics written to {path}")
        if args.no_plot or not results:
            return
        png = args.outdir / PLOT
        buffer = io.BytesIO()
        plot_losses(results, data.n_classes, buffer)
        _write_atomically(png, buffer.getvalue())
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


def finite_difference_check(spec, model: str, layers: Sequence[int], batch: int, seed: int,
                            eps: float) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """Largest relative error per parameter tensor: generated gradient vs central differences."""

    import numpy as np

    net = _compile(spec, model, layers)
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

    models = _models(args, output_is_folder=False)
    _positive("--batch", args.batch)
    if args.batch > MAX_GRADCHECK_BATCH:
        raise UsageError(f"--batch {args.batch:,} is too large for gradcheck; at most "
                         f"{MAX_GRADCHECK_BATCH:,}")
    _bounded(args.layers, args.batch, max_parameters=MAX_GRADCHECK_PARAMETERS)
    _positive("--tol", args.tol)
    _positive("--eps", args.eps)
    spec = _spec(args)
    # every model's errors before any output
    models = _trainable(spec, models, args.layers, named=bool(args.model or args.loss))
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
    _positive("--epochs", args.epochs)
    for b in batches:
        _positive("--batches", b)
    try:
        from derive.numeric.data import DataError, load_dataset

        data = load_dataset("digits", seed=args.seed)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    if args.layers[0] != data.features or args.layers[-1] != data.n_classes:
        raise UsageError(f"--layers must start with {data.features} and end with "
                         f"{data.n_classes} for digits")
    for b in batches:
        _bounded(args.layers, min(b, len(data.x_train)))
    if args.out is not None:  # the old spelling named the report file itself
        if args.output is not None:
            raise UsageError("--out is the old spelling of -o/--output DIR: give only -o/--output")
        _deprecated("--out FILE", "-o/--output DIR")
        target, option, given = args.out, "--out", args.out
    else:
        folder = args.output if args.output is not None else Path("reports")
        target, option, given = folder / BENCH_REPORT, "-o/--output", folder
    _writable_file(target, option, given)
    spec = _spec(args)
    net = _compile(spec, args.model, args.layers)
    _same_network_as_baselines(net, args.model, args.layers)
    report = run_benchmark(spec, data, args.layers, args.model, batches, args.epochs,
                           args.seed, progress=sys.stderr.isatty())
    try:
        _write_atomically(target, report)
    except OSError as exc:
        raise UsageError(f"cannot write {option} {given}: {exc.strerror or exc}") from None
    print(report)
    print(f"written to {target}")
    return 0
