"""Distributions written as functions of their outcome (a token rewrite before any parsing, in
the formulas derive.infer.distributions marks: `Formula.distributions`).

Entropy, cross-entropy and KL divergence are functionals of distributions: `H[P]`, `H(p, q)`,
`D_{KL}(p \\| q)`. In such a formula each application of a functional the text defines is read
as one number of the formula's own model, named by the functional and its distributions
(`H(p, q)` as one name, defined there by the text's definition applied to p and q); a
distribution applied to an outcome, `P(j)`, as its entry `P_j`; an outcome letter the parser
does not take for an index (`x` of `\\sum_x p(x)`) as a letter it does. The tokens keep their
place in the text, so what is shown is what the text writes."""

from __future__ import annotations

from derive.latex.lexer import Tok

# between the distributions of a functional: `H(p, q)`, `D(p \\| q)`, `KL(p || q)`
_SEPARATORS = {",", "\\|", "\\parallel", "\\Vert", "||"}
_OPEN = {"(": ")", "[": "]"}
_UPRIGHT = {"\\mathrm", "\\operatorname", "\\text", "\\textrm"}


def _head(toks: list[Tok], k: int) -> tuple[str, str, int] | None:
    """At a functional's head: its key as written (`H`, `D_{KL}`, `\\mathrm{KL}`), the letters
    its instance's name is made of, and the index after it; None elsewhere."""
    t = toks[k]
    if k and toks[k - 1].text in ("_", "^", "\\") or k > 1 and toks[k - 1].text == "{" and (
            toks[k - 2].text in ("_", "^")):
        return None
    if t.kind == "cmd" and t.text in _UPRIGHT and k + 2 < len(toks) and toks[k + 1].text == "{":
        end = next((p for p in range(k + 2, len(toks)) if toks[p].text == "}"), None)
        letters = [x.text for x in toks[k + 2:end or k + 2]]
        if end is None or not letters or not all(len(x) == 1 and x.isalpha() for x in letters):
            return None
        word = "".join(letters)
        return f"{t.text}{{{word}}}", word, end + 1
    if t.kind != "letter" or len(t.text) != 1:
        return None
    p = k + 1
    if p + 1 < len(toks) and toks[p].text == "_":
        if toks[p + 1].kind == "letter" and len(toks[p + 1].text) == 1:
            return f"{t.text}_{{{toks[p + 1].text}}}", t.text + toks[p + 1].text, p + 2
        end = next((q for q in range(p + 2, len(toks)) if toks[q].text == "}"), None)
        letters = [x.text for x in toks[p + 2:end or p + 2]]
        if toks[p + 1].text != "{" or end is None or not letters or not all(
                len(x) == 1 and x.isalpha() for x in letters):
            return None
        word = "".join(letters)
        return f"{t.text}_{{{word}}}", t.text + word, end + 1
    return t.text, t.text, p


def application(toks: list[Tok], k: int) -> tuple[str, str, tuple[str, ...], int] | None:
    """A functional applied to distributions at k (`H(p, q)`, `D_{KL}(p \\| q)`, `H[P]`): its
    head's key, its name's letters, the distributions and the index after it; None else."""
    head = _head(toks, k)
    if head is None:
        return None
    key, letters, p = head
    if p < len(toks) and toks[p].text == "\\left":
        p += 1
    if p >= len(toks) or toks[p].text not in _OPEN:
        return None
    close = _OPEN[toks[p].text]
    args: list[str] = []
    p += 1
    while p < len(toks):
        t = toks[p]
        if t.kind != "letter" or len(t.text) != 1:
            return None
        args.append(t.text)
        p += 1
        if p < len(toks) and toks[p].text == "\\right":
            p += 1
        if p < len(toks) and toks[p].text == close:
            return key, letters, tuple(args), p + 1
        if p + 1 < len(toks) and toks[p].text == "|" and toks[p + 1].text == "|":
            p += 2
        elif p < len(toks) and toks[p].text in _SEPARATORS:
            p += 1
        else:
            return None
    return None


def instance_name(key: str, args: tuple[str, ...]) -> str:
    """The name of one application in the model, as it is printed: `D_{KL}(p, q)` (no
    name a text writes as one token, so it meets none of the text's own)."""
    return f"{key}({', '.join(args)})"


def entry_at(toks: list[Tok], k: int, names: set[str]) -> tuple[str, str, int] | None:
    """`P(j)` at k, a distribution applied to an outcome letter: (P, j, the index after it)."""
    t = toks[k]
    if (t.kind != "letter" or t.text not in names or k and toks[k - 1].text in ("_", "^", "\\")
            or k + 3 >= len(toks) or toks[k + 1].text != "(" or toks[k + 3].text != ")"
            or toks[k + 2].kind != "letter" or len(toks[k + 2].text) != 1):
        return None
    return t.text, toks[k + 2].text, k + 4


def distributions_read(toks: list[Tok], spec: tuple | None) -> list[Tok]:
    """The tokens with the functionals, the entries and the outcome letters read (see the
    module); `spec` is `Formula.distributions`: (functional keys with their arity,
    distributions, (outcome letter, its reading) pairs)."""
    if not spec:
        return toks
    functionals, names, renames = set(spec[0]), set(spec[1]), dict(spec[2])
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        found = application(toks, k)
        if found is not None and (found[0], len(found[2])) in functionals:
            key, letters, args, end = found
            out.append(Tok("letter", instance_name(key, args), toks[k].start,
                           toks[end - 1].end))
            k = end
            continue
        entry = entry_at(toks, k, names)
        if entry is not None:
            name, letter, end = entry
            at, stop = toks[k + 1].start, toks[k + 3].end
            letter = renames.get(letter, letter)
            out += [toks[k], Tok("sym", "_", at, at), Tok("sym", "{", at, at),
                    Tok("letter", letter, toks[k + 2].start, toks[k + 2].end),
                    Tok("sym", "}", stop, stop)]
            k = end
            continue
        t = toks[k]
        if t.kind == "letter" and t.text in renames and not (k and toks[k - 1].text == "\\"):
            t = Tok("letter", renames[t.text], t.start, t.end)
        out.append(t)
        k += 1
    return out
