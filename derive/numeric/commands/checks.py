"""The checks a command makes before its work, and its atomic writes.

Sizes that would exhaust memory, output files that could not be written, the document's
network (its placed errors; the models it cannot train): all fail before a training run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from derive.numeric.commands.options import UsageError

MAX_PARAMETERS = 10_000_000  # weights and biases of a trained network (80 MB per copy)
MAX_ACTIVATIONS = 20_000_000  # batch size x widest layer: the arrays of one step
MAX_GRADCHECK_PARAMETERS = 10_000  # two loss evaluations per parameter
MAX_GRADCHECK_BATCH = 10_000


def _parameters(layers: Sequence[int]) -> int:
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(layers[:-1], layers[1:]))


def require_bounded(layers: Sequence[int], batch: int, *,
                    max_parameters: int = MAX_PARAMETERS) -> None:
    """Sizes that would exhaust memory or time are refused before anything is allocated."""
    shown = ",".join(map(str, layers))
    if _parameters(layers) > max_parameters:
        raise UsageError(f"--layers {shown} has {_parameters(layers):,} weights and biases; at "
                         f"most {max_parameters:,} are allowed here")
    if batch * max(layers) > MAX_ACTIVATIONS:
        raise UsageError(f"a batch of {batch:,} samples through --layers {shown} needs "
                         f"{batch * max(layers):,} activations at once; at most "
                         f"{MAX_ACTIVATIONS:,} are allowed (use a smaller --batch)")


def require_writable_file(path: Path, option: str, given: Path) -> None:
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


def write_atomically(path: Path, data: bytes | str) -> None:
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


def read_spec(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The formulas file's network; its unreadable definitions are placed errors (exit 2)."""
    from derive.spec import load_spec

    try:
        return load_spec(args.formulas) if args.formulas else load_spec()
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def compile_for(spec, model: str, layers: Sequence[int]):  # type: ignore[no-untyped-def]
    """The generated network; a document that lacks what `model` needs is bad input."""
    from derive.numeric.codegen import CodegenError, compile_network
    from derive.spec import SpecError

    try:
        return compile_network(spec, model, layers)
    except SpecError as exc:
        raise UsageError(f"cannot run --model {model}: {exc.message}") from None
    except CodegenError as exc:
        raise UsageError(f"cannot generate code from the formulas: {exc}") from None


def trainable_models(spec, models: list[str],  # type: ignore[no-untyped-def]
                     layers: Sequence[int], *, named: bool) -> list[str]:
    """The models to train. One the user named must compile (else exit 2); without --model,
    the models the document's definitions do not support (no squared-error loss, a loss
    written on z) are skipped with a note on stderr, and only none at all is an error."""
    usable, skipped = [], []
    for model in models:
        try:
            compile_for(spec, model, layers)
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
