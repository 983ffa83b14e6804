"""One formula of the document walk: its rows parsed, its definitions added first, then its
claims checked."""

from __future__ import annotations

import dataclasses

from derive.check.claims import _check_equation
from derive.check.compare import _compare_model
from derive.check.definitions import (
    _add_definition,
    _inferred_definitions,
    _local_model,
    _report_definition,
    _restatements,
)
from derive.check.rows import _bounded
from derive.check.state import _error_result, _State
from derive.document import Formula
from derive.errors import InputError
from derive.expr import Quantity
from derive.infer import Inferred
from derive.latex import Equation, RowError, Scope, parse_formula
from derive.results import Result, Status
from derive.sources.annotations import definitions_out_of_range


def _check_formula(state: _State, formula: Formula) -> None:
    ann = formula.annotation
    if state.inferred is not None and formula.number in state.inferred.local_annotations:
        ann = state.inferred.local_annotations[formula.number]
        formula = dataclasses.replace(formula, annotation=ann)
    try:
        if (state.inferred is not None and formula.number in state.inferred.local
                and not ann.get("local")):
            raise InputError("this formula has variables of its own (no layer tags, yet its "
                             "names have them elsewhere): it is not read as the network's "
                             "notation", formula.span(0),
                             hint="say what its symbols are in an annotation before it: local = "
                             "true, functions and given (see the README)")
        if ann.get("local"):
            model, scope = _local_model(state, formula)
        else:
            model, scope = state.model, Scope(state.model.notation, formula)
        rows = [_bounded(formula, eq) for eq in parse_formula(formula, scope)]
    except InputError as err:
        state.results.append(_error_result(formula, err, formula.text, formula.line))
        return
    marked = ann.get("definitions")
    numbers = {e.number for e in rows}
    beyond = definitions_out_of_range(ann, max(numbers, default=0))
    if beyond:
        err = InputError(f"annotation: `definitions` names row(s) {beyond}, but this formula "
                         f"has {max(numbers, default=0)}", formula.annotation_span("definitions"))
        state.results.append(_error_result(formula, err, formula.text, formula.line))
        return
    if marked == "all":
        def_numbers = numbers
    elif isinstance(marked, list):
        def_numbers = set(marked)
    elif state.inferred is not None:
        def_numbers, model = _inferred_definitions(state, formula, rows, model)
    else:
        def_numbers = set()
    if state.inferred is not None and state.claims:
        def_numbers = _restatements(state, rows, def_numbers, model)
    # definitions first: a block may define g and then state a property of it
    for k, eq in enumerate(rows):
        if isinstance(eq, Equation) and eq.number in def_numbers:
            try:
                model = _add_definition(state, formula, eq, model)
            except InputError as err:
                rows[k] = RowError(eq.number, err, eq.line, eq.lhs.latex)
    if not ann.get("local"):
        state.model = model
    if not state.claims:
        return
    compare = _compare_model(state, formula, model)
    means = state.inferred.batch_mean if state.inferred is not None else {}
    for eq in rows:
        if isinstance(eq, RowError):
            state.results.append(_error_result(formula, eq.error, eq.latex, eq.line))
        elif (formula.number, eq.number) in means and isinstance(eq, Equation):
            _report_definition(state, formula, eq, what=(
                "the cost of a batch, the mean of the samples' losses: the convention of the "
                "tool's gradient-descent updates"))
        elif eq.number in def_numbers:
            _report_definition(state, formula, eq)
        elif state.inferred is not None and _reads_unread(state.inferred, eq):
            names = sorted(state.inferred.unread)
            state.results.append(Result(
                file=formula.file, line=eq.line, col=eq.col, latex=eq.lhs.latex,
                kind="equation", status=Status.UNCHECKED, section=formula.section,
                formula=formula.number, parsed="", derivation="",
                message=f"not checked: it uses {', '.join(f'${n}$' for n in names)}, which the "
                        "text uses in a way the tool does not read (see the error above)"))
        else:
            try:
                _check_equation(state, formula, eq, model, compare)
            except InputError as err:  # placed at the claim if it has no place of its own
                err.at(formula.span(eq.lhs.start, max(1, len(eq.lhs.latex))))
                state.results.append(_error_result(formula, err, eq.lhs.latex, eq.line))


def _reads_unread(inferred: Inferred, eq: Equation) -> bool:
    names = {q.name for side in (eq.lhs, *eq.steps) for q in side.expr.atoms(Quantity)}
    return bool(names & inferred.unread)
