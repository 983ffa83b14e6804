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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sympy

from derive.document import Document, Formula, read_document
from derive.errors import InputError
from derive.expr import BatchSum, Call, FuncRef, Partial, Prime, Quantity, Vec, Width, to_latex
from derive.latex import Equation, Index, RowError, Scalar, Scope, Size, parse_formula
from derive.model import (
    CTX,
    INSTANCES,
    LOCAL_INSTANCE,
    PRECISION,
    Assumption,
    Def,
    Evaluator,
    Instance,
    Model,
    OutOfRange,
    Structure,
    Unsupported,
    _backend,
    _label_name,
    backend,
    close,
    key_latex,
    product,
)
from derive.notation import Notation, notation_from_front
from derive.results import Comparison, Counterexample, Definition, FileReport, Result, Status

SEEDS = (0, 1)  # random points per instance (odd seeds also try the extreme labels)


# --------------------------------------------------------------------------------------------
# Evaluating one claim


@dataclass(frozen=True)
class Trial:
    instance: Instance
    env: tuple[tuple[sympy.Symbol, int], ...]
    seed: int
    lhs: sympy.Expr
    rhs: sympy.Expr


@dataclass
class Outcome:
    ok: bool
    trials: list[Trial] = field(default_factory=list)
    witness: Trial | None = None
    unsupported: str | None = None  # why it could not be evaluated
    overrun: str | None = None  # a summed index left its quantity's range
    assignments: int = 0


class Engine:
    """Evaluators cached per (model, instance, point), shared by all checks of a document."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[Model, Evaluator]] = {}  # model kept alive with its id
        self._structures: dict[tuple, Structure] = {}

    def evaluator(self, model: Model, instance: Instance, seed: int) -> Evaluator:
        key = (id(model), instance, seed)
        held = self._cache.get(key)
        ev = held[1] if held is not None and held[0] is model else None
        if ev is None or ev.model is not model:
            # the structure (cut expressions, derivatives) depends on the definitions, not on
            # the labels drawn: models that differ only in an assumption share it
            skey = (model.defs, model.local, model.coordinates, model.functions, instance)
            structure = self._structures.get(skey)
            if structure is None:
                structure = self._structures[skey] = Structure()
            ev = Evaluator(model, instance, seed, structure)
            self._cache[key] = (model, ev)
            return ev
        return ev

    def instances(self, model: Model) -> tuple[Instance, ...]:
        return (LOCAL_INSTANCE,) if model.local else INSTANCES

    def domain(self, model: Model, instance: Instance, free: list[Index],
               exprs: Iterable[sympy.Basic]) -> Iterator[dict]:
        """Every assignment of the free indices at which all the quantities written exist."""
        ev = self.evaluator(model, instance, SEEDS[0])
        atoms = [a for e in exprs for a in sympy.preorder_traversal(e)
                 if isinstance(a, (Quantity, Width, Vec))]
        top = max(instance.widths + (instance.layers,))
        for combo in product(len(free), top):
            env = dict(zip(free, combo))
            if all(_atom_ok(ev, a, env) for a in atoms):
                yield env

    def evaluate(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic, *,
                 restrict: Callable[[dict], bool] | None = None,
                 limit: int | None = None) -> Outcome:
        free = sorted(_free_indices(lhs) | _free_indices(rhs), key=str)
        out = Outcome(ok=True)
        for instance in self.instances(model):
            for env in self.domain(model, instance, free, (lhs, rhs)):
                if restrict is not None and not restrict(env):
                    continue
                out.assignments += 1
                for seed in SEEDS:
                    ev = self.evaluator(model, instance, seed)
                    try:
                        lv = ev.ground(lhs, env, 1)
                        rv = ev.ground(rhs, env, 1)
                    except OutOfRange as exc:
                        out.ok = False
                        out.overrun = exc.what
                        return out
                    except (Unsupported, ZeroDivisionError) as exc:
                        out.ok = False
                        out.unsupported = str(exc)
                        return out
                    if isinstance(lv, CTX.mpc) or isinstance(rv, CTX.mpc):
                        out.ok = False
                        out.unsupported = ("a side is not a real number here (a logarithm or root "
                                           "of a negative value?)")
                        return out
                    trial = Trial(instance, tuple(sorted(env.items(), key=lambda kv: str(kv[0]))),
                                  seed, lv, rv)
                    out.trials.append(trial)
                    if not _close(lv, rv):
                        out.ok = False
                        out.witness = trial
                        return out
                    if limit is not None and len(out.trials) >= limit:
                        return out
        return out

    def sample(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic, limit: int,
               restrict: Callable[[dict], bool] | None = None) -> list[Trial]:
        """Up to `limit` points where both sides' quantities exist, spread over the instances,
        with the left side's value (the right side is not evaluated)."""
        free = sorted(_free_indices(lhs) | _free_indices(rhs), key=str)
        pools = []
        for instance in self.instances(model):
            envs = [e for e in self.domain(model, instance, free, (lhs, rhs))
                    if restrict is None or restrict(e)]
            pools.append([(instance, e, seed) for e in envs for seed in SEEDS])
        out: list[Trial] = []
        while len(out) < limit and any(pools):
            for pool in pools:
                if pool and len(out) < limit:
                    instance, env, seed = pool.pop(0)
                    try:
                        value = self.evaluator(model, instance, seed).ground(lhs, env, 1)
                    except (OutOfRange, Unsupported, ZeroDivisionError):
                        continue
                    out.append(Trial(instance, tuple(sorted(env.items(), key=lambda kv: str(kv[0]))),
                                     seed, value, value))
        return out

    def values(self, model: Model, expr: sympy.Basic, trials: list[Trial]) -> list[sympy.Expr]:
        out = []
        for t in trials:
            out.append(self.evaluator(model, t.instance, t.seed).ground(expr, dict(t.env), 1))
        return out


