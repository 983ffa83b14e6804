"""Check every formula of a document against the model its own definitions build.

For each display formula, in document order:

* rows the document marks as definitions extend the model (and are reported as definitions);
* every other row is a claim; a derivation chain `A = B = C` is checked step by step, each step
  against the derived value of its left side;
* a claim is evaluated at every valid value of its free indices, in several network instances,
  at several random points, with 30-digit arithmetic. A difference is a refutation with its
  witness; the tool then searches for a single edit that would make the claim hold (a constant
  factor, an extra or missing factor, swapped indices, a wrong index or layer, a sum bound, a
  term's sign) and for a named assumption under which it holds (conditional).

Evaluation lives in `derive.evaluate`, the search for an explanation in `derive.diagnose`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import sympy
from sympy.core.symbol import Str

from derive import vectorcheck
from derive.budget import (
    CLAIM_SECONDS,
    SIMPLIFY_SECONDS,
    BudgetExceeded,
    deadline,
    seconds_from_env,
)
from derive.cache import canonical, code_version, count_ops, simplifies_to_zero, verdicts
from derive.diagnose import Condition, Diagnoser, atoms, conditions, ratio
from derive.document import Document, Formula, read_document
from derive.errors import InputError, Span
from derive.evaluate import MAX_TERMS, SEEDS, Engine, Outcome, Trial, free_indices, terms
from derive.expr import (
    BatchSum,
    Call,
    FuncRef,
    Partial,
    Prime,
    Quantity,
    Vec,
    Width,
    tag_styles,
    to_latex,
)
from derive.infer import Inferred, infer, merge
from derive.infer.prose import with_prose_definitions
from derive.latex import Equation, Index, RowError, Scalar, Scope, Side, Size, parse_formula
from derive.model import (
    INSTANCES,
    Assumption,
    Def,
    Evaluator,
    Instance,
    Model,
    OutOfRange,
    Structure,
    key_latex,
    label_name,
)
from derive.notation import Notation, notation_from_front
from derive.numbers import (
    CTX,
    PRECISION,
    Unsupported,
    backend_name,
    close,
    engine_named,
)
from derive.results import (
    Comparison,
    Counterexample,
    Definition,
    FileReport,
    Finding,
    FindingKind,
    Result,
    Status,
)
from derive.sentences import detail, sentence
from derive.sources.annotations import definitions_out_of_range

# --------------------------------------------------------------------------------------------
# The document walk


@dataclass
class _State:
    doc: Document
    engine: Engine
    model: Model
    results: list[Result] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    compare: dict[tuple[str, ...], Model] = field(default_factory=dict)
    compare_errors: set[tuple[str, ...]] = field(default_factory=set)  # sections reported
    claims: bool = True  # False: only collect the model's definitions
    symbolic: bool = False  # also try to confirm verified claims with sympy.simplify
    claim_budget: float | None = None  # seconds for each step's verdict (None: no budget)
    simplify_budget: float | None = None  # seconds for each sympy.simplify
    refuted: _Verdict | None = None  # the step's refutation, once found (a budget may end it)
    inferred: Inferred | None = None  # the notation read from the formulas, when not written
    wide: bool = False  # the verdict being reached searched the whole model (a diagnosis)
    keys: _VerdictKeys | None = None  # the verdict cache's keys (None: no cache)


def check_file(path: str | Path, display_name: str | None = None, *,
               symbolic: bool = False, claim_budget: float | None = None,
               simplify_budget: float | None = None) -> FileReport:
    """Check one formulas file. Raises `InputError` only when the file itself cannot be read;
    a bad formula becomes an ERROR result and the others are still checked.

    With `symbolic`, each verified claim is also put to `sympy.simplify` (slower).

    Budgets (seconds of wall-clock time; 0 turns one off): `claim_budget` for each step's
    verdict with its diagnosis search (default DERIVE_CLAIM_BUDGET, else 20), `simplify_budget`
    for each symbolic confirmation (default DERIVE_SIMPLIFY_BUDGET, else 10). A step past its
    budget is `unchecked` ("time budget exceeded"), and the other formulas go on."""
    doc = read_document(path, display_name)
    return check_document(doc, symbolic=symbolic, claim_budget=claim_budget,
                          simplify_budget=simplify_budget)


def check_document(doc: Document, *, symbolic: bool = False, claim_budget: float | None = None,
                   simplify_budget: float | None = None,
                   only: frozenset[int] | None = None) -> FileReport:
    """Check every formula of `doc`. With `only` (formula numbers), the other formulas still
    build the model but are not checked and report nothing: the results of the formulas named
    are the ones a check of the whole document gives them."""
    doc, inferred = prepare(doc)
    notation = _notation(doc)
    with _printing(notation):
        return _check_document(doc, notation, symbolic, claim_budget, simplify_budget, only,
                               inferred)


def prepare(doc: Document) -> tuple[Document, Inferred | None]:
    """The document as every check reads it, and what was inferred of its notation (None when
    nothing was). Without a written notation, the inferred front matter is laid under the
    written keys and the "read as" facts open the notes; with one but no row marked as a
    definition, only which rows define is read from the formulas."""
    if "quantities" not in doc.front:  # no notation written: read it from the formulas
        inferred = infer(doc)
        doc, prose = with_prose_definitions(doc, inferred.front.get("quantities", {}),
                                            inferred.defined, inferred.layer_var)
        if prose:  # a quantity defined only in a sentence: read again, with that definition
            inferred = infer(doc)
            inferred.facts.extend(prose)
        _consistent(doc, inferred)
        return dataclasses.replace(
            doc, front=merge(doc.front, inferred.front),
            notes=(*(f"read as: {f}" for f in inferred.facts), *doc.notes)), inferred
    if not any("definitions" in f.annotation for f in doc.formulas):
        # a notation written (perhaps pasted from `derive notation`), but no row marked as a
        # definition: which rows define is read from the formulas, as without a front matter
        return doc, infer(doc)
    return doc, None


def _consistent(doc: Document, inferred: Inferred) -> None:
    """An inferred notation that does not hold together is said as such, at the first formula
    (there is no front matter to point at), with how to fix it."""
    try:
        notation_from_front(merge(doc.front, inferred.front), doc.file)
    except InputError as exc:
        first = doc.formulas[0].span(0) if doc.formulas else None
        raise InputError(f"the notation read from the formulas does not hold together: "
                         f"{exc.message.removeprefix('front matter: ')}", first,
                         hint="`derive notation FILE` prints what was read; a front matter "
                         "with the right ranges fixes it") from None


def _printing(notation: Notation) -> AbstractContextManager[None]:
    """What the tool prints follows the document's notation: its layer tags and its sizes."""
    sizes = {Width(notation.width, c + a * Size(notation.layers)): name
             for name, (c, a, _b) in notation.aliases.items()}
    styles = {q.name: q.tag for q in notation.quantities.values()}
    if notation.first_layer == 0:
        styles[""] = "from 0"  # print layer numbers as the text numbers them
    return tag_styles(styles, sizes)


