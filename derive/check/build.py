"""The model builder: a document's notation and, formula by formula, the model its definitions
build (the checker and the trainer both read the document through it)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from derive.check.definitions import (
    _add_definition,
    _assumed,
    _from_prose,
    _inferred_definitions,
    _local_model,
    _recursions,
    segment_models,
)
from derive.check.rows import _bounded
from derive.check.state import _Reading
from derive.check.untagged import untagged_readings
from derive.document import Document, Formula, read_document
from derive.errors import InputError, Span
from derive.expr import Quantity, Width, tag_styles
from derive.infer import Inferred, infer, merge
from derive.infer.accumulators import read_accumulators
from derive.infer.batch_forward import batch_forward
from derive.infer.capitals import matrix_capitals
from derive.infer.distributions import read_distributions
from derive.infer.dnames import defined_d_names
from derive.infer.ends import weight_ends
from derive.infer.example import example_depth, example_output
from derive.infer.fixed_sizes import fixed_sizes
from derive.infer.gradient import gradient_argument
from derive.infer.hypotheses import parameter_subscripts, parameters_fact
from derive.infer.input_layer import input_layer
from derive.infer.letters import letter_facts, letter_tags
from derive.infer.likelihood import likelihood
from derive.infer.logs import merged
from derive.infer.meanloss import mean_loss
from derive.infer.naming import named_definitions, named_input
from derive.infer.neuron import one_neuron
from derive.infer.path_terms import path_terms
from derive.infer.premises import Premise, label_premise
from derive.infer.prose import with_prose_definitions, with_prose_functions, zero_entries
from derive.infer.second_names import second_names
from derive.infer.stated_capitals import stated_capitals
from derive.infer.subscript_layers import subscript_layers
from derive.infer.tagged_functions import tagged_functions
from derive.latex import Equation, RowError, Scalar, Scope, Size, parse_formula
from derive.latex.per_layer import at_layer
from derive.model import Model, label_name
from derive.notation import Notation, notation_from_front
from derive.results import Definition
from derive.sources.annotations import definitions_out_of_range


@dataclass(frozen=True)
class _Built:
    """One formula as the model builder leaves it: the model its claims are checked in, its
    rows (a row that could not define is an error) and which of them define; or why the
    formula could not be read at all."""

    formula: Formula  # with the annotation the inferred notation gives it, if any
    model: Model  # the document's model after the formula's definitions, or its local model
    rows: tuple[Equation | RowError, ...] = ()
    def_numbers: frozenset[int] = frozenset()
    heads: tuple[Equation, ...] = ()  # `J = <definition> = <steps>`: their definitions
    error: InputError | None = None  # the formula could not be read: nothing else is
    # a local formula that defines a function again: each row's own model (`segments`)
    row_models: dict[int, Model] = dataclasses.field(default_factory=dict)

    def model_of(self, row: int) -> Model:
        """The model the row is checked in."""
        return self.row_models.get(row, self.model)


# which inferred rows restate a definition (`_build_formula`): what only the checker decides
Restate = Callable[[Formula, list, set[int], Model], set[int]]


@dataclass(frozen=True)
class Network:
    """What the trainer reads of a document: the model after all its definitions, and the
    parameter updates the document writes (`w \\leftarrow w - ...`, or `w = w - \\alpha ...`),
    each with its formula (for placing a message), in document order."""

    model: Model
    updates: tuple[tuple[Formula, Equation], ...]


def read_network(path: str | Path) -> Network:
    """The document's model and its updates, without checking any claim."""
    doc, inferred = prepare(read_document(path))
    notation = _notation(doc)
    reading = _start(_Reading(doc, Model(notation, depth=example_depth(doc)), inferred))
    updates: list[tuple[Formula, Equation]] = []
    with _printing(notation, doc.formulas[0].letter_tags if doc.formulas else ()):
        for built in _built_formulas(reading):
            if built.error is not None or built.formula.annotation.get("local"):
                continue
            updates.extend((built.formula, eq) for eq in built.rows
                           if isinstance(eq, Equation) and eq.number not in built.def_numbers
                           and (eq.kind == "update" or written_update(built.model, eq)))
    return Network(reading.model, tuple(updates))


