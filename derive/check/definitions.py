"""The model a formula's rows build: a local model, the rows that define by the inferred
notation, each definition or assumption added."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import sympy

from derive import vectorcheck
from derive.check.distmodel import distribution_model, distribution_notation
from derive.check.rows import _definable, _defines, _string_formula, _validate_indices
from derive.check.state import _Reading
from derive.document import Document, Formula
from derive.errors import InputError
from derive.expr import Call, Quantity
from derive.functions import BY_LATEX, BY_SPELLING
from derive.infer import Inferred
from derive.latex import Equation, Index, RowError, Scalar, Scope, parse_formula
from derive.model import Assumption, Def, Model, label_name
from derive.model.lookup import at_entry_zero
from derive.results import Definition
from derive.vecparse.ellipsis import Elided


def _local_model(reading: _Reading, formula: Formula) -> tuple[Model, Scope]:
    ann = formula.annotation
    if isinstance(ann.get("distributions"), dict):  # H(p, q) = ...: derive.infer.distributions
        spec = ann["distributions"]
        scope = distribution_notation(formula, spec)
        defs = _given_defs(formula, ann.get("given", []), scope)
        return distribution_model(formula, spec, scope, defs), scope
    functions = ann.get("functions", {})
    if not isinstance(functions, dict):
        raise InputError("`functions` must be a table of name = number of arguments",
                         formula.span(0))
    givens = ann.get("given", [])
    names: set[str] = set()
    for g in [*givens, *(g for _row, texts in ann.get("segments", []) for g in texts)]:
        names |= _variables(g)
    names |= set(ann.get("variables", []))  # a generic function's arguments (infer.scalars)
    names = {re.sub(r"[{}]", "", n) for n in names} - set(functions) - {"e"}  # e: Euler's
    scope = Scope(reading.model.notation, formula, scalars=names, functions=dict(functions),
                  local=True)
    defs = _given_defs(formula, givens, scope)
    model = Model(reading.model.notation, tuple(defs), local=True,
                  coordinates=frozenset(ann.get("coordinates", [])),
                  functions=tuple(sorted(functions.items())), name="the local model")
    return model, scope


def _variables(given: str) -> set[str]:
    """The names a `given` string writes: its left side's, and its right side's but for the
    functions every reader knows there (`\\max`, `\\sigma`: they keep their meaning)."""
    pattern = r"\\?[A-Za-z]+(?:_\{?\w+\}?)?"
    lhs, eq, rhs = given.partition("=")
    names = set(re.findall(pattern, lhs))
    rhs = re.sub(r"\\(mathrm|operatorname)\s*\{\s*(\w+)\s*\}",  # \mathrm{ReLU}: one name
                 lambda m: " " if f"\\{m[1]}{{{m[2]}}}" in BY_SPELLING else m[0], rhs)
    return names | {n for n in re.findall(pattern, rhs if eq else "")
                    if n not in BY_SPELLING and n not in BY_LATEX}


def segment_models(formula: Formula, model: Model, scope: Scope) -> list[tuple[int, Model]]:
    """For a local formula whose rows define a function again (the inferred `segments`): the
    first row of each segment and the local model its rows are read in, the formula's model
    with that segment's `given` in place of the formula's."""
    return [(int(row), dataclasses.replace(model, defs=tuple(_given_defs(formula, texts, scope))))
            for row, texts in formula.annotation.get("segments", [])]


def _given_defs(formula: Formula, givens: list[str], scope: Scope) -> list[Def]:
    """The definitions a local formula's `given` writes, each parsed in the local scope."""
    defs: list[Def] = []
    for text in givens:
        pseudo, exact = _string_formula(formula, text, "given")
        pseudo = dataclasses.replace(pseudo, distributions=formula.distributions)
        key = formula.annotation_span("given")
        sub_scope = Scope(scope.notation, pseudo, scope.scalars, scope.functions, scope.local)
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
    return defs


