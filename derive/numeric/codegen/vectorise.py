"""Stage 2: index-level expressions turned into array expressions over the batch (`templates`).

`_translate*` turns the derivation's index expressions into array expressions over plain
Symbols that stand for NumPy arrays (rows = samples of the batch, columns = units of the
layer): elementwise SymPy arithmetic *is* NumPy broadcasting arithmetic, and the contractions
and reductions the Sums describe become the small opaque functions `Dot`, `Tr`, `RowSum`,
`BatchSum`, `RowMax`. Nothing is looped over neurons or samples, so network size never grows
an expression. `templates(spec, model)` gives one generic layer's array formulas.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from derive.numeric.codegen.derivation import AOUT, APREV, DELTA, ZPREV, derive
from derive.numeric.codegen.errors import TranslationError
from derive.numeric.codegen.primitives import (
    CONDITIONS,
    ELEMENTWISE,
    BatchSum,
    Dot,
    Erf,
    Maximum,
    Minimum,
    RowSum,
    Step,
    Tr,
    Where,
    scipy_erf,
)
from derive.spec import B, N, NetworkSpec, W, Y, Z

SAMPLE, VECTOR, MATRIX = "sample", "vector", "matrix"


@dataclass(frozen=True)
class _Arrays:
    """Which array Symbol stands for which IndexedBase, and how its indices map to axes."""

    bases: tuple[tuple[sp.IndexedBase, sp.Symbol, str], ...]
    widths: frozenset[sp.Expr]  # summation bounds that mean "all units of the axis"

    def lookup(self, base: sp.IndexedBase) -> tuple[sp.Symbol, str]:
        for key, symbol, kind in self.bases:
            if key == base:
                return symbol, kind
        raise TranslationError(f"no array for {base}")


def _translate(e: sp.Expr, free: sp.Symbol | None, arrays: _Arrays) -> sp.Expr:
    """Array expression for e[x, free] over the batch x (free None: one value per sample)."""
    if e.is_Number or e in (sp.pi, sp.E):
        return e
    if isinstance(e, sp.Indexed):
        symbol, kind = arrays.lookup(e.base)
        if kind in (SAMPLE, VECTOR) and free is not None and e.indices == (free,):
            return symbol
        raise TranslationError(f"cannot vectorise {e} with free index {free}")
    if isinstance(e, sp.Sum):
        return _translate_sum(e, free, arrays)
    if isinstance(e, (sp.Add, sp.Mul, sp.Pow)) or isinstance(e, ELEMENTWISE):
        return e.func(*(_translate(arg, free, arrays) for arg in e.args))
    if isinstance(e, (sp.Max, sp.Min)):  # n arguments: nested binary maximum / minimum
        fn = Maximum if isinstance(e, sp.Max) else Minimum
        args = [_translate(arg, free, arrays) for arg in e.args]
        return functools.reduce(fn, args)
    if isinstance(e, sp.Heaviside):
        h0 = e.args[1] if len(e.args) > 1 else sp.S.Half
        if not h0.is_Number:
            raise TranslationError(f"the step {e} has no numeric value at 0")
        return Step(_translate(e.args[0], free, arrays), h0)
    if isinstance(e, sp.Piecewise):
        return _translate_piecewise(e, free, arrays)
    if isinstance(e, sp.erf):
        if scipy_erf() is None:
            raise TranslationError("erf (as in GELU's Φ) needs SciPy, which NumPy code calls for "
                                   "it: pip install scipy")
        return Erf(_translate(e.args[0], free, arrays))
    raise TranslationError(f"cannot vectorise {e!s} ({type(e).__name__})")


def _translate_condition(c: sp.Basic, free: sp.Symbol | None, arrays: _Arrays) -> sp.Basic:
    if isinstance(c, (sp.And, sp.Or, sp.Not)):
        return c.func(*(_translate_condition(arg, free, arrays) for arg in c.args))
    if isinstance(c, CONDITIONS):
        return c.func(_translate(c.lhs, free, arrays), _translate(c.rhs, free, arrays),
                      evaluate=False)
    raise TranslationError(f"cannot vectorise the condition {c}")


def _translate_piecewise(e: sp.Piecewise, free: sp.Symbol | None, arrays: _Arrays) -> sp.Expr:
    """Nested Where from the last branch up; the last condition must be True (`otherwise`)."""
    *branches, (last, otherwise) = e.args
    if otherwise != sp.true:
        raise TranslationError(f"the cases of {e} do not cover every value (no 'otherwise')")
    out = _translate(last, free, arrays)
    for value, cond in reversed(branches):
        out = Where(_translate_condition(cond, free, arrays), _translate(value, free, arrays),
                    out)
    return out


def _translate_sum(e: sp.Sum, free: sp.Symbol | None, arrays: _Arrays) -> sp.Expr:
    if len(e.limits) > 1:
        # SymPy merges a sum of a sum back into one Sum (limits innermost first), so taking
        # it apart and wrapping it again would loop: a sum over several indices at once is
        # refused, with its reason, rather than recursing without end
        raise TranslationError(f"the sum over {', '.join(str(v) for v, *_ in e.limits)} at "
                               "once is not vectorised")
    (j, lo, hi) = e.limits[0]
    if lo != 1 or hi not in arrays.widths:
        raise TranslationError(f"sum over {j} from {lo} to {hi} is not over a whole layer")
    body = e.function
    if free is None or free not in body.free_symbols:
        return RowSum(_translate(body, j, arrays))
    if body.is_Add:
        return sp.Add(*(_translate_sum(sp.Sum(term, e.limits[0]), free, arrays) for term in body.args))
    # A contraction sum_j F[x, j] * M[free, j] (or M[j, free]) times factors of `free` alone.
    both, only_j, rest = [], [], []
    for factor in sp.Mul.make_args(body):
        symbols = factor.free_symbols
        if j in symbols and free in symbols:
            both.append(factor)
        elif j in symbols:
            only_j.append(factor)
        else:
            rest.append(factor)
    if len(both) != 1 or not isinstance(both[0], sp.Indexed) or not only_j:
        raise TranslationError(f"cannot vectorise the contraction {e}")
    (matrix,) = both
    symbol, kind = arrays.lookup(matrix.base)
    if kind != MATRIX:
        raise TranslationError(f"{matrix} is not a weight matrix")
    if matrix.indices == (free, j):
        other = Tr(symbol)
    elif matrix.indices == (j, free):
        other = symbol
    else:
        raise TranslationError(f"cannot vectorise the contraction {e}")
    product = Dot(_translate(sp.Mul(*only_j), j, arrays), other)
    return product * _translate(sp.Mul(*rest), free, arrays)


def _translate_batch_gradient(e: sp.Expr, free: tuple[sp.Symbol, ...], arrays: _Arrays) -> sp.Expr:
    """Array for sum_x e[x, free...]: a column sum (bias) or an outer-product contraction."""
    if len(free) == 1:
        return BatchSum(_translate(e, free[0], arrays))
    p, q = free
    row: list[sp.Expr] = []
    col: list[sp.Expr] = []
    for factor in sp.Mul.make_args(e):
        symbols = factor.free_symbols
        if p in symbols and q in symbols:
            raise TranslationError(f"cannot vectorise the gradient {e}")
        (col if q in symbols else row).append(factor)
    left, right = _translate(sp.Mul(*row), p, arrays), _translate(sp.Mul(*col), q, arrays)
    if not left.free_symbols or not right.free_symbols:
        raise TranslationError(f"cannot vectorise the gradient {e}")
    return Dot(Tr(left), right)


class Slot:
    """The array Symbols the layer-generic templates are written in; `compose` replaces them
    by each layer's own arrays when it builds a network."""

    a_prev, z_prev, w, b, z, a, delta, y, zs = sp.symbols(
        "a_prev z_prev w b z a delta y zs", real=True
    )


