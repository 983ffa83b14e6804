"""Stand-ins for what the text uses but never defines: whether a claim that fails for a random
smooth function or loss is refuted, or needs the particular one the text never gives; and the
note a verified claim gets when it rests on a stand-in.

A function named by a letter and never defined (`a = f(z)`) is a random smooth function, and a
loss the text differentiates but never defines a random smooth function of the output layer's
activations and the labels (`derive.model.lookup`). What holds for every function and every
loss verifies against them. A claim that fails is refuted only when it fails for every loss
(its sides scale alike with the loss, or the difference does not depend on it) and for every
common activation; otherwise it is unchecked, with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import sympy

from derive.expr import BatchProduct, BatchSum, Call, Partial, Prime
from derive.functions import NAMED
from derive.latex import Index, Scalar
from derive.model import Def, Evaluator, Instance, Model, OutOfRange
from derive.numbers import AtKink, Unsupported, close

if TYPE_CHECKING:
    from derive.evaluate import Engine

CANDIDATE_TRIALS = 6  # points a claim must hold at for a candidate activation to excuse it
# the activations a text may mean by a letter it never defines (a claim that fails for a
# generic smooth stand-in but holds for one of these is not refuted)
STAND_IN_CANDIDATES: tuple[tuple[str, Callable[[sympy.Basic], sympy.Basic]], ...] = tuple(
    (f.name, f.apply) for f in NAMED if f.name in (
        "the logistic sigmoid", "tanh", "ReLU", "softplus")) + (("the identity", lambda t: t),)


class StandIns:
    """The stand-in decisions of the `Engine` (a mixin; `Engine` holds the caches)."""

    _twice: dict[int, tuple[Model, Model]]
    _candidates: dict[tuple, tuple[Model, Model]]
    first_seed: int = 0  # the point the notes are read at (the Engine's first seed)

    def _reads_generic_loss(self: Engine, ev: Evaluator, env: dict, exprs: tuple) -> set:
        """The stand-ins of a loss the text never defines that the sides read (through the
        definitions), at one assignment of the free indices."""
        losses = ev.structure.generic_losses
        if not losses:
            return set()
        keys = {k for e in exprs for k in ev.keys_of(e, env, 1)}
        return {g for g in losses if any(ev.depends(k, g) for k in keys)}

    def needs_the_loss(self: Engine, model: Model, instance: Instance, seed: int, env: dict,
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
            reached = self._reads_generic_loss(ev, env, (lhs, rhs))
            if not reached:
                return None
            loss, _ = _loss_words(ev, model, reached)
            if _over_samples(model, (lhs, rhs)) and not _batch_loss(model, (lhs, rhs)):
                return (f"needs the loss; the text never defines it: whether {loss} is one "
                        "sample's loss or the batch's decides a claim that sums over the "
                        "samples, and the text does not say")
            twice = self._scaled(model)
            ev2 = self.evaluator(twice, instance, seed)
            diff2 = ev2.ground(lhs, env, 1) - ev2.ground(rhs, env, 1)
        except (OutOfRange, Unsupported, ZeroDivisionError, AtKink):
            return None
        if close(diff2, diff) or close(diff2, 2 * diff):
            return None
        return (f"needs the loss; the text never defines it: the claim holds for some losses "
                f"{loss} only (its sides do not scale alike with {loss}), so the generic "
                "smooth loss the tool checks with cannot decide it")

    def needs_the_function(self: Engine, model: Model, env: dict, lhs: sympy.Basic,
                           rhs: sympy.Basic) -> str | None:
        """Why a claim that fails for the stand-in of a function the text never defines is not
        refuted, or None: it holds when the function is one of the common activations (the
        text means that one, `f'(z) = f(z)(1 - f(z))` for a sigmoid it names only in prose).
        A claim that fails for the stand-in and for each of them is refuted."""
        _, functions = self._reached(model, env, lhs, rhs)
        for fn in sorted(functions):
            for what, body in STAND_IN_CANDIDATES:
                if what == "the identity" and str(fn) in model.notation.nonlinear:
                    continue  # the text calls it non-linear
                trial = self._with_function(model, fn, what, body)
                got = self.evaluate(trial, lhs, rhs, limit=CANDIDATE_TRIALS)
                if got.ok and got.trials and not shows_something(got.trials):
                    # 0 = 0 at every point tried (a ReLU off at each of them): no evidence;
                    # every point is tried, and one must show the sides agree away from 0
                    got = self.evaluate(trial, lhs, rhs)
                if got.ok and shows_something(got.trials):
                    return (f"needs ${fn}$; the text never defines it: the claim fails for a "
                            f"generic smooth ${fn}$ but holds if ${fn}$ is {what}, which the "
                            "text may mean without writing it")
        return None

    def refutation_notes(self: Engine, model: Model, env: dict, lhs: sympy.Basic,
                         rhs: sympy.Basic) -> list[str]:
        """What a refutation rests on that the text never defines: the stand-ins the sides
        reach, and why no choice of them would make the claim hold."""
        losses, functions = self._reached(model, env, lhs, rhs)
        notes = []
        if losses:
            loss, _ = _loss_words(self.evaluator(model, self.instances(model, (lhs, rhs))[0],
                                                 self.first_seed), model, losses)
            notes.append(f"{loss} is never defined in the text: the claim fails for a generic "
                         "smooth loss, and the difference of its sides scales with the loss or "
                         f"does not depend on it, so it fails for essentially every {loss}")
        for fn in sorted(functions):
            nonlinear = str(fn) in model.notation.nonlinear
            tried = ", ".join(what for what, _ in STAND_IN_CANDIDATES
                              if not (nonlinear and what == "the identity"))
            notes.append(f"${fn}$ is never defined in the text: the claim fails for a generic "
                         f"smooth ${fn}$ and for each of {tried}" + (
                             f" (the text calls ${fn}$ non-linear: not the identity)"
                             if nonlinear else ""))
        return notes

    def _reached(self: Engine, model: Model, env: dict, lhs: sympy.Basic,
                 rhs: sympy.Basic) -> tuple[set, set]:
        """The generic losses and functions the sides reach at `env` (none when the model has
        no stand-ins, or the sides cannot be grounded there)."""
        # the networks the claim is checked in (a fixed chain's own depth: Engine.instances)
        ev = self.evaluator(model, self.instances(model, (lhs, rhs))[0], self.first_seed)
        if not ev.structure.generic_losses and not ev.structure.generic_functions:
            return set(), set()
        try:
            return _reached_stand_ins(ev, env, (lhs, rhs))
        except (OutOfRange, Unsupported, ZeroDivisionError, AtKink):
            return set(), set()

    def _with_function(self: Engine, model: Model, fn: str, what: str,
                       body: Callable[[sympy.Basic], sympy.Basic]) -> Model:
        """The model with `fn(t) = body(t)` (one per model and candidate, kept with it)."""
        key = (id(model), fn, what)
        held = self._candidates.get(key)
        if held is None or held[0] is not model:
            t = Scalar("t")
            d = Def(Call(fn, t), body(t), 0, f"{fn}(t) as {what}")
            held = self._candidates[key] = (model, model.with_defs(d))
        return held[1]

    def _scaled(self: Engine, model: Model) -> Model:
        """The model with its generic loss doubled (one per model, kept with it)."""
        held = self._twice.get(id(model))
        if held is None or held[0] is not model:
            held = self._twice[id(model)] = (model, dataclasses.replace(model, loss_scale=2))
        return held[1]

    def stand_in_notes(self: Engine, model: Model, lhs: sympy.Basic, rhs: sympy.Basic) -> list[str]:
        """What a verified claim rests on that the text never defines: the loss and the
        functions given random smooth stand-ins, when the sides reach them."""
        if model.local:
            return []
        # the networks the claim is checked in (a fixed chain's own depth: Engine.instances)
        ev = self.evaluator(model, self.instances(model, (lhs, rhs))[0], self.first_seed)
        if not ev.structure.generic_losses and not ev.structure.generic_functions:
            return []
        free = sorted({s for e in (lhs, rhs) for s in e.free_symbols if isinstance(s, Index)},
                      key=lambda s: s.name)
        env = next(self.domain(model, ev.instance, free, (lhs, rhs)), None) or {}
        losses, functions = self._reached(model, env, lhs, rhs)
        notes = []
        if losses:
            loss, of = _loss_words(ev, model, losses)
            notes.append(f"{loss} is never defined in the text (or not in a form the tool "
                         f"reads): checked for a generic smooth loss, a random smooth function "
                         f"of {of}, so this holds for every smooth {loss}")
        for fn in sorted(functions):
            notes.append(f"${fn}$ is never defined in the text: checked for a generic smooth "
                         f"${fn}$ (a random smooth function), so this holds for every smooth "
                         f"${fn}$")
        return notes



def shows_something(trials: list) -> bool:
    """Whether the sides agree at some trial where they are not both 0: agreement only where a
    function vanishes (a ReLU off at every point drawn) is no evidence that a claim holds."""
    return any(not (close(t.lhs, 0) and close(t.rhs, 0)) for t in trials)


def _loss_words(ev: Evaluator, model: Model, losses: set) -> tuple[str, str]:
    """The loss the stand-ins reached, as the text names it, and what it is a function of:
    the function of `L = l(\\mathbf{o}, y)`, or the loss the text differentiates."""
    applied = sorted({ev.structure.generic_applied[k] for k in losses
                      if k in ev.structure.generic_applied})
    if applied and all(k in ev.structure.generic_applied for k in losses):
        return ", ".join(f"${f}$" for f in applied), "every entry of its arguments"
    return f"${model.notation.loss}$", "the output activations and the labels"


def _over_samples(model: Model, exprs: tuple) -> bool:
    """Whether an expression sums over the samples (a batch sum, or a sum over the sample
    index)."""
    sample = model.notation.sample
    for e in exprs:
        for node in sympy.preorder_traversal(e):
            if isinstance(node, (BatchSum, BatchProduct)) or (isinstance(
                    node, (sympy.Sum, sympy.Product)) and any(
                    getattr(v, "name", None) == sample for v, *_ in node.limits)):
                return True
    return False


def _batch_loss(model: Model, exprs: tuple) -> bool:
    """Whether a side differentiates the batch's loss, the sum over the samples of the loss
    (`\\frac{1}{m} \\sum_x C`, as written or as derive.infer.meanloss reads it): then
    which loss the claim means is said."""
    loss = model.notation.loss
    return any(isinstance(node, Partial) and any(
        isinstance(b, BatchSum) and any(getattr(q, "name", None) == loss
                                        for q in sympy.preorder_traversal(b.body))
        for b in sympy.preorder_traversal(node.num))
        for e in exprs for node in sympy.preorder_traversal(e))


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