def collect_model(path: str | Path) -> Model:
    """The document's model after all its definitions, without checking any claim."""
    return read_network(path).model


def written_update(model: Model, eq: Equation) -> bool:
    """`W^{(l)}_{ij} = W^{(l)}_{ij} - \\alpha ...`: a parameter on both sides with the learning
    rate, which as an equation could hold only where the gradient vanishes."""
    lhs, n = eq.lhs.expr, model.notation
    spec = n.quantities.get(lhs.name) if isinstance(lhs, Quantity) else None
    if spec is None or not spec.parameter or n.rate is None:
        return False
    return all(s.expr.has(lhs) and s.expr.has(Scalar(n.rate)) for s in eq.steps)


def update_of_no_parameter(model: Model, eq: Equation) -> bool:
    """`w = w - \\eta \\frac{\\partial L}{\\partial w}` where `w` is a number of its own, no
    parameter of the network read: a step of gradient descent on a name the model does not
    have, which as an equation would hold only because the loss does not depend on it."""
    lhs, n = eq.lhs.expr, model.notation
    if not isinstance(lhs, Scalar) or n.rate is None or lhs.name == n.rate:
        return False
    return bool(eq.steps) and all(s.expr.has(lhs) and s.expr.has(Scalar(n.rate))
                                  for s in eq.steps)


def _built_formulas(reading: _Reading, restate: Restate | None = None) -> Iterator[_Built]:
    """The document's formulas in order, each as `_build_formula` leaves it: when one is
    yielded, `reading.model` is the model after its definitions."""
    for formula in reading.doc.formulas:
        yield _build_formula(reading, formula, restate)


def _build_formula(reading: _Reading, formula: Formula, restate: Restate | None) -> _Built:
    """The formula's rows read and its definitions added to the model (to `reading.model` and
    `reading.definitions` unless the formula is local). An inferred definition of a quantity
    already defined may only restate it: `restate` says which do (without it, none)."""
    if reading.inferred is not None and formula.number in reading.inferred.local_annotations:
        formula = dataclasses.replace(formula,
                                      annotation=reading.inferred.local_annotations[formula.number])
    ann = formula.annotation
    try:
        model, rows, scope = _read_rows(reading, formula)
        segments = segment_models(formula, model, scope) if ann.get("segments") else []
    except InputError as err:
        return _Built(formula, reading.model, error=err)
    numbers = {e.number for e in rows}
    beyond = definitions_out_of_range(ann, max(numbers, default=0))
    if beyond:
        err = InputError(f"annotation: `definitions` names row(s) {beyond}, but this formula "
                         f"has {max(numbers, default=0)}", formula.annotation_span("definitions"))
        return _Built(formula, reading.model, error=err)
    def_numbers, heads, model = _defining_rows(reading, formula, rows, model, restate)
    if reading.inferred is not None and restate is not None:
        def_numbers = restate(formula, rows, def_numbers, model)
    if segments:
        return _segmented(reading, formula, rows, frozenset(def_numbers), segments)
    # definitions first: a block may define g and then state a property of it
    for k, eq in enumerate(rows):
        if isinstance(eq, Equation) and eq.number in def_numbers:
            try:
                model = _add_definition(reading, formula, eq, model)
            except InputError as err:
                rows[k] = RowError(eq.number, err, eq.line, eq.lhs.latex)
    if reading.inferred is not None and not ann.get("local"):
        model = _recursions(reading, formula, model)
    if not ann.get("local"):
        reading.model = model
    return _Built(formula, model, tuple(rows), frozenset(def_numbers), heads)


