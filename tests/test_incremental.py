"""The verdict cache (derive.cache.Verdicts): a re-check after an edit reaches again only the
claims that rest on what was edited, and its output is byte for byte the output of a check
without any cache.

Every test uses its own cache folder (DERIVE_CACHE_DIR). A "new process" is simulated by
saving the store and forgetting it (`cache.forget()`), as a new run would read
the file afresh.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from derive import cache as cache_mod
from derive.cache import CacheWarning, verdicts
from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "golden" / "mini.md"

SIGMOID = r"g(t) &= \frac{1}{1 + e^{-t}} \\"
TANH = r"g(t) &= \tanh(t) \\"
CROSS_ENTROPY = r"\mathcal{L} &= - \sum_{j=1}^{C_n} y_j \ln \hat{y}_j"
SQUARED = r"\mathcal{L} &= \frac{1}{2} \sum_{j=1}^{C_n} (\hat{y}_j - y_j)^2"
WRONG_GRADIENT = (r"\frac{\partial{\mathcal{L}}}{\partial{w^{(1)}_{ij}}} = "
                  r"\frac{\partial{\mathcal{L}}}{\partial{z^{(2)}_i}}" + "\n")
RIGHT_GRADIENT = (r"\frac{\partial{\mathcal{L}}}{\partial{w^{(1)}_{ij}}} = "
                  r"\frac{\partial{\mathcal{L}}}{\partial{z^{(2)}_i}} a^{(1)}_j" + "\n")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(where))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    cache_mod.forget()
    yield where
    cache_mod.forget()


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, int, int]:
    """The JSON output of `derive check` as a new process gives it, and the verdict cache's
    hits and misses in that run."""
    verdicts().save()
    cache_mod.forget()
    capsys.readouterr()
    code = main(["check", "--format", "json", str(path)])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    store = verdicts()
    store.save()
    return out, store.hits, store.misses


def _uncached(path: Path, capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.setenv("DERIVE_NO_CACHE", "1")
        cache_mod.forget()
        out, hits, misses = _check(path, capsys)
        assert (hits, misses) == (0, 0)  # no cache at all
    cache_mod.forget()
    return out


def _statuses(out: str) -> dict[int, str]:
    return {r["line"]: r["status"] for f in json.loads(out)["files"] for r in f["results"]
            if r["status"] != "definition"}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_warm_check_serves_every_verdict_and_prints_the_same_bytes(folder, doc, capsys,
                                                                     monkeypatch):
    cold, hits, misses = _check(doc, capsys)
    claims = len(_statuses(cold))
    assert claims == 3 and hits == 0 and misses == claims
    assert (folder / f"verdicts-{cache_mod.VERDICTS_FORMAT}.json").is_file()
    warm, hits, misses = _check(doc, capsys)
    assert (hits, misses) == (claims, 0)
    assert warm == cold
    assert _uncached(doc, capsys, monkeypatch) == cold


def test_editing_a_claim_rechecks_that_claim_only(folder, doc, capsys, monkeypatch):
    before, _, _ = _check(doc, capsys)
    _edit(doc, WRONG_GRADIENT, RIGHT_GRADIENT)
    after, hits, misses = _check(doc, capsys)
    assert misses == 1 and hits == 2  # the two other claims served, the edited one checked
    old, new = _statuses(before), _statuses(after)
    assert [old[k] for k in sorted(old)] == ["verified", "conditional", "refuted"]
    assert [new[k] for k in sorted(new)] == ["verified", "conditional", "verified"]
    assert after == _uncached(doc, capsys, monkeypatch)


def test_editing_a_definition_rechecks_the_claims_that_rest_on_it(folder, doc, capsys,
                                                                  monkeypatch):
    before, _, _ = _check(doc, capsys)
    _edit(doc, CROSS_ENTROPY, SQUARED)  # the loss: g' does not rest on it
    after, hits, misses = _check(doc, capsys)
    assert hits == 1 and misses == 2  # g' served; the two gradients checked
    old, new = _statuses(before), _statuses(after)
    lines = sorted(new)
    assert new[lines[0]] == old[lines[0]] == "verified"
    assert old[lines[1]] == "conditional" and new[lines[1]] == "refuted"  # ŷ - y is not MSE's
    assert after == _uncached(doc, capsys, monkeypatch)
    assert after != before


def test_editing_the_activation_rechecks_everything_that_reaches_it(folder, doc, capsys,
                                                                    monkeypatch):
    before, _, _ = _check(doc, capsys)
    _edit(doc, SIGMOID, TANH)
    after, hits, misses = _check(doc, capsys)
    assert hits == 0  # every claim reaches g (the loss through z, a = g(z))
    old, new = _statuses(before), _statuses(after)
    first = min(new)
    assert old[first] == "verified" and new[first] == "refuted"  # tanh' is not g(1 - g)
    assert after == _uncached(doc, capsys, monkeypatch)
    # and back: the first verdicts are served again, unchanged
    _edit(doc, TANH, SIGMOID)
    again, hits, misses = _check(doc, capsys)
    assert again == before and misses == 0


def test_a_tampered_verdict_is_ignored_and_checked_again(folder, doc, capsys, monkeypatch):
    cold, _, _ = _check(doc, capsys)
    path = folder / f"verdicts-{cache_mod.VERDICTS_FORMAT}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data.values():
        if isinstance(entry.get("value"), dict) and entry["value"].get("status") == "refuted":
            entry["value"]["status"] = "verified"  # a refutation turned into a pass
    path.write_text(json.dumps(data), encoding="utf-8")
    cache_mod.forget()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warm, hits, misses = _check(doc, capsys)
    assert any(issubclass(w.category, CacheWarning) for w in seen)
    assert misses >= 1 and warm == cold


def test_a_malformed_but_signed_verdict_is_checked_again(folder, doc, capsys):
    cold, _, _ = _check(doc, capsys)
    store = verdicts()
    for key, entry in list(store.entries.items()):
        if "status" in entry["value"]:
            store.put(key, {**entry["value"], "counterexample": {"instance": 1}},
                      entry.get("wide"))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warm, hits, misses = _check(doc, capsys)
    assert any(issubclass(w.category, CacheWarning) for w in seen)
    assert warm == cold and misses >= 1


def test_verdicts_of_other_code_are_not_served(folder, doc, capsys, monkeypatch):
    cold, _, _ = _check(doc, capsys)
    monkeypatch.setattr(cache_mod, "code_version", lambda: "an edited checker")
    warm, hits, misses = _check(doc, capsys)
    assert hits == 0 and warm == cold


def test_a_claim_budget_that_runs_out_is_not_stored(folder, doc, capsys, monkeypatch):
    monkeypatch.setenv("DERIVE_CLAIM_BUDGET", "0.000001")
    out, _, _ = _check(doc, capsys)
    assert "unchecked" in _statuses(out).values()
    assert not any("status" in e["value"] and e["value"]["status"] == "unchecked"
                   for e in verdicts().entries.values())


def test_the_chapter_warm_is_the_chapter_uncached(folder, capsys, monkeypatch):
    """The chapter: a section checked in two models, conditions and diagnoses searched over
    the whole model, and the softmax note."""
    chapter = ROOT / "formulas" / "backprop.md"
    cold, repeated, misses = _check(chapter, capsys)  # a step the chapter writes twice: a hit
    warm, hits, again = _check(chapter, capsys)
    assert misses > 20 and again == 0 and hits == misses + repeated
    assert warm == cold == _uncached(chapter, capsys, monkeypatch)


def test_symbolic_evidence_is_served_with_the_verdict(folder, doc, capsys, monkeypatch):
    """`check --symbolic` (what `derive report` runs): the simplification's evidence is kept
    beside the verdict, and a warm run prints what a run without a cache prints."""
    def symbolic() -> tuple[str, int, int]:
        verdicts().save()
        cache_mod.forget()
        capsys.readouterr()
        assert main(["check", "--symbolic", "--format", "json", str(doc)]) in (0, 1)
        store = verdicts()
        store.save()
        return capsys.readouterr().out, store.hits, store.misses

    cold, _, misses = symbolic()
    assert "sympy.simplify" in cold and misses == 4  # three verdicts, one symbolic evidence
    warm, hits, misses = symbolic()
    assert (hits, misses) == (4, 0) and warm == cold
    with monkeypatch.context() as m:
        m.setenv("DERIVE_NO_CACHE", "1")
        cache_mod.forget()
        plain, _, _ = symbolic()
    assert plain == cold


def test_a_warm_check_of_inferred_notation_evaluates_nothing(folder, tmp_path, capsys,
                                                             monkeypatch):
    """Without front matter, the builder asks whether a second loss restates the first (it
    does not: the chapter's cross-entropy section); a warm check reads that answer from the
    verdict cache too, so it evaluates nothing and says the same."""
    import re

    from derive.evaluate import Engine

    bare = tmp_path / "backprop.md"
    bare.write_text(re.sub(r"<!-- derive.*?-->\n", "", (ROOT / "formulas" / "backprop.md")
                           .read_text(encoding="utf-8"), flags=re.S), encoding="utf-8")
    cold, _, misses = _check(bare, capsys)
    assert misses > 20

    def no_evaluation(*args, **kwargs):
        raise AssertionError("a warm check evaluated a claim")

    monkeypatch.setattr(Engine, "evaluate", no_evaluation)
    warm, hits, again = _check(bare, capsys)
    assert again == 0 and hits > 20
    assert warm == cold
