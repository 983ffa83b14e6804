"""Claims written in vector form: their shape findings and the repairs tried in matrix terms.

A side in vector form is lowered to one entry when it is parsed (`derive.tensor`); the claim is
then checked as any other. Two things are its own: a side whose shapes do not fit (a finding
placed at its line, with the shapes the definitions give), and, for a refuted claim, the search
for one edit in matrix terms (a transpose, a product's order, `\\odot` for a product, a layer)
under which it holds. Each candidate is lowered and evaluated like the claim itself: the derived
side always comes from the model.
"""

from __future__ import annotations

import re

import sympy

from derive.document import Formula
from derive.evaluate import Engine
from derive.expr import Quantity, to_latex
from derive.latex import Side
from derive.model import Model
from derive.notation import Notation
from derive.results import Finding, FindingKind
from derive.tensor import BatchTotal, Leaf, ShapeError, ShapeMismatch, repairs, walk
from derive.tensor.literal import Literal
from derive.vecparse import entry, spec_dims
from derive.vecparse import reading as vec_reading

MAX_REPAIRS = 200  # candidate edits evaluated for one claim (a wrong one fails at its first point)


def mismatched(side: Side) -> str | None:
    return side.expr.message if isinstance(side.expr, ShapeMismatch) else None


def reading(lhs: Side, step: Side) -> str:
    """How derivatives of vectors in a claim were read (a Jacobian's layout, the chain rule by
    entries, a three-index derivative beside a vector), in words; empty when there are none."""
    if lhs.tensor is None and step.tensor is None:
        return ""
    sides = [s.tensor if s.tensor is not None else s.expr for s in (lhs, step)]
    return "; ".join(dict.fromkeys(vec_reading(sides)))


def sums_samples(side: Side) -> bool:
    """Whether a side in vector form sums over the minibatch (even one whose shapes do not
    fit, and so has no expression to look into)."""
    return side.tensor is not None and any(isinstance(t, BatchTotal) for t in walk(side.tensor))


class _Shifter:
    """A leaf in another layer (`shift_layer` of derive.tensor.repairs), and, in a network
    whose layers are named by letters (no quantity has a layer tag), the other vectors a leaf
    may have been written for (`h` for `x`): `others`; in a network of layer tags, the given
    vectors of no layer a layer's vector may have been written for (`a^{[1]}` for the input
    `x` the first layer reads)."""

    def __init__(self, notation: Notation) -> None:
        self.notation = notation

    def __call__(self, leaf: Leaf, delta: int) -> Leaf | None:
        spec = self.notation.quantities.get(leaf.name)
        if spec is None or leaf.layer is None:
            return None
        layer = leaf.layer + delta
        tex = to_latex(Quantity(leaf.name, (layer,), ()))
        if leaf.batch is not None and "^" in leaf.tex and "^" in tex:  # Δ^{l+1}: the capital kept
            tex = leaf.tex.split("^", 1)[0] + "^" + tex.split("^", 1)[1]
        return leaf.with_layer(layer, spec_dims(spec, layer, self.notation), tex)

    def others(self, leaf: Leaf) -> list[tuple[str, Leaf]]:
        """The name written (without its transpose mark) and each other vector for it."""
        qs = self.notation.quantities
        zero = sympy.Integer(0)
        if leaf.layer is not None and len(leaf.dims) == 1:  # a^{[1]} for the input x
            written = to_latex(Quantity(leaf.name, (leaf.layer,), ()))
            return [(written, Leaf(q, None, spec_dims(s, zero, self.notation),
                                   to_latex(Quantity(q, (), ())), row=leaf.row,
                                   batch=leaf.batch))
                    for q, s in sorted(qs.items()) if not s.layers and len(s.shape) == 1
                    and s.given]
        if leaf.layer is not None or len(leaf.dims) != 1 or any(s.layers for s in qs.values()):
            return []
        written = to_latex(Quantity(leaf.name, (), ()))
        return [(written, Leaf(q, None, spec_dims(s, zero, self.notation),
                               to_latex(Quantity(q, (), ())), row=leaf.row))
                for q, s in sorted(qs.items()) if q != leaf.name and len(s.shape) == 1]


def _shifter(notation: Notation) -> _Shifter:
    return _Shifter(notation)


def _whole(notation: Notation):  # type: ignore[no-untyped-def]
    """The leaf of the whole quantity one entry `\\delta^n_j` is of (its layer kept), or None
    for anything but one entry of a quantity in vector form."""
    def whole(expr) -> Leaf | None:  # type: ignore[no-untyped-def]
        spec = notation.quantities.get(expr.name) if isinstance(expr, Quantity) else None
        if spec is None or not expr.indices or len(spec.dims) != len(expr.indices):
            return None
        layer = expr.layer if expr.layer is not None else sympy.Integer(0)
        return Leaf(expr.name, expr.layer, spec_dims(spec, layer, notation),
                    to_latex(expr.with_(indices=())), row=notation.vectors == "row")

    return whole


