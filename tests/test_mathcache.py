"""The MathML of each formula kept on disk: a report from the cache is the report converted
afresh, byte for byte, and an entry edited on disk (markup carried into the page) is ignored
with a warning and converted again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.arithcache import CacheWarning
from derive.report import mathcache
from derive.report.mathml import to_mathml

TEX = r"\frac{\partial \mathcal{L}}{\partial w^{(l)}_{ij}} = \delta^{(l+1)}_i a^{(l)}_j"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(where))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    mathcache._store.cache_clear()
    to_mathml.cache_clear()
    yield where
    mathcache._store.cache_clear()
    to_mathml.cache_clear()


def _fresh() -> None:
    """As a new process: nothing held in memory."""
    mathcache._store.cache_clear()
    to_mathml.cache_clear()


def test_a_formula_is_converted_once_and_read_back(folder, monkeypatch):
    first = to_mathml(TEX, display=True)
    mathcache._store(mathcache.cache_dir()).save()
    _fresh()
    calls = []
    real = mathcache.cached_mathml

    def counting(tex, display, convert):  # type: ignore[no-untyped-def]
        return real(tex, display, lambda: calls.append(tex) or convert())

    monkeypatch.setattr("derive.report.mathml.cached_mathml", counting)
    assert to_mathml(TEX, display=True) == first and calls == []
    assert to_mathml(TEX, display=False) != first and calls == [TEX]  # another key


def test_an_edited_entry_is_ignored_and_converted_again(folder):
    first = to_mathml(TEX, display=True)
    store = mathcache._store(mathcache.cache_dir())
    store.save()
    data = json.loads(store.path.read_text())
    (key, entry), = data.items()
    entry["mathml"] = entry["mathml"].replace("<mi>", "<mi><script>alert(1)</script>", 1)
    store.path.write_text(json.dumps(data))
    _fresh()
    with pytest.warns(CacheWarning, match="ignored an entry of the MathML cache"):
        again = to_mathml(TEX, display=True)
    assert again == first and "script" not in again


def test_no_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    _fresh()
    to_mathml(TEX, display=True)
    mathcache._store(mathcache.cache_dir()).save()
    assert not (tmp_path / "cache").exists()
    _fresh()
