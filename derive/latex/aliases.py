"""A letter the text names as another quantity (`$x =: a^0$`, `X = A^0 = ...`: derive.infer.naming
and derive.infer.second_names, `Formula.aliases`) read as that quantity, where it is written.

A bare use (`w^1 x`) is the quantity's tokens in the letter's place; a use with a sample's
superscript among a matrix's columns (`\\begin{bmatrix} x^1 & \\cdots & x^m \\end{bmatrix}`,
`x^{(1)}`) is the quantity of that sample, the sample after its layer tag as the texts write
both (`a^{0\\,(1)}`, `a^{[0](1)}`: derive.latex.indices.without_sample), so the columns read as
the minibatch matrix of the quantity (derive.vecparse.pattern). Any other use (a script, a
letter of an environment's name, `x_i`, `x'`, `x(t)`) is left as written. Token level only."""

from __future__ import annotations

from derive.document import Formula
from derive.latex.lexer import Tok, _lex

_TRANSPOSES = ("T", "\\top", "\\intercal")


def transposed_after(toks: list[Tok], k: int) -> bool:
    """Whether the name at k has a superscript that is only a transpose mark (`x^\\top`,
    `x^T`, `x^{\\intercal}`): the transposed name, no layer tag nor power."""
    texts = [t.text for t in toks[k + 1:k + 5]]
    return texts[:2] in (["^", m] for m in _TRANSPOSES) or any(
        texts[:4] == ["^", "{", m, "}"] for m in _TRANSPOSES)


def aliases(toks: list[Tok], formula: Formula) -> list[Tok]:
    """The tokens with each named letter read as the quantity it names."""
    if not formula.aliases:
        return toks
    names = dict(formula.aliases)
    out: list[Tok] = []
    scripts = in_scripts(toks) | environment_names(toks)
    matrix = in_matrix(toks)
    k = 0
    while k < len(toks):
        t = toks[k]
        named = (t.kind == "letter" and t.text in names and k not in scripts
                 and not (k and toks[k - 1].text in ("^", "_")))
        after = toks[k + 1].text if k + 1 < len(toks) else None
        if named and (after not in ("^", "_", "'", "(") or transposed_after(toks, k)):
            lexed = _lex(names[t.text], formula, 0)
            wrap = transposed_after(toks, k)  # x^\top: (a^{0})^\top
            out += [Tok("sym", "(", t.start, t.start)] if wrap else []
            out.append(Tok(lexed[0].kind, lexed[0].text, t.start, t.end))
            out += [Tok(x.kind, x.text, t.end, t.end) for x in lexed[1:]]
            out += [Tok("sym", ")", t.end, t.end)] if wrap else []
        elif named and after == "^" and k in matrix and (
                sampled := _sampled(toks, k, names[t.text], formula)) is not None:
            read, k = sampled
            out += read
            continue
        else:
            out.append(t)
        k += 1
    return out


def accumulated(toks: list[Tok], formula: Formula) -> list[Tok]:
    """The tokens with each name the prose accumulates over the samples (`\\Delta W^{(l)}`:
    `Formula.accumulated`) read as its sum, in the name's place."""
    for name, total in formula.accumulated:
        written = [t.text for t in _lex(name, formula, 0)]
        read = _lex(total, formula, 0)
        out: list[Tok] = []
        k = 0
        while k < len(toks):
            if [t.text for t in toks[k:k + len(written)]] == written:
                first, last = toks[k], toks[k + len(written) - 1]
                out.append(Tok(read[0].kind, read[0].text, first.start, last.end))
                out += [Tok(x.kind, x.text, last.end, last.end) for x in read[1:]]
                k += len(written)
            else:
                out.append(toks[k])
                k += 1
        toks = out
    return toks


def _sampled(toks: list[Tok], k: int, name: str, formula: Formula
             ) -> tuple[list[Tok], int] | None:
    """`x^1`, `x^{1}`, `x^{(1)}` at k (x named `a^{0}`): `a^{0\\,(1)}`, and where the use ends.
    None when the superscript is no one sample's (a letter or a number)."""
    sup = toks[k + 2:k + 3] if k + 2 < len(toks) and toks[k + 2].text != "{" else None
    end = k + 3
    if sup is None:
        texts = [x.text for x in toks[k + 3:k + 7]]
        if len(texts) >= 2 and texts[1] == "}":
            sup, end = toks[k + 3:k + 4], k + 5
        elif len(texts) >= 4 and texts[0] == "(" and texts[2] == ")" and texts[3] == "}":
            sup, end = toks[k + 4:k + 5], k + 7
    if not sup or sup[0].kind not in ("letter", "num"):
        return None
    lexed = _lex(name, formula, 0)
    if len(lexed) < 5 or lexed[1].text != "^" or lexed[2].text != "{" or lexed[-1].text != "}":
        return None
    t, s = toks[k], sup[0]
    read = [Tok(lexed[0].kind, lexed[0].text, t.start, t.end)]
    read += [Tok(x.kind, x.text, t.end, t.end) for x in lexed[1:-1]]
    # the sample's brackets after a space (`a^{0\,(1)}`): at the sample's own place
    read += [Tok("sym", "(", s.start, s.start), s, Tok("sym", ")", s.end, s.end),
             Tok(lexed[-1].kind, "}", s.end, s.end)]
    return read, end


def environment_names(toks: list[Tok]) -> set[int]:
    """The positions of the letters of `\\begin{bmatrix}` and `\\end{bmatrix}`: no names."""
    inside: set[int] = set()
    for k, t in enumerate(toks):
        if t.text in ("\\begin", "\\end") and k + 1 < len(toks) and toks[k + 1].text == "{":
            j = k + 2
            while j < len(toks) and toks[j].text != "}":
                inside.add(j)
                j += 1
    return inside


def in_matrix(toks: list[Tok]) -> set[int]:
    """The positions of the tokens inside a `\\begin{...matrix} ... \\end{...matrix}`."""
    inside: set[int] = set()
    depth = 0
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.text in ("\\begin", "\\end") and k + 1 < len(toks) and toks[k + 1].text == "{":
            j = k + 2
            while j < len(toks) and toks[j].text != "}":
                j += 1
            if "".join(x.text for x in toks[k + 2:j]).endswith("matrix"):
                depth += 1 if t.text == "\\begin" else -1
            k = j + 1
            continue
        if depth > 0:
            inside.add(k)
        k += 1
    return inside


def in_scripts(toks: list[Tok]) -> set[int]:
    """The positions of the tokens inside a `_{...}` or `^{...}` group (`\\sum_{x}`: the
    sum's letter, no use of a name)."""
    inside: set[int] = set()
    k = 0
    while k < len(toks):
        if toks[k].text in ("^", "_") and k + 1 < len(toks) and toks[k + 1].text == "{":
            depth, j = 0, k + 1
            while j < len(toks):
                depth += (toks[j].text == "{") - (toks[j].text == "}")
                if depth == 0:
                    break
                inside.add(j)
                j += 1
            k = j
        k += 1
    return inside
