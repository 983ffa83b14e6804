"""Disk caches of a check's work: the symbolic confirmations (whether `sympy.simplify` reduced a
difference to 0) and the verdicts (`Verdicts`: what a check concluded of each claim, keyed on
everything the verdict rests on; see the class).

`derive report` (and `check --symbolic`) puts each verified claim's fully expanded difference,
at one index assignment, to `sympy.simplify`: about a second for each large one, recomputed on
every run. The outcome is a pure function of the expression and of SymPy's version, so it is
kept on disk keyed on a SHA-256 of

    the entry format, derive's version, SymPy's version, and the expression's tree (its
    `canonical` text, hashed and never read back).

The expression is the difference after every definition the claim rests on has been expanded
into it (numbers in place of the claim's indices), so the key already holds those definitions:
an edited definition gives another expression, hence another key. Only the two outcomes that do
not depend on the clock are kept, "reduced to 0" and "not reduced to 0"; a simplification stopped
by its wall-clock budget is not stored, and is tried again on the next run. Beside the outcome an
entry keeps the expression's `sympy.count_ops` (the size that decides whether a confirmation is
tried at all), which on these expressions costs about as much as the rest of a warm report.

The file lives in the same folder as the parse cache (`derive.arithcache`: DERIVE_CACHE_DIR,
else $XDG_CACHE_HOME/derive, else ~/.cache/derive; never the working directory;
DERIVE_NO_CACHE=1 turns both off), and is validated the same way: every entry carries an
HMAC-SHA256 of its key, outcome and size under the secret `key` file of that folder. An entry
whose outcome is not a boolean or whose size is not a whole number, or whose tag does not match
(an edited outcome, an entry copied from another key), is ignored with a `CacheWarning` and the
work is done again: the cache can cost time, never change a report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import sympy
from sympy.core.symbol import Str

from derive import __version__
from derive.arithcache import (
    CacheWarning,
    SignedStore,
    cache_dir,
    dist_version,
)
from derive.budget import deadline

FORMAT = 3  # 2: an entry holds the outcome ("zero") and/or the size ("ops"); 3: keyed on
# `canonical` (a pickle's bytes depend on which equal subtrees are one object)

__all__ = ["CacheWarning", "Confirmations", "Verdicts", "cache_dir", "code_version",
           "confirmations", "count_ops", "simplifies_to_zero", "verdicts"]


def canonical(x: Any) -> bytes:
    """A serialisation of an expression (or a tuple, a dataclass, a number, a string of them)
    that depends on the tree only: two trees give the same bytes exactly when they have the
    same classes, names, assumptions and numbers in the same places. (A pickle does not: it
    writes an equal subtree once or twice as it is one object or two, which depends on the
    history of the process.) Only hashed, never read back."""
    return _canon(x, {}).encode("utf-8")


def _canon(x: Any, memo: dict[int, tuple[Any, str]]) -> str:
    if isinstance(x, sympy.Basic):
        held = memo.get(id(x))  # a subtree met again: its text once more (kept alive here)
        if held is not None and held[0] is x:
            return held[1]
        kind = type(x)
        name = f"{kind.__module__}.{kind.__qualname__}"
        if isinstance(x, sympy.Dummy):
            text = f"<{name} {x.name!r} {x.dummy_index} {sorted(x.assumptions0.items())}>"
        elif isinstance(x, sympy.Symbol):
            text = f"<{name} {x.name!r} {sorted(x.assumptions0.items())}>"
        elif isinstance(x, Str):
            text = f"<Str {x.name!r}>"
        elif isinstance(x, sympy.Rational):
            text = f"<Q {x.p} {x.q}>"
        elif isinstance(x, sympy.Float):
            text = f"<F {x._mpf_!r} {x._prec}>"
        elif not x.args:
            text = f"<{name}>"  # a singleton: pi, E, oo, true, ...
        else:
            text = f"({name} " + " ".join(_canon(a, memo) for a in x.args) + ")"
        memo[id(x)] = (x, text)
        return text
    if isinstance(x, (tuple, list)):
        return "[" + ",".join(_canon(a, memo) for a in x) + "]"
    if isinstance(x, (frozenset, set)):
        return "{" + ",".join(sorted(_canon(a, memo) for a in x)) + "}"
    if x is None or isinstance(x, (bool, int, str, float)):
        return repr(x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return f"<{type(x).__qualname__} " + " ".join(
            f"{f.name}={_canon(getattr(x, f.name), memo)}" for f in dataclasses.fields(x)) + ">"
    raise TypeError(f"no canonical form for {type(x).__name__}")


def _sympy_version() -> str:
    return dist_version("sympy") or sympy.__version__


class Confirmations(SignedStore):
    """Outcomes of `sympy.simplify(expr.doit()) == 0` and sizes (`sympy.count_ops`), by
    expression, on disk."""

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self._keys: dict[sympy.Basic, str] = {}  # this process's expressions (count, simplify)
        self.version = f"{__version__}/sympy-{_sympy_version()}"
        super().__init__(f"confirmations-{FORMAT}.json", ".confirm-")

    def key(self, expr: sympy.Basic) -> str:
        known = self._keys.get(expr)
        if known is None:
            known = self._keys[expr] = self._key(expr)
        return known

    def _key(self, expr: sympy.Basic) -> str:
        head = f"{FORMAT}\n{self.version}\n".encode()
        return hashlib.sha256(head + canonical(expr)).hexdigest()

    def _mac(self, key: str, zero: bool | None, ops: int | None) -> str:
        body = json.dumps([FORMAT, self.version, key, zero, ops], separators=(",", ":"))
        return hmac.new(self._secret, body.encode("utf-8"), hashlib.sha256).hexdigest()

    def _entry(self, key: str) -> dict[str, Any] | None:
        """The validated entry of `key` ({"zero": bool, "ops": int}, either may be absent)."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        zero, ops = (entry.get("zero"), entry.get("ops")) if isinstance(entry, dict) else (0, 0)
        if not (isinstance(entry, dict) and isinstance(entry.get("mac"), str)
                and (zero is None or isinstance(zero, bool))
                and (ops is None or (type(ops) is int and 0 <= ops < 10**9))
                and (zero is not None or ops is not None)):
            self._ignore(key, "it is not a signed outcome")
            return None
        if not hmac.compare_digest(entry["mac"], self._mac(key, zero, ops)):
            self._ignore(key, "its checksum does not match (corrupted or edited)")
            return None
        return entry

    def get(self, key: str) -> bool | None:
        """Whether the expression of `key` simplifies to 0, if known."""
        entry = self._entry(key)
        return None if entry is None else entry.get("zero")

    def get_ops(self, key: str) -> int | None:
        """`sympy.count_ops` of the expression of `key`, if known."""
        entry = self._entry(key)
        return None if entry is None else entry.get("ops")

    def _ignore(self, key: str, why: str) -> None:
        self._drop(key)
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"derive: ignored an entry of the confirmation cache {self.path}: "
                          f"{why}; simplifying again", CacheWarning, stacklevel=3)

    def put(self, key: str, zero: bool | None = None, *, ops: int | None = None) -> None:
        if self.path is None:
            return
        old = self._entry(key) or {}
        zero = old.get("zero") if zero is None else bool(zero)
        ops = old.get("ops") if ops is None else int(ops)
        entry: dict[str, Any] = {"mac": self._mac(key, zero, ops)}
        if zero is not None:
            entry["zero"] = zero
        if ops is not None:
            entry["ops"] = ops
        self._keep(key, entry)


