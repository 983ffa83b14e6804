"""A section's alternative model (`[compare]`), and the notes on where the models part."""

from __future__ import annotations

import sympy

from derive.check.keys import _keys, _sha
from derive.check.rows import _definable, _string_formula
from derive.check.state import _error_result, _State
from derive.document import Formula
from derive.errors import InputError, Span
from derive.evaluate import free_indices
from derive.expr import Call, Quantity, Vec, to_latex
from derive.latex import RowError, Scope, parse_formula
from derive.latex.opening import NothingClaimed
from derive.model import Def, Instance, Model, OutOfRange
from derive.numbers import PRECISION, Unsupported
from derive.results import Result


def _compare_model(state: _State, formula: Formula, model: Model) -> Model | None:
    spec = formula.section_annotation.get("compare")
    if not spec or model.local:
        return None
    key = formula.section
    cached = state.compare.get(key)
    if cached is not None and cached.defs[: len(model.defs)] == model.defs:
        return cached
    from dataclasses import replace

    if key in state.compare_errors:
        return None  # reported once, at the section's first formula
    alt = replace(model, name=str(spec.get("name", "the alternative model")))
    try:
        for text in spec.get("replace", []):
            alt = _replaced(alt, formula, text)
    except InputError as err:
        state.compare_errors.add(key)
        state.results.append(_error_result(formula, err, formula.text, formula.line))
        return None
    state.compare[key] = alt
    return alt


def _replaced(alt: Model, formula: Formula, text: str) -> Model:
    """The alternative model with one `[compare] replace` definition. The text is not in the
    formula: a problem with it is placed in the string where the annotation writes it (at the
    `replace` key when the string is not found there verbatim)."""
    pseudo, exact = _string_formula(formula, text, "compare.replace")
    key = formula.annotation_span("compare.replace")

    def bad(msg: str, span: Span | None = None) -> InputError:
        return InputError(f"in the `[compare] replace` string {text!r}: {msg}",
                          span if exact and span else key,
                          hint="write each replacement as a definition, e.g. "
                          "\"a^{(n)}_i = z^{(n)}_i\"")

    rows = parse_formula(pseudo, Scope(alt.notation, pseudo))
    if not rows:
        raise bad("it is empty")
    for eq in rows:
        if isinstance(eq, RowError) and isinstance(eq.error, NothingClaimed):
            raise bad("expected an equation: no `=` in it", eq.error.span)  # no display here
        if isinstance(eq, RowError):
            raise bad(eq.error.message, eq.error.span)
        if eq.kind != "equation" or len(eq.steps) != 1 or not _definable(eq.lhs.expr):
            raise bad("it must define one quantity, scalar or function, as in `X = ...`")
        alt = alt.with_defs(Def(eq.lhs.expr, eq.steps[0].expr, formula.line, text))
    return alt


def _model_notes(state: _State) -> list[str]:
    notes: list[str] = []
    for section, alt in state.compare.items():
        base = state.reading.model
        changed = [d.latex for d in alt.defs if d not in base.defs]
        notes.append(f"Section {' / '.join(section)}: each formula is also checked in "
                     f"{alt.name} (${'; '.join(changed)}$).")
        cost = _cached_softmax_cost(state, base)
        if cost:
            notes.append(cost)
    return notes


def _partings(results: list[Result]) -> list[str]:
    """One sentence for each result whose verdict changes with the model."""
    out = []
    for r in results:
        for c in r.comparisons:
            if c.status is r.status:
                continue
            where = f"formula {r.formula}" + (f", step {r.step}" if r.step else "")
            assumed = f" (if {r.assumptions[0]})" if r.assumptions else ""
            why = f": {c.diagnosis}" if c.diagnosis else f": {c.message}"
            out.append(f"Where the models part, {where} (line {r.line}): ${r.latex}$ is "
                       f"{r.status.value} in the document's model{assumed}, and "
                       f"{c.status.value} in {c.model}{why}.")
    return out


def _cached_softmax_cost(state: _State, model: Model) -> str | None:
    """`_softmax_cost` (a `sympy.limit` of the activation: a third of a second), kept in the
    verdict cache under the whole model's digest."""
    keys = _keys(state)
    if keys is None:
        return _softmax_cost(state, model)
    key = _sha(keys.wide(model, None), "softmax cost")
    found = keys.store.get(key)
    if isinstance(found, dict) and (found.get("note") is None or isinstance(found["note"], str)):
        return found["note"]
    if found is not None:
        keys.store.reject(key, "it is malformed")
    note = _softmax_cost(state, model)
    keys.store.put(key, {"note": note})
    return note


def _softmax_cost(state: _State, model: Model) -> str | None:
    """What softmax over bounded activations costs: the largest probability it can give."""
    n = model.notation
    pred = next((d for d in reversed(model.defs) if isinstance(d.lhs, Quantity)
                 and any(isinstance(a, Vec) for a in sympy.preorder_traversal(d.rhs))), None)
    act = next((d for d in reversed(model.defs) if isinstance(d.rhs, Call)
                and isinstance(d.lhs, Quantity) and len(d.rhs.params) == 1), None)
    if pred is None or act is None:
        return None
    vec = next(a for a in sympy.preorder_traversal(pred.rhs) if isinstance(a, Vec))
    if vec.name != act.lhs.name:
        return None
    try:
        ev = state.engine.evaluator(model, Instance(3, (2, 2, 10)), 0)
        g = ev.function(act.rhs.fname)
        t = sympy.Symbol("t", real=True)
        hi, lo = _limit(g(t), t, sympy.oo), _limit(g(t), t, -sympy.oo)
        if not (hi.is_finite and lo.is_finite):
            return None
        layer = ev.instance.layers
        for k in range(1, 11):
            ev._values[(vec.name, layer, (k,), 1)] = sympy.Float(hi if k == 1 else lo, PRECISION)
        top = ev.ground(pred.lhs.xreplace({i: 1 for i in free_indices(pred.lhs)}),
                        {}, 1)
    except (OutOfRange, Unsupported, ValueError, TypeError):
        return None
    floor = -sympy.log(top)
    return (f"The document's softmax takes ${vec.name}^{{({n.layers})}} = "
            f"{act.rhs.fname}(\\cdot)$, which lies in $({to_latex(lo)}, {to_latex(hi)})$: with 10 "
            f"classes no probability exceeds {float(top):.4f}, so the cross-entropy of a one-hot "
            f"label cannot fall below {float(floor):.4f} (derived by sympy.limit of "
            f"${act.rhs.fname}$ and the definition of ${to_latex(pred.lhs)}$).")


def _limit(e: sympy.Expr, t: sympy.Symbol, to: sympy.Basic) -> sympy.Basic:
    """The limit of `e` as `t` goes to `to`: by the Gruntz algorithm, `sympy.limit`'s own,
    called directly (half the time, without its preprocessing) when it gives a finite real
    number; by `sympy.limit` otherwise (what Gruntz cannot do, its heuristics may)."""
    from sympy.series.gruntz import gruntz

    try:
        found = gruntz(e, t, to)
    except Exception:  # any failure of the direct call: sympy.limit decides
        found = None
    if found is not None and found.is_number and found.is_real and found.is_finite:
        return found
    return sympy.limit(e, t, to)