def _atom_ok(ev: Evaluator, atom: sympy.Basic, env: dict) -> bool:
    """Whether an atom's coordinates that depend only on free indices are in range."""

    def known(e: sympy.Basic) -> int | None:
        syms = [s for s in e.free_symbols if isinstance(s, Index)]
        if any(s not in env for s in syms):
            return None
        try:
            return ev._ground_int(e, env)
        except (Unsupported, OutOfRange):
            return None

    try:
        if isinstance(atom, Width):
            lay = known(atom.layer)
            return lay is None or 1 <= lay <= ev.instance.layers
        if isinstance(atom, Vec):
            lay = known(atom.layer) if atom.layer is not None else None
            return lay is None or 1 <= lay <= ev.instance.layers
        spec = ev.model.spec(atom.name)
        if spec is None:
            return True
        layer = known(atom.layer) if atom.layer is not None else None
        if spec.layers:
            lo, hi = ev._range(spec.layers)
            if layer is not None and not lo <= layer <= hi:
                return False
            if layer is None and atom.layer is not None:
                return True  # the layer is summed over: checked when grounded
        for idx, shp in zip(atom.indices, spec.shape):
            v = known(idx)
            if v is not None and not 1 <= v <= ev._shape(shp, layer):
                return False
        return True
    except OutOfRange:
        return False


_close = close


def _free_indices(e: sympy.Basic) -> set[Index]:
    return {s for s in e.free_symbols if isinstance(s, Index)}


# --------------------------------------------------------------------------------------------
# Diagnoses: one edit that would make a refuted claim hold


def _atoms(e: sympy.Basic, types: tuple = (Quantity,)) -> list[sympy.Basic]:
    seen: list[sympy.Basic] = []
    for a in sympy.preorder_traversal(e):
        if isinstance(a, types) and a not in seen:
            seen.append(a)
    return seen


def _each_occurrence(e: sympy.Basic, target: sympy.Basic, new: sympy.Basic) -> list[sympy.Basic]:
    """`e` with one occurrence of `target` replaced by `new`, for each occurrence in turn."""
    count = [0]

    def walk(x: sympy.Basic, which: int) -> sympy.Basic:
        if x == target:
            count[0] += 1
            return new if count[0] - 1 == which else x
        if not x.args or isinstance(x, (Quantity, Width)):
            return x
        args = [walk(a, which) for a in x.args]
        return x if all(a is b for a, b in zip(args, x.args)) else x.func(*args)

    out: list[sympy.Basic] = []
    which = 0
    while True:
        count[0] = 0
        candidate = walk(e, which)
        if which >= count[0]:
            return out
        out.append(candidate)
        which += 1


def _bound_indices(e: sympy.Basic) -> set[Index]:
    out: set[Index] = set()
    for s in sympy.preorder_traversal(e):
        if isinstance(s, sympy.Sum):
            out |= {lim[0] for lim in s.limits}
    return out


