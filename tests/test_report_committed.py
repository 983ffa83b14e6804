"""The committed reports under reports/ are what `derive report` generates now."""

from __future__ import annotations

from pathlib import Path

from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_committed_reports_are_current(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the checker names files as given: relative, like `derive report`
    code = main(["report", "--check"])
    err = capsys.readouterr().err
    assert code == 0, f"stale or missing reports; run `derive report` and commit:\n{err}"


def test_reports_name_files_relatively():
    for path in (ROOT / "reports").glob("backprop.*"):
        if path.suffix in (".md", ".html", ".json"):
            assert str(ROOT) not in path.read_text(encoding="utf-8"), f"{path} has an absolute path"
