"""Token rewrites of operands and entries (derive.latex.tokens runs them before any parsing):
where a braced group, a name or an operand ends, `\\partial{z}` groups, subscript partials, a
vector's entries `(v)_j`, class probabilities `P(y = k \\mid x)`."""

from __future__ import annotations

from derive.latex.lexer import _FONTS, _GREEK, Tok


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
