"""Tokens of a formula: the lexer, and the token rewrites that run before any parsing
(`\\hspace`, `:=`, operator words, hand-written equation numbers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.document import Formula
from derive.errors import InputError
from derive.functions import BY_SPELLING, PASSTHROUGH
from derive.latex.slashes import d_prefixed, slash_partials
from derive.latex.words import function_words, in_text_group, place_prose, prose_at, remarks


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


def tokenize(text: str, formula: Formula, base: int = 0) -> list[Tok]:
    toks = _letter_tags(_lex(text, formula, base), formula.letter_tags)
    toks = _digit_arguments(_drop_hspace(_text_functions(_wide_accents(place_prose(
        toks, lambda t: InputError(f"unexpected character {t.text[0]!r} in a formula",
                                   formula.span(t.start)))))))
    toks = function_words(_operator_words(_colon_equals(_upright_d(_tag_transpose(toks)))),
                          formula)
    toks = _class_probabilities(_subscript_partials(_vector_entries(_braces_dropped(
        _partial_groups(toks)))))
    toks = d_prefixed(slash_partials(toks, _operand_end, _name_end), _name_end)
    return _equation_numbers(toks, text, base)


def _letter_tags(toks: list[Tok], tags: tuple[tuple[str, str, str], ...]) -> list[Tok]:
    """Bishop's `\\delta_k` where the letter k names the output layer (derive.infer.letters):
    the layer tag the letter stands for, `\\delta^{(2)}_k`, as tokens of no width at the name's
    end. A use already with a superscript, or itself a script, is left as written."""
    if not tags:
        return toks
    by_use = {(name, letter): tag for name, letter, tag in tags}
    out: list[Tok] = []
    for k, t in enumerate(toks):
        out.append(t)
        if k + 2 >= len(toks) or toks[k + 1].text != "_" or (k and toks[k - 1].text in "^_"):
            continue
        sub = toks[k + 2:k + 5] if toks[k + 2].text == "{" else toks[k + 2:k + 3]
        letter = sub[1] if len(sub) == 3 and sub[2].text == "}" else sub[0]
        end = k + 2 + len(sub) if len(sub) == 3 else k + 3
        tag = by_use.get((t.text, letter.text)) if letter.kind == "letter" or (
            letter.text == "0") else None  # z_0: the entry 0 of a unit (Bishop's bias)
        if tag is None or (end < len(toks) and toks[end].text == "^"):
            continue
        pieces = ["^", "{", *([tag[0], tag[1:-1], tag[-1]] if tag[0] in "([" else [tag]), "}"]
        out += [Tok("num" if p.isdigit() else "sym", p, t.end, t.end) for p in pieces]
    return out


def remarks_of(formula: Formula) -> list[Tok]:
    """The prose the formula's tokens drop as remarks (derive.latex.words), for the facts."""
    try:
        return remarks(_lex(formula.text, formula, 0))
    except InputError:
        return []