def _ratio(lv, rv):  # type: ignore[no-untyped-def]
    if abs(lv) <= CTX.mpf("1e-15"):
        return None
    return rv / lv


def _nice(c) -> str:  # type: ignore[no-untyped-def]
    r = sympy.nsimplify(float(c), tolerance=1e-9, rational=True)
    return to_latex(r)


class Diagnoser:
    """Search for one edit of the written side that makes it equal the derived side.

    Each candidate is tested on a spread of points (the witness first); an edit is reported
    only if it holds at all of them.
    """

    def __init__(self, engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                 witness: Trial | None = None,
                 restrict: Callable[[dict], bool] | None = None):
        self.engine = engine
        self.model = model
        self.lhs = lhs
        self.rhs = rhs
        self.restrict = restrict
        sample = engine.sample(model, lhs, rhs, 12, restrict)
        self.trials = ([witness] if witness else []) + sample[: 12 - bool(witness)]
        self.lvals = [t.lhs for t in self.trials]

    def holds(self, candidate: sympy.Basic) -> bool:
        if not self.trials:
            return False
        try:
            vals = self.engine.values(self.model, candidate, self.trials)
        except (OutOfRange, Unsupported, ZeroDivisionError, KeyError, TypeError):
            return False
        return all(_close(a, b) for a, b in zip(self.lvals, vals))

    def run(self) -> str | None:
        if isinstance(self.rhs, sympy.Piecewise):
            return self.cases()
        for step in (self.constant, self.swapped, self.factor, self.index, self.variable,
                     self.layer, self.bound, self.sign, self.term, self.missing_term):
            found = step()
            if found:
                return found
        return None

    def cases(self) -> str | None:
        """A `cases` block: diagnose the case that fails, on the points where it applies."""
        for value, cond in self.rhs.args:
            def applies(env: dict, cond: sympy.Basic = cond) -> bool:
                c = cond.xreplace({k: sympy.Integer(v) for k, v in env.items()})
                return c == sympy.true and (self.restrict is None or self.restrict(env))

            sub = Diagnoser(self.engine, self.model, self.lhs, value, None, applies)
            if sub.trials and not sub.holds(value):
                found = sub.run()
                if found:
                    return f"in the case ${to_latex(cond)}$: {found}"
        return None

    def constant(self) -> str | None:
        try:
            rvals = self.engine.values(self.model, self.rhs, self.trials)
        except (OutOfRange, Unsupported, ZeroDivisionError):
            return None
        # points where the derived side vanishes say nothing about a ratio: skip them
        ratios = [r for r in (_ratio(lv, rv) for lv, rv in zip(self.lvals, rvals)) if r is not None]
        if len(ratios) < 2:
            return None
        r0 = ratios[0]
        if all(_close(r, r0) for r in ratios) and not _close(r0, 1):
            if _close(r0, -1):
                return "sign: the right side is the negative of the derived value"
            return f"constant factor: the right side is ${_nice(r0)}$ times the derived value"
        return None

    def swapped(self) -> str | None:
        free = sorted(_free_indices(self.lhs) | _free_indices(self.rhs), key=str)
        for k, a in enumerate(free):
            for b in free[k + 1 :]:
                if self.holds(self.rhs.xreplace({a: b, b: a})):
                    return f"swapped indices: ${a}$ and ${b}$ are exchanged on the right side"
        return None

    def _factor_candidates(self) -> list[sympy.Basic]:
        cands: list[sympy.Basic] = []
        for a in _atoms(self.rhs, (Quantity, Prime, Call, Partial)) + _atoms(
                self.lhs, (Quantity, Prime, Call, Partial)):
            if a not in cands and not _bound_indices(a) & a.free_symbols:
                cands.append(a)
        # g'(z) at every layer and index the formula mentions, for every one-argument function
        # the model applies to a quantity (a = g(z) gives g'(z))
        applied = {(d.rhs.fname, d.rhs.params[0].name) for d in self.model.defs
                   if isinstance(d.rhs, Call) and len(d.rhs.params) == 1
                   and isinstance(d.rhs.params[0], Quantity)}
        for q in _atoms(self.lhs, (Quantity,)) + _atoms(self.rhs, (Quantity,)):
            for fname, arg in sorted(applied):
                if q.layer is not None:
                    c = Prime(fname, Quantity(arg, (q.layer,), q.indices))
                    if c not in cands:
                        cands.append(c)
        # per-neuron quantities at the layers and indices the formula mentions (a missing a_j)
        layers = {q.layer for q in _atoms(self.lhs, (Quantity,)) + _atoms(self.rhs, (Quantity,))
                  if q.layer is not None}
        layers |= {lay + 1 for lay in layers}
        free = sorted(_free_indices(self.lhs) | _free_indices(self.rhs), key=str)
        if not self.model.local:
            for name, spec in sorted(self.model.notation.quantities.items()):
                if spec.parameter or len(spec.shape) != 1:
                    continue
                for lay in sorted(layers, key=str) if spec.layers else [None]:
                    for idx in free:
                        c = Quantity(name, (lay,) if lay is not None else (), (idx,))
                        if c not in cands:
                            cands.append(c)
        if self.model.notation.batch and not self.model.local:
            cands.append(Size(self.model.notation.batch))
        return cands

    def factor(self) -> str | None:
        cands = self._factor_candidates()
        # a size is missing as a divisor (the 1/m of an average), a quantity as a factor
        edits = [(c, c) for c in cands if not isinstance(c, Size)] + [
            (1 / c, c) for c in cands if isinstance(c, Size)]
        for factor, _ in edits:
            if self.holds(self.rhs / factor):
                return f"extra factor: ${to_latex(factor)}$ should not be on the right side"
            if self.holds(self.rhs * factor):
                return f"missing factor: the right side lacks a factor ${to_latex(factor)}$"
        if isinstance(self.rhs, sympy.Add):  # a factor missing from one term (1/m in an update)
            for t in self.rhs.args:
                for factor, _ in edits:
                    if self.holds(self.rhs - t + t * factor):
                        return (f"missing factor: the term ${to_latex(t)}$ lacks a factor "
                                f"${to_latex(factor)}$")
                    if self.holds(self.rhs - t + t / factor):
                        return (f"extra factor: ${to_latex(factor)}$ should not be in the term "
                                f"${to_latex(t)}$")
        return None

    def index(self) -> str | None:
        names = sorted(_free_indices(self.lhs) | _free_indices(self.rhs) | _bound_indices(self.rhs),
                       key=str)
        for q in _atoms(self.rhs, (Quantity,)):
            if len(q.indices) == 2:  # w_{ij} for w_{ji}
                fixed = q.with_(indices=tuple(reversed(q.indices)))
                if self.holds(self.rhs.xreplace({q: fixed})):
                    return f"swapped indices: ${to_latex(q)}$ should be ${to_latex(fixed)}$"
            for pos, old in enumerate(q.indices):
                for new in names:
                    if new == old:
                        continue
                    idx = list(q.indices)
                    idx[pos] = new
                    fixed = q.with_(indices=tuple(idx))
                    if any(self.holds(c) for c in _each_occurrence(self.rhs, q, fixed)):
                        return f"wrong index: ${to_latex(q)}$ should be ${to_latex(fixed)}$"
        return None

    def variable(self) -> str | None:
        """A plain variable exchanged for another (∂y_2 written for ∂y_1 in a chain rule)."""
        scalars = sorted({s for s in (self.lhs.free_symbols | self.rhs.free_symbols)
                          if isinstance(s, Scalar)}, key=str)
        for p in _atoms(self.rhs, (Partial,)):
            for part in (p.num, p.den):
                if not isinstance(part, Scalar):
                    continue
                for other in scalars:
                    if other == part:
                        continue
                    fixed = Partial(other if part is p.num else p.num,
                                    other if part is p.den else p.den, p.total)
                    if any(self.holds(c) for c in _each_occurrence(self.rhs, p, fixed)):
                        return f"wrong variable: ${to_latex(p)}$ should be ${to_latex(fixed)}$"
        return None

    def layer(self) -> str | None:
        for q in _atoms(self.rhs, (Quantity,)):
            if q.layer is None:
                continue
            for d in (1, -1, 2, -2):
                fixed = q.with_(layer=q.layer + d)
                if any(self.holds(c) for c in _each_occurrence(self.rhs, q, fixed)):
                    return f"wrong layer: ${to_latex(q)}$ should be ${to_latex(fixed)}$"
        return None

    def bound(self) -> str | None:
        widths = _atoms(self.rhs, (Width,))
        layers = {w.layer for w in widths} | {q.layer for q in _atoms(self.rhs, (Quantity,))
                                              if q.layer is not None}
        for w in widths:
            for lay in sorted(layers | {w.layer + 1, w.layer - 1}, key=str):
                fixed = Width(w.name, lay)
                if fixed != w and self.holds(self.rhs.xreplace({w: fixed})):
                    return f"sum bound: ${to_latex(w)}$ should be ${to_latex(fixed)}$"
        for s in _atoms(self.rhs, (sympy.Sum,)):
            var, lo, hi = s.limits[0]
            body = s.function
            if body.has(sympy.KroneckerDelta):
                plain = body.replace(lambda x: isinstance(x, sympy.KroneckerDelta),
                                     lambda x: sympy.Integer(0))
                if self.holds(self.rhs.xreplace({s: sympy.Sum(plain, (var, lo, hi))})):
                    return f"sum range: the sum over ${var}$ should include every ${var}$"
        return None

    def sign(self) -> str | None:
        """One term of a sum anywhere in the expression with the wrong sign."""
        for add in _atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if self.holds(self.rhs.xreplace({add: add - 2 * t})):
                    return f"sign of a term: ${to_latex(t)}$ has the wrong sign"
        return None

    def missing_term(self) -> str | None:
        """A chain-rule term left out: a derivative of the formula's own variables."""
        parts = _atoms(self.lhs, (Partial,)) + _atoms(self.rhs, (Partial,))
        nums = list(dict.fromkeys(p.num for p in parts))
        dens = list(dict.fromkeys(p.den for p in parts))
        for num in nums:
            for den in dens:
                if num == den:
                    continue
                for total in (False, True):
                    c = Partial(num, den, total)
                    if self.holds(self.rhs + c):
                        return f"missing term: ${to_latex(c)}$ is left out"
        return None

    def term(self) -> str | None:
        for add in _atoms(self.rhs, (sympy.Add,)):
            for t in add.args:
                if self.holds(self.rhs.xreplace({add: add - t})):
                    return f"extra term: ${to_latex(t)}$ should not be there"
        return None


