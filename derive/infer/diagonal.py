"""Functions the prose defines as diagonal matrices: Nielsen's `$\\Sigma'(z^L)$ is a square
matrix whose diagonal entries are $\\sigma'(z^L_j)$, and whose other entries are 0`.

An inline formula that is a function of the text applied to a vector (`\\Sigma'(z^L)`, the
vector written without an index), followed in the same sentence by a word for the diagonal
(`diagonal`, `对角`) and by an inline formula that is a function applied to an entry of the
same vector (`\\sigma'(z^L_j)`), says that the function's value is the diagonal matrix of those
entries: the front matter's `diagonal` entry (`"\\\\Sigma'" = "\\\\sigma'"`), with a fact. Both
functions are kept with their primes as written: `\\Sigma'` is a name of its own, not the
derivative of a matrix function.
"""

from __future__ import annotations

import re

from derive.errors import InputError
from derive.functions import BY_LATEX
from derive.latex import Tok, tokenize
from derive.sources.document import Document, Formula

_DIAGONAL_WORD = re.compile(r"diagonal|对角|對角", re.IGNORECASE)
# the end of a sentence in the prose: a full stop (not a decimal point), or a blank line
_SENTENCE_END = re.compile(r"[。！？；]|[.!?;](?=\s|$)|\n\s*\n")
_LINES = 3  # a sentence is read over at most this many lines


def diagonal_functions(doc: Document, functions: dict[str, int]
                       ) -> tuple[dict[str, str], list[str]]:
    """Each function the prose defines as a diagonal matrix (head with its prime -> the
    function of the diagonal's entries with its prime), and the facts that say so."""
    found: dict[str, str] = {}
    facts: list[str] = []
    inline = list(doc.inline)
    for k, f in enumerate(inline):
        head = _applied(f)
        if head is None or head[0] not in functions or head[2] or head[0] in found:
            continue
        window = _sentence_after(f)
        if window is None or not _DIAGONAL_WORD.search(window[2]):
            continue
        for g in inline[k + 1:]:
            if (g.line, g.line_starts[0][2]) > window[:2]:
                break
            entries = _applied(g)
            if (entries is not None and entries[2] and entries[1] == head[1]
                    and (entries[0] in functions or entries[0] in BY_LATEX)
                    and entries[0] != head[0]):
                name, value = head[0] + head[3], entries[0] + entries[3]
                found[name] = value
                facts.append(f"${f.text.strip()}$ read as the diagonal matrix with "
                             f"${g.text.strip()}$ on its diagonal, as the prose at line {f.line} "
                             f"says (to say otherwise: diagonal.\"{name}\")")
                break
    return found, facts


def _applied(f: Formula) -> tuple[str, str, bool, str] | None:
    """`\\Sigma'(z^L)` or `\\sigma'(z^L_j)`: the function's name, the name of the vector it is
    applied to, whether an index follows it (`_j`), and the prime (`'` or ``); else None."""
    try:
        toks = [t for t in tokenize(f.text, f) if t.text.strip()]
    except InputError:
        return None
    texts = [t.text for t in toks]
    prime = "'" if texts[1:2] == ["'"] else ""
    rest = texts[1 + len(prime):]
    if len(toks) < 4 or not _is_name(toks[0]) or rest[:1] != ["("] or rest[-1:] != [")"]:
        return None
    inner = rest[1:-1]
    if not inner or not re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", inner[0]) or "(" in inner:
        return None
    return texts[0], inner[0], "_" in inner, prime


def _is_name(t: Tok) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", t.text))


def _sentence_after(f: Formula) -> tuple[int, int, str] | None:
    """The prose after an inline formula to the end of its sentence: the line and column
    (1-based) where the sentence ends, and its text."""
    last = f.span(len(f.text) - 1)
    line, col = last.line, last.col  # 0-based: the character after the formula's last
    lines = f.lines
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1][col:]
    ends = [(line, len(lines[line - 1]) + 1)]
    for n in range(line + 1, min(line + _LINES, len(lines)) + 1):
        text += "\n" + lines[n - 1]
        ends.append((n, len(lines[n - 1]) + 1))
    m = _SENTENCE_END.search(text)
    if m is None:
        return (*ends[-1], text)
    # where the sentence ends, in the file: the line of the match and its column there
    before = text[:m.start()]
    at_line = line + before.count("\n")
    at_col = (len(before) - before.rfind("\n")) if "\n" in before else col + len(before) + 1
    return at_line, at_col, before