def _start(state: _State) -> _State:
    """The state before the first formula: the definitions the text takes for granted."""
    assumed = state.inferred.assumed if state.inferred is not None else ()
    if assumed and state.doc.formulas:
        state.model = _assumed(state.model, state.doc, assumed)
    return state


def _check_document(doc: Document, notation: Notation, symbolic: bool,
                    claim_budget: float | None, simplify_budget: float | None,
                    only: frozenset[int] | None, inferred: Inferred | None) -> FileReport:
    state = _State(doc, Engine(), Model(notation), symbolic=symbolic,
                   claim_budget=_budget(claim_budget, "DERIVE_CLAIM_BUDGET", CLAIM_SECONDS),
                   simplify_budget=_budget(simplify_budget, "DERIVE_SIMPLIFY_BUDGET",
                                           SIMPLIFY_SECONDS),
                   inferred=inferred)
    _start(state)
    for formula in doc.formulas:
        state.claims = only is None or formula.number in only
        _check_formula(state, formula)
    if only is not None:
        state.results = [r for r in state.results if r.formula in only]
    notes = list(doc.notes) + _model_notes(state) + _partings(state.results)
    return FileReport(
        file=doc.file,
        title=doc.title,
        results=tuple(_in_cell(doc, r) for r in state.results),
        definitions=tuple(state.definitions),
        instances=tuple(_label(i, notation) for i in INSTANCES),
        notes=tuple(notes),
        headings=doc.headings,
    )


def _in_cell(doc: Document, r: Result) -> Result:
    """A notebook's result also names its cell and the line in it."""
    at = doc.cell_at(r.line) if doc.cells.rows else None
    return dataclasses.replace(r, cell=at[0], cell_line=at[1]) if at else r


def _budget(given: float | None, env: str, default: float) -> float | None:
    seconds = seconds_from_env(env, default) if given is None else given
    return seconds if seconds > 0 else None


def _notation(doc: Document) -> Notation:
    """The document's notation; an error in the front matter is placed at its key's line."""
    span_of = getattr(doc, "front_span", None)  # the sources reader places front-matter keys
    if span_of is None:  # TODO: drop once every Document has front_span
        first = doc.lines[0] if doc.lines else ""

        def span_of(key: tuple[str, ...]) -> Span:
            return Span(doc.file, 1, 1, first)

    return notation_from_front(doc.front, doc.file, span_of)


def _error_result(formula: Formula, err: InputError, latex: str, line: int) -> Result:
    span = err.span
    if len(latex) > 200:  # a formula too long to check is also too long to repeat
        latex = latex[:200] + "…"
    return Result(
        file=formula.file, line=span.line if span else line, col=span.col if span else 1,
        latex=latex, kind="error", status=Status.ERROR, message=err.message,
        section=formula.section, formula=formula.number, diagnosis=err.render(),
    )


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
    if isinstance(e, sympy.Sum):
        for lim in e.limits:
            name = str(lim[0])
            if name in bound:
                return name
            bound = bound | {name}
        return _reused_index(e.function, bound)
    if isinstance(e, BatchSum):
        if "\\sum_x" in bound:
            return e.args[1].name
        return _reused_index(e.body, bound | {"\\sum_x"})
    for a in e.args:
        found = _reused_index(a, bound)
        if found is not None:
            return found
    return None


def _local_model(state: _State, formula: Formula) -> tuple[Model, Scope]:
    ann = formula.annotation
    functions = ann.get("functions", {})
    if not isinstance(functions, dict):
        raise InputError("`functions` must be a table of name = number of arguments",
                         formula.span(0))
    givens = ann.get("given", [])
    names: set[str] = set()
    for g in givens:
        names |= set(re.findall(r"\\?[A-Za-z]+(?:_\{?\w+\}?)?", g))
    names = {re.sub(r"[{}]", "", n) for n in names} - set(functions)
    scope = Scope(state.model.notation, formula, scalars=names, functions=dict(functions),
                  local=True)
    defs: list[Def] = []
    for text in givens:
        pseudo, exact = _string_formula(formula, text, "given")
        key = formula.annotation_span("given")
        sub_scope = Scope(scope.notation, pseudo, scope.scalars, scope.functions, True)
        for eq in parse_formula(pseudo, sub_scope):
            if isinstance(eq, RowError):
                raise InputError(f"in the `given` of this formula: {eq.error.message}",
                                 eq.error.span if exact and eq.error.span else key,
                                 eq.error.hint)
            if eq.kind != "equation" or not _definable(eq.lhs.expr):
                raise InputError(f"in the `given` of this formula: {text!r} must define one "
                                 "variable or function, as in \"y = f(x)\"",
                                 pseudo.span(0) if exact else key)
            defs.append(Def(eq.lhs.expr, eq.steps[0].expr, formula.line - 1, text))
    model = Model(state.model.notation, tuple(defs), local=True,
                  coordinates=frozenset(ann.get("coordinates", [])),
                  functions=tuple(sorted(functions.items())), name="the local model")
    return model, scope