# --------------------------------------------------------------------------------------------
# Assumptions under which a failing claim holds


@dataclass(frozen=True)
class Condition:
    name: str  # shown to the reader
    model: Callable[[Model], Model]
    restrict: Callable[[dict], bool] | None = None


def _same_model(m: Model) -> Model:
    return m


def _differ(a: Index, b: Index) -> Callable[[dict], bool]:
    return lambda env: env[a] != env[b]


def _equal(a: Index, b: Index) -> Callable[[dict], bool]:
    return lambda env: env[a] == env[b]


def _conditions(lhs: sympy.Basic, rhs: sympy.Basic) -> list[Condition]:
    from dataclasses import replace

    out = [Condition("the labels sum to one: $\\sum_j y_j = 1$ (one-hot labels)",
                     lambda m: replace(m, label_rule="onehot"))]
    free = sorted(_free_indices(lhs) | _free_indices(rhs), key=str)
    for k, a in enumerate(free):
        for b in free[k + 1 :]:
            out.append(Condition(f"${a} \\ne {b}$", _same_model, _differ(a, b)))
            out.append(Condition(f"${a} = {b}$", _same_model, _equal(a, b)))
    return out


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
    claims: bool = True  # False: only collect the model's definitions
    symbolic: bool = False  # also try to confirm verified claims with sympy.simplify


