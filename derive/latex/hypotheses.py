"""A hypothesis written with the parameters it depends on (a token rewrite that comes before any
parsing, derive.latex.tokens): UFLDL's `h_\\theta(x)`, the value at the input x of the function
of the parameters θ, and `J(\\theta)`, the cost written with them.

The subscript names the parameters, not an index, and the parenthesis the input, not a
function's argument: `h_\\theta(x)` is the value h of the model, `h_\\theta(x^{(i)})` its value at
the sample i's input, h^{(i)}, and `J(\\theta)` the cost J. Which names are parameters is read
from the whole text (derive.infer.hypotheses): a Greek letter written as such a subscript that
the text also writes as a name of its own (`\\theta^\\top x`), never only as a subscript."""

from __future__ import annotations

from derive.latex.lexer import _FONTS, _GREEK, Tok


def _subscript(toks: list[Tok], k: int) -> tuple[str, int] | None:
    """`_\\theta` or `_{\\theta}` at k: the Greek letter and the index after it; None else."""
    if k + 1 >= len(toks) or toks[k].text != "_":
        return None
    if toks[k + 1].text in _GREEK:
        return toks[k + 1].text, k + 2
    if (k + 3 < len(toks) and toks[k + 1].text == "{" and toks[k + 2].text in _GREEK
            and toks[k + 3].text == "}"):
        return toks[k + 2].text, k + 4
    return None


def _head(toks: list[Tok], k: int) -> bool:
    """Whether toks[k] is a letter that is a name of its own (not a script, not a command's)."""
    if toks[k].kind != "letter" or k and toks[k - 1].text in ("^", "_", "\\"):
        return False
    return not (k > 1 and toks[k - 1].text == "{" and toks[k - 2].text in ("^", "_"))


def _defined_at(toks: list[Tok], k: int) -> bool:
    """Whether the application `h_\\theta(x)` at k is the left side of a row (`... =`)."""
    sub = _subscript(toks, k + 1)
    arg = _argument(toks, sub[1]) if sub is not None and sub[1] < len(toks) \
        and toks[sub[1]].text == "(" else None
    if arg is None:
        return False
    p = arg[1]
    return p < len(toks) and toks[p].text == "=" or (
        p + 1 < len(toks) and toks[p].text == "&" and toks[p + 1].text == "=")


def _matrix(toks: list[Tok]) -> bool:
    """Whether a formula writes a matrix environment (`\\begin{bmatrix}`, `{array}`)."""
    text = "".join(t.text for t in toks)
    return any(f"\\begin{{{env}}}" in text for env in ("bmatrix", "pmatrix", "matrix", "array"))


def defines_hypothesis(toks: list[Tok]) -> str | None:
    """How a formula defines a hypothesis written with its parameters: "matrix" by its entries
    (`h_\\theta(x) = \\begin{bmatrix} ...`, not read), "formula" otherwise; None when it
    defines none."""
    if not any(_head(toks, k) and _subscript(toks, k + 1) is not None and _defined_at(toks, k)
               for k in range(len(toks))):
        return None
    return "matrix" if _matrix(toks) else "formula"


def _own_name(toks: list[Tok], k: int) -> bool:
    """Whether the Greek letter at k is a name of its own, not a subscript."""
    return toks[k].text in _GREEK and not (k and toks[k - 1].text == "_") and not (
        k > 1 and toks[k - 1].text == "{" and toks[k - 2].text == "_")


