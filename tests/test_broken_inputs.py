"""Broken inputs kept on disk (`tests/broken/*.md`), each with its pinned message.

Every file is the chapter's front matter plus one or two formulas, one of them broken. `derive
check FILE` must exit 2 and report the problem the way a compiler does: `file:line:col: error:
message`, the source line, a caret under the column (and a hint where it has one), never a
traceback, and never touch the input file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parents[1]
BROKEN = Path("tests") / "broken"  # relative to ROOT: what a user types, and what is printed


@dataclass(frozen=True)
class Case:
    file: str
    line: int
    col: int | None  # None: not pinned (the place is itself the bug, see XFAIL_PLACE)
    message: str  # must occur in the error line
    hint: str | None = None  # must occur in the `hint:` line
    formula: bool = True  # a formula-level error (else the whole file is rejected)


CASES = [
    Case("unbalanced_brace.md", 59, 38, "unbalanced `{`: no matching `}`"),
    Case("extra_closing_brace.md", 59, 64, "unbalanced `}`"),
    Case("frac_missing_argument.md", 67, 30, "expected an argument"),
    Case("trailing_plus.md", 67, 32, "cannot read this arithmetic"),
    Case("unknown_symbol.md", 67, 15, "unknown symbol `q`",
         hint="declare it in the front matter"),
    Case("unknown_symbol_close.md", 77, 1, "unknown symbol `\\Delta`",
         hint="did you mean `\\delta`?"),
    Case("unbound_index.md", 77, 68,
         "index `k` is not bound: it is not on the left side and no sum runs over it",
         hint="sum over `k`"),
    Case("clashing_index.md", 77, 40,
         "index `i` is summed over here but is also free on the left side",
         hint="use another letter for the summation index"),
    Case("unsupported_integral.md", 67, 8, "unsupported LaTeX command `\\int`"),
    Case("wrong_index_count.md", 67, 43, "`w` takes 2 indices, got 1"),
    Case("empty_sum_bound.md", 67, 25, "this sum has no upper bound"),
    Case("missing_layer_tag.md", 67, 1, "`a` needs a layer tag, as in a^{(l)}"),
    Case("bad_annotation.md", 58, 1, "bad derive annotation", formula=False),
    Case("unterminated_display.md", 66, 1,
         "unterminated display formula: closing `$$` not found", formula=False),
    Case("broken_and_good.md", 59, 16, "unbalanced `{`: no matching `}`"),
    Case("time_argument.md", 67, 43, "`w^{(l)}_{ij}` is followed by `(...)`, read as its "
         "argument", hint="write the quantity without the argument"),
]

XFAIL_PLACE: dict[str, str] = {}  # checker gaps, kept visible as strict xfails when found
XFAIL_MESSAGE: dict[str, str] = {**XFAIL_PLACE}


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def run(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, str, str]:
    code = main(["check", *paths])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_corpus_is_complete() -> None:
    on_disk = {p.name for p in (ROOT / BROKEN).glob("*.md")}
    assert on_disk == {c.file for c in CASES}


def _cases(xfail: dict[str, str]) -> list:
    return [pytest.param(c, id=c.file[:-3], marks=[pytest.mark.xfail(reason=xfail[c.file],
                                                                    strict=True)]
                         if c.file in xfail else []) for c in CASES]


@pytest.mark.parametrize("case", _cases(XFAIL_PLACE))
def test_reported_with_place_source_and_caret(in_root: Path, capsys: pytest.CaptureFixture[str],
                                              case: Case) -> None:
    path = (BROKEN / case.file).as_posix()
    before = _snapshot(in_root / BROKEN)
    code, out, err = run(capsys, path)
    assert code == 2
    lines = err.splitlines()
    prefix = f"{path}:{case.line}:{case.col or ''}"
    heads = [k for k, s in enumerate(lines) if s.startswith(prefix) and ": error: " in s]
    assert heads, f"no `{prefix}` in stderr:\n{err}"
    k = heads[0]
    source = (in_root / path).read_text(encoding="utf-8").splitlines()[case.line - 1]
    assert lines[k + 1] == "    " + source
    caret = lines[k + 2]
    assert caret.strip().startswith("^") and set(caret.strip()) <= {"^", "~"}
    if case.col is not None:
        assert caret.index("^") == 4 + case.col - 1, "the caret is not under the column"
    if case.hint:
        assert any(s.strip().startswith("hint:") for s in lines[k + 3 : k + 4]), err
    if case.formula:
        # the formula's verdict is an error in the human report too
        assert f"{path}:{case.line}: ! error" in out
    # the input is left alone, and nothing is written next to it
    assert _snapshot(in_root / BROKEN) == before


@pytest.mark.parametrize("case", _cases(XFAIL_MESSAGE))
def test_pinned_message(in_root: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    path = (BROKEN / case.file).as_posix()
    _, _, err = run(capsys, path)
    heads = [s for s in err.splitlines() if s.startswith(f"{path}:{case.line}:")]
    assert heads, err
    assert case.message in heads[0], heads[0]
    hints = [s.strip() for s in err.splitlines() if s.strip().startswith("hint:")]
    if case.hint:
        assert any(case.hint in h for h in hints), err


def test_unknown_symbol_without_a_close_name_has_no_guess(in_root: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, (BROKEN / "unknown_symbol.md").as_posix())
    assert "did you mean" not in err


def test_good_formula_after_a_broken_one_is_still_checked(in_root: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = (BROKEN / "broken_and_good.md").as_posix()
    code, out, err = run(capsys, path)
    assert code == 2  # an input error wins over the verdicts
    assert f"{path}:59: ! error" in out
    # the forward-pass block after it: three definitions and the verified claim about g'
    for line in (64, 65, 67):
        assert f"{path}:{line}: ≡ definition" in out
    assert f"{path}:66: ✓ verified" in out
    assert f"{path}: 5 checked: 3 definition, 1 verified, 1 error" in out


def test_missing_file(in_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = (BROKEN / "no_such_chapter.md").as_posix()
    code, out, err = run(capsys, path)
    assert code == 2
    assert out == ""
    assert path in err and "no such file" in err
    assert not (in_root / path).exists()


def test_whole_corpus_at_once(in_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory of broken files: every file is reported (a file the tool cannot read does
    not stop the others), exit 2, nothing written."""
    before = _snapshot(in_root / BROKEN)
    code, out, err = run(capsys, BROKEN.as_posix())
    assert code == 2
    for c in CASES:
        if c.file in XFAIL_PLACE:
            assert c.message in err, c.file
        else:
            assert f"{(BROKEN / c.file).as_posix()}:{c.line}:{c.col}: error: " in err, c.file
    assert _snapshot(in_root / BROKEN) == before