def _segmented(reading: _Reading, formula: Formula, rows: list, def_numbers: frozenset[int],
               segments: list[tuple[int, Model]]) -> _Built:
    """A local formula that defines a function again: row by row, each row read in the model
    of its segment (the latest definition before it), a definition row added to its own."""
    models: dict[int, Model] = {}
    model = segments[0][1]
    for k, eq in enumerate(rows):
        number = eq.number
        model = next((m for first, m in reversed(segments) if first <= number), model)
        if isinstance(eq, Equation) and number in def_numbers:
            try:
                model = _add_definition(reading, formula, eq, model)
            except InputError as err:
                rows[k] = RowError(number, err, eq.line, eq.lhs.latex)
        models[number] = model
    return _Built(formula, segments[0][1], tuple(rows), def_numbers, row_models=models)


def _read_rows(reading: _Reading, formula: Formula
               ) -> tuple[Model, list[Equation | RowError], Scope]:
    """The model the formula is read in (a local one when it says so) and its rows parsed."""
    ann = formula.annotation
    if (reading.inferred is not None and formula.number in reading.inferred.local
            and not ann.get("local")):
        raise InputError("this formula has variables of its own (no layer tags, yet its "
                         "names have them elsewhere): it is not read as the network's "
                         "notation", formula.span(0),
                         hint="say what its symbols are in an annotation before it: local = "
                         "true, functions and given (see the README)")
    if ann.get("local"):
        model, scope = _local_model(reading, formula)
    else:
        model, scope = reading.model, Scope(reading.model.notation, formula)
    return model, [_bounded(formula, at_layer(eq, model.notation) if isinstance(eq, Equation)
                            else eq) for eq in parse_formula(formula, scope)], scope


def _defining_rows(reading: _Reading, formula: Formula, rows: list, model: Model,
                   restate: Restate | None = None
                   ) -> tuple[set[int], tuple[Equation, ...], Model]:
    """Which rows define: as the annotation marks them, else as the inferred notation reads
    them (with the heads `J = <definition> = ...` already in the model)."""
    marked = formula.annotation.get("definitions")
    if marked == "all":
        return {e.number for e in rows}, (), model
    if isinstance(marked, list):
        return set(marked), (), model
    if reading.inferred is not None:
        return _inferred_definitions(reading, formula, rows, model, restate)
    return set(), (), model


