"""One schema for front matter and per-formula annotations: every unknown key and ill-typed
value is an input error at its own line and column, with the source line and a caret; a
misspelt key gets a "did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.cli import main
from derive.sources import read

FRONT = """<!-- derive
title = "t"
[roles]
layers = "n"
[quantities.w]
layers = "1..n-1"
shape = {shape}
[quantities.z]
layers = "2..n"
shape = ["C_l"]
[functions]
g = 1
-->
"""
BODY = """
# Notes

<!-- derive: {note} -->
$$
g(t) = \\frac{{1}}{{1 + e^{{-t}}}}
$$
"""


def run(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "notes.md") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def placed(err: str, path: Path, line: int, col: int, message: str) -> list[str]:
    """The error lines at `path:line:col`, with its source line and a caret under `col`."""
    lines = err.splitlines()
    heads = [k for k, s in enumerate(lines) if s.startswith(f"{path}:{line}:{col}: error: ")]
    assert heads, err
    k = heads[0]
    assert message in lines[k], lines[k]
    source = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert lines[k + 1] == "    " + source
    assert lines[k + 2].index("^") == 4 + col - 1
    return lines[k:]


def test_misspelt_annotation_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, FRONT.format(shape='["C_{l+1}", "C_l"]') +
              BODY.format(note='definitons = "all"'))
    code, _, err = run(capsys, p)
    assert code == 2
    rest = placed(err, p, 17, 14, "unknown key `definitons`")
    assert "did you mean `definitions`?" in rest[3]


@pytest.mark.parametrize("note, col, message", [
    ("definitions = 5", 28, "`definitions` must be"),
    ("definitions = [0, -1]", 28, "row numbers start at 1"),
    ("local = 1", 22, "`local` must be true or false"),
    ('functions = ["g"]', 26, "`functions` must be a table"),
    ("given = \"y = x\"", 22, "`given` must be a list of strings"),
])
def test_ill_typed_annotation_values(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     note: str, col: int, message: str) -> None:
    p = write(tmp_path, FRONT.format(shape='["C_{l+1}", "C_l"]') + BODY.format(note=note))
    code, _, err = run(capsys, p)
    assert code == 2
    placed(err, p, 17, col, message)


def test_definitions_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, FRONT.format(shape='["C_{l+1}", "C_l"]') +
              BODY.format(note="definitions = [1, 99]"))
    code, out, err = run(capsys, p)
    assert code == 2
    placed(err, p, 17, 28, "names row(s) [99], but this formula has 1")


@pytest.mark.parametrize("shape, message", [
    ("1", "`quantities.w.shape` must be a list of strings; got 1"),
    ('"C_l"', "`quantities.w.shape` must be a list of strings"),
])
def test_front_matter_value_placed_at_its_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               shape: str, message: str) -> None:
    p = write(tmp_path, FRONT.format(shape=shape) + BODY.format(note='definitions = "all"'))
    code, _, err = run(capsys, p)
    assert code == 2
    placed(err, p, 7, 9, message)


@pytest.mark.parametrize("text, line, col, message", [
    ("<!-- derive\nquantities = 3\n-->\n", 2, 14, "`quantities` must be a table"),
    ('<!-- derive\n[functions]\ng = 0\n-->\n', 3, 5, "`functions.g` must be its number"),
    ('<!-- derive\nfunctions = ["g"]\n-->\n', 2, 13, "`functions` must be a table"),
    ('<!-- derive\n[roles]\nlayres = "n"\n-->\n', 3, 1, "unknown key `roles.layres`"),
    ('<!-- derive\ntitel = "x"\n-->\n', 2, 1, "unknown key `titel`"),
    ('<!-- derive\n[quantities.w]\nshape = ["C_l"]\nparameter = "yes"\n-->\n', 4, 13,
     "`quantities.w.parameter` must be true or false"),
    ('<!-- derive\ntitle = "x\n-->\n', 2, 11, "bad derive annotation"),
])
def test_front_matter_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                             line: int, col: int, message: str) -> None:
    p = write(tmp_path, text + BODY.format(note='definitions = "all"'))
    code, _, err = run(capsys, p)
    assert code == 2
    placed(err, p, line, col, message)


def test_did_you_mean_in_the_front_matter(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, '<!-- derive\n[roles]\nlayres = "n"\n-->\n' +
              BODY.format(note='definitions = "all"'))
    _, _, err = run(capsys, p)
    assert "did you mean `layers`?" in err


def test_every_bad_key_is_reported_at_once(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, '<!-- derive\ntitel = "x"\nquantities = 3\n-->\n' +
              BODY.format(note='definitions = "all"'))
    _, _, err = run(capsys, p)
    assert f"{p}:2:1: error: " in err and f"{p}:3:14: error: " in err


def test_front_span_places_keys(tmp_path: Path) -> None:
    p = write(tmp_path, FRONT.format(shape='["C_{l+1}", "C_l"]') +
              BODY.format(note='definitions = "all"'))
    doc = read(p)
    assert doc.front_span("quantities.w.shape").line == 7
    assert doc.front_span(("quantities", "z", "layers")).line == 9
    assert doc.front_span("roles.layers").line == 4
    assert doc.front_span("quantities.w.given").line == 5  # not written: its table's line
    assert doc.front_span("nothing").line == 1  # not written at all: the front matter


@pytest.mark.parametrize("name, text, line, col", [
    ("n.rst", "T\n=\n\n.. derive: definitons = \"all\"\n\n.. math::\n\n   x = 1\n", 4, 12),
    ("n.tex", "% derive: definitons = \"all\"\n\\[ x = 1 \\]\n", 1, 11),
])
def test_annotations_in_other_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      name: str, text: str, line: int, col: int) -> None:
    p = write(tmp_path, text, name)
    code, _, err = run(capsys, p)
    assert code == 2
    placed(err, p, line, col, "unknown key `definitons`")


def test_notebook_metadata_annotation_is_validated(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import json

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {"derive": {"definitons": "all"}},
         "source": ["$$\n", "x = 1\n", "$$\n"]}]}
    p = tmp_path / "n.ipynb"
    p.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    code, _, err = run(capsys, p)
    assert code == 2 and "unknown key `definitons`" in err and "did you mean" in err
    line = next(k for k, s in enumerate(p.read_text().splitlines(), 1) if "definitons" in s)
    assert f"{p}:{line}:" in err
