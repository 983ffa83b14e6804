"""Edits verified against git (`check --since REF`) and between two files (`derive diff`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "golden" / "mini.md"  # line 64: a conditional formula; 70: a refuted one
CONDITIONAL = "= \\hat{y}_i - y_i"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "PATH": "/usr/bin:/bin",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(repo)})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    (tmp_path / "notes.md").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    _git(tmp_path, "add", "notes.md")
    _git(tmp_path, "commit", "-qm", "notes")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_since_with_a_bad_edit_exits_1_and_names_what_broke(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = repo / "notes.md"
    _edit(notes, CONDITIONAL, "= \\hat{y}_i + y_i")  # a sign slip
    code = main(["check", "--since", "HEAD", str(notes)])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 formulas changed since HEAD" in out
    assert ":64: formula 3: conditional -> refuted" in out and "broken by the edit" in out


def test_since_with_a_good_edit_and_an_untouched_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = repo / "notes.md"
    assert main(["check", "--since", "HEAD", str(notes)]) == 0
    assert "0 formulas changed since HEAD" in capsys.readouterr().out
    # the refuted formula at line 70 (a missing factor a^{(1)}_j) corrected
    _edit(notes, "= \\frac{\\partial{\\mathcal{L}}}{\\partial{z^{(2)}_i}}\n",
          "= \\frac{\\partial{\\mathcal{L}}}{\\partial{z^{(2)}_i}} a^{(1)}_j\n")
    code = main(["check", "--since", "HEAD", str(notes)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert ":70: formula 4: refuted -> verified" in out and "broken" not in out


def test_since_outside_git_or_with_an_unknown_revision_is_an_input_error(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--since", "nosuchref", str(repo / "notes.md")]) == 2
    assert "no such git revision" in capsys.readouterr().err
    alone = tmp_path_factory.mktemp("nogit") / "notes.md"
    alone.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["check", "--since", "HEAD", str(alone)]) == 2
    assert "not in a git work tree" in capsys.readouterr().err


def test_diff_of_two_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.md"
    new = tmp_path / "new.md"
    old.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    new.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    _edit(new, CONDITIONAL, "= \\hat{y}_i + y_i")
    assert main(["diff", str(old), str(new)]) == 1
    assert "conditional -> refuted" in capsys.readouterr().out
