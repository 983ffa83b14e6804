"""Shared by the variant and rewrite tests: one edit of the chapter, checked."""

from __future__ import annotations

import re
from pathlib import Path

from derive.check import check_document
from derive.document import parse_document
from derive.results import FileReport, Result

CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"
NAME = "formulas/backprop.md"
_CLOSING = re.compile(r"^\$\$[ \t]*$", re.MULTILINE)


def edit_chapter(text: str, old: str, new: str) -> tuple[str, int, int]:
    """The chapter with `old` replaced by `new`, cut after the edited display formula.

    Returns (text, line of the edit, first line of the edited formula). Lines before the cut
    keep their numbers, so results compare with the unedited chapter line by line.
    """
    assert text.count(old) == 1, f"the chapter no longer has exactly one {old!r}"
    pos = text.index(old)
    edited = text[:pos] + new + text[pos + len(old):]
    closing = _CLOSING.search(edited, pos + len(new))
    assert closing is not None, "no closing $$ after the edit"
    end = edited.find("\n", closing.end())
    edited = edited[: len(edited) if end < 0 else end + 1]
    openings = list(_CLOSING.finditer(text, 0, pos))
    assert openings, "the edit is not inside a display formula"
    formula_line = text.count("\n", 0, openings[-1].start()) + 2
    return edited, text.count("\n", 0, pos) + 1, formula_line


def check_text(text: str) -> FileReport:
    return check_document(parse_document(text, NAME))


def result_key(r: Result) -> tuple[int, int | None]:
    return (r.line, r.step)
