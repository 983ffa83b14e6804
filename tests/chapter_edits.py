"""Shared by the variant and rewrite tests: one edit of the chapter, checked.

An edit changes one display formula; the formulas before it are the shipped chapter's, so their
verdicts are the unedited chapter's (the checker is deterministic and each formula is checked
with the model the formulas before it build). Only the edited formula is checked: the others
still build the model (`check_document(..., only=...)`) but are not checked again for each of
the ~70 edits, which is most of the suite's time otherwise.
"""

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
    """The whole (cut) document checked."""
    return check_document(parse_document(text, NAME))


def check_edited(text: str, formula_line: int) -> tuple[FileReport, int]:
    """Only the formula starting at `formula_line` checked, with the model of all the formulas
    before it; returns the report and that formula's number."""
    doc = parse_document(text, NAME)
    (number,) = [f.number for f in doc.formulas if f.line == formula_line]
    return check_document(doc, only=frozenset({number})), number


def formula_keys(baseline: dict[tuple[int, int | None], Result], number: int) -> set:
    """The (line, step) of every result the unedited chapter has for formula `number`."""
    return {k for k, r in baseline.items() if r.formula == number}


def result_key(r: Result) -> tuple[int, int | None]:
    return (r.line, r.step)
