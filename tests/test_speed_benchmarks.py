"""The shipped speed benchmarks run and print what they say they print (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import linearity  # noqa: E402

MINI = ROOT / "tests" / "golden" / "mini.md"


def test_k_copies_keep_one_front_matter_and_repeat_the_body():
    text = MINI.read_text(encoding="utf-8")
    front, body = linearity.split_front_matter(text)
    assert front.startswith("<!-- derive") and front.endswith("-->") and body.strip()
    three = linearity.copies(text, 3)
    assert three.count("<!-- derive\n") == 1
    assert three.count(r"g^{\prime}(t) = g(t)(1 - g(t))") == 3


def test_the_linearity_benchmark_at_tiny_size():
    done = subprocess.run([sys.executable, "benchmarks/linearity.py", "--file",
                           "tests/golden/mini.md", "--sizes", "1,2", "--runs", "1", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["file"] == "tests/golden/mini.md" and result["runs"] == 1
    rows = {row["copies"]: row for row in result["sizes"]}
    assert sorted(rows) == [0, 1, 2]
    # k copies give k times the verdicts of one (the front matter alone gives none)
    assert sum(rows[0]["verdicts"].values()) == 0
    one = rows[1]["verdicts"]
    assert one["verified"] == 1 and one["refuted"] == 1 and one["definition"] == 5
    assert rows[2]["verdicts"] == {k: 2 * v for k, v in one.items()}
    assert rows[1]["ratio_to_1x"] == 1.0
    for k in (1, 2):
        assert rows[k]["median_s"] > 0 and rows[k]["cpu_s"] > 0
        assert isinstance(rows[k]["per_copy_s"], float)


def test_the_linearity_table_names_every_size():
    done = subprocess.run([sys.executable, "benchmarks/linearity.py", "--file",
                           "tests/golden/mini.md", "--sizes", "1", "--runs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("tests/golden/mini.md: medians of 1 interleaved runs")
    assert lines[1].split() == ["copies", "results", "wall", "s", "CPU", "s", "vs", "1x", "CPU",
                                "s", "per", "copy"]
    # 5 definitions and 3 claims
    assert lines[2].split()[:2] == ["1", "8"] and lines[2].split()[4] == "1.00x"
