"""Token rewrites of how a text spells what the readers read one way (derive.latex.tokens runs
them before any parsing): wide accents, `\\underbrace`, function names in `\\text`, digit
arguments, hand-written equation numbers, `\\hspace`, an upright d, a transpose in a tag, `:=`,
operator words, a starred name (`y^*`)."""

from __future__ import annotations

import re

from derive.functions import BY_SPELLING
from derive.latex.lexer import _GREEK, Tok
from derive.latex.operands import _braced, _operand_end

_WIDE = {"\\widehat": "\\hat", "\\widetilde": "\\tilde"}


def _wide_accents(toks: list[Tok]) -> list[Tok]:
    return [Tok(t.kind, _WIDE[t.text], t.start, t.end) if t.text in _WIDE else t for t in toks]


# `\\underbrace{X}_{label}`, `\\overbrace{X}^{label}`: X, with a label said to the reader (a
# size, a name given to X) that is no part of the mathematics
_BRACES = {"\\underbrace": "_", "\\overbrace": "^"}


def _braces_dropped(toks: list[Tok]) -> list[Tok]:
    """The brace and its label dropped: X itself when it is one name with its scripts (and
    the arguments it is applied to), else X kept as one group `{X}`."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        end = _braced(toks, k + 1) if t.text in _BRACES else None
        if end is None or toks[k + 1].text != "{":
            out.append(t)
            k += 1
            continue
        inner = toks[k + 2 : end - 1]
        out.extend(inner if inner and _operand_end(inner, 0) == len(inner)
                   else toks[k + 1 : end])
        k = end
        if k < len(toks) and toks[k].text == _BRACES[t.text]:
            label = _braced(toks, k + 1)
            k = label if label is not None else k
    return out


# `\text{ReLU}'(z)`: a function the registry knows, written in text letters, applied or primed
_TEXT_FONTS = {"\\text", "\\textrm", "\\textnormal"}
_APPLIED = {"(", "'", "\\left", "\\prime", "^", "\\big", "\\Big", "\\bigl", "\\Bigl"}


def _text_functions(toks: list[Tok]) -> list[Tok]:
    """`\\text{ReLU}` applied (`(z)`, `'(z)`) is the registry's `\\mathrm{ReLU}`: the font is
    the only difference (words in `\\text{...}` that name no function stay text)."""
    out = list(toks)
    for i in range(len(out) - 3):
        if out[i].text not in _TEXT_FONTS or out[i + 1].text != "{":
            continue
        close = next((k for k in range(i + 2, len(out)) if out[k].text == "}"), None)
        if close is None or close + 1 >= len(out) or out[close + 1].text not in _APPLIED:
            continue
        inner = "".join(t.text for t in out[i + 2:close])
        if inner.isalpha() and f"\\mathrm{{{inner}}}" in BY_SPELLING:
            out[i] = Tok(out[i].kind, "\\mathrm", out[i].start, out[i].end)
    return out


_TWO_ARGUMENTS = {"\\frac", "\\tfrac", "\\dfrac", "\\cfrac", "\\binom"}


def _digit_arguments(toks: list[Tok]) -> list[Tok]:
    """An unbraced argument is one token in TeX, and a digit is one token: `\\frac12` is 1/2 and
    `\\frac{1}23` is 3/2, not 12 or 23 in one argument. The lexer reads `12` as one number, so
    a number standing as a fraction's argument is cut after its first digit."""
    out = list(toks)
    for i in range(len(out)):
        if out[i].text not in _TWO_ARGUMENTS:
            continue
        j = i + 1
        for _ in range(2):
            if j >= len(out):
                break
            t = out[j]
            if t.kind == "num" and t.text.isdigit() and len(t.text) > 1:
                out[j:j + 1] = [Tok("num", t.text[0], t.start, t.start + 1),
                                Tok("num", t.text[1:], t.start + 1, t.end)]
                j += 1
            elif t.text == "{":
                depth, k = 0, j
                while k < len(out):
                    depth += (out[k].text == "{") - (out[k].text == "}")
                    if depth == 0:
                        break
                    k += 1
                j = k + 1
            else:
                j += 1
    return out


