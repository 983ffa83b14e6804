"""Tokens of a formula: `tokenize` lexes it (derive.latex.lexer) and runs the token rewrites
that come before any parsing (derive.latex.spelling, derive.latex.operands,
derive.latex.slashes, derive.latex.extents, derive.latex.hypotheses). The lexer's names are re-exported for the readers."""

from __future__ import annotations

from derive.document import Formula
from derive.errors import InputError
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
    _tag_transpose,
    _text_functions,
    _upright_d,
    _wide_accents,
    ordinary_derivative,
)
from derive.latex.words import function_words, place_prose, remarks

__all__ = ["_BOLD", "_DELIM_SIZES", "_ELEMENTARY", "_FONTS", "_GREEK", "_VECTOR_FONTS",
           "VECTOR_FUNCTIONS", "Tok", "ordinary_derivative", "remarks_of", "tokenize"]


def tokenize(text: str, formula: Formula, base: int = 0) -> list[Tok]:
    toks = _letter_tags(_capitals(_lex(text, formula, base), formula.capitals),
                        formula.letter_tags)
    toks = _depth_tags(drop_parameters(toks, formula.parameters), formula.depth_tags)
    toks = _gradient_of(toks, formula.gradient_of)
    toks = _digit_arguments(_drop_hspace(_text_functions(_wide_accents(place_prose(
        toks, lambda t: InputError(f"unexpected character {t.text[0]!r} in a formula",
                                   formula.span(t.start)))))))
    toks = function_words(_operator_words(_colon_equals(_upright_d(_tag_transpose(toks)))),
                          formula)
    toks = _class_probabilities(_subscript_partials(_vector_entries(_braces_dropped(
        _partial_groups(toks)))))
    toks = sum_extents(d_prefixed(slash_partials(toks, _operand_end, _name_end), _name_end))
    return _equation_numbers(toks, text, base)


def _capitals(toks: list[Tok], pairs: tuple[tuple[str, str], ...]) -> list[Tok]:
    """`W^l` read as `w^l` where the capital is the matrix of the lowercase's entries
    (derive.infer.capitals); the token keeps its place in the text."""
    if not pairs:
        return toks
    low = dict(pairs)
    return [Tok(t.kind, low[t.text], t.start, t.end) if t.kind == "letter" and t.text in low
            else t for t in toks]


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


def remarks_of(formula: Formula) -> list[Tok]:
    """The prose the formula's tokens drop as remarks (derive.latex.words), for the facts."""
    try:
        return remarks(_lex(formula.text, formula, 0))
    except InputError:
        return []
