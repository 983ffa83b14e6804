"""Straight-line programs: checked (allowlist, float64 constants) and lambdified to NumPy.

A `Program` is arguments, assignments in order and outputs. Before lambdify every free
symbol must be one of its own argument or temporary symbols and every function must be on an
allowlist: lambdify prints names into source code and execs it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.numeric.codegen.errors import CodegenError, UnsafeExpressionError
from derive.numeric.codegen.inplace import rewrite_in_place
from derive.numeric.codegen.primitives import (
    ALLOWED_FUNCTIONS,
    ONES_NAMESPACE,
    UFUNC_NAMESPACE,
    constants_namespace,
)


@dataclass(frozen=True)
class Program:
    args: tuple[sp.Symbol, ...]
    assignments: tuple[tuple[sp.Symbol, sp.Expr], ...]
    outputs: tuple[sp.Expr, ...]


def _check_safe(program: Program) -> None:
    """Refuse anything lambdify would print that is not ours (lambdify execs its source)."""
    known = set(program.args)
    for target, expr in [*program.assignments, *((None, e) for e in program.outputs)]:
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Indexed, sp.IndexedBase, sp.Sum, sp.Derivative, sp.Piecewise,
                                 sp.Subs, sp.Lambda)):
                raise UnsafeExpressionError(f"unexpected {type(node).__name__} in generated code")
            if isinstance(node, AppliedUndef) or (
                isinstance(node, sp.Function) and type(node) not in ALLOWED_FUNCTIONS
            ):
                raise UnsafeExpressionError(f"function {node.func} is not on the allowlist")
        unknown = expr.free_symbols - known
        if unknown:
            names = ", ".join(sorted(str(s) for s in unknown))
            raise UnsafeExpressionError(f"free symbols {names} are not arguments of the code")
        if target is not None:
            known.add(target)


def _local_cse(program: Program) -> Program:
    """Share repeated subexpressions inside each assignment (e.g. exp(zs) of a softmax)."""
    counter = itertools.count()
    assignments: list[tuple[sp.Symbol, sp.Expr]] = []
    outputs: list[sp.Expr] = []
    symbols = (sp.Symbol(f"_t{n}", real=True) for n in counter)
    for target, expr in program.assignments:
        replacements, (reduced,) = sp.cse([expr], symbols=symbols, optimizations=None)
        assignments.extend(replacements)
        assignments.append((target, reduced))
    for expr in program.outputs:
        replacements, (reduced,) = sp.cse([expr], symbols=symbols)
        assignments.extend(replacements)
        outputs.append(reduced)
    return Program(program.args, tuple(assignments), tuple(outputs))


def _check_numbers(program: Program) -> None:
    """Every constant must be a float64 as written: 10^400 would not convert (an internal
    error at run time) and a nonzero 10^-400 would silently become 0."""
    for expr in [*(e for _, e in program.assignments), *program.outputs]:
        if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise CodegenError("the definitions hold an infinite or undefined constant")
        for number in expr.atoms(sp.Number):
            if number.is_zero:
                continue
            try:
                value = float(number)
            except (OverflowError, ZeroDivisionError):
                value = math.inf
            if not math.isfinite(value) or value == 0.0:
                raise CodegenError(
                    f"the derived code needs the constant {sp.sstr(sp.N(number, 3))}, outside "
                    "float64 (about 1e-308 to 1e308 in size): see the constants of the "
                    "definitions")


def prepare_program(program: Program) -> Program:
    """The program as lambdify may print it: repeated subexpressions of each assignment shared,
    every name and function checked against the allowlist, every constant a float64.

    Raises UnsafeExpressionError (a name that is not ours) or CodegenError (a constant outside
    float64). The NumPy and the JAX printers both print only what this returns.
    """
    program = _local_cse(program)
    _check_safe(program)
    _check_numbers(program)
    return program


def lambdify_program(program: Program, name: str, *, in_place: bool = False
                     ) -> Callable[..., tuple[np.ndarray, ...]]:
    """The program as a NumPy function `name(*program.args) -> program.outputs` (a tuple).

    With `in_place`, every elementwise operation is printed as a ufunc call writing into a
    buffer the function owns (the trainer's `update`): the same operations on the same
    operands, so the same numbers bit for bit. Checked as `prepare_program` checks it, before
    and after that rewrite.
    """
    program = prepare_program(program)
    modules: list = [ONES_NAMESPACE, "numpy"]
    if in_place:  # the same arithmetic, written into buffers the step owns
        program = rewrite_in_place(program)
        _check_safe(program)
        exprs = [*(e for _, e in program.assignments), *program.outputs]
        modules = [constants_namespace(exprs), UFUNC_NAMESPACE, "numpy"]
    # The cse hook hands lambdify our own straight-line program (in order) instead of letting it
    # search for common subexpressions across the whole step.
    fn = sp.lambdify(
        program.args,
        program.outputs,
        modules=modules,
        cse=lambda exprs: (list(program.assignments), exprs),
        docstring_limit=0,
    )
    fn.__name__ = name
    return fn
