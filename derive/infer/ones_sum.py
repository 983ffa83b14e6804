"""`\\mathbf{1}^\\top y = 1` (or `y^\\top \\mathbf{1} = 1`): the entries of one vector summed with
the vector of ones, as `\\sum_j y_j` writes them; the row rule of derive.infer.definitions reads
it as that premise on the labels."""

from __future__ import annotations

from derive.latex import Tok

_ONES = ["\\mathbf", "{", "1", "}"]
_TRANSPOSE = (["^", "\\top"], ["^", "T"], ["^", "{", "\\top", "}"], ["^", "{", "T", "}"])


def ones_sum(side: list[Tok]) -> str | None:
    """The letter whose entries `side` sums with the ones (`y` of `\\mathbf{1}^\\top y`), or None
    for anything else."""
    texts = [t.text for t in side]
    for mark in _TRANSPOSE:
        ones_first = _ONES + mark
        if texts[: len(ones_first)] == ones_first and len(texts) == len(ones_first) + 1:
            last = side[-1]
            return last.text if last.kind == "letter" else None
        if len(texts) == 1 + len(mark) + len(_ONES) and texts[1:] == mark + _ONES:
            return side[0].text if side[0].kind == "letter" else None
    return None
