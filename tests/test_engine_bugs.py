"""Bugs the fuzzing benchmark found, kept as tests: each is a placed input error now."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = CHAPTER.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "notes.md"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_circular_definition_is_a_placed_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # a^{(l)} defined from z^{(l+1)}, which is defined from a^{(l)}
    path = _edited(tmp_path, "a^{(l)}_i &= \\ g(z^{(l)}_i)", "a^{(l)}_i &= \\ g(z^{(l+1)}_i)")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "error: the definitions are circular:" in err
    assert f"{path.as_posix()}:148:14: error: the definitions are circular" in err
    assert "internal error" not in err


def test_twenty_nested_sums_are_a_placed_error(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    many = "\\sum_{k=1}^{C_l} " * 19
    path = _edited(tmp_path, "\\sum_{j=1}^{C_l}w^{(l)}_{ij}a^{(l)}_j, \\\\",
                   "\\sum_{j=1}^{C_l}" + many + "w^{(l)}_{ij}a^{(l)}_j, \\\\")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert ":121:" in err and "error:" in err


def test_operator_words_in_plain_letters_read_as_the_upright_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`softmax(\\mathbb{a}^{(n)}, j)` (as the chapter's rst source writes it) means the same as
    `\\mathrm{softmax}(\\mathbf{a}^{(n)}, j)`; letters not followed by `(` stay symbols."""
    plain = _edited(tmp_path, "\\mathrm{softmax}(\\mathbf{a}^{(n)}, j)", "softmax(\\mathbb{a}^{(n)}, j)")
    assert main(["check", str(plain), "--format", "json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["error"] == 0 and doc["summary"]["conditional"] == 2


def test_a_definition_from_a_fixed_later_layer_is_circular_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a^{(l)} = g(z^{(3)}), and z^{(3)} reads a^{(2)}: found while building the derivative's cut
    path = _edited(tmp_path, "a^{(l)}_i &= \\ g(z^{(l)}_i)", "a^{(l)}_i &= \\ g(z^{(3)}_i)")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the definitions are circular" in err and "internal error" not in err


def test_a_tower_of_exponents_is_refused_at_once(tmp_path: Path) -> None:
    """e^{e^{e^{e^{x}}}} passes every size bound but has no value a check can use: it spent a
    claim's whole budget (the fuzz benchmark's mutant 148). Refused at its caret, at once."""
    from derive.check import check_file

    doc = tmp_path / "tower.md"
    doc.write_text("$$g(t) = e^{e^{e^{e^{t}}}}$$\n\n$$h(t) = e^{e^{e^{t}}}$$\n", encoding="utf-8")
    results = check_file(doc).results
    assert results[0].status.value == "error" and "nested too deeply" in results[0].message
    assert results[1].status.value == "definition"  # three levels are still read