def confirmations() -> Confirmations:
    """The confirmation cache of the current cache folder (each folder read once per process;
    written at exit and by `save`)."""
    return _store(cache_dir())


@cache
def _store(folder: Path | None) -> Confirmations:  # noqa: ARG001 - the memo's key
    return Confirmations()


def count_ops(expr: sympy.Basic) -> int:
    """`sympy.count_ops(expr)` (the size that decides whether a confirmation is tried), from
    the cache when it has it: on a large difference it costs about as much as reading a
    confirmation saves."""
    store = confirmations()
    key = store.key(expr)
    known = store.get_ops(key)
    if known is not None:
        return known
    ops = int(sympy.count_ops(expr))
    store.put(key, ops=ops)
    return ops


def simplifies_to_zero(expr: sympy.Basic, budget: float | None) -> bool:
    """`sympy.simplify(expr.doit()) == 0`, from the cache when it has the answer, else within
    `budget` seconds (BudgetExceeded when it runs out: not stored)."""
    store = confirmations()
    key = store.key(expr)
    known = store.get(key)
    if known is not None:
        store.hits += 1
        return known
    store.misses += 1
    with deadline(budget):
        zero = bool(sympy.simplify(expr.doit()) == 0)
    store.put(key, zero)
    return zero


# --------------------------------------------------------------------------------------------
# Verdicts: what a check concluded of a claim, by the claim and what it rests on

