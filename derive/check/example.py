"""The worked example's network: its widths read from the rows it writes out unit by unit, and
its claims checked against the definitions the text states after it.

UFLDL works one network of a stated depth (`n_l = 3`) before it writes the network of any
depth: `a_1^{(2)} = f(W_{11}^{(1)} x_1 + W_{12}^{(1)} x_2 + W_{13}^{(1)} x_3 + b_1^{(1)})`, ...,
`h_{W,b}(x) = a_1^{(3)} = f(W_{11}^{(2)} a_1^{(2)} + \\ldots + b_1^{(2)})`, then its vector form
`z^{(2)} = W^{(1)} x + b^{(1)}`, and only then the forward step `z^{(l+1)} = W^{(l)} a^{(l)} +
b^{(l)}` of any depth (derive.infer.example reads the depth). The example's rows are the general
model's instances in one network: a written-out sum `W_{11} x_1 + W_{12} x_2 + W_{13} x_3` is the
sum over the units only where the layer has three, so the example's claims at fixed layers are
checked in the one network of the example's own widths (`Model.widths`, derive.evaluate), and a
row with a unit left out, a wrong index or a wrong layer is refuted there.

A layer's width is the largest unit the rows name as a whole side before their last (`a_3^{(2)}
= ...`, `h = a_1^{(3)} = ...`: the units the example computes); a layer no row names a unit of
(the input) has the largest index most of the rows write at it (`x_3`, `W_{13}^{(1)}`: a slip
in one row, `x_4`, does not widen it), each index's layer read from the notation's shape of its
quantity. Nothing is read unless every layer of the
stated depth has a width so read. The example's formulas that read a quantity the text defines
further on (`a^{(l)}_i = f(z^{(l)}_i)`, `z^{(l+1)} = ...`) wait for that definition
(derive.check: they are checked in the model after it, and said so)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import sympy

from derive.check.build import _Built
from derive.check.state import _Reading
from derive.document import Document, Formula
from derive.errors import InputError
from derive.expr import Call, Quantity
from derive.latex import Equation, Scope, parse_formula
from derive.model import Model, label_name
from derive.notation import Notation, QuantitySpec, lin_value, parse_dim


def _exprs(eq: Equation) -> list[sympy.Basic]:
    """The sides of a row as expressions (with the entries of a side in vector form)."""
    out = []
    for side in (eq.lhs, *eq.steps):
        for e in (side.expr, getattr(side.tensor, "entry", None)):
            if isinstance(e, sympy.Basic):
                out.append(e)
    return out


def at_fixed_layers(eq: Equation) -> bool:
    """Whether the quantities a row writes with layers are all at numbered layers (the
    example's rows: `a_1^{(2)} = f(W_{11}^{(1)} x_1 + ...)`, `z^{(2)} = W^{(1)} x + b^{(1)}`)."""
    layers = [q.layer for e in _exprs(eq) for q in e.atoms(Quantity) if q.layer is not None]
    return bool(layers) and all(isinstance(x, sympy.Integer) for x in layers)


def _dims(spec: QuantitySpec, notation: Notation) -> tuple:
    if spec.dims or not spec.shape:
        return spec.dims
    names = {"layers": notation.layers, "width": notation.width,
             "layer_var": notation.layer_var}
    return tuple(parse_dim(s, names, spec.layer_range) for s in spec.shape)


def _entries(eq: Equation, notation: Notation, depth: int
             ) -> list[tuple[int, int, bool]]:
    """(layer, index, named) for each index of an entry written by numbers that counts a
    layer's units, `named` when the entry is a whole side of the row before its last."""
    named = {s.expr for s in (eq.lhs, *eq.steps[:-1]) if isinstance(s.expr, Quantity)}
    out = []
    for e in _exprs(eq):
        for q in e.atoms(Quantity):
            spec = notation.quantities.get(str(q.fname))
            if (spec is None or not q.indices
                    or not all(isinstance(i, sympy.Integer) for i in q.indices)
                    or not (q.layer is None or isinstance(q.layer, sympy.Integer))):
                continue
            try:
                dims = _dims(spec, notation)
            except (InputError, ValueError):
                continue
            layer = int(q.layer) if q.layer is not None else None
            for (kind, form), idx in zip(dims, q.indices):
                if kind == "width":
                    out.append((lin_value(form, depth, layer), int(idx), q in named))
    return out


def unit_row(formula: Formula, eq: Equation, notation: Notation) -> Equation | None:
    """`h_{W,b}(x) = a_1^{(3)} = f(...)`, the example's one output unit (derive.infer.example:
    `Formula.example_units`): the row from its first step on, `a_1^{(3)} = f(...)`, read in
    the formula's text with the head blanked (each character keeps its place); None when it
    cannot be read so."""
    if eq.number not in formula.example_units or len(eq.steps) < 2:
        return None
    lo, hi = eq.lhs.start, eq.steps[0].start
    blank = "".join(c if c == "\n" else " " for c in formula.text[lo:hi])
    text = formula.text[:lo] + blank + formula.text[hi:]
    headless = dataclasses.replace(formula, text=text, example_units=())
    try:
        rows = parse_formula(headless, Scope(notation, headless))
    except InputError:
        return None
    found = next((r for r in rows if isinstance(r, Equation) and r.number == eq.number), None)
    return found if found is not None and at_fixed_layers(found) else None


def example_widths(doc: Document, notation: Notation, depth: int
                   ) -> tuple[tuple[int, ...] | None, list[str]]:
    """The widths of the worked example's layers 1..depth read from its rows at fixed layers,
    and the fact that says so (None and no fact when some layer's width is not written)."""
    named: dict[int, int] = {}
    written: dict[int, list[int]] = {}  # each row's largest index at the layer
    lines: list[int] = []
    for f in doc.formulas:
        if f.annotation.get("local") or not any(c.isdigit() for c in f.text):
            continue
        try:
            rows = parse_formula(f, Scope(notation, f))
        except InputError:
            continue
        for eq in rows:
            if isinstance(eq, Equation) and eq.number in f.example_units:
                eq = unit_row(f, eq, notation) or eq
            if not isinstance(eq, Equation) or not at_fixed_layers(eq):
                continue
            found = _entries(eq, notation, depth)
            rows_max: dict[int, int] = {}
            for layer, idx, is_named in found:
                if is_named:
                    named[layer] = max(named.get(layer, 0), idx)
                rows_max[layer] = max(rows_max.get(layer, 0), idx)
            for layer, top in rows_max.items():
                written.setdefault(layer, []).append(top)
            if found:
                lines.append(eq.line)
    widths = tuple(named.get(k) or _most_rows(written.get(k, [])) for k in range(1, depth + 1))
    if not all(widths):
        return None, []
    where = (f"line {lines[0]}" if len(set(lines)) == 1
             else f"lines {min(lines)}-{max(lines)}")
    return widths, [f"the worked example's network is read from the units its rows write out "
                    f"({where}): {depth} layers of {', '.join(map(str, widths))} units; its "
                    "rows at fixed layers are checked in that network"]


def _most_rows(tops: list[int]) -> int:
    """The width most rows write out at a layer (the larger of two as frequent): a slip in one
    row (`x_4` among rows of three) does not widen the example's network (0 for no row)."""
    if not tops:
        return 0
    counts = Counter(tops)
    return max(counts, key=lambda w: (counts[w], w))


def waits_for(reading: _Reading, built: _Built) -> str | None:
    """A quantity the worked example's formula reads (or what the model's definitions of what
    it reads read) that the text defines further on: the formula waits for its definition.
    None for any other formula, or when everything it reads is defined."""
    model, inferred = built.model, reading.inferred
    if (model.depth is None or inferred is None or built.error is not None
            or not has_example(reading.doc)):
        return None
    claims = [eq for eq in built.rows if isinstance(eq, Equation)
              and eq.number not in built.def_numbers and at_fixed_layers(eq)]
    if not claims:
        return None
    read = {str(q.fname) for eq in claims for e in _exprs(eq) for q in e.atoms(Quantity)}
    later = [(line, name) for name in reached(model, read)
             if (line := inferred.defined.get(name)) is not None
             and line > built.formula.line and not defines_from(model, name, line)]
    return max(later)[1] if later else None  # the last of them: one wait where it can


def defines_from(model: Model, name: str, line: int) -> bool:
    """Whether the model holds the text's definition of the name at that line or after it
    (`a^{(1)} = x` before `a^{(l)} = f(z^{(l)})` defines one layer only)."""
    return any(isinstance(d.lhs, (Quantity, Call)) and str(d.lhs.fname) == name
               and d.line >= line for d in model.defs)


def reached(model: Model, names: set[str]) -> set[str]:
    """The names, and the quantities the model's definitions of them read, and so on."""
    seen, todo = set(names), sorted(names)
    while todo:
        name = todo.pop()
        for d in model.defs:
            if isinstance(d.lhs, Quantity) and str(d.lhs.fname) == name:
                for e in (d.rhs, getattr(d.rhs, "entry", None)):
                    if isinstance(e, sympy.Basic):
                        new = {str(c.fname) for c in e.atoms(Quantity)} - seen
                        seen |= new
                        todo += sorted(new)
    return seen


def has_example(doc: Document) -> bool:
    """Whether the text works an example of a stated depth (derive.infer.example)."""
    return any(f.depth_tags for f in doc.formulas)


def unread_input(model: Model, eq: Equation) -> str | None:
    """Why the worked example's claim is not checked when it reads an input the model never
    reads (`x` in `a_1^{(2)} = f(W_{11}^{(1)} x_1 + ...)` where the forward step starts from
    the given `a^{(1)}` and no sentence names `a^{(1)} = x`): two inputs of their own, not
    the same network. None for any other claim."""
    if model.depth is None or not at_fixed_layers(eq):
        return None
    labels = label_name(model)
    read = {str(q.fname) for d in model.defs for e in (d.rhs, getattr(d.rhs, "entry", None))
            if isinstance(e, sympy.Basic) for q in e.atoms(Quantity)}
    for name in sorted({str(q.fname) for e in _exprs(eq) for q in e.atoms(Quantity)}):
        spec = model.spec(name)
        if (spec is not None and spec.given and not spec.layers and not spec.parameter
                and name != labels and name not in read):
            return (f"it reads ${name}$, which no definition of the model reads (the text "
                    f"does not name ${name}$ as the input layer's activation, as in "
                    f"`a^{{(1)}} = {name}`): the example's network and the model's are not "
                    "read as one")
    return None
