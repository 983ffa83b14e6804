"""The same input gives the same bytes: in fresh processes with other hash seeds, with a cold
and a warm parse cache.

Python randomises the hashes of strings per process (PYTHONHASHSEED), so any output that
follows the iteration order of a set or dict of names would differ between two runs of the
command line. Each run here is its own process with its own seed, different from this test
session's:

* `derive check --format json`, with an empty parse cache (DERIVE_CACHE_DIR in a temporary
  folder): its bytes must be those this session renders from its own check of the chapter
  (the `chapter_report` fixture);
* then `derive report --check` under another seed, reading the cache the first run wrote: it
  regenerates every report and compares it byte for byte with the committed one under
  reports/ (so the committed reports are current, too).
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
    cache = tmp_path / "cache"
    a, b = _seeds(2)
    first = _start(["check", CHAPTER, "--format", "json"], a, cache)

    buf = io.StringIO()  # what this session (its own hash seed) prints for the same check
    printer = make_printer("json", out=buf, err=io.StringIO())
    printer.begin(1, 1, CHAPTER)
    printer.file(chapter_report)
    printer.finish()
    mine = buf.getvalue().encode("utf-8")
    assert b'"verified"' in mine

    code, json_cold, err = _finish(first)
    assert code == 0, err
    assert json_cold == mine, f"check --format json under PYTHONHASHSEED={a} differs"
    assert list(cache.glob("arithmetic-*.json")), "the first run wrote no parse cache"
    code, _, err = _finish(_start(["report", "--check"], b, cache))  # the cache is warm now
    assert code == 0, (f"the reports generated under PYTHONHASHSEED={b} (warm cache) differ "
                       f"from the committed ones; if the change is meant, run `derive report` "
                       f"and commit:\n{err}")
