"""The lexer of a formula: its tokens (`Tok`), the token classes the readers share (spacing,
delimiter sizes, Greek letters, fonts), and `\\text{...}` with maths inside it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.document import Formula
from derive.errors import InputError
from derive.functions import PASSTHROUGH
from derive.latex.words import in_text_group, prose_at


@dataclass(frozen=True)
class Tok:
    kind: str  # "cmd", "sym", "num", "letter"; "text": prose inside \\text{...}
    text: str
    start: int
    end: int


_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<cmd>\\(?:[A-Za-z]+|.))|(?P<num>\d+(?:\.\d+)?)|(?P<letter>[A-Za-z])"
    r"|(?P<sym>[{}()\[\]^_&=+\-,.'|/*<>!:;])"
)
_SPACING = {"\\ ", "\\,", "\\;", "\\!", "\\:", "\\quad", "\\qquad", "\\displaystyle"}
_DELIM_SIZES = {"\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\biggl", "\\biggr",
                "\\Bigl", "\\Bigr", "\\left", "\\right"}
_OPEN = {"(": ")", "[": "]", "\\{": "\\}"}
_GREEK = {
    "\\alpha", "\\beta", "\\gamma", "\\delta", "\\epsilon", "\\varepsilon", "\\zeta", "\\eta",
    "\\theta", "\\iota", "\\kappa", "\\lambda", "\\mu", "\\nu", "\\xi", "\\pi", "\\rho", "\\sigma",
    "\\tau", "\\phi", "\\varphi", "\\chi", "\\psi", "\\omega", "\\Delta", "\\Phi", "\\Sigma",
    "\\Theta", "\\Lambda", "\\Omega", "\\Gamma", "\\Psi", "\\ell",
}
_FONTS = {"\\hat", "\\mathcal", "\\mathrm", "\\mathbf", "\\tilde", "\\bar", "\\vec", "\\boldsymbol",
          "\\operatorname", "\\mathit", "\\widehat", "\\mathbb"}
_VECTOR_FONTS = {"\\mathbf", "\\mathbb", "\\boldsymbol", "\\vec"}  # a whole vector argument
_BOLD = ("\\mathbf", "\\boldsymbol", "\\bm", "\\vec")  # a vector's letter written whole


# elementary functions the arithmetic parser knows; they pass through to it unchanged
_ELEMENTARY = PASSTHROUGH


def _lex(text: str, formula: Formula, base: int) -> list[Tok]:
    """The tokens of `text`, prose runs among them as `text` tokens."""
    toks: list[Tok] = []
    pos, in_math = 0, False
    while pos < len(text):
        if text.startswith("//", pos):  # `// a remark`: a note to the end of the line, or
            ends = [e for e in (text.find("\n", pos), text.find("\\\\", pos)) if e >= 0]
            pos = min(ends) if ends else len(text)  # of the row (`// ... \\`, a row break)
            continue
        nxt = _text_math(text, pos, toks, base, in_math) if text[pos] == "$" else None
        if nxt is not None:  # `\\text{ for $l < L$}`: maths inside the words
            pos, in_math = nxt, not in_math
            continue
        m = _TOKEN.match(text, pos)
        prose = prose_at(text, pos) if not m else None
        if prose is not None:  # words: text in \text{...}, a remark, or an error (place_prose)
            toks.append(Tok("text", text[pos:prose], base + pos, base + prose))
            pos = prose
            continue
        if not m:
            raise InputError(
                f"unexpected character {text[pos]!r} in a formula", formula.span(base + pos)
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            tok = Tok(kind, m.group(), base + m.start(), base + m.end())
            if tok.text not in _SPACING:
                toks.append(tok)
        pos = m.end()
    return toks


def _text_math(text: str, pos: int, toks: list[Tok], base: int, opened: bool) -> int | None:
    """`\\text{ for $l = 1 \\dots L$}`: the `$...$` inside the words is maths, so the words'
    group is closed at the opening `$` and opened again at the closing one (`\\text{ for } l =
    1 \\dots L`; an empty group left at the end is dropped). The next position, or None for a
    `$` outside the words (an error)."""
    if not opened:
        if not in_text_group(toks, len(toks)) or text.find("$", pos + 1) < 0:
            return None
        toks.append(Tok("sym", "}", base + pos, base + pos + 1))
        return pos + 1
    after = pos + 1
    while after < len(text) and text[after].isspace():
        after += 1
    if after < len(text) and text[after] == "}":
        return after + 1
    toks.append(Tok("cmd", "\\text", base + pos, base + pos + 1))
    toks.append(Tok("sym", "{", base + pos, base + pos + 1))
    return pos + 1


# a wide accent is the same accent, drawn wider: `\widehat{y}` is the `\hat{y}` of the text