def written_parameters(formulas: list[list[Tok]]) -> tuple[str, ...]:
    """The Greek letters written as the parameter subscript of a name applied to an input
    (`h_\\theta(x)`) that the text also writes as names of their own. None when the text
    defines its hypothesis more than once (logistic regression's, then softmax regression's:
    models of their own, which one reading would mix; derive.infer.parts reads each in a part of
    its own), nor when it defines it by its entries in a matrix of fixed size (a definition not
    read: its uses are not either). A column of its entries with an ellipsis
    (`h_\\theta(x) = [P(y = 1 | x; \\theta); \\vdots; P(y = K | x; \\theta)]`, for any number of
    classes: derive.vecparse.pattern) is read, and a matrix after it (the same for K = 2)
    restates it."""
    subscripts: set[str] = set()
    own: set[str] = set()
    definitions = 0
    for toks in formulas:
        if _column(toks) and definitions == 0 and defines_hypothesis(toks):
            definitions = -1  # the column of its entries: a later matrix of two restates it
        for k in range(len(toks)):
            sub = _subscript(toks, k + 1) if _head(toks, k) else None
            if sub is not None and sub[1] < len(toks) and toks[sub[1]].text == "(":
                subscripts.add(sub[0])
                if _defined_at(toks, k):
                    definitions += 1 if not _matrix(toks) else 2 if definitions >= 0 else 0
            if _own_name(toks, k):
                own.add(toks[k].text)
    return tuple(sorted(subscripts & own)) if definitions <= 1 else ()


def written_heads(formulas: list[list[Tok]], parameters: tuple[str, ...]
                  ) -> tuple[tuple[str, str], ...]:
    """The names written with those parameters applied to an input (`h_\\theta(x)`), each
    with the input's letter: the same name applied to that input without its parameters
    (`h(x)`) is the same value (`drop_parameters`)."""
    found: set[tuple[str, str]] = set()
    for toks in formulas:
        for k in range(len(toks)):
            sub = _subscript(toks, k + 1) if _head(toks, k) else None
            if sub is None or sub[0] not in parameters or sub[1] >= len(toks) \
                    or toks[sub[1]].text != "(" or _argument(toks, sub[1]) is None:
                continue
            letter = _letter(toks, sub[1])
            if letter is not None:
                found.add((toks[k].text, letter))
    return tuple(sorted(found))


def _letter(toks: list[Tok], k: int) -> str | None:
    """The input's letter of an argument `(x)`, `(\\mathbf{x}^{(i)})` at k."""
    p = k + 1
    if p + 3 < len(toks) and toks[p].text in _FONTS and toks[p + 1].text == "{":
        p += 2
    return toks[p].text if p < len(toks) and toks[p].kind == "letter" else None


def _bare(toks: list[Tok], k: int, heads: tuple[tuple[str, str], ...]
          ) -> tuple[list[Tok], int] | None:
    """`h(x)` at k, a name the text writes with its parameters applied to the same input
    (`h_\\theta(x)`): the argument's sample tag and the index after it; None else."""
    if not heads or not _head(toks, k) or k + 1 >= len(toks) or toks[k + 1].text != "(":
        return None
    if (toks[k].text, _letter(toks, k + 1)) not in heads:
        return None
    return _argument(toks, k + 1)


def _column(toks: list[Tok]) -> bool:
    """Whether a formula writes a matrix with a vertical ellipsis (`\\vdots`): a column given
    by its entries for any length (derive.vecparse.pattern reads it)."""
    return _matrix(toks) and any(t.text == "\\vdots" for t in toks)


def _sample_tag(toks: list[Tok], p: int) -> int | None:
    """After the superscript `^{(i)}` at p; None when none is there."""
    if not (p + 5 < len(toks) and toks[p].text == "^" and toks[p + 1].text == "{"
            and toks[p + 2].text == "(" and toks[p + 4].text == ")" and toks[p + 5].text == "}"):
        return None
    return p + 6


def _argument(toks: list[Tok], k: int) -> tuple[list[Tok], int] | None:
    """`(x)`, `(x^{(i)})`, `(\\mathbf{x}^{(i)})` at k: the sample tag the input carries (none:
    []) and the index after the `)`; None for any other argument."""
    p = k + 1
    if p + 3 < len(toks) and toks[p].text in _FONTS and toks[p + 1].text == "{" \
            and toks[p + 3].text == "}":
        p += 4
    elif p < len(toks) and toks[p].kind == "letter":
        p += 1
    else:
        return None
    after = _sample_tag(toks, p)
    tag, p = (toks[p:after], after) if after is not None else ([], p)
    if p < len(toks) and toks[p].text == ")":
        return tag, p + 1
    return None


