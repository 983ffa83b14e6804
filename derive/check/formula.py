"""One formula checked: its definitions reported, then each claim checked in the model the
builder made for it (`derive.check.build`); and which inferred definitions merely restate one."""

from __future__ import annotations

import dataclasses

import sympy
from sympy.core.symbol import Str

from derive.check.build import Restate, _Built
from derive.check.claims import _check_equation, _holds
from derive.check.compare import _compare_model
from derive.check.example import has_example, unit_row, unread_input
from derive.check.keys import _keys
from derive.check.rows import _defines
from derive.check.state import _error_result, _State
from derive.document import Formula
from derive.errors import InputError
from derive.expr import Quantity, to_latex
from derive.infer import Inferred
from derive.latex import Equation, RowError
from derive.latex.opening import NothingClaimed
from derive.model import Model
from derive.results import Result, Status
from derive.tensor.nodes import Leaf
from derive.tensor.shapes import walk


def _check_formula(state: _State, built: _Built) -> None:
    formula = built.formula
    if formula.notation is not None:  # a d-name's definition (derive.infer.dnames)
        state.results.append(_notation(formula))
        return
    if built.error is not None:
        state.results.append(_error_result(formula, built.error, formula.text, formula.line))
        return
    for head in built.heads:
        _report_definition(state, formula, head)
    compare = _compare_model(state, formula, built.model)
    for eq in built.rows:
        _check_row(state, built, eq, compare)


def _check_row(state: _State, built: _Built, eq: Equation | RowError,
               compare: Model | None) -> None:
    """One row: an error, a definition reported, or a claim checked."""
    formula = built.formula
    means = state.reading.inferred.batch_mean if state.reading.inferred is not None else {}
    lists = state.reading.inferred.components if state.reading.inferred is not None else {}
    unread = state.reading.inferred.not_checked if state.reading.inferred is not None else {}
    listed = (state.reading.inferred.listed_columns.get((formula.number, eq.number))
              if state.reading.inferred is not None else None)
    if listed is not None:
        _listed_columns(state, formula, eq, *listed)
    elif isinstance(eq, RowError) and isinstance(eq.error, NothingClaimed):
        state.results.append(_nothing_claimed(formula, eq))
    elif isinstance(eq, RowError):
        state.results.append(_error_result(formula, eq.error, eq.latex, eq.line))
    elif (formula.number, eq.number) in unread:
        state.results.append(_not_checked(formula, eq, 0, unread[(formula.number, eq.number)]))
    elif eq.number in formula.example_units and isinstance(eq, Equation):
        _example_unit(state, built, eq, compare)
    elif (formula.number, eq.number) in means and isinstance(eq, Equation):
        _report_definition(state, formula, eq, what=(
            "the cost of a batch, the mean of the samples' losses: the convention of the "
            "tool's gradient-descent updates"))
    elif (formula.number, eq.number) in lists and isinstance(eq, Equation):
        _report_definition(state, formula, eq, what=(
            f"read as notation: ${lists[(formula.number, eq.number)]}$ is the vector of the "
            "entries listed, not a definition of it"))
    elif eq.number in built.def_numbers:
        _report_definition(state, formula, eq)
    elif isinstance(eq, Equation) and has_example(state.reading.doc) and (
            why := unread_input(built.model_of(eq.number), eq)):
        state.results.append(_not_checked(formula, eq, 0, why))
    elif state.reading.inferred is not None and _reads_unread(state.reading.inferred, eq):
        names = sorted(state.reading.inferred.unread)
        state.results.append(Result(
            file=formula.file, line=eq.line, col=eq.col, latex=eq.lhs.latex,
            kind="equation", status=Status.UNCHECKED, section=formula.section,
            formula=formula.number, parsed="", derivation="",
            message=f"not checked: it uses {', '.join(f'${n}$' for n in names)}, which the "
                    "text uses in a way the tool does not read (see the error above)"))
    else:
        try:
            _check_equation(state, formula, eq, _sized(state, built.model_of(eq.number), formula),
                            compare)
        except InputError as err:  # placed at the claim if it has no place of its own
            err.at(formula.span(eq.lhs.start, max(1, len(eq.lhs.latex))))
            state.results.append(_error_result(formula, err, eq.lhs.latex, eq.line))


