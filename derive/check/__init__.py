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

The package: `build` reads the document into its model formula by formula (the trainer calls
it too, through `collect_model`), `definitions` and `rows` are its parts; `formula` checks one
built formula, `claims` one claim's steps, `verdict` one step's verdict and its explanation,
`keys` the verdict cache, `symbolic` and `lint` what a verdict adds, `compare` the alternative
models of `[compare]` sections; `state` is what one document's check carries.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import sympy

from derive.budget import CLAIM_SECONDS, SIMPLIFY_SECONDS, seconds_from_env
from derive.check import objectives
from derive.check.build import (
    _Built,
    _built_formulas,
    _notation,
    _printing,
    _start,
    collect_model,
    prepare,
    read_network,
)
from derive.check.compare import _model_notes, _partings
from derive.check.example import defines_from, example_widths, reached
from derive.check.example import waits_for as example_waits
from derive.check.formula import _check_formula, _restater
from derive.check.state import _Reading, _State
from derive.check.verdict import _label
from derive.document import Document, read_document
from derive.evaluate import Engine, free_indices
from derive.expr import Call, Prime, Quantity
from derive.infer import Inferred
from derive.infer.example import example_depth
from derive.infer.naming import input_namings
from derive.infer.numeric_tags import model_depth
from derive.infer.parts import notation_parts
from derive.latex import Equation
from derive.model import INSTANCES, Model
from derive.notation import Notation
from derive.results import FileReport, Result
from derive.tensor.pattern import Pattern

_SAID = {"ne": "\\neq", "eq": "="}  # an index condition's relation, in LaTeX

__all__ = ["check_document", "check_file", "collect_model", "prepare", "read_document",
           "read_network"]


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
    are the ones a check of the whole document gives them.

    A document without a notation written, whose sections define the forward model again in
    a new form (derive.infer.parts), is checked part by part, each part in the notation read
    from its own formulas."""
    found = objectives.find(doc)
    if found.claimed:  # standalone objectives in matrix form: checked on their own
        return _with_objectives(doc, found, symbolic, claim_budget, simplify_budget, only)
    parts = notation_parts(doc) if "quantities" not in doc.front else []
    if len(parts) > 1:
        reports = [_check_one(_part(doc, parts, k), symbolic, claim_budget, simplify_budget,
                              None) for k in range(len(parts))]
        merged = _merged(doc, parts, reports)
        if only is None:
            return merged
        return dataclasses.replace(merged, results=tuple(r for r in merged.results
                                                         if r.formula in only))
    return _check_one(doc, symbolic, claim_budget, simplify_budget, only)[0]


def _with_objectives(doc: Document, found: objectives.Found, symbolic: bool,
                     claim_budget: float | None, simplify_budget: float | None,
                     only: frozenset[int] | None) -> FileReport:
    """The formulas of the text's objectives (derive.check.objectives) checked against their
    definitions, the others as the text's network without them."""
    rest = dataclasses.replace(doc, formulas=tuple(
        f for f in doc.formulas if f.number not in found.claimed))
    own = [r for r in objectives.check(doc, found) if only is None or r.formula in only]
    if rest.formulas:
        report = check_document(rest, symbolic=symbolic, claim_budget=claim_budget,
                                simplify_budget=simplify_budget, only=only)
    else:
        report = FileReport(file=doc.file, title=doc.title, results=(), definitions=(),
                            instances=(), notes=doc.notes, headings=doc.headings)
    results = sorted([*report.results, *own], key=lambda r: (r.formula, r.line))
    where = [f"line {o.formula.line}" + ("" if o.formula in doc.formulas else
                                          " (inline, the gradient the prose asks for)")
             for o in found.objectives]
    note = ("read as: the objectives defined at " + ", ".join(where) + ", in variables of "
            "their own (matrices), each with its section's gradients checked against it")
    return dataclasses.replace(report, results=tuple(results), notes=(*report.notes, note))


