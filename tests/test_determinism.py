"""The same input gives the same bytes: in fresh processes with different hash seeds, with a
cold and a warm parse cache.

Python randomises the hashes of strings per process (PYTHONHASHSEED), so any output that
follows the iteration order of a set or dict of names would differ between two runs of the
command line. Each run is its own process with its own seed; the first run of each pair starts
with an empty parse cache (DERIVE_CACHE_DIR in a temporary folder) and the second reads what
the first wrote, so the cache is shown to change nothing but the time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "formulas/backprop.md"

pytestmark = pytest.mark.skipif(os.environ.get("DERIVE_BACKEND") == "sympy",
                                reason="slow backend")


def _start(args: list[str], seed: int, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "DERIVE_CACHE_DIR": str(cache),
           "PYTHONPATH": str(ROOT)}
    env.pop("DERIVE_NO_CACHE", None)
    return subprocess.Popen([sys.executable, "-m", "derive", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(p: subprocess.Popen) -> bytes:
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err.decode(errors="replace")
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_report_and_json_are_the_same_bytes_under_any_hash_seed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    # cold cache: a report and the JSON of a check, each under its own seed (run side by side)
    first = [_start(["report", CHAPTER, "-o", str(tmp_path / "a")], 1, cache),
             _start(["check", CHAPTER, "--format", "json"], 2, tmp_path / "cache-2")]
    json_a = _finish(first[1])
    _finish(first[0])
    assert list(cache.glob("arithmetic-*.json")), "the first run wrote no parse cache"
    # warm cache, other seeds
    second = [_start(["report", CHAPTER, "-o", str(tmp_path / "b")], 3, cache),
              _start(["check", CHAPTER, "--format", "json"], 4, cache)]
    json_b = _finish(second[1])
    _finish(second[0])
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert set(a) == {"backprop.md", "backprop.html", "backprop.json"}
    assert set(a) == set(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between hash seeds 1 and 3"
    assert json_a.startswith(b"{") and b'"verified"' in json_a
    assert json_a == json_b, "check --format json differs between hash seeds 2 and 4"
