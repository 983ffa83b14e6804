"""Report files on disk: names, writing, staleness and `run_report`'s exit codes."""

from __future__ import annotations

import dataclasses
import sys
import types
from pathlib import Path

import pytest
from test_report_samples import backprop_report, mini_report

from derive.report.write import formulas_files, run_report, stale_reports, write_reports


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


def test_directories_expand_to_their_markdown_files(tmp_path):
    (tmp_path / "b.md").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert formulas_files([tmp_path]) == [tmp_path / "b.md", tmp_path / "sub" / "a.md"]


@pytest.fixture
def fake_checker(monkeypatch):
    """`derive.check` replaced by one that returns the hand-built reports."""
    seen: list[Path] = []
    by_name = {"mini.md": mini_report(), "backprop.md": backprop_report()}

    def check_file(path):
        seen.append(Path(path))
        return by_name[Path(path).name]

    module = types.ModuleType("derive.check")
    module.check_file = check_file
    monkeypatch.setitem(sys.modules, "derive.check", module)
    return seen


def test_run_report_writes_then_check_passes_then_fails_when_stale(tmp_path, fake_checker):
    src = tmp_path / "formulas"
    src.mkdir()
    (src / "mini.md").write_text("x")
    out = tmp_path / "reports"
    assert run_report([src / "mini.md"], out, check=True) == 1  # nothing written yet
    assert run_report([src / "mini.md"], out, check=False) == 0
    assert sorted(p.name for p in out.iterdir()) == ["mini.html", "mini.json", "mini.md"]
    assert run_report([src / "mini.md"], out, check=True) == 0
    (out / "mini.json").write_text("{}")
    assert run_report([src / "mini.md"], out, check=True) == 1
    assert fake_checker == [src / "mini.md"] * 4


def test_run_report_without_paths_reports_every_formulas_file(tmp_path, fake_checker, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("formulas").mkdir()
    Path("formulas/mini.md").write_text("x")
    Path("formulas/backprop.md").write_text("x")
    assert run_report([], Path("reports"), check=False) == 0
    assert fake_checker == [Path("formulas/backprop.md"), Path("formulas/mini.md")]
    assert len(list(Path("reports").iterdir())) == 6
