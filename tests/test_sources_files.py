"""Reading files as users expect: BOM, regular files only, a size bound, unknown types reported,
folders walked skipping hidden folders, `.gitignore`d paths and derive's own reports."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from derive.cli import main
from derive.sources import discover, read
from derive.sources import files as files_module

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"
SMALL = """<!-- derive
title = "small"
[functions]
g = 1
-->

# Small

<!-- derive: definitions = "all" -->
$$
g(t) = \\frac{1}{1 + e^{-t}}
$$
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_byte_order_mark_does_not_hide_the_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "bom.md"
    p.write_bytes(b"\xef\xbb\xbf" + SMALL.encode("utf-8"))
    doc = read(p)
    assert doc.title == "small" and doc.front["functions"] == {"g": 1}
    assert doc.formulas[0].annotation == {"definitions": "all"}
    assert doc.formulas[0].line == 11


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_waiting(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    result: dict[str, object] = {}
    t = threading.Thread(target=lambda: result.update(r=run(capsys, str(fifo))), daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "derive check waited on a FIFO"
    code, out, err = result["r"]  # type: ignore[misc]
    assert code == 2 and "FIFO" in err and "only regular files" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_folder_holding_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.md")
    (tmp_path / "good.md").write_text(SMALL, encoding="utf-8")
    files, errors = discover([tmp_path])
    assert [f.name for f, _ in files] == ["good.md"]  # the FIFO is never opened ...
    assert [e.message for e in errors] == [  # ... and never skipped without a word
        f"{(tmp_path / 'x.md').as_posix()}: not a regular file (a FIFO, socket or device); "
        "skipped without reading it"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_not_read(capsys: pytest.CaptureFixture[str]) -> None:
    # its name has no type derive reads: refused before anything is opened
    code, _, err = run(capsys, "/dev/zero")
    assert code == 2 and "unknown file type" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_behind_a_markdown_name(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    code, _, err = run(capsys, str(link))
    assert code == 2 and "a device" in err and "only regular files" in err


def test_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(files_module, "MAX_BYTES", 1000)
    p = tmp_path / "big.md"
    p.write_text(SMALL + "x" * 2000, encoding="utf-8")
    code, _, err = run(capsys, str(p))
    assert code == 2 and "too large" in err and "limit" in err


def test_unknown_type_is_reported_not_passed(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "notes.docx"
    p.write_text("$$ x = 1 $$", encoding="utf-8")
    code, out, err = run(capsys, str(p))
    assert code == 2 and "unknown file type `.docx`" in err and "0 checked" not in out


def test_no_display_formulas_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "prose.rst"
    p.write_text("Title\n=====\n\nOnly prose and :math:`x` inline.\n", encoding="utf-8")
    code, out, _ = run(capsys, str(p))
    assert "no display formulas found" in out


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "latin.md"
    p.write_bytes("$$ x = \xe9 $$".encode("latin-1"))
    code, _, err = run(capsys, str(p))
    assert code == 2 and "not UTF-8" in err


def _tree(root: Path) -> None:
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "a.md").write_text(SMALL, encoding="utf-8")
    (root / "notes" / "b.rst").write_text("B\n=\n\n.. math::\n\n   x = 1\n", encoding="utf-8")
    (root / "notes" / "c.tex").write_text("\\[ x = 1 \\]\n", encoding="utf-8")
    (root / "notes" / "d.txt").write_text("$$ x = 1 $$\n", encoding="utf-8")  # only if named
    (root / "notes" / "e.py").write_text("x = 1\n", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "h.md").write_text(SMALL, encoding="utf-8")
    (root / ".pytest_cache").mkdir()
    (root / ".pytest_cache" / "README.md").write_text("# pytest cache\n", encoding="utf-8")
    (root / "build").mkdir()
    (root / "build" / "out.md").write_text(SMALL, encoding="utf-8")
    (root / "notes" / "scratch.md").write_text(SMALL, encoding="utf-8")
    (root / ".gitignore").write_text("/build/\n", encoding="utf-8")
    (root / "notes" / ".gitignore").write_text("scratch.md\n", encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "a.md").write_text(
        "# Derivation report: small\n\nSource: `notes/a.md` · generated by `derive report` · "
        "1 formulas and steps checked\n", encoding="utf-8")


def test_directory_walk_as_users_expect(tmp_path: Path) -> None:
    _tree(tmp_path)
    files, errors = discover([tmp_path])
    got = sorted(p.relative_to(tmp_path).as_posix() for p, _ in files)
    assert got == ["notes/a.md", "notes/b.rst", "notes/c.tex"]
    assert not errors


def test_a_txt_file_is_read_when_named(tmp_path: Path) -> None:
    _tree(tmp_path)
    files, errors = discover([tmp_path / "notes" / "d.txt"])
    assert len(files) == 1 and not errors
    assert len(read(files[0][0]).formulas) == 1


def test_check_dot_in_the_repository_reads_no_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    files, _ = discover(["."])
    names = {n for _, n in files}
    assert "formulas/backprop.md" in names
    assert not any(n.startswith(("reports/", ".pytest_cache/", ".git/")) for n in names), names
    assert "tests/golden/mini.report.md" not in names  # a generated report


def test_a_missing_path_does_not_stop_the_others(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_text(SMALL, encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path / "nope.md"), str(p))
    assert code == 2 and "no such file" in err and "1 checked" in out
