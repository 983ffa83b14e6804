"""A header row that quantifies the block under it (`\\text{for all } l = 1,\\ldots,L: \\\\
\\begin{aligned} ... \\end{aligned}`): the range of one letter the rows below hold for, read as
the range qualifier a row may end with (`derive.latex.conditions.for_words`), and the block
unwrapped as if it stood alone."""

from __future__ import annotations

from derive.latex.conditions import _TEXT_COMMANDS, range_qualifier
from derive.latex.groups import _depth_split
from derive.latex.tokens import Tok

_WORDS = {"for", "forall", "foreach", "forevery", "forany"}


def without_header(toks: list[Tok], relations: set[str]) -> list[Tok]:
    """The formula's tokens with a leading quantifier row dropped when all that follows it is
    one environment (`\\begin{aligned}`): `\\text{for all } l = 1, \\ldots, L:` or
    `\\forall l = 1, \\ldots, L:`, the words then the values of one letter, ending with `:`.
    Any other formula is returned as it is (a first row of its own is checked as a row)."""
    parts = _depth_split(toks, {"\\\\"})
    if len(parts) < 2:
        return toks
    head, sep = parts[0]
    if sep is None or not _quantifier(head, relations):
        return toks
    rest = toks[toks.index(sep) + 1:]
    if not rest or rest[0].text != "\\begin":
        return toks
    return rest


def _quantifier(head: list[Tok], relations: set[str]) -> bool:
    """`\\text{for all } l = 1, \\ldots, L:`: words of quantifying, a range of one letter, a
    colon; nothing else."""
    if len(head) < 5 or head[-1].text != ":":
        return False
    if head[0].text == "\\forall":
        return range_qualifier(head[1:-1], relations)
    if head[0].text not in _TEXT_COMMANDS or head[1].text != "{":
        return False
    close = next((p for p in range(2, len(head)) if head[p].text == "}"), None)
    if close is None:
        return False
    words = "".join(t.text for t in head[2:close]).lower()
    return words in _WORDS and range_qualifier(head[close + 1:-1], relations)
