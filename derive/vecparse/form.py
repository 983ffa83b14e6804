"""Whether a side is written in vector form: a quantity that has indices written without them,
or a vector operator (a transpose mark, `\\odot`, `\\nabla`, a norm `||x||`)."""

from __future__ import annotations

from derive.errors import InputError
from derive.latex import (
    VECTOR_FUNCTIONS,
    Scope,
    Tok,
    _err,
    _group,
    _layer_tokens,
    _match,
    _read_name,
    _scripts,
    _skip_arguments,
    _strip_group,
    arg_word,
    batch_of,
    layer_number,
    starts_name,
    unit_layer,
)
from derive.notation import QuantitySpec
from derive.tensor import ONE, ShapeError, Tensor, same
from derive.vecparse.components import components
from derive.vecparse.literal import begins_matrix
from derive.vecparse.slices import column_slice
from derive.vecparse.trace import IDENTITY_NAMES

VECTOR_OPS = {"\\odot", "\\circ", "\\bullet", "\\nabla", "\\top", "\\intercal", "\\|", "\\lVert", "\\Vert"}
_ELEMENTWISE = {"\\odot", "\\circ", "\\bullet", "*"}  # \\bullet: UFLDL's Hadamard
_MATRIX = {"\\cdot", "\\times"}
_DIAG = {"\\mathrm{diag}", "\\operatorname{diag}", "\\text{diag}"}
_WORD_ARGUMENTS = {"\\begin", "\\end", "\\text", "\\textrm", "\\mbox", "\\textit", "\\textbf"}
_NORM_OPEN = {"\\|": "\\|", "\\lVert": "\\rVert", "\\Vert": "\\Vert"}


def _transpose_mark(g: list[Tok], scope: Scope) -> tuple[list[Tok], bool]:
    """A superscript's tokens without a trailing transpose mark, and whether it had one:
    `T`, `\\top`, `\\intercal`, `\\mathsf{T}` (`^{[2]T}`, `^{(l)\\top}`, `^T`)."""
    g = _strip_group(g)
    texts = [t.text for t in g]
    if texts[-1:] in (["\\top"], ["\\intercal"]) or (
            texts[-1:] == ["T"] and scope.lookup("T") is None):
        return g[:-1], True
    if len(texts) >= 4 and texts[-4] in ("\\mathsf", "\\mathrm") and texts[-3:] == ["{", "T", "}"]:
        return g[:-4], True
    return g, False


def _bars(toks: list[Tok]) -> list[Tok]:
    """`||x||` written with two bars side by side: the norm `\\|x\\|`."""
    out: list[Tok] = []
    for t in toks:
        if (t.text == "|" and out and out[-1].text == "|" and out[-1].end == t.start):
            prev = out.pop()
            out.append(Tok("cmd", "\\|", prev.start, t.end))
            continue
        out.append(t)
    return out


def vector_form(toks: list[Tok], scope: Scope) -> bool:
    """Whether these tokens write a vector or matrix (see the module's doc)."""
    toks = _bars(toks)
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in VECTOR_OPS or _listed(toks, i, scope) or begins_matrix(toks, i):
            return True
        if t.text == "^" and i + 1 < len(toks):
            grp, _ = _group(toks, i + 1, scope)
            if grp and _transpose_mark(grp, scope)[1]:
                return True
        if t.text in _WORD_ARGUMENTS and i + 1 < len(toks) and toks[i + 1].text == "{":
            i = _match(toks, i + 1, scope) + 1  # \begin{cases}, \text{...}: words, not names
            continue
        word = arg_word(toks, i)
        if word is not None:  # \operatorname*{argmax}_j: a word and its index, no name
            i = word[1] + 2 if word[1] < len(toks) and toks[word[1]].text == "_" else word[1]
            continue
        if not starts_name(t):
            i += 1
            continue
        try:
            name, nxt = _read_name(toks, i, scope)
            scripts, end = _scripts(toks, nxt, scope)
        except InputError:
            return False
        entry = _entry_call_end(toks, nxt, scope) if name in VECTOR_FUNCTIONS else None
        if entry is not None:  # softmax(s, k): one entry of the vector function's value
            i = entry
            continue
        if name in IDENTITY_NAMES and not scripts and scope.lookup(name) is None:
            return True  # \mathbf{I}: the identity matrix (derive.vecparse.trace)
        if batch_of(name, scope) is not None and "_" not in scripts:
            return True  # A^{l-1} beside a^{l-1}: the minibatch of the samples' vectors
        spec = scope.notation.quantities.get(name) if scope.lookup(name) == "quantity" else None
        if spec is not None and spec.shape and "_" not in scripts and not _one_unit(
                spec, scripts, scope):
            return True
        if spec is not None and "_" in scripts and column_slice(
                spec, scripts["_"][0], scope) is not None:
            return True  # w^{l+1}_{.j}: a matrix's column
        if spec is not None and not spec.shape and "_" not in scripts and "^" not in scripts:
            end = _skip_arguments(toks, end, scope)  # J(W, b; x, y): the loss's arguments
        i = max(end, i + 1)
    return False