def _inferred_definitions(reading: _Reading, formula: Formula, rows: list, model: Model,
                          restate: Callable[..., set[int]] | None = None
                          ) -> tuple[set[int], tuple[Equation, ...], Model]:
    """Which rows of a formula define, by the inferred notation (`rows` is updated in place:
    a row the inference refuses becomes an error; `J = <definition> = <steps>` defines with
    its first pair, returned to be reported, and keeps the rest as claims)."""
    assert reading.inferred is not None
    for k, eq in enumerate(rows):
        why = reading.inferred.ambiguous.get((formula.number, eq.number))
        if why is not None and isinstance(eq, Equation):
            rows[k] = RowError(eq.number, InputError(
                why, formula.span(eq.lhs.start, max(1, len(eq.lhs.latex)))), eq.line,
                eq.lhs.latex)
    skipped = {r for f, r in reading.inferred.not_checked if f == formula.number}
    def_numbers = set(reading.inferred.definitions.get(formula.number, ())) - skipped
    for eq in rows:  # the first row that defines a name and reads: its definition
        if (isinstance(eq, Equation) and eq.kind == "equation" and len(eq.steps) == 1
                and eq.number not in def_numbers and _undefined(model, eq.lhs.expr)
                and _generic(eq.lhs.expr, reading.inferred)
                and (formula.number, eq.number) not in reading.inferred.claims
                and (formula.number, eq.number) not in reading.inferred.batch_mean
                and (formula.number, eq.number) not in reading.inferred.not_checked
                and (formula.number, eq.number) not in reading.inferred.components):
            def_numbers.add(eq.number)
    heads = reading.inferred.head_definitions.get(formula.number, set()) - skipped
    added: list[Equation] = []
    for k, eq in enumerate(rows):  # `J = <definition> = <derivation ...>`
        if isinstance(eq, Equation) and eq.number in heads and len(eq.steps) > 1:
            head = dataclasses.replace(eq, steps=eq.steps[:1], step_lines=eq.step_lines[:1])
            if restate is not None and not restate(formula, [head], {head.number}, model):
                continue  # `l = <what l already is> = <steps>`: a derivation, all of it checked
            try:
                model = _add_definition(reading, formula, head, model)
                rows[k] = dataclasses.replace(eq, steps=eq.steps[1:],
                                              step_lines=eq.step_lines[1:])
                added.append(head)
            except InputError as err:
                rows[k] = RowError(eq.number, err, eq.line, eq.lhs.latex)
    return def_numbers, tuple(added), model


def _add_definition(reading: _Reading, formula: Formula, eq: Equation, model: Model) -> Model:
    """The model with the row's definitions (or assumption). A left side that names nothing
    the model can define is an error: the row would otherwise be dropped without a word."""
    if eq.kind == "assumption" and _one_hot(model, eq):  # y \in \{(1, 0, 0), (0, 1, 0), ...\}
        reading.definitions.append(Definition(formula.file, eq.line,
                                            f"{eq.lhs.latex} \\in {eq.steps[0].latex}",
                                            label_name(model) or ""))
        return dataclasses.replace(model, label_rule="onehot")
    if eq.kind == "assumption":
        lhs = eq.lhs.expr
        if not (isinstance(lhs, Quantity) and all(isinstance(i, Index) for i in lhs.indices)):
            raise InputError("the left side of an assumption must be one quantity with its "
                             "indices, as in y_j \\in \\{0, 1\\}",
                             formula.span(eq.lhs.start, len(eq.lhs.latex)))
        return model.with_assumption(Assumption(lhs.name, eq.steps[0].expr, eq.line, eq.lhs.latex
                                                + " \\in " + eq.steps[0].latex))
    if _labels_sum_to_one(model, eq):  # a premise the text states: \sum_c y_c = 1
        reading.definitions.append(Definition(formula.file, eq.line,
                                            f"{eq.lhs.latex} = {eq.steps[0].latex}",
                                            label_name(model) or ""))
        return dataclasses.replace(model, label_rule="sum1")
    try:
        _validate_indices(formula, eq)  # J = sum (a^{(l)}_i - y_i)^2: which layer l?
    except InputError as err:
        err.hint = (err.hint or "") + (" (in a definition, every index of the right side must "
                                       "be on the left side or summed over)")
        raise
    if eq.one_hot:  # J = -\sum_k 1\{y = k\} \log p_k: the labels are one class each
        model = dataclasses.replace(model, label_rule="onehot")
    sides = (eq.lhs,) + eq.steps
    for side in sides:
        if side.expr.has(Elided):
            raise InputError("a product over layers written with an ellipsis is checked as a "
                             "claim, not read as a definition",
                             formula.span(side.start, max(1, len(side.latex))))
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
        new = Def(left.expr, right.expr, eq.line, f"{left.latex} = {right.latex}")
        model = _named_argument(reading, model.with_defs(new), new)
        reading.definitions.append(Definition(formula.file, eq.line,
                                            f"{left.latex} = {right.latex}",
                                            _defines(left.expr)))
    return model


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
    return not any(_defines(d.lhs) == name and not at_entry_zero(d.lhs) for d in model.defs)