def _check_one(doc: Document, symbolic: bool, claim_budget: float | None,
               simplify_budget: float | None, only: frozenset[int] | None
               ) -> tuple[FileReport, int]:
    """The report, and how many formulas the document has as it is checked (with the
    definitions read from its prose among them)."""
    doc, inferred = prepare(doc)
    notation = _notation(doc)
    with _printing(notation, doc.formulas[0].letter_tags if doc.formulas else ()):
        return _check_document(doc, notation, symbolic, claim_budget, simplify_budget, only,
                               inferred), len(doc.formulas)


def _check_document(doc: Document, notation: Notation, symbolic: bool,
                    claim_budget: float | None, simplify_budget: float | None,
                    only: frozenset[int] | None, inferred: Inferred | None) -> FileReport:
    example = example_depth(doc)
    depth = example or model_depth(inferred.chain_depth if inferred else None,
                                   notation.first_layer)
    widths, facts = example_widths(doc, notation, example) if example else (None, [])
    reading = _start(_Reading(doc, Model(notation, depth=depth, widths=widths), inferred))
    state = _State(reading, Engine(), symbolic=symbolic,
                   claim_budget=_budget(claim_budget, "DERIVE_CLAIM_BUDGET", CLAIM_SECONDS),
                   simplify_budget=_budget(simplify_budget, "DERIVE_SIMPLIFY_BUDGET",
                                           SIMPLIFY_SECONDS))
    # the model builder reads each formula, then the checker checks it
    readings: list[str] = [f"read as: {f}" for f in facts]
    waiting: list[tuple[_Built, str]] = []
    waited = False
    for built in _built_formulas(reading, _restater(state, only)):
        if only is None or built.formula.number in only:
            waits = _waits_for(reading, built)
            if waits is None:
                _check_formula(state, built)
            else:
                waiting.append((built, waits))
                waited = True
        readings += _readings(built.rows, built.def_numbers)
        waiting, notes = _check_waiting(state, built, waiting)
        readings += notes
    for built, _q in waiting:  # the text never defines it: checked where it stands
        _check_formula(state, built)
    if only is not None:
        state.results = [r for r in state.results if r.formula in only]
    if waited:  # a waiting formula's results at their place
        state.results.sort(key=lambda r: r.formula)
    notes = (list(doc.notes) + list(dict.fromkeys(readings)) + _model_notes(state)
             + _partings(state.results))
    return FileReport(
        file=doc.file,
        title=doc.title,
        results=tuple(_in_cell(doc, r) for r in state.results),
        definitions=tuple(state.reading.definitions),
        instances=tuple(_label(i, notation) for i in INSTANCES),
        notes=tuple(notes),
        headings=doc.headings,
    )


def _waits_for(reading: _Reading, built: _Built) -> str | None:
    """The quantity a formula's forward-pass claim waits for: the text writes the self-feeding
    forward pass (`a^l_j = \\sigma(\\sum_k w^l_{jk} a^{l-1}_k + b^l_j)`), checked as a claim
    (derive.infer: `Inferred.forward`), before it defines that quantity through another
    (`a^l = \\sigma(z^l)` a few lines on); None when the definition is already in the model."""
    q = reading.inferred.forward.get(built.formula.number) if reading.inferred else None
    if built.error is not None:
        return None
    if q is None or _defines(built.model, q):
        return (_function_later(reading, built) or _quantity_later(reading, built)
                or example_waits(reading, built))
    return q