def _lex(text: str, formula: Formula, base: int) -> list[Tok]:
    """The tokens of `text`, prose runs among them as `text` tokens."""
    toks: list[Tok] = []
    pos, in_math = 0, False
    while pos < len(text):
        if text.startswith("//", pos):  # `// a remark`: a note to the end of the line
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
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
    gap, not a factor 15 (a number in brackets after explicit spacing, before `\\\\`, `&` or
    the end)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (t.text == "(" and k + 2 < len(toks) and toks[k + 1].kind == "num"
                and toks[k + 2].text == ")" and out
                and (k + 3 == len(toks) or toks[k + 3].text in ("\\\\", "&"))
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
    the layer or sample tag (deeplearning.ai's habit), is `(a^{[1](i)})^T`."""
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
    if (e is None or e - k < 5 or toks[e - 1].text != "T" or toks[e - 2].text not in ("]", ")")
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
    toks[s:e + 1] = [Tok("sym", "(", a, a), *toks[s:e - 1], Tok("sym", "}", b, b),
                     Tok("sym", ")", b, b), Tok("sym", "^", b, b), Tok("letter", "T", b, b)]
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


def _braced(toks: list[Tok], i: int) -> int | None:
    """The end of the argument at i: a `{...}` group or one token; None when none is there."""
    if i >= len(toks):
        return None
    if toks[i].text != "{":
        return i + 1
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == "{") - (toks[j].text == "}")
        if depth == 0:
            return j + 1
    return None


def _name_end(toks, i: int) -> int | None:
    """The end of the name at i with its scripts (`z^l`, `w^l_{jk}`, `\\mathbf{a}`)."""
    t = toks[i] if i < len(toks) else None
    if t is None:
        return None
    if t.text in _FONTS:
        j = _braced(toks, i + 1)
    elif t.kind == "letter" or t.text in _GREEK:
        j = i + 1
    else:
        return None
    while j is not None and j < len(toks) and toks[j].text in ("^", "_"):
        j = _braced(toks, j + 1)
    return j


def _operand_end(toks: list[Tok], i: int) -> int | None:
    """The end of the name at i with its scripts and the arguments it is applied to
    (`l(\\mathbf{y}, \\hat{\\mathbf{y}})`, `\\hat{y}_j`, `C`); None when no name is there."""
    j = _name_end(toks, i)
    if j is not None and j < len(toks) and toks[j].text == "(":
        depth = 0
        for k in range(j, len(toks)):
            depth += (toks[k].text == "(") - (toks[k].text == ")")
            if depth == 0:
                return k + 1
        return None
    return j


def _partial_groups(toks: list[Tok]) -> list[Tok]:
    """`\\partial{z}^l_j`: the braces around one letter after `\\partial`, with scripts after
    them, only group the letter: it is `\\partial z^l_j`."""
    drop = {k for k in range(1, len(toks) - 3) if toks[k - 1].text == "\\partial"
            and toks[k].text == "{" and toks[k + 2].text == "}" and toks[k + 3].text in "^_"
            and (toks[k + 1].kind == "letter" or toks[k + 1].text in _GREEK)}
    return [t for k, t in enumerate(toks) if k not in drop and k - 2 not in drop]


def _subscript_partials(toks: list[Tok]) -> list[Tok]:
    """`\\partial_{o_j} l(\\mathbf{y}, \\hat{\\mathbf{y}})`: the derivative of what follows by
    the subscript, the fraction `\\frac{\\partial l(...)}{\\partial o_j}` (the tokens keep their
    places in the source)."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text == "\\partial" and i + 2 < len(toks) and toks[i + 1].text == "_":
            den_end = _braced(toks, i + 2)
            num_end = _operand_end(toks, den_end) if den_end is not None else None
            if num_end is not None:
                den = toks[i + 2 : den_end]
                den = den[1:-1] if den[0].text == "{" else den
                s, e = t.start, toks[num_end - 1].end
                out += [Tok("cmd", "\\frac", s, s), Tok("sym", "{", s, s), t,
                        *toks[den_end:num_end], Tok("sym", "}", e, e), Tok("sym", "{", s, s),
                        Tok("cmd", "\\partial", t.start, t.end), *den, Tok("sym", "}", e, e)]
                i = num_end
                continue
        out.append(t)
        i += 1
    return out


# functions of a whole vector whose value is a vector: `softmax(o)_j` is its entry j
VECTOR_FUNCTIONS = {"\\mathrm{softmax}", "\\operatorname{softmax}"}


def _vector_entries(toks: list[Tok]) -> list[Tok]:
    """`\\mathrm{softmax}(\\mathbf{o})_j`: the entry j of a vector function's value, written as
    the call with the index as its last argument, `\\mathrm{softmax}(\\mathbf{o}, j)` (as notes
    that define softmax write it)."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        after = _braced(toks, i + 1) if t.text in ("\\mathrm", "\\operatorname") else None
        name = t.text + "".join(x.text for x in toks[i + 1 : after]) if after else ""
        close = _call_end(toks, after) if name in VECTOR_FUNCTIONS and after else None
        if close is not None and close + 1 < len(toks) and toks[close + 1].text == "_":
            end = _braced(toks, close + 2)
            if end is not None:
                index = toks[close + 2 : end]
                index = index[1:-1] if index[0].text == "{" else index
                c = toks[close]
                out += [*toks[i:close], Tok("sym", ",", c.start, c.start), *index,
                        Tok(c.kind, c.text, c.start, toks[end - 1].end)]
                i = end
                continue
        out.append(t)
        i += 1
    return out


def _call_end(toks: list[Tok], j: int) -> int | None:
    """The index of the `)` that closes the `(` at j; None when no `(` is there."""
    if j >= len(toks) or toks[j].text != "(":
        return None
    depth = 0
    for k in range(j, len(toks)):
        depth += (toks[k].text == "(") - (toks[k].text == ")")
        if depth == 0:
            return k
    return None


_GIVEN = {"|", "\\mid", "\\vert"}


def _class_probabilities(toks: list[Tok]) -> list[Tok]:
    """`P(y^{(i)} = k | x^{(i)}; \\theta)`: the model's probability of class k for the sample's
    input under the parameters after `;` (softmax regression), written as the entry
    `P^{(i)}_{k}` of the model's vector of probabilities (the sample's superscript kept). Only a
    call whose argument is a label without a subscript equal to one index or number, then `|`
    and the input, then `;` and the parameters; any other conditional probability is left as
    written (the parser says it is not read)."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        found = _class_probability(toks, i)
        if found is None:
            out.append(toks[i])
            i += 1
            continue
        sup, index, end = found
        t, c = toks[i], toks[end - 1]
        out += [Tok(t.kind, t.text, t.start, t.end), *sup, Tok("sym", "_", c.start, c.start),
                Tok("sym", "{", c.start, c.start), Tok(index.kind, index.text, t.start, c.end),
                Tok("sym", "}", c.end, c.end)]
        i = end
    return out


def _class_probability(toks: list[Tok], i: int) -> tuple[list[Tok], Tok, int] | None:
    """At a letter applied to `(label = index | input ; parameters)`: the label's superscript
    tokens, the index and the end of the call; None otherwise."""
    if toks[i].kind != "letter" or (i > 0 and toks[i - 1].text in ("\\", "_", "^")):
        return None
    close = _call_end(toks, i + 1)
    if close is None:
        return None
    inner = toks[i + 2 : close]
    texts = [t.text for t in inner]
    if "=" not in texts or ";" not in texts or not any(x in _GIVEN for x in texts):
        return None
    eq = texts.index("=")
    given = next(k for k, x in enumerate(texts) if x in _GIVEN)
    if given != eq + 2 or texts.index(";") < given or inner[eq + 1].kind not in ("letter", "num"):
        return None
    label = inner[:eq]
    if not label or label[0].kind != "letter" or "_" in texts[:eq]:
        return None
    sup = label[1:]
    if sup and (sup[0].text != "^" or len(sup) < 2):
        return None
    return sup, inner[eq + 1], close + 1
