"""The same input gives the same bytes: in fresh processes with other hash seeds, with a cold
and a warm parse cache.

Python randomises the hashes of strings per process (PYTHONHASHSEED), so any output that
follows the iteration order of a set or dict of names would differ between two runs of the
command line. Each run here is its own process with its own seed, different from this test
session's:

* `derive check --format json` twice, the first with an empty parse cache (DERIVE_CACHE_DIR in a
  temporary folder), the second reading what the first wrote: both must be the bytes this
  session renders from its own check of the chapter (the `chapter_report` fixture);
* `derive report --check` (which regenerates every report and compares it byte for byte with
  the committed one under reports/) under a third seed; `test_report_committed.py` does the
  same in this session's process.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from derive.output import make_printer

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "formulas/backprop.md"

pytestmark = pytest.mark.skipif(os.environ.get("DERIVE_BACKEND") == "sympy",
                                reason="slow backend")


def _seeds(k: int) -> list[int]:
    """k hash seeds, none of them this session's (if it has a fixed one)."""
    own = os.environ.get("PYTHONHASHSEED")
    return [s for s in range(1, k + 2) if str(s) != own][:k]


def _start(args: list[str], seed: int, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "DERIVE_CACHE_DIR": str(cache),
           "PYTHONPATH": str(ROOT)}
    env.pop("DERIVE_NO_CACHE", None)
    return subprocess.Popen([sys.executable, "-m", "derive", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(p: subprocess.Popen) -> tuple[int, bytes, str]:
    out, err = p.communicate(timeout=900)
    return p.returncode, out, err.decode(errors="replace")


def test_json_and_reports_are_the_same_bytes_under_other_hash_seeds(chapter_report,
                                                                    tmp_path: Path) -> None:
    cold, own = tmp_path / "cache", tmp_path / "cache-report"
    a, b, c = _seeds(3)
    first = _start(["check", CHAPTER, "--format", "json"], a, cold)
    report = _start(["report", "--check"], c, own)  # side by side: they share no file
    code, json_cold, err = _finish(first)
    assert code == 0, err
    assert list(cold.glob("arithmetic-*.json")), "the first run wrote no parse cache"
    second = _start(["check", CHAPTER, "--format", "json"], b, cold)  # the cache is warm now

    buf = io.StringIO()  # what this session (its own hash seed) prints for the same check
    printer = make_printer("json", out=buf, err=io.StringIO())
    printer.begin(1, 1, CHAPTER)
    printer.file(chapter_report)
    printer.finish()
    mine = buf.getvalue().encode("utf-8")
    assert b'"verified"' in mine
    assert json_cold == mine, f"check --format json under PYTHONHASHSEED={a} differs"
    code, json_warm, err = _finish(second)
    assert code == 0, err
    assert json_warm == mine, f"check --format json with a warm cache (seed {b}) differs"
    code, _, err = _finish(report)
    assert code == 0, f"reports generated under PYTHONHASHSEED={c} differ:\n{err}"
