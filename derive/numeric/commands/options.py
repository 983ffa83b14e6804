"""The numeric commands' options: argument types, the model options and their old spellings.

Building the command line (`derive --version`, `--help`) must not import SymPy or NumPy (a
second each): nothing here does.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from derive.errors import UsageError  # bad input from the user: exit 2, no traceback

# Building the command line (`derive --version`, `--help`) must not import SymPy or NumPy (a
# second each): they are imported inside the handlers. The model names are repeated here for
# the same reason; a test keeps them equal to codegen.MODELS.
MODEL_NAMES = ("mse", "softmax-a", "softmax-z")


def widths_arg(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 64,32,10, not {text!r}") from None
    if len(widths) < 2 or any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError("need at least two positive widths, like 64,32,10")
    return widths


def seed_arg(text: str) -> int:
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


def warn_deprecated(old: str, new: str) -> None:
    print(f"derive: warning: {old} is deprecated and will be removed in the next release; "
          f"use {new}", file=sys.stderr)


def chosen_models(args: argparse.Namespace, *, output_is_folder: bool) -> list[str]:
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
    warn_deprecated("--loss/--output", f"--model {models[0]}" if len(models) == 1 else "--model")
    return models


def output_folder(args: argparse.Namespace, default: Path) -> tuple[Path, str]:
    """The folder of -o/--output, or of the deprecated spelling (`--outdir`); with the option
    name the user typed, for messages."""
    old = getattr(args, "outdir", None)
    if old is not None:
        if args.output is not None:
            raise UsageError("--outdir is the old name of -o/--output: give only -o/--output")
        warn_deprecated("--outdir", "-o/--output")
        return old, "--outdir"
    if args.output is not None:
        return Path(args.output), "-o/--output"
    return default, "-o/--output"


def add_model_options(parser: argparse.ArgumentParser, *, output_is_folder: bool) -> None:
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
    parser.add_argument("--seed", type=seed_arg, default=0,
                        help="seed for weights, split and batches (a non-negative integer)")


def require_positive(name: str, value: float) -> None:
    if isinstance(value, int) and value <= 0:
        raise UsageError(f"{name} must be positive, not {value}")
    if not 0 < value < math.inf:
        raise UsageError(f"{name} must be a positive finite number, not {value}")