def _named_argument(reading: _Reading, model: Model, new: Def) -> Model:
    """The model with the definitions whose argument `new` names, rewritten in its terms:
    Nielsen's `a^l_j = \\sigma(\\sum_k w^l_{jk} a^{l-1}_k + b^l_j)`, then `z^l_j = \\sum_k w^l_{jk}
    a^{l-1}_k + b^l_j` (as the inferred notation reads them: `Inferred.named`) make
    a^l_j = \\sigma(z^l_j); the values are the same, and a derivative by z is taken through it."""
    inferred = reading.inferred
    q = new.lhs
    if inferred is None or not isinstance(q, Quantity) or q.name not in inferred.named.values():
        return model
    defs = list(model.defs)
    for k, d in enumerate(defs):
        p = d.lhs
        if (not isinstance(p, Quantity) or inferred.named.get(p.name) != q.name
                or len(p.indices) != len(q.indices) or p.layer != q.layer):
            continue
        rename = dict(zip(q.indices, p.indices))
        arg = new.rhs.xreplace(rename)
        if d.rhs != arg and d.rhs.has(arg):
            defs[k] = dataclasses.replace(d, rhs=d.rhs.xreplace({arg: q.xreplace(rename)}))
    return dataclasses.replace(model, defs=tuple(defs))


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


def _from_prose(reading: _Reading, texts: tuple[tuple[int, str], ...]) -> Model:
    """The model with the definitions the prose names (derive's own LaTeX, each placed at the
    line of its sentence: derive.infer.named)."""
    model = reading.model
    first = reading.doc.formulas[0]
    for line, text in texts:
        pseudo = Formula(0, first.file, text, ((0, line, 1),), first.lines, ())
        for eq in parse_formula(pseudo, Scope(model.notation, pseudo)):
            if isinstance(eq, Equation):
                model = model.with_defs(Def(eq.lhs.expr, eq.steps[0].expr, line, text))
                reading.definitions.append(Definition(first.file, line, text,
                                                      _defines(eq.lhs.expr)))
    return model


def _recursions(reading: _Reading, formula: Formula, model: Model) -> Model:
    """The model with the layer recursions read after this formula's definitions
    (`z^{l+1} = f(z^l)`, derive's own LaTeX placed at the formula: derive.infer.recursion)."""
    assert reading.inferred is not None
    for text in reading.inferred.recursions.get(formula.number, ()):
        pseudo = Formula(0, formula.file, text, ((0, formula.line, 1),), formula.lines,
                         formula.section)
        for eq in parse_formula(pseudo, Scope(model.notation, pseudo)):
            if isinstance(eq, Equation):
                model = model.with_defs(Def(eq.lhs.expr, eq.steps[0].expr, formula.line, text))
                reading.definitions.append(Definition(formula.file, formula.line, text,
                                                      _defines(eq.lhs.expr)))
    return model


def _one_hot(model: Model, eq: Equation) -> bool:
    """`y \\in \\{(1, 0, 0), (0, 1, 0), (0, 0, 1)\\}`: the label vector, written whole, is one of
    the one-hot vectors (every one of them listed): the premise that the labels are one-hot."""
    leaf = getattr(eq.lhs, "tensor", None)
    values = eq.steps[0].expr if len(eq.steps) == 1 else None
    if (leaf is None or getattr(leaf, "name", None) != label_name(model)
            or len(getattr(leaf, "dims", ())) != 1 or not isinstance(values, sympy.FiniteSet)
            or not all(isinstance(v, sympy.Tuple) for v in values.args)):
        return False
    n = len(values.args)
    units = {sympy.Tuple(*(int(k == h) for k in range(n))) for h in range(n)}
    return set(values.args) == units


def _labels_sum_to_one(model: Model, eq: Equation) -> bool:
    """`\\sum_c y_c = 1` over the labels: the premise that they sum to one."""
    if len(eq.steps) != 1 or eq.steps[0].expr != 1 or not isinstance(eq.lhs.expr, sympy.Sum):
        return False
    body, (var, _lo, _hi) = eq.lhs.expr.function, eq.lhs.expr.limits[0]
    return (isinstance(body, Quantity) and body.name == label_name(model)
            and body.indices == (var,))


