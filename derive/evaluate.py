"""Evaluating a claim: both sides at every valid index value of every network, at every point.

An `Engine` keeps one `Evaluator` per (model, network instance, random point) for a whole
document, so values and derivatives computed for one formula serve the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sympy

from derive.budget import poll
from derive.existence import atom_ok, atoms_and_slots, box, entrywise, fixed_layers_only
from derive.expr import NODE_TYPES, BatchProduct, BatchSum, Prime, Width, to_latex
from derive.functions import kink_points
from derive.latex import Index, Scalar
from derive.model import (
    INSTANCES,
    LOCAL_INSTANCE,
    Evaluator,
    Instance,
    Model,
    OutOfRange,
    Structure,
    product,
    with_sizes,
)
from derive.numbers import CTX, AtKink, Unsupported, at_kinks, close, sympy_num, sympy_number
from derive.standins import StandIns

SEEDS = (0, 1)  # random points per instance (odd seeds also try the extreme labels)
KINK_RETRIES = 6  # other points tried when one sits at a kink
MAX_TERMS = 10_000  # terms the sums of one side may expand to in a network checked

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
    overrun_layer: bool = False  # the overrun is a layer past the quantity's layers
    assignments: int = 0
    moved: int = 0  # points moved off a kink of a non-smooth function
    notes: list[str] = field(default_factory=list)  # conventions at kinks, reported


class Engine(StandIns):
    """Evaluators cached per (model, instance, point), shared by all checks of a document."""

    first_seed = SEEDS[0]

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[Model, Evaluator]] = {}  # model kept alive with its id
        self._structures: dict[tuple, Structure] = {}
        self._twice: dict[int, tuple[Model, Model]] = {}
        self._candidates: dict[tuple, tuple[Model, Model]] = {}
        # the values the claim being checked is stated for (`\\quad (l = 2, 3)`): no other
        # assignment of those indices is evaluated (`holding_for`)
        self.holds_for: dict[Index, frozenset[int]] = {}
        # the index conditions it is stated under (`\\qquad (i \\neq j)`): (index, `ne` or
        # `eq`, index); no assignment that breaks one is evaluated
        self.holds_if: tuple[tuple[Index, str, Index], ...] = ()

    @contextmanager
    def holding_for(self, values: dict[Index, frozenset[int]],
                    conditions: tuple[tuple[Index, str, Index], ...] = ()) -> Iterator[None]:
        """Evaluate only at these values of these indices, and where these conditions hold,
        within the block."""
        before, self.holds_for = self.holds_for, values
        held, self.holds_if = self.holds_if, conditions
        try:
            yield
        finally:
            self.holds_for = before
            self.holds_if = held

    def evaluator(self, model: Model, instance: Instance, seed: int) -> Evaluator:
        key = (id(model), instance, seed)
        held = self._cache.get(key)
        ev = held[1] if held is not None and held[0] is model else None
        if ev is None or ev.model is not model:
            # the structure (cut expressions, derivatives) depends on the definitions, not on
            # the labels drawn: models that differ only in an assumption share it
            skey = (model.defs, model.local, model.coordinates, model.functions,
                    model.loss_scale, instance)
            structure = self._structures.get(skey)
            if structure is None:
                structure = self._structures[skey] = Structure()
            ev = Evaluator(model, instance, seed, structure)
            self._cache[key] = (model, ev)
            return ev
        return ev

    def instances(self, model: Model, claim: tuple = ()) -> tuple[Instance, ...]:
        """The networks a claim is checked in (`_instances`), with the widths its section fixes
        in prose (`Model.fixed_sizes`)."""
        found = self._instances(model, claim)
        return with_sizes(found, model.fixed_sizes) if model.fixed_sizes else found

    def _instances(self, model: Model, claim: tuple = ()) -> tuple[Instance, ...]:
        """The networks a claim is checked in before any size is fixed. A quantity the text defines entry by entry
        (o_1 = ..., o_2 = ..., o_3 = ...) exists in the networks whose range of it is exactly
        those entries; when none is, all of them (its missing entries are then said). A claim
        written only at fixed layers in a text that states its worked example's depth: the
        networks of that depth (the one of the example's widths, where they were read)."""
        if model.local:
            return (LOCAL_INSTANCE,)
        if model.depth and claim and fixed_layers_only(claim):
            if model.widths is not None and len(model.widths) == model.depth:
                return (Instance(model.depth, model.widths),)
            return tuple(i for i in self._instances(model) if i.layers == model.depth) or (
                fixed_depth(self._instances(model), model.depth))
        entries = entrywise(model)
        if not entries:
            return INSTANCES
        fitting = tuple(i for i in INSTANCES if self._fits(model, i, entries))
        return fitting or INSTANCES

    def _fits(self, model: Model, instance: Instance, entries: dict[str, set[tuple]]) -> bool:
        ev = self.evaluator(model, instance, SEEDS[0])
        for name, defined in entries.items():
            spec = model.spec(name)
            try:
                sizes = [ev.index_size(spec, pos, None) for pos in range(len(spec.shape))]
            except OutOfRange:
                return False
            if box(sizes) != defined:
                return False
        return True

    def domain(self, model: Model, instance: Instance, free: list[Index],
               exprs: Iterable[sympy.Basic]) -> Iterator[dict]:
        """Every assignment of the free indices at which all the quantities written exist."""
        ev = self.evaluator(model, instance, SEEDS[0])
        atoms, slots = atoms_and_slots(tuple(exprs), tuple(free))
        known: dict[tuple, bool] = {}
        top = max(instance.widths + (instance.layers,))
        for combo in product(len(free), top):
            env = dict(zip(free, combo))
            if self.holds_for and any(v not in self.holds_for[k] for k, v in env.items()
                                      if k in self.holds_for):
                continue
            if self.holds_if and any(a in env and b in env and (env[a] == env[b]) != (op == "eq")
                                     for a, op, b in self.holds_if):
                continue
            ok = True
            for n, (a, slot) in enumerate(zip(atoms, slots)):
                memo = (n, tuple(combo[k] for k in slot))
                found = known.get(memo)
                if found is None:
                    found = known[memo] = atom_ok(ev, a, env)
                if not found:
                    ok = False
                    break
            if ok:
                yield env

    def seeds(self, model: Model, instance: Instance) -> tuple[int, ...]:
        """The random points of a claim: `SEEDS`, or, under the premise that the labels are
        one-hot, one point per class at least (the class hot at point k is the k-th after a
        random first: a claim that holds only when the first class is hot is refuted)."""
        if model.label_rule != "onehot":
            return SEEDS
        size = len(self.evaluator(model, instance, SEEDS[0]).labels(None))
        return tuple(range(max(len(SEEDS), size)))

    def evaluate(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic, *,
                 restrict: Callable[[dict], bool] | None = None,
                 limit: int | None = None) -> Outcome:
        free = sorted(free_indices(lhs) | free_indices(rhs), key=_name)
        out = Outcome(ok=True)
        for instance in self.instances(model, (lhs, rhs)):
            for env in self.domain(model, instance, free, (lhs, rhs)):
                if restrict is not None and not restrict(env):
                    continue
                out.assignments += 1
                for first in self.seeds(model, instance):
                    poll()  # a budget in force, where no alarm can stop the work
                    try:
                        seed, lv, rv = self._ground_off_kinks(model, instance, first, env, lhs,
                                                              rhs, out)
                    except OutOfRange as exc:
                        out.ok = False
                        out.overrun, out.overrun_layer = exc.what, exc.layer
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
                    trial = Trial(instance, tuple(sorted(env.items(), key=_first_name)),
                                  seed, lv, rv)
                    out.trials.append(trial)
                    if not close(lv, rv):
                        out.ok = False
                        needs = (self.needs_the_loss(model, instance, seed, env, lhs, rhs, lv - rv)
                                 or self.needs_the_function(model, env, lhs, rhs))
                        if needs:
                            out.unsupported = needs
                        else:
                            out.witness = trial
                            out.notes += self.refutation_notes(model, env, lhs, rhs)
                        return out
                    if limit is not None and len(out.trials) >= limit:
                        return out
        if out.moved:
            out.notes.append(f"{out.moved} point{'s' if out.moved != 1 else ''} at a kink of a "
                             "non-smooth function moved to the next random point")
        out.notes += self.kink_conventions(model, lhs, rhs)
        out.notes += self.stand_in_notes(model, lhs, rhs)
        return out

    def kink_conventions(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> list[str]:
        """For a claim f'(u) = ... about a one-argument function with kinks (ReLU at 0): the
        value the written side gives at each kink, beside the one-sided derivatives there.
        Reported, never checked: the derivative is not defined at a kink."""
        if not (isinstance(lhs, Prime) and isinstance(lhs.arg, Scalar)) or model.local:
            return []
        ev = self.evaluator(model, self.instances(model)[0], SEEDS[0])
        try:
            fn = ev.function(lhs.fname)
            t, d = ev.prime(lhs.fname)
        except (Unsupported, OutOfRange):
            return []
        if len(fn.variables) != 1:
            return []
        var = fn.variables[0]
        notes = []
        for kink in kink_points(fn.expr, var):
            try:
                with at_kinks():
                    written = ev.ground(rhs, {lhs.arg: sympy_number(kink)}, 1)
                h = CTX.mpf("1e-9")  # beyond KINK: the one-sided values
                sides = [sympy_num(d, {t: sympy_number(kink) + s}) for s in (-h, h)]
            except (Unsupported, OutOfRange, ZeroDivisionError):
                continue
            at = f"{lhs.fname}^{{\\prime}}({to_latex(kink)})"
            left, right = (_short(v) for v in sides)
            if close(sides[0], sides[1]):
                continue  # no kink of the derivative here (a kink of a higher derivative)
            notes.append(f"at the kink ${lhs.arg} = {to_latex(kink)}$ the text takes ${at} = "
                         f"{_short(written)}$; the derivative is not defined there (${left}$ "
                         f"from the left, ${right}$ from the right): reported, not checked")
        return notes

    def _ground_off_kinks(self, model: Model, instance: Instance, seed: int, env: dict,
                          lhs: sympy.Basic, rhs: sympy.Basic, out: Outcome) -> tuple:
        """Both sides at the point `seed`, or, when the point sits at a kink of a non-smooth
        function (an argument of max, |.|, a step or a `cases` condition at its switch), at
        the next point of the same parity that does not (odd seeds try extreme labels)."""
        for k in range(KINK_RETRIES + 1):
            ev = self.evaluator(model, instance, seed + 2 * k)
            try:
                try:
                    lv = ev.ground(lhs, env, 1)
                except OutOfRange as exc:
                    # the left side needs a quantity outside the layers read (z^1 from a^0): a
                    # question for the reading, not a fault of the written right side
                    raise Unsupported(f"the left side needs {exc.what}, outside the layers "
                                      "the tool read") from None
                rv = ev.ground(rhs, env, 1)
            except AtKink as exc:
                if k == KINK_RETRIES:
                    raise Unsupported(f"every point tried sits at a kink ({exc})") from None
                continue
            if k:
                out.moved += 1
            return seed + 2 * k, lv, rv
        raise AssertionError("unreachable")

    def sample(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic, limit: int,
               restrict: Callable[[dict], bool] | None = None) -> list[Trial]:
        """Up to `limit` points where both sides' quantities exist, spread over the instances,
        with the left side's value (the right side is not evaluated)."""
        free = sorted(free_indices(lhs) | free_indices(rhs), key=_name)
        pools = []
        for instance in self.instances(model, (lhs, rhs)):
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
                    out.append(Trial(instance, tuple(sorted(env.items(), key=_first_name)),
                                     seed, value, value))
        return out

    def values(self, model: Model, expr: sympy.Basic, trials: list[Trial]) -> list[sympy.Expr]:
        out = []
        for t in trials:
            out.append(self.evaluator(model, t.instance, t.seed).ground(expr, dict(t.env), 1))
        return out


def fixed_depth(instances: tuple[Instance, ...], depth: int) -> tuple[Instance, ...]:
    """The networks of a depth none of `instances` has (a fixed chain of two layers, the
    text's own depth): each instance cut to, or grown to, that many layers (a grown layer as
    wide as the last), so a claim about the text's network is checked in that network."""
    out = []
    for i in instances:
        widths = (i.widths + (i.widths[-1],) * depth)[:depth]
        out.append(Instance(depth, widths, i.batch))
    return tuple(dict.fromkeys(out))


def _name(s: sympy.Symbol) -> str:
    """What `str` gives a symbol (the order of indices everywhere), without the printer."""
    return s.name


def _first_name(kv: tuple) -> str:
    return kv[0].name


def free_indices(e: sympy.Basic) -> set[Index]:
    return {s for s in e.free_symbols if isinstance(s, Index)}


def terms(e: sympy.Basic, instances: tuple[Instance, ...] = INSTANCES) -> int:
    """At most how many terms the sums written in `e` expand to, in the largest network
    checked: counted before any evaluation, so that nested sums cannot run for hours."""
    top = max(max(i.widths + (i.layers,)) for i in instances)
    batch = max(i.batch for i in instances)
    return _terms(e, top, batch)


def _terms(e: sympy.Basic, top: int, batch: int) -> int:
    if isinstance(e, (sympy.Sum, sympy.Product)):
        n = 1
        for _var, lo, hi in e.limits:
            n *= _span(lo, hi, top)
        return n * _terms(e.function, top, batch)
    if isinstance(e, (BatchSum, BatchProduct)):
        return batch * _terms(e.body, top, batch)
    if not e.args or isinstance(e, NODE_TYPES):
        return 1
    return max(1, sum(_terms(a, top, batch) for a in e.args))


def _span(lo: sympy.Basic, hi: sympy.Basic, top: int) -> int:
    """An upper bound of hi - lo + 1 with every size, width and index between 1 and top."""

    def at(x: sympy.Basic, v: int) -> sympy.Basic:
        widths = {w: sympy.Integer(v) for w in sympy.preorder_traversal(x) if isinstance(w, Width)}
        y = x.xreplace(widths)
        return y.xreplace({s: sympy.Integer(v) for s in y.free_symbols})

    his = [at(hi, v) for v in (1, top)]
    los = [at(lo, v) for v in (1, top)]
    try:
        width = int(max(his)) - int(min(los)) + 1
    except TypeError:
        return top
    return max(width, 0)


def _short(v: object) -> str:
    """A number for a note: an integer as one, else 6 significant digits."""
    if isinstance(v, CTX.mpf) and v == int(v):
        return str(int(v))
    return CTX.nstr(v, 6) if isinstance(v, CTX.mpf) else str(v)
