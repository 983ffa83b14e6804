"""The disk cache of arithmetic parses: it must change nothing but the time."""

from __future__ import annotations

import json

import pytest
import sympy

from derive.arithcache import Cache, decode, encode
from derive.check import check_file
from derive.latex import _arithmetic, _disk_cache


@pytest.mark.parametrize("skeleton", [
    r"\frac{1}{2} A", r"- ( A - B ) C", r"\frac{1}{1 + e^{- A}}", r"\sum_{q=1}^{U} A B",
    r"- \sum_{q=1}^{U} A \ln B", r"\frac{e^{A}}{\sum_{r=1}^{V} e^{B}}", r"( 1 - A ) A",
])
def test_encode_decode_round_trip(skeleton):
    _arithmetic.cache_clear()
    value = _arithmetic(skeleton)
    assert decode(json.loads(json.dumps(encode(value)))) == value  # unevaluated, identical


def test_unknown_nodes_are_not_decoded():
    with pytest.raises(ValueError):
        decode(["__import__", ["os"]])
    with pytest.raises(TypeError):
        encode(sympy.Function("f")(sympy.Symbol("x")))


def test_a_corrupt_or_foreign_cache_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
    cache = Cache()
    assert cache.path is not None
    cache.path.write_text("{not json", encoding="utf-8")
    assert Cache().entries == {}
    cache.path.write_text(json.dumps({"A + B": ["eval", ["1"]]}), encoding="utf-8")
    assert Cache().get("A + B") is None


def test_cold_and_warm_cache_give_the_same_report(tmp_path, monkeypatch):
    from pathlib import Path

    chapter = Path(__file__).resolve().parent.parent / "formulas" / "backprop.md"
    reports = []
    for _ in range(2):  # first run fills the cache, the second reads it
        monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
        _disk_cache.cache_clear()
        _arithmetic.cache_clear()
        reports.append(check_file(chapter, "formulas/backprop.md"))
        _disk_cache().save()
    assert list(tmp_path.glob("arithmetic-*.json"))
    assert reports[0].to_json() == reports[1].to_json()
    _disk_cache.cache_clear()
    _arithmetic.cache_clear()
