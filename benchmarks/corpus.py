"""The whole corpus in one `derive check` call (goal: at most 30 s here), with one worker and
with the default (one per core), beside `python -c "import sympy"`.

Each run is a fresh interpreter; runs alternate between the cases so that a busy machine slows
them alike. The cases:

- `import sympy`: the baseline of the ratios;
- `-j 1, no cache`: one process, DERIVE_NO_CACHE=1 (every formula read and every claim
  evaluated, as on a first run);
- `default jobs, no cache`: the same with a worker process per usable core;
- `default jobs, empty cache`: a fresh cache folder each run (the caches written as well);
- `default jobs, warm`: the caches a check of the corpus left (nothing changed).

Every output is compared byte for byte with the first `-j 1` check without a cache; a
difference stops the benchmark. Prints the medians of the wall clock and of the CPU time of the
command and its workers (`RUSAGE_CHILDREN`: every worker counted), their ratios, and the load
average before and after. Usage:

    python benchmarks/corpus.py [--runs 3] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from check import _run as _timed  # the same timing of a child as the chapter's benchmark

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    return _timed(cmd, env, cwd, ok=(0, 1, 2))  # 2: the corpus has formulas that cannot be read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    load_before = os.getloadavg()
    base = {k: v for k, v in os.environ.items()
            if k not in ("DERIVE_NO_CACHE", "PYTHONDONTWRITEBYTECODE")}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    check = [sys.executable, "-m", "derive", "check", "-q", "--json", str(args.corpus)]
    with tempfile.TemporaryDirectory(prefix="derive-bench-corpus-") as tmp:
        cache, snapshot = Path(tmp) / "cache", Path(tmp) / "snapshot"
        plain = {**base, "DERIVE_NO_CACHE": "1"}
        cached = {**base, "DERIVE_CACHE_DIR": str(cache)}
        expected = _run([*check[:4], "-j", "1", *check[4:]], plain, ROOT)[2]
        if _run(check, cached, ROOT)[2] != expected:
            sys.exit("a check with an empty cache printed something else than without a cache")
        shutil.copytree(cache, snapshot)

        def warm() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(snapshot, cache)

        def empty() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        cases = {
            "import sympy": (None, [sys.executable, "-c", "import sympy"], base, False),
            "-j 1, no cache": (None, [*check[:4], "-j", "1", *check[4:]], plain, True),
            "default jobs, no cache": (None, check, plain, True),
            "default jobs, empty cache": (empty, check, cached, True),
            "default jobs, warm": (warm, check, cached, True),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (prepare, cmd, env, compare) in cases.items():
                if prepare is not None:
                    prepare()
                wall, cpu, out = _run(cmd, env, ROOT)
                if compare and out != expected:
                    sys.exit(f"{name}: the output differs from a check without a cache")
                times[name].append((wall, cpu))
    load_after = os.getloadavg()
    print(f"{args.corpus.as_posix()}: medians of {args.runs} interleaved runs, fresh "
          f"interpreters, {os.cpu_count()} cores; every output byte-identical")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    base_wall = statistics.median(t[0] for t in times["import sympy"])
    print(f"{'case':<28} {'wall s':>8} {'/ sympy':>8} {'CPU s':>8}")
    for name, ts in times.items():
        wall = statistics.median(t[0] for t in ts)
        cpu = statistics.median(t[1] for t in ts)
        print(f"{name:<28} {wall:>8.2f} {wall / base_wall:>7.2f}x {cpu:>8.2f}")


if __name__ == "__main__":
    main()