def _spanning(kept: list[Tok], close: Tok) -> list[Tok]:
    """The tokens kept, the last one reaching to the `)` dropped: the formula's text of what
    they read stays the text as written."""
    last = kept[-1]
    return [*kept[:-1], Tok(last.kind, last.text, last.start, close.end)]


def _listed(toks: list[Tok], k: int) -> tuple[str, int] | None:
    """`_{W,b}` at k: the letters listed (two or more, between commas), as written without
    braces ("W,b"), and the index after the group; None for any other subscript."""
    if k + 1 >= len(toks) or toks[k].text != "_" or toks[k + 1].text != "{":
        return None
    names, p = [], k + 2
    while p + 1 < len(toks) and toks[p].kind == "letter" and len(toks[p].text) == 1:
        names.append(toks[p].text)
        if toks[p + 1].text == "}":
            return (",".join(names), p + 2) if len(names) > 1 else None
        if toks[p + 1].text != ",":
            return None
        p += 2
    return None


def listed_parameters(formulas: list[list[Tok]]) -> tuple[str, ...]:
    """UFLDL's `h_{W,b}(x)`: the letters a name's subscript lists before an input (no sample
    tag), each also written as a name of its own (`W^{(l)}`, `b^{(l)}`): the parameters the
    value depends on ("W,b"), so that `h_{W,b}(x^{(i)})` reads as sample i's value, h^{(i)}."""
    lists: set[str] = set()
    own: set[str] = set()
    for toks in formulas:
        for k in range(len(toks)):
            if not _head(toks, k):
                continue
            own.add(toks[k].text)
            sub = _listed(toks, k + 1)
            if sub is not None and sub[1] < len(toks) and toks[sub[1]].text == "(":
                arg = _argument(toks, sub[1])
                if arg is not None and not arg[0]:
                    lists.add(sub[0])
    return tuple(sorted(x for x in lists if all(n in own for n in x.split(","))))


def _applied(toks: list[Tok], script: tuple[str, int] | None, parameters: tuple[str, ...],
             at_sample: bool) -> tuple[list[Tok], int] | None:
    """A name's parameter subscript (as written, and the index after it) applied to `( ... )`:
    the argument's tokens and the index after it (with `at_sample`, only a sample's input)."""
    if script is None or script[0] not in parameters or script[1] >= len(toks) \
            or toks[script[1]].text != "(":
        return None
    arg = _argument(toks, script[1])
    return None if arg is None or (at_sample and not arg[0]) else arg


def drop_parameters(toks: list[Tok], parameters: tuple[str, ...],
                    heads: tuple[tuple[str, str], ...] = ()) -> list[Tok]:
    """`h_\\theta(x)` as h, `h_\\theta(x^{(i)})` as h^{(i)}, `J(\\theta)` as J, for the
    parameters the text writes so (see the module); `h(x)`, the same name applied to the same
    input without them, as h too; `h_{W,b}(x^{(i)})` as h^{(i)} (a list of parameters:
    `h_{W,b}(x)` is read by the parser, derive.latex.groups)."""
    if not parameters:
        return toks
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        bare = _bare(toks, k, heads)
        if bare is not None:  # h(x) beside h_\theta(x): the same value
            out += _spanning([t, *bare[0]], toks[bare[1] - 1])
            k = bare[1]
            continue
        # h_{W,b}(x^{(i)}) only at a sample's input; h_\theta(x) at any
        arg = _head(toks, k) and (_applied(toks, _listed(toks, k + 1), parameters, True)
                                  or _applied(toks, _subscript(toks, k + 1), parameters, False))
        if arg:
            out += _spanning([t, *arg[0]], toks[arg[1] - 1])
            k = arg[1]
            continue
        if (_head(toks, k) and k + 3 < len(toks) and toks[k + 1].text == "("
                and toks[k + 2].text in parameters and toks[k + 3].text == ")"):
            out += _spanning([t], toks[k + 3])  # J(\theta): the cost, with its parameters
            k += 4
            continue
        out.append(t)
        k += 1
    return out