def check_file(path: str | Path, display_name: str | None = None, *,
               symbolic: bool = False) -> FileReport:
    """Check one formulas file. Raises `InputError` only when the file itself cannot be read;
    a bad formula becomes an ERROR result and the others are still checked.

    With `symbolic`, each verified claim is also put to `sympy.simplify` (slower)."""
    doc = read_document(path, display_name)
    return check_document(doc, symbolic=symbolic)


def check_document(doc: Document, *, symbolic: bool = False) -> FileReport:
    notation = notation_from_front(doc.front, doc.file)
    state = _State(doc, Engine(), Model(notation), symbolic=symbolic)
    for formula in doc.formulas:
        _check_formula(state, formula)
    notes = _model_notes(state) + _partings(state.results)
    return FileReport(
        file=doc.file,
        title=doc.title,
        results=tuple(state.results),
        definitions=tuple(state.definitions),
        instances=tuple(_label(i, notation) for i in INSTANCES),
        notes=tuple(notes),
        headings=doc.headings,
    )


def _error_result(formula: Formula, err: InputError, latex: str, line: int) -> Result:
    span = err.span
    return Result(
        file=formula.file, line=span.line if span else line, col=span.col if span else 1,
        latex=latex, kind="error", status=Status.ERROR, message=err.message,
        section=formula.section, formula=formula.number, diagnosis=err.render(),
    )


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
        pseudo = Formula(formula.number, formula.file, text, ((0, formula.line - 1, 1),),
                         formula.lines, formula.section)
        sub_scope = Scope(scope.notation, pseudo, scope.scalars, scope.functions, True)
        for eq in parse_formula(pseudo, sub_scope):
            if isinstance(eq, RowError):
                raise InputError(f"in the `given` of this formula: {eq.error.message}",
                                 formula.span(0))
            defs.append(Def(eq.lhs.expr, eq.steps[0].expr, formula.line - 1, text))
    model = Model(state.model.notation, tuple(defs), local=True,
                  coordinates=frozenset(ann.get("coordinates", [])),
                  functions=tuple(sorted(functions.items())), name="the local model")
    return model, scope


