"""A claim with a product over layers written with an ellipsis (`derive.vecparse.ellipsis`):
checked by its expansions, one per network depth and start layer, each at that fixed depth;
refuted when one expansion is, verified when every expansion that could be made holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sympy

from derive.document import Formula
from derive.latex import Equation, Size
from derive.model import Model
from derive.results import Result, Status
from derive.tensor import ShapeMismatch, Tensor, Transpose
from derive.tensor.shapes import walk
from derive.vecparse import entry
from derive.vecparse.ellipsis import LayerChain, substitute

DEPTHS = (3, 4, 5, 6)  # the depths tried, up to the first where the ellipsis elides a layer

Step = Callable[[Equation, Model], Result]
Checks = Callable[[Equation, int, Model], Result]  # step k of a claim checked in a model


def chain_results(formula: Formula, eq: Equation, model: Model, checks: Checks) -> list[Result]:
    """The results of a claim that writes a product over layers: a step that writes one
    checked written out, any other step of `A = B = <product>` as it is."""
    if eq.kind != "equation" or len(eq.steps) == 1:
        chain = chain_of(eq)
        assert chain is not None
        return [check_chain(formula, eq, model, chain, lambda c, m: checks(c, 1, m))]
    out = []
    for k, step in enumerate(eq.steps):
        one = dataclasses.replace(eq, steps=(step,), step_lines=(eq.step_lines[k],))
        chain = chain_of(one)
        out.append(checks(eq, k + 1, model) if chain is None else dataclasses.replace(
            check_chain(formula, one, model, chain, lambda c, m: checks(c, 1, m)),
            kind="step", step=k + 1))
    return out


def chain_of(eq: Equation) -> LayerChain | None:
    """The product over layers a claim's only step writes, if it writes one."""
    for side in (eq.lhs, *eq.steps):
        if side.tensor is not None:
            for node in walk(side.tensor):
                if isinstance(node, LayerChain):
                    return node
    return None


def check_chain(formula: Formula, eq: Equation, model: Model, chain: LayerChain,
                step: Step) -> Result:
    """The verdict on a claim `lhs = <product over layers>`, from its expansions; when they do
    not fit in shape, refuted if one edit of the period (a transpose) or of the end layer makes
    every expansion hold."""
    if eq.kind != "equation" or len(eq.steps) != 1:
        return Result(file=formula.file, line=eq.line, col=eq.col, latex=eq.lhs.latex,
                      kind="equation", status=Status.UNCHECKED, section=formula.section,
                      formula=formula.number, parsed="", derivation="",
                      message="not checked: a product over layers written with an ellipsis is "
                              "checked in an equation of one step")
    top = Size(model.notation.layers)
    done, mismatched, skipped = _expansions(formula, eq, model, chain, step, top)
    failed = next((d for d in done if d[3].status is not Status.VERIFIED), None)
    if failed is not None:
        return _at(failed[3], chain, top, *failed[:3])
    if mismatched:
        for words, fixed in _repairs(chain):
            again, bad, _n = _expansions(formula, eq, model, fixed, step, top)
            if not bad and again and all(d[3].status is Status.VERIFIED for d in again) \
                    and any(d[2] for d in again):
                checked = {(d[0], d[1]) for d in again}
                shown = [m for m in mismatched if (m[0], m[1]) in checked]
                if shown:  # a mismatch where the edited product holds, not below layer 1
                    return _refuted(shown[0], chain, top, words, again)
        first = mismatched[0]
        return dataclasses.replace(_at(first[3], chain, top, *first[:3]),
                                   status=Status.UNCHECKED, diagnosis=None, finding=None)
    return _combined(formula, eq, chain, top, done, skipped)


def _expansions(formula: Formula, eq: Equation, model: Model, chain: LayerChain, step: Step,
                top: sympy.Symbol) -> tuple[list, list, int]:
    """The checked expansions, those whose shapes do not fit, and how many were skipped."""
    done: list[tuple[int, int, int, Result]] = []
    mismatched: list[tuple[int, int, int, Result]] = []
    skipped = 0
    for depth in DEPTHS:
        for start in range(1, depth + 1):
            expanded = _expanded(formula, eq, chain, top, depth, start)
            if expanded is None:
                skipped += 1
                continue
            claim, elided = expanded
            found = step(claim, dataclasses.replace(model, depth=depth))
            if isinstance(claim.steps[0].expr, ShapeMismatch):
                mismatched.append((depth, start, elided, found))
                continue
            if found.status is Status.UNCHECKED and found.message.startswith("no layer and"):
                skipped += 1  # the quantities do not exist there (a layer below the first)
                continue
            done.append((depth, start, elided, found))
            if found.status is not Status.VERIFIED:
                return done, mismatched, skipped
        if not mismatched and any(elided for _d, _s, elided, _r in done):
            break  # a network deep enough to write out a layer the ellipsis stands for
    return done, mismatched, skipped


def _repairs(chain: LayerChain):  # type: ignore[no-untyped-def]
    """One edit of the pattern at a time, in words: a factor of the period transposed (or not),
    the last period one layer later or earlier."""
    for r, f in enumerate(chain.period):
        if isinstance(f, Transpose):
            yield (f"an extra transpose: `{f.tex}` should be `{f.x.tex}` in every period",
                   _with_factor(chain, r, f.x))
        elif not f.shape().scalar:
            yield (f"a transpose is missing: `{f.tex}` should be `({f.tex})^T` in every period",
                   _with_factor(chain, r, Transpose(f, f"({f.tex})^T")))
    for d in (1, -1):
        end = chain.end + d
        yield (f"the last period should be at ${chain.var} = {sympy.latex(end)}$, not "
               f"${sympy.latex(chain.end)}$", dataclasses.replace(chain, end=end))


