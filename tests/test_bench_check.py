"""benchmarks/check.py runs and prints every case, its outputs compared byte for byte with a
check without a cache (it stops on a difference). No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_check_benchmark_runs_every_case_once():
    done = subprocess.run([sys.executable, "benchmarks/check.py", "--runs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("formulas/backprop.md: medians of 1 interleaved runs")
    assert "byte-identical" in lines[0] and lines[1].startswith("load average before")
    cases = [line[:32].strip() for line in lines[3:]]
    assert cases == ["import sympy", "check, warm", "check, no verdict cache",
                     "check, cold (empty cache)", "check, one claim edited",
                     "check, one definition edited"]
    assert lines[3].split()[-1] == "1.00x"  # the baseline's ratio to itself