def _inferred_definitions(state: _State, formula: Formula, rows: list, model: Model
                          ) -> tuple[set[int], Model]:
    """Which rows of a formula define, by the inferred notation (`rows` is updated in place:
    a row the inference refuses becomes an error; `J = <definition> = <steps>` defines with
    its first pair and keeps the rest as claims)."""
    assert state.inferred is not None
    for k, eq in enumerate(rows):
        why = state.inferred.ambiguous.get((formula.number, eq.number))
        if why is not None and isinstance(eq, Equation):
            rows[k] = RowError(eq.number, InputError(
                why, formula.span(eq.lhs.start, max(1, len(eq.lhs.latex)))), eq.line,
                eq.lhs.latex)
    def_numbers = set(state.inferred.definitions.get(formula.number, ()))
    for eq in rows:  # the first row that defines a name and reads: its definition
        if (isinstance(eq, Equation) and eq.kind == "equation" and len(eq.steps) == 1
                and eq.number not in def_numbers and _undefined(model, eq.lhs.expr)
                and _generic(eq.lhs.expr, state.inferred)
                and (formula.number, eq.number) not in state.inferred.claims
                and (formula.number, eq.number) not in state.inferred.batch_mean):
            def_numbers.add(eq.number)
    heads = state.inferred.head_definitions.get(formula.number, set())
    for k, eq in enumerate(rows):  # `J = <definition> = <derivation ...>`
        if isinstance(eq, Equation) and eq.number in heads and len(eq.steps) > 1:
            head = dataclasses.replace(eq, steps=eq.steps[:1], step_lines=eq.step_lines[:1])
            try:
                model = _add_definition(state, formula, head, model)
                rows[k] = dataclasses.replace(eq, steps=eq.steps[1:],
                                              step_lines=eq.step_lines[1:])
                _report_definition(state, formula, head)
            except InputError as err:
                rows[k] = RowError(eq.number, err, eq.line, eq.lhs.latex)
    return def_numbers, model


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
        try:
            with deadline(state.claim_budget):
                o = state.engine.evaluate(model, eq.lhs.expr, eq.steps[0].expr)
        except BudgetExceeded:
            state.engine = Engine()
            continue
        if o.ok and o.trials and not o.unsupported and not o.overrun:
            out.discard(eq.number)
    return out


def collect_model(path: str | Path) -> Model:
    """The document's model after all its definitions, without checking any claim."""
    doc, inferred = prepare(read_document(path))
    notation = _notation(doc)
    state = _start(_State(doc, Engine(), Model(notation), claims=False, inferred=inferred))
    with _printing(notation):
        for formula in doc.formulas:
            _check_formula(state, formula)
    return state.model


def _add_definition(state: _State, formula: Formula, eq: Equation, model: Model) -> Model:
    """The model with the row's definitions (or assumption). A left side that names nothing
    the model can define is an error: the row would otherwise be dropped without a word."""
    if eq.kind == "assumption":
        lhs = eq.lhs.expr
        if not (isinstance(lhs, Quantity) and all(isinstance(i, Index) for i in lhs.indices)):
            raise InputError("the left side of an assumption must be one quantity with its "
                             "indices, as in y_j \\in \\{0, 1\\}",
                             formula.span(eq.lhs.start, len(eq.lhs.latex)))
        return model.with_assumption(Assumption(lhs.name, eq.steps[0].expr, eq.line, eq.lhs.latex
                                                + " \\in " + eq.steps[0].latex))
    if _labels_sum_to_one(model, eq):  # a premise the text states: \sum_c y_c = 1
        state.definitions.append(Definition(formula.file, eq.line,
                                            f"{eq.lhs.latex} = {eq.steps[0].latex}",
                                            label_name(model) or ""))
        return dataclasses.replace(model, label_rule="sum1")
    try:
        _validate_indices(formula, eq)  # J = sum (a^{(l)}_i - y_i)^2: which layer l?
    except InputError as err:
        err.hint = (err.hint or "") + (" (in a definition, every index of the right side must "
                                       "be on the left side or summed over)")
        raise
    sides = (eq.lhs,) + eq.steps
    for side in sides:
        why = vectorcheck.mismatched(side)
        if why:
            raise InputError(f"a definition whose shapes do not fit: {why}",
                             formula.span(side.start, max(1, len(side.latex))),
                             hint="give the shapes the text means in a front matter "
                             "(quantities.NAME.shape; vectors = \"row\" for x W + b)")
    pairs = list(zip(sides, sides[1:]))
    for left, _right in pairs:
        if not _definable(left.expr):
            raise InputError("a definition must define a quantity, a scalar or a function "
                             "(as in z^{(l)}_i = ..., g(t) = ...); this left side is an "
                             "expression", formula.span(left.start, len(left.latex)),
                             hint="remove the formula from `definitions` to check it as a claim")
    for left, right in pairs:
        model = model.with_defs(Def(left.expr, right.expr, eq.line,
                                    f"{left.latex} = {right.latex}"))
        state.definitions.append(Definition(formula.file, eq.line,
                                            f"{left.latex} = {right.latex}",
                                            _defines(left.expr)))
    return model


def _reads_unread(inferred: Inferred, eq: Equation) -> bool:
    names = {q.name for side in (eq.lhs, *eq.steps) for q in side.expr.atoms(Quantity)}
    return bool(names & inferred.unread)


def _generic(lhs: sympy.Basic, inferred: Inferred) -> bool:
    """A left side that can stand for its quantity's definition: not one entry of it
    (`a^{(2)}_1 = f(W_{11} x_1 + ...)`, an example worked out for one unit) when the text
    writes its layers with a variable."""
    if not isinstance(lhs, Quantity):
        return True
    if any(not isinstance(i, Index) for i in lhs.indices):
        return False
    return not (inferred.layer_var is not None and lhs.layer is not None
                and lhs.layer.is_Integer)


def _undefined(model: Model, lhs: sympy.Basic) -> bool:
    """A quantity the notation says is defined (not given), or a function, with no definition
    in the model yet: when its inferred definition could not be read, its next plain
    definition stands in (`J = ...` after a `J = \\frac{1}{2}\\|...\\|^2` the tool cannot read)."""
    if not _definable(lhs):
        return False
    name = _defines(lhs)
    spec = model.notation.quantities.get(name)
    if isinstance(lhs, Quantity) and (spec is None or spec.given):
        return False
    if isinstance(lhs, Call) and name not in model.notation.functions:
        return False
    if isinstance(lhs, Scalar):
        return False
    return not any(_defines(d.lhs) == name for d in model.defs)


def _assumed(model: Model, doc: Document, texts: tuple[str, ...]) -> Model:
    """The model with the definitions a text takes for granted (derive's own LaTeX, placed at
    the first formula: nothing of the document is read here)."""
    first = doc.formulas[0]
    for text in texts:
        pseudo = Formula(0, first.file, text, ((0, first.line, 1),), first.lines, ())
        for eq in parse_formula(pseudo, Scope(model.notation, pseudo)):
            if isinstance(eq, Equation):
                model = model.with_defs(Def(eq.lhs.expr, eq.steps[0].expr, first.line, text))
    return model


