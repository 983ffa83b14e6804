"""A claim with a path product written with an ellipsis (`derive.latex.paths`): written out at
each network depth and start layer (every elided layer a factor of its own, with a fresh index
that the text's sum sums as it sums its letters), each expansion checked at that fixed depth;
refuted when one is (with the one edit of a written factor that makes every expansion hold, if
one does), verified when every expansion made holds and one writes out a layer the dots stand
for. A product along one path (no sum over its indices) is not the whole derivative: refuted
with that diagnosis when its sum over the paths holds and it does not, in an equation; in an
approximation the change along one path, checked as the term of its sum over the paths where
the prose calls it one path's (`Formula.path_term`), not checked otherwise (with the reason)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import sympy

from derive.check import approx
from derive.document import Formula
from derive.expr import Partial, Quantity, Width, to_latex
from derive.latex import Equation, Index, Size
from derive.latex.paths import PathChain
from derive.model import Model
from derive.notation.table import lin_value
from derive.results import Result, Status

DEPTHS = (3, 4, 5, 6, 7, 8)  # tried in order, up to the first where the dots stand for a layer
_FRESH = "rstuvxyzfgh"

Decide = Callable[[Equation, Model], Result]  # an expanded claim checked in a model
Holds = Callable[[Model, sympy.Basic, sympy.Basic], "bool | None"]
Done = tuple[int, int, int, Result]  # depth, start layer, layers elided, the verdict there


def path_of(eq: Equation) -> PathChain | None:
    """The path product a claim writes, if it writes one."""
    for side in (eq.lhs, *eq.steps):
        if side.tensor is None and isinstance(side.expr, sympy.Basic):
            found = sorted(side.expr.atoms(PathChain), key=sympy.default_sort_key)
            if found:
                return found[0]
    return None


def path_result(formula: Formula, eq: Equation, model: Model, decide: Decide,
                holds: Holds) -> Result:
    """The verdict on a claim `lhs = <path product>` (or `\\approx`), from its expansions."""
    chain = path_of(eq)
    assert chain is not None
    if (eq.kind not in ("equation", "approximation") or len(eq.steps) != 1
            or eq.lhs.expr.has(PathChain) or len(eq.steps[0].expr.atoms(PathChain)) != 1):
        return _unchecked(formula, eq, "a product along a path of layers written with an "
                          "ellipsis is checked as the one right side of an equation or "
                          "approximation of one step")
    if chain.summed:
        return _checked(formula, eq, model, chain, decide, holds)
    return _one_path(formula, eq, model, chain, decide, holds)


def _checked(formula: Formula, eq: Equation, model: Model, chain: PathChain,
             decide: Decide, holds: Holds) -> Result:
    top = Size(model.notation.layers)
    done, skipped = _expansions(eq, model, chain, decide, top)
    failed = next((d for d in done if d[3].status is not Status.VERIFIED), None)
    if failed is None:
        return _combined(formula, eq, top, chain, done, skipped)
    found = _at(failed, top, chain)
    if failed[3].status is Status.REFUTED:
        for words, fixed in _repairs(chain):
            again = _holding(eq, model, fixed, holds, top)
            if again is not None:
                places = ", ".join(_where(top, chain, (d, st, e, found)) for d, st, e in again)
                return dataclasses.replace(
                    found, diagnosis=words, finding=None,
                    message=f"the path product written out at {_where(top, chain, failed)}: "
                    f"differs from the derivation: {words}, and with that edit every expansion "
                    "holds",
                    evidence=f"{found.evidence}; with the edit it holds written out at {places}")
    return found


def _expansions(eq: Equation, model: Model, chain: PathChain, decide: Decide,
                top: sympy.Symbol) -> tuple[list[Done], int]:
    """The checked expansions (stopping at the first that fails), and how many were skipped."""
    done: list[Done] = []
    skipped = 0
    for depth, start, claim, elided in _claims(eq, model, chain, top):
        if claim is None:
            skipped += 1
            continue
        found = decide(claim, dataclasses.replace(model, depth=depth))
        if found.status in (Status.UNCHECKED, Status.ERROR) and _absent(found):
            skipped += 1  # a quantity does not exist there
            continue
        done.append((depth, start, elided, found))
        if found.status is not Status.VERIFIED:
            break
    return done, skipped


def _claims(eq: Equation, model: Model, chain: PathChain, top: sympy.Symbol
            ) -> Iterator[tuple[int, int, Equation | None, int]]:
    """The claim written out at each depth and start layer (None where it cannot be: the two
    sides of the dots meet or overlap, or a quantity does not exist), up to the first depth
    where the dots stand for a layer."""
    var = _layer_var(chain)
    for depth in DEPTHS:
        deep = False
        for start in range(1, depth + 1) if var is not None else (0,):
            sizes = _sizes(top, var, depth, start)
            made = expand(chain, sizes, model, depth)
            claim = None if made is None else _claim(eq, chain, made[0], sizes)
            if claim is not None and not _exists(claim, model, depth):
                claim = None
            deep = deep or (claim is not None and made is not None and made[1] >= 1)
            yield depth, start, claim, made[1] if made is not None else -1
        if deep:
            return


def _holding(eq: Equation, model: Model, chain: PathChain, holds: Holds,
             top: sympy.Symbol) -> list[tuple[int, int, int]] | None:
    """Where an edited chain holds, written out at every depth and start layer (evaluated
    only: no diagnosis); None when it fails at one, or cannot be decided."""
    out = []
    for depth, start, claim, elided in _claims(eq, model, chain, top):
        if claim is None:
            continue
        at = dataclasses.replace(model, depth=depth)
        if claim.kind == "approximation":
            read = approx.reading(claim)
            if not isinstance(read, approx.Reading):
                return None
            ok = holds(at, read.lhs, read.rhs)
        else:
            ok = holds(at, claim.lhs.expr, claim.steps[0].expr)
        if ok is not True:
            return None
        out.append((depth, start, elided))
    return out if any(e >= 1 for *_x, e in out) else None


def _absent(found: Result) -> bool:
    return found.message.startswith("no layer and") or "does not exist" in found.message \
        or "no layer" in found.message


def _layer_var(chain: PathChain) -> sympy.Symbol | None:
    found = {s for f in (*chain.before, *chain.after) for q in (f.num, f.den)
             if isinstance(q, Quantity) and q.layer is not None
             for s in q.layer.free_symbols if isinstance(s, Index)}
    return sorted(found, key=str)[0] if len(found) == 1 else None


def expand(chain: PathChain, sizes: dict, model: Model, depth: int
           ) -> tuple[sympy.Basic, int] | None:
    """The product written out at `sizes` (summed over its indices, each elided layer's fresh
    one too, when the text sums it), and how many layers the dots stand for there; None where
    the factors written on the two sides of the dots meet or overlap."""
    before = [f.xreplace(sizes) for f in chain.before]
    after = [f.xreplace(sizes) for f in chain.after]
    low, high = before[-1].den, after[0].num
    n = (high.layer - low.layer) * chain.step
    if not n.is_Integer or n < 1:
        return None
    used = {str(s) for f in (*before, *after, chain.rest) for s in f.free_symbols}
    fresh = iter(Index(x) for x in _FRESH if x not in used)
    nodes = [low]
    for k in range(1, int(n)):
        nodes.append(low.with_(layer=low.layer + k * chain.step,
                               indices=tuple(next(fresh) for _ in low.indices)))
    nodes.append(high)
    elided = [Partial(a, b) for a, b in zip(nodes, nodes[1:])]
    factors = [*before, *elided, *after]
    body = sympy.Mul(*factors, chain.rest.xreplace(sizes))
    if chain.summed:
        summed = [*chain.lead, *(i for q in nodes[1:-1] for i in q.indices), *chain.last]
        for x in reversed(summed):
            bound = _bound(x, factors, model, depth)
            if bound is None:
                return None
            body = sympy.Sum(body, (x, *bound))
    return body, int(n) - 1


def _exists(claim: Equation, model: Model, depth: int) -> bool:
    """Whether every quantity the written-out claim names exists in a network of `depth`."""
    for side in (claim.lhs, *claim.steps):
        for q in side.expr.atoms(Quantity):
            spec = model.notation.quantities.get(q.name)
            if q.layer is None or not q.layer.is_Integer:
                continue
            lo, hi = (1, depth) if spec is None or spec.layer_range is None else (
                lin_value(spec.layer_range[0], depth), lin_value(spec.layer_range[1], depth))
            if not lo <= int(q.layer) <= hi:
                return False
    return True


def _bound(x: sympy.Symbol, factors: list, model: Model, depth: int
           ) -> tuple[sympy.Basic, sympy.Basic] | None:
    """The range of index x: that of the first slot of a quantity it indexes."""
    notation = model.notation
    for f in factors:
        for q in (f.num, f.den):
            if not isinstance(q, Quantity) or x not in q.indices or q.name not in \
                    notation.quantities:
                continue
            spec = notation.quantities[q.name]
            s = q.indices.index(x)
            if s >= len(spec.dims) or q.layer is None or not q.layer.is_Integer:
                return None
            kind, lin = spec.dims[s]
            value = lin_value(lin, depth, int(q.layer))
            hi = Width(notation.width, sympy.Integer(value)) if kind == "width" else \
                sympy.Integer(value)
            return sympy.Integer(0 if s in spec.from_zero else 1), hi
    return None


def _claim(eq: Equation, chain: PathChain, written: sympy.Basic, sizes: dict) -> Equation:
    step = eq.steps[0]
    rhs = step.expr.replace(lambda x: isinstance(x, PathChain), lambda x: written).xreplace(
        sizes)  # the one path product of the side, as written or edited (`chain`)
    return dataclasses.replace(eq, lhs=dataclasses.replace(eq.lhs, expr=eq.lhs.expr.xreplace(
        sizes)), steps=(dataclasses.replace(step, expr=rhs),))


def _repairs(chain: PathChain) -> Iterator[tuple[str, PathChain]]:
    """One edit of the written factors at a time, in words: a factor that does not link to the
    one beside it made to (by what that one is of, or by), a written quantity one layer off."""
    for side in ("before", "after"):
        factors = list(getattr(chain, side))
        for k in range(len(factors) - 1):
            f, g = factors[k], factors[k + 1]
            if f.den == g.num:
                continue
            for pos, new in ((k + 1, Partial(f.den, g.den)), (k, Partial(f.num, g.num))):
                old = factors[pos]
                yield (f"`{to_latex(old)}` should be `{to_latex(new)}`: the factors beside it "
                       f"link at ${to_latex(f.den if pos == k + 1 else g.num)}$",
                       _with(chain, side, pos, new))
    written = sorted({q for f in (*chain.before, *chain.after) for q in (f.num, f.den)
                      if isinstance(q, Quantity) and q.layer is not None},
                     key=sympy.default_sort_key)
    for q in written:
        for d in (1, -1):
            new = q.with_(layer=q.layer + d)
            edited = chain.xreplace({q: new})
            if isinstance(edited, PathChain) and _fits_again(edited):
                yield f"`{to_latex(q)}` should be `{to_latex(new)}`", edited


def _fits_again(chain: PathChain) -> bool:
    from derive.latex.paths import _fits
    return _fits(chain)


def _with(chain: PathChain, side: str, pos: int, f: Partial) -> PathChain:
    before, after = list(chain.before), list(chain.after)
    (before if side == "before" else after)[pos] = f
    return PathChain(tuple(before), tuple(after), chain.rest, chain.lead, chain.last,
                     chain.summed)


def _one_path(formula: Formula, eq: Equation, model: Model, chain: PathChain, decide: Decide,
              holds: Holds) -> Result:
    """A product along one path, its indices not summed: in an approximation the change along
    that path (not checked); in an equation refuted when it fails where its sum over the paths
    holds."""
    left = eq.lhs.expr.free_symbols | chain.rest.free_symbols  # ΔC's, and Δw's
    lead = _letters(chain.before, left)
    last = _letters(chain.after, left | set(lead))
    letters = ", ".join(f"${x}$" for x in (*lead, *last))
    if eq.kind == "approximation" and formula.path_term and lead and last:
        return _path_term(formula, eq, model, chain, (lead, last), decide, holds)
    if eq.kind == "approximation" or not lead or not last:
        return _unchecked(formula, eq, "the product along one path of layers (its indices "
                          f"{letters} are not summed): the change along that one path, not "
                          "the whole change the left side names; the sum over the paths, "
                          "where the text writes it, is what is checked")
    summed = PathChain(chain.before, chain.after, chain.rest, lead, last, True)
    whole = _checked(formula, eq, model, summed, decide, holds)
    if whole.status is not Status.VERIFIED:
        return _unchecked(formula, eq, f"the product along one path of layers (its indices "
                          f"{letters} are not summed) is not the whole derivative, and summed "
                          f"over the paths it is not verified either: {whole.message}")
    top = Size(model.notation.layers)
    var = _layer_var(chain)
    one = next(((d, st, c) for d, st, c, _e in _claims(eq, model, chain, top)
                if c is not None), None)
    if one is None or holds(dataclasses.replace(model, depth=one[0]), one[2].lhs.expr,
                            one[2].steps[0].expr) is not False:
        return _unchecked(formula, eq, f"the product along one path of layers (its indices "
                          f"{letters} are not summed) could not be shown to differ from the "
                          "whole derivative")
    first = one[:2]
    sub = " ".join(str(x) for x in lead) + " \\ldots " + " ".join(str(x) for x in last)
    where = f"${top} = {first[0]}$" + (f", ${var} = {first[1]}$" if var is not None else "")
    return dataclasses.replace(
        whole, status=Status.REFUTED, finding=None, counterexample=None,
        diagnosis=f"the sum over the paths is missing: `\\sum_{{{sub}}}` before the product",
        message=f"the product along one path is not the whole derivative: written out at "
                f"{where} it differs from the derivation at some index of the path; summed over "
                f"the paths' indices {letters} (`\\sum_{{{sub}}}`) it holds",
        evidence=f"summed over the paths: {whole.evidence}")


def _path_term(formula: Formula, eq: Equation, model: Model, chain: PathChain,
               letters: tuple[tuple, tuple], decide: Decide, holds: Holds) -> Result:
    """A product along one path in an approximation whose prose calls it one path's: that
    path's term, checked as the term of the sum over the paths (the sum is the whole change)."""
    lead, last = letters
    summed = PathChain(chain.before, chain.after, chain.rest, lead, last, True)
    whole = _checked(formula, eq, model, summed, decide, holds)
    names = ", ".join(f"${x}$" for x in (*lead, *last))
    read = (f"read as one path's term, as the text says (its indices {names} not summed): "
            "not the whole change; summed over the paths")
    if whole.status is Status.VERIFIED:
        return dataclasses.replace(whole, message=f"{read} it is the whole change: "
                                   f"{whole.message}")
    return dataclasses.replace(whole, message=f"{read}: {whole.message}")


