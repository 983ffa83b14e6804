"""A row that holds only the left side of an equation whose relation opens the next row
(`& \\frac{\\partial L}{\\partial w} \\\\ & = \\ldots`): the two rows are one equation."""

from __future__ import annotations

from derive.errors import InputError
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


class NothingClaimed(InputError):
    """A display that writes one expression and no relation: it claims nothing (a goal, the
    quantity the text goes on to derive), so there is nothing to check; reported unchecked."""


def lone_expression(rows: list[list[Tok]], relations: set[str]) -> bool:
    """Whether a display's rows are one expression with no relation (`\\frac{\\partial
    \\mathcal{L}}{\\partial W^L}` standing alone under a heading "Goal")."""
    kept = [r for r in rows if _marks_dropped(r)]
    return len(kept) == 1 and _lone(kept[0], relations) and not any(
        t.text in relations or t.text in _STATEMENTS for t in _outside_scripts(kept[0]))


def _outside_scripts(row: list[Tok]) -> list[Tok]:
    """The tokens not in a subscript or superscript group (`\\sum_{m=0}`: the `=` of the
    sum's bound is no relation of the display)."""
    out: list[Tok] = []
    k = 0
    while k < len(row):
        if row[k].text in ("_", "^") and k + 1 < len(row) and row[k + 1].text == "{":
            depth = 0
            for j in range(k + 1, len(row)):
                depth += (row[j].text == "{") - (row[j].text == "}")
                if depth == 0:
                    break
            k = j + 1
            continue
        out.append(row[k])
        k += 1
    return out


# what makes a display a statement though no relation stands at its top level: a relation
# inside brackets or an environment (`\begin{cases} i \in [0, H] \\ ... \end{cases}`)
_STATEMENTS = frozenset({"<", ">", r"\le", r"\leq", r"\ge", r"\geq", r"\ne", r"\neq",
                         r"\notin", r"\subset", r"\subseteq", r"\begin", r"\lt", r"\gt",
                         r"\sim", r"\propto"})


NOTHING_CLAIMED = ("nothing to check: this display writes one expression and no relation (no "
                   "`=`): it claims nothing about it, only names it (what the text goes on to "
                   "derive)")
