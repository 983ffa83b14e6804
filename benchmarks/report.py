"""`derive report` beside `derive check` on an unchanged chapter (goal: at most 1.3x).

Each run is a fresh interpreter; runs alternate between the commands so that a busy machine
slows them alike. Every run uses one temporary cache folder (DERIVE_CACHE_DIR), filled by one
unmeasured `derive report` first, so the parse cache and the confirmation cache are warm, as
they are for a user who re-runs the command; "report, no confirmation cache" deletes the
confirmations file before each of its runs (what every report cost before the cache). Reports
go to a temporary folder. Prints the medians and their ratio to `derive check`. Usage:

    python benchmarks/report.py [--runs 5] [--file formulas/backprop.md]
"""

from __future__ import annotations

import argparse
import os
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

        def run(cmd: list[str]) -> float:
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, check=False)
            took = time.perf_counter() - start
            if done.returncode not in (0, 1):
                sys.exit(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stderr}")
            return took

        run(commands["derive report"])  # fills both caches
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                if "no confirmation cache" in name:
                    for f in cache.glob("confirmations-*.json"):
                        f.unlink()
                times[name].append(run(cmd))  # (and writes the file again)
    base = statistics.median(times["derive check"])
    print(f"{args.file}, medians of {args.runs} interleaved runs")
    print(f"{'command':<40} {'median s':>9} {'ratio':>7}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<40} {med:>9.2f} {med / base:>6.2f}x")


if __name__ == "__main__":
    main()