def prepare(doc: Document) -> tuple[Document, Inferred | None]:
    """The document as every check reads it, and what was inferred of its notation (None when
    nothing was). Without a written notation, the inferred front matter is laid under the
    written keys and the "read as" facts open the notes; with one but no row marked as a
    definition, only which rows define is read from the formulas."""
    if "quantities" not in doc.front:  # no notation written: read it from the formulas
        doc, dist_ann, dist_defs, dist_facts = read_distributions(doc)
        doc, named = named_input(doc)
        doc, renamed = second_names(doc)
        doc, accumulated = read_accumulators(doc)
        doc, braces = named_definitions(doc)
        letters = letter_facts(doc)
        doc, subscripted = subscript_layers(doc)
        doc, capitals = matrix_capitals(letter_tags(doc))
        doc, dnames = defined_d_names(doc)
        doc, tagged = tagged_functions(doc)
        dnames += tagged
        doc, batched = batch_forward(doc)
        capitals += dnames + batched
        capitals = named + renamed + accumulated + braces + subscripted + capitals
        doc, example = example_output(parameter_subscripts(doc))
        inferred = infer(doc)
        # \mathbf{W} \in \mathbb{R}^{d \times q} beside w_{ij}: the check reads it as w^T (the
        # notation read before, from the entries)
        before = {c for f in doc.formulas[:1] for c, _ in f.capitals}
        doc, stated = stated_capitals(doc, inferred.front)
        dropped = before - {c for f in doc.formulas[:1] for c, _ in f.capitals}
        capitals = [f for f in capitals if not f.startswith(
            tuple(f"${c}$ read as the matrix" for c in dropped))] + stated
        doc, prose = with_prose_definitions(doc, inferred.front.get("quantities", {}),
                                            inferred.defined, inferred.layer_var,
                                            inferred.front.get("roles", {}).get("layers"),
                                            inferred.bypassed,
                                            inferred.front.get("scalars", {}))
        doc, functions = with_prose_functions(doc, inferred.front.get("functions", {}))
        prose += functions
        if prose:  # a quantity defined only in a sentence: read again, with that definition
            inferred = infer(doc)
            inferred.facts.extend(prose)
        doc, neuron = one_neuron(doc, inferred.front.get("quantities", {}), inferred.local,
                                 inferred.layer_var, inferred.front.get("roles", {}).get("loss"))
        doc, ends = weight_ends(doc, inferred.front.get("quantities", {}), inferred.local,
                                inferred.layer_var, inferred.front.get("roles", {}).get("loss"))
        neuron += ends
        if neuron:  # one neuron's quantities written bare: read again, with their tags
            inferred = infer(doc)
            inferred.facts.extend(prose + neuron)
        inferred.facts.extend(parameters_fact(doc))
        count = max((f.number for f in doc.formulas), default=0)
        doc, entries = zero_entries(doc, inferred.front.get("quantities", {}))
        doc, named_layer = input_layer(doc, inferred.front.get("quantities", {}))
        inferred.facts.extend(entries + named_layer + example)
        for f in doc.formulas:  # x_0 = 1: the entry's one row defines it
            if f.number > count:
                inferred.definitions[f.number] = {1}
        roles = inferred.front.get("roles", {})
        read = set(inferred.front.get("quantities", {})) - inferred.unread
        doc, gradient = gradient_argument(doc, roles.get("loss"), roles.get("layers"), read)
        inferred.facts += gradient
        doc, untagged = untagged_readings(doc, inferred.front, inferred.layer_var)
        doc, mean = mean_loss(doc, roles.get("loss"), roles.get("batch"), roles.get("sample"),
                              inferred.front.get("quantities", {}))
        inferred.facts += untagged + mean
        doc = path_terms(doc)
        doc, fixed = fixed_sizes(doc, set(inferred.front.get("sizes", {})))
        inferred.facts += fixed
        _consistent(doc, inferred)
        inferred.label_premise = _stated_premise(doc, inferred)
        doc, probabilities, claims = likelihood(doc, roles, inferred.front.get("quantities", {}),
                                                inferred.label_premise)
        inferred.facts += probabilities
        inferred.facts = _likelihood_read(doc, inferred.facts)
        for number in claims:  # P(y | x) = ...: the likelihood's claims, no definition of P
            inferred.definitions.pop(number, None)
        inferred.facts[:0] = capitals + letters
        _with_distributions(inferred, dist_ann, dist_defs, dist_facts)
        inferred.facts = merged(inferred.facts)  # `lines 80, 81: ...`, each fact once
        return dataclasses.replace(
            doc, front=merge(doc.front, inferred.front),
            notes=(*(f"read as: {f}" for f in inferred.facts), *doc.notes)), inferred
    doc, fixed = fixed_sizes(doc, set(doc.front.get("sizes", {})))
    doc = dataclasses.replace(doc, notes=(*(f"read as: {f}" for f in fixed), *doc.notes))
    if not any("definitions" in f.annotation for f in doc.formulas):
        # a notation written (perhaps pasted from `derive notation`), but no row marked as a
        # definition: which rows define is read from the formulas, as without a front matter
        return doc, infer(doc)
    return doc, None


def _likelihood_read(doc: Document, facts: list[str]) -> list[str]:
    """The facts without a stand-in for the probability every formula that applies it reads
    as the likelihood (derive.infer.likelihood): it is no generic function there."""
    for prob in {f.likelihood[0] for f in doc.formulas if f.likelihood}:
        call = re.compile(rf"(?<![\\A-Za-z]){re.escape(prob)}\s*\(")
        if all(f.likelihood or f.distributions or not call.search(f.text)
               for f in doc.formulas):
            facts = [f for f in facts
                     if not f.startswith(f"${prob}$: a function the text never defines")]
    return facts