def _entry_call_end(toks: list[Tok], i: int, scope: Scope) -> int | None:
    """After `\\mathrm{softmax}` at i: where its call ends when it is written as one entry,
    with the index as its last argument (`(s, k)`, `\\left(s, k\\right)`); None otherwise."""
    if i < len(toks) and toks[i].text == "\\left":
        i += 1
    if i >= len(toks) or toks[i].text != "(":
        return None
    try:
        close = _match(toks, i, scope)
    except InputError:
        return None
    depth = 0
    for t in toks[i + 1 : close]:
        depth += (t.text in ("(", "{", "[")) - (t.text in (")", "}", "]"))
        if depth == 0 and t.text == ",":
            return close + 1
    return None


def _applied(toks: list[Tok], i: int) -> bool:
    """Whether the bracket at i holds a function's arguments (`f(x_1, x_2)`, `\\max(a, b)`)."""
    k = i - 1
    if k >= 0 and toks[k].text == "\\left":
        k -= 1
    if k < 0:
        return False
    prev = toks[k]
    return (prev.kind == "letter" or prev.text in ("}", ")", "]", "'")
            or (prev.kind == "cmd" and prev.text[1:].isalpha()
                and prev.text not in ("\\cdot", "\\times", "\\quad", "\\qquad")))


def _listed(toks: list[Tok], i: int, scope: Scope) -> bool:
    """Whether a bracket opens at i whose inside lists a vector's entries (x_1, \\ldots, x_n)."""
    if toks[i].text not in ("(", "[") or _applied(toks, i):
        return False
    try:
        close = _match(toks, i, scope)
    except InputError:
        return False
    inner = toks[i + 1 : close]
    if inner and inner[-1].text == "\\right":
        inner = inner[:-1]
    return components(inner, scope) is not None


def _one_unit(spec: QuantitySpec, scripts: dict, scope: Scope) -> bool:
    """`z^{[2]}` in a layer of one unit: a number, not a vector."""
    # ("?", "?"): a shape the inference is still reading (derive.infer.vectors)
    if spec.unit_range is None or spec.shape not in (("?", "?"), spec.shape[:1]) or not (
            spec.shape) or "^" not in scripts:
        return False
    inner = _layer_tokens(spec, scripts["^"][0])
    if inner is None:
        return False
    try:
        layer = layer_number(inner, scope)
    except InputError:
        return False
    return unit_layer(spec, layer, scope)


def squared_norm(toks: list[Tok], inner: Tensor, after: int, hi: int, scope: Scope) -> int | None:
    """After a norm's closing bars: where `^2` ends, with the norm's name before or after
    it (`\\|W\\|_F^2`, `\\|x\\|^2_2`): F, the Frobenius norm, the root of the sum of the
    squares of the entries; 2 only for a vector (of a matrix it is the spectral norm,
    not read: said). None when the norm is not squared, or of another name."""
    squared, named, nxt = False, None, after
    while nxt < hi and toks[nxt].text in ("^", "_"):
        mark = toks[nxt].text
        grp, end = _group(toks, nxt + 1, scope)
        texts = [g.text for g in _strip_group(grp)]
        if mark == "^" and texts == ["2"] and not squared:
            squared = True
        elif mark == "_" and named is None and texts in (["F"], ["2"]):
            named = texts[0]
        else:
            return None
        nxt = end
    if not squared:
        return None
    if named == "2":
        try:
            s = inner.shape()
        except ShapeError:
            return None
        if not (same(s.rows, ONE) or same(s.cols, ONE)):
            raise _err("the 2-norm of a matrix is its spectral norm, which the tool does not "
                       "read (the Frobenius norm, the root of the sum of the squares of the "
                       "entries, is written \\|W\\|_F)", scope, toks[after - 1], toks[nxt - 1].end)
    return nxt
