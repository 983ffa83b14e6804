"""Training data: scikit-learn's bundled digits and iris (no download) or a user's CSV file.

Every dataset comes back as a frozen `Dataset` of float64 arrays with features scaled to [0, 1],
one-hot labels, and a stratified train/test split drawn from a seeded generator, so the same
seed always gives the same split.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DataError", "Dataset", "load_dataset", "stratified_split"]


class DataError(ValueError):
    """Bad input data; the message is `path:line: what is wrong`."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # (m, features), float64 in [0, 1]
    y_train: np.ndarray  # (m, classes), one-hot float64
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]  # label of each output unit

    @property
    def features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def train_labels(self) -> np.ndarray:
        return self.y_train.argmax(axis=1)

    @property
    def test_labels(self) -> np.ndarray:
        return self.y_test.argmax(axis=1)


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) with each class split in the same proportion, seeded."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_test = min(len(members) - 1, max(1, round(test_fraction * len(members))))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((len(labels), n_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def _build(
    name: str,
    x: np.ndarray,
    labels: np.ndarray,
    classes: tuple[str, ...],
    test_fraction: float,
    seed: int,
    scale: float | None,
) -> Dataset:
    train, test = stratified_split(labels, test_fraction, seed)
    x = np.asarray(x, dtype=np.float64)
    if scale is not None:
        x = x / scale
    else:
        # Min-max from the training rows only, so the test set does not leak into the scaling.
        # Halved first: max - min of values near +-1.7e308 would overflow; halves cannot. A
        # test value a thousand training ranges outside the training range (which could
        # overflow after the division) is clamped there.
        half = x * 0.5
        low = half[train].min(axis=0)
        span = half[train].max(axis=0) - low
        with np.errstate(over="ignore"):
            x = np.clip((half - low) / np.where(span > 0, span, 1.0), -1e3, 1e3)
    y = _one_hot(labels, len(classes))
    return Dataset(
        name=name,
        x_train=np.ascontiguousarray(x[train]),
        y_train=y[train],
        x_test=np.ascontiguousarray(x[test]),
        y_test=y[test],
        classes=classes,
    )


def _sklearn_datasets():  # type: ignore[no-untyped-def]
    try:
        from sklearn import datasets  # lazy: only `derive train` needs scikit-learn
    except ImportError as exc:
        raise DataError(
            "the bundled datasets need scikit-learn: pip install scikit-learn, or the train "
            "extra pip install 'derive-backprop[train]'"
        ) from exc
    return datasets


def load_dataset(
    source: str = "digits",
    label_column: str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """`digits` (8x8 images, pixels 0..16 scaled to [0, 1]), `iris`, or a CSV path."""
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"the test fraction must be between 0 and 1, not {test_fraction}")
    if source == "digits":
        bunch = _sklearn_datasets().load_digits()
        classes = tuple(str(c) for c in bunch.target_names)
        return _build("digits", bunch.data, bunch.target, classes, test_fraction, seed, 16.0)
    if source == "iris":
        bunch = _sklearn_datasets().load_iris()
        classes = tuple(str(c) for c in bunch.target_names)
        return _build("iris", bunch.data, bunch.target, classes, test_fraction, seed, None)
    return _load_csv(Path(source), label_column, test_fraction, seed)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


MAX_CSV_BYTES = 64 * 2**20  # a CSV's numbers take ~10x their text size in memory


def _read_regular_file(path: Path) -> str:
    """The text of a regular file of at most MAX_CSV_BYTES. A FIFO, a device (/dev/zero) or a
    directory is refused without reading from it: opened non-blocking, checked with fstat."""
    where = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DataError(f"{where}:1: no such file") from None
    except OSError as exc:
        raise DataError(f"{where}:1: cannot read the file ({exc.strerror or exc})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise DataError(f"{where}:1: {kind}; --data reads only regular files")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_CSV_BYTES:
            raise DataError(f"{where}:1: the file has {info.st_size:,} bytes, more than the "
                            f"{MAX_CSV_BYTES:,} --data accepts")
        raw = handle.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:  # grew while being read
        raise DataError(f"{where}:1: the file is larger than the {MAX_CSV_BYTES:,} bytes "
                        "--data accepts")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{where}:{line}: not UTF-8 text ({exc.reason} at byte "
                        f"{exc.start})") from None


def _csv_rows(text: str, where: str) -> list[tuple[int, list[str]]]:
    """(first line, fields) of each non-blank record. A quoted field may not span lines: the
    newline would otherwise be kept inside a label or silently dropped from it."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # strict: no guessing
    out: list[tuple[int, list[str]]] = []
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            line = previous + 1
            if "field larger than field limit" in str(exc):
                raise DataError(f"{where}:{line}: a field is longer than "
                                f"{csv.field_size_limit():,} characters (an unclosed quote?)"
                                ) from None
            raise DataError(f"{where}:{line}: not a valid CSV record ({exc})") from None
        first, previous = previous + 1, reader.line_num
        spans = next((n for n, f in enumerate(row) if "\n" in f or "\r" in f), None)
        if spans is not None:
            lines = f"lines {first}-{reader.line_num}" if reader.line_num > first else "lines"
            raise DataError(f"{where}:{first}: field {spans + 1} is a quoted value that spans "
                            f"{lines}; a value or label must be on one line")
        if any(f.strip() for f in row):
            out.append((first, row))


def _load_csv(path: Path, label_column: str | None, test_fraction: float, seed: int) -> Dataset:
    where = str(path)
    if label_column is None:
        raise DataError(f"{where}:1: name the label column with --label-column")
    text = _read_regular_file(path)
    # Each record's 1-based first line, so errors point at the file; blank lines skipped.
    numbered = _csv_rows(text, where)
    if not numbered:
        raise DataError(f"{where}:1: the file is empty")
    header_line, header = numbered[0]
    header = [h.strip() for h in header]
    if label_column not in header:
        raise DataError(
            f"{where}:{header_line}: no column {label_column!r} in the header "
            f"(columns: {', '.join(header)})"
        )
    if len(header) < 2:
        raise DataError(f"{where}:{header_line}: no feature columns besides {label_column!r}")
    label_at = header.index(label_column)
    features, labels = [], []
    for line, row in numbered[1:]:
        if len(row) != len(header):
            raise DataError(f"{where}:{line}: expected {len(header)} fields, found {len(row)}")
        values = []
        for column, field in enumerate(row):
            if column == label_at:
                continue
            value = _number(field.strip())
            if value is None:
                raise DataError(
                    f"{where}:{line}: column {header[column]!r}: {field.strip()!r} is not a "
                    "finite number"
                )
            values.append(value)
        label = row[label_at].strip()
        if not label:
            raise DataError(f"{where}:{line}: empty label in column {label_column!r}")
        features.append(values)
        labels.append(label)
    if not labels:
        raise DataError(f"{where}:{header_line}: no data rows after the header")
    names = sorted(set(labels), key=lambda s: (_number(s) is None, _number(s) or 0.0, s))
    first_line = numbered[1][0]
    if len(names) < 2:
        raise DataError(
            f"{where}:{first_line}: the label column {label_column!r} has only one class "
            f"({names[0]!r}); classification needs at least two"
        )
    index = {name: n for n, name in enumerate(names)}
    target = np.array([index[label] for label in labels])
    for name in names:
        if labels.count(name) < 2:
            line = numbered[1 + labels.index(name)][0]
            raise DataError(
                f"{where}:{line}: class {name!r} has a single sample; the train/test split "
                "needs at least two of each class"
            )
    return _build(path.name, np.array(features), target, tuple(names), test_fraction, seed, None)
