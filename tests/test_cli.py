"""The command line's own behaviour: one file's crash does not hide the others' results, results
stream per file, control characters from a document never reach the terminal raw, and a terminal
that cannot encode the output degrades instead of crashing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import derive.check
from derive.cli import main
from derive.text import visible

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "golden" / "mini.md"


def test_visible_escapes_controls_and_bidi_but_keeps_layout() -> None:
    assert visible("a\x1b[31mb\tc\nd") == "a\\x1b[31mb\tc\nd"
    assert visible("x\u202ey\x00\x9b") == "x\\u202ey\\x00\\x9b"
    assert visible("∂ℒ/∂z δ σ′") == "∂ℒ/∂z δ σ′"


def test_a_crashing_file_does_not_take_the_others_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    real = derive.check.check_file

    def flaky(path, name=None, **kw):  # type: ignore[no-untyped-def]
        if Path(path).name == "bad.md":
            raise ZeroDivisionError("planted bug")
        return real(path, name, **kw)

    monkeypatch.setattr(derive.check, "check_file", flaky)
    code = main(["check", str(bad), str(good)])
    out, err = capsys.readouterr()
    assert code == 3
    assert "internal error: ZeroDivisionError: planted bug" in err
    assert "bad.md" in err and "Traceback" not in out + err
    assert f"{good.as_posix()}: " in out and "checked:" in out  # the good file's results


def test_control_characters_in_a_document_are_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINI.read_text(encoding="utf-8")
    doc = tmp_path / "esc.md"
    # a title with an OSC sequence (sets the terminal's title) and a formula with a raw ESC
    text = text.replace('title = "Mini', 'title = "\\u001b]0;pwned\\u0007Mini', 1)
    text = text.replace("$$\n", "$$\n\x1b[2J", 1)
    doc.write_text(text, encoding="utf-8")
    main(["check", str(doc)])
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b]0;pwned\\x07" in out + err


def test_a_terminal_that_cannot_encode_the_output_degrades() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "derive", "check", str(MINI)],
                          capture_output=True, env=env, cwd=ROOT, timeout=300)
    out = proc.stdout.decode("ascii")  # it is ASCII, or this raises
    assert proc.returncode in (0, 1), proc.stderr.decode("ascii", "replace")
    assert "UnicodeEncodeError" not in proc.stderr.decode("ascii", "replace")
    assert " + verified" in out or " x refuted" in out
