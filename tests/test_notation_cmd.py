"""`derive notation`: folders are walked as `derive check` walks them, and a file that cannot
be read is a placed error while the others are still shown (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.cli import main

NOTES = r"""# Notes

$$
z^{(l)}_j = \sum_{k=1}^{C_{l-1}} w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j
$$

$$
a^{(l)}_j = \sigma(z^{(l)}_j)
$$
"""


def test_a_folder_is_walked_and_a_bad_file_does_not_hide_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.md").write_text(NOTES, encoding="utf-8")
    (tmp_path / "b.md").write_bytes(b"# Notes\n\n$$\nx = \xff 1\n$$\n")  # not UTF-8
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text(NOTES, encoding="utf-8")
    code = main(["notation", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.count("read from its formulas") == 2, out
    assert "a.md" in out and "c.md" in out and "b.md" not in out
    assert "b.md:4:5:" in err and "UTF-8" in err and "Traceback" not in err  # placed


def test_one_good_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.md").write_text(NOTES, encoding="utf-8")
    assert main(["notation", str(tmp_path / "a.md")]) == 0
    out = capsys.readouterr().out
    assert "As a front matter" in out and "a.md: read from its formulas" in out


def test_a_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notation", str(tmp_path / "nothing.md")]) == 2
    assert "nothing.md" in capsys.readouterr().err