def _quantity_later(reading: _Reading, built: _Built) -> str | None:
    """A quantity that a name the formula defines as the column of its entries, and its claims
    read, is defined through, and that the text defines further on in the same part (softmax regression's hypothesis
    `h_\\theta(x) = [P(y = 1 | x; \\theta); \\ldots] = ...`, the column of the probabilities its
    cost's section defines): its claims wait for that definition."""
    later = reading.inferred.defined if reading.inferred else {}
    own = {str(r.lhs.expr.fname) for r in (*built.rows, *built.heads) if isinstance(r, Equation)
           and (r.number in built.def_numbers or r in built.heads)
           and isinstance(r.lhs.expr, Quantity) and r.steps
           and isinstance(r.steps[0].tensor, Pattern)}  # h = [P_1; \\vdots; P_K]
    if not own & _read_quantities(built.rows):
        return None  # only a claim on a name the formula defines through a later quantity
    for name in sorted(reached(built.model, own) - own):
        line = later.get(name)
        if line is not None and line > built.formula.line and not _defines(built.model, name):
            return name
    return None


def _read_quantities(rows: tuple) -> set[str]:
    """The names of the quantities the rows' claims read (their entries, where a side is a
    vector or matrix given by its entries)."""
    names: set[str] = set()
    for row in rows:
        for side in (row.lhs, *row.steps) if isinstance(row, Equation) else ():
            for e in (side.expr, getattr(side.tensor, "entry", None)):
                if isinstance(e, sympy.Basic):
                    names |= {str(c.fname) for c in e.atoms(Quantity)}
    return names


def _function_later(reading: _Reading, built: _Built) -> str | None:
    """A function the formula applies before the text defines it, further on in the same
    section (`a = \\sigma(z)`, then `\\sigma(z) = 1/(1 + e^{-z})`): its claims wait for it.
    So does a likelihood's (derive.infer.likelihood) for the loss it is said to equal
    (`= \\sum_i l(\\mathbf{y}^{(i)}, \\hat{\\mathbf{y}}^{(i)})`, "where the loss is ...")."""
    later = reading.inferred.defined if reading.inferred else {}
    section = {f.line: f.section for f in reading.doc.formulas}
    names = _applied(built.rows)
    if built.formula.likelihood is not None:
        names |= _written(built.rows)
    for name in sorted(names):
        line = later.get(name)
        if (line is not None and line > built.formula.line
                and section.get(line, built.formula.section) == built.formula.section
                and not _defines(built.model, name)):
            return name
    return None


def _applied(rows: tuple) -> set[str]:
    """The names of the functions the rows apply (`Call`, `Prime`)."""
    names: set[str] = set()
    for row in rows:
        for side in (row.lhs, *row.steps) if isinstance(row, Equation) else ():
            if isinstance(side.expr, sympy.Basic):
                names |= {str(c.fname) for c in side.expr.atoms(Call, Prime)}
    return names


def _written(rows: tuple) -> set[str]:
    """The names of the quantities the rows write."""
    return {str(q.name) for row in rows if isinstance(row, Equation)
            for side in (row.lhs, *row.steps) if isinstance(side.expr, sympy.Basic)
            for q in side.expr.atoms(Quantity)}


def _is_function(model: Model, name: str) -> bool:
    return any(isinstance(d.lhs, Call) and str(d.lhs.fname) == name for d in model.defs)


def _defines(model: Model, name: str) -> bool:
    return any(isinstance(d.lhs, (Quantity, Call)) and str(d.lhs.fname) == name
               for d in model.defs)


def _check_waiting(state: _State, built: _Built, waiting: list[tuple[_Built, str]]
                   ) -> tuple[list[tuple[_Built, str]], list[str]]:
    """The waiting formulas whose quantity the formula just built defines, checked in the model
    after it (and said so); the others still waiting."""
    rest, notes = [], []
    later = state.reading.inferred.defined if state.reading.inferred else {}
    for w, q in waiting:
        line = later.get(q, 0)  # the text's definition waited for, not one before it
        if (_defines(built.model, q) and not built.formula.annotation.get("local")
                and (line <= w.formula.line or defines_from(built.model, q, line))):
            moved = dataclasses.replace(w, model=built.model)
            then = _function_later(state.reading, moved) or example_waits(state.reading, moved)
            if then is None:
                _check_formula(state, moved)
            else:  # it applies a function the text defines further on: it waits for that too
                rest.append((moved, then))
            forward = state.reading.inferred.forward if state.reading.inferred else {}
            what = ("applies the function" if _is_function(built.model, q)
                    else "writes the forward pass of" if forward.get(w.formula.number) == q
                    else "writes" if w.formula.likelihood is not None  # = \\sum_i l(y, yhat)
                    else "reads the quantity")
            notes.append(f"read as: line {w.formula.line} {what} ${q}$ before the text "
                         f"defines ${q}$ (line {built.formula.line}): it is checked against "
                         "that definition")
        else:
            rest.append((w, q))
    return rest, notes


