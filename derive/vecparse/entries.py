"""The ranges of a quantity's indices, and the sides of a vector equation lowered to one entry
each, at index letters the formula does not use."""

from __future__ import annotations

import sympy

from derive.document import Formula
from derive.errors import InputError
from derive.expr import Width
from derive.latex import Index, Size, Tok, tokenize, unit_layer
from derive.notation import Notation, QuantitySpec
from derive.tensor import (
    ONE,
    Fresh,
    Lowered,
    ShapeError,
    Tensor,
    fit,
    lower_sides,
    lower_three,
    sized,
    still_reading,
    unsized,
)
from derive.vecparse.form import _ELEMENTWISE


def spec_dims(spec: QuantitySpec, layer: sympy.Expr,
              n: Notation) -> tuple[sympy.Expr, ...]:
    """The range of each index of a quantity in a layer (`C_l`, `C_{l-1}`, a number)."""
    out = []
    for kind, (c, a, b) in spec.dims:
        if kind == "var":  # an unknown of the shape inference (derive.infer.vectors)
            out.append(sympy.Function(f"D{c}{'rc'[a]}")(layer))
            continue
        value = c + a * Size(n.layers) + b * layer
        out.append(Width(n.width, value) if kind == "width" else sympy.Integer(value)
                   if isinstance(value, int) else value)
    return tuple(out)


def fixed_dims(dims: tuple[sympy.Expr, ...], formula: Formula,
               n: Notation) -> tuple[sympy.Expr, ...]:
    """The ranges with each size the prose fixes for the formula's section (`K = 2`:
    derive.infer.fixed_sizes) that number, where the notation names that size."""
    table = {}
    for name, value in formula.fixed_sizes:
        form = n.aliases.get(name)
        if form is not None and not form[2]:  # the width of one layer, not of each
            table[Width(n.width, form[0] + form[1] * Size(n.layers))] = sympy.Integer(value)
    return tuple(table.get(d, d) for d in dims) if table else dims


def one_row(spec: QuantitySpec, layer: sympy.Expr | None, dims: tuple[sympy.Expr, ...],
            n: Notation, scope) -> tuple[sympy.Expr, ...]:  # type: ignore[no-untyped-def]
    """A matrix of a layer's own width by the layer below's (`W^{[2]}`) at a layer of one
    unit (a quantity's `unit_layers` there: `z^{[2]}` its one value): its one row, 1 by the
    columns."""
    if (len(dims) == 2 and layer is not None and spec.dims[:1] == (("width", (0, 0, 1)),)
            and any(unit_layer(s, layer, scope) for s in n.quantities.values())):
        return (sympy.Integer(1), dims[1])
    return dims


def entrywise_square(base: Tensor, power: list[Tok], toks: list[Tok]) -> bool:
    """Whether `^2` of a vector is its square entry by entry: in a formula that writes its
    products entry by entry (`*`, `\\odot`), as deeplearning.ai's `1 - (a^{[1]})^2` (numpy's
    `np.power(a, 2)`); a matrix's square is never read so."""
    if [t.text for t in power if t.text not in ("{", "}")] != ["2"] or not any(
            t.text in _ELEMENTWISE for t in toks):
        return False
    try:
        shape = base.shape()
    except ShapeError:
        return False
    # a vector; or, while the inference reads the shapes (derive.infer.vectors), one whose
    # sizes are still unknowns (the product fits them as a vector's)
    unknown = any(isinstance(d, sympy.core.function.AppliedUndef) for d in (shape.rows, shape.cols))
    return not shape.scalar and (ONE in (shape.rows, shape.cols) or unknown)


_LETTERS: dict[str, frozenset[str]] = {}  # formula text -> its letters (a repair search asks often)


def _letters(formula: Formula) -> frozenset[str]:
    found = _LETTERS.get(formula.text)
    if found is None:
        if len(_LETTERS) > 4096:
            _LETTERS.clear()
        found = _LETTERS[formula.text] = frozenset(
            t.text for t in tokenize(formula.text, formula) if t.kind == "letter")
    return found


def entry(formula: Formula, sides: list) -> Lowered:  # type: ignore[type-arg]
    """Every side of an equation at the same entry, at indices that are letters the formula
    does not use (the same letters for every row of the formula, and for every repair tried)."""
    letters = _letters(formula)
    pool = [c for c in "jkipqrsuvgh" if c not in letters]
    if len(pool) < 2:
        raise InputError("this formula uses every index letter the tool could check its "
                         "entries at: split it into smaller formulas", formula.span(0))
    reading = fit(sides)
    if reading.three is not None:  # \partial z / \partial W = a: three indices
        if len(pool) < 3:
            raise InputError("this formula uses every index letter the tool could check its "
                             "entries at: split it into smaller formulas", formula.span(0))
        three = (Index(pool[0]), Index(pool[1]), Index(pool[2]))
        exprs, errors = lower_three(reading.three, sides, three,
                                    Fresh(set(letters) | set(pool[:3]), Index))
        return Lowered(tuple(exprs), errors, three)
    names = (Index(pool[0]), Index(pool[1]))
    sides = sized(reading.sides)
    for s in sides:
        eye = unsized(s) if not isinstance(s, sympy.Basic) else None
        if eye is not None and not still_reading(sides):
            raise InputError(f"the size of the identity matrix ${eye.tex}$ is not fixed by the "
                             "other side or by what it is added to or multiplies",
                             formula.span(0))
    return lower_sides(sides, names, Fresh(set(letters) | set(pool[:2]), Index))


def reading(sides: list) -> tuple[str, ...]:  # type: ignore[type-arg]
    """What the tool took derivatives of vectors in these sides to mean, in words."""
    return fit(sides).notes
