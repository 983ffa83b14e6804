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
    code = main(["check", "-j", "1", str(bad), str(good)])  # in this process, patched
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


# ------------------------------------------------------------------------------------------
# Output formats. The mini document has one conditional and one refuted formula.


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_github_format_annotates_each_finding_at_its_place(
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, str(MINI), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    name = MINI.as_posix().replace(":", "%3A")
    assert lines[0].startswith(f"::warning file={name},line=64,col=53,"
                               "title=derive%3A conditional (equation)::holds only if")
    assert lines[1].startswith(f"::error file={name},line=70,col=56,"
                               "title=derive%3A refuted (equation)::differs from the derivation")
    assert "missing factor" not in lines[1]  # the diagnosis is said once, in the message
    assert lines[2] == "derive: 1 files: 5 definition, 1 verified, 1 refuted, 1 conditional"
    assert len(lines) == 3


def test_github_format_escapes_what_would_end_a_property(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from derive.errors import InputError, Span
    from derive.output import make_printer

    out = io.StringIO()  # through the printer: a property escapes , and :, the data %, CR, LF
    make_printer("github", out=out, err=io.StringIO()).failed(
        InputError("50% of\r\nit", Span("a,b:c%\n", 3, 2, "x")))
    assert out.getvalue() == ("::error file=a%2Cb%3Ac%25%0A,line=3,col=2,"
                              "title=derive%3A error::50%25 of%0D%0Ait\n")
    code, out, _ = _run(capsys, str(tmp_path / "missing.md"), "--format", "github")
    assert code == 2 and out.startswith("::error ") and "no such file" in out


def test_json_format_has_a_summary_and_file_level_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    code, out, _ = _run(capsys, str(MINI), str(tmp_path / "missing.md"), "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert doc["summary"]["files"] == 1 and doc["summary"]["unreadable"] == 1
    assert doc["summary"]["refuted"] == 1 and doc["summary"]["conditional"] == 1
    assert [e["kind"] for e in doc["errors"]] == ["input"]
    assert "no such file" in doc["errors"][0]["message"]
    assert [r["line"] for r in doc["files"][0]["results"] if r["status"] == "refuted"] == [70]


def test_sarif_format(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, out, _ = _run(capsys, str(MINI), "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    found = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
             for r in run["results"]]
    assert found == [("conditional", "warning", 64), ("refuted", "error", 70)]
    assert {r for r, _, _ in found} <= rules


def test_quiet_prints_only_findings(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, str(MINI), "-q")
    verdict_lines = [ln for ln in out.splitlines() if ln.startswith(MINI.as_posix() + ":")
                     and "checked:" not in ln]
    assert [ln.split(": ", 1)[1].split()[1] for ln in verdict_lines] == ["conditional", "refuted"]
    assert "model built from" not in out and out.rstrip().endswith("1 conditional")


def test_colour_is_chosen_by_flag_and_no_color(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, str(MINI), "--color", "always")
    assert "\x1b[1;31m" in out  # refuted in bold red
    _, out, _ = _run(capsys, str(MINI))  # auto, and captured output is no terminal
    assert "\x1b[" not in out
    from derive.output import use_colour

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour("auto", Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour("auto", Tty())  # type: ignore[arg-type]
    assert use_colour("always", Tty())  # type: ignore[arg-type]


def test_width_cuts_formulas_and_pipes_are_never_cut(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, str(MINI), "--width", "20")
    texts = [ln.split(": ≡ definition  definition ", 1)[1] for ln in out.splitlines()
             if ": ≡ definition  definition " in ln]
    assert len(texts) == 5 and all(len(t) <= 20 for t in texts)
    assert any(t.endswith("…") for t in texts)
    _, out, _ = _run(capsys, str(MINI))
    assert "…" not in out
    code = main(["check", str(MINI), "--width", "3"])
    assert code == 2 and "at least 10" in capsys.readouterr().err


def test_progress_line_only_on_a_terminal(tmp_path: Path) -> None:
    import io

    from derive.check import check_file
    from derive.output import HumanPrinter

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    rep = check_file(MINI, "mini.md")
    out, err = io.StringIO(), Tty()
    p = HumanPrinter(out, err)
    p.begin(1, 2, "mini.md")
    assert err.getvalue() == "\rchecking 1/2: mini.md\x1b[K"
    p.file(rep)
    assert err.getvalue().endswith("\r\x1b[K")  # erased before the results
    quiet_err = io.StringIO()  # not a terminal: no progress line
    HumanPrinter(io.StringIO(), quiet_err).begin(1, 2, "mini.md")
    assert quiet_err.getvalue() == ""


def test_a_notebooks_results_and_errors_name_the_cell(capsys: pytest.CaptureFixture[str]) -> None:
    nb = ROOT / "tests" / "data" / "sources" / "notes.ipynb"
    main(["check", str(nb)])
    out, err = capsys.readouterr()
    # no front matter: the notation is read from the formulas, and u_{1} = 1/2 defines u
    assert f"{nb.as_posix()}:23: (cell 1, line 6) ≡ definition" in out
    assert "read as: u" in out
    main(["check", str(nb), "--format", "json"])
    import json

    first = json.loads(capsys.readouterr().out)["files"][0]["results"][0]
    assert (first["line"], first["cell"], first["cell_line"]) == (23, 1, 6)
