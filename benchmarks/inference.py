"""The cost of inferring the notation: `derive check` of the chapter as shipped (front matter and
annotations) beside the same chapter with every `derive` comment removed, so that the notation is
read from the formulas. Issue 10's target: the second at most 1.2x the first.

Each run is a fresh interpreter with a warm parse cache; runs alternate between the two files so
that a busy machine slows them alike. Also prints what `derive.infer.infer` alone costs in one
process. Usage:

    python benchmarks/inference.py [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "formulas" / "backprop.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "backprop.md"
        bare.write_text(re.sub(r"<!-- derive.*?-->\n", "", CHAPTER.read_text(encoding="utf-8"),
                               flags=re.S), encoding="utf-8")
        files = {"with front matter": CHAPTER, "inferred": bare}
        times: dict[str, list[float]] = {name: [] for name in files}
        for path in files.values():  # warm the parse cache for both
            subprocess.run([sys.executable, "-m", "derive", "check", str(path)], cwd=ROOT,
                           capture_output=True, check=False)
        for _ in range(args.runs):
            for name, path in files.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "derive", "check", str(path)], cwd=ROOT,
                               capture_output=True, check=False)
                times[name].append(time.perf_counter() - start)
        sys.path.insert(0, str(ROOT))
        from derive.document import read_document
        from derive.infer import infer

        doc = read_document(bare)
        infer(doc)  # imports
        start = time.perf_counter()
        for _ in range(20):
            infer(doc)
        alone = (time.perf_counter() - start) / 20
    base = statistics.median(times["with front matter"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<20} {med:7.3f} s  ({med / base:.2f}x)")
    print(f"{'infer() alone':<20} {alone * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
