"""How a name is written at the token level: brackets and groups, the name at a position with its
superscript, subscript and prime, a transpose mark, an accented vector, and the indicator
`1\\{y^{(i)} = k\\}` read as the label's entry `y^{(i)}_k` (derive.infer.scan reads rows with
them)."""

from __future__ import annotations

from derive.latex import _FONTS, _GREEK, _VECTOR_FONTS, Tok, arg_word


def _group(toks: list[Tok], i: int) -> tuple[list[Tok], int]:
    """The argument at i: a `{...}` group's inside, or one token."""
    if i >= len(toks):
        return [], i
    if toks[i].text != "{":
        return [toks[i]], i + 1
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == "{") - (toks[j].text == "}")
        if depth == 0:
            return toks[i + 1 : j], j + 1
    return toks[i + 1 :], len(toks)


def _strip(toks: list[Tok]) -> list[Tok]:
    while len(toks) >= 2 and toks[0].text == "{" and _group(toks, 0)[1] == len(toks):
        toks = toks[1:-1]
    return toks


def _text(toks: list[Tok]) -> str:
    return "".join(t.text for t in toks)


def _indicator_entry(toks: list[Tok], i: int) -> tuple[list[Tok], int] | None:
    """`1\\{y^{(i)} = k\\}` at i: the tokens `y^{(i)}_k` it is read as (the entry k of the
    one-hot label, derive.latex.function_notation), and where the indicator ends; None when
    no indicator of a name without a subscript and one index starts at i."""
    if toks[i].kind != "num" or toks[i].text != "1":
        return None
    j = i + 1 + (i + 1 < len(toks) and toks[i + 1].text == "\\left")
    if j >= len(toks) or toks[j].text != "\\{":
        return None
    close = next((p for p in range(j, len(toks)) if toks[p].text == "\\}"), None)
    if close is None:
        return None
    inner = [t for t in toks[j + 1 : close] if t.text != "\\right"]
    eq = [p for p, t in enumerate(inner) if t.text == "="]
    if len(eq) != 1 or eq[0] != len(inner) - 2 or inner[-1].kind not in ("letter", "num"):
        return None
    left = inner[: eq[0]]
    name, k = _name_at(left, 0) if left else (None, 0)
    sup, sub, prime, end = _scripts(left, k) if name else (None, None, False, 0)
    if name is None or sub is not None or prime or end != len(left):
        return None
    t = inner[-1]
    return [*left, Tok("sym", "_", t.start, t.start), t], close + 1


def _name_at(toks: list[Tok], i: int) -> tuple[str | None, int]:
    """The name written at i (a letter, a Greek letter, a font's letter or command:
    \\mathbf{a}^{(n)} is the vector of a's layer n, \\mathrm{softmax} a name), and where
    its scripts start; None when none is."""
    t = toks[i]
    word = arg_word(toks, i)
    if word is not None:  # \operatorname*{argmax}_j: a choice of index, no name (nor is j)
        k = word[1]
        return None, _group(toks, k + 1)[1] if k + 1 < len(toks) and toks[k].text == "_" else k
    if t.text in _FONTS and i + 1 < len(toks):
        grp, j = _group(toks, i + 1)
        inner = _text(grp)
        if t.text in _VECTOR_FONTS and (inner.isalpha() or inner in _GREEK):
            return inner, j
        if inner.isalpha() or inner in _GREEK or (inner.startswith("\\")
                                                  and inner[1:].isalpha()):
            return f"{t.text}{{{inner}}}", j
        return None, j
    if t.kind == "letter" or t.text in _GREEK:
        return t.text, i + 1
    return None, i + 1


_UPRIGHT = ("\\text", "\\mathrm", "\\textrm", "\\rm")


def _scripts(toks: list[Tok], j: int) -> tuple[list[Tok] | None, list[Tok] | None, bool, int]:
    """The superscript, subscript and prime of the name whose scripts start at j, and where
    they end."""
    sup = sub = None
    prime = False
    while j < len(toks) and toks[j].text in ("^", "_", "'"):
        if toks[j].text == "'":
            prime = True
            j += 1
            continue
        grp, nxt = _group(toks, j + 1)
        if _text(grp) in _UPRIGHT and nxt < len(toks) and toks[nxt].text == "{":
            inner, nxt = _group(toks, nxt)  # `a_\text{in}`: the command and its group
            grp = grp + [toks[j + 2]] + inner + [toks[nxt - 1]]
        if toks[j].text == "^" and _text(grp) in ("\\prime", "'", "\\prime\\prime"):
            prime = True
        elif toks[j].text == "^" and sup is None:
            sup = _without_transpose(grp)  # x^T, W^{[2]T}: a transpose, not a layer T
        elif toks[j].text == "_" and sub is None:
            sub = grp
        else:
            break
        j = nxt
    return sup, sub, prime, j


def _transpose_written(toks: list[Tok], j: int, end: int) -> bool:
    """Whether the superscript among the scripts toks[j:end] ends with a transpose mark."""
    while j < end:
        if toks[j].text == "^":
            grp, nxt = _group(toks, j + 1)
            return _without_transpose(grp) is not grp
        j = j + 1 if toks[j].text == "'" else _group(toks, j + 1)[1]
    return False


def _without_transpose(grp: list[Tok]) -> list[Tok] | None:
    """A superscript without a trailing transpose mark (`T`, `\\top`, `\\intercal`,
    `\\mathsf{T}`), or None when nothing else is in it."""
    g = _strip(grp)
    texts = [t.text for t in g]
    if texts[-1:] in (["T"], ["\\top"], ["\\intercal"]):
        g = g[:-1]
    elif len(texts) >= 4 and texts[-4] in ("\\mathsf", "\\mathrm") and texts[-3:] == ["{", "T", "}"]:
        g = g[:-4]
    else:
        return grp
    return g or None


def _accented_vector(font: Tok, grp: list[Tok]) -> str | None:
    """`\\hat{\\mathbf{y}}`: an accent over a vector's letter is the vector of the accented
    name's entries (`\\hat{y}_j`), named as they are; None for anything else."""
    g = _strip(grp)
    if (font.text not in _ACCENTS or len(g) < 4 or g[0].text not in _VECTOR_FONTS
            or g[1].text != "{" or g[-1].text != "}"):
        return None
    inner = _text(g[2:-1])
    return f"{font.text}{{{inner}}}" if inner.isalpha() or inner in _GREEK else None


_ACCENTS = {"\\hat", "\\tilde", "\\bar"}
