"""One claim's steps: the derived side (an update's target) and how it is obtained, each
step's verdict within the claim budget and from the verdict cache, and the shape findings of
vector forms."""

from __future__ import annotations

import dataclasses

import sympy

from derive import vectorcheck
from derive.budget import BudgetExceeded, deadline
from derive.check import approx, ellipsis, paths
from derive.check.build import update_of_no_parameter, written_update
from derive.check.generic_update import generic_update_results, is_generic_update
from derive.check.keys import _decode_verdict, _encode_verdict, _keys
from derive.check.lint import _lint_expansions
from derive.check.rows import _validate_indices, unbound_layer
from derive.check.state import _error_result, _State
from derive.check.symbolic import _symbolic_evidence
from derive.check.updates import _derived_side
from derive.check.verdict import _Verdict, _verdict
from derive.diagnose import atoms
from derive.document import Formula
from derive.errors import InputError
from derive.evaluate import Engine, free_indices
from derive.expr import Call, FuncRef, Partial, Prime, Quantity, Vec, to_latex
from derive.latex import Equation, Index, Scalar, Side, Size
from derive.model import Def, Model
from derive.numbers import backend_name
from derive.results import Finding, FindingKind, Result, Status
from derive.sentences import detail, sentence
from derive.tensor import Transpose


def _check_equation(state: _State, formula: Formula, eq: Equation, model: Model,
                    compare: Model | None) -> None:
    if eq.kind == "equation" and written_update(model, eq):
        eq = dataclasses.replace(eq, kind="update")  # W = W - alpha ...: an update with `=`
    if paths.path_of(eq) is not None:  # a path product with an ellipsis: written out
        state.results.append(paths.path_result(
            formula, eq, model, lambda e, m: _decided(state, formula, e, m),
            lambda m, lhs, rhs: _holds(state, m, lhs, rhs)))
        return
    chain = ellipsis.chain_of(eq)
    if chain is not None:  # a product over layers with an ellipsis: checked written out
        state.results += ellipsis.chain_results(formula, eq, model, lambda e, k, m: _step_result(
            state, formula, e, k, e.lhs.expr, m, compare, e.lhs.expr, ""))
        return
    target, derivation_note = _derived_side(model, eq, bool(formula.accumulated))
    if eq.kind == "approximation" or eq.approx_from is not None:
        _check_approximation(state, formula, eq, model, compare)
        return
    err = _not_a_claim(formula, eq, target, model)
    given = _given_leaf(model, eq.lhs.expr) if eq.kind == "equation" else None
    if (err is not None or given is not None) and is_generic_update(model, eq):
        generic = generic_update_results(formula, eq, model)
        if generic is not None:
            state.results += generic
            return
    if err is not None:
        found = _at_output_layer(state, formula, eq, model, compare, target, derivation_note)
        state.results.append(found or _error_result(formula, err, eq.lhs.latex, eq.line))
        return
    if given is not None:
        state.results.append(_given_result(formula, eq, given))
        return
    assert target is not None
    previous: sympy.Basic = eq.lhs.expr
    for k, step in enumerate(eq.steps, start=1):
        result = _step_result(state, formula, eq, k, target, model, compare, previous,
                              derivation_note)
        if k > 1 and not eq.after_gap(k) and result.status is Status.UNCHECKED:
            result = _against_step_before(state, formula, eq, k, model, result)
        state.results.append(result)
        previous = step.expr


def _decided(state: _State, formula: Formula, eq: Equation, model: Model) -> Result:
    """The one result of a claim checked on its own (a path product written out)."""
    n = len(state.results)
    _check_equation(state, formula, eq, model, None)
    out = state.results[n:]
    del state.results[n:]
    return out[0]


def _against_step_before(state: _State, formula: Formula, eq: Equation, k: int, model: Model,
                         unchecked: Result) -> Result:
    """Step `k` of a chain whose left side could not be checked against it (`\\partial L /
    \\partial y_i` where the text's L is another section's, or has no definition read),
    checked against the step before it, which each `=` of a chain also claims; the unchecked
    result stands when that does not decide either."""
    before = eq.steps[k - 2]
    found = _step_result(state, formula, eq, k, before.expr, model, None, before.expr, "")
    if found.status not in (Status.VERIFIED, Status.REFUTED):
        return unchecked
    why = unchecked.message.removeprefix("could not check: ")
    return dataclasses.replace(
        found, latex=f"{before.latex} = {eq.steps[k - 1].latex}",
        message=f"{found.message} (the step before it, line {eq.step_lines[k - 2]}, taken as "
                f"the derived side, since the chain's left side could not be checked: {why})")