def _with_factor(chain: LayerChain, r: int, f: Tensor) -> LayerChain:
    period = chain.period[:r] + (f,) + chain.period[r + 1:]
    return dataclasses.replace(chain, period=period)


def _refuted(first: tuple, chain: LayerChain, top: sympy.Symbol, words: str,
             again: list) -> Result:
    depth, start, elided, found = first
    where = _where(chain, top, depth, start, elided)
    places = "; ".join(f"{_where(chain, top, d, s, e)}: {r.evidence}" for d, s, e, r in again)
    return dataclasses.replace(
        found, status=Status.REFUTED, finding=None, diagnosis=words,
        message=f"the product over layers written out at {where} does not fit in shape "
                f"({found.message.split(';')[0]}); with one edit it holds: {words}",
        evidence=f"with the edit, written out at {places}")


def _expanded(formula: Formula, eq: Equation, chain: LayerChain, top: sympy.Symbol,
              depth: int, start: int) -> tuple[Equation, int] | None:
    sizes = {top: sympy.Integer(depth)}
    made = chain.at(sizes, start)
    if made is None:
        return None
    product, elided = made
    at = {**sizes, chain.var: sympy.Integer(start)}
    step = eq.steps[0]
    lhs = eq.lhs.tensor if eq.lhs.tensor is not None else eq.lhs.expr.xreplace(at)
    if eq.lhs.tensor is not None:
        lhs = substitute(lhs, at)
    rhs = _replaced(step.tensor, product, at)
    low = entry(formula, [lhs, rhs])
    if low.exprs[0] is None:
        return None
    right = (_without_deltas(low.exprs[1]) if low.exprs[1] is not None
             else ShapeMismatch(low.mismatch[1] or ""))
    return dataclasses.replace(
        eq, lhs=dataclasses.replace(eq.lhs, expr=low.exprs[0], tensor=lhs if eq.lhs.tensor
                                    is not None else None),
        steps=(dataclasses.replace(step, expr=right, tensor=rhs),)), elided


def _without_deltas(e: sympy.Basic) -> sympy.Basic:
    """The sums over the index of a Kronecker delta summed out (a diagonal matrix's product:
    `\\sum_k x_i \\delta_{ik} B_{kj}` is `x_i B_{ij}`, the shapes fitting so that i is in k's
    range), so that a product written out over several layers is evaluated in time."""

    def fold(s: sympy.Sum) -> sympy.Basic:
        k = s.limits[0][0]
        factors = sympy.Mul.make_args(s.function)
        for d in factors:
            if isinstance(d, sympy.KroneckerDelta) and k in d.args:
                other = d.args[1] if d.args[0] == k else d.args[0]
                if not other.has(k):
                    rest = [f for f in factors if f is not d]
                    return sympy.Mul(*rest).xreplace({k: other})
        return s

    return e.replace(lambda x: isinstance(x, sympy.Sum) and len(x.limits) == 1, fold)


def _replaced(tree, product, at):  # type: ignore[no-untyped-def]
    """The side with its product over layers written out, everything else at `at`."""
    if isinstance(tree, LayerChain):
        return product
    kids = tree.children()
    if not kids:
        return substitute(tree, at)
    return substitute(tree.rebuild(tuple(_replaced(k, product, at) for k in kids)), at)


def _where(chain: LayerChain, top: sympy.Symbol, depth: int, start: int, elided: int) -> str:
    if not elided:
        return f"${top} = {depth}$, ${chain.var} = {start}$ (only the periods written)"
    layers = "layer" if elided == 1 else "layers"
    return (f"${top} = {depth}$, ${chain.var} = {start}$ (the ellipsis written out over "
            f"{elided} {layers})")


def _at(found: Result, chain: LayerChain, top: sympy.Symbol, depth: int, start: int,
        elided: int) -> Result:
    where = _where(chain, top, depth, start, elided)
    return dataclasses.replace(
        found, message=f"the product over layers written out at {where}: {found.message}",
        evidence=f"at {where}: {found.evidence}" if found.evidence else found.evidence)


def _combined(formula: Formula, eq: Equation, chain: LayerChain, top: sympy.Symbol,
              done: list, skipped: int) -> Result:
    if not done or not any(elided for *_, elided, _r in done):
        return Result(
            file=formula.file, line=eq.line, col=eq.col, latex=f"{eq.lhs.latex} = "
            f"{eq.steps[0].latex}", kind="equation", status=Status.UNCHECKED,
            section=formula.section, formula=formula.number, parsed="", derivation="",
            message="not checked: the product over layers written with an ellipsis could not "
                    "be written out at any network where it elides a layer")
    first = done[0][3]
    places = "; ".join(f"{_where(chain, top, d, s, e)}: {r.evidence}" for d, s, e, r in done)
    note = f"; {skipped} start layers skipped (the written factors overlap, or a quantity " \
           "does not exist there)" if skipped else ""
    return dataclasses.replace(
        first, message="agrees with the derivation at every point and index, the product over "
        f"layers written out at {len(done)} depths and start layers{note}", evidence=places)