def _labels_sum_to_one(model: Model, eq: Equation) -> bool:
    """`\\sum_c y_c = 1` over the labels: the premise that they sum to one."""
    if len(eq.steps) != 1 or eq.steps[0].expr != 1 or not isinstance(eq.lhs.expr, sympy.Sum):
        return False
    body, (var, _lo, _hi) = eq.lhs.expr.function, eq.lhs.expr.limits[0]
    return (isinstance(body, Quantity) and body.name == label_name(model)
            and body.indices == (var,))


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
    ))


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
        if isinstance(eq, RowError):
            raise bad(eq.error.message, eq.error.span)
        if eq.kind != "equation" or len(eq.steps) != 1 or not _definable(eq.lhs.expr):
            raise bad("it must define one quantity, scalar or function, as in `X = ...`")
        alt = alt.with_defs(Def(eq.lhs.expr, eq.steps[0].expr, formula.line, text))
    return alt


def _check_equation(state: _State, formula: Formula, eq: Equation, model: Model,
                    compare: Model | None) -> None:
    lhs = eq.lhs.expr
    notation = model.notation
    if eq.kind == "equation" and _written_update(model, eq):
        eq = dataclasses.replace(eq, kind="update")  # W = W - alpha ...: an update with `=`
    if eq.kind == "update" and not any(s.expr.has(BatchSum) or _batch_level(model, s.expr)
                                       or vectorcheck.sums_samples(s) for s in eq.steps):
        # no sum over the samples: stochastic gradient descent on one sample's loss
        target = _update_target(model, lhs, stochastic=True)
        derivation_note = ("stochastic gradient descent on one sample's loss: the derived side "
                           f"is ${to_latex(lhs)} - {notation.rate or 'α'} \\frac{{\\partial "
                           f"{notation.loss}}}{{\\partial {to_latex(lhs)}}}$, differentiated "
                           "with sympy")
    elif eq.kind == "update":
        target = _update_target(model, lhs)
        derivation_note = ("gradient descent on the minibatch mean loss: the derived side is "
                           f"${to_latex(lhs)} - {notation.rate or 'α'} \\frac{{\\partial}}"
                           f"{{\\partial {to_latex(lhs)}}} \\frac{{1}}{{{notation.batch}}}"
                           f"\\sum_{{{notation.sample}}} {notation.loss}$, differentiated with sympy")
    else:
        target = lhs
        derivation_note = ""
    if eq.kind == "approximation" or eq.approx_from is not None:
        first = 1 if eq.kind == "approximation" else eq.approx_from
        exact = dataclasses.replace(eq, steps=eq.steps[:first - 1],
                                    step_lines=eq.step_lines[:first - 1], approx_from=None)
        if exact.steps:
            _check_equation(state, formula, exact, model, compare)
        for k, step in enumerate(eq.steps, start=1):
            if k < first:
                continue
            state.results.append(Result(
                file=formula.file, line=eq.step_lines[k - 1], col=formula.span(step.start).col,
                latex=f"{eq.lhs.latex} \\approx {step.latex}", kind="equation",
                status=Status.UNCHECKED, section=formula.section, formula=formula.number,
                step=k if len(eq.steps) > 1 else None, parsed="", derivation="",
                message="`\\approx` states an approximation: it is not checked as an equality"))
        return
    if eq.kind == "assumption":
        err = InputError("an assumption (`\\in`) is not a claim that can be checked: list it in "
                         "`definitions` to make it an assumption of the model",
                         formula.span(eq.lhs.start, len(eq.lhs.latex)))
        state.results.append(_error_result(formula, err, eq.lhs.latex, eq.line))
        return
    if target is None:
        err = InputError("an update `←` needs the document's loss and learning rate: set "
                         "roles.loss and roles.rate in the front matter", formula.span(eq.lhs.start))
        state.results.append(_error_result(formula, err, eq.lhs.latex, eq.line))
        return
    chain = len(eq.steps) > 1
    try:
        _validate_indices(formula, eq)
    except InputError as err:
        state.results.append(_error_result(formula, err, eq.lhs.latex, eq.line))
        return
    previous: sympy.Basic = lhs
    for k, step in enumerate(eq.steps, start=1):
        line = eq.step_lines[k - 1]
        col = formula.span(step.start).col
        relation = "\\leftarrow" if eq.kind == "update" else "="
        latex = f"{eq.lhs.latex} {relation} {step.latex}"
        parsed = f"{to_latex(lhs)} = {to_latex(step.expr)}"
        kind = "update" if eq.kind == "update" else ("step" if chain else "equation")
        if vectorcheck.mismatched(eq.lhs) or vectorcheck.mismatched(step):
            result, lint = _shape_verdict(state, formula, eq.lhs, target, step, model), []
            parsed = ""
        else:
            result, lint = _budgeted_verdict(state, model, target, step.expr, compare, previous)
        if step.tensor is not None and result.status is Status.REFUTED and not result.diagnosis:
            result = _matrix_diagnosis(state, formula, eq.lhs, target, step, model, result)
        if (step.tensor is not None or eq.lhs.tensor is not None) and result.message.startswith(
                "a summed index runs past"):
            # the shapes the tool read disagree with the ranges of the quantities: its reading
            result = _Verdict(Status.UNCHECKED, f"could not check: {result.message.split(':')[0]}"
                              " (the vector form as read does not fit the quantities' ranges)",
                              evidence=result.evidence)
        if state.symbolic and result.status is Status.VERIFIED:
            result = dataclasses.replace(result, evidence=result.evidence + "; " + _symbolic_evidence(
                state, model, target, step.expr))
        derivation = _derivation_text(model, target, step.expr, derivation_note)
        state.results.append(Result(
            file=formula.file, line=line, col=col, latex=latex, kind=kind,
            status=result.status, message=result.message, section=formula.section,
            formula=formula.number, step=k if chain else None, parsed=parsed,
            derivation=derivation, evidence=result.evidence, assumptions=result.assumptions,
            diagnosis=result.diagnosis, counterexample=result.counterexample,
            lint=tuple(lint), comparisons=result.comparisons, finding=result.finding,
        ))
        previous = step.expr


