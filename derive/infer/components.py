"""A vector written as the list of its own entries, `x = (x_1, x_2, \\ldots, x_n)^T`, at the token
level: the row says what the vector's entries are; it is no definition of the vector."""

from __future__ import annotations

from derive.infer.scan import Row, _indices, _single_name, _strip, _text
from derive.latex import Tok, _depth_split

_GAPS = {"\\ldots", "\\dots", "\\cdots", "\\dotsc", "\\dotsb"}


def _listed_entries(side: list[Tok]) -> list[list[Tok]] | None:
    """`\\left( x_{1}, \\ldots, x_{n} \\right)^{T}`: the entries a bracketed list writes (its
    comma-separated parts that are no gap `\\ldots`), or None when the side is no such list."""
    toks = [t for t in _strip(side) if t.text not in ("\\left", "\\right")]
    if len(toks) < 2 or toks[0].text not in ("(", "["):
        return None
    depth = 0
    close = None
    for k, t in enumerate(toks):
        depth += (t.text in ("(", "[", "{")) - (t.text in (")", "]", "}"))
        if depth == 0:
            close = k
            break
    if close is None:
        return None
    after = [t.text for t in toks[close + 1:] if t.text not in ("{", "}")]
    if after not in ([], ["^", "T"], ["^", "\\top"], ["^", "\\intercal"]):
        return None
    parts = [p for p, _ in _depth_split(toks[1:close], {","})]
    entries = [p for p in parts if not (p and all(t.text in _GAPS for t in p))]
    return entries if len(parts) >= 2 and all(entries) else None


def _lists_own_entries(row: Row) -> bool:
    """`x = (x_1, x_2, \\ldots, x_n)^T`: a row that writes a vector as the list of its own
    entries (each the left side's name with one index and the same superscript)."""
    if len(row.sides) != 2 or not _single_name(row.sides[0]):
        return False
    entries = _listed_entries(row.sides[1])
    left = [o for o in row.occs if o.side == 0]
    if entries is None or len(left) != 1 or left[0].sub is not None:
        return False
    head = left[0]
    right = [o for o in row.occs if o.side == 1 and not o.in_bound]
    named = [o for o in right if o.name != "T" or o.sub is not None]
    return (len(named) == len(entries) and all(
        o.name == head.name and o.sub is not None and len(_indices(o)) == 1
        and _text(o.sup or []) == _text(head.sup or []) and not o.prime and o.call is None
        for o in named))