def _check_formula(state: _State, formula: Formula) -> None:
    ann = formula.annotation
    try:
        if ann.get("local"):
            model, scope = _local_model(state, formula)
        else:
            model, scope = state.model, Scope(state.model.notation, formula)
        rows = parse_formula(formula, scope)
    except InputError as err:
        state.results.append(_error_result(formula, err, formula.text, formula.line))
        return
    marked = ann.get("definitions")
    numbers = {e.number for e in rows}
    if marked == "all":
        def_numbers = numbers
    elif isinstance(marked, list):
        def_numbers = set(marked)
    else:
        def_numbers = set()
    # definitions first: a block may define g and then state a property of it
    for eq in rows:
        if isinstance(eq, Equation) and eq.number in def_numbers:
            model = _add_definition(state, formula, eq, model)
    if not ann.get("local"):
        state.model = model
    if not state.claims:
        return
    compare = _compare_model(state, formula, model)
    for eq in rows:
        if isinstance(eq, RowError):
            state.results.append(_error_result(formula, eq.error, eq.latex, eq.line))
        elif eq.number in def_numbers:
            _report_definition(state, formula, eq)
        else:
            try:
                _check_equation(state, formula, eq, model, compare)
            except InputError as err:
                state.results.append(_error_result(formula, err, eq.lhs.latex, eq.line))
            except Exception as exc:  # a bug must not cost the other formulas their check
                state.results.append(Result(
                    file=formula.file, line=eq.line, col=eq.col, latex=eq.lhs.latex,
                    kind="equation", status=Status.UNCHECKED,
                    message=f"internal error while checking: {type(exc).__name__}: {exc}",
                    section=formula.section, formula=formula.number))


def collect_model(path: str | Path) -> Model:
    """The document's model after all its definitions, without checking any claim."""
    doc = read_document(path)
    state = _State(doc, Engine(), Model(notation_from_front(doc.front, doc.file)), claims=False)
    for formula in doc.formulas:
        _check_formula(state, formula)
    return state.model


def _add_definition(state: _State, formula: Formula, eq: Equation, model: Model) -> Model:
    if eq.kind == "assumption":
        lhs = eq.lhs.expr
        name = lhs.name if isinstance(lhs, Quantity) else str(lhs)
        return model.with_assumption(Assumption(name, eq.steps[0].expr, eq.line, eq.lhs.latex
                                                + " \\in " + eq.steps[0].latex))
    sides = (eq.lhs,) + eq.steps
    for left, right in zip(sides, sides[1:]):
        if _definable(left.expr):
            model = model.with_defs(Def(left.expr, right.expr, eq.line,
                                        f"{left.latex} = {right.latex}"))
            state.definitions.append(Definition(formula.file, eq.line,
                                                f"{left.latex} = {right.latex}",
                                                _defines(left.expr)))
    return model


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


def _report_definition(state: _State, formula: Formula, eq: Equation) -> None:
    kind = "assumption" if eq.kind == "assumption" else "definition"
    what = "an assumption of the model" if kind == "assumption" else (
        "taken as a definition of the model")
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

    alt = replace(model, name=str(spec.get("name", "the alternative model")))
    for text in spec.get("replace", []):
        pseudo = Formula(formula.number, formula.file, text, ((0, formula.line, 1),),
                         formula.lines, formula.section)
        for eq in parse_formula(pseudo, Scope(model.notation, pseudo)):
            if isinstance(eq, Equation):
                alt = alt.with_defs(Def(eq.lhs.expr, eq.steps[0].expr, formula.line, text))
    state.compare[key] = alt
    return alt