_GAP_BEFORE = re.compile(r"(\\[ ,;:!]|\\q?quad|~)\s*$")


def _equation_numbers(toks: list[Tok], text: str, base: int) -> list[Tok]:
    """`... \\ \\ (15)` at the end of a row: the equation's number written by hand after a
    gap, not a factor 15 (a number in brackets after explicit spacing, before `\\\\`, `&`,
    the `\\end` of the environment or the end)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (t.text == "(" and k + 2 < len(toks) and toks[k + 1].kind == "num"
                and toks[k + 2].text == ")" and out
                and (k + 3 == len(toks) or toks[k + 3].text in ("\\\\", "&", "\\end"))
                and _GAP_BEFORE.search(text[max(0, out[-1].end - base) : t.start - base])):
            k += 3
            continue
        out.append(t)
        k += 1
    return out


def _drop_hspace(toks: list[Tok]) -> list[Tok]:
    """`\\hspace{0.5in}`: spacing, with its argument."""
    out: list[Tok] = []
    skip = 0
    for k, t in enumerate(toks):
        if skip:
            skip -= 1
            if t.text == "}":
                skip = 0
            continue
        if t.text == "\\hspace" and k + 1 < len(toks) and toks[k + 1].text == "{":
            skip = 10**6  # up to the closing brace
            continue
        out.append(t)
    return out


def _upright_d(toks: list[Tok]) -> list[Tok]:
    """`\\mathrm{d}`: the upright d of a differential (`\\frac{\\mathrm{d}}{\\mathrm{d}z}`), the
    letter d as a derivative reads it."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (t.text in ("\\mathrm", "\\operatorname") and k + 3 < len(toks)
                and [x.text for x in toks[k + 1 : k + 4]] == ["{", "d", "}"]):
            out.append(Tok("letter", "d", t.start, toks[k + 3].end))
            k += 4
            continue
        out.append(t)
        k += 1
    return out


def _tag_transpose(toks: list[Tok]) -> list[Tok]:
    """`a^{[1](i)T}`, `W^{[2]T}`, `x^{(i)T}`: a transpose written inside the superscript, after
    the layer or sample tag (deeplearning.ai's habit), is `(a^{[1](i)})^T`; a square written
    so, `a^{[1]2}` (`1 - a^{[1]2}`), is `(a^{[1]})^2`."""
    k = 0
    while k < len(toks):
        k = _one_tag_transpose(toks, k)
    return toks


def _one_tag_transpose(toks: list[Tok], k: int) -> int:
    """The rewrite at toks[k] when it is the `^` of such a superscript (in place); the next k."""
    if toks[k].text != "^" or k == 0 or k + 1 >= len(toks) or toks[k + 1].text != "{":
        return k + 1
    depth, e = 0, None
    for j in range(k + 1, len(toks)):
        depth += (toks[j].text == "{") - (toks[j].text == "}")
        if depth == 0:
            e = j
            break
    if (e is None or e - k < 5 or toks[e - 1].text not in ("T", "2")
            or toks[e - 2].text not in ("]", ")")
            or (e + 1 < len(toks) and toks[e + 1].text == "_")):
        return k + 1
    s = k - 1
    if toks[s].text == "}":  # \hat{y}^{(i)T}: the font's group
        depth = 0
        for j in range(s, -1, -1):
            depth += (toks[j].text == "}") - (toks[j].text == "{")
            if depth == 0:
                s = j - 1
                break
    if s < 0 or toks[s].kind not in ("letter", "cmd"):
        return k + 1
    a, b = toks[s].start, toks[e].end
    # (`\top` in the superscript is left to the readers: softmax's `\theta^{(j)\top}` is a
    # class's column, transposed)
    mark = Tok("num", "2", b, b) if toks[e - 1].text == "2" else Tok("letter", "T", b, b)
    toks[s:e + 1] = [Tok("sym", "(", a, a), *toks[s:e - 1], Tok("sym", "}", b, b),
                     Tok("sym", ")", b, b), Tok("sym", "^", b, b), mark]
    return e + 4


