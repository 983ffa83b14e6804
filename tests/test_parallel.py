"""`derive check -j N`: several files checked at once print what one process prints, byte for
byte, in the files' order; a file that cannot be read, one that trips a bug and one whose
worker dies each cost only that file; the disk caches keep what every worker learned."""

from __future__ import annotations

import json
import os
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


def test_a_bug_in_one_worker_costs_only_its_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    docs = _docs(tmp_path)[:1] + _docs(tmp_path)[2:4]
    real = derive.check.check_file

    def flaky(path, name=None, **kw):  # type: ignore[no-untyped-def]
        if Path(path).name == "mini.md":
            raise ZeroDivisionError("planted bug")
        return real(path, name, **kw)

    monkeypatch.setattr(derive.check, "check_file", flaky)  # the forked workers have it too
    code, out, err = _run(capsys, ["check", "-j", "2", *docs])
    assert code == 3
    assert "mini.md: internal error: ZeroDivisionError: planted bug" in err
    assert f"{docs[0]}: " in out and f"{docs[2]}: " in out  # the others' results


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers are forked on Linux only")
def test_a_worker_that_dies_costs_only_its_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    docs = _docs(tmp_path)[:1] + _docs(tmp_path)[2:4]
    real, parent = derive.check.check_file, os.getpid()

    def deadly(path, name=None, **kw):  # type: ignore[no-untyped-def]
        if Path(path).name == "mini.md" and os.getpid() != parent:
            os._exit(9)  # as the kernel's out-of-memory killer would end it
        return real(path, name, **kw)

    monkeypatch.setattr(derive.check, "check_file", deadly)
    code, out, err = _run(capsys, ["check", "-j", "2", *docs])
    assert code == 3
    assert "mini.md: internal error: BrokenProcessPool" in err
    assert f"{docs[0]}: " in out and f"{docs[2]}: " in out


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
