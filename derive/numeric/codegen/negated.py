"""The trainer's update with a layer's forward parameters held negated where the step reads its
pre-activation only negated.

The logistic the document writes, 1/(1 + e^(-z)), reads z only as -z: holding the parameters
that make z negated (the weights of z = x @ P, or the bias of z = b + a @ W) gives -z from the
product itself, and the negation, one pass over the layer's array, disappears. Exact: a sum of
products of negated numbers is the negated sum (IEEE rounding is symmetric), (-b) - u is
-(b + u), and the negated parameter takes the same change added, -(p - G) = (-p) + G. So the
numbers are the same bit for bit. A parameter is negated only where nothing else reads it (the
backward product delta @ W keeps W as it is); a pre-activation read in any other way (the
ReLU's z > 0, say) is left as it is.
"""

from __future__ import annotations

import sympy as sp

from derive.numeric.codegen.primitives import NEGATED_PREFIX as PREFIX
from derive.numeric.codegen.primitives import Descend, Dot
from derive.numeric.codegen.program import Program


def _reads(program: Program, param: sp.Symbol) -> int:
    """How many of the program's expressions read `param`, other than as the target of its
    own Descend (whose change must not read it)."""
    count = 0
    for _, e in program.assignments:
        count += param in e.free_symbols
    for out in program.outputs:
        if isinstance(out, Descend) and out.args[0] == param:
            if param in out.args[1].free_symbols:
                return -1  # an update that reads its own parameter: never negated
            continue
        count += param in out.free_symbols
    return count


def _negation(e: sp.Expr, free: set[sp.Symbol]) -> tuple[sp.Expr, sp.Symbol] | None:
    """-e written with one parameter of `free` negated (its negated symbol), or None."""
    if isinstance(e, Dot) and e.args[1] in free:
        p = e.args[1]
        held = sp.Symbol(PREFIX + p.name, real=True)
        return Dot(e.args[0], held), p
    if isinstance(e, sp.Add):
        for term in e.args:
            if term in free:
                held = sp.Symbol(PREFIX + term.name, real=True)
                return held - (e - term), term
    return None


def negated_forward(program: Program) -> Program:
    """`program` (an in-place update) with each pre-activation read only negated computed
    negated from parameters held negated (their names prefixed with `PREFIX`)."""
    x, y, c, *params = program.args
    free = {p for p in params if _reads(program, p) == 1}
    assignments = list(program.assignments)
    outputs = list(program.outputs)
    renamed: dict[sp.Symbol, sp.Symbol] = {}
    for n, (target, expr) in enumerate(assignments):
        later = [e for _, e in assignments[n + 1:]] + outputs
        mark = sp.Symbol(PREFIX + target.name, real=True)
        if not any(target in e.free_symbols for e in later):
            continue
        if any(target in e.xreplace({-target: mark}).free_symbols for e in later):
            continue  # read other than negated
        found = _negation(expr, free & expr.free_symbols)
        if found is None:
            continue
        negated, param = found
        free.discard(param)
        renamed[param] = sp.Symbol(PREFIX + param.name, real=True)
        assignments[n] = (mark, negated)
        assignments[n + 1:] = [(t, e.xreplace({-target: mark})) for t, e in assignments[n + 1:]]
        outputs = [e.xreplace({-target: mark}) for e in outputs]
    if not renamed:
        return program
    outputs = [Descend(renamed[o.args[0]], -o.args[1])
               if isinstance(o, Descend) and o.args[0] in renamed else o for o in outputs]
    args = (x, y, c, *(renamed.get(p, p) for p in params))
    return Program(args, tuple(assignments), tuple(outputs))


def negated_layout(program: Program) -> tuple[int, ...]:
    """The positions, among the parameters `program` takes, of those it takes negated."""
    return tuple(n for n, p in enumerate(program.args[3:]) if p.name.startswith(PREFIX))