def _shape_verdict(state: _State, formula: Formula, lhs: Side, target: sympy.Basic, step: Side,
                   model: Model) -> _Verdict:
    """A side whose shapes do not fit: refuted when one edit in matrix terms makes it hold,
    else unchecked with the shapes read (the reading may be the tool's)."""
    why = vectorcheck.mismatched(lhs) or vectorcheck.mismatched(step) or ""
    fix = _repair(state, formula, lhs, target, step, model)
    if fix is None:
        # the shapes are the tool's reading (some inferred from use): without an edit that
        # makes the claim hold, a mismatch may be the reading's, not the text's
        return _Verdict(Status.UNCHECKED, f"{why}, as the tool reads the shapes; no single edit "
                        "(a transpose, the order of a product, \\odot, a layer) makes it hold",
                        evidence="to give the shapes the text means: quantities.NAME.shape in a "
                        "front matter (vectors = \"row\" for a text that writes x W + b)")
    return _Verdict(Status.REFUTED, f"{why}; {sentence(fix)}, and with that edit it holds",
                    evidence="shapes: the sizes of every quantity, from the definitions and "
                    "their use; a product needs the columns of its left factor to be the rows "
                    "of its right; the edited claim verified numerically",
                    diagnosis=sentence(fix), finding=fix)


def _matrix_diagnosis(state: _State, formula: Formula, lhs: Side, target: sympy.Basic,
                      step: Side, model: Model, found: _Verdict) -> _Verdict:
    """A refuted claim in vector form whose component search found nothing: one edit in
    matrix terms (a transpose, a product's order, \\odot, a layer)."""
    fix = _repair(state, formula, lhs, target, step, model)
    if fix is None:
        return found
    return dataclasses.replace(found, diagnosis=sentence(fix), finding=fix,
                               message=f"{found.message}: {sentence(fix)}")


def _repair(state: _State, formula: Formula, lhs: Side, target: sympy.Basic, step: Side,
            model: Model) -> Finding | None:
    """`vectorcheck.repair` within the claim budget (None past it, with the caches reset)."""
    try:
        with deadline(state.claim_budget):
            return vectorcheck.repair(state.engine, model, formula, lhs, target, step)
    except BudgetExceeded:
        state.engine = Engine()
        return None


def _budgeted_verdict(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                      compare: Model | None, previous: sympy.Basic) -> tuple[_Verdict, list[str]]:
    """The step's verdict and lint: from the verdict cache when nothing it rests on changed
    (derive.cache.Verdicts), else `_reckon_verdict`, stored when it did not depend on the
    clock."""
    keys = _keys(state)
    key = None
    if keys is not None:
        key = keys.narrow(model, compare, (lhs, rhs, previous))
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


# --------------------------------------------------------------------------------------------
# The verdict cache: keys and the stored form of a verdict


def _keys(state: _State) -> _VerdictKeys | None:
    if state.keys is None:
        store = verdicts()
        if not store.enabled:
            return None
        state.keys = _VerdictKeys(store, state.model.notation, state.claim_budget)
    return state.keys


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        b = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def _names_in(e: sympy.Basic) -> tuple[frozenset[str], bool]:
    """Every name an expression reads (quantities, functions, scalars, indices: each Str or
    Symbol), and whether it names a bare function (∂f/∂x, which looks its arguments up in
    every definition)."""
    names: set[str] = set()
    funcref = False
    for a in sympy.preorder_traversal(e):
        if isinstance(a, (sympy.Symbol, Str)):
            names.add(a.name)
        elif isinstance(a, FuncRef):
            funcref = True
    return frozenset(names), funcref


class _VerdictKeys:
    """What a claim's verdict rests on, as a digest: the code (`code_version`), the engine, the
    notation, the claim budget, the claim's expressions, the model's assumptions and flags, and
    every definition of every name the claim reaches, following definitions through (all the
    definitions of a name, in order, so that a definition added, removed or edited changes the
    key; a name without definitions is reached all the same). The `wide` digest holds every
    definition of the model: it guards the verdicts whose explanation searched them all."""

    def __init__(self, store: object, notation: Notation, budget: float | None) -> None:
        self.store = store
        self.base = _sha(code_version(), backend_name(), repr(notation), repr(budget))
        self._defs: dict[int, tuple[Def, str, frozenset[str], bool, str | None]] = {}
        self._index: dict[int, tuple[Model, dict[str | None, list[int]]]] = {}
        self._wide: dict[int, tuple[Model, str]] = {}

    def _def(self, d: Def) -> tuple[Def, str, frozenset[str], bool, str | None]:
        held = self._defs.get(id(d))
        if held is None or held[0] is not d:
            names, funcref = _names_in(sympy.Tuple(d.lhs, d.rhs))
            lhs = d.lhs
            defines = (lhs.fname if isinstance(lhs, Call) else lhs.name
                       if isinstance(lhs, (Quantity, Scalar)) else None)
            held = (d, _sha(canonical((d.lhs, d.rhs, d.line, d.latex))), names, funcref, defines)
            self._defs[id(d)] = held
        return held

    def _by_name(self, model: Model) -> dict[str | None, list[int]]:
        held = self._index.get(id(model))
        if held is None or held[0] is not model:
            index: dict[str | None, list[int]] = {}
            for k, d in enumerate(model.defs):
                index.setdefault(self._def(d)[4], []).append(k)
            held = (model, index)
            self._index[id(model)] = held
        return held[1]

    @staticmethod
    def _head(model: Model) -> bytes:
        return canonical((model.assumptions, model.local, sorted(model.coordinates),
                         model.functions, model.label_rule, model.name))

    def _reached(self, model: Model, names: frozenset[str], funcref: bool) -> list[str]:
        """The digests of the definitions the names reach, in the model's order."""
        index = self._by_name(model)
        chosen = set(index.get(None, ()))  # a definition of nothing nameable: always
        todo = list(names) + [n for k in chosen for n in self._def(model.defs[k])[2]]
        seen: set[str] = set()
        while todo and not funcref:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for k in index.get(name, ()):
                if k not in chosen:
                    chosen.add(k)
                    _, _, more, ref, _ = self._def(model.defs[k])
                    funcref = funcref or ref
                    todo.extend(more)
        if funcref:  # ∂f/∂x finds f's arguments in whichever definition applies f
            chosen = set(range(len(model.defs)))
        return [self._def(model.defs[k])[1] for k in sorted(chosen)]

    def narrow(self, model: Model, compare: Model | None, exprs: tuple) -> str:
        names: frozenset[str] = frozenset()
        funcref = False
        for e in exprs:
            more, ref = _names_in(e)
            names |= more
            funcref = funcref or ref
        parts = [self.base, self._head(model), *self._reached(model, names, funcref)]
        if compare is not None:
            parts += ["compare", self._head(compare), *self._reached(compare, names, funcref)]
        return _sha(*parts, "claim", canonical(exprs))

    def wide(self, model: Model, compare: Model | None) -> str:
        out = []
        for m in (model, compare):
            if m is None:
                out.append("none")
                continue
            held = self._wide.get(id(m))
            if held is None or held[0] is not m:
                held = (m, _sha(self._head(m), *(self._def(d)[1] for d in m.defs)))
                self._wide[id(m)] = held
            out.append(held[1])
        return _sha(self.base, *out)


