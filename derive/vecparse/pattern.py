"""A matrix or vector given by its corners and ellipses (`\\begin{bmatrix} e_{11} & \\cdots &
e_{1N} \\\\ \\vdots & \\ddots & \\vdots \\\\ e_{M1} & \\cdots & e_{MN} \\end{bmatrix}`, a column
`e_1 \\\\ e_2 \\\\ \\vdots \\\\ e_K`): read as "the matrix whose (i, j) entry is e_{ij}".

The entry is found by comparing the written corners token by token: the first entry and the
last of a row differ in one place only, a `1` against the row's length (`w_{11}` and
`w_{1 n_{l-1}}`); the first and last of a column likewise. That place becomes the index, the
length the size. The entries written between (`e_2` before `\\vdots`) and the last corner must
be the entry at their place; otherwise, or when the corners differ in more than one place, the
matrix is not read (its error stays). Token level; the entry is then read as any expression."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.latex import Index, Scope, Size, Tok, _err, parse_expression, tokenize
from derive.tensor import Tensor
from derive.tensor.pattern import Columns, Pattern
from derive.tensor.shapes import ONE, ShapeError, same

_DOTS = {"\\vdots", "\\cdots", "\\ddots", "\\dots", "\\ldots", "\\hdots"}
_LETTERS = ("i", "j", "r", "s", "u", "v", "p", "q", "t")


def has_ellipsis(rows: list[list[list[Tok]]]) -> bool:
    return any(len(c) == 1 and c[0].text in _DOTS for r in rows for c in r)


def read_pattern(rows: list[list[list[Tok]]], scope: Scope, tex: str) -> Pattern | None:
    """The matrix the corners and ellipses give, or None when they give none."""
    rows = [[_split_digits(c) for c in r] for r in rows]
    n = scope.notation
    used = {t.text for r in rows for c in r for t in c} | {
        n.sample, n.batch, n.layer_var, n.layers, n.width} | _letters(scope)
    free = [x for x in _LETTERS if x not in used]
    if len(free) < 2:
        return None
    i, j = free[0], free[1]
    if len(rows) == 3 and _bars(rows[0]) and _bars(rows[2]):  # | ; x^1 \cdots x^m ; |
        return _columns(rows[1], scope, free[0], tex)
    if all(len(r) == 1 for r in rows):  # a column: e_1 \\ e_2 \\ \vdots \\ e_K
        col = _line([r[0] for r in rows], i)
        if col is None:
            return None
        template, size = col
        return _made(template, scope, (i, size), None, tex)
    if len(rows) == 1:  # a row: e_1 & \cdots & e_N
        line = _line(rows[0], j)
        if line is None:
            return None
        template, size = line
        return _made(template, scope, None, (j, size), tex)
    return _matrix(rows, scope, i, j, tex)


def _bars(row: list[list[Tok]]) -> bool:
    """A row of `|` and empty cells, the rules drawn above and below the columns."""
    return any(c for c in row) and all(not c or [t.text for t in c] == ["|"] for c in row)


def _columns(cells: list[list[Tok]], scope: Scope, letter: str, tex: str) -> Columns | None:
    """The middle row `x^1 & \\cdots & x^m` (`\\nabla C(a^{L\\,(1)}) & \\cdots &
    \\nabla C(a^{L\\,(m)})`): the first and last columns differ in the sample only, 1 against
    the batch size; the column is read without the sample, as one sample's vector."""
    cells = [c for c in cells if c]
    if len(cells) != 3 or [t.text for t in cells[1]] not in (["\\cdots"], ["\\dots"],
                                                             ["\\ldots"], ["\\hdots"]):
        return None
    found = _differ(cells[0], cells[2], letter)
    if found is None or [t.text for t in found[1]] != [scope.notation.batch]:
        return None
    column = _without_sample(found[0], letter)
    if column is None:
        return None
    from derive.vecparse.reader import parse_tensor

    try:
        t = parse_tensor(column, scope)
        shape = t.shape()
    except ShapeError:
        return None
    if not same(shape.cols, ONE) or shape.scalar:
        return None
    return Columns(t, Size(scope.notation.batch), tex)


def _without_sample(toks: list[Tok], letter: str) -> list[Tok] | None:
    """The column's tokens without its sample: `x^{j}`, `x^{(j)}` -> `x`, `a^{L\\,(j)}` ->
    `a^{L}`."""
    k = next((p for p, t in enumerate(toks) if t.kind == "letter" and t.text == letter), None)
    if k is None:
        return None
    if k >= 2 and toks[k - 1].text == "^":  # x^j
        return toks[:k - 1] + toks[k + 1:]
    if k >= 3 and toks[k - 2].text == "^" and toks[k - 1].text == "{" and toks[k + 1].text == "}":
        return toks[:k - 2] + toks[k + 2:]  # x^{j}
    if k >= 1 and toks[k - 1].text == "(" and k + 1 < len(toks) and toks[k + 1].text == ")":
        if (k >= 3 and [t.text for t in toks[k - 3:k - 1]] == ["^", "{"]
                and k + 2 < len(toks) and toks[k + 2].text == "}"):
            return toks[:k - 3] + toks[k + 3:]  # x^{(j)}
        return toks[:k - 1] + toks[k + 2:]  # a^{L\,(j)}
    return None


def _letters(scope: Scope) -> set[str]:
    """The letters the formula writes anywhere (an index letter of the pattern is none)."""
    try:
        return {t.text for t in tokenize(scope.formula.text, scope.formula) if t.kind == "letter"}
    except InputError:
        return set()


