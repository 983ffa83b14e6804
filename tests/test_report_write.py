"""Report files on disk: names, writing, staleness, and `derive report`'s exit codes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_report_samples import backprop_report, mini_report  # noqa: F401

from derive.report.write import stale_reports, write_reports

ROOT = Path(__file__).resolve().parent.parent


def test_write_then_nothing_is_stale(tmp_path):
    reports = [mini_report(), backprop_report()]
    written = write_reports(reports, tmp_path / "reports")
    names = [p.name for p in written]
    assert names == [
        "mini.md",
        "mini.html",
        "mini.json",
        "backprop.md",
        "backprop.html",
        "backprop.json",
    ]
    assert stale_reports(reports, tmp_path / "reports") == []
    again = tmp_path / "again"
    write_reports(reports, again)
    for path in written:
        assert (again / path.name).read_bytes() == path.read_bytes()


def test_a_changed_or_missing_report_is_stale(tmp_path):
    report = mini_report()
    md, html, js = write_reports([report], tmp_path)
    html.unlink()
    changed = dataclasses.replace(report, notes=("A new note.",))
    assert stale_reports([report], tmp_path) == [html]
    assert stale_reports([changed], tmp_path) == [md, html, js]


def test_two_files_with_one_name_are_refused(tmp_path):
    a = mini_report()
    b = dataclasses.replace(a, file="formulas/other/mini.md")
    with pytest.raises(ValueError, match="mini"):
        write_reports([a, b], tmp_path)


def test_derive_report_writes_then_check_passes_then_fails_when_stale(tmp_path, monkeypatch,
                                                                     capsys):
    from derive.cli import main

    monkeypatch.chdir(ROOT)
    out = tmp_path / "reports"
    assert main(["report", "tests/golden/mini.md", "-o", str(out), "--check"]) == 1  # none yet
    assert main(["report", "tests/golden/mini.md", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["mini.html", "mini.json", "mini.md"]
    assert main(["report", "tests/golden/mini.md", "-o", str(out), "--check"]) == 0
    (out / "mini.json").write_text("{}")
    assert main(["report", "tests/golden/mini.md", "-o", str(out), "--check"]) == 1
    assert "mini.json: stale" in capsys.readouterr().err


def test_two_formulas_files_with_one_name_are_a_usage_error(tmp_path, monkeypatch, capsys):
    from derive.cli import main

    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "mini.md").write_bytes((ROOT / "tests/golden/mini.md").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["report", "a", "b", "-o", "out"]) == 2
    assert "would both be reported as mini" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_file_costs_only_its_own_report(tmp_path, monkeypatch, capsys, jobs):
    """`derive report` of a good file and a broken notebook: the good file's reports are
    written, the broken one is reported at its place (exit 2), and its old report, if any, is
    left as it was (not deleted, not replaced); --check says the same and exits 2."""
    import json

    from derive.cli import main

    (tmp_path / "good.md").write_bytes((ROOT / "tests/golden/mini.md").read_bytes())
    cell = {"cell_type": "markdown", "id": "c1", "metadata": {},
            "source": ["$$y = 2 x$$"]}
    (tmp_path / "cut.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    out = tmp_path / "reports"
    monkeypatch.chdir(tmp_path)
    assert main(["report", "cut.ipynb", "-o", "reports"]) == 0
    old = (out / "cut.md").read_bytes()
    (tmp_path / "cut.ipynb").write_text('{"cells": [', encoding="utf-8")  # cut off mid-edit
    capsys.readouterr()
    assert main(["report", "good.md", "cut.ipynb", "-o", "reports", "-j", jobs]) == 2
    captured = capsys.readouterr()
    assert "cut.ipynb:1:12: error:" in captured.err
    assert "wrote reports/good.md" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["cut.html", "cut.json", "cut.md",
                                                      "good.html", "good.json", "good.md"]
    assert (out / "cut.md").read_bytes() == old
    assert main(["report", "good.md", "cut.ipynb", "-o", "reports", "--check", "-j", jobs]) == 2
    captured = capsys.readouterr()
    assert "cut.ipynb:1:12: error:" in captured.err and "stale" not in captured.err
    assert "are current" not in captured.out
