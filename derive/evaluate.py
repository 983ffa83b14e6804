"""Evaluating a claim: both sides at every valid index value of every network, at every point.

An `Engine` keeps one `Evaluator` per (model, network instance, random point) for a whole
document, so values and derivatives computed for one formula serve the next.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sympy

from derive.budget import poll
from derive.expr import NODE_TYPES, BatchSum, Call, Prime, Quantity, Vec, Width, to_latex
from derive.functions import NAMED, kink_points
from derive.latex import Index, Scalar
from derive.model import (
    INSTANCES,
    LOCAL_INSTANCE,
    Def,
    Evaluator,
    Instance,
    Model,
    OutOfRange,
    Structure,
    product,
)
from derive.numbers import CTX, AtKink, Unsupported, at_kinks, close, sympy_num, sympy_number

SEEDS = (0, 1)  # random points per instance (odd seeds also try the extreme labels)
KINK_RETRIES = 6  # other points tried when one sits at a kink
MAX_TERMS = 10_000
CANDIDATE_TRIALS = 6  # points a claim must hold at for a candidate activation to excuse it
# the activations a text may mean by a letter it never defines (a claim that fails for a
# generic smooth stand-in but holds for one of these is not refuted)
STAND_IN_CANDIDATES: tuple[tuple[str, Callable[[sympy.Basic], sympy.Basic]], ...] = tuple(
    (f.name, f.apply) for f in NAMED if f.name in (
        "the logistic sigmoid", "tanh", "ReLU", "softplus")) + (("the identity", lambda t: t),)  # terms the sums of one side may expand to in a network checked

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
    moved: int = 0  # points moved off a kink of a non-smooth function
    notes: list[str] = field(default_factory=list)  # conventions at kinks, reported


class Engine:
    """Evaluators cached per (model, instance, point), shared by all checks of a document."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[Model, Evaluator]] = {}  # model kept alive with its id
        self._structures: dict[tuple, Structure] = {}
        self._twice: dict[int, tuple[Model, Model]] = {}
        self._candidates: dict[tuple, tuple[Model, Model]] = {}

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

    def instances(self, model: Model) -> tuple[Instance, ...]:
        return (LOCAL_INSTANCE,) if model.local else INSTANCES

    def domain(self, model: Model, instance: Instance, free: list[Index],
               exprs: Iterable[sympy.Basic]) -> Iterator[dict]:
        """Every assignment of the free indices at which all the quantities written exist."""
        ev = self.evaluator(model, instance, SEEDS[0])
        atoms = list(dict.fromkeys(a for e in exprs for a in sympy.preorder_traversal(e)
                                   if isinstance(a, (Quantity, Width, Vec))))
        # whether an atom exists depends only on the values of its own free indices: decided
        # once for each of them, not for every assignment of all the indices
        slots = [tuple(k for k, s in enumerate(free) if s in a.free_symbols) for a in atoms]
        known: dict[tuple, bool] = {}
        top = max(instance.widths + (instance.layers,))
        for combo in product(len(free), top):
            env = dict(zip(free, combo))
            ok = True
            for n, (a, slot) in enumerate(zip(atoms, slots)):
                memo = (n, tuple(combo[k] for k in slot))
                found = known.get(memo)
                if found is None:
                    found = known[memo] = _atom_ok(ev, a, env)
                if not found:
                    ok = False
                    break
            if ok:
                yield env

    def evaluate(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic, *,
                 restrict: Callable[[dict], bool] | None = None,
                 limit: int | None = None) -> Outcome:
        free = sorted(free_indices(lhs) | free_indices(rhs), key=_name)
        out = Outcome(ok=True)
        for instance in self.instances(model):
            for env in self.domain(model, instance, free, (lhs, rhs)):
                if restrict is not None and not restrict(env):
                    continue
                out.assignments += 1
                for first in SEEDS:
                    poll()  # a budget in force, where no alarm can stop the work
                    try:
                        seed, lv, rv = self._ground_off_kinks(model, instance, first, env, lhs,
                                                              rhs, out)
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
                        return out
                    if limit is not None and len(out.trials) >= limit:
                        return out
        if out.moved:
            out.notes.append(f"{out.moved} point{'s' if out.moved != 1 else ''} at a kink of a "
                             "non-smooth function moved to the next random point")
        out.notes += self.kink_conventions(model, lhs, rhs)
        out.notes += self.stand_in_notes(model, lhs, rhs)
        return out

    def _reads_generic_loss(self, ev: Evaluator, env: dict, exprs: tuple) -> set:
        """The stand-ins of a loss the text never defines that the sides read (through the
        definitions), at one assignment of the free indices."""
        losses = ev.structure.generic_losses
        if not losses:
            return set()
        keys = {k for e in exprs for k in ev.keys_of(e, env, 1)}
        return {g for g in losses if any(ev.depends(k, g) for k in keys)}

    def needs_the_loss(self, model: Model, instance: Instance, seed: int, env: dict,
                       lhs: sympy.Basic, rhs: sympy.Basic, diff: object) -> str | None:
        """Why a claim that fails for the stand-in of a loss the text never defines is not
        refuted, or None. The stand-in is a random smooth loss: a claim true for every loss
        (the chain rule, the recursion of the error terms, the gradients in terms of them)
        holds for it, and the difference of the sides of one that is not scales with the loss
        (twice the loss, twice the difference) or does not depend on it at all. A claim whose
        difference does neither ties the loss to a form of its own (an output error
        `a - y`): the text means one loss, which it never gives, so it cannot be decided."""
        ev = self.evaluator(model, instance, seed)
        try:
            if not self._reads_generic_loss(ev, env, (lhs, rhs)):
                return None
            if _over_samples(model, (lhs, rhs)):
                loss = model.notation.loss
                return (f"needs the loss; the text never defines it: whether ${loss}$ is one "
                        "sample's loss or the batch's decides a claim that sums over the "
                        "samples, and the text does not say")
            twice = self._scaled(model)
            ev2 = self.evaluator(twice, instance, seed)
            diff2 = ev2.ground(lhs, env, 1) - ev2.ground(rhs, env, 1)
        except (OutOfRange, Unsupported, ZeroDivisionError, AtKink):
            return None
        if close(diff2, diff) or close(diff2, 2 * diff):
            return None
        loss = model.notation.loss
        return (f"needs the loss; the text never defines it: the claim holds for some losses "
                f"${loss}$ only (its sides do not scale alike with ${loss}$), so the generic "
                "smooth loss the tool checks with cannot decide it")

    def needs_the_function(self, model: Model, env: dict, lhs: sympy.Basic,
                           rhs: sympy.Basic) -> str | None:
        """Why a claim that fails for the stand-in of a function the text never defines is not
        refuted, or None: it holds when the function is one of the common activations (the
        text means that one, `f'(z) = f(z)(1 - f(z))` for a sigmoid it names only in prose).
        A claim that fails for the stand-in and for each of them is refuted."""
        ev = self.evaluator(model, self.instances(model)[0], SEEDS[0])
        if not ev.structure.generic_functions:
            return None
        try:
            _, functions = _reached_stand_ins(ev, env, (lhs, rhs))
        except (OutOfRange, Unsupported, ZeroDivisionError, AtKink):
            return None
        for fn in sorted(functions):
            for what, body in STAND_IN_CANDIDATES:
                trial = self._with_function(model, fn, what, body)
                got = self.evaluate(trial, lhs, rhs, limit=CANDIDATE_TRIALS)
                if got.ok and got.trials:
                    return (f"needs ${fn}$; the text never defines it: the claim fails for a "
                            f"generic smooth ${fn}$ but holds if ${fn}$ is {what}, which the "
                            "text may mean without writing it")
        return None

    def _with_function(self, model: Model, fn: str, what: str,
                       body: Callable[[sympy.Basic], sympy.Basic]) -> Model:
        """The model with `fn(t) = body(t)` (one per model and candidate, kept with it)."""
        key = (id(model), fn, what)
        held = self._candidates.get(key)
        if held is None or held[0] is not model:
            t = Scalar("t")
            d = Def(Call(fn, t), body(t), 0, f"{fn}(t) as {what}")
            held = self._candidates[key] = (model, model.with_defs(d))
        return held[1]

    def _scaled(self, model: Model) -> Model:
        """The model with its generic loss doubled (one per model, kept with it)."""
        held = self._twice.get(id(model))
        if held is None or held[0] is not model:
            held = self._twice[id(model)] = (model, dataclasses.replace(model, loss_scale=2))
        return held[1]

    def stand_in_notes(self, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> list[str]:
        """What a verified claim rests on that the text never defines: the loss and the
        functions given random smooth stand-ins, when the sides reach them."""
        if model.local:
            return []
        ev = self.evaluator(model, self.instances(model)[0], SEEDS[0])
        st = ev.structure
        if not st.generic_losses and not st.generic_functions:
            return []
        free = sorted(free_indices(lhs) | free_indices(rhs), key=_name)
        env = next(self.domain(model, ev.instance, free, (lhs, rhs)), None) or {}
        try:
            losses, functions = _reached_stand_ins(ev, env, (lhs, rhs))
        except (OutOfRange, Unsupported, ZeroDivisionError):
            return []
        notes = []
        if losses:
            loss = model.notation.loss
            notes.append(f"${loss}$ is never defined in the text (or not in a form the tool "
                         "reads): checked for a generic smooth loss, a random smooth function "
                         "of the output activations and the labels, so this holds for every "
                         f"smooth ${loss}$")
        for fn in sorted(functions):
            notes.append(f"${fn}$ is never defined in the text: checked for a generic smooth "
                         f"${fn}$ (a random smooth function), so this holds for every smooth "
                         f"${fn}$")
        return notes

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
                    out.append(Trial(instance, tuple(sorted(env.items(), key=_first_name)),
                                     seed, value, value))
        return out

    def values(self, model: Model, expr: sympy.Basic, trials: list[Trial]) -> list[sympy.Expr]:
        out = []
        for t in trials:
            out.append(self.evaluator(model, t.instance, t.seed).ground(expr, dict(t.env), 1))
        return out


def _over_samples(model: Model, exprs: tuple) -> bool:
    """Whether an expression sums over the samples (a batch sum, or a sum over the sample
    index)."""
    sample = model.notation.sample
    for e in exprs:
        for node in sympy.preorder_traversal(e):
            if isinstance(node, BatchSum) or (isinstance(node, sympy.Sum) and any(
                    getattr(v, "name", None) == sample for v, *_ in node.limits)):
                return True
    return False


def _reached_stand_ins(ev: Evaluator, env: dict, exprs: tuple) -> tuple[set, set]:
    """The generic losses and functions that expressions reach through the definitions."""
    st = ev.structure
    names = {f.fname for e in exprs for f in sympy.preorder_traversal(e)
             if isinstance(f, (Call, Prime))}
    todo = [k for e in exprs for k in ev.keys_of(e, env, 1)]
    seen: set = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        found = None if ev.is_given(key) else ev.definition(key)
        if found is not None:
            names |= {f.fname for f in sympy.preorder_traversal(found[0].rhs)
                      if isinstance(f, (Call, Prime))}
            todo.extend(ev.reads(key))
    return seen & st.generic_losses, names & st.generic_functions


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
            lo, hi = ev.layer_range(spec)
            if layer is not None and not lo <= layer <= hi:
                return False
            if layer is None and atom.layer is not None:
                return True  # the layer is summed over: checked when grounded
        for pos, idx in enumerate(atom.indices[: len(spec.shape)]):
            v = known(idx)
            if v is not None and not 1 <= v <= ev._shape(spec, pos, layer):
                return False
        return True
    except OutOfRange:
        return False


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
    if isinstance(e, sympy.Sum):
        n = 1
        for _var, lo, hi in e.limits:
            n *= _span(lo, hi, top)
        return n * _terms(e.function, top, batch)
    if isinstance(e, BatchSum):
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