def ordinary_derivative(seg: list[Tok]) -> tuple[list[Tok], str | None]:
    """`\\frac{d}{dz} f(z)`: what follows the operator `\\frac{d}{dz}` and its variable z;
    (seg, None) when the segment does not start with one."""
    texts = [t.text for t in seg]
    if texts[:4] != ["\\frac", "{", "d", "}"] or texts[4:5] != ["{"]:
        return seg, None
    end = texts.index("}", 5) if "}" in texts[5:] else None
    den = [t for t in seg[5:end] if t.text not in ("{", "}")] if end else []
    if len(den) != 2 or den[0].text != "d" or den[1].kind != "letter":
        return seg, None
    return seg[end + 1:], den[1].text


def _colon_equals(toks: list[Tok]) -> list[Tok]:
    """`:=` is one relation (a definition), not a colon and an equals sign; so are
    `\\stackrel{def}{=}` and `\\overset{\\text{def}}{=}`."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (t.text in ("\\stackrel", "\\overset") and k + 1 < len(toks)
                and toks[k + 1].text == "{"):
            depth, j = 0, k + 1
            while j < len(toks):
                depth += (toks[j].text == "{") - (toks[j].text == "}")
                if depth == 0:
                    break
                j += 1
            rest = [x.text for x in toks[j + 1 : j + 4]]
            if rest == ["{", "=", "}"]:
                out.append(Tok("sym", ":=", t.start, toks[j + 3].end))
                k = j + 4
                continue
        out.append(t)
        k += 1
    toks, out = out, []
    for t in toks:
        if t.text == "=" and out and out[-1].text == ":" and out[-1].end == t.start:
            out[-1] = Tok("sym", ":=", out[-1].start, t.end)
        else:
            out.append(t)
    return out


# Function names notes often write in plain letters, `softmax(a, j)` for `\mathrm{softmax}(a, j)`.
# Read as the upright name (which the document must still define or declare), never as a product
# of single-letter symbols s·o·f·t·m·a·x.
_OPERATOR_WORDS = ("softmax", "sigmoid", "sigm", "relu", "ReLU", "softplus")
_FIRST_LETTERS = frozenset(w[0] for w in _OPERATOR_WORDS)


def _operator_words(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        for word in (_OPERATOR_WORDS if toks[i].text in _FIRST_LETTERS else ()):
            run = toks[i : i + len(word)]
            if (len(run) == len(word) and all(t.kind == "letter" for t in run)
                    and "".join(t.text for t in run) == word
                    and all(a.end == b.start for a, b in zip(run, run[1:]))
                    and (i == 0 or toks[i - 1].kind != "letter" or toks[i - 1].end < run[0].start)
                    and i + len(word) < len(toks) and toks[i + len(word)].text == "("):
                start, end = run[0].start, run[-1].end
                out += [Tok("cmd", "\\mathrm", start, start), Tok("sym", "{", start, start),
                        *run, Tok("sym", "}", end, end)]
                i += len(word)
                break
        else:
            out.append(toks[i])
            i += 1
    return out


_STARS = {"*", "\\ast", "\\star"}


def _starred_names(toks: list[Tok]) -> list[Tok]:
    """`y^*`, `y^{*}`, `\\theta^\\ast`: the star is part of the name (the true label, an
    optimum), not a power: one name token `y^{*}`, which takes its own scripts (`y^*_i`)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        star = _star_after(toks, k + 1) if t.kind == "letter" or t.text in _GREEK else None
        if star is None:
            out.append(t)
            k += 1
            continue
        out.append(Tok("letter", f"{t.text}^{{*}}", t.start, toks[star - 1].end))
        k = star
    return out


def _star_after(toks: list[Tok], k: int) -> int | None:
    """Where a superscript star at toks[k] (`^*`, `^{*}`, `^\\ast`) ends; None when none is."""
    if k + 1 >= len(toks) or toks[k].text != "^":
        return None
    if toks[k + 1].text in _STARS:
        return k + 2
    if (k + 3 < len(toks) and toks[k + 1].text == "{" and toks[k + 2].text in _STARS
            and toks[k + 3].text == "}"):
        return k + 4
    return None