@dataclass(frozen=True)
class LayerTemplates:
    """Array formulas for one generic layer, from one Derivation."""

    preactivation: sp.Expr  # z in a_prev, w, b
    activation: sp.Expr  # a in z (stable form)
    plain_activation: sp.Expr  # a in z as the document writes g (the trainer's update)
    backward: sp.Expr  # delta_prev in delta, w, a_prev (and z_prev)
    grad_w: sp.Expr  # sum over the batch, in delta, a_prev
    grad_b: sp.Expr
    output_error: sp.Expr  # delta of the output layer, in a (or z/zs) and y
    loss: sp.Expr  # loss per sample, (m, 1), in a (or z/zs) and y
    shift_invariant: bool


@functools.lru_cache(maxsize=16)
def templates(spec: NetworkSpec, model_name: str) -> LayerTemplates:
    d = derive(spec, model_name)
    i, ip, p, q, _ = d.indices
    # The output quantity the loss sees: the shifted z when the loss is shift invariant.
    out_z = Slot.zs if d.shift_invariant else Slot.z
    layer = _Arrays(
        bases=(
            (APREV, Slot.a_prev, SAMPLE),
            (ZPREV, Slot.z_prev, SAMPLE),
            (DELTA, Slot.delta, SAMPLE),
            (W, Slot.w, MATRIX),
            (B, Slot.b, VECTOR),
        ),
        widths=frozenset({d.width_in, d.width_out}),
    )
    output = _Arrays(
        bases=((Z, out_z, SAMPLE), (AOUT, Slot.a, SAMPLE), (Y, Slot.y, SAMPLE)),
        widths=frozenset({N}),
    )
    (t,) = d.stable_activation.variables
    unit = _Arrays(bases=((ZPREV, Slot.z, SAMPLE),), widths=frozenset())
    return LayerTemplates(
        preactivation=_translate(d.forward, i, layer),
        activation=_translate(d.stable_activation.expr.xreplace({t: ZPREV[i]}), i, unit),
        plain_activation=_translate(
            d.activation.expr.xreplace({d.activation.variables[0]: ZPREV[i]}), i, unit),
        backward=_translate(d.backward, ip, layer),
        grad_w=_translate_batch_gradient(d.grad_w, (p, q), layer),
        grad_b=_translate_batch_gradient(d.grad_b, (p,), layer),
        output_error=_translate(d.output_error, ip, output),
        loss=_translate(d.loss, None, output),
        shift_invariant=d.shift_invariant,
    )