def _check_equation(state: _State, formula: Formula, eq: Equation, model: Model,
                    compare: Model | None) -> None:
    lhs = eq.lhs.expr
    notation = model.notation
    if eq.kind == "update":
        target = _update_target(model, lhs)
        derivation_note = ("gradient descent on the minibatch mean loss: the derived side is "
                           f"${to_latex(lhs)} - {notation.rate or 'α'} \\frac{{\\partial}}"
                           f"{{\\partial {to_latex(lhs)}}} \\frac{{1}}{{{notation.batch}}}"
                           f"\\sum_{{{notation.sample}}} {notation.loss}$, differentiated with sympy")
    else:
        target = lhs
        derivation_note = ""
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
        result = _verdict(state, model, target, step.expr, compare)
        lint = _lint_expansions(state, model, step.expr, previous)
        derivation = _derivation_text(model, target, step.expr, derivation_note)
        state.results.append(Result(
            file=formula.file, line=line, col=col, latex=latex, kind=kind,
            status=result.status, message=result.message, section=formula.section,
            formula=formula.number, step=k if chain else None, parsed=parsed,
            derivation=derivation, evidence=result.evidence, assumptions=result.assumptions,
            diagnosis=result.diagnosis, counterexample=result.counterexample,
            lint=tuple(lint), comparisons=result.comparisons,
        ))
        previous = step.expr


def _update_target(model: Model, lhs: sympy.Basic) -> sympy.Basic | None:
    n = model.notation
    if not (n.loss and n.rate) or n.loss not in n.quantities or n.rate not in n.scalars:
        return None
    loss = Quantity(n.loss, (), ())
    rate = Scalar(n.rate)
    m = Size(n.batch)
    return lhs - rate * Partial(BatchSum(loss, n.sample) / m, lhs)


def _validate_indices(formula: Formula, eq: Equation) -> None:
    lhs_free = _free_indices(eq.lhs.expr)
    for step in (eq.lhs,) + eq.steps:
        free = _free_indices(step.expr)
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
            f"{PRECISION}-digit arithmetic")


def _verdict(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
             compare: Model | None, *, with_comparison: bool = True) -> _Verdict:
    engine = state.engine
    o = engine.evaluate(model, lhs, rhs)
    comparisons: tuple[Comparison, ...] = ()
    if compare is not None and with_comparison:
        alt = _verdict(state, compare, lhs, rhs, None, with_comparison=False)
        comparisons = (Comparison(compare.name, alt.status, alt.message.split(":")[0],
                                  alt.diagnosis),)
    if o.unsupported:
        return _Verdict(Status.UNCHECKED, f"could not evaluate: {o.unsupported}",
                        comparisons=comparisons)
    if o.ok and not o.overrun:
        if not o.trials:
            return _Verdict(Status.UNCHECKED, "no layer and index values where every quantity "
                            "of the formula exists in the networks checked", comparisons=comparisons)
        evidence = _evidence(o, model)
        if state.symbolic and with_comparison:
            evidence += "; " + _symbolic_evidence(engine, model, lhs, rhs, o.trials[0])
        return _Verdict(Status.VERIFIED, "agrees with the derivation at every point and index",
                        evidence=evidence, comparisons=comparisons)
    witness = _counterexample(engine, model, o.witness, lhs, rhs)
    label_conditions = [c for c in _conditions(lhs, rhs) if c.restrict is None]
    index_conditions = [c for c in _conditions(lhs, rhs) if c.restrict is not None]

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
    diagnosis = Diagnoser(engine, model, lhs, rhs, o.witness).run()
    if diagnosis is None:
        # a difference that is simple only under an assumption: say so with the assumption
        for cond in label_conditions:
            m2 = cond.model(model)
            o2 = engine.evaluate(m2, lhs, rhs)
            if o2.witness is not None:
                edit = Diagnoser(engine, m2, lhs, rhs, o2.witness).run()
                if edit:
                    diagnosis = f"{edit} (when {cond.name})"
                    break
    if diagnosis is None and not o.overrun:
        # only now an index condition: a claim with an error holds trivially where i = j
        for cond in index_conditions:
            found = conditional(cond)
            if found:
                return found
    if o.overrun:
        msg = f"a summed index runs past the end of {o.overrun}"
        diagnosis = diagnosis or "sum bound: the sum runs over indices the quantity does not have"
        evidence = f"numeric: grounding the written side needs {o.overrun}"
    else:
        msg = "differs from the derivation"
        evidence = _refuted_evidence(o, model)
    if diagnosis:  # the finding in one sentence: "...: the right side lacks a factor a_j"
        msg += ": " + (diagnosis.split(": ", 1)[1] if ": " in diagnosis else diagnosis)
    return _Verdict(Status.REFUTED, msg, evidence=evidence, diagnosis=diagnosis,
                    counterexample=witness, comparisons=comparisons)