def _encode_verdict(v: _Verdict, lint: list[str]) -> dict:
    c = v.counterexample
    return {
        "status": v.status.value, "message": v.message, "evidence": v.evidence,
        "assumptions": list(v.assumptions), "diagnosis": v.diagnosis, "lint": list(lint),
        "finding": None if v.finding is None else v.finding.to_json(),
        # dicts as lists of pairs: their order is what is printed
        "counterexample": None if c is None else {
            "instance": c.instance, "indices": [[k, x] for k, x in c.indices.items()],
            "point": [[k, x] for k, x in c.point.items()], "lhs": c.lhs, "rhs": c.rhs},
        "comparisons": [[x.model, x.status.value, x.message, x.diagnosis,
                         None if x.finding is None else x.finding.to_json()]
                        for x in v.comparisons],
    }


def _text(x: object, none: bool = False) -> str | None:
    if isinstance(x, str) or (none and x is None):
        return x  # type: ignore[return-value]
    raise ValueError("a text field is not a string")


def _decode_verdict(data: dict) -> tuple[_Verdict, list[str]]:
    """A stored verdict; ValueError (or a TypeError, KeyError) when it is not one."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    c = data["counterexample"]
    witness = None
    if c is not None:
        indices = {_text(k): x for k, x in c["indices"]}
        if not all(type(x) is int for x in indices.values()):
            raise ValueError("an index value is not a whole number")
        witness = Counterexample(instance=_text(c["instance"]), indices=indices,
                                 point={_text(k): _text(x) for k, x in c["point"]},
                                 lhs=_text(c["lhs"]), rhs=_text(c["rhs"]))
    comparisons = tuple(Comparison(_text(m), Status(st), _text(msg), _text(d, True),
                                   None if f is None else Finding.from_json(f))
                        for m, st, msg, d, f in data["comparisons"])
    verdict = _Verdict(Status(data["status"]), _text(data["message"]),
                       evidence=_text(data["evidence"]),
                       assumptions=tuple(_text(a) for a in data["assumptions"]),
                       diagnosis=_text(data["diagnosis"], True), counterexample=witness,
                       comparisons=comparisons,
                       finding=None if data["finding"] is None else Finding.from_json(data["finding"]))
    return verdict, [_text(x) for x in data["lint"]]


def _batch_level(model: Model, e: sympy.Basic) -> bool:
    """Whether `e` reads a quantity of the whole batch (J = 1/m sum_i L^{(i)}), or the batch
    size: then an update with it is on the batch, not on one sample."""
    n = model.notation
    if e.has(Size(n.batch)):
        return True
    return any((spec := n.quantities.get(q.name)) is not None and spec.parameter
               and not spec.given for q in e.atoms(Quantity))


def _written_update(model: Model, eq: Equation) -> bool:
    """`W^{(l)}_{ij} = W^{(l)}_{ij} - \\alpha ...`: a parameter on both sides with the learning
    rate, which as an equation could hold only where the gradient vanishes."""
    lhs, n = eq.lhs.expr, model.notation
    spec = n.quantities.get(lhs.name) if isinstance(lhs, Quantity) else None
    if spec is None or not spec.parameter or n.rate is None:
        return False
    return all(s.expr.has(lhs) and s.expr.has(Scalar(n.rate)) for s in eq.steps)


def _update_target(model: Model, lhs: sympy.Basic, stochastic: bool = False
                   ) -> sympy.Basic | None:
    n = model.notation
    if not (n.loss and n.rate) or n.loss not in n.quantities or n.rate not in n.scalars:
        return None
    loss = Quantity(n.loss, (), ())
    rate = Scalar(n.rate)
    if stochastic:
        return lhs - rate * Partial(loss, lhs)
    m = Size(n.batch)
    return lhs - rate * Partial(BatchSum(loss, n.sample) / m, lhs)


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
                f"index `{var}` is not bound: it is not on the left side and no sum runs over it",
                formula.span(step.start + pos),
                hint=f"sum over `{var}` or use an index of the left side")


def _find(text: str, pattern: str, last: bool = False) -> int:
    hits = list(re.finditer(pattern, text))
    if not hits:
        return 0
    return (hits[-1] if last else hits[0]).start()


@dataclass(frozen=True)
class _Verdict:
    status: Status
    message: str
    evidence: str = ""
    assumptions: tuple[str, ...] = ()
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    comparisons: tuple[Comparison, ...] = ()
    finding: Finding | None = None  # the diagnosis as data; `diagnosis` is its sentence


def _label(instance: Instance, notation: Notation) -> str:
    return instance.label_in(notation.layers, notation.width, notation.batch)


def _refuted_evidence(o: Outcome, model: Model) -> str:
    t = o.witness
    if t is None:
        return ""
    where = _label(t.instance, model.notation) + (
        "; " + ", ".join(f"{k}={v}" for k, v in t.env) if t.env else "")
    before = len(o.trials) - 1
    agreed = (f"{before} evaluation{'s' if before != 1 else ''} before it agreed" if before
              else "the first evaluation")
    return (f"numeric: the sides differ at {where} (random point {t.seed + 1}; {agreed}), "
            f"{PRECISION}-digit arithmetic")


def _evidence(o: Outcome, model: Model) -> str:
    inst = {t.instance for t in o.trials}
    what = "the local model with random smooth functions" if model.local else (
        f"{len(inst)} network instance{'s' if len(inst) != 1 else ''}")
    return (f"numeric: {len(o.trials)} evaluations ({o.assignments} index assignment"
            f"{'s' if o.assignments != 1 else ''} × {len(SEEDS)} random points) on {what}, "
            f"{PRECISION}-digit arithmetic") + "".join("; " + n for n in o.notes)


def _verdict(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
             compare: Model | None, *, with_comparison: bool = True) -> _Verdict:
    engine = state.engine
    o = engine.evaluate(model, lhs, rhs)
    comparisons: tuple[Comparison, ...] = ()
    if compare is not None and with_comparison:
        alt = _verdict(state, compare, lhs, rhs, None, with_comparison=False)
        comparisons = (Comparison(compare.name, alt.status, alt.message.split(":")[0],
                                  alt.diagnosis, alt.finding),)
    if o.unsupported:
        return _Verdict(Status.UNCHECKED, f"could not evaluate: {o.unsupported}",
                        comparisons=comparisons)
    if o.ok and not o.overrun:
        if not o.trials:
            return _Verdict(Status.UNCHECKED, "no layer and index values where every quantity "
                            "of the formula exists in the networks checked", comparisons=comparisons)
        unreached = _unreached_derivative(engine, model, o.trials[0], lhs)
        if unreached is not None:  # 0 = 0 is no evidence: the reading, not the text, is at stake
            return _Verdict(Status.UNCHECKED, f"could not check: {unreached}",
                            comparisons=comparisons)
        evidence = _evidence(o, model)
        return _Verdict(Status.VERIFIED, "agrees with the derivation at every point and index",
                        evidence=evidence, comparisons=comparisons)
    state.wide = True  # the explanation below searches every definition of the model
    unreached = _unreached_derivative(engine, model, o.witness, lhs)
    if unreached is not None:
        return _Verdict(Status.UNCHECKED, f"could not check: {unreached}",
                        comparisons=comparisons)
    witness = _counterexample(engine, model, o.witness, lhs, rhs)
    if with_comparison and not o.overrun:
        state.refuted = _Verdict(Status.REFUTED, "differs from the derivation",
                                 evidence=_refuted_evidence(o, model), counterexample=witness)
    label_conditions = [c for c in conditions(lhs, rhs) if c.restrict is None]
    index_conditions = [c for c in conditions(lhs, rhs) if c.restrict is not None]

    def conditional(cond: Condition) -> _Verdict | None:
        m2 = cond.model(model)
        o2 = engine.evaluate(m2, lhs, rhs, restrict=cond.restrict)
        if not (o2.ok and o2.trials):
            return None
        extra = ""
        if model.assumptions and cond.restrict is None:
            a = model.assumptions[-1]
            extra = (f" The document assumes only ${a.latex}$, which allows labels that do "
                     "not sum to one; the counterexample is one.")
        return _Verdict(
            Status.CONDITIONAL, f"holds only if {cond.name}.{extra}",
            evidence=f"{_evidence(o2, m2)}; without the assumption, {_refuted_evidence(o, model)}",
            assumptions=(cond.name,), counterexample=witness, comparisons=comparisons)

    if not o.overrun:
        for cond in label_conditions:  # an assumption about the model's inputs comes first
            found = conditional(cond)
            if found:
                return found
    finding = Diagnoser(engine, model, lhs, rhs, o.witness).run()
    if finding is None:
        # a difference that is simple only under an assumption: say so with the assumption
        for cond in label_conditions:
            m2 = cond.model(model)
            o2 = engine.evaluate(m2, lhs, rhs)
            if o2.witness is not None:
                edit = Diagnoser(engine, m2, lhs, rhs, o2.witness).run()
                if edit:
                    finding = Finding(FindingKind.UNDER_ASSUMPTION,
                                      parameters=(("assumption", cond.name),), inner=edit)
                    break
    if finding is None and not o.overrun:
        # only now an index condition: a claim with an error holds trivially where i = j
        for cond in index_conditions:
            found = conditional(cond)
            if found:
                return found
    if o.overrun:
        msg = f"a summed index runs past the end of {o.overrun}"
        finding = finding or Finding(FindingKind.SUM_OVERRUN)
        evidence = f"numeric: grounding the written side needs {o.overrun}"
    else:
        msg = "differs from the derivation"
        evidence = _refuted_evidence(o, model)
    if finding:  # the finding in one sentence: "...: the right side lacks a factor a_j"
        msg += ": " + detail(finding)
    return _Verdict(Status.REFUTED, msg, evidence=evidence,
                    diagnosis=sentence(finding) if finding else None, finding=finding,
                    counterexample=witness, comparisons=comparisons)


def _unreached_derivative(engine: Engine, model: Model, t: Trial | None,
                          lhs: sympy.Basic) -> str | None:
    """A derivative on the derived side (or in the definition it names, as δ = ∂C/∂z) whose
    numerator reads no entry of its variable's quantity at all in the model read: a text does
    not differentiate what cannot change, so the reading is wrong (a quantity the text defines
    taken as given), and a refutation would be the tool's."""
    if t is None:
        return None
    exprs = [lhs]
    for q in lhs.atoms(Quantity):
        exprs += [d.rhs for d in model.defs if isinstance(d.lhs, Quantity) and d.lhs.name == q.name]
    ev = engine.evaluator(model, t.instance, t.seed)
    env = dict(t.env)
    for e in exprs:
        for p in e.atoms(Partial):
            if not isinstance(p.den, Quantity):
                continue
            if isinstance(p.num, Quantity) and p.num.name == p.den.name:
                continue
            try:
                start = list(ev.keys_of(p.num, env, 1))
                found = not start or _reads_name(ev, start, p.den.name)
            except (Unsupported, OutOfRange):
                continue
            if not found:
                return (f"${to_latex(p.num)}$ reads no ${p.den.name}$ in the model read, so "
                        f"${to_latex(p)}$ would be 0: a quantity the text defines is taken as "
                        "given (see the summary)")
    return None