def _sizes(top: sympy.Symbol, var: sympy.Symbol | None, depth: int, start: int) -> dict:
    out = {top: sympy.Integer(depth)}
    if var is not None:
        out[var] = sympy.Integer(start)
    return out


def _letters(factors: tuple, bound: set) -> tuple:
    """The indices of the factors, in the order written, that the left side does not have."""
    out: list = []
    for f in factors:
        for q in (f.num, f.den):
            for x in getattr(q, "indices", ()):
                if isinstance(x, Index) and x not in bound and x not in out:
                    out.append(x)
    return tuple(out)


def _where(top: sympy.Symbol, chain: PathChain, d: Done) -> str:
    depth, start, elided, _r = d
    var = _layer_var(chain)
    at = f"${top} = {depth}$" + (f", ${var} = {start}$" if var is not None else "")
    if elided < 1:
        return f"{at} (the dots for no layer of their own)"
    layers = "layer" if elided == 1 else "layers"
    return f"{at} (the dots written out over {elided} {layers}, each with an index summed)"


def _at(d: Done, top: sympy.Symbol, chain: PathChain) -> Result:
    where = _where(top, chain, d)
    found = d[3]
    return dataclasses.replace(
        found, message=f"the path product written out at {where}: {found.message}",
        evidence=f"at {where}: {found.evidence}" if found.evidence else found.evidence)


def _combined(formula: Formula, eq: Equation, top: sympy.Symbol, chain: PathChain,
              done: list[Done], skipped: int) -> Result:
    if not any(d[2] >= 1 for d in done):
        return _unchecked(formula, eq, "the path product written with an ellipsis could not "
                          "be written out at any network where the dots stand for a layer")
    places = "; ".join(f"{_where(top, chain, d)}: {d[3].evidence}" for d in done)
    note = (f"; {skipped} start layers skipped (the factors written on the two sides of the "
            "dots meet or overlap, or a quantity does not exist there)") if skipped else ""
    return dataclasses.replace(
        done[0][3], message=f"{done[0][3].message}; the path product written "
        f"out at {len(done)} depths and start layers{note}", evidence=places)


def _unchecked(formula: Formula, eq: Equation, why: str) -> Result:
    relation = "\\approx" if eq.kind == "approximation" else "="
    return Result(file=formula.file, line=eq.line, col=eq.col,
                  latex=f"{eq.lhs.latex} {relation} {eq.steps[0].latex}", kind="equation",
                  status=Status.UNCHECKED, section=formula.section, formula=formula.number,
                  parsed="", derivation="", message=f"not checked: {why}")
