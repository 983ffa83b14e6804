"""A disk cache of what the arithmetic parser made of each placeholder skeleton.

latex2sympy2_extended's ANTLR parser costs 10-100 ms per skeleton, most of a check's start-up.
Its results are stored as a small JSON tree of our own (operation names and literals) and
rebuilt from an allowlist of SymPy classes: nothing read from the file is evaluated. Entries
are keyed by the exact skeleton text and the parser's version; a missing, unreadable or foreign
cache file is ignored. DERIVE_CACHE_DIR moves the cache; DERIVE_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import sympy

FORMAT = 1
# Rebuilt unevaluated, exactly as the parser returned them (the notation layer evaluates later).
_CLASSES = {c.__name__: c for c in (sympy.Add, sympy.Mul, sympy.Pow, sympy.exp, sympy.log,
                                    sympy.sin, sympy.cos, sympy.tan, sympy.tanh, sympy.sinh,
                                    sympy.cosh, sympy.atan)}


def _unevaluated(cls: type) -> Any:
    return lambda args: cls(*args, evaluate=False)


_BUILD = {name: _unevaluated(cls) for name, cls in _CLASSES.items()}


def encode(e: sympy.Basic) -> Any:
    """A JSON tree for `e`, or raise TypeError for anything outside the allowlist."""
    if isinstance(e, sympy.Symbol):
        return ["Symbol", e.name]
    if e is sympy.E:
        return ["E"]
    if isinstance(e, sympy.Integer):
        return ["Integer", str(int(e))]
    if isinstance(e, sympy.Rational):
        return ["Rational", str(int(e.p)), str(int(e.q))]
    if isinstance(e, sympy.Sum):
        return ["Sum", encode(e.function), [[encode(x) for x in lim] for lim in e.limits]]
    name = type(e).__name__
    if name in _BUILD:
        return [name, [encode(a) for a in e.args]]
    raise TypeError(f"not cacheable: {type(e).__name__}")


def decode(t: Any) -> sympy.Basic:
    kind = t[0]
    if kind == "Symbol":
        return sympy.Symbol(str(t[1]))
    if kind == "E":
        return sympy.E
    if kind == "Integer":
        return sympy.Integer(int(t[1]))
    if kind == "Rational":
        return sympy.Rational(int(t[1]), int(t[2]))
    if kind == "Sum":
        return sympy.Sum(decode(t[1]), *[tuple(decode(x) for x in lim) for lim in t[2]])
    if kind in _BUILD:
        return _BUILD[kind]([decode(a) for a in t[1]])
    raise ValueError(f"unknown node {kind!r}")


class Cache:
    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.dirty = False
        self.path: Path | None = None
        if os.environ.get("DERIVE_NO_CACHE") == "1":
            return
        base = os.environ.get("DERIVE_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "derive")
        try:
            version = metadata.version("latex2sympy2_extended")
        except metadata.PackageNotFoundError:
            version = "unknown"
        self.path = Path(base) / f"arithmetic-{FORMAT}-{version}.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.entries = data
        except (OSError, ValueError):
            self.entries = {}
        atexit.register(self.save)

    def get(self, skeleton: str) -> sympy.Basic | None:
        t = self.entries.get(skeleton)
        if t is None:
            return None
        try:
            return decode(t)
        except (ValueError, TypeError, IndexError, KeyError):
            return None

    def put(self, skeleton: str, value: sympy.Basic) -> None:
        if self.path is None:
            return
        try:
            self.entries[skeleton] = encode(value)
            self.dirty = True
        except TypeError:
            pass

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".arith-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.entries, fh, sort_keys=True)
            os.replace(tmp, self.path)  # atomic: readers see the old file or the new one
            self.dirty = False
        except OSError:
            pass  # a cache that cannot be written only costs time