def _sized(state: _State, model: Model, formula: Formula) -> Model:
    """The model with the widths the formula's section fixes in prose (`K = 2`:
    derive.infer.fixed_sizes), where the notation names them; one per model and sizes."""
    n = model.notation
    fixed = tuple((n.aliases[name], value) for name, value in formula.fixed_sizes
                  if name in n.aliases and not n.aliases[name][2])
    if not fixed:
        return model
    held = state.sized.get((id(model), fixed))
    if held is None or held[0] is not model:
        held = state.sized[(id(model), fixed)] = (model, dataclasses.replace(
            model, fixed_sizes=fixed))
    return held[1]


def _listed_columns(state: _State, formula: Formula, eq: Equation | RowError, name: str,
                    why: str | None) -> None:
    """A class matrix written as the row of its columns (derive.infer.columns): notation when
    the columns run over the classes, said as not read otherwise; the row is never parsed as a
    claim (its bars only draw the columns)."""
    latex = eq.latex if isinstance(eq, RowError) else formula.text[eq.lhs.start:]
    at = max(0, formula.text.find(latex.strip()[:20]))
    span = formula.span(at, max(1, len(latex.strip())))
    if why is not None:
        state.results.append(_error_result(formula, InputError(why, span), latex.strip(),
                                           span.line))
        return
    state.results.append(Result(
        file=formula.file, line=span.line, col=span.col, latex=latex.strip(), kind="definition",
        status=Status.DEFINITION, section=formula.section, formula=formula.number,
        message=(f"read as notation: the columns of the matrix ${name}$ are the class vectors "
                 f"${name}^{{(k)}}$, as the tool reads them; not a definition of ${name}$"),
        parsed="", derivation="definition: nothing to derive"))


def _notation(formula: Formula) -> Result:
    """A row that defines notation the text then uses (derive.infer.dnames): a definition,
    read wherever the name is written, not one of the network's."""
    latex = formula.text.strip()
    span = formula.span(formula.text.find(latex[:1]), max(1, len(latex)))
    return Result(
        file=formula.file, line=span.line, col=span.col, latex=latex, kind="definition",
        status=Status.DEFINITION, section=formula.section, formula=formula.number,
        message=formula.notation or "", parsed="", derivation="definition: nothing to derive")


def _reads_unread(inferred: Inferred, eq: Equation) -> bool:
    """Whether a row uses a quantity the text uses in a way not read: in its expressions, or
    whole in vector form (`\\Delta^l {A^{l-1}}^T`, whose side keeps it as a tensor leaf)."""
    exprs = [side.expr for side in (eq.lhs, *eq.steps)]
    for side in (eq.lhs, *eq.steps):
        nodes = walk(side.tensor) if side.tensor is not None else ()
        exprs += [t.expr for t in nodes if isinstance(getattr(t, "expr", None), sympy.Basic)]
        names = {t.name for t in walk(side.tensor) if isinstance(t, Leaf)} if nodes else set()
        if names & inferred.unread:
            return True
    return any(q.name in inferred.unread for e in exprs for q in e.atoms(Quantity))


def _nothing_claimed(formula: Formula, row: RowError) -> Result:
    """A display of one expression and no relation: unchecked, there being no claim."""
    span = row.error.span
    return Result(
        file=formula.file, line=span.line if span else row.line, col=span.col if span else 1,
        latex=row.latex, kind="equation", status=Status.UNCHECKED, section=formula.section,
        formula=formula.number, parsed="", derivation="", message=row.error.message)


def _not_checked(formula: Formula, eq: Equation, step: int, why: str) -> Result:
    """A row (from its step `step` on) not checked, with the reason, at its claim."""
    return Result(
        file=formula.file, line=eq.step_lines[step] if eq.step_lines else eq.line,
        col=formula.span(eq.steps[step].start).col if eq.steps else eq.col,
        latex=eq.lhs.latex, kind="equation", status=Status.UNCHECKED,
        section=formula.section, formula=formula.number, parsed="", derivation="",
        message=f"not checked: {why}")