def _with_distributions(inferred: Inferred, annotations: dict, defining: dict[int, set[int]],
                        facts: list[str]) -> None:
    """The formulas about distributions (derive.infer.distributions), each in its own model."""
    inferred.local |= set(annotations)
    inferred.local_annotations.update(annotations)
    for number, rows in defining.items():
        inferred.definitions[number] = set(rows)
    inferred.facts += facts


# the premises a sentence states, as the text's formula would (derive.check.definitions)
_PREMISE_LATEX = {"onehot": "{y} \\in \\{{(1, 0, \\ldots), (0, 1, \\ldots), \\ldots\\}}",
                  "sum1": "\\sum_{{j}} {y}_{{j}} = 1"}


def _stated_premise(doc: Document, inferred: Inferred) -> Premise | None:
    """The premise on the labels the prose states (derive.infer.premises), said as a fact."""
    notation = notation_from_front(merge(doc.front, inferred.front), doc.file)
    label = label_name(Model(notation))
    if label is None:
        return None
    premise = label_premise(doc, label, set(notation.quantities))
    if premise is not None:
        latex = _PREMISE_LATEX[premise.rule].format(y=label)
        said = "are one-hot" if premise.rule == "onehot" else "sum to one"
        inferred.facts.append(f"line {premise.line}: the text says in words that the labels "
                              f"${label}$ {said} (`{premise.words}`): read as the premise "
                              f"${latex}$")
    return premise


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


def _notation(doc: Document) -> Notation:
    """The document's notation; an error in the front matter is placed at its key's line."""
    span_of = getattr(doc, "front_span", None)  # the sources reader places front-matter keys
    if span_of is None:  # TODO: drop once every Document has front_span
        first = doc.lines[0] if doc.lines else ""

        def span_of(key: tuple[str, ...]) -> Span:
            return Span(doc.file, 1, 1, first)

    return notation_from_front(doc.front, doc.file, span_of)


def _printing(notation: Notation, letters: tuple[tuple[str, str, str], ...] = ()
              ) -> AbstractContextManager[None]:
    """What the tool prints follows the document's notation: its layer tags and its sizes (and
    no tag where an index letter says the layer, derive.infer.letters)."""
    sizes = {Width(notation.width, c + a * Size(notation.layers)): name
             for name, (c, a, _b) in notation.aliases.items()}
    styles = {q.name: q.tag for q in notation.quantities.values()}
    tags = sorted(q.tag for q in notation.quantities.values() if q.tag)
    for name in notation.per_layer:  # PReLU's α of a layer: in the style of the text's tags
        styles[name] = max(tags, key=tags.count) if tags else "paren"
    if notation.first_layer == 0:
        styles[""] = "from 0"  # print layer numbers as the text numbers them
    for name, letter, tag in letters:  # z_j where the letter j says the layer: as written
        styles[f"{name}_{letter}"] = "^{" + tag + "}"
    return tag_styles(styles, sizes)


def _start(reading: _Reading) -> _Reading:
    """The state before the first formula: the definitions the text takes for granted."""
    assumed = reading.inferred.assumed if reading.inferred is not None else ()
    if assumed and reading.doc.formulas:
        reading.model = _assumed(reading.model, reading.doc, assumed)
    prose = reading.inferred.prose if reading.inferred is not None else ()
    if prose and reading.doc.formulas:
        reading.model = _from_prose(reading, prose)
    premise = reading.inferred.label_premise if reading.inferred is not None else None
    label = label_name(reading.model)
    if premise is not None and label is not None:  # stated in words: from the first formula
        reading.model = dataclasses.replace(reading.model, label_rule=premise.rule)
        reading.definitions.append(Definition(
            reading.doc.file, premise.line, _PREMISE_LATEX[premise.rule].format(y=label), label))
    return reading
