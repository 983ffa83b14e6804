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
from contextlib import AbstractContextManager
from pathlib import Path

from derive.budget import CLAIM_SECONDS, SIMPLIFY_SECONDS, seconds_from_env
from derive.check.compare import _model_notes, _partings
from derive.check.definitions import _assumed
from derive.check.state import _State
from derive.check.verdict import _label
from derive.check.walk import _check_formula
from derive.document import Document, read_document
from derive.errors import InputError, Span
from derive.evaluate import Engine
from derive.expr import Width, tag_styles
from derive.infer import Inferred, infer, merge
from derive.infer.prose import with_prose_definitions
from derive.latex import Size
from derive.model import INSTANCES, Model
from derive.notation import Notation, notation_from_front
from derive.results import FileReport, Result

__all__ = ["check_document", "check_file", "collect_model", "prepare", "read_document"]


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


def collect_model(path: str | Path) -> Model:
    """The document's model after all its definitions, without checking any claim."""
    doc, inferred = prepare(read_document(path))
    notation = _notation(doc)
    state = _start(_State(doc, Engine(), Model(notation), claims=False, inferred=inferred))
    with _printing(notation):
        for formula in doc.formulas:
            _check_formula(state, formula)
    return state.model
