"""deeplearning.ai's d-names the text defines by a row of its own: `dW^{[l]} = \\frac{\\partial
J}{\\partial W^{[l]}}`, `dZ^{[l]} = m \\frac{\\partial J}{\\partial Z^{[l]}}`.

The course's convention reads `dZ^{[l]}` as the derivative of one example's loss `\\mathcal{L}`
(derive.latex.slashes, derive.latex.batch); a text that says what its d-names are means its own
definition, which may differ (`dZ = \\partial J / \\partial Z`, without the `m`): that definition
is read wherever the name is written (`Formula.d_names`, read by derive.latex.dnames), and the
defining row is notation, reported as a definition, not read as the network's (its layer
variable `l` is the d-name's, for every layer, not a layer of the model). A row defines a d-name
so when it is the formula's only row: `d` written against a letter with a superscript, `=`,
a number (a letter or a numeral, or none) times the derivative of a name by that letter with
the same superscript. Token level only."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.latex.lexer import Tok, _lex
from derive.sources.document import Document, Formula


def _text(toks: list[Tok]) -> str:
    return " ".join(t.text for t in toks)


def _group(toks: list[Tok], i: int) -> int | None:
    """The end of the braced group opening at i (one past its `}`), None if none opens."""
    if i >= len(toks) or toks[i].text != "{":
        return None
    depth = 0
    for k in range(i, len(toks)):
        depth += (toks[k].text == "{") - (toks[k].text == "}")
        if depth == 0:
            return k + 1
    return None


def _definition(f: Formula) -> tuple[str, str, str] | None:
    """(letter, factor, loss) of a formula that is one d-name's definition; None otherwise."""
    try:
        toks = [t for t in _lex(f.text, f, 0) if t.text not in ("\\,", "\\;", "\\!", ".", ",")]
    except InputError:
        return None
    if (len(toks) < 6 or toks[0].text != "d" or toks[1].kind != "letter"
            or toks[1].start != toks[0].end or toks[2].text != "^"):
        return None
    tag_end = _group(toks, 3)
    if tag_end is None or tag_end >= len(toks) or toks[tag_end].text not in ("=", ":="):
        return None
    letter, tag = toks[1].text, _text(toks[3:tag_end])
    rest = toks[tag_end + 1:]
    k = next((k for k, t in enumerate(rest) if t.text in ("\\frac", "\\dfrac")), None)
    if k is None or k > 1 or (k == 1 and rest[0].kind not in ("letter", "num")):
        return None
    num_end = _group(rest, k + 1)
    if num_end is None or [t.text for t in rest[k + 2:k + 3]] != ["\\partial"]:
        return None
    loss = rest[k + 3:num_end - 1]
    den = rest[num_end:]
    want = ["{", "\\partial", letter, "^"]
    if (len(loss) != 1 or loss[0].kind not in ("letter", "cmd") or loss[0].text == letter
            or [t.text for t in den[:4]] != want):
        return None
    tag_close = _group(den, 4)
    if tag_close is None or _text(den[4:tag_close]) != tag or [
            t.text for t in den[tag_close:]] != ["}"]:
        return None
    return letter, rest[0].text if k == 1 else "", loss[0].text


def defined_d_names(doc: Document) -> tuple[Document, list[str]]:
    """The document with the d-names its rows define read by those definitions, and the
    facts that say so."""
    found = {f.number: d for f in doc.formulas if not f.annotation
             and (d := _definition(f)) is not None}
    if not found:
        return doc, []
    letters = {d[0] for d in found.values()}
    if len(letters) != len(found):  # a d-name defined twice: left as the course reads it
        return doc, []
    names = tuple(sorted(found.values()))
    formulas = tuple(
        dataclasses.replace(f, notation=(
            f"read as notation: $d{found[f.number][0]}$ is defined here, and read so wherever "
            "it is written")) if f.number in found
        else dataclasses.replace(f, d_names=names) for f in doc.formulas)
    facts = [f"line {f.line}: $d{found[f.number][0]}$ read as the text defines it, "
             f"${found[f.number][1]} \\frac{{\\partial {found[f.number][2]}}}{{\\partial "
             f"{found[f.number][0]}}}$, wherever it is written (not the derivative of one "
             "example's loss)" for f in doc.formulas if f.number in found]
    return dataclasses.replace(doc, formulas=formulas), facts
