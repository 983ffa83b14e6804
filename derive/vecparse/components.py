"""A vector written as the list of its entries: `\\left( x_{1}, x_{2}, \\ldots, x_{n} \\right)^{T}`.

The inside of a bracket is a component list when, split at its top-level commas, every part is
either a gap (`\\ldots`, `\\cdots`, `\\dots`, one or several) or one entry of the same vector
quantity, written with one index and the same superscript (its layer tag) each time: the tuple
then is that quantity's entries, written in a row. Nothing is evaluated here.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.errors import InputError
from derive.latex import Scope, Tok, _read_name, _scripts, _strip_group, starts_name

GAPS = {"\\ldots", "\\dots", "\\cdots", "\\dotsc", "\\dotsb"}


@dataclass(frozen=True)
class Components:
    """The quantity a component list lists, its scripts without the index (its layer tag),
    and the tokens of the first entry's name (where its leaf is read)."""

    name: str
    scripts: dict
    first: int  # index, in the bracket's tokens, of the first entry's name
    end: int  # where that entry's name and scripts end
    entries: tuple[str, ...]  # each entry's index as written ("1", "2", "j", "n")


def _split(toks: list[Tok]) -> list[list[Tok]]:
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.text in ("(", "[", "{"):
            depth += 1
        elif t.text in (")", "]", "}"):
            depth -= 1
        if t.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def _superscript(scripts: dict) -> str | None:
    sup = scripts.get("^")
    return None if sup is None else "".join(t.text for t in _strip_group(sup[0]))


def components(toks: list[Tok], scope: Scope) -> Components | None:
    """The component list these tokens (a bracket's inside) write, or None."""
    parts = _split(toks)
    if len(parts) < 2:
        return None
    found: Components | None = None
    entries: list[str] = []
    sup: str | None = None
    offset = 0
    for part in parts:
        start = offset
        offset += len(part) + 1
        if part and all(t.text in GAPS for t in part):
            continue
        if not part or not starts_name(part[0]):
            return None
        try:
            name, nxt = _read_name(part, 0, scope)
            scripts, end = _scripts(part, nxt, scope)
        except InputError:
            return None
        spec = scope.notation.quantities.get(name) if scope.lookup(name) == "quantity" else None
        sub = scripts.get("_")
        index = [t for t in _strip_group(sub[0]) if t.text != ","] if sub is not None else []
        if (end != len(part) or spec is None or len(spec.shape) != 1 or len(index) != 1
                or index[0].kind not in ("letter", "num")):
            return None
        rest = {k: v for k, v in scripts.items() if k != "_"}
        if found is None:
            found = Components(name, rest, start, start + end, ())
            sup = _superscript(rest)
        elif name != found.name or _superscript(rest) != sup:
            return None
        entries.append(index[0].text)
    if found is None:
        return None
    return Components(found.name, found.scripts, found.first, found.end, tuple(entries))
