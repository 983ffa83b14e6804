"""Checking cost against document length: the chapter once, twice, 4 and 8 times in one file.

A k-times document is the chapter's front matter followed by its body (everything after the
front matter: prose, definitions, claims) written k times, so it holds k times the formulas
and gives k times the verdicts (the benchmark checks that it does). Each size is checked by
`derive check --format json FILE` in a fresh interpreter, sizes alternating run by run so that
a busy machine slows them alike; all runs share one temporary cache folder, warmed by one
unmeasured check of every size, whose verdict file is deleted before each measured run (the
parse cache stays warm; every claim is evaluated: a warm verdict cache would measure reading it). Size 0 (the front matter alone) is the fixed cost of a run:
interpreter, imports, reading. Printed per size: the median wall-clock and CPU seconds, the
ratio to 1x and the cost per copy of the chapter beyond the fixed cost, (t_k - t_0) / k, which
stays flat when the checking is linear (both in CPU time of the check, steadier than the wall
clock on a shared machine). Usage:

    python benchmarks/linearity.py [--sizes 1,2,4,8] [--runs 3] [--file formulas/backprop.md]
                                   [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERDICTS = ("definition", "verified", "refuted", "conditional", "unchecked", "error", "flagged")


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body) of a document opening with a `<!-- derive ... -->` comment."""
    if text.startswith("<!-- derive"):
        end = text.index("-->") + len("-->")
        return text[:end], text[end:]
    return "", text


def copies(text: str, k: int) -> str:
    front, body = split_front_matter(text)
    return front + body * k + ("\n" if k == 0 else "")


def _check(path: Path, env: dict[str, str]) -> tuple[tuple[float, float], dict[str, int]]:
    """((wall-clock seconds, CPU seconds of the child), the verdict counts)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "derive", "check", "--format", "json",
                           str(path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"derive check {path} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    summary = json.loads(done.stdout)["summary"]
    return (took, cpu), {v: int(summary.get(v, 0)) for v in VERDICTS}


def measure(source: Path, sizes: list[int], runs: int) -> dict:
    text = source.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="derive-linearity-") as tmp:
        env = {**os.environ, "DERIVE_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("DERIVE_NO_CACHE", None)
        files = {}
        for k in sorted(set([0, *sizes])):
            files[k] = Path(tmp) / f"x{k}-{source.name}"
            files[k].write_text(copies(text, k), encoding="utf-8")
        counts = {k: _check(path, env)[1] for k, path in files.items()}  # warms the caches
        times: dict[int, list[tuple[float, float]]] = {k: [] for k in files}
        for _ in range(runs):
            for k, path in files.items():
                for f in (Path(tmp) / "cache").glob("verdicts-*.json"):
                    f.unlink()
                took, seen = _check(path, env)
                if seen != counts[k]:
                    sys.exit(f"{k}x: the verdicts changed between runs: {counts[k]} / {seen}")
                times[k].append(took)
    def med(k: int, i: int) -> float:
        return statistics.median(t[i] for t in times[k])

    fixed = med(0, 1)
    one = med(1, 1) if 1 in times else None
    rows = []
    for k in sorted(times):
        cpu = med(k, 1)
        rows.append({
            "copies": k,
            "results": sum(counts[k].values()),
            "verdicts": counts[k],
            "median_s": round(med(k, 0), 3),  # wall clock
            "cpu_s": round(cpu, 3),  # CPU time of the check: what the ratios use
            "ratio_to_1x": round(cpu / one, 3) if one else None,
            "per_copy_s": round((cpu - fixed) / k, 3) if k else None,
        })
    return {"file": source.as_posix(), "runs": runs, "fixed_s": round(fixed, 3), "sizes": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8", help="copies of the chapter, comma separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path, default=Path("formulas/backprop.md"))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(k < 1 for k in sizes) or args.runs < 1:
        parser.error("sizes and runs must be positive")
    source = args.file if args.file.is_absolute() else ROOT / args.file
    result = measure(source, sizes, args.runs)
    result["file"] = args.file.as_posix()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['file']}: medians of {args.runs} interleaved runs, fresh interpreters; "
          f"fixed cost (front matter only) {result['fixed_s']:.2f} s CPU")
    print(f"{'copies':>6} {'results':>9} {'wall s':>9} {'CPU s':>9} {'vs 1x':>7} "
          f"{'CPU s per copy':>15}")
    for row in result["sizes"]:
        if row["copies"] == 0:
            continue
        print(f"{row['copies']:>6} {row['results']:>9} {row['median_s']:>9.2f} "
              f"{row['cpu_s']:>9.2f} {row['ratio_to_1x']:>6.2f}x {row['per_copy_s']:>15.2f}")


if __name__ == "__main__":
    main()
