"""The disk cache of arithmetic parses: it must change nothing but the time.

That a cold and a warm cache give the same bytes is shown end to end by
`test_determinism.py` (two command-line runs, the second reading the cache the first wrote).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from sympy import Add, Mul, Pow, Rational, Sum

from derive.arithcache import Cache, CacheWarning, decode, encode

A, B, C, U, V, Q, R = sympy.symbols("A B C U V q r")
_U = {"evaluate": False}

# what the arithmetic parser returns for placeholder skeletons: unevaluated trees
VALUES = {
    r"\frac{1}{2} A": Mul(Rational(1, 2), A, **_U),
    r"- ( A - B ) C": Mul(-1, Mul(Add(A, Mul(-1, B, **_U), **_U), C, **_U), **_U),
    r"\frac{1}{1 + e^{- A}}": Mul(1, Pow(Add(1, sympy.exp(Mul(-1, A, **_U), **_U), **_U), -1, **_U),
                                   **_U),
    r"\sum_{q=1}^{U} A B": Sum(Mul(A, B, **_U), (Q, 1, U)),
    r"- \sum_{q=1}^{U} A \ln B": Mul(-1, Sum(Mul(A, sympy.log(B, **_U), **_U), (Q, 1, U)), **_U),
    r"\frac{e^{A}}{\sum_{r=1}^{V} e^{B}}": Mul(sympy.exp(A, **_U),
                                               Pow(Sum(sympy.exp(B, **_U), (R, 1, V)), -1, **_U),
                                               **_U),
    r"( 1 - A ) A": Mul(Add(1, Mul(-1, A, **_U), **_U), A, **_U),
    "every function": Add(*[f(A, evaluate=False) for f in (
        sympy.sin, sympy.cos, sympy.tan, sympy.tanh, sympy.sinh, sympy.cosh, sympy.atan)],
        sympy.E, **_U),
}


@pytest.mark.parametrize("skeleton", list(VALUES))
def test_encode_decode_round_trip(skeleton):
    value = VALUES[skeleton]
    back = decode(json.loads(json.dumps(encode(value))))
    assert back == value
    assert sympy.srepr(back) == sympy.srepr(value)  # unevaluated, node for node


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


def test_no_cache_when_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    cache = Cache()
    cache.put("A", A)
    cache.save()
    assert cache.get("A") is None and list(tmp_path.iterdir()) == []


ROOT = Path(__file__).resolve().parents[1]


def _doc(tmp_path):
    from hostile import write_doc

    return write_doc(tmp_path, r"\frac{\partial{\mathcal{L}}}{\partial{b_i^{(l)}}} = "
                               r"\delta^{(l+1)}_i - y_1 + y_1")


def _run(path, cache_dir):
    """`derive check` in a fresh process (so nothing is cached in memory), with `cache_dir`."""
    env = {**os.environ, "DERIVE_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DERIVE_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-m", "derive", "check", str(path)], cwd=path.parent,
                          env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr


def test_a_tampered_entry_changes_no_verdict(tmp_path):
    """A negated term, edited in the cache file without its checksum: warned about, parsed
    again, the same verdicts."""
    cache_dir = tmp_path / "cache"
    doc = _doc(tmp_path)
    code, before, _ = _run(doc.path, cache_dir)
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
    code, after, err = _run(doc.path, cache_dir)
    assert "checksum does not match" in err and CacheWarning.__name__ in err
    assert code == 0 and after == before
    # the bad entries were replaced by good ones: no warning the next time
    code, again, err = _run(doc.path, cache_dir)
    assert (code, again) == (0, before) and CacheWarning.__name__ not in err


@pytest.mark.parametrize("skeleton", [s for s in VALUES if s != "every function"])
def test_the_fast_reader_makes_the_cached_trees(skeleton):
    """A cold parse by `derive.latex.fastarith` (no ANTLR) stores the tree latex2sympy2 makes,
    and the cache reads it back node for node."""
    from derive.latex import arithmetic, fastarith

    value = fastarith.parse(skeleton)
    assert value is not None
    parsed = arithmetic.reference_parse(skeleton)
    assert sympy.srepr(value) == sympy.srepr(parsed) and value == parsed
    back = decode(json.loads(json.dumps(encode(value))))
    assert sympy.srepr(back) == sympy.srepr(value) and back == value and back.args == value.args
