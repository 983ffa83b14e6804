"""A disk cache of each formula's MathML, so that a report of an unchanged file costs what its
check costs.

latex2mathml takes about 2 ms a formula, and a report of the chapter shows 173 of them: a
third of what a warm report cost beyond a warm check. The MathML is a pure function of the
formula's LaTeX, of whether it is shown as a display, of derive's code (the normalising and the
sanitising around the converter: `derive.cache.code_version`) and of latex2mathml's version, so
it is kept keyed on those, beside the other caches (`derive.arithcache.cache_dir`; DERIVE_NO_CACHE=1
turns it off). What goes into a page must not be writable by anyone but derive: every entry is
signed with the cache folder's secret key (HMAC-SHA256 of its key and its MathML), and one that
does not verify is ignored with a `CacheWarning` and converted again. Failures (`MathError`)
are not kept.
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

from derive.arithcache import CacheWarning, SignedStore, cache_dir, dist_version

FORMAT = 1
MAX_ENTRIES = 20_000


class MathCache(SignedStore):
    LIMIT = MAX_ENTRIES

    def __init__(self) -> None:
        super().__init__(f"mathml-{FORMAT}.json", ".mathml-")

    def _mac(self, key: str, mathml: str) -> str:
        return hmac.new(self._secret, f"{key}\n{mathml}".encode(), hashlib.sha256).hexdigest()

    def get(self, key: str) -> str | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if (isinstance(entry, dict) and isinstance(entry.get("mathml"), str)
                and isinstance(entry.get("mac"), str)
                and hmac.compare_digest(entry["mac"], self._mac(key, entry["mathml"]))):
            self._used.add(key)
            return entry["mathml"]
        self._drop(key)
        warnings.warn(f"derive: ignored an entry of the MathML cache {self.path}: it is not a "
                      "signed entry (corrupted or edited); converting again", CacheWarning,
                      stacklevel=3)
        return None

    def put(self, key: str, mathml: str) -> None:
        if self.path is not None:
            self._keep(key, {"mathml": mathml, "mac": self._mac(key, mathml)})


def cached_mathml(tex: str, display: bool, convert: Callable[[], str]) -> str:
    """The MathML of `tex` from the disk cache, or `convert()`'s, then kept."""
    store = _store(cache_dir())
    if store.path is None:
        return convert()
    key = _key(tex, display)
    found = store.get(key)
    if found is None:
        found = convert()
        store.put(key, found)
    return found


def _key(tex: str, display: bool) -> str:
    head = f"{FORMAT}\n{_versions()}\n{int(display)}\n"
    return hashlib.sha256((head + tex).encode("utf-8", "surrogatepass")).hexdigest()


@cache
def _versions() -> str:
    from derive.cache import code_version

    return f"{code_version()}\nlatex2mathml={dist_version('latex2mathml') or 'none'}"


@cache
def _store(folder: Path | None) -> MathCache:  # noqa: ARG001 - the memo's key
    return MathCache()
