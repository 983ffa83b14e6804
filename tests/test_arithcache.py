"""The disk cache of arithmetic parses: it must change nothing but the time.

That a cold and a warm cache give the same bytes is shown end to end by
`test_determinism.py` (two command-line runs, the second reading the cache the first wrote).
"""

from __future__ import annotations

import json

import pytest
import sympy
from sympy import Add, Mul, Pow, Rational, Sum

from derive.arithcache import Cache, decode, encode

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


def test_a_saved_entry_is_read_back_by_a_new_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    cache = Cache()
    cache.put("A + B", VALUES[r"( 1 - A ) A"])
    cache.put("f(A)", sympy.Function("f")(A))  # not cacheable: left out, no error
    cache.save()
    again = Cache()
    assert sympy.srepr(again.get("A + B")) == sympy.srepr(VALUES[r"( 1 - A ) A"])
    assert again.get("f(A)") is None
    assert [p.parent for p in tmp_path.glob("arithmetic-*.json")] == [tmp_path]


def test_no_cache_when_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    cache = Cache()
    cache.put("A", A)
    cache.save()
    assert cache.get("A") is None and list(tmp_path.iterdir()) == []


def test_a_corrupt_or_foreign_cache_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    cache = Cache()
    assert cache.path is not None
    cache.path.write_text("{not json", encoding="utf-8")
    assert Cache().entries == {}
    cache.path.write_text(json.dumps({"A + B": ["eval", ["1"]]}), encoding="utf-8")
    assert Cache().get("A + B") is None
