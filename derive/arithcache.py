"""A disk cache of what the arithmetic parser made of each placeholder skeleton.

latex2sympy2_extended's ANTLR parser costs 10-100 ms per skeleton, most of a check's start-up.
Its results are stored as a small JSON tree of our own (operation names and literals) and
rebuilt from an allowlist of SymPy classes: nothing read from the file is evaluated. Entries
are keyed by the exact skeleton text and the parser's version; a missing, unreadable or foreign
cache file is ignored. DERIVE_CACHE_DIR moves the cache; DERIVE_NO_CACHE=1 turns it off.

Every entry carries an HMAC-SHA256 of the format, the parser's version, its skeleton and its
tree, keyed by a random secret kept beside the cache (`key`, readable only by its owner). An
entry whose tag does not match (a negated term, an edited number, a tree copied from another
skeleton or another user's cache) or whose tree is malformed (a `Rational(1, 0)`, a huge
number, nesting deeper than any parse produces) is ignored with a `CacheWarning`, and the
skeleton is parsed again: a cache can cost time, never change a verdict.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no lock, the last writer's file wins (only costs time)
    fcntl = None  # type: ignore[assignment]

import sympy

from derive.functions import PARSED

FORMAT = 2  # 2: entries are {"tree": ..., "mac": ...}
MAX_DEPTH = 200  # no parse of a formula within the size bounds nests deeper
MAX_DIGITS = 1100  # digits of a cached number (formulas allow 1000)


class CacheWarning(UserWarning):
    """A parse-cache entry was ignored (corrupted or tampered with); it is parsed again."""

# Rebuilt unevaluated, exactly as the parser returned them (the notation layer evaluates later).
# The parser's own functions come from the registry (derive.functions: `parsed`).
_CLASSES = {c.__name__: c for c in (sympy.Add, sympy.Mul, sympy.Pow, *PARSED)}


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


def decode(t: Any, depth: int = 0) -> sympy.Basic:
    """The SymPy value of a tree; ValueError for anything malformed."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    if not isinstance(t, list) or not t or not isinstance(t[0], str):
        raise ValueError("not a node")
    kind = t[0]
    if kind == "Symbol" and len(t) == 2 and isinstance(t[1], str):
        return sympy.Symbol(t[1])
    if kind == "E" and len(t) == 1:
        return sympy.E
    if kind == "Integer" and len(t) == 2:
        return sympy.Integer(_int(t[1]))
    if kind == "Rational" and len(t) == 3:
        q = _int(t[2])
        if q <= 0:
            raise ValueError("a rational with a denominator that is not positive")
        return sympy.Rational(_int(t[1]), q)
    if kind == "Sum" and len(t) == 3 and isinstance(t[2], list) and t[2]:
        limits = []
        for lim in t[2]:
            if not isinstance(lim, list) or len(lim) != 3:
                raise ValueError("a sum's limits are (index, first, last)")
            limits.append(tuple(decode(x, depth + 1) for x in lim))
        return sympy.Sum(decode(t[1], depth + 1), *limits)
    if kind in _BUILD and len(t) == 2 and isinstance(t[1], list) and t[1]:
        return _BUILD[kind]([decode(a, depth + 1) for a in t[1]])
    raise ValueError(f"unknown or malformed node {kind!r}")


def _int(text: Any) -> int:
    if not isinstance(text, str) or not text.lstrip("-").isdigit() or len(text) > MAX_DIGITS:
        raise ValueError("not an integer literal")
    return int(text)


class SignedStore:
    """A signed JSON file of the cache folder (`open_signed`): its entries, and what this run
    wrote and dropped, saved merged with the file as other runs left it (`save_json`), at
    exit and by `save`. Each subclass signs and validates its own entries; `LIMIT` bounds the
    file (the entries this run used or wrote kept first)."""

    LIMIT: int | None = None

    def __init__(self, filename: str, prefix: str) -> None:
        self.entries: dict[str, Any] = {}
        self.dirty = False
        self.path: Path | None = None
        self._secret = b""
        self._prefix = prefix
        self._warned: set[str] = set()
        self._used: set[str] = set()
        self._written: set[str] = set()
        self._dropped: set[str] = set()
        opened = open_signed(filename)
        if opened is None:
            return
        self._secret, self.path, self.entries = opened
        saved_at_exit(self.save)

    def _keep(self, key: str, entry: dict[str, Any]) -> None:
        self.entries[key] = entry
        self._written.add(key)
        self._dropped.discard(key)
        self.dirty = True

    def _drop(self, key: str) -> None:
        self.entries.pop(key, None)
        self._dropped.add(key)
        self._written.discard(key)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        merged = save_json(self.path, self.entries, self._prefix, written=self._written,
                           dropped=self._dropped, fit=None if self.LIMIT is None else self._fit)
        if merged is not None:
            self.entries, self.dirty = merged, False

    def _fit(self, entries: dict) -> dict:
        limit = self.LIMIT or 0
        if len(entries) <= limit:
            return entries
        first = self._used | self._written
        keep = [k for k in entries if k in first]
        keep += [k for k in entries if k not in first][: max(0, limit - len(keep))]
        return {k: entries[k] for k in keep}


