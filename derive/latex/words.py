"""Words in a formula: function names written in plain letters (`ReLU(z)`, `exp(-z)`), and
prose inside a formula (a remark in Chinese after a comma in a `cases` row).

A run of two or more plain letters applied to a bracket is a function's name, not a product of
letters, when the function registry knows it by name (case-insensitively: `Sigmoid(z)`, `exp`)
or when the document defines it as `Name(z) = ...`. A name the registry writes as a command
(`\\exp`, `\\max`) becomes that command; any other becomes the upright name `\\mathrm{Name}`,
spelled as the document spells it (so `ReLU` and `RELU` stay two names).

Prose is a run of letters of a script other than Latin-ASCII and Greek (CJK, Cyrillic, accented
Latin), with the ASCII letters and digits it encloses (`是与z相同形状的变量`). Inside `\\text{...}`
it is text (a `text` token); at the end of a cell, after a comma (`z<=0, \\alpha是...`), it is a
remark and is dropped (`remarks` says where, for the "read as" facts); anywhere else it is an
error, as before.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from derive.functions import BY_LATEX, NAMED

if TYPE_CHECKING:
    from derive.document import Formula
    from derive.latex.tokens import Tok


# -- prose --------------------------------------------------------------------------------

def _prose_char(c: str) -> bool:
    """A letter of a prose script, or CJK punctuation: not ASCII, not Greek (α is maths)."""
    if c.isascii():
        return False
    cat = unicodedata.category(c)
    if cat[0] in ("L", "M"):
        return not unicodedata.name(c, "").startswith("GREEK")
    # ideographic space and punctuation, fullwidth forms (，。：（）)
    return cat[0] in ("P", "Z") and ("\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")


def prose_at(text: str, pos: int) -> int | None:
    """Where the prose run starting at text[pos] ends, or None when none starts there. ASCII
    letters, digits and spaces belong to it only between two prose characters."""
    if not _prose_char(text[pos]):
        return None
    end = pos + 1
    k = end
    while k < len(text):
        c = text[k]
        if _prose_char(c):
            end = k = k + 1
        elif c.isascii() and (c.isalnum() or c == " "):
            k += 1
        else:
            break
    return end


_TEXT_GROUPS = {"\\text", "\\textrm", "\\mbox", "\\textit", "\\textnormal", "\\textbf"}
_CELL_ENDS = {"&", "\\\\", "\\end"}
_AFTER_REMARK = {",", ".", ";", ":", "(", ")"}


def in_text_group(toks: list[Tok], k: int) -> bool:
    """Whether toks[k] is inside the braces of `\\text{...}` (or `\\mbox{...}`)."""
    depth = 0
    for p in range(k - 1, -1, -1):
        t = toks[p].text
        if t == "}":
            depth += 1
        elif t == "{":
            if depth == 0:
                return p > 0 and toks[p - 1].text in _TEXT_GROUPS
            depth -= 1
    return False


def _remark_position(toks: list[Tok], k: int) -> bool:
    """Whether the prose token toks[k] ends its cell after a comma: `z<=0, \\alpha是...`
    (only punctuation, more prose and an equation number `\\tag 5` may follow it)."""
    p = k + 1
    while p < len(toks) and toks[p].text not in _CELL_ENDS and toks[p].text != "}":
        t = toks[p]
        if t.text == "\\tag":
            p += 2
            if p - 1 < len(toks) and toks[p - 1].text == "{":
                while p < len(toks) and toks[p - 1].text != "}":
                    p += 1
            continue
        if t.kind != "text" and t.text not in _AFTER_REMARK:
            return False
        p += 1
    depth = 0
    for p in range(k - 1, -1, -1):
        t = toks[p].text
        if t in ("}", ")", "]"):
            depth += 1
        elif t in ("{", "(", "["):
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and t in _CELL_ENDS:
            return False
        elif depth == 0 and t == ",":
            return True
    return False


def place_prose(toks: list[Tok], error: Callable[[Tok], Exception]) -> list[Tok]:
    """The prose tokens read: kept as text inside `\\text{...}`, dropped where they are a
    remark; anywhere else `error(tok)` is raised (prose standing in the mathematics)."""
    out: list[Tok] = []
    for k, t in enumerate(toks):
        if t.kind != "text":
            out.append(t)
        elif in_text_group(toks, k):
            out.append(t)
        elif not _remark_position(toks, k):
            raise error(t)
    return out


def remarks(toks: list[Tok]) -> list[Tok]:
    """The prose tokens of a tokenised formula that `place_prose` drops as remarks."""
    return [t for k, t in enumerate(toks) if t.kind == "text" and not in_text_group(toks, k)
            and _remark_position(toks, k)]


# -- function names in plain letters --------------------------------------------------------

def _registry_words() -> tuple[dict[str, str], frozenset[str]]:
    """The registry's names a text may write in plain letters, lowercased: those it writes as a
    command (`exp` -> `\\exp`, `max` -> `\\max`) and those it writes upright (`relu`)."""
    commands = {c[1:].lower(): c for c in BY_LATEX}
    upright: set[str] = set()
    for fn in NAMED:
        for s in fn.spellings:
            m = re.fullmatch(r"\\(?:mathrm|operatorname)\{([A-Za-z]+)\}", s)
            if m:
                upright.add(m.group(1).lower())
            elif re.fullmatch(r"\\[A-Za-z]+", s) and s not in ("\\sigma", "\\Phi"):  # Greek
                commands.setdefault(s[1:].lower(), s)
    return commands, frozenset(upright - set(commands))


_COMMANDS, _UPRIGHT = _registry_words()
# operations on matrices the vector reader knows by name (derive.vecparse.trace): `Tr(X)`
_UPRIGHT = _UPRIGHT | {"tr", "trace"}

# `Name(z) =` (or `:=`) with plain-letter or command parameters: a definition of Name
_DEFINITION = re.compile(
    r"(?<![A-Za-z\\])([A-Za-z]{2,})\s*(?:\\left\s*)?\(\s*(?:[A-Za-z]|\\[A-Za-z]+)"
    r"(?:\s*,\s*(?:[A-Za-z]|\\[A-Za-z]+))*\s*(?:\\right\s*)?\)\s*(?:=|:=|\\coloneqq|\\triangleq)")


@functools.lru_cache(maxsize=16)
def defined_words(lines: tuple[str, ...]) -> frozenset[str]:
    """The names the document defines as `Name(z) = ...`, written in plain letters."""
    return frozenset(m.group(1) for m in _DEFINITION.finditer("\n".join(lines)))


def _applied(toks: list[Tok], j: int) -> bool:
    """Whether toks[j] applies what stands before it: `(`, `\\left(`, a prime `'(`."""
    texts = [t.text for t in toks[j : j + 5]]
    if texts[:1] == ["'"]:
        texts = texts[1:]
    elif texts[:4] == ["^", "{", "\\prime", "}"]:
        texts = texts[4:]
    elif texts[:2] == ["^", "\\prime"]:
        texts = texts[2:]
    return texts[:1] == ["("] or texts[:2] == ["\\left", "("]


def function_words(toks: list[Tok], formula: Formula) -> list[Tok]:
    """Plain-letter runs that name a function (see the module's docstring), rewritten as the
    command or the upright name they are."""
    from derive.latex.tokens import Tok

    defined = defined_words(formula.lines) | defined_words((formula.text,))
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        j = i
        while (j < len(toks) and toks[j].kind == "letter"
               and (j == i or toks[j - 1].end == toks[j].start)):
            j += 1
        contiguous = i > 0 and toks[i - 1].kind == "letter" and toks[i - 1].end == t.start
        if j - i < 2 or contiguous or not _applied(toks, j):
            out.extend(toks[i : max(j, i + 1)])
            i = max(j, i + 1)
            continue
        word = "".join(x.text for x in toks[i:j])
        start, end = t.start, toks[j - 1].end
        if word.lower() in _COMMANDS and word not in defined:
            out.append(Tok("cmd", _COMMANDS[word.lower()], start, end))
        elif word.lower() in _UPRIGHT or word in defined:
            out += [Tok("cmd", "\\mathrm", start, start), Tok("sym", "{", start, start),
                    *toks[i:j], Tok("sym", "}", end, end)]
        else:
            out.extend(toks[i:j])
        i = j
    return out
