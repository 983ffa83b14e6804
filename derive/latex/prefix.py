"""The steps of a row before the one it cannot read: `\\delta^L_i = \\frac{\\partial C}{\\partial
z^L_i} = \\frac{\\partial}{\\partial z^L_i} C(g(z^L_1), \\ldots)` is checked up to its second
side, and the third is reported as not read (the rows that continue it too). Only where the
error is placed at or after the relation the row is cut at; a row whose own left side or first
step cannot be read keeps its error whole."""

from __future__ import annotations

from collections.abc import Callable

from derive.errors import InputError
from derive.latex.groups import _depth_split
from derive.latex.scope import Equation
from derive.latex.tokens import Tok


def readable_prefix(row: list[Tok], exc: InputError, relations: set[str],
                    parse: Callable[[list[Tok]], Equation], place: Callable[[int], tuple]
                    ) -> tuple[Equation, list[Tok]] | None:
    """The equation of the longest run of the row's first sides that reads, and the tokens
    from the relation after it on; None when no run of two sides or more reads, or the error
    stands before the cut."""
    if exc.span is None:
        return None
    plain = [t for seg, _ in _depth_split(row, {"&"}) for t in seg]
    parts = _depth_split(plain, relations)
    if len(parts) < 3 or not parts[0][0]:
        return None  # one step only, or a row continuing the one before (`&= ...`)
    at = (exc.span.line, exc.span.col)
    for n in range(len(parts) - 1, 1, -1):
        cut = parts[n - 1][1]  # the relation before side n
        if cut is None or at < place(cut.start):
            continue
        keep = [t for t in row if t.start < cut.start]
        try:
            eq = parse(keep)
        except InputError:
            continue
        return eq, [t for t in row if t.start >= cut.start]
    return None
