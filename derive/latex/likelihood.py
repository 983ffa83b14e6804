"""A conditional probability of the labels read as the network's likelihood, in a formula
derive.infer.likelihood marks (`Formula.likelihood`: the text says the outputs are the class
probabilities and the labels one-hot).

`P(\\mathbf{y}^{(i)} \\mid \\mathbf{x}^{(i)})` is written as `(\\prod_{j} (\\hat{y}^{(i)}_{j})^{
y^{(i)}_{j}})` (j a letter the formula does not use), `P(\\mathbf{Y} \\mid \\mathbf{X})` of the
data set as `(\\prod_{i} ...)` over the samples (a `BatchProduct`), and a sum or product over
the sample's letter to a bound (`\\sum_{i=1}^n`, the data set's n samples) as the one over the
samples (`\\sum_{i}`), at each checked network's batch size. Any other `P(...)` is left as
written: the parser says a conditional probability is not read."""

from __future__ import annotations

from derive.document import Formula
from derive.latex.lexer import _BOLD, Tok, _lex

_GIVEN = {"\\mid", "|", "\\vert"}


def likelihoods(toks: list[Tok], formula: Formula) -> list[Tok]:
    """The tokens with each likelihood written as the network's (see the module)."""
    if formula.likelihood is None:
        return toks
    prob, output, label, given, sample = formula.likelihood
    used = {t.text for t in toks if t.kind == "letter"}
    j = next((c for c in "jkcrsqp" if c not in used and c != sample), None)
    if j is None:
        return toks
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        found = _call(toks, k, prob)
        if found is None:
            k = _sample_bound(toks, k, sample, out)
            continue
        close, label_part, given_part = found
        sup, whole = _reading(label_part, given_part, label, given, sample)
        if whole is None:
            out.append(toks[k])
            k += 1
            continue
        entry = f"(\\prod_{{{j}}} ({output}{sup}_{{{j}}})^{{{label}{sup}_{{{j}}}}})"
        latex = f"(\\prod_{{{sample}}} {entry})" if whole else entry
        at, end = toks[k].start, toks[close].end
        out += [Tok(t.kind, t.text, at, end) for t in _lex(latex, formula, 0)]
        k = close + 1
    return out


def _call(toks: list[Tok], k: int, prob: str) -> tuple[int, list[Tok], list[Tok]] | None:
    """At `P(A \\mid B)`: the index of its `)`, A's tokens and B's; None otherwise."""
    t = toks[k]
    if (t.text != prob or (k and toks[k - 1].text in ("\\", "_", "^"))
            or k + 1 >= len(toks) or toks[k + 1].text != "("):
        return None
    depth, bar = 0, None
    for p in range(k + 1, len(toks)):
        depth += (toks[p].text in ("(", "{")) - (toks[p].text in (")", "}"))
        if depth == 1 and toks[p].text in _GIVEN and bar is None:
            bar = p
        if depth == 0:
            if bar is None:
                return None
            return p, toks[k + 2 : bar], toks[bar + 1 : p]
    return None


def _letter(part: list[Tok]) -> tuple[str, list[Tok]] | None:
    """`\\mathbf{y}^{(i)}` or `y`: the letter and the superscript's tokens after it."""
    if len(part) >= 4 and part[0].text in _BOLD and part[1].text == "{" and (
            part[2].kind == "letter" and part[3].text == "}"):
        return part[2].text, part[4:]
    if part and part[0].kind == "letter":
        return part[0].text, part[1:]
    return None


def _reading(label_part: list[Tok], given_part: list[Tok], label: str, given: str,
             sample: str) -> tuple[str, bool | None]:
    """The sample superscript of `P(y^{(i)} | x^{(i)})` and False (one sample's likelihood),
    '' and True for `P(Y | X)` (the data set's), or None when it is neither."""
    a, b = _letter(label_part), _letter(given_part)
    if a is None or b is None:
        return "", None
    (la, sa), (lb, sb) = a, b
    tag = ["^", "{", "(", sample, ")", "}"]
    texts_a, texts_b = [t.text for t in sa], [t.text for t in sb]
    if la == label and lb == given and texts_a == texts_b and texts_a in ([], tag):
        return ("^{(" + sample + ")}" if texts_a else ""), False
    if (la == label.upper() != label and lb == given.upper() != given and not sa and not sb):
        return "", True
    return "", None


def _sample_bound(toks: list[Tok], k: int, sample: str, out: list[Tok]) -> int:
    """`\\sum_{i=1}^{n}` or `\\prod_{i=1}^n` over the sample's letter: written as the sum or
    product over the samples (`\\sum_{i}`); any other token copied. The index after it."""
    t = toks[k]
    texts = [x.text for x in toks[k : k + 9]]
    if t.text in ("\\sum", "\\prod") and texts[1:7] == ["_", "{", sample, "=", "1", "}"] and (
            len(texts) > 8 and texts[7] == "^" and toks[k + 8].kind in ("letter", "num")):
        out += [t, toks[k + 1], toks[k + 2], toks[k + 3], toks[k + 6]]
        return k + 9
    if t.text in ("\\sum", "\\prod") and texts[1:7] == ["_", "{", sample, "=", "1", "}"] and (
            texts[7:9] == ["^", "{"] and k + 11 <= len(toks) and toks[k + 9].kind == "letter"
            and toks[k + 10].text == "}"):
        out += [t, toks[k + 1], toks[k + 2], toks[k + 3], toks[k + 6]]
        return k + 11
    out.append(t)
    return k + 1