class Cache(SignedStore):
    def __init__(self) -> None:
        self.version = dist_version("latex2sympy2_extended") or "unknown"
        super().__init__(f"arithmetic-{FORMAT}-{self.version}.json", ".arith-")

    def _mac(self, skeleton: str, tree: Any) -> str:
        body = json.dumps([FORMAT, self.version, skeleton, tree], sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self._secret, body.encode("utf-8"), hashlib.sha256).hexdigest()

    def get(self, skeleton: str) -> sympy.Basic | None:
        entry = self.entries.get(skeleton)
        if entry is None:
            return None
        why = None
        if not (isinstance(entry, dict) and isinstance(entry.get("mac"), str) and "tree" in entry):
            why = "it is not a signed entry"
        else:
            try:
                ok = hmac.compare_digest(entry["mac"], self._mac(skeleton, entry["tree"]))
            except (TypeError, ValueError, RecursionError):
                ok = False
            if not ok:
                why = "its checksum does not match (corrupted or edited)"
            else:
                try:
                    return decode(entry["tree"])
                except (ValueError, TypeError, IndexError, KeyError, RecursionError) as exc:
                    why = f"its tree is malformed ({exc})"
        self._ignore(skeleton, why)
        return None

    def _ignore(self, skeleton: str, why: str) -> None:
        self._drop(skeleton)
        if skeleton not in self._warned:
            self._warned.add(skeleton)
            warnings.warn(f"derive: ignored an entry of the parse cache {self.path}: {why}; "
                          "parsing again", CacheWarning, stacklevel=2)

    def put(self, skeleton: str, value: sympy.Basic) -> None:
        if self.path is None:
            return
        try:
            tree = encode(value)
        except TypeError:
            return
        self._keep(skeleton, {"tree": tree, "mac": self._mac(skeleton, tree)})


def dist_version(name: str) -> str | None:
    """The installed version of a distribution (None when it is not installed): read from the
    name of its `NAME-VERSION.dist-info` folder, the first on `sys.path` as
    `importlib.metadata` finds it, without importing `importlib.metadata` (and the email
    package it parses metadata with: 30 ms of every check's start); by `importlib.metadata`
    where no one such folder names it (an egg, an editable install)."""
    want = re.sub(r"[-_.]+", "_", name).lower()
    for entry in sys.path:
        found = [v for n, v in _dist_infos(entry) if n == want]
        if len(found) == 1:
            return found[0]
        if found:
            break
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


_DIST_INFOS: dict[str, list[tuple[str, str]]] = {}


def _dist_infos(folder: str) -> list[tuple[str, str]]:
    """(normalised name, version) of each `.dist-info` folder in a folder of `sys.path`."""
    found = _DIST_INFOS.get(folder)
    if found is None:
        found = []
        try:
            names = os.listdir(folder or ".")
        except OSError:
            names = []
        for n in names:
            stem, dot, ext = n.rpartition(".")
            dist, dash, version = stem.partition("-")
            if ext == "dist-info" and dash and version and "-" not in version:
                found.append((re.sub(r"[-_.]+", "_", dist).lower(), version))
        _DIST_INFOS[folder] = found
    return found


def cache_dir() -> Path | None:
    """The folder of derive's caches, or None when DERIVE_NO_CACHE=1 turns them off."""
    if os.environ.get("DERIVE_NO_CACHE") == "1":
        return None
    base = os.environ.get("DERIVE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "derive")
    return Path(base)


# the `save` of every cache this process opened
_SAVES: list[Callable[[], None]] = []


def saved_at_exit(save: Callable[[], None]) -> None:
    """Save a cache at the interpreter's exit, and whenever `save_all` is called."""
    _SAVES.append(save)
    atexit.register(save)


def save_all() -> None:
    """Save every cache this process opened: a worker process, which ends without running
    `atexit`, saves so after each file it checks."""
    for save in _SAVES:
        save()


def open_signed(filename: str) -> tuple[bytes, Path, dict[str, Any]] | None:
    """A signed cache file of the cache folder: its key, its path and its entries as read (none
    when it is missing or unreadable); None when caching is off or no key can be had, since
    unsigned entries are never trusted. Every cache of derive opens its file so."""
    base = cache_dir()
    if base is None:
        return None
    secret = _secret(base / "key")
    if secret is None:
        return None
    path = base / filename
    entries: dict[str, Any] = {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            entries = data
    except (OSError, ValueError, RecursionError):
        pass
    return secret, path, entries


def save_json(path: Path, entries: dict, prefix: str, *, written: set[str],
              dropped: set[str], fit: Callable[[dict], dict] | None = None) -> dict | None:
    """Write a cache file atomically (readers see the old file or the new one), merged with
    what other runs wrote to it since it was read (parallel workers, a second terminal): under
    an exclusive lock, the file's entries as they are now, less those this run `dropped`, with
    this run's `written` entries over them, trimmed by `fit`. The entries written, or None when
    the file cannot be written, which only costs time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.with_name(path.name + ".lock")):
            try:
                now = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                now = {}
            merged = {k: v for k, v in (now if isinstance(now, dict) else {}).items()
                      if k not in dropped}
            merged.update((k, entries[k]) for k in written if k in entries)
            if fit is not None:
                merged = fit(merged)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(merged, fh, sort_keys=True)
            os.replace(tmp, path)
        return merged
    except OSError:
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock of `path` for the block (where the system has `flock`)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _secret(path: Path) -> bytes | None:
    """The cache's signing key: read, or made (owner-only) on first use; None if neither."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        with os.fdopen(fd, "wb") as fh:  # mkstemp: mode 0600
            fh.write(key)
        try:
            os.link(tmp, path)  # only if there is none: two first runs agree on one key
        except FileExistsError:
            key = path.read_bytes()
        finally:
            os.unlink(tmp)
        return key if len(key) >= 32 else None
    except OSError:
        return None
