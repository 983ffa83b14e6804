"""`derive train`, `derive gradcheck`, `derive bench`: argparse wiring (the handlers are siblings).

`register(subparsers)` adds the three subcommands; each handler (`training.run_train`,
`gradients.run_gradcheck`, `benchmark.run_bench`) takes the parsed arguments and returns an
exit code (0 fine, 1 a run diverged or stopped learning / gradients disagree) or raises
`UsageError` for bad input, which the main command line turns into `derive: error: ...` and
exit 2. Input is checked before the work (output paths, seeds, rates, data, formulas:
`options.py`, `checks.py`), so a bad argument never costs a training run.
matplotlib, scikit-learn and torch are imported lazily, only by the commands that need them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from derive.numeric.commands.benchmark import BENCH_REPORT, run_bench
from derive.numeric.commands.gradients import finite_difference_check, run_gradcheck
from derive.numeric.commands.options import (
    MODEL_NAMES,
    UsageError,
    add_model_options,
    seed_arg,
    widths_arg,
)
from derive.numeric.commands.training import METRICS, PLOT, plot_losses, run_train

__all__ = ["BENCH_REPORT", "HELP", "METRICS", "MODEL_NAMES", "PLOT", "UsageError",
           "finite_difference_check", "plot_losses", "register", "run_bench", "run_gradcheck",
           "run_train", "setup_bench", "setup_gradcheck", "setup_train"]


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
    add_model_options(train, output_is_folder=True)
    train.add_argument("--data", default="digits",
                       help="digits (default), iris, or a CSV file with a header row")
    train.add_argument("--label-column", help="the CSV column holding the class label")
    train.add_argument("--layers", type=widths_arg,
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
    add_model_options(grad, output_is_folder=False)
    grad.add_argument("--layers", type=widths_arg, default=(5, 4, 3))
    grad.add_argument("--batch", type=int, default=8)
    grad.add_argument("--tol", type=float, default=1e-6)
    grad.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    grad.set_defaults(handler=run_gradcheck)


def setup_bench(bench: argparse.ArgumentParser) -> None:
    """The arguments and handler of `derive bench`."""
    bench.description = ("Interleaved timing of the generated trainer, an independent "
                         "hand-written NumPy backpropagation and PyTorch eager autograd (if "
                         "installed), written to Markdown.")
    bench.add_argument("--layers", type=widths_arg, default=(64, 32, 10))
    bench.add_argument("--epochs", type=int, default=30)
    bench.add_argument("--batches", default="32,256", help="batch sizes, comma separated")
    bench.add_argument("--model", choices=MODEL_NAMES, default="mse")
    bench.add_argument("--seed", type=seed_arg, default=0)
    bench.add_argument("-o", "--output", type=Path, metavar="DIR",
                       help=f"folder for {BENCH_REPORT} (default: reports)")
    bench.add_argument("--out", type=Path, help=argparse.SUPPRESS)  # deprecated: a file
    bench.add_argument("--formulas", default=None)
    bench.set_defaults(handler=run_bench)