def _part(doc: Document, parts: list, k: int) -> Document:
    """Part k of the document: its formulas, the inline maths between its first formula and
    the next part's (the reader's notes go with the first part)."""
    start = parts[k][0].line if k else 0
    end = parts[k + 1][0].line if k + 1 < len(parts) else None
    inline = tuple(f for f in doc.inline if start <= f.line and (end is None or f.line < end))
    # the input named in an earlier part (`$x =: a^0$`) is still named in this one
    inline = (*input_namings(tuple(f for f in doc.inline if f.line < start)), *inline)
    return dataclasses.replace(doc, formulas=parts[k], inline=inline,
                               notes=doc.notes if k == 0 else ())


def _merged(doc: Document, parts: list, checked: list[tuple[FileReport, int]]) -> FileReport:
    """The parts' reports as one, in document order, the formulas numbered on from one part to
    the next; each part's notes say where it begins."""
    notes: list[str] = []
    reports: list[FileReport] = []
    offset = 0
    for formulas, (rep, count) in zip(parts, checked):
        reports.append(dataclasses.replace(rep, results=tuple(
            dataclasses.replace(r, formula=r.formula + offset) for r in rep.results)))
        offset += count
        first, k = formulas[0], len(reports)
        notes.append(f"read as: part {k} of the text, from line {first.line} (section "
                     f"{' / '.join(first.section) or 'none'}), read in the notation of its own "
                     "formulas" + (" (the text defines its forward model again there)" if k > 1
                                   else ": later sections define the forward model again"))
        notes += [n for n in rep.notes if n not in notes]
    return FileReport(file=doc.file, title=reports[0].title,
                      results=tuple(r for rep in reports for r in rep.results),
                      definitions=tuple(d for rep in reports for d in rep.definitions),
                      instances=reports[0].instances, notes=tuple(notes),
                      headings=doc.headings)


def _readings(rows: tuple, definitions: frozenset[int]) -> list[str]:
    """What the parser read of a formula's rows beyond the names as written (derive.latex:
    `Equation.readings`), and the values a claim is stated for, as "read as" notes."""
    out = []
    for eq in rows:
        if not isinstance(eq, Equation):
            continue
        out += [f"read as: {r}" for r in eq.readings]
        free = {str(i) for side in (eq.lhs, *eq.steps) for i in free_indices(side.expr)}
        if eq.number not in definitions:
            out += [f"read as: line {eq.line}: `({letter} = {', '.join(map(str, values))})` after "
                    "the equation read as the values it is stated for: it is checked at those "
                    f"values of ${letter}$ only" for letter, values in eq.holds_for if letter in free]
            out += [f"read as: line {eq.line}: `{a} {_SAID[op]} {b}` after the equation read as "
                    "the condition it is stated under: it is checked where "
                    f"${a} {_SAID[op]} {b}$ only" for a, op, b in eq.holds_if
                    if a in free and b in free]
    return out


def _in_cell(doc: Document, r: Result) -> Result:
    """A notebook's result also names its cell and the line in it."""
    at = doc.cell_at(r.line, r.col) if doc.cells.rows else None
    return dataclasses.replace(r, cell=at[0], cell_line=at[1]) if at else r


def _budget(given: float | None, env: str, default: float) -> float | None:
    seconds = seconds_from_env(env, default) if given is None else given
    return seconds if seconds > 0 else None
