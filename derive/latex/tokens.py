"""Tokens of a formula: `tokenize` lexes it (derive.latex.lexer) and runs the token rewrites
that come before any parsing (derive.latex.spelling, derive.latex.operands,
derive.latex.slashes, derive.latex.extents, derive.latex.hypotheses). The lexer's names are re-exported for the readers."""

from __future__ import annotations

import re

from derive.document import Formula
from derive.errors import InputError
from derive.latex.aliases import accumulated, aliases
from derive.latex.distributions import distributions_read
from derive.latex.dnames import defined_d_names
from derive.latex.ends import end_tags
from derive.latex.extents import sum_extents
from derive.latex.hypotheses import drop_parameters
from derive.latex.lexer import (
    _BOLD,
    _DELIM_SIZES,
    _ELEMENTARY,
    _FONTS,
    _GREEK,
    _VECTOR_FONTS,
    Tok,
    _lex,
)
from derive.latex.likelihood import likelihoods
from derive.latex.operands import (
    VECTOR_FUNCTIONS,
    _class_probabilities,
    _name_end,
    _operand_end,
    _partial_groups,
    _subscript_partials,
    _vector_entries,
)
from derive.latex.slashes import d_prefixed, slash_partials
from derive.latex.spelling import (
    _braces_dropped,
    _colon_equals,
    _digit_arguments,
    _drop_hspace,
    _equation_numbers,
    _operator_words,
    _starred_names,
    _tag_transpose,
    _text_functions,
    _upright_d,
    _wide_accents,
    ordinary_derivative,
)
from derive.latex.tagged import fused
from derive.latex.words import function_words, place_prose, remarks

__all__ = ["_BOLD", "_DELIM_SIZES", "_ELEMENTARY", "_FONTS", "_GREEK", "_VECTOR_FONTS",
           "VECTOR_FUNCTIONS", "Tok", "ordinary_derivative", "remarks_of", "tokenize"]


# tokenize's lists by (formula, text, base), the formula held (frozen: a changed reading is a new
# object, `dataclasses.replace`): inference scans every formula several times, each scan the
# same tokens (a fresh list each call; Tok is frozen)
_TOKENS: dict[tuple[int, str, int], tuple[Formula, list[Tok]]] = {}


def tokenize(text: str, formula: Formula, base: int = 0) -> list[Tok]:
    """The tokens of `text` (a formula's, or a piece of it at offset `base`), read in the
    notation `formula` carries (its capitals, letter tags, names given in passing, ...)."""
    key = (id(formula), text, base)
    held = _TOKENS.get(key)
    if held is not None and held[0] is formula:
        return list(held[1])
    toks = _tokenize(text, formula, base)
    if len(_TOKENS) > 4096:
        _TOKENS.clear()
    _TOKENS[key] = (formula, toks)
    return list(toks)


def _tokenize(text: str, formula: Formula, base: int = 0) -> list[Tok]:
    toks = distributions_read(likelihoods(fused(_octave_product(_lex(text, formula, base)),
                                                formula.tagged_functions),
                                          formula), formula.distributions)
    toks = _starred_names(_letter_tags(_capitals(_subscript_names(
        aliases(accumulated(toks, formula), formula), formula.subscript_names),
        formula.capitals, formula.transposed_capitals), formula.letter_tags))
    toks = _depth_tags(drop_parameters(toks, formula.parameters, formula.hypotheses),
                       formula.depth_tags)
    toks = _gradient_of(_neuron_tags(end_tags(toks, formula), formula), formula.gradient_of)
    toks = _digit_arguments(_drop_hspace(_text_functions(_wide_accents(place_prose(
        toks, lambda t: InputError(f"unexpected character {t.text[0]!r} in a formula",
                                   formula.span(t.start)))))))
    toks = function_words(_operator_words(_colon_equals(_upright_d(_tag_transpose(toks)))),
                          formula)
    toks = _class_probabilities(_subscript_partials(_vector_entries(_braces_dropped(
        _partial_groups(toks)))))
    toks = sum_extents(d_prefixed(slash_partials(defined_d_names(toks, formula), _operand_end,
                                                 _name_end), _name_end))
    return _equation_numbers(toks, text, base)


def _octave_product(toks: list[Tok]) -> list[Tok]:
    """`.*` (Octave's element-wise product, as Ng's notes write `\\delta .* g'(z)`): the `*` it
    is, without its dot."""
    return [t for k, t in enumerate(toks) if not (
        t.text == "." and k + 1 < len(toks) and toks[k + 1].text == "*"
        and toks[k + 1].start == t.end)]


def _capitals(toks: list[Tok], pairs: tuple[tuple[str, str], ...],
              transposed: tuple[str, ...] = ()) -> list[Tok]:
    """`W^l` read as `w^l` where the capital is the matrix of the lowercase's entries
    (derive.infer.capitals); the token keeps its place in the text. A capital in `transposed`
    is the lowercase's transpose: `\\mathbf{W}` read as `\\mathbf{w}^\\top`, `W^T` as `w`."""
    if not pairs:
        return toks
    low = dict(pairs)
    out = [Tok(t.kind, low[t.text], t.start, t.end) if t.kind in ("letter", "cmd") and t.text in low
           else t for t in toks]
    for k in reversed(range(len(toks))):
        if toks[k].kind == "letter" and toks[k].text in transposed and toks[k].text in low:
            out = transposed_at(out, k)
    return out


_TRANSPOSE_MARKS = ({"T"}, {"\\top"}, {"\\intercal"}, {"\\mathsf", "T"}, {"\\mathrm", "T"})


