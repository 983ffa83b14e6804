"""`derive check` of the chapter beside `python -c "import sympy"` (goals: at most 2.5x warm,
3x cold), and a re-check after editing one formula (goal: it costs what depends on the edit,
not the whole file).

Each run is a fresh interpreter; runs alternate between the commands so that a busy machine
slows them alike. The cases:

- `import sympy`: the baseline every ratio is taken to;
- `check, warm`: caches full, as when a user re-runs an unchanged file;
- `check, no verdict cache`: the parse cache full, the verdict file deleted before each run
  (every claim evaluated: the cost of the checking itself);
- `check, cold`: an empty cache folder for each run (first run on a machine);
- `check, one claim edited`: the caches as a check of the chapter left them, then the chapter
  with one derivation step edited (`a^{(l)}_j` -> `a^{(l)}_i`: refuted);
- `check, one definition edited`: the same with the loss edited (1/2 -> 1/3 in front of the
  squared error: every claim that rests on the loss is checked again, the others are not).

The outputs are compared byte for byte: warm, cold and without any cache (DERIVE_NO_CACHE=1)
must print the same, and each edited file the same as its check without a cache; a difference
stops the benchmark. Prints the medians (wall clock and the child's CPU time), their ratios to
`import sympy`, and the load average before and after. Usage:

    python benchmarks/check.py [--runs 5] [--file formulas/backprop.md] [--no-bytecode-cache]

The child interpreters use Python's bytecode cache (`__pycache__`, written by the first run),
as an installed tool does; `--no-bytecode-cache` keeps PYTHONDONTWRITEBYTECODE if the
environment sets it, so that every run compiles derive's modules from source again.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIM_EDIT = (r"&= \ \delta^{(l+1)}_i a^{(l)}_j \\", r"&= \ \delta^{(l+1)}_i a^{(l)}_i \\")
DEFINITION_EDIT = (r"\mathcal{L} = \frac{1}{2} \sum_{j=1}^{C_n}(y_j - a^{(n)}_j)^2.",
                   r"\mathcal{L} = \frac{1}{3} \sum_{j=1}^{C_n}(y_j - a^{(n)}_j)^2.")


def _run(cmd: list[str], env: dict[str, str], cwd: Path,
         ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, str]:
    """(wall-clock seconds, CPU seconds of the child and its children, its stdout); an exit
    code outside `ok` stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu, done.stdout


def _edited(text: str, edit: tuple[str, str]) -> str:
    old, new = edit
    if text.count(old) != 1:
        sys.exit(f"the benchmark's edit {old!r} is not found once in the file")
    return text.replace(old, new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE from the environment")
    parser.add_argument("--file", type=Path, default=Path("formulas/backprop.md"))
    args = parser.parse_args()
    source = args.file if args.file.is_absolute() else ROOT / args.file
    text = source.read_text(encoding="utf-8")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="derive-bench-check-") as tmp:
        work = Path(tmp)
        docs = {"orig": work / "notes.md", "claim": work / "claim" / "notes.md",
                "definition": work / "definition" / "notes.md"}
        for path in docs.values():
            path.parent.mkdir(exist_ok=True)
        docs["orig"].write_text(text, encoding="utf-8")
        edits = {"claim": CLAIM_EDIT, "definition": DEFINITION_EDIT}
        for name, edit in edits.items():
            docs[name].write_text(_edited(text, edit), encoding="utf-8")
        cache, snapshot = work / "cache", work / "snapshot"
        # Python's own bytecode cache as a user has it (pip writes it at install, and an
        # editable checkout on its first run): without it every run compiles derive's modules
        # from source again (0.4 s here, where PYTHONDONTWRITEBYTECODE=1 is set);
        # --no-bytecode-cache keeps the environment's setting
        dropped = ("DERIVE_NO_CACHE",) if args.no_bytecode_cache else (
            "DERIVE_NO_CACHE", "PYTHONDONTWRITEBYTECODE")
        base = {k: v for k, v in os.environ.items() if k not in dropped}
        # this checkout's derive, though the checks run in the temporary folder
        base["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [
            os.environ.get("PYTHONPATH")])])
        env = {**base, "DERIVE_CACHE_DIR": str(cache)}
        derive = [sys.executable, "-m", "derive", "check"]

        def check(doc: str) -> list[str]:
            return [*derive, os.path.relpath(docs[doc], work)]

        # the reference outputs, without any cache
        plain = {**base, "DERIVE_NO_CACHE": "1"}
        expected = {name: _run(check(name), plain, work)[2] for name in docs}
        first = _run(check("orig"), env, work)[2]  # fills the caches
        if first != expected["orig"]:
            sys.exit("a check with an empty cache printed something else than without a cache")
        shutil.copytree(cache, snapshot)

        def restore() -> None:
            shutil.rmtree(cache)
            shutil.copytree(snapshot, cache)

        def no_verdicts() -> None:
            restore()
            for f in cache.glob("verdicts-*.json"):
                f.unlink()

        def empty() -> None:
            shutil.rmtree(cache)

        cases = {
            "import sympy": (None, [sys.executable, "-c", "import sympy"], None),
            "check, warm": (restore, check("orig"), "orig"),
            "check, no verdict cache": (no_verdicts, check("orig"), "orig"),
            "check, cold (empty cache)": (empty, check("orig"), "orig"),
            "check, one claim edited": (restore, check("claim"), "claim"),
            "check, one definition edited": (restore, check("definition"), "definition"),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (prepare, cmd, doc) in cases.items():
                if prepare is not None:
                    prepare()
                wall, cpu, out = _run(cmd, env, work)
                if doc is not None and out != expected[doc]:
                    sys.exit(f"{name}: the output differs from a check without a cache")
                times[name].append((wall, cpu))
    load_after = os.getloadavg()
    print(f"{args.file.as_posix()}: medians of {args.runs} interleaved runs, fresh interpreters; "
          "every output byte-identical to a check without a cache")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores); "
          + ("bytecode as the environment sets it" if args.no_bytecode_cache
             else "Python's bytecode cache on, as after an install"))
    base_wall = statistics.median(t[0] for t in times["import sympy"])
    base_cpu = statistics.median(t[1] for t in times["import sympy"])
    print(f"{'case':<32} {'wall s':>8} {'/ sympy':>8} {'CPU s':>8} {'/ sympy':>8}")
    for name, ts in times.items():
        wall = statistics.median(t[0] for t in ts)
        cpu = statistics.median(t[1] for t in ts)
        print(f"{name:<32} {wall:>8.2f} {wall / base_wall:>7.2f}x {cpu:>8.2f} "
              f"{cpu / base_cpu:>7.2f}x")


if __name__ == "__main__":
    main()
