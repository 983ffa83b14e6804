"""The disk cache of symbolic confirmations (derive.cache): it changes nothing but the time.

Every test points DERIVE_CACHE_DIR at its own temporary folder (conftest.py already keeps the
session's caches out of the user's ~/.cache/derive).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sympy

from derive import cache as confirm_cache
from derive.cache import CacheWarning, confirmations, count_ops, simplifies_to_zero
from derive.check import check_file
from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "golden" / "mini.md"
X, Y = sympy.symbols("x y")
ZERO = sympy.sin(X) ** 2 + sympy.cos(X) ** 2 - 1  # simplify proves it
NONZERO = sympy.sin(X) ** 2 - sympy.cos(Y)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(where))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    return where


def _count_simplify(monkeypatch: pytest.MonkeyPatch) -> list[sympy.Basic]:
    calls: list[sympy.Basic] = []
    real = sympy.simplify

    def counting(expr, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(expr)
        return real(expr, *args, **kwargs)

    monkeypatch.setattr(sympy, "simplify", counting)
    return calls


def test_an_outcome_is_computed_once_and_read_back_from_disk(folder, monkeypatch):
    calls = _count_simplify(monkeypatch)
    assert simplifies_to_zero(ZERO, 60) is True
    assert simplifies_to_zero(NONZERO, 60) is False
    assert simplifies_to_zero(ZERO, 60) is True
    assert len(calls) == 2
    confirmations().save()
    stored = json.loads((folder / f"confirmations-{confirm_cache.FORMAT}.json").read_text())
    assert sorted(e["zero"] for e in stored.values()) == [False, True]
    # a new process (a new store for the same folder) reads it: no simplify at all
    confirm_cache.forget()
    assert simplifies_to_zero(ZERO, 60) is True and simplifies_to_zero(NONZERO, 60) is False
    assert len(calls) == 2


def test_the_key_is_the_expression_and_the_versions(folder):
    store = confirmations()
    assert store.key(ZERO) == store.key(sympy.sin(X) ** 2 + sympy.cos(X) ** 2 - 1)
    assert store.key(ZERO) != store.key(ZERO.subs(X, Y))
    other = confirm_cache.Confirmations()
    other.version = store.version + "+1"
    assert other.key(ZERO) != store.key(ZERO)


@pytest.mark.parametrize("spoil", ["flip", "mac", "not-a-bool", "not-a-dict", "bad-size"])
def test_a_corrupt_entry_is_ignored_and_simplified_again(folder, monkeypatch, spoil):
    assert simplifies_to_zero(NONZERO, 60) is False
    store = confirmations()
    store.save()
    path = store.path
    data = json.loads(path.read_text())
    (key, entry), = data.items()
    if spoil == "flip":  # an edited outcome: the tag no longer matches
        entry["zero"] = True
    elif spoil == "mac":
        entry["mac"] = "0" * 64
    elif spoil == "not-a-bool":
        entry["zero"] = "yes"
    elif spoil == "bad-size":
        entry["ops"] = "7"
    else:
        data[key] = True
    path.write_text(json.dumps(data))
    confirm_cache.forget()
    calls = _count_simplify(monkeypatch)
    with pytest.warns(CacheWarning, match="ignored an entry of the confirmation cache"):
        assert simplifies_to_zero(NONZERO, 60) is False
    assert len(calls) == 1


def test_an_unreadable_file_is_an_empty_cache(folder):
    folder.mkdir(parents=True)
    confirmations()  # makes the key
    (folder / f"confirmations-{confirm_cache.FORMAT}.json").write_text("{not json")
    confirm_cache.forget()
    assert confirmations().entries == {}
    assert simplifies_to_zero(ZERO, 60) is True


def test_a_stopped_simplification_is_not_stored(folder):
    from derive.budget import BudgetExceeded

    hard = sympy.expand((X + Y + 1) ** 40) - sympy.expand((1 + X + Y) ** 40)
    with pytest.raises(BudgetExceeded):
        simplifies_to_zero(sympy.Add(hard, sympy.sin(X) ** 2, evaluate=False), 1e-6)
    assert confirmations().entries == {}


def test_no_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    assert simplifies_to_zero(ZERO, 60) is True
    confirmations().save()
    assert not (tmp_path / "cache").exists()


def test_a_report_reads_its_confirmations_back_and_says_the_same(folder, tmp_path, monkeypatch):
    """The second report of an unchanged file simplifies nothing and writes the same bytes; once
    cached, what it says no longer depends on the simplify budget."""
    monkeypatch.chdir(tmp_path)  # nothing may be written to the working directory
    first, second = tmp_path / "r1", tmp_path / "r2"
    assert main(["report", str(MINI), "-o", str(first)]) == 0
    confirmations().save()
    confirm_cache.forget()
    calls = _count_simplify(monkeypatch)
    monkeypatch.setenv("DERIVE_SIMPLIFY_BUDGET", "0.000001")  # would stop any real simplify
    assert main(["report", str(MINI), "-o", str(second)]) == 0
    assert calls == []
    assert confirmations().hits >= 1
    for name in ("mini.md", "mini.json", "mini.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert "confirmed by sympy.simplify" in (second / "mini.md").read_text()
    assert sorted(os.listdir(tmp_path)) == ["cache", "r1", "r2"]


def test_an_edited_definition_is_simplified_again(folder, tmp_path, monkeypatch):
    text = MINI.read_text(encoding="utf-8")
    check_file(MINI, "mini.md", symbolic=True)
    calls = _count_simplify(monkeypatch)
    check_file(MINI, "mini.md", symbolic=True)
    assert calls == []
    # the same sigmoid written another way: the claim still holds, its expanded difference
    # (so its key) is another
    edited = tmp_path / "mini.md"
    written = r"g(t) &= \frac{1}{1 + e^{-t}}"
    assert written in text
    edited.write_text(text.replace(written, r"g(t) &= \frac{e^{t}}{e^{t} + 1}"), encoding="utf-8")
    rep = check_file(edited, "mini.md", symbolic=True)
    assert calls
    assert any("confirmed by sympy.simplify" in (r.evidence or "") for r in rep.results)


def test_the_size_is_kept_beside_the_outcome_and_validated(folder, monkeypatch):
    size = sympy.count_ops(NONZERO)
    assert count_ops(NONZERO) == size
    assert simplifies_to_zero(NONZERO, 60) is False
    store = confirmations()
    store.save()
    (entry,) = json.loads(store.path.read_text()).values()
    assert entry["ops"] == size and entry["zero"] is False
    counted = []
    monkeypatch.setattr(sympy, "count_ops", lambda e, *a, **k: counted.append(e) or 0)
    confirm_cache.forget()
    assert count_ops(NONZERO) == size and counted == []  # read back, not counted
    # an edited size is ignored and counted again
    data = json.loads(store.path.read_text())
    (key,) = data
    data[key]["ops"] = 1
    store.path.write_text(json.dumps(data))
    confirm_cache.forget()
    with pytest.warns(CacheWarning):
        assert count_ops(NONZERO) == 0  # the (patched) count, not the edited one
    assert len(counted) == 1


def test_two_runs_saving_at_once_keep_each_others_entries(folder):
    """Parallel workers (and a second terminal) each save what they added: the file keeps both
    runs' entries, and an entry one run found spoiled is not written back by the other."""
    from derive.cache import Verdicts

    first, second = Verdicts(), Verdicts()  # both read the (empty) file before either saves
    first.put("a", {"status": "verified"})
    second.put("b", {"status": "refuted"})
    first.save()
    second.save()
    data = json.loads(first.path.read_text())
    assert set(data) == {"a", "b"}
    third = Verdicts()
    assert third.get("a") == {"status": "verified"} and third.get("b") == {"status": "refuted"}
    spoiled = json.loads(first.path.read_text())
    spoiled["a"]["value"] = {"status": "refuted"}  # edited: its tag no longer matches
    first.path.write_text(json.dumps(spoiled))
    reader, other = Verdicts(), Verdicts()
    with pytest.warns(CacheWarning, match="ignored an entry of the verdict cache"):
        assert reader.get("a") is None
    other.put("c", {"status": "verified"})
    reader.save()
    other.save()  # merges: "a" stays dropped, "b" and "c" stay
    assert set(json.loads(first.path.read_text())) == {"b", "c"}
