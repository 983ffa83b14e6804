"""A vector or matrix written by its entries, inside a side in vector form: the environments
`array`, `matrix`, `bmatrix`, `pmatrix` (rows split at `\\\\`, cells at `&`), each cell a number
or an expression read as any other (derive.tensor.literal's node)."""

from __future__ import annotations

from derive.errors import InputError
from derive.latex import Scope, Tok, _depth_split, _err, parse_expression
from derive.latex.groups import _env_close, _env_end, _env_name
from derive.tensor import Tensor
from derive.tensor.literal import Literal
from derive.vecparse.pattern import has_ellipsis, number_in_vector_form, read_pattern

MATRICES = {"array", "matrix", "bmatrix", "pmatrix"}


def begins_matrix(toks: list[Tok], k: int) -> bool:
    """Whether a matrix environment begins at toks[k]."""
    if toks[k].text != "\\begin" or k + 1 >= len(toks) or toks[k + 1].text != "{":
        return False
    close = next((p for p in range(k + 2, len(toks)) if toks[p].text == "}"), None)
    return close is not None and "".join(t.text for t in toks[k + 2:close]) in MATRICES


def read_literal(toks: list[Tok], k: int, scope: Scope) -> tuple[Tensor, int]:
    """The matrix environment begun at toks[k], and the index after its `\\end{...}`."""
    name, body = _env_name(toks, k, scope)
    end = _env_end(toks, k, name, scope)
    after = _env_close(toks, end, name, scope)
    if name == "array" and body < end and toks[body].text == "{":  # {c}: the column layout
        body = next((p for p in range(body, end) if toks[p].text == "}"), end) + 1
    rows = [[c for c, _ in _depth_split(row, {"&"})]
            for row, _ in _depth_split(toks[body:end], {"\\\\"})]
    if rows and rows[-1] == [[]]:
        rows.pop()  # a `\\` after the last row
    tex = scope.formula.text[toks[k].start:toks[after - 1].end]
    if rows and has_ellipsis(rows):  # corners and ellipses: the pattern of the entries
        pattern = read_pattern(rows, scope, tex)
        if pattern is not None:
            return pattern, after
        raise _err("the entries around the ellipses of this matrix follow no one pattern (its "
                   "first and last entries of a row or column differ by more than a 1 for its "
                   "length, or an entry between them is not the one at its place): not read",
                   scope, toks[k])
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise _err("the rows of this matrix have different numbers of entries", scope, toks[k])
    if any(not c for r in rows for c in r):
        raise _err("an entry of this matrix is empty", scope, toks[k])
    cells = tuple(tuple(_cell(c, scope) for c in r) for r in rows)
    texts = tuple(tuple(scope.formula.text[c[0].start:c[-1].end].strip() for c in r)
                  for r in rows)
    return Literal(cells, tex, texts), after


def _cell(toks: list[Tok], scope: Scope):  # type: ignore[no-untyped-def]
    """One entry, read as any expression in index form; an entry that does not read so but is
    written in vector form and is a number all the same (`\\exp(\\theta^{(1)\\top} x)`, its
    product 1 x 1) is read as that number; one in vector form that is no number is said to be."""
    try:
        return parse_expression(toks, scope)
    except InputError as exc:
        from derive.vecparse.form import vector_form
        if not vector_form(toks, scope):
            raise
        try:
            return number_in_vector_form(toks, scope)
        except InputError:
            pass
        raise _err("an entry of a matrix written by its entries is written in vector form "
                   f"(${scope.formula.text[toks[0].start:toks[-1].end]}$) and is not a number: "
                   "entries are read one number at a time "
                   f"({exc.message})", scope, toks[0], toks[-1].end) from None