VERDICTS_FORMAT = 2  # 2: a verdict stores its diagnosis as data (a Finding) too
MAX_VERDICTS = 20_000  # entries kept in the file; those of this run first


@cache
def code_version() -> str:
    """A SHA-256 of derive's own source files and of the versions of the libraries a verdict
    comes from: a verdict is kept only for the code that reached it, so an edit of the checker
    (which keeps the version number until a release) never serves a verdict it would not give.
    Reading the 60 files takes about 3 ms."""
    h = hashlib.sha256(f"{VERDICTS_FORMAT}\n{__version__}\n{sys.version}\n".encode())
    for dist in ("sympy", "symengine", "mpmath", "latex2sympy2_extended", "antlr4-python3-runtime"):
        h.update(f"{dist}={dist_version(dist) or 'none'}\n".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"unreadable")
        h.update(b"\0")
    return h.hexdigest()


class Verdicts(SignedStore):
    """A check's verdicts on disk, keyed on everything a verdict rests on (the caller's key:
    the claim, the definitions it reaches, the notation, the budget and `code_version`).

    An entry may also name a `wide` digest, of the whole model: a verdict whose explanation
    searched every definition (a refutation's diagnosis, a condition) is served only while no
    definition of the model has changed, where a verified claim is served while the
    definitions it reaches are unchanged. Every entry is signed like the confirmations
    (HMAC-SHA256 under the folder's `key`); one that does not verify is ignored with a
    `CacheWarning` and the claim is checked again."""

    LIMIT = MAX_VERDICTS

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        super().__init__(f"verdicts-{VERDICTS_FORMAT}.json", ".verdicts-")

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def _mac(self, key: str, wide: str | None, value: Any) -> str:
        body = json.dumps([VERDICTS_FORMAT, key, wide, value], sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self._secret, body.encode("utf-8"), hashlib.sha256).hexdigest()

    def get(self, key: str, wide: Any = None) -> Any:
        """The stored value of `key` (JSON data), or None. `wide` is a function giving the
        current whole-model digest, asked only when the entry names one."""
        if self.path is None:
            return None
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        if not (isinstance(entry, dict) and isinstance(entry.get("mac"), str)
                and "value" in entry and (entry.get("wide") is None
                                          or isinstance(entry.get("wide"), str))):
            self.reject(key, "it is not a signed verdict")
            return None
        try:
            ok = hmac.compare_digest(entry["mac"], self._mac(key, entry.get("wide"),
                                                             entry["value"]))
        except (TypeError, ValueError, RecursionError):
            ok = False
        if not ok:
            self.reject(key, "its checksum does not match (corrupted or edited)")
            return None
        if entry.get("wide") is not None and (wide is None or wide() != entry["wide"]):
            self.misses += 1  # a definition the explanation searched has changed
            return None
        self.hits += 1
        self._used.add(key)
        return entry["value"]

    def reject(self, key: str, why: str) -> None:
        """Drop an entry that cannot be used (and say so once): the claim is checked again."""
        self._drop(key)
        self.misses += 1
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"derive: ignored an entry of the verdict cache {self.path}: {why}; "
                          "checking again", CacheWarning, stacklevel=3)

    def put(self, key: str, value: Any, wide: str | None = None) -> None:
        if self.path is None:
            return
        entry: dict[str, Any] = {"value": value, "mac": self._mac(key, wide, value)}
        if wide is not None:
            entry["wide"] = wide
        self._used.add(key)
        self._keep(key, entry)


def verdicts() -> Verdicts:
    """The verdict cache of the current cache folder (read once per process per folder,
    written at exit and by `save`)."""
    return _verdict_store(cache_dir())


@cache
def _verdict_store(folder: Path | None) -> Verdicts:  # noqa: ARG001 - the memo's key
    return Verdicts()


def forget() -> None:
    """Drop the confirmation and verdict caches held in memory, as a new process starts without
    them: the next `confirmations()` and `verdicts()` read their files again. Nothing is saved;
    call `save` on a store first to keep what it learned."""
    _store.cache_clear()
    _verdict_store.cache_clear()