def _matrix(rows: list[list[list[Tok]]], scope: Scope, i: str, j: str, tex: str
            ) -> Pattern | None:
    """[[TL, \\cdots, TR], [\\vdots, \\ddots, \\vdots], [BL, \\cdots, BR]]."""
    texts = [[" ".join(t.text for t in c) for c in r] for r in rows]
    if (len(rows) != 3 or any(len(r) != 3 for r in rows) or texts[0][1] not in _DOTS
            or texts[2][1] not in _DOTS or texts[1][0] not in _DOTS
            or texts[1][1] not in _DOTS or texts[1][2] not in _DOTS):
        return None
    top = _differ(rows[0][0], rows[0][2], j)
    left = _differ(rows[0][0], rows[2][0], i)
    if top is None or left is None:
        return None
    (row_tpl, cols), (col_tpl, nrows) = top, left
    template = _merge(row_tpl, col_tpl)  # both indices: the row's and the column's
    if template is None:
        return None
    last = _substituted(template, {i: nrows, j: cols})
    if _texts(last) != _texts(rows[2][2]):
        return None
    return _made(template, scope, (i, nrows), (j, cols), tex)


def _line(cells: list[list[Tok]], letter: str) -> tuple[list[Tok], list[Tok]] | None:
    """The entry and the length of one row or column written `e_1, e_2, \\dots, e_N`: one
    ellipsis cell before the last; the cells before it the entries 1, 2, ..."""
    dots = [k for k, c in enumerate(cells) if len(c) == 1 and c[0].text in _DOTS]
    if dots != [len(cells) - 2] or len(cells) < 3:
        return None
    found = _differ(cells[0], cells[-1], letter)
    if found is None:
        return None
    template, size = found
    for k, c in enumerate(cells[1:-2], start=2):
        if _texts(_substituted(template, {letter: [_num(c[0] if c else None, k)]})) != _texts(c):
            return None
    return template, size


def _differ(first: list[Tok], last: list[Tok], letter: str | None
            ) -> tuple[list[Tok], list[Tok]] | None:
    """Where `first` writes `1` and `last` its length, and nothing else differs: `first` with
    that `1` the letter, and the length's tokens. With no letter: None when they are equal."""
    a, b = _texts(first), _texts(last)
    if a == b:
        return None
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    mid_a, mid_b = first[p:len(a) - s], last[p:len(b) - s]
    if letter is None or [t.text for t in mid_a] != ["1"] or not mid_b:
        return None
    var = dataclasses.replace(mid_a[0], kind="letter", text=letter)
    return [*first[:p], var, *first[len(a) - s:]], list(mid_b)


def _merge(row_tpl: list[Tok], col_tpl: list[Tok]) -> list[Tok] | None:
    """TL with its column's 1 the column index and its row's 1 the row index: the two
    templates agree everywhere but at their own letters."""
    if len(row_tpl) != len(col_tpl):
        return None
    out = []
    for x, y in zip(row_tpl, col_tpl):
        if x.text == y.text:
            out.append(x)
        elif x.text == "1":
            out.append(y)
        elif y.text == "1":
            out.append(x)
        else:
            return None
    return out


def _substituted(template: list[Tok], values: dict[str, list[Tok]]) -> list[Tok]:
    out: list[Tok] = []
    for t in template:
        if t.kind == "letter" and t.text in values:
            out += values[t.text]
        else:
            out.append(t)
    return out


def _split_digits(cell: list[Tok]) -> list[Tok]:
    """`w_{11}`: a two-digit subscript of one token as its two indices, 1 and 1."""
    out: list[Tok] = []
    for k, t in enumerate(cell):
        if (t.kind == "num" and len(t.text) == 2 and t.text.isdigit() and k >= 2
                and cell[k - 1].text == "{" and cell[k - 2].text == "_"
                and k + 1 < len(cell) and cell[k + 1].text == "}"):
            out += [dataclasses.replace(t, text=t.text[0], end=t.start + 1),
                    dataclasses.replace(t, text=t.text[1], start=t.start + 1)]
        else:
            out.append(t)
    return out


def _num(like: Tok | None, k: int) -> Tok:
    return Tok("num", str(k), like.start if like else 0, like.start if like else 0)


def _texts(toks: list[Tok]) -> list[str]:
    return [t.text for t in toks]


def number_in_vector_form(template: list[Tok], scope: Scope) -> Tensor:
    """An entry written in vector form, a number all the same (`\\theta^{(k)\\top} x`): its
    tensor, when its shape is 1 x 1; else the scalar reading's error stands."""
    from derive.vecparse.reader import parse_tensor

    try:
        t = parse_tensor(template, scope)
        shape = t.shape()
    except ShapeError:  # shapes still being read (derive.infer.vectors)
        raise _err("an entry of this matrix is not read", scope, template[0]) from None
    if not (shape.scalar or (same(shape.rows, ONE) and same(shape.cols, ONE))):
        raise _err("an entry of this matrix is not a number", scope, template[0])
    return t


def _made(template: list[Tok], scope: Scope, rows: tuple[str, list[Tok]] | None,
          cols: tuple[str, list[Tok]] | None, tex: str) -> Pattern:
    """The node: the entry read as an expression in the index letters, the sizes read as
    expressions."""
    try:
        entry = parse_expression(template, scope)
    except InputError:
        entry = number_in_vector_form(template, scope)  # exp(\theta^{(k)\top} x)
    size = [parse_expression(s[1], scope) if s else None for s in (rows, cols)]
    return Pattern(entry, Index(rows[0]) if rows else None, size[0],
                   Index(cols[0]) if cols else None, size[1], tex)
