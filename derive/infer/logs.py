"""Choices the inference makes that no formula states, said in the summary: the range a sum
written without bounds takes (`\\sum_k`: the range of k where it is used), the base of `\\log`
(the natural logarithm), and the facts several lines share said once (`lines 80, 81: ...`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from derive.infer.scan import Lin, Row, _indices
from derive.infer.text import _dim_text

Shapes = dict[str, list[Lin | None]]


def _range_at(r: Row, letter: str, shapes: Shapes, tagged: set[str], width: str, n: str,
              sizes: dict[str, Lin], var: str = "l") -> tuple[str, str] | None:
    """The range of `letter` at its first use in the row by a quantity of known shape, and
    that use's name."""
    for o in r.occs:
        idx = _indices(o)
        if o.name not in shapes or letter not in idx or o.in_bound:
            continue
        pos = idx.index(letter)
        dims = shapes[o.name]
        if pos >= len(dims) or dims[pos] is None:
            continue
        rel = dims[pos]
        assert rel is not None
        absolute = rel
        if o.name in tagged and rel[1] == 0:  # C_{l-1} of w^l_{jk}, at this use's layer
            if o.tag is None or o.tag[1] is None:
                continue
            c, a, b = o.tag[1]
            absolute = (rel[0] + c, a, b)
        return _dim_text(absolute, width, n, False, sizes, var), o.name
    return None


def sum_readings(rows: Iterable[Row], shapes: Shapes, tagged: set[str], width: str, n: str,
                 sizes: dict[str, Lin], skip: set[str | None], var: str = "l") -> list[str]:
    """`\\sum_k` written without its bounds: read as k over the range of the index it runs
    over where it is used (the sums of the letters in `skip`, the samples', are the batch's)."""
    found: dict[tuple[str, str], tuple[str, list[int]]] = {}  # (letter, range) -> use, lines
    for r in rows:
        for letter, upper in r.bounds:
            if upper or letter in skip:
                continue
            got = _range_at(r, letter, shapes, tagged, width, n, sizes, var)
            if got is None:
                continue
            line = r.occs[0].line if r.occs else r.formula.line
            lines = found.setdefault((letter, got[0]), (got[1], []))[1]
            if line not in lines:
                lines.append(line)
    if not found:
        return []
    items = [f"$\\sum_{{{letter}}}$ ({_lines(lines)}) ${letter}$ = 1..${rng}$ as in ${name}$"
             for (letter, rng), (name, lines) in found.items()]
    return ["sums written without bounds run over their index's range where it is used: "
            + "; ".join(items) + " (to say otherwise: write the bounds)"]


def _lines(lines: list[int]) -> str:
    return f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"


def log_reading(rows: Iterable[Row]) -> list[str]:
    """`\\log` without a base read as the natural logarithm (its derivative 1/x)."""
    lines: list[int] = []
    for r in rows:
        for side in r.sides:
            for k, t in enumerate(side):
                if t.text == "\\log" and (k + 1 >= len(side) or side[k + 1].text != "_"):
                    line = r.formula.span(t.start).line
                    if line not in lines:
                        lines.append(line)
    if not lines:
        return []
    return [f"{_lines(lines)}: $\\log$ read as the natural logarithm (another base is written "
            "with it: $\\log_2$)"]


_AT_LINE = re.compile(r"line (\d+): (.+)", re.S)


def merged(facts: list[str]) -> list[str]:
    """The facts with the same words at several lines said once, at the first one's place
    (`line 80: X`, `line 81: X` -> `lines 80, 81: X`); repeated facts said once."""
    out: list[str] = []
    at: dict[str, int] = {}  # the words after `line N: ` -> their place in out
    lines: dict[str, list[str]] = {}
    for fact in facts:
        m = _AT_LINE.fullmatch(fact)
        if m is None:
            if fact not in out:
                out.append(fact)
            continue
        line, words = m.groups()
        if words in at:
            if line not in lines[words]:
                lines[words].append(line)
            out[at[words]] = f"lines {', '.join(lines[words])}: {words}"
            continue
        at[words], lines[words] = len(out), [line]
        out.append(fact)
    return out
