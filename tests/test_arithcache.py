"""The disk cache of arithmetic parses: it must change nothing but the time."""

from __future__ import annotations

import json

import pytest
import sympy

from derive.arithcache import Cache, CacheWarning, decode, encode
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
    with pytest.warns(CacheWarning, match="not a signed entry"):
        assert Cache().get("A + B") is None


@pytest.mark.parametrize("tree", [
    ["Rational", "1", "0"],  # 1/0
    ["Integer", "1" * 5000],  # beyond any written number
    ["Integer", "1e5"],
    ["Add", []],
    ["Symbol", 3],
    ["Sum", ["Symbol", "A"], [["Symbol", "q"]]],
    "Add",
])
def test_malformed_trees_are_refused(tree):
    with pytest.raises(ValueError):
        decode(tree)


def test_deep_nesting_is_refused_without_recursion_error():
    tree: list = ["Symbol", "A"]
    for _ in range(5000):
        tree = ["Mul", [tree, ["Integer", "2"]]]
    with pytest.raises(ValueError, match="nested too deeply"):
        decode(tree)


def test_signed_entries_round_trip_and_the_key_is_private(tmp_path, monkeypatch):
    import stat

    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
    cache = Cache()
    value = sympy.Add(sympy.Symbol("A"), sympy.Integer(2), evaluate=False)
    cache.put("A + 2", value)
    cache.save()
    again = Cache()
    assert again.get("A + 2") == value
    mode = stat.S_IMODE((tmp_path / "key").stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)
    # the same tree under another skeleton, or signed with another cache's key: refused
    entry = json.loads(again.path.read_text(encoding="utf-8"))["A + 2"]
    assert not again.entries.get("A + 3")
    again.entries["A + 3"] = entry
    with pytest.warns(CacheWarning, match="checksum does not match"):
        assert again.get("A + 3") is None


def _doc(tmp_path):
    from hostile import write_doc

    return write_doc(tmp_path, r"\frac{\partial{\mathcal{L}}}{\partial{b_i^{(l)}}} = "
                               r"\delta^{(l+1)}_i - y_1 + y_1")


def _run(path, capsys):
    from derive.cli import main

    _disk_cache.cache_clear()
    _arithmetic.cache_clear()
    code = main(["check", str(path)])
    out, _ = capsys.readouterr()
    _disk_cache().save()
    return code, out


def test_a_tampered_entry_changes_no_verdict(tmp_path, monkeypatch, capsys):
    """A negated term, edited in the cache file without its checksum: warned about, parsed
    again, the same verdicts."""
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(cache_dir))
    doc = _doc(tmp_path)
    code, before = _run(doc.path, capsys)
    assert code == 0 and "✗" not in before
    (cache_file,) = cache_dir.glob("arithmetic-*.json")
    entries = json.loads(cache_file.read_text(encoding="utf-8"))
    tampered = 0
    for entry in entries.values():
        if entry["tree"][0] == "Add":  # negate the first term of every sum
            first = entry["tree"][1][0]
            entry["tree"][1][0] = ["Mul", [["Integer", "-1"], first]]
            tampered += 1
    assert tampered
    cache_file.write_text(json.dumps(entries), encoding="utf-8")
    with pytest.warns(CacheWarning, match="checksum does not match"):
        code, after = _run(doc.path, capsys)
    assert code == 0 and after == before
    # the bad entries were replaced by good ones: no warning the next time
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert _run(doc.path, capsys) == (0, before)
    _disk_cache.cache_clear()
    _arithmetic.cache_clear()


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
