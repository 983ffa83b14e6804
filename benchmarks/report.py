"""`derive report` beside `derive check` on an unchanged chapter (goal: at most 1.3x).

Each run is a fresh interpreter; runs alternate between the commands so that a busy machine
slows them alike. Every run uses one temporary cache folder (DERIVE_CACHE_DIR), filled by one
unmeasured `derive report` first, so the parse cache and the confirmation cache are warm, as
they are for a user who re-runs the command (the verdict cache too: a warm check and a warm
report serve every verdict and the symbolic evidence from it); "report, no confirmation cache"
deletes the confirmations and the verdict files before each of its runs (what every report cost
before the caches). Reports
go to a temporary folder. Prints the medians (wall clock and the command's CPU time) and
their ratios to `derive check`. Usage:

    python benchmarks/report.py [--runs 5] [--file formulas/backprop.md]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", default="formulas/backprop.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="derive-bench-") as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "reports"
        env = {**os.environ, "DERIVE_CACHE_DIR": str(cache)}
        env.pop("DERIVE_NO_CACHE", None)
        derive = [sys.executable, "-m", "derive"]
        commands = {
            "derive check": [*derive, "check", args.file],
            "derive report": [*derive, "report", "-o", str(out), args.file],
            "derive report, no confirmation cache": [*derive, "report", "-o", str(out),
                                                     args.file],
        }

        def run(cmd: list[str]) -> tuple[float, float]:
            """(wall-clock seconds, CPU seconds of the child)."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, check=False)
            took = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode not in (0, 1):
                sys.exit(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stderr}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return took, cpu

        run(commands["derive report"])  # fills both caches
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                if "no confirmation cache" in name:
                    for f in [*cache.glob("confirmations-*.json"),
                              *cache.glob("verdicts-*.json")]:
                        f.unlink()
                times[name].append(run(cmd))  # (and writes the file again)
    print(f"{args.file}, medians of {args.runs} interleaved runs (wall clock, and the CPU time "
          "of the command: on a shared machine the steadier of the two)")
    print(f"{'command':<40} {'wall s':>8} {'ratio':>7} {'CPU s':>8} {'ratio':>7}")
    base = [statistics.median(t[i] for t in times["derive check"]) for i in (0, 1)]
    for name, ts in times.items():
        wall, cpu = (statistics.median(t[i] for t in ts) for i in (0, 1))
        print(f"{name:<40} {wall:>8.2f} {wall / base[0]:>6.2f}x {cpu:>8.2f} {cpu / base[1]:>6.2f}x")


if __name__ == "__main__":
    main()