SYMBOLIC_SIZE = 600  # operations: beyond this sympy.simplify takes too long to be worth it


def _symbolic_evidence(engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
                       trial: Trial) -> str:
    """Try to prove the claim at one index assignment of the first instance by simplifying
    the difference of the fully expanded sides to zero."""
    where = f"at {_label(trial.instance, model.notation)}" + (
        "; " + ", ".join(f"{k}={v}" for k, v in trial.env) if trial.env else "")
    if model.local:  # generic functions stay undefined: f(x, y), not a random stand-in
        ev = Evaluator(model, trial.instance, trial.seed, Structure(engine=_backend("sympy")),
                       generic=True)
        where = "with the generic functions undefined"
    else:
        ev = engine.evaluator(model, trial.instance, trial.seed)
    try:
        diff = ev.symbolic(lhs, dict(trial.env), 1) - ev.symbolic(rhs, dict(trial.env), 1)
        expr = diff._sympy_() if hasattr(diff, "_sympy_") else diff
    except (Unsupported, OutOfRange) as exc:
        return f"symbolic: not attempted ({exc})"
    size = sympy.count_ops(expr)
    if size > SYMBOLIC_SIZE:
        return f"symbolic: not attempted ({size} operations {where})"
    if sympy.simplify(expr.doit()) == 0:
        return f"symbolic: confirmed by sympy.simplify {where}"
    return f"symbolic: sympy.simplify could not reduce the difference to 0 {where}"


def _fmt(v) -> str:  # type: ignore[no-untyped-def]
    if isinstance(v, CTX.mpc):
        return CTX.nstr(v, 10)
    if v == int(v) and abs(v) < 10**12:
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
    labels = _label_name(model)
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
    named = {p.den: p.num for p in _atoms(previous, (Partial,))
             if isinstance(p.num, (Quantity, Scalar))}
    for p in _atoms(step, (Partial,)):
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
    ratios = [_ratio(a, b) for a, b in zip(qv, ev)]
    if not ratios or any(r is None for r in ratios):
        return False
    return all(_close(r, ratios[0]) for r in ratios)


def _expansion_fix(state: _State, model: Model, e: sympy.Basic, q: sympy.Basic) -> str | None:
    names = sorted(_free_indices(e) | _free_indices(q), key=str)
    for atom in _atoms(e, (Quantity,)):
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
    engine = backend().name
    parts: list[str] = []
    if note:
        parts.append(note)
    for p in _atoms(lhs, (Partial,)) + _atoms(rhs, (Partial,)):
        kind = "total derivative" if p.total else "partial derivative"
        held = (f", holding {', '.join(sorted(model.coordinates))} fixed"
                if model.coordinates and not p.total else "")
        parts.append(f"${to_latex(p)}$: {kind}: ${to_latex(p.num)}$ expanded through the "
                     f"definitions and differentiated ({engine}) with ${to_latex(p.den)}$ as the "
                     f"variable{held}")
    for q in _atoms(lhs, (Prime,)) + _atoms(rhs, (Prime,)):
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
        cost = _softmax_cost(state, base)
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
        top = ev.ground(pred.lhs.xreplace({i: 1 for i in _free_indices(pred.lhs)}),
                        {}, 1)
    except (OutOfRange, Unsupported, ValueError, TypeError):
        return None
    floor = -sympy.log(top)
    return (f"The document's softmax takes ${vec.name}^{{({n.layers})}} = "
            f"{act.rhs.fname}(\\cdot)$, which lies in $({to_latex(lo)}, {to_latex(hi)})$: with 10 "
            f"classes no probability exceeds {float(top):.4f}, so the cross-entropy of a one-hot "
            f"label cannot fall below {float(floor):.4f} (derived by sympy.limit of "
            f"${act.rhs.fname}$ and the definition of ${to_latex(pred.lhs)}$).")