def _lowered_rhs(formula: Formula, lhs: Side, candidate):  # type: ignore[no-untyped-def]
    """A candidate side, in matrix terms, lowered to one entry beside the left side's; None
    where it cannot be."""
    reference = lhs.tensor if lhs.tensor is not None else lhs.expr
    return entry(formula, [reference, candidate]).exprs[1]


def _holds(engine: Engine, model: Model, target, rhs) -> bool | None:  # type: ignore[no-untyped-def]
    """Whether the lowered side equals the derived one at every point; None where it could not
    be evaluated (unsupported, a summed index past its range, no point at all)."""
    o = engine.evaluate(model, target, rhs)
    if o.unsupported or o.overrun or not o.trials and o.ok:
        return None
    return o.ok


def repair(engine: Engine, model: Model, formula: Formula, lhs: Side, target,  # type: ignore[no-untyped-def]
           step: Side) -> Finding | None:
    """The first edit of the step, in matrix terms, under which it equals the derived side."""
    if step.tensor is None or isinstance(lhs.expr, ShapeMismatch):
        return None
    tried = 0
    for what, candidate in repairs(step.tensor, _shifter(model.notation),
                                     _whole(model.notation)):
        rhs = _lowered_rhs(formula, lhs, candidate)
        if rhs is None:
            continue
        tried += 1
        if tried > MAX_REPAIRS:
            return None
        if _holds(engine, model, target, rhs):
            return what
    return None


def untransposed_holds(engine: Engine, model: Model, formula: Formula, lhs: Side, target,  # type: ignore[no-untyped-def]
                       step: Side) -> bool | None:
    """Whether a step written whole transposed, `(a - y)^T`, holds without its transpose (as
    the derivative of a scalar by a vector in numerator layout); None where that cannot be
    evaluated."""
    rhs = _lowered_rhs(formula, lhs, step.tensor.x)
    return None if rhs is None else _holds(engine, model, target, rhs)


def entry_count(formula: Formula, lhs: Side, step: Side) -> Finding | None:
    """A vector written by its entries (`[e_1; e_2]`) whose number of entries is not the left
    side's, a size the formula's section fixes in prose (`K = 2`: derive.infer.fixed_sizes):
    two vectors of different lengths, never equal. None for any other mismatch (the shapes
    read may be the tool's)."""
    if not formula.fixed_sizes or lhs.tensor is None or step.tensor is None:
        return None
    try:
        left, right = lhs.tensor.shape(), step.tensor.shape()
    except ShapeError:
        return None
    one = sympy.Integer(1)
    for k in (0, 1):  # a column's rows, a row's columns
        want, got = (left.rows, right.rows) if k == 0 else (left.cols, right.cols)
        other = (left.cols, right.cols) if k == 0 else (left.rows, right.rows)
        if not (want.is_Integer and got.is_Integer and want != got and other == (one, one)):
            continue
        sizes = [f"{name} = {value}" for name, value in formula.fixed_sizes if value == want]
        literal = any(isinstance(t, Literal) and (t.shape().rows, t.shape().cols)[k] == got
                      for t in walk(step.tensor))
        if sizes and literal:
            return Finding(FindingKind.ENTRY_COUNT, (str(got), str(want)),
                           (("size", sizes[0]),))
    return None


def one_sample(notation: Notation, step: Side) -> str:
    """A sample's input written beside the bare input in one step (`x^{(i)}` where the rest
    writes `x`, UFLDL's K = 2 hypothesis): both read as the one sample's, said in words; empty
    when none is."""
    text = step.latex
    sample = re.escape(notation.sample)
    said = []
    for name, spec in sorted(notation.quantities.items()):
        if not spec.given or spec.parameter or spec.layers:
            continue
        head = rf"(?<![A-Za-z\\]){re.escape(name)}"
        tagged = re.search(head + rf"\s*\^\s*\{{\s*\(\s*{sample}\s*\)\s*\}}", text)
        bare = re.search(head + r"(?![A-Za-z]|\s*[\^_])", text)
        if tagged and bare:
            said.append(f"${name}^{{({notation.sample})}}$ and ${name}$ are both written: "
                        f"both read as the one sample's ${name}$")
    return "; ".join(said)


def by_entries(side: Side) -> bool:
    """Whether a side in vector form writes a vector by its entries (`[e_1; e_2]`)."""
    return side.tensor is not None and any(isinstance(t, Literal) for t in walk(side.tensor))
