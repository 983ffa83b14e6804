"""Tokens of a formula: `tokenize` lexes it (derive.latex.lexer) and runs the token rewrites
that come before any parsing (derive.latex.spelling, derive.latex.operands,
derive.latex.slashes). The lexer's names are re-exported for the readers."""

from __future__ import annotations

from derive.document import Formula
from derive.errors import InputError
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
    _starred_names,
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
    toks = _starred_names(_letter_tags(_lex(text, formula, base), formula.letter_tags))
    toks = _neuron_tags(toks, formula)
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