def _reads_name(ev: Evaluator, start: list, name: str) -> bool:  # type: ignore[type-arg]
    """Whether any node reached from `start` through the model's definitions is `name`'s."""
    seen: set = set()  # type: ignore[type-arg]
    stack = list(start)
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if k[0] == name:
            return True
        stack.extend(ev.reads(k))
    return False


SYMBOLIC_SIZE = 600  # operations: beyond this sympy.simplify takes too long to be worth it


def _symbolic_evidence(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> str:
    """`_reckon_symbolic`, kept in the verdict cache beside the claim's verdict (the full
    expansion of both sides costs about as much as the verdict) when no budget decided it."""
    keys = _keys(state)
    key = None
    if keys is not None:
        key = _sha(keys.narrow(model, None, (lhs, rhs)), "symbolic", repr(state.simplify_budget))
        found = keys.store.get(key)
        if isinstance(found, dict) and isinstance(found.get("evidence"), str):
            return found["evidence"]
        if found is not None:
            keys.store.reject(key, "it is malformed")
    text, stable = _reckon_symbolic(state, model, lhs, rhs)
    if key is not None and keys is not None and stable:
        keys.store.put(key, {"evidence": text})
    return text


def _reckon_symbolic(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic
                     ) -> tuple[str, bool]:
    """Try to prove the claim at one index assignment of the first instance by simplifying
    the difference of the fully expanded sides to zero, within the simplify budget (the
    expansion itself within the claim budget); and whether the outcome is the clock's (False:
    a budget ran out)."""
    engine = state.engine
    try:
        with deadline(state.claim_budget):
            trial = engine.evaluate(model, lhs, rhs, limit=1).trials[0]
            where, expr = _symbolic_difference(engine, model, lhs, rhs, trial)
    except BudgetExceeded as exc:
        state.engine = Engine()
        return f"symbolic: not attempted (expanding the sides: {exc})", False
    except (Unsupported, OutOfRange) as exc:
        return f"symbolic: not attempted ({exc})", True
    if isinstance(expr, str):
        return expr, True
    try:  # the outcome is kept on disk by expression (derive.cache)
        zero = simplifies_to_zero(expr, state.simplify_budget)
    except BudgetExceeded as exc:
        return f"symbolic: sympy.simplify stopped {where}: {exc}", False
    if zero:
        return f"symbolic: confirmed by sympy.simplify {where}", True
    return f"symbolic: sympy.simplify could not reduce the difference to 0 {where}", True


def _symbolic_difference(engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                         trial: Trial) -> tuple[str, sympy.Basic | str]:
    where = f"at {_label(trial.instance, model.notation)}" + (
        "; " + ", ".join(f"{k}={v}" for k, v in trial.env) if trial.env else "")
    if model.local:  # generic functions stay undefined: f(x, y), not a random stand-in
        ev = Evaluator(model, trial.instance, trial.seed, Structure(engine=engine_named("sympy")),
                       generic=True)
        where = "with the generic functions undefined"
    else:
        ev = engine.evaluator(model, trial.instance, trial.seed)
    diff = ev.symbolic(lhs, dict(trial.env), 1) - ev.symbolic(rhs, dict(trial.env), 1)
    expr = diff._sympy_() if hasattr(diff, "_sympy_") else diff
    size = count_ops(expr)  # kept on disk with the confirmations (derive.cache)
    if size > SYMBOLIC_SIZE:
        return where, f"symbolic: not attempted ({size} operations {where})"
    return where, expr


def _fmt(v) -> str:  # type: ignore[no-untyped-def]
    if isinstance(v, CTX.mpc):
        return CTX.nstr(v, 10)
    if abs(v) < 10**12 and v == int(v):  # int() of a huge value would build a huge int
        return str(int(v))
    return CTX.nstr(v, 10)


def _counterexample(engine: Engine, model: Model, t: Trial | None, lhs: sympy.Basic,
                    rhs: sympy.Basic) -> Counterexample | None:
    if t is None:
        return None
    ev = engine.evaluator(model, t.instance, t.seed)
    env = dict(t.env)
    point: dict[str, str] = {}
    keys = []
    try:
        for k in list(ev.keys_of(lhs, env, 1)) + list(ev.keys_of(rhs, env, 1)):
            keys.append(k)
    except (OutOfRange, Unsupported):
        pass
    # the labels of the witness decide a conditional verdict: show all of them
    labels = label_name(model)
    if labels and not model.local:
        keys += [(labels, None, (k,), 1) for k in range(1, t.instance.widths[-1] + 1)]
    shown = 0
    for k in keys:
        try:
            v = ev.value(k)
        except (OutOfRange, Unsupported):
            continue
        name = key_latex(k)
        if name not in point:
            point[name] = _fmt(v)
            shown += 1
        if shown >= 12:
            break
    label = "the local model" if model.local else _label(t.instance, model.notation)
    return Counterexample(instance=label, indices={str(k): v for k, v in t.env},
                          point=point, lhs=_fmt(t.lhs), rhs=_fmt(t.rhs))


# --------------------------------------------------------------------------------------------
# Lint: an expression written in place of a named quantity must be that quantity


def _lint_expansions(state: _State, model: Model, step: sympy.Basic,
                     previous: sympy.Basic) -> list[str]:
    findings: list[str] = []
    named = {p.den: p.num for p in atoms(previous, (Partial,))
             if isinstance(p.num, (Quantity, Scalar))}
    for p in atoms(step, (Partial,)):
        if isinstance(p.num, (Quantity, Scalar, FuncRef)) or p.den not in named:
            continue
        quantity = named[p.den]
        expansion = p.num
        if _proportional(state, model, expansion, quantity):
            continue
        msg = (f"the expression differentiated, ${to_latex(expansion)}$, is written in place of "
               f"${to_latex(quantity)}$ but is not equal to its definition")
        fix = _expansion_fix(state, model, expansion, quantity)
        if fix:
            msg += f" ({fix})"
        msg += "; the step's value is not affected"
        findings.append(msg)
    return findings


def _proportional(state: _State, model: Model, e: sympy.Basic, q: sympy.Basic) -> bool:
    o = state.engine.evaluate(model, q, q, limit=8)
    try:
        ev = state.engine.values(model, e, o.trials)
    except (OutOfRange, Unsupported, ZeroDivisionError):
        return False
    qv = [t.lhs for t in o.trials]
    ratios = [ratio(a, b) for a, b in zip(qv, ev)]
    if not ratios or any(r is None for r in ratios):
        return False
    return all(close(r, ratios[0]) for r in ratios)


def _expansion_fix(state: _State, model: Model, e: sympy.Basic, q: sympy.Basic) -> str | None:
    names = sorted(free_indices(e) | free_indices(q), key=str)
    for atom in atoms(e, (Quantity,)):
        for pos, old in enumerate(atom.indices):
            for new in names:
                if new == old:
                    continue
                idx = list(atom.indices)
                idx[pos] = new
                fixed = atom.with_(indices=tuple(idx))
                if _proportional(state, model, e.xreplace({atom: fixed}), q):
                    return f"${to_latex(atom)}$ should be ${to_latex(fixed)}$"
    return None


# --------------------------------------------------------------------------------------------
# How the derived side was obtained


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


# --------------------------------------------------------------------------------------------
# Model-level notes


def _model_notes(state: _State) -> list[str]:
    notes: list[str] = []
    for section, alt in state.compare.items():
        base = state.model
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
        hi = sympy.limit(g(t), t, sympy.oo)
        lo = sympy.limit(g(t), t, -sympy.oo)
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