def _at_output_layer(state: _State, formula: Formula, eq: Equation, model: Model,
                     compare: Model | None, target: sympy.Basic | None, note: str
                     ) -> Result | None:
    """A claim whose right side writes a layer `l` that nothing binds (steven2358's
    `J = \\frac12 \\sum_{i=1}^{s_{n_l}} (a^{(l)}_i - y_i)^2`): conditional on `l` being the output
    layer when it holds there and fails one layer below; None (the error stands) otherwise."""
    var = unbound_layer(eq, model.notation.layer_var)
    if var is None or target is None:
        return None
    top = Size(model.notation.layers)
    step = eq.steps[0]

    def at(layer: sympy.Expr) -> Result:
        read = dataclasses.replace(step, expr=step.expr.xreplace({var: layer}))
        return _step_result(state, formula, dataclasses.replace(eq, steps=(read,)), 1, target,
                            model, compare, eq.lhs.expr, note)

    there = at(top)
    if there.status is not Status.VERIFIED:
        return None
    below = at(top - 1)
    if below.status is not Status.REFUTED:
        return None
    n = to_latex(top)
    return dataclasses.replace(
        there, status=Status.CONDITIONAL,
        message=f"holds only if ${var} = {n}$, the output layer: ${var}$ is bound by nothing "
        "here (not on the left side, and no sum runs over it); read at the output layer the "
        f"claim holds, at ${var} = {n} - 1$ it does not",
        evidence=f"at ${var} = {n}$: {there.evidence}; at ${var} = {n} - 1$: {below.evidence}",
        assumptions=(f"${var} = {n}$ (the output layer)",), counterexample=below.counterexample)




def _check_approximation(state: _State, formula: Formula, eq: Equation, model: Model,
                         compare: Model | None) -> None:
    """A chain with `\\approx`: the steps before it are checked, the rest are not."""
    first = 1 if eq.kind == "approximation" else eq.approx_from
    exact = dataclasses.replace(eq, steps=eq.steps[:first - 1],
                                step_lines=eq.step_lines[:first - 1], approx_from=None)
    if exact.steps:
        _check_equation(state, formula, exact, model, compare)
    read = approx.reading(eq) if first == 1 else approx.NOT_CHECKED
    if isinstance(read, approx.Reading):
        claim = dataclasses.replace(eq, kind="equation", lhs=dataclasses.replace(
            eq.lhs, expr=read.lhs), steps=(dataclasses.replace(eq.steps[0], expr=read.rhs),))
        found = _step_result(state, formula, claim, 1, read.lhs, model, compare, read.lhs,
                             read.note)
        fix = None if found.status is not Status.REFUTED else approx.change_repair(
            eq, lambda r: _holds(state, model, r.lhs, r.rhs) is True, orders_only=bool(found.diagnosis))
        found = found if fix is None else approx.repaired(found, fix)
        state.results.append(approx.worded(
            found, read, f"{eq.lhs.latex} \\approx {eq.steps[0].latex}"))
        return
    for k, step in enumerate(eq.steps, start=1):
        if k < first:
            continue
        state.results.append(Result(
            file=formula.file, line=eq.step_lines[k - 1], col=formula.span(step.start).col,
            latex=f"{eq.lhs.latex} \\approx {step.latex}", kind="equation",
            status=Status.UNCHECKED, section=formula.section, formula=formula.number,
            step=k if len(eq.steps) > 1 else None, parsed="", derivation="",
            message=read))


