"""A row that holds only the left side of an equation whose relation opens the next row
(`& \\frac{\\partial L}{\\partial w} \\\\ & = \\ldots`): the two rows are one equation."""

from __future__ import annotations

from derive.latex.groups import _depth_split
from derive.latex.tokens import Tok


def joined_openings(rows: list[list[Tok]], relations: set[str]) -> list[list[Tok]]:
    """The rows with every lone left side joined to the row after it, when that row starts
    with a relation (`&= ...`) and the lone row holds no relation of its own. A lone row
    followed by anything else is left as it is (it is reported as no equation)."""
    out: list[list[Tok]] = []
    k = 0
    while k < len(rows):
        row = rows[k]
        if k + 1 < len(rows) and _lone(row, relations) and _opens(rows[k + 1], relations):
            out.append(row + rows[k + 1])
            k += 2
            continue
        out.append(row)
        k += 1
    return out


def _marks_dropped(row: list[Tok]) -> list[Tok]:
    return [t for seg, _ in _depth_split(row, {"&"}) for t in seg]


def _lone(row: list[Tok], relations: set[str]) -> bool:
    toks = _marks_dropped(row)
    return bool(toks) and len(_depth_split(toks, relations)) == 1


def _opens(row: list[Tok], relations: set[str]) -> bool:
    toks = _marks_dropped(row)
    return bool(toks) and toks[0].text in relations
