"""Cold-start time of `derive check formulas/backprop.md`, beside `python -c "import sympy"`,
and of `derive --version` / `derive --help` (target: under 0.2 s) beside a bare `python -c pass`
(the ratio to it is what stays put when other processes load the machine).

Each run is a fresh interpreter; runs alternate between the commands so that a busy
machine slows them alike. Prints the medians and their ratios to `import sympy` and to
`python -c pass`. Usage:

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "import sympy": [sys.executable, "-c", "import sympy"],
    "python -c pass": [sys.executable, "-c", "pass"],
    "derive --version": [sys.executable, "-m", "derive", "--version"],
    "derive --help": [sys.executable, "-m", "derive", "--help"],
    "derive check formulas/backprop.md": [sys.executable, "-m", "derive", "check",
                                          "formulas/backprop.md"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["import sympy"])
    bare = statistics.median(times["python -c pass"])
    print(f"{'command':<40} {'median s':>9} {'/ import sympy':>15} {'/ python -c pass':>17}"
          f"   runs: {args.runs}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<40} {med:>9.3f} {med / base:>14.2f}x {med / bare:>16.2f}x")


if __name__ == "__main__":
    main()
