"""One step's verdict: evaluated, then explained (a condition, a diagnosis, a counterexample)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sympy

from derive.check.state import _State
from derive.diagnose import Condition, Diagnoser, conditions
from derive.evaluate import SEEDS, Engine, Outcome, Trial
from derive.expr import ArgMax, Partial, Quantity, to_latex
from derive.latex import Scalar
from derive.model import Evaluator, Instance, Model, OutOfRange, key_latex, label_name
from derive.notation import Notation
from derive.numbers import CTX, PRECISION, Unsupported
from derive.results import Comparison, Counterexample, Finding, FindingKind, Status
from derive.sentences import detail, sentence


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


def _where(instance: Instance, model: Model) -> str:
    """Where a trial was made: the network instance, or a model of distributions' support
    size (derive.check.distmodel: the instance's first width)."""
    if model.distributions:
        size = next(iter(model.notation.aliases), "N")
        return f"{size}={instance.widths[0]}"
    return _label(instance, model.notation)


def _refuted_evidence(o: Outcome, model: Model) -> str:
    t = o.witness
    if t is None:
        return ""
    where = _where(t.instance, model) + (
        "; " + ", ".join(f"{k}={v}" for k, v in t.env) if t.env else "")
    before = len(o.trials) - 1
    agreed = (f"{before} evaluation{'s' if before != 1 else ''} before it agreed" if before
              else "the first evaluation")
    return (f"numeric: the sides differ at {where} (random point {t.seed + 1}; {agreed}), "
            f"{PRECISION}-digit arithmetic") + "".join("; " + n for n in o.notes)


def _points(o: Outcome) -> str:
    """The random points at each index assignment (more than `SEEDS` under a one-hot premise:
    one per class, as many as the instance has classes)."""
    if not o.assignments:
        return str(len(SEEDS))
    n, rest = divmod(len(o.trials), o.assignments)
    return str(n) if not rest else f"{len(SEEDS)} or more (one per class)"


def _evidence(o: Outcome, model: Model) -> str:
    inst = {t.instance for t in o.trials}
    what = "the local model with random smooth functions" if model.local else (
        f"{len(inst)} network instance{'s' if len(inst) != 1 else ''}")
    if model.distributions:
        what = f"{len(inst)} size{'s' if len(inst) != 1 else ''} of the support"
    return (f"numeric: {len(o.trials)} evaluations ({o.assignments} index assignment"
            f"{'s' if o.assignments != 1 else ''} × {_points(o)} random points) on {what}, "
            f"{PRECISION}-digit arithmetic") + "".join("; " + n for n in o.notes)


def _verdict(state: _State, model: Model, lhs: sympy.Basic, rhs: sympy.Basic,
             compare: Model | None, *, with_comparison: bool = True) -> _Verdict:
    engine = state.engine
    o = engine.evaluate(model, lhs, rhs)
    o.notes += _choice_notes(lhs, rhs)
    comparisons: tuple[Comparison, ...] = ()
    if compare is not None and with_comparison:
        alt = _verdict(state, compare, lhs, rhs, None, with_comparison=False)
        comparisons = (Comparison(compare.name, alt.status, alt.message.split(":")[0],
                                  alt.diagnosis, alt.finding),)
    if o.unsupported:
        return _Verdict(Status.UNCHECKED, f"could not evaluate: {o.unsupported}",
                        comparisons=comparisons)
    if o.ok and not o.overrun:
        return _agreement(engine, model, lhs, o, comparisons, rhs)
    state.wide = True  # the explanation below searches every definition of the model
    unreached = _unreached_derivative(engine, model, o.witness, lhs)
    if unreached is not None:
        return _Verdict(Status.UNCHECKED, f"could not check: {unreached}",
                        comparisons=comparisons)
    witness = _counterexample(engine, model, o.witness, lhs, rhs)
    if with_comparison and not o.overrun:
        state.refuted = _Verdict(Status.REFUTED, "differs from the derivation",
                                 evidence=_refuted_evidence(o, model), counterexample=witness)
    return _Difference(engine, model, lhs, rhs, o, witness, comparisons).explained()


def _choices(lhs: sympy.Basic, rhs: sympy.Basic) -> bool:
    return lhs.has(ArgMax) or rhs.has(ArgMax)


def _choice_notes(lhs: sympy.Basic, rhs: sympy.Basic) -> list[str]:
    """What was compared when a side picks an index (argmax): the index, at each point."""
    if not _choices(lhs, rhs):
        return []
    return ["each argmax or argmin is the index it picks at the point, the indices compared "
            "(a point where it is a tie would not be decided)"]


def _agreement(engine: Engine, model: Model, lhs: sympy.Basic, o: Outcome,
               comparisons: tuple[Comparison, ...], rhs: sympy.Basic | None = None
               ) -> _Verdict:
    """The verdict on sides that agree at every trial: verified, unless no trial could be
    made or the agreement is the reading's (a derivative of what the model does not read)."""
    if not o.trials:
        return _Verdict(Status.UNCHECKED, "no layer and index values where every quantity "
                        "of the formula exists in the networks checked", comparisons=comparisons)
    unreached = _unreached_derivative(engine, model, o.trials[0], lhs)
    if unreached is not None:  # 0 = 0 is no evidence: the reading, not the text, is at stake
        return _Verdict(Status.UNCHECKED, f"could not check: {unreached}",
                        comparisons=comparisons)
    evidence = _evidence(o, model)
    return _Verdict(Status.VERIFIED, "agrees with the derivation at every point and index"
                    + _given_premise(engine, model, lhs, rhs), evidence=evidence,
                    comparisons=comparisons)


# the premises on the labels a text states (derive.check.definitions), in words
_PREMISES = {"sum1": "that the labels sum to one", "onehot": "that the labels are one-hot"}


def _given_premise(engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic | None
                   ) -> str:
    """`, given the text's premise ...` when the claim holds under a premise the text states on
    the labels (`\\sum_j y_j = 1`, `y \\in \\{(1, 0, 0), ...\\}`) and not without it; '' when it
    holds without the premise or none is stated."""
    if model.normalized and rhs is not None:  # derive.infer.distributions
        return _normalized(engine, model, lhs, rhs)
    words = _PREMISES.get(model.label_rule or "")
    if words is None or rhs is None:
        return ""
    bare = engine.evaluate(dataclasses.replace(model, label_rule=None), lhs, rhs)
    if bare.ok or bare.unsupported or bare.overrun:
        return ""
    return f", given the text's premise {words}"


def _normalized(engine: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> str:
    """`, given that ...` when a claim about distributions holds where their entries sum to
    one (the text says they are distributions) and not for any positive entries."""
    bare = engine.evaluate(dataclasses.replace(model, normalized=False), lhs, rhs)
    if bare.ok or bare.unsupported or bare.overrun:
        return ""
    names = sorted(model.distributions)
    which = ", ".join(names)
    return (f", given that the text says {which} {'is a distribution' if len(names) == 1 else 'are distributions'}"
            " (entries that sum to one)")


@dataclass(frozen=True)
class _Difference:
    """Sides that differ (or a sum that runs past a quantity's end), to be explained: by an
    assumption under which the claim holds, else by one edit (`derive.diagnose`)."""

    engine: Engine
    model: Model
    lhs: sympy.Basic
    rhs: sympy.Basic
    o: Outcome
    witness: Counterexample | None
    comparisons: tuple[Comparison, ...]

    def explained(self) -> _Verdict:
        model, lhs, rhs, o = self.model, self.lhs, self.rhs, self.o
        if _choices(lhs, rhs):  # indices that differ: no edit of a value explains them
            return self.refutation(None)
        tried = conditions(lhs, rhs, label_name(model))
        label_conditions = [c for c in tried if c.restrict is None]
        index_conditions = [c for c in tried if c.restrict is not None]
        if not o.overrun:  # an assumption about the model's inputs comes first
            found = self.first_conditional(label_conditions)
            if found:
                return found
        finding = Diagnoser(self.engine, model, lhs, rhs, o.witness).run()
        if finding is None:
            finding = self.diagnosis_when(label_conditions)
        if finding is None and not o.overrun:
            # only now an index condition: a claim with an error holds trivially where i = j
            found = self.first_conditional(index_conditions)
            if found:
                return found
        return self.refutation(finding)

    def first_conditional(self, conds: list[Condition]) -> _Verdict | None:
        for cond in conds:
            found = self.conditional(cond)
            if found:
                return found
        return None

    def conditional(self, cond: Condition) -> _Verdict | None:
        model, lhs, rhs, o = self.model, self.lhs, self.rhs, self.o
        m2 = cond.model(model)
        o2 = self.engine.evaluate(m2, lhs, rhs, restrict=cond.restrict)
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
            assumptions=(cond.name,), counterexample=self.witness, comparisons=self.comparisons)

    def diagnosis_when(self, label_conditions: list[Condition]) -> Finding | None:
        """A difference that is simple only under an assumption: say so with the assumption."""
        engine, lhs, rhs = self.engine, self.lhs, self.rhs
        for cond in label_conditions:
            m2 = cond.model(self.model)
            o2 = engine.evaluate(m2, lhs, rhs)
            if o2.witness is not None:
                edit = Diagnoser(engine, m2, lhs, rhs, o2.witness).run()
                if edit:
                    return Finding(FindingKind.UNDER_ASSUMPTION,
                                   parameters=(("assumption", cond.name),), inner=edit)
        return None

    def refutation(self, finding: Finding | None) -> _Verdict:
        model, o = self.model, self.o
        if o.overrun and (o.overrun_layer or not self.rhs.atoms(sympy.Sum)):
            # a layer tag past the layers read (δ^{(l+1)} at the top layer), or no sum on the
            # written side: the layers inferred are in doubt, not the text
            return _Verdict(Status.UNCHECKED, f"could not check: the written side needs "
                            f"{o.overrun}, outside the layers the tool read",
                            evidence=f"numeric: grounding the written side needs {o.overrun}")
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
                        counterexample=self.witness, comparisons=self.comparisons)


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
            if not isinstance(p.den, (Quantity, Scalar)):
                continue  # a scalar too: dL/dc with the c of z = v^T h + c not read
            if isinstance(p.den, Scalar):
                if isinstance(p.num, Scalar) and p.num.name == p.den.name:
                    continue
                same = False
            else:
                same = isinstance(p.num, Quantity) and p.num.name == p.den.name
            if same and (p.num.layer is None or p.den.layer is None
                         or sympy.simplify(p.num.layer - p.den.layer) == 0):
                continue  # dz_j/dz_k: a Kronecker delta, read without the model
            try:
                start = list(ev.keys_of(p.num, env, 1))
                if same:  # dz^{l+1}/dz^l: through what z^{l+1} reads, not z^{l+1} itself
                    start = [r for k in start for r in ev.reads(k)]
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
    label = "the local model" if model.local else _where(t.instance, model)
    return Counterexample(instance=label, indices={str(k): v for k, v in t.env},
                          point=point, lhs=_fmt(t.lhs), rhs=_fmt(t.rhs))
