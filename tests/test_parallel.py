"""`derive check -j N`: several files checked at once print what one process prints, byte for
byte, in the files' order; a file that cannot be read, one that trips a bug and one whose
worker dies each cost only that file; the disk caches keep what every worker learned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import derive.cache
import derive.check
from derive.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "formulas" / "backprop.md", ROOT / "tests" / "golden" / "mini.md",
        ROOT / "tests" / "data" / "heldout" / "bishop-relu-slips.md",
        ROOT / "tests" / "data" / "heldout" / "nielsen-comp.tex"]


def _docs(tmp_path: Path) -> list[str]:
    found = [p for p in DOCS if p.exists()]
    assert len(found) >= 3, "the test documents moved"
    bad = tmp_path / "broken.md"
    bad.write_text("---\nquantities: [\n---\n$$a = b$$\n", encoding="utf-8")  # bad front matter
    return [str(found[0]), str(bad), *map(str, found[1:]), str(tmp_path / "missing.md")]


def _run(capsys, args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_two_workers_print_what_one_prints(tmp_path, capsys, monkeypatch, fmt):
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    docs = _docs(tmp_path)
    one = _run(capsys, ["check", "-j", "1", *fmt, *docs])
    two = _run(capsys, ["check", "-j", "2", *fmt, *docs])
    assert one == two
    code, out, err = two
    assert code == 2  # the unreadable files
    assert "broken.md" in out + err and "missing.md" in err and "Traceback" not in out + err
    if fmt:
        files = [f["file"] for f in json.loads(out)["files"]]
        assert files == docs[:-1]  # in order; the missing one is an error


# run in a fresh interpreter: there the process has one thread, so the workers are forked and
# carry the planted fault (a pytest process may hold other libraries' threads, then they spawn)
PLANT = """
import os, sys
from pathlib import Path
import derive.check
from derive.cli import main
real, parent = derive.check.check_file, os.getpid()
def planted(path, name=None, **kw):
    if Path(path).name == "mini.md" and os.getpid() != parent:
        FAULT
    return real(path, name, **kw)
derive.check.check_file = planted
sys.exit(main(["check", "-j", "2", *sys.argv[1:]]))
"""


def _planted(fault: str, docs: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "DERIVE_NO_CACHE": "1"}
    return subprocess.run([sys.executable, "-c", PLANT.replace("FAULT", fault), *docs],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers forked on Linux only")
@pytest.mark.parametrize("fault, said", [
    ("raise ZeroDivisionError('planted bug')", "internal error: ZeroDivisionError: planted bug"),
    ("os._exit(9)", "internal error: BrokenProcessPool"),  # as the out-of-memory killer would
    ("return lambda: 0", "internal error: "),  # an outcome that cannot be handed back
])
def test_a_fault_in_one_worker_costs_only_its_file(tmp_path, fault, said):
    docs = _docs(tmp_path)[:1] + _docs(tmp_path)[2:4]
    done = _planted(fault, docs)
    assert done.returncode == 3, done.stderr[-2000:]
    assert f"mini.md: {said}" in done.stderr and "Traceback" not in done.stdout + done.stderr
    assert f"{docs[0]}: " in done.stdout and f"{docs[2]}: " in done.stdout  # the others


def test_the_workers_caches_are_merged_on_disk(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    docs = [str(p) for p in DOCS[:3]]
    first = _run(capsys, ["check", "-j", "3", *docs])
    stored = json.loads((tmp_path / "cache" / "verdicts-2.json").read_text())
    for doc in docs:  # each file checked alone after it: every verdict served from the cache
        derive.cache.forget()
        _run(capsys, ["check", "-j", "1", doc])
    again = json.loads((tmp_path / "cache" / "verdicts-2.json").read_text())
    assert set(again) == set(stored) and len(stored) > 20
    assert _run(capsys, ["check", "-j", "2", *docs]) == first


def test_jobs_must_be_a_positive_whole_number(capsys):
    for bad, why in (("0", "give at least 1"), ("two", "not a whole number")):
        assert main(["check", "-j", bad, "formulas/backprop.md"]) == 2
        assert why in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups, as a terminal")
def test_ctrl_c_stops_the_workers_at_once_without_a_traceback(tmp_path):
    import signal
    import time

    for k in range(8):  # long enough to be interrupted while the workers are busy
        (tmp_path / f"copy{k}.md").write_text(DOCS[0].read_text(encoding="utf-8"),
                                              encoding="utf-8")
    env = {**os.environ, "DERIVE_NO_CACHE": "1"}
    run = subprocess.Popen([sys.executable, "-m", "derive", "check", "-j", "2", str(tmp_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           cwd=ROOT, start_new_session=True)
    time.sleep(3)
    os.killpg(run.pid, signal.SIGINT)  # as Ctrl-C does: to the parent and its workers
    start = time.monotonic()
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err[-2000:]
    assert time.monotonic() - start < 10  # the workers do not finish their files first
    assert "derive: interrupted" in err and "Traceback" not in err