def _holds(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> bool | None:
    """Whether `lhs = rhs` holds at every point, within the claim budget (None past it)."""
    try:
        with deadline(state.claim_budget):
            o = state.engine.evaluate(model, lhs, rhs)
    except BudgetExceeded:
        state.engine = Engine()
        return None
    return bool(o.ok and o.trials and not o.unsupported and not o.overrun)


def _given_leaf(model: Model, lhs: sympy.Basic) -> str | None:
    """The name of a left side that is a given of the model (a scalar, or a given quantity
    that no definition names, in no layer of its own): `o = h W_2 + b_2` with o read as an
    input, `y_i = a^{(n)}_i`. Its value is drawn at
    random, so comparing it with the right side is no evidence either way. None otherwise."""
    if isinstance(lhs, Scalar):
        name = lhs.name
    elif isinstance(lhs, Quantity):
        spec = model.spec(lhs.name)
        if spec is None or not spec.given or spec.given_layers:
            return None
        name = lhs.name
    else:
        return None
    defined = any(getattr(d.lhs, "name", None) == name for d in model.defs)
    return None if defined else to_latex(lhs)


def _given_result(formula: Formula, eq: Equation, given: str) -> Result:
    """Unchecked, with why: a row whose left side is a given of the model as read."""
    return Result(
        file=formula.file, line=eq.line, col=formula.span(eq.lhs.start).col,
        latex=" = ".join([eq.lhs.latex, *(st.latex for st in eq.steps)]), kind="equation",
        status=Status.UNCHECKED, section=formula.section, formula=formula.number, step=None,
        parsed="", derivation="", message=(
            f"${given}$ is given in the model as read (no row defines it): the row would "
            f"compare a random value of ${given}$ with its right side, which checks nothing; "
            "if the row defines it, the notation was not read as meant (see `derive notation`)"))


def _not_a_claim(formula: Formula, eq: Equation, target: sympy.Basic | None,
                 model: Model) -> InputError | None:
    """Why the row cannot be checked as written, if it cannot."""
    if eq.kind == "assumption":
        return InputError("an assumption (`\\in`) is not a claim that can be checked: list it "
                          "in `definitions` to make it an assumption of the model",
                          formula.span(eq.lhs.start, len(eq.lhs.latex)))
    if eq.kind == "equation" and update_of_no_parameter(model, eq):
        return InputError(f"an update of `{eq.lhs.latex.strip()}` (on both sides, with the "
                          "learning rate): it is no parameter of the network as read, so the "
                          "step is not checked", formula.span(eq.lhs.start, len(eq.lhs.latex)))
    if target is None:
        return InputError("an update `←` needs the document's loss and learning rate: set "
                          "roles.loss and roles.rate in the front matter",
                          formula.span(eq.lhs.start))
    try:
        _validate_indices(formula, eq)
    except InputError as err:
        return err
    return None


def _step_result(state: _State, formula: Formula, eq: Equation, k: int, target: sympy.Basic,
                 model: Model, compare: Model | None, previous: sympy.Basic,
                 derivation_note: str) -> Result:
    """The result of step `k` of the claim (its only step, unless it is a chain)."""
    step = eq.steps[k - 1]
    chain = len(eq.steps) > 1
    relation = "\\leftarrow" if eq.kind == "update" else "="
    parsed = f"{to_latex(eq.lhs.expr)} = {to_latex(step.expr)}"
    if vectorcheck.mismatched(eq.lhs) or vectorcheck.mismatched(step):
        result, lint = _shape_verdict(state, formula, eq.lhs, target, step, model), []
        parsed = ""
    else:
        with state.engine.holding_for(_holds_for(model, eq), _holds_if(eq)):
            result, lint = _budgeted_verdict(state, model, target, step.expr, compare, previous,
                                             eq.holds_for, _holds_if(eq))
    result = _in_vector_form(state, formula, eq.lhs, target, step, model, result)
    if state.symbolic and result.status is Status.VERIFIED:
        result = dataclasses.replace(result, evidence=result.evidence + "; " + _symbolic_evidence(
            state, model, target, step.expr))
    derivation = _derivation_text(model, target, step.expr, derivation_note)
    return Result(
        file=formula.file, line=eq.step_lines[k - 1], col=formula.span(step.start).col,
        latex=f"{eq.lhs.latex} {relation} {step.latex}",
        kind="update" if eq.kind == "update" else ("step" if chain else "equation"),
        status=result.status, message=result.message, section=formula.section,
        formula=formula.number, step=eq.written_step(k) if chain else None, parsed=parsed,
        derivation=derivation, evidence=result.evidence, assumptions=result.assumptions,
        diagnosis=result.diagnosis, counterexample=result.counterexample,
        lint=tuple(lint) + step.flags, comparisons=result.comparisons, finding=result.finding,
    )


def _in_vector_form(state: _State, formula: Formula, lhs: Side, target: sympy.Basic,
                    step: Side, model: Model, result: _Verdict) -> _Verdict:
    """A verdict on a claim in vector form: with a repair in matrix terms when the component
    search found none, and unchecked when the shapes read do not fit the ranges."""
    if step.tensor is not None and result.status is Status.REFUTED and (
            not result.diagnosis or vectorcheck.by_entries(step)):
        result = _matrix_diagnosis(state, formula, lhs, target, step, model, result)
    if (step.tensor is not None or lhs.tensor is not None) and result.message.startswith(
            "a summed index runs past"):
        # the shapes the tool read disagree with the ranges of the quantities: its reading
        result = _Verdict(Status.UNCHECKED, f"could not check: {result.message.split(':')[0]}"
                          " (the vector form as read does not fit the quantities' ranges)",
                          evidence=result.evidence)
    notes = "; ".join(n for n in (vectorcheck.reading(lhs, step),
                                  vectorcheck.one_sample(model.notation, step)) if n)
    if notes:
        result = dataclasses.replace(result, message=f"{result.message}; read as: {notes}")
    return result


def _shape_verdict(state: _State, formula: Formula, lhs: Side, target: sympy.Basic, step: Side,
                   model: Model) -> _Verdict:
    """A side whose shapes do not fit: refuted when one edit in matrix terms makes it hold,
    else unchecked with the shapes read (the reading may be the tool's)."""
    why = vectorcheck.mismatched(lhs) or vectorcheck.mismatched(step) or ""
    fix = _repair(state, formula, lhs, target, step, model)
    count = vectorcheck.entry_count(formula, lhs, step) if fix is None else None
    if count is not None:  # [e_1] for a vector of K = 2 entries: never equal
        return _Verdict(Status.REFUTED, f"{why}; {sentence(count)}", evidence="shapes: the "
                        "number of entries written against the size the text fixes",
                        diagnosis=sentence(count), finding=count)
    if fix is None and _layout_only(lhs, step, None):
        # a gradient written as a row (numerator layout) that does not hold as a column either
        try:
            with deadline(state.claim_budget):
                holds = vectorcheck.untransposed_holds(state.engine, model, formula, lhs,
                                                       target, step)
        except BudgetExceeded:
            state.engine, holds = Engine(), None
        if holds is False:
            return _Verdict(Status.REFUTED, f"{why}; it does not hold in numerator layout "
                            "either, where the derivative of a scalar by a column vector is a "
                            "row: without its transpose it differs from the derivation",
                            evidence="numeric: the claim without its transpose evaluated "
                            "against the derivation; it differs")
    if fix is None:
        # the shapes are the tool's reading (some inferred from use): without an edit that
        # makes the claim hold, a mismatch may be the reading's, not the text's
        return _Verdict(Status.UNCHECKED, f"{why}, as the tool reads the shapes; no single edit "
                        "(a transpose, the order of a product, \\odot, a layer, an entry for its "
                        "vector) makes it hold",
                        evidence="to give the shapes the text means: quantities.NAME.shape in a "
                        "front matter (vectors = \"row\" for a text that writes x W + b)")
    if _layout_only(lhs, step, fix):
        return _Verdict(
            Status.CONDITIONAL, f"holds only in numerator layout: {why}; its transpose, the "
            "gradient as a column, is the derivation's, so it holds where the derivative of a "
            "scalar by a column vector is a row", evidence="shapes: the tool writes the "
            "derivative of a scalar by a vector shaped like the vector (denominator layout); "
            "the claim's transpose verified numerically", assumptions=(NUMERATOR_LAYOUT,),
            finding=fix)
    return _Verdict(Status.REFUTED, f"{why}; {sentence(fix)}, and with that edit it holds",
                    evidence="shapes: the sizes of every quantity, from the definitions and "
                    "their use; a product needs the columns of its left factor to be the rows "
                    "of its right; the edited claim verified numerically",
                    diagnosis=sentence(fix), finding=fix)


NUMERATOR_LAYOUT = ("numerator layout: the derivative of a scalar by a column vector is a row "
                    "vector")


def _layout_only(lhs: Side, step: Side, fix: Finding | None) -> bool:
    """Whether a side differs from the derived one only by the layout of a derivative of a
    scalar by a vector: `\\frac{\\partial C}{\\partial a} = (a - y)^T`, the whole side transposed
    (or a row product, `(a - y)^T \\mathrm{diag}(...) W`, whose transpose is the derived side),
    a row where the tool writes the gradient as a column. It holds in numerator layout, which
    a text may use (a conditional, never a refutation). With `fix` None: whether the side is
    such a gradient written whole transposed."""
    e = lhs.expr
    t = step.tensor
    whole = isinstance(t, Transpose) and (fix is None or fix.kind is FindingKind.NEEDLESS_TRANSPOSE
                                          and fix.quantities == (t.x.tex,))
    row = (fix is not None and fix.kind is FindingKind.MISSING_TRANSPOSE and t is not None
           and fix.quantities == (t.tex,))  # (a - y)^T diag(...) W: a row product, whole
    return ((whole or row) and isinstance(e, Partial)
            and isinstance(e.num, Quantity) and not e.num.indices  # a scalar, by a vector's
            and isinstance(e.den, Quantity) and len(e.den.indices) == 1)  # entry (as lowered)


def _matrix_diagnosis(state: _State, formula: Formula, lhs: Side, target: sympy.Basic,
                      step: Side, model: Model, found: _Verdict) -> _Verdict:
    """A refuted claim in vector form whose component search found nothing: one edit in
    matrix terms (a transpose, a product's order, \\odot, a layer); for a vector written by its
    entries, two of them in each other's place before any diagnosis by components."""
    fix = _repair(state, formula, lhs, target, step, model)
    if fix is None or found.diagnosis and fix.kind is not FindingKind.ENTRIES_SWAPPED:
        return found
    said = found.message  # the components' diagnosis it takes the place of, left out
    if found.finding is not None:
        said = said.replace(f": {detail(found.finding)}", "", 1)
    return dataclasses.replace(found, diagnosis=sentence(fix), finding=fix,
                               message=f"{said}: {sentence(fix)}")


def _repair(state: _State, formula: Formula, lhs: Side, target: sympy.Basic, step: Side,
            model: Model) -> Finding | None:
    """`vectorcheck.repair` within the claim budget (None past it, with the caches reset)."""
    try:
        with deadline(state.claim_budget):
            return vectorcheck.repair(state.engine, model, formula, lhs, target, step)
    except BudgetExceeded:
        state.engine = Engine()
        return None


def _holds_for(model: Model, eq: Equation) -> dict[Index, frozenset[int]]:
    """The values the claim is stated for (`\\quad (l = 2, 3)`), of the indices it has: a
    layer as the model numbers it (from 1)."""
    free = {str(s) for side in (eq.lhs,) + eq.steps for s in free_indices(side.expr)}
    n = model.notation
    shift = 1 - n.first_layer
    return {Index(name): frozenset(v + (shift if name == n.layer_var else 0) for v in values)
            for name, values in eq.holds_for + eq.sizes if name in free}


def _holds_if(eq: Equation) -> tuple[tuple[Index, str, Index], ...]:
    """The index conditions the claim is stated under (`\\qquad (i \\neq j)`), between
    indices free in it."""
    free = {str(s) for side in (eq.lhs,) + eq.steps for s in free_indices(side.expr)}
    return tuple((Index(a), op, Index(b)) for a, op, b in eq.holds_if if a in free and b in free)


def _budgeted_verdict(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                      compare: Model | None, previous: sympy.Basic,
                      holds_for: tuple = (), holds_if: tuple = ()) -> tuple[_Verdict, list[str]]:
    """The step's verdict and lint: from the verdict cache when nothing it rests on changed
    (derive.cache.Verdicts), else `_reckon_verdict`, stored when it did not depend on the
    clock."""
    keys = _keys(state)
    key = None
    if keys is not None:
        stated = tuple(sympy.Tuple(Index(k), *v) for k, v in holds_for) + tuple(
            sympy.Tuple(a, sympy.Symbol(op), b) for a, op, b in holds_if)
        key = keys.narrow(model, compare, (lhs, rhs, previous, *stated))
        found = keys.store.get(key, lambda: keys.wide(model, compare))
        if found is not None:
            try:
                return _decode_verdict(found)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                keys.store.reject(key, f"it is malformed ({exc})")
    state.wide = False
    verdict, lint, stable = _reckon_verdict(state, model, lhs, rhs, compare, previous)
    if key is not None and keys is not None and stable:
        keys.store.put(key, _encode_verdict(verdict, lint),
                       keys.wide(model, compare) if state.wide else None)
    return verdict, lint


def _reckon_verdict(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                    compare: Model | None, previous: sympy.Basic
                    ) -> tuple[_Verdict, list[str], bool]:
    """The step's verdict and lint within the claim budget, and whether they were reached
    without the clock (False: the budget ran out). Past the budget: `unchecked`, or, when a
    counterexample was already found, `refuted` without the rest of the explanation."""
    state.refuted = None
    try:
        with deadline(state.claim_budget):
            result = _verdict(state, model, lhs, rhs, compare)
            lint = _lint_expansions(state, model, rhs, previous)
        return result, lint, True
    except BudgetExceeded as exc:
        # the budget may have struck half-way through filling a cache: start the caches afresh
        state.engine = Engine()
        found = state.refuted
        if found is not None:
            return dataclasses.replace(
                found, message=f"{found.message}; the search for an explanation stopped: {exc}",
                comparisons=()), [], False
        return _Verdict(Status.UNCHECKED, str(exc),
                        evidence=f"numeric: stopped after {exc.seconds:g} s of wall-clock time "
                        "(DERIVE_CLAIM_BUDGET sets the budget)"), [], False
    finally:
        state.refuted = None








def _derivation_text(model: Model, lhs: sympy.Basic, rhs: sympy.Basic, note: str) -> str:
    engine = backend_name()
    parts: list[str] = []
    if note:
        parts.append(note)
    for p in atoms(lhs, (Partial,)) + atoms(rhs, (Partial,)):
        kind = "total derivative" if p.total else "partial derivative"
        held = (f", holding {', '.join(sorted(model.coordinates))} fixed"
                if model.coordinates and not p.total else "")
        parts.append(f"${to_latex(p)}$: {kind}: ${to_latex(p.num)}$ expanded through the "
                     f"definitions and differentiated ({engine}) with ${to_latex(p.den)}$ as the "
                     f"variable{held}")
    for q in atoms(lhs, (Prime,)) + atoms(rhs, (Prime,)):
        parts.append(f"${q.fname}^{{\\prime}}$: sympy.diff of the definition of ${q.fname}$")
    used = _definitions_used(model, [lhs, rhs])
    if used:
        parts.append("definitions used: " + ", ".join(
            f"${name}$ (line {line})" for name, line in used))
    if model.local:
        parts.append("generic functions: random smooth functions of their arguments")
    return "; ".join(dict.fromkeys(parts)) or "evaluated through the model's definitions"


def _definitions_used(model: Model, exprs: list[sympy.Basic]) -> list[tuple[str, int]]:
    """The definitions in force that the expressions reach, following definitions through."""
    newest: dict[str, Def] = {}
    for d in model.defs:  # later definitions replace earlier ones
        name = d.lhs.name if isinstance(d.lhs, Quantity) else (
            d.lhs.fname if isinstance(d.lhs, Call) else str(d.lhs))
        newest[name] = d
    seen: dict[str, int] = {}
    todo = list(exprs)
    while todo:
        for a in sympy.preorder_traversal(todo.pop()):
            used: str | None = None
            if isinstance(a, (Quantity, Vec, Scalar)):
                used = a.name
            elif isinstance(a, (Call, Prime, FuncRef)):
                used = a.fname
            if used in newest and used not in seen:
                seen[used] = newest[used].line
                todo.append(newest[used].rhs)
    return list(seen.items())