def test_broken_notebook_json_is_placed(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    """A notebook whose JSON is broken (a cell cut off mid-edit) is reported at the line and
    column of the syntax error with its source line and a caret (nbformat's own message gives
    no place), and left as it was."""
    text = '{\n "cells": [\n  {"cell_type": "markdown", "source": ["$$a = b$$"],}\n ]\n}\n'
    nb = tmp_path / "cut.ipynb"
    nb.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, str(nb))
    assert code == 2
    lines = err.splitlines()
    line3 = text.splitlines()[2]
    col = line3.index("}") + 1  # the object closed after a trailing comma
    assert lines[0].startswith(f"{nb}:3:{col}: error: ") and "JSON" in lines[0], err
    assert lines[1] == "    " + line3
    assert lines[2].index("^") == 4 + col - 1
    assert nb.read_text(encoding="utf-8") == text


def test_notebook_without_cell_ids_reads_quietly(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A 4.5 notebook whose cells have no ids (written by an older tool) is read as it is:
    nbformat's MissingIDFieldWarning is not shown to the user."""
    import json
    import warnings

    cell = {"cell_type": "markdown", "metadata": {}, "source": ["$$a = b$$"]}
    nb = tmp_path / "old.ipynb"
    nb.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                              "nbformat_minor": 5}), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, out, err = run(capsys, str(nb))
    assert "Warning" not in err and "not a Jupyter notebook" not in err, err
    assert "1 checked" in out