def transposed_at(toks: list[Tok], k: int) -> list[Tok]:
    """The name whose letter is toks[k] read transposed: `\\mathbf{W}` as `{\\mathbf{w}^\\top}`
    (a transpose the text writes after it, `\\mathbf{W}^\\top`, then applies to that group)."""
    start, end = k, k + 1
    if k >= 2 and toks[k - 1].text == "{" and toks[k - 2].text in _FONTS and end < len(toks) \
            and toks[end].text == "}":
        start, end = k - 2, end + 1  # \mathbf{W}: the font and its group
    a, b = toks[start].start, toks[end - 1].end
    return [*toks[:start], Tok("sym", "{", a, a), *toks[start:end], Tok("sym", "^", b, b),
            Tok("cmd", "\\top", b, b), Tok("sym", "}", b, b), *toks[end:]]


def _subscript_names(toks: list[Tok], pairs: tuple[tuple[str, str], ...]) -> list[Tok]:
    """`W_1` read as one name where the text names its layers by subscripts
    (derive.infer.subscript_layers): the letter, `_` and the digit (braced or not) as one
    token over their place in the text."""
    if not pairs:
        return toks
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.kind == "letter" and k + 2 < len(toks) and toks[k + 1].text == "_" and not (
                k and toks[k - 1].text in ("^", "_")):
            braced = toks[k + 2].text == "{"
            digit = toks[k + 3] if braced and k + 4 < len(toks) else toks[k + 2]
            end = k + 5 if braced else k + 3
            if ((t.text, digit.text) in pairs and digit.kind == "num"
                    and (not braced or toks[k + 4].text == "}")):
                out.append(Tok("letter", f"{t.text}_{digit.text}", t.start, toks[end - 1].end))
                k = end
                continue
        out.append(t)
        k += 1
    return out


def _gradient_of(toks: list[Tok], pair: tuple[str, str] | None) -> list[Tok]:
    """`\\nabla C` read as `\\nabla_a C` where the text applies its loss C to one argument
    only, `a^L` (derive.infer.gradient): the subscript as tokens of no width."""
    if pair is None:
        return toks
    loss, name = pair
    out: list[Tok] = []
    for k, t in enumerate(toks):
        out.append(t)
        if t.text == "\\nabla" and k + 1 < len(toks) and toks[k + 1].text == loss:
            at = t.end
            out += [Tok("sym", "_", at, at), Tok("sym", "{", at, at),
                    Tok("letter" if len(name) == 1 else "cmd", name, at, at),
                    Tok("sym", "}", at, at)]
    return out


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
        end = k + 3
        if toks[k + 2].text == "{":
            end = next((e + 1 for e in range(k + 3, min(k + 6, len(toks)))
                        if toks[e].text == "}"), k + 2)
        sub = toks[k + 2:end][1:-1] if end > k + 3 else toks[k + 2:end]
        # letters (z_j, w_{ji}) or an entry 0 of a unit (Bishop's bias z_0, w_{j0})
        tag = by_use.get((t.text, "".join(s.text for s in sub))) if sub and all(
            s.kind == "letter" or s.text == "0" for s in sub) else None
        if tag is None or (end < len(toks) and toks[end].text == "^" and _is_tag(
                toks[end + 1:end + 5], tag)):
            continue
        pieces = ["^", "{", *re.findall(r"[A-Za-z]|\d+|\S", tag), "}"]  # (2), l+1
        out += [Tok("num" if p.isdigit() else "letter" if p.isalpha() else "sym", p, t.end,
                    t.end) for p in pieces]
    return out


def _is_tag(sup: list[Tok], tag: str) -> bool:
    """Whether the superscript after `z_j` is a layer tag in the letters' style (`z_j^{(2)}`),
    not a power (`z_j^2` beside the tags `(1)`)."""
    opener = tag[0] if tag[0] in "([" else ""
    inner = sup[1:] if sup and sup[0].text == "{" else sup
    return not opener or bool(inner) and inner[0].text == opener


def _depth_tags(toks: list[Tok], tags: tuple) -> list[Tok]:
    """A worked example's tag numbers read as the text's depth, `a^{(3)}` as `a^{(n_l)}`
    (derive.infer.example chose them, by their offsets in the formula): the name's tokens in
    the number's place."""
    if not tags or not tags[1]:
        return toks
    name, starts = tags[0], tags[1]
    letter, _, sub = name.partition("_")
    out: list[Tok] = []
    for t in toks:
        if t.kind == "num" and t.start in starts:
            out.append(Tok("letter", letter, t.start, t.end))
            if sub:
                out += [Tok("sym", "_", t.start, t.end), Tok("letter", sub, t.start, t.end)]
        else:
            out.append(t)
    return out


def _neuron_tags(toks: list[Tok], formula: Formula) -> list[Tok]:
    """One neuron's quantities written bare (derive.infer.neuron): each use of such a name
    that has no scripts gets the tag and index `^{l}_{j}`, as tokens of no width at its end."""
    if not formula.neuron_tags:
        return toks
    tags = dict(formula.neuron_tags)
    out: list[Tok] = []
    for k, t in enumerate(toks):
        out.append(t)
        bare = (t.text in tags and not (k and toks[k - 1].text in ("^", "_"))
                and not (k + 1 < len(toks) and toks[k + 1].text in ("^", "_", "'", "(")))
        if bare:
            out += [Tok(x.kind, x.text, t.end, t.end) for x in _lex(tags[t.text], formula, 0)]
    return out


def remarks_of(formula: Formula) -> list[Tok]:
    """The prose the formula's tokens drop as remarks (derive.latex.words), for the facts."""
    try:
        return remarks(_lex(formula.text, formula, 0))
    except InputError:
        return []
