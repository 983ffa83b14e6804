"""Maths inside the words of a formula (tests/data/text_math): `\\text{ for $l = 1 \\dots L$}`
closes the words at the `$` (the row holds for those layers: the qualifier, not part of the
equation), and `\\partial{z}^l_j` is `\\partial z^l_j` (the braces group the letter only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "text_math"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED


def test_for_words_with_maths_are_where_the_row_holds() -> None:
    assert_verdicts(check_file(DATA / "for_words.md"), [
        (6, D, None), (6, D, None), (9, D, None), (12, V, None), (16, V, None),
        (20, R, "swapped indices"), (24, V, None), (28, R, "swapped indices")])


CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


@pytest.mark.skipif(not (CORPUS / "cs231n_backprop-derivation.md").exists(),
                    reason="the corpus is not here")
def test_corpus_summary_rows_are_read() -> None:
    """The summary's rows after `\\text{ for $l=1 \\dots L$}` are read (no `$` error); the row
    with `w^{l+1}_{.j}` (a column written with a dot) stays an error."""
    got = check_file(CORPUS / "cs231n_backprop-derivation.md").results
    assert not any("'$'" in (r.message or "") for r in got)
    assert (230, V) in [(r.line, r.status) for r in got]
    assert not any(r.status == R for r in got)
