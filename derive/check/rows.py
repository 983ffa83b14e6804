"""A formula's rows before they are checked: bounds on their sums, their indices, what a
definition's left side names, and annotation strings read as formulas."""

from __future__ import annotations

import re

import sympy

from derive.document import Formula
from derive.errors import InputError
from derive.evaluate import MAX_TERMS, free_indices, terms
from derive.expr import BatchProduct, BatchSum, Call, Partial, Quantity, Vec, to_latex
from derive.latex import Equation, Index, RowError, Scalar


def _bounded(formula: Formula, eq: Equation | RowError) -> Equation | RowError:
    """A row whose sums would expand to too many terms, or a sum inside a sum over the same
    index, is an error before any evaluation."""
    if isinstance(eq, RowError):
        return eq
    for side in (eq.lhs,) + eq.steps:
        reused = _reused_index(side.expr)
        if reused is not None:
            hits = list(re.finditer(rf"\\sum_\{{?\s*{re.escape(reused)}\b", side.latex))
            pos = hits[1].start() if len(hits) > 1 else 0
            err = InputError(f"a sum over `{reused}` inside a sum over `{reused}`: the inner "
                             "sum hides the outer one's index", formula.span(side.start + pos, 5),
                             hint="use another letter for the inner summation index")
            return RowError(eq.number, err, eq.line, side.latex)
        n = terms(side.expr)
        if n > MAX_TERMS:
            err = InputError(f"the sums here expand to {n} terms in the networks checked (the "
                             f"limit is {MAX_TERMS})", formula.span(side.start, len(side.latex)))
            return RowError(eq.number, err, eq.line, side.latex)
    return eq


def _reused_index(e: sympy.Basic, bound: frozenset = frozenset()) -> str | None:
    """The name of an index that a sum binds again inside a sum over it, if any."""
    if isinstance(e, (sympy.Sum, sympy.Product)):
        for lim in e.limits:
            name = str(lim[0])
            if name in bound:
                return name
            bound = bound | {name}
        return _reused_index(e.function, bound)
    if isinstance(e, (BatchSum, BatchProduct)):
        if "\\sum_x" in bound:
            return e.args[1].name
        return _reused_index(e.body, bound | {"\\sum_x"})
    for a in e.args:
        found = _reused_index(a, bound)
        if found is not None:
            return found
    return None


def _validate_indices(formula: Formula, eq: Equation) -> None:
    lhs_free = free_indices(eq.lhs.expr)
    for step in (eq.lhs,) + eq.steps:
        free = free_indices(step.expr)
        for s in sympy.preorder_traversal(step.expr):
            if isinstance(s, sympy.Sum):
                var = s.limits[0][0]
                if var in lhs_free:
                    pos = _find(step.latex, rf"\\sum_\{{?\s*{re.escape(str(var))}\b")
                    raise InputError(
                        f"index `{var}` is summed over here but is also free on the left side",
                        formula.span(step.start + pos, 5),
                        hint="use another letter for the summation index")
        if step is eq.lhs:
            continue
        unbound = free - lhs_free
        if unbound and eq.kind != "assumption":
            var = sorted(unbound, key=str)[0]
            pos = _find(step.latex, rf"(?<![A-Za-z\\]){re.escape(str(var))}(?![A-Za-z])", last=True)
            raise InputError(
                f"index `{var}` is not bound: it is not on the left side and no sum runs over it"
                + _shared_by_layers(eq, var), formula.span(step.start + pos),
                hint=f"sum over `{var}` or use an index of the left side")


def unbound_layer(eq: Equation, layer_var: str) -> Index | None:
    """The one index of a one-step equation that is free on its right side only and written
    there only as a layer tag (`J = \\frac12 \\sum_i (a^{(l)}_i - y_i)^2`, where the output layer
    is meant); None for anything else."""
    if eq.kind != "equation" or len(eq.steps) != 1:
        return None
    rhs = eq.steps[0].expr
    unbound = free_indices(rhs) - free_indices(eq.lhs.expr)
    if len(unbound) != 1:
        return None
    var = next(iter(unbound))
    if str(var) != layer_var:
        return None
    tagged = [q for q in sympy.preorder_traversal(rhs) if isinstance(q, Quantity)
              and q.layer is not None and var in q.layer.free_symbols]
    if not tagged or any(var in i.free_symbols for q in tagged for i in q.indices):
        return None
    rest = rhs.xreplace({q: sympy.Integer(0) for q in tagged})
    return None if var in rest.free_symbols else var


def _shared_by_layers(eq: Equation, var: sympy.Symbol) -> str:
    """Why an unbound layer index under a derivative by a scalar is not checked (PReLU's
    ∂L/∂α = δ^{l+1} ... at layers far apart): the scalar is each layer's (derive.infer.per_layer),
    read at a layer only where the formula writes one layer and the next."""
    lhs = eq.lhs.expr
    if not (isinstance(lhs, Partial) and isinstance(lhs.args[1], Scalar)):
        return ""
    layered = any(isinstance(q, Quantity) and q.layer is not None and var in q.layer.free_symbols
                  for step in eq.steps for q in sympy.preorder_traversal(step.expr))
    if not layered:
        return ""
    return (f": `{var}` is a layer here, and `{to_latex(lhs.args[1])}` is read as a parameter "
            "of each layer only in a formula at one layer and the next; this one writes "
            "layers further apart, so which layer's is meant is not read")


def _find(text: str, pattern: str, last: bool = False) -> int:
    hits = list(re.finditer(pattern, text))
    if not hits:
        return 0
    return (hits[-1] if last else hits[0]).start()


def _definable(e: sympy.Basic) -> bool:
    if isinstance(e, (Quantity, Scalar)):
        return True
    return isinstance(e, Call) and all(isinstance(p, (Scalar, Vec, Index)) for p in e.params)


def _defines(e: sympy.Basic) -> str:
    if isinstance(e, Call):
        return e.fname
    if isinstance(e, Quantity):
        return e.name
    return to_latex(e)


def _string_formula(formula: Formula, text: str, key: str) -> tuple[Formula, bool]:
    """A formula written as a string of annotation `key` (a `given`, a `[compare] replace`),
    placed where the string is written when it is found there verbatim (True), else at the
    key's line (False: its columns are not the string's)."""
    at = formula.annotation_span(key)
    lines = formula.lines
    if 0 < at.line <= len(lines) and at.file == formula.file:
        for ln in range(at.line, min(at.line + 200, len(lines) + 1)):
            src = lines[ln - 1]
            for q in ('"', "'"):
                col = src.find(q + text + q, at.col - 1 if ln == at.line else 0)
                if col >= 0 and (q == "'" or "\\" not in text):
                    return Formula(formula.number, formula.file, text, ((0, ln, col + 2),),
                                   lines, formula.section), True
    return Formula(formula.number, formula.file, text, ((0, at.line, at.col),), lines,
                   formula.section), False
