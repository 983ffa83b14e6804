"""Shared fixtures: the shipped chapter is checked once per test session."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

ROOT = Path(__file__).resolve().parent.parent

# The checkout these tests belong to is the one tested, whatever the working directory: from
# elsewhere, `import derive` would find another copy (an installed one, which pytest may already
# have imported for the `derive` plugin entry point). Put this checkout first and forget the other.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
_loaded = sys.modules.get("derive")
if _loaded is not None and Path(_loaded.__file__ or "").resolve().parent != ROOT / "derive":
    for _name in [m for m in sys.modules if m == "derive" or m.startswith("derive.")]:
        del sys.modules[_name]
# A test run writes nowhere but temporary folders: Hypothesis keeps no example database and its
# other files (by default in `.hypothesis/` of the working directory) go to a temporary folder.
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="derive-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)
settings.register_profile("derive", database=None)
# sympy.simplify's wall-clock budget (10 s by default) decides what a report says it confirmed;
# on a loaded machine it would make the committed reports look stale. Tests of the budget itself
# set it explicitly.
os.environ.setdefault("DERIVE_SIMPLIFY_BUDGET", "120")
# and each claim's: a loaded CI machine must not turn a verdict into "time budget exceeded"
# (the budget tests set their own)
os.environ.setdefault("DERIVE_CLAIM_BUDGET", "120")
# Matplotlib's font cache and config (the loss plot) likewise go to a temporary folder.
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="derive-mpl-"))
settings.load_profile("derive")

# Tests never read or write the user's parse cache (~/.cache/derive): set before any test module
# is imported, so that nothing parsed at collection reaches the user's cache. Subprocesses
# inherit it.
_PARSE_CACHE = tempfile.TemporaryDirectory(prefix="derive-cache-")
os.environ["DERIVE_CACHE_DIR"] = _PARSE_CACHE.name

CHAPTER = ROOT / "formulas" / "backprop.md"


@pytest.fixture(scope="session")
def chapter_text() -> str:
    return CHAPTER.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def chapter_report():
    from derive.check import check_file

    return check_file(CHAPTER, "formulas/backprop.md")


@pytest.fixture(scope="session")
def chapter_baseline(chapter_report):
    """The unedited chapter's results by (line, step): what an edit is compared with."""
    out = {(r.line, r.step): r for r in chapter_report.results}
    assert len(out) == len(chapter_report.results), "two results share a line and step"
    assert not chapter_report.has_refuted, "the shipped chapter itself has a refuted formula"
    return out




def assert_verdicts(rep, expected) -> None:
    """A report's results are `expected`, a list of (line, Status, words of the diagnosis or
    None), in order: the same lines and verdicts, and each given word in its diagnosis."""
    assert [(r.line, r.status) for r in rep.results] == [(line, s) for line, s, _ in expected], [
        (r.line, r.status.value, r.message) for r in rep.results]
    for r, (_, _, words) in zip(rep.results, expected):
        if words is not None:
            assert r.diagnosis is not None and words in r.diagnosis, (r.line, r.diagnosis)


def results_by_line(path: Path) -> dict[int, list]:
    """The results of checking `path`, by the line they are reported at."""
    from derive.check import check_file

    by_line: dict[int, list] = {}
    for r in check_file(path).results:
        by_line.setdefault(r.line, []).append(r)
    return by_line


def assert_row_cases(path: Path, cases: dict) -> None:
    """`cases` is the hand check of a document, {line: (Status, a piece of that line's text,
    words one of which the message or diagnosis says)}: exactly those lines are reported, one
    result each, with that verdict and words (the piece guards against an edited document)."""
    text = path.read_text(encoding="utf-8").splitlines()
    got = results_by_line(path)
    assert sorted(got) == sorted(cases), f"{path.name}: lines reported {sorted(got)}"
    for line, (verdict, piece, words) in cases.items():
        assert piece in text[line - 1], f"{path.name}:{line}: the document changed"
        (r,) = got[line]
        assert r.status == verdict, f"{path.name}:{line}: {r.status} {r.message}"
        said = f"{r.message} {r.diagnosis or ''}".lower()
        assert not words or any(w in said for w in words), f"{path.name}:{line}: {said}"


def assert_slips_caught(base, rep, slips) -> None:
    """The slips copy's report `rep` refutes each (line, words) of `slips` at that line with
    the words in its diagnosis, and every other row keeps the verdict it has in the correct
    copy's report `base`."""
    from derive.results import Status

    lines = {line for line, _ in slips}
    for line, words in slips:
        at = [r for r in rep.results if r.line == line]
        assert at and all(r.status is Status.REFUTED for r in at), (
            line, [(r.status.value, r.message) for r in at])
        assert all(r.diagnosis and words in r.diagnosis for r in at), (
            line, [r.diagnosis for r in at])
    assert [(r.line, r.status) for r in rep.results if r.line not in lines] == [
        (r.line, r.status) for r in base.results if r.line not in lines]


def assert_correct_copy(rep, least: int) -> None:
    """The correct copy's report refutes nothing and gives at least `least` results a verdict
    (definition, verified, refuted or conditional)."""
    from derive.results import Status

    verdicts = {Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.CONDITIONAL}
    assert not [r for r in rep.results if r.status is Status.REFUTED], [
        (r.line, r.message) for r in rep.results if r.status is Status.REFUTED]
    assert sum(r.status in verdicts for r in rep.results) >= least, [
        (r.line, r.status.value, r.message) for r in rep.results if r.status not in verdicts]


def random_problem(layers, batch, seed):  # type: ignore[no-untyped-def]
    """Inputs, one-hot labels and parameters ([W1, b1, W2, b2, ...]) drawn for a network (the
    trainer's tests compare generated steps on them)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, layers[0]))
    y = np.eye(layers[-1])[rng.integers(0, layers[-1], size=batch)]
    params = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        params += [rng.normal(size=(fan_out, fan_in)), rng.normal(size=fan_out)]
    return x, y, params