def _example_unit(state: _State, built: _Built, eq: Equation, compare: Model | None) -> None:
    """`h_{W,b}(x) = a^{(3)}_1 = f(...)`: the worked example's one output unit (derive.infer.
    example), its first pair reported as the example's definition; the rest checked in the
    network of the example's widths (derive.check.example), not checked without it."""
    formula = built.formula
    _report_definition(state, formula, dataclasses.replace(eq, steps=eq.steps[:1]), what=(
        "read as the worked example's output, its one output unit: the network's output is "
        "read from the row that writes it whole, at the last layer"))
    model = built.model_of(eq.number)
    unit = unit_row(formula, eq, model.notation) if model.widths is not None else None
    why = unread_input(model, unit) if unit is not None else None
    if unit is not None and why is not None:
        state.results.append(_not_checked(formula, eq, 1, why))
    elif unit is not None:
        _check_equation(state, formula, unit, model, compare)
    elif len(eq.steps) > 1:
        state.results.append(_not_checked(formula, eq, 1, (
            "a value of the worked example's network of fixed layers, whose output the model "
            "reads at the last layer of any depth")))


def _report_definition(state: _State, formula: Formula, eq: Equation,
                       what: str | None = None) -> None:
    kind = "assumption" if eq.kind == "assumption" else "definition"
    what = what or ("an assumption of the model" if kind == "assumption" else (
        "taken as a definition of the model"))
    latex = eq.lhs.latex + (" \\in " if kind == "assumption" else " = ") + " = ".join(
        s.latex for s in eq.steps)
    parsed = to_latex(eq.lhs.expr) + (" \\in " if kind == "assumption" else " = ") + " = ".join(
        to_latex(s.expr) for s in eq.steps)
    state.results.append(Result(
        file=formula.file, line=eq.line, col=eq.col, latex=latex, kind=kind,
        status=Status.DEFINITION, message=what, section=formula.section, formula=formula.number,
        parsed=parsed, derivation="definition: nothing to derive",
        lint=tuple(f for s in eq.steps for f in s.flags),  # a left side's are its first step's
    ))


def _restater(state: _State, only: frozenset[int] | None) -> Restate:
    """What the builder asks of the checker: which inferred rows restate a definition, decided
    (by evaluation) only for the formulas checked (`only`; None: all)."""
    def restate(formula: Formula, rows: list, def_numbers: set[int], model: Model) -> set[int]:
        if only is not None and formula.number not in only:
            return def_numbers
        return _restatements(state, rows, def_numbers, model)

    return restate


def _restatements(state: _State, rows: list, def_numbers: set[int], model: Model) -> set[int]:
    """Inferred redefinitions of a quantity the model already defines (`C = \\frac{1}{2}
    \\|a^L - y\\|^2` after its component form) that equal the current definition are
    restatements: checked as claims, not a new model. One that differs stays a definition (the
    loss of another section)."""
    out = set(def_numbers)
    for eq in rows:
        if not (isinstance(eq, Equation) and eq.number in def_numbers and eq.kind == "equation"
                and len(eq.steps) == 1 and isinstance(eq.lhs.expr, Quantity)
                and not eq.lhs.expr.indices and eq.lhs.expr.layer is None
                and any(_defines(d.lhs) == eq.lhs.expr.name for d in model.defs)):
            continue
        if _restates(state, model, eq.lhs.expr, eq.steps[0].expr):
            out.discard(eq.number)
    return out


def _restates(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> bool | None:
    """Whether `lhs = rhs` holds under the model (None: the budget ran out), from the verdict
    cache when nothing it rests on changed: a warm check then evaluates nothing here."""
    keys = _keys(state)
    key = None if keys is None else keys.narrow(model, None, (lhs, rhs, Str("restatement")))
    if key is not None and keys is not None:
        found = keys.store.get(key)
        if isinstance(found, bool):
            return found
    same = _holds(state, model, lhs, rhs)
    if same is None:
        return None
    if key is not None and keys is not None:
        keys.store.put(key, same, None)
    return same
