"""Time budgets: a claim or a symbolic confirmation past its budget is `unchecked` with the
reason, the other formulas go on, and the run ends in bounded time. These are correctness tests
of the budget, with generous bounds, not speed tests."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from hostile import GOOD, check, write_doc

from derive.budget import BudgetExceeded, deadline
from derive.check import check_file
from derive.cli import main
from derive.results import Status

ROOT = Path(__file__).resolve().parents[1]


def test_a_claim_past_its_budget_stops_and_the_next_is_still_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 5 nested sums over the widths: within the size bounds, but its diagnosis search runs for
    # half a minute; the claim is wrong, and the counterexample comes at once
    # (a power of a sum: no factor can leave the inner sums, derive.model.sums)
    nested = "".join(rf"\sum_{{{v}=1}}^{{C_n}} " for v in "pqrsu") + "(y_p + y_q + y_r + y_s + y_u)^2"
    doc = write_doc(tmp_path, rf"\delta^{{(l)}}_i = {nested}", GOOD)
    monkeypatch.setenv("DERIVE_CLAIM_BUDGET", "1")
    start = time.monotonic()
    run = check(capsys, doc)
    assert time.monotonic() - start < 60
    slow = doc.line_of(r"\delta^{(l)}_i = \sum")
    assert f":{slow}: ✗ refuted" in run.out
    assert ("differs from the derivation; the search for an explanation stopped: time budget "
            "exceeded (1 s)") in run.out
    assert f":{doc.line_of(GOOD)}: ✓ verified" in run.out
    assert run.code == 1


def test_an_unchecked_claim_past_its_budget_is_not_a_pass(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    doc = write_doc(tmp_path, GOOD)
    monkeypatch.setenv("DERIVE_CLAIM_BUDGET", "0.000001")
    run = check(capsys, doc)
    assert f":{doc.line_of(GOOD)}: ? unchecked" in run.out
    assert "time budget exceeded (1e-06 s)" in run.out
    assert run.code == 0  # nothing refuted, nothing wrong with the input
    assert check(capsys, doc, "--strict").code == 1  # but unchecked is not a pass


def test_the_budget_is_a_parameter_of_check_file(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, GOOD)
    rep = check_file(doc.path, claim_budget=1e-6)
    claim = rep.results[-1]
    assert claim.status is Status.UNCHECKED
    assert claim.message == "time budget exceeded (1e-06 s)"
    # and with the default budget the same claim is verified: the caches were not spoilt
    assert check_file(doc.path).results[-1].status is Status.VERIFIED


def test_a_budget_after_a_counterexample_keeps_the_refutation(tmp_path: Path) -> None:
    wrong = r"\frac{\partial{\mathcal{L}}}{\partial{b_i^{(l)}}} = \delta^{(l)}_i"
    doc = write_doc(tmp_path, wrong)
    full = check_file(doc.path).results[-1]
    assert full.status is Status.REFUTED and full.diagnosis
    # a budget that ends the claim during its diagnosis search: found by halving
    lo, hi = 0.0, 5.0
    cut = None
    for _ in range(12):
        mid = (lo + hi) / 2
        r = check_file(doc.path, claim_budget=mid).results[-1]
        if r.status is Status.REFUTED and "time budget exceeded" in r.message:
            cut = r
            break
        if r.status is Status.UNCHECKED:
            lo = mid
        else:
            hi = mid
    if cut is None:
        pytest.skip("no budget fell inside the diagnosis search on this machine")
    assert cut.counterexample is not None
    assert cut.message.startswith("differs from the derivation; the search for an explanation "
                                  "stopped: time budget exceeded")


def test_report_on_own_notation_ends_within_the_simplify_budget(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`derive report tests/data/own_notation.md` hung in sympy.simplify for over 14 minutes."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DERIVE_SIMPLIFY_BUDGET", "2")
    # an empty confirmation cache: an outcome another test stored would not need the budget
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    start = time.monotonic()
    code = main(["report", "tests/data/own_notation.md", "-o", str(tmp_path)])
    took = time.monotonic() - start
    out, err = capsys.readouterr()
    assert code == 0, err
    assert took < 60
    report = (tmp_path / "own_notation.json").read_text(encoding="utf-8")
    assert "confirmed by sympy.simplify" in report  # the quick ones are still proved
    assert "sympy.simplify stopped" in report and "time budget exceeded (2 s)" in report


def test_deadlines_nest_and_give_back_the_alarm() -> None:
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match=r"time budget exceeded \(0.3 s\)"):
        with deadline(0.3):
            with deadline(30):  # the outer budget ends the inner block too
                while True:
                    pass
    assert time.monotonic() - start < 10
    with deadline(5):
        with pytest.raises(BudgetExceeded):
            with deadline(0.2):
                while True:
                    pass
        assert time.monotonic() - start < 10  # the outer block goes on
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with deadline(None), deadline(0):  # no budget
        pass


def test_an_expiry_inside_a_finalizer_is_not_printed(tmp_path):
    """The alarm can land in a `__del__` that runs inside the block; Python swallows it there as
    unraisable and used to print "Exception ignored in ... _Expired" with a traceback (a CLI
    test caught it under load). The block still ends with BudgetExceeded, and nothing is
    printed."""
    import subprocess
    import sys

    script = tmp_path / "finalizer.py"
    script.write_text(
        "import time\n"
        "from derive.budget import deadline, BudgetExceeded\n"
        "class Slow:\n"
        "    def __del__(self):\n"
        "        t = time.monotonic()\n"
        "        while time.monotonic() - t < 0.3: pass\n"
        "try:\n"
        "    with deadline(0.1):\n"
        "        Slow()\n"
        "        t = time.monotonic()\n"
        "        while time.monotonic() - t < 2: pass\n"
        "except BudgetExceeded as e:\n"
        "    print('stopped:', e)\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert run.stdout.strip() == "stopped: time budget exceeded (0.1 s)", run.stdout
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr, run.stderr
