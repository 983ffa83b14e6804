"""From the document's definitions to NumPy code: differentiate, vectorise, lambdify.

Three stages, each a pure function of the one before:

1. `derive(spec, model)` differentiates the document's index-level definitions (`NetworkSpec`)
   with `sympy.diff`, once per layer *shape* (layer-generic IndexedBase expressions), never once
   per weight: the local Jacobian dZ[i]/dZprev[i'], dZ[i]/dW[p, q], dZ[i]/dB[p] and the output
   error dL/dZ[i]. KroneckerDelta sums are evaluated by SymPy; the resulting range Piecewise is
   resolved only after checking that its condition holds for every index in range.
2. `_translate*` turns those index expressions into array expressions over plain Symbols that
   stand for NumPy arrays (rows = samples of the batch, columns = units of the layer): elementwise
   SymPy arithmetic *is* NumPy broadcasting arithmetic, and the contractions and reductions the
   Sums describe become the small opaque functions `Dot`, `Tr`, `RowSum`, `BatchSum`, `RowMax`.
   Nothing is looped over neurons or samples, so network size never grows an expression.
3. `compile_network(...)` composes the layer-generic array formulas into one straight-line
   program for a network of a given depth (forward, output error, the backward recursion, the
   document's update w <- w - (alpha/m) sum_x delta a) and hands it to `sympy.lambdify` through its
   `cse` hook, so one Python call runs a whole training step. Before lambdify, every free symbol
   must be one of our own argument or temporary symbols and every function must be on an
   allowlist: lambdify prints names into source code and execs it.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.functions import CODEGEN, NON_SMOOTH
from derive.spec import A, B, I, K, N, NetworkSpec, W, Y, Z

try:  # wall-clock budgets (SIGALRM in the main thread); arrives with the checker's budgets
    from derive.budget import BudgetExceeded, deadline
except ImportError:  # pragma: no cover - until derive.budget is merged: no budget
    class BudgetExceeded(Exception):  # type: ignore[no-redef]
        pass

    def deadline(seconds: float | None) -> contextlib.AbstractContextManager[None]:  # type: ignore[no-redef]
        return contextlib.nullcontext()

# The optional rewrites below (g' in terms of g, a stable form of g, the shift invariance of a
# softmax) are searches by sympy.solve/simplify, which can run for hours on an activation such
# as sin(t)^100. Each has this budget; past it the plain form is used: correct, maybe slower or
# less stable. The budget is far above what the logistic or tanh take (under 1 s).
REWRITE_SECONDS = 10.0
# The whole derivation and generation of one network: the chapter's takes about 1 s; a loss
# such as (sum_j (y_j - a_j)^2)^100 makes sympy.expand run for hours.
CODEGEN_SECONDS = 60.0

__all__ = [
    "MODELS",
    "CodegenError",
    "CompiledNetwork",
    "Derivation",
    "ModelKind",
    "TranslationError",
    "UnsafeExpressionError",
    "compile_network",
    "derive",
]


class CodegenError(Exception):
    """The definitions could not be turned into numeric code."""


class TranslationError(CodegenError):
    """A derived expression has a shape the array translator does not know."""


class UnsafeExpressionError(CodegenError):
    """An expression about to reach lambdify holds a name that is not ours."""


@dataclass(frozen=True)
class ModelKind:
    name: str  # command-line name
    loss: str  # which loss of the NetworkSpec
    output_activation: bool  # g on the output layer (False: the loss sees z^{(n)} directly)
    description: str


MODELS: dict[str, ModelKind] = {
    # The descriptions name what the model takes from the document, not the activation: the
    # same names serve the chapter's sigmoid network and a ReLU or tanh one.
    "mse": ModelKind("mse", "mse", True, "squared error on the outputs a^(n) = g(z^(n))"),
    "softmax-a": ModelKind(
        "softmax-a", "ce", True,
        "the loss with a logarithm on a^(n) = g(z^(n)) (the chapter: softmax over a)"
    ),
    "softmax-z": ModelKind(
        "softmax-z", "ce", False, "the loss with a logarithm on z^(n): softmax over the logits"
    ),
}


# --------------------------------------------------------------------------------------------
# Array primitives. SymPy treats them as opaque scalar functions (so nothing reorders their
# arguments); each prints itself as one NumPy operation. Method calls (`x.sum(...)`) are used
# because they skip the Python-level dispatch of `numpy.sum`, which matters at batch 32.


class Dot(sp.Function):
    """Matrix product of two arrays."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"({a} @ {b})"


class Tr(sp.Function):
    """Transpose (a view, no copy)."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).T"  # type: ignore[attr-defined]


class RowSum(sp.Function):
    """Sum over the units of each sample: (m, n) -> (m, 1), broadcasts against (m, n)."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).sum(axis=-1, keepdims=True)"  # type: ignore[attr-defined]


class RowMax(sp.Function):
    """Largest unit of each sample, (m, 1): the shift that keeps exp() from overflowing."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).max(axis=-1, keepdims=True)"  # type: ignore[attr-defined]


class BatchSum(sp.Function):
    """Sum over the samples of the batch: the document's sum over x."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).sum(axis=0)"  # type: ignore[attr-defined]


class OnesPerSample(sp.Function):
    """OnesPerSample(x): a vector of ones, one per sample of the batch x.

    `ones @ X` is the sum over the batch, BatchSum(X), as a matrix-vector product: 3-5 times
    faster than `X.sum(axis=0)` for an (m, 32) array here, where NumPy's reduction over the
    first axis of a narrow array is slow. The in-place `update` uses it.
    """

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        # `_ones` (in the update's namespace) keeps one read-only vector per batch size: a new
        # numpy.ones per step costs as much as the product itself at batch 32.
        return f"_ones(len({printer._print(self.args[0])}))"  # type: ignore[attr-defined]


class ShapedLike(sp.Function):
    """ShapedLike(value, z): `value` (a constant, say) broadcast to the shape of the array z."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        value, like = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.broadcast_to({value}, ({like}).shape)"


class Descend(sp.Function):
    """Descend(p, s) = p - s, written into p's memory (the trainer's in-place update).

    Only the `update` program uses it; its value is the updated parameter, so the pure `step`
    and the in-place `update` compute the same numbers.
    """

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        param, change = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.subtract({param}, {change}, out={param})"


class Maximum(sp.Function):
    """The elementwise larger of two arrays (SymPy's Max of two arguments)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.maximum({a}, {b})"


class Minimum(sp.Function):
    """The elementwise smaller of two arrays (SymPy's Min of two arguments)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.minimum({a}, {b})"


class Step(sp.Function):
    """Step(x, h0): SymPy's Heaviside(x, h0), elementwise (h0 its value at x = 0)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        x, h0 = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.heaviside({x}, {h0})"


class Where(sp.Function):
    """Where(condition, a, b): a where the elementwise condition holds, else b (a Piecewise
    of two branches; more branches nest)."""

    nargs = 3

    def _numpycode(self, printer: object) -> str:
        cond, a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.where({cond}, {a}, {b})"


_ARRAY_FUNCTIONS = (Dot, Tr, RowSum, RowMax, BatchSum, ShapedLike, Descend, OnesPerSample,
                    Maximum, Minimum, Step, Where)
# The comparisons and connectives a Piecewise condition may hold (printed by lambdify's
# printer as numpy.greater, numpy.logical_and, ...).
_CONDITIONS = (sp.StrictGreaterThan, sp.GreaterThan, sp.StrictLessThan, sp.LessThan,
               sp.And, sp.Or, sp.Not)
# Elementwise functions the translator passes through and lambdify may print.
_ELEMENTWISE = CODEGEN  # from the registry (derive.functions: `codegen`)
_ALLOWED_FUNCTIONS = frozenset(_ARRAY_FUNCTIONS + _ELEMENTWISE)


# --------------------------------------------------------------------------------------------
# Stage 1: derivation at the index level.

_G = sp.Function("G")  # the activation, kept abstract while differentiating so g' stays visible
_DELTA = sp.IndexedBase("Delta")  # dL/dZ of the layer above, the recursion's input
_ZPREV = sp.IndexedBase("Zprev")
_APREV = sp.IndexedBase("Aprev")
_AOUT = sp.IndexedBase("Aout")


def _index(name: str) -> sp.Dummy:
    # Fresh integer dummies: reusing a summation dummy as the free index gives wrong results
    # silently, and KroneckerDelta sums only simplify for integer indices.
    return sp.Dummy(name, integer=True, positive=True)


@dataclass(frozen=True)
class Derivation:
    """The derived formulas of one model, per sample, at the index level (layer-generic)."""

    model: ModelKind
    activation: sp.Lambda  # g, from the document
    stable_activation: sp.Lambda  # g in a form whose evaluation cannot overflow (proved equal)
    activation_prime: sp.Lambda  # g' = diff(g(t), t)
    prime_of_value: sp.Lambda | None  # P with g'(t) = P(g(t)) (proved), so g' reuses a = g(z)
    forward: sp.Expr  # Z[i], from the document (A = Aprev)
    backward: sp.Expr  # dL/dZprev[ip] in Delta, W, Aprev (or Zprev)
    grad_w: sp.Expr  # dL/dW[p, q] of one sample
    grad_b: sp.Expr  # dL/dB[p] of one sample
    output_error: sp.Expr  # dL/dZ[ip] of the output layer, in Aout (or Z) and Y
    loss: sp.Expr  # L of one sample, in Aout (or Z) and Y
    shift_invariant: bool  # loss and output error unchanged by Z -> Z + c: evaluate at Z - max
    indices: tuple[sp.Dummy, ...]  # (i, ip, p, q, r): free index symbols of the formulas above
    width_in: sp.Symbol  # K: width of the layer below
    width_out: sp.Symbol  # width of the layer above


def _replace_base(expr: sp.Expr, base: sp.IndexedBase, fn: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    return expr.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == base,
        lambda e: fn(e.indices[0]),
    )


def _resolve_ranges(expr: sp.Expr, ranges: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """Replace each Piecewise by the branch whose condition holds for every index in range.

    Summing a KroneckerDelta yields `Piecewise((f, ip <= K), (0, True))`. The condition is a set of
    linear inequalities in the indices, so it holds on the whole index box iff it holds at its
    corners; anything we cannot decide is an error rather than a guess.
    """

    def pick(pw: sp.Piecewise) -> sp.Expr:
        for value, cond in pw.args:
            if cond == sp.true:
                return value
            idx = [s for s in cond.free_symbols if s in ranges]
            corners = itertools.product(*(ranges[s] for s in idx))
            verdicts = {cond.subs(dict(zip(idx, c))) for c in corners}
            if verdicts == {sp.true}:
                return value
            if sp.true in verdicts or not verdicts <= {sp.false}:
                raise TranslationError(f"cannot decide the index range condition {cond}")
        raise TranslationError(f"no branch applies in {pw}")

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), pick)


def _stable_form(g: sp.Lambda) -> sp.Lambda:
    """g rewritten through tanh when that is exact and free of exp (tanh cannot overflow).

    The logistic 1/(1 + exp(-t)) overflows exp for t < -709; tanh(t/2)/2 + 1/2 is the same
    function (SymPy proves it here) and is finite for every float.
    """
    (t,) = g.variables
    # cancel() treats tanh(t/2) as one generator, which is all the logistic needs; the proof
    # compares both sides written in exp.
    candidate = sp.cancel(g.expr.rewrite(sp.tanh))
    if candidate.has(sp.exp) or not candidate.has(sp.tanh):
        return g
    if _is_zero((candidate - g.expr).rewrite(sp.exp)):
        return sp.Lambda(t, candidate)
    return g


def _is_zero(expr: sp.Expr) -> bool:
    """Cheap rational normal form first, full simplify only when that is inconclusive."""
    return sp.cancel(expr) == 0 or sp.simplify(expr) == 0


def _prime_in_terms_of_value(g: sp.Lambda, gp: sp.Expr) -> sp.Lambda | None:
    """P with g'(t) = P(g(t)), found through g's inverse and proved by substitution."""
    (t,) = g.variables
    u = sp.Dummy("u", real=True)
    # Cheapest first: g' may already be written in g (tanh' = 1 - tanh**2).
    direct = gp.subs(g.expr, u)
    if t not in direct.free_symbols and _is_zero(direct.subs(u, g.expr) - gp):
        return sp.Lambda(u, _fewest_operations(direct))
    try:
        inverses = sp.solve(sp.Eq(u, g.expr), t)
    except NotImplementedError:
        return None
    for inverse in inverses:
        candidate = sp.cancel(gp.subs(t, inverse))
        if candidate.has(sp.exp, sp.log):
            candidate = sp.simplify(candidate)
        if t in candidate.free_symbols or candidate.has(sp.I):
            continue
        if _is_zero(candidate.subs(u, g.expr) - gp):
            return sp.Lambda(u, _fewest_operations(candidate))
    return None


def _fewest_operations(expr: sp.Expr) -> sp.Expr:
    """Factored, with a leading -1 folded into a factor: u*(1 - u) is 2 array ops, -u**2 + u 3."""
    factored = sp.factor(expr)
    if isinstance(factored, sp.Mul) and factored.args[0] == -1:
        rest = list(factored.args[1:])
        for n, factor in enumerate(rest):
            if factor.is_Add:
                rest[n] = -factor  # -(u - 1) evaluates to 1 - u
                return sp.Mul(*rest)
    return factored if sp.count_ops(factored) <= sp.count_ops(expr) else expr


def _shift_invariant(expr: sp.Expr, base: sp.IndexedBase) -> bool:
    """True when SymPy proves expr unchanged by base[j] -> base[j] + c for all j."""
    c = sp.Dummy("c", real=True)
    shifted = _replace_base(expr, base, lambda j: base[j] + c)
    difference = sp.expand(shifted - expr, power_exp=True)
    # exp(c) now multiplies every term of the sums over units: pull it out, then log(e^c S) = c + log S.
    difference = difference.replace(lambda e: isinstance(e, sp.Sum), sp.factor_terms)
    difference = sp.factor_terms(sp.expand(sp.expand_log(difference, force=True)))
    if difference == 0:
        return True
    return sp.simplify(sp.expand_log(sp.simplify(difference), force=True)) == 0


def _within_budget(fn: Callable[..., object], fallback: object, *args: object) -> object:
    """fn(*args), or `fallback` when it runs past REWRITE_SECONDS."""
    try:
        with deadline(REWRITE_SECONDS):
            return fn(*args)
    except BudgetExceeded:
        return fallback
    except (TypeError, ValueError, NotImplementedError):  # SymPy could not do the rewrite
        return fallback


@functools.lru_cache(maxsize=8)
def _activation_facts(g: sp.Lambda) -> tuple[sp.Expr, sp.Lambda | None, sp.Lambda]:
    """g' (by diff), P with g' = P(g) if one exists, and a stable form of g; shared by models."""
    (t,) = g.variables
    gp = sp.diff(g.expr, t)
    if g.expr.has(sp.Piecewise, *NON_SMOOTH):
        # A piecewise g (ReLU, leaky ReLU, |t|): g' is a step or a Piecewise of z, which the
        # backward pass evaluates from the stored pre-activation; solve() has no inverse here.
        return gp, None, g
    prime_of_value = _within_budget(_prime_in_terms_of_value, None, g, gp)
    stable = _within_budget(_stable_form, g, g)
    return gp, prime_of_value, stable  # type: ignore[return-value]


def _check_spec(spec: NetworkSpec) -> None:
    g = spec.activation
    if not isinstance(g, sp.Lambda) or len(g.variables) != 1:
        raise CodegenError("the activation must be a one-argument Lambda g(t)")
    if g.variables[0] not in g.expr.free_symbols:
        raise CodegenError(f"the activation g(t) = {sp.sstr(g.expr)} does not depend on t: "
                           "every unit would output the same value whatever its input")


def _denominator_holds(expr: sp.Expr, base: sp.IndexedBase) -> bool:
    return any(isinstance(e, sp.Pow) and e.exp.is_negative and e.base.has(base)
               for e in sp.preorder_traversal(expr))


def _cancelled(expr: sp.Expr, base: sp.IndexedBase) -> sp.Expr:
    """expr with the quotients of `base` cancelled, when that removes them all.

    The output error of a binary cross-entropy on sigmoid outputs is derived as
    a(1 - a) * ((1 - y)/(1 - a) - y/a): a saturated output (a = 1.0 in float64) divides by
    zero, while the cancelled form a - y is finite everywhere.
    """
    if not _denominator_holds(expr, base) or expr.has(sp.Sum):
        return expr
    simpler = _within_budget(lambda e: sp.factor_terms(sp.cancel(e)), expr, expr)
    if _denominator_holds(simpler, base):  # type: ignore[arg-type]
        return expr
    return simpler  # type: ignore[return-value]


def _logs_of_activation(loss: sp.Expr, g: sp.Lambda) -> sp.Expr:
    """log(u) of the output activation G(z) rewritten through g's own formula in z.

    A loss such as the binary cross-entropy takes log(a) and log(1 - a) of a = g(z). When a
    saturates (a = 1.0 for z > 37 with the logistic) log(1 - a) is log(0); written in z,
    log(1 - 1/(1 + exp(-z))) = -log(exp(z) + 1), finite for every z below 709. Only for a g
    with an exponential (where cancel() can remove the quotient), and only when the rewritten
    logarithm stays small (40 operations); otherwise the logarithm is left as it is.
    """
    (t,) = g.variables
    if not g.expr.has(sp.exp):
        return loss

    def rewrite(e: sp.log) -> sp.Expr:
        arg = e.args[0].replace(lambda x: isinstance(x, AppliedUndef) and x.func == _G,
                                lambda x: g.expr.xreplace({t: x.args[0]}))
        out = sp.expand_log(sp.log(sp.cancel(arg)), force=True)
        return out if not out.has(_G) and sp.count_ops(out) <= 40 else e

    def attempt(expr: sp.Expr) -> sp.Expr:
        return expr.replace(
            lambda e: isinstance(e, sp.log) and e.args[0].has(_G)
            and not e.args[0].has(sp.Sum, sp.exp, sp.log), rewrite)

    return _within_budget(attempt, loss, loss)  # type: ignore[return-value]


@functools.lru_cache(maxsize=16)
def derive(spec: NetworkSpec, model_name: str) -> Derivation:
    """Differentiate the document's definitions for one model (cached: specs are immutable)."""
    model = MODELS[model_name]
    _check_spec(spec)
    g = spec.activation
    (t,) = g.variables
    gp_expr, prime_of_value, stable = _activation_facts(g)
    i, ip, p, q, r = (_index(n) for n in ("i", "ip", "p", "q", "r"))
    pre = spec.preactivation
    # Index conventions of the NetworkSpec contract: Z[I] = ... summed over the K units below.
    width_in = K
    width_out = sp.Dummy("n", integer=True, positive=True)
    if I not in pre.free_symbols:
        raise CodegenError("the pre-activation has no free unit index")
    pre = pre.xreplace({I: i})
    forward = _replace_base(pre, A, lambda k: _APREV[k])

    # Backward: dL/dZprev[ip] = sum_i dL/dZ[i] * dZ[i]/dZprev[ip], with A = G(Zprev) kept abstract.
    pre_of_z = _replace_base(pre, A, lambda k: _G(_ZPREV[k]))
    local = _resolve_ranges(sp.diff(pre_of_z, _ZPREV[ip]).doit(), {ip: (1, width_in)})
    backward = sp.Sum(_DELTA[i] * local, (i, 1, width_out))

    # Parameter gradients of one sample: sum_i dL/dZ[i] * dZ[i]/dW[p, q] (and B[p]).
    box = {i: (1, width_out), p: (1, width_out), q: (1, width_in)}
    dz_dw = _resolve_ranges(sp.diff(pre, W[p, q]).doit(), box)
    grad_w = _resolve_ranges(sp.Sum(_DELTA[i] * dz_dw, (i, 1, width_out)).doit(), box)
    dz_db = _resolve_ranges(sp.diff(pre, B[p]).doit(), box)
    grad_b = _resolve_ranges(sp.Sum(_DELTA[i] * dz_db, (i, 1, width_out)).doit(), box)
    grad_w = _replace_base(grad_w, A, lambda k: _APREV[k])

    # Output error dL/dZ[ip] after A[j] -> g(Z[j]) (or Z[j] without output activation).
    loss = spec.loss(model.loss)
    if not (loss.has(A) or loss.has(Z)):
        raise CodegenError(f"the {model.loss} loss does not depend on the network's outputs: "
                           "there is nothing to learn from it")
    if model.output_activation:
        if not loss.has(A):
            raise CodegenError(
                f"the {model.loss} loss is written on the output pre-activations z, not on "
                f"a = g(z): the output activation of --model {model.name} would not enter it; "
                "train it with --model softmax-z")
        loss_of_z = _replace_base(loss, A, lambda j: _G(Z[j]))
    else:
        if not loss.has(sp.exp):
            raise CodegenError(
                f"the {model.loss} loss has no softmax: it takes the outputs a = g(z) as "
                f"probabilities, so it cannot be applied to z itself (--model {model.name}); "
                "train it with the output activation (--model softmax-a)")
        loss_of_z = _replace_base(loss, A, lambda j: Z[j])
    output_error = sp.diff(loss_of_z, Z[ip]).doit()
    # expand + factor_terms gathers the softmax terms as simplify() would, 100x faster.
    output_error = sp.factor_terms(sp.expand(_resolve_ranges(output_error, {ip: (1, N)})))
    # Logs of quotients become differences so log-softmax never takes log(0).
    loss_value = sp.expand_log(loss_of_z, force=True)
    shift_invariant = (not model.output_activation) and bool(
        _within_budget(_shift_invariant, False, loss_value, Z)
    ) and bool(_within_budget(_shift_invariant, False, output_error, Z))

    # g' and g of abstract G: in terms of the stored activation value when P exists.
    def concrete(expr: sp.Expr, z_base: sp.IndexedBase, a_base: sp.IndexedBase) -> sp.Expr:
        def prime(arg: sp.Expr) -> sp.Expr:
            if prime_of_value is not None:
                return prime_of_value(a_base[arg.indices[0]])
            return gp_expr.subs(t, arg)

        expr = expr.replace(
            lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, AppliedUndef)
            and e.expr.func == _G,
            lambda e: prime(e.expr.args[0]),
        )
        return expr.replace(
            lambda e: isinstance(e, AppliedUndef) and e.func == _G,
            lambda e: a_base[e.args[0].indices[0]],
        )

    backward = concrete(backward, _ZPREV, _APREV)
    output_error = _cancelled(concrete(output_error, Z, _AOUT), _AOUT)
    if model.output_activation:
        loss_value = _logs_of_activation(loss_value, g)
    loss_value = concrete(loss_value, Z, _AOUT)
    return Derivation(
        model=model,
        activation=g,
        stable_activation=stable,
        activation_prime=sp.Lambda(t, gp_expr),
        prime_of_value=prime_of_value,
        forward=forward,
        backward=backward,
        grad_w=grad_w,
        grad_b=grad_b,
        output_error=output_error,
        loss=loss_value,
        shift_invariant=shift_invariant,
        indices=(i, ip, p, q, r),
        width_in=width_in,
        width_out=width_out,
    )


# --------------------------------------------------------------------------------------------
# Stage 2: index expressions -> array expressions.

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
    if isinstance(e, (sp.Add, sp.Mul, sp.Pow)) or isinstance(e, _ELEMENTWISE):
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
    raise TranslationError(f"cannot vectorise {e!s} ({type(e).__name__})")


def _translate_condition(c: sp.Basic, free: sp.Symbol | None, arrays: _Arrays) -> sp.Basic:
    if isinstance(c, (sp.And, sp.Or, sp.Not)):
        return c.func(*(_translate_condition(arg, free, arrays) for arg in c.args))
    if isinstance(c, _CONDITIONS):
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


# Array Symbols of the layer-generic templates (replaced per layer when composing a network).
_a_prev, _z_prev, _w, _b, _z, _a, _delta, _y, _zs = sp.symbols(
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
    out_z = _zs if d.shift_invariant else _z
    layer = _Arrays(
        bases=(
            (_APREV, _a_prev, SAMPLE),
            (_ZPREV, _z_prev, SAMPLE),
            (_DELTA, _delta, SAMPLE),
            (W, _w, MATRIX),
            (B, _b, VECTOR),
        ),
        widths=frozenset({d.width_in, d.width_out}),
    )
    output = _Arrays(
        bases=((Z, out_z, SAMPLE), (_AOUT, _a, SAMPLE), (Y, _y, SAMPLE)),
        widths=frozenset({N}),
    )
    (t,) = d.stable_activation.variables
    unit = _Arrays(bases=((_ZPREV, _z, SAMPLE),), widths=frozenset())
    return LayerTemplates(
        preactivation=_translate(d.forward, i, layer),
        activation=_translate(d.stable_activation.expr.xreplace({t: _ZPREV[i]}), i, unit),
        plain_activation=_translate(
            d.activation.expr.xreplace({d.activation.variables[0]: _ZPREV[i]}), i, unit),
        backward=_translate(d.backward, ip, layer),
        grad_w=_translate_batch_gradient(d.grad_w, (p, q), layer),
        grad_b=_translate_batch_gradient(d.grad_b, (p,), layer),
        output_error=_translate(d.output_error, ip, output),
        loss=_translate(d.loss, None, output),
        shift_invariant=d.shift_invariant,
    )


# --------------------------------------------------------------------------------------------
# Stage 3: one straight-line program per network depth, lambdified once.


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
                isinstance(node, sp.Function) and type(node) not in _ALLOWED_FUNCTIONS
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


# --------------------------------------------------------------------------------------------
# In-place printing of the trainer's `update`. At batch 32 an array operation costs about a
# microsecond whatever its size, and at batch 256 every fresh array is memory to fill: so each
# elementwise operation of an assignment writes into a buffer the step already owns (a fresh
# intermediate of the same assignment, or an earlier temporary read for the last time) when the
# result has that buffer's shape, and the operations are one NumPy call each. Same operations on
# the same operands as the printed expression; only where the results go changes. Never written
# into: the arguments (x, y, the parameters outside Descend) and views (transposes, broadcasts).


class _Ufunc(sp.Function):
    """One NumPy ufunc call; `into` classes take the output buffer as their last argument.

    Printed as `_np_add(...)`: the ufunc bound to a name of the generated function's
    namespace (`_UFUNC_NAMESPACE`), one lookup instead of a global and an attribute."""

    ufunc = ""
    into = False

    def _numpycode(self, printer: object) -> str:
        args = [printer._print(a) for a in self.args]  # type: ignore[attr-defined]
        if self.into:
            *operands, out = args
            return f"_np_{self.ufunc}({', '.join(operands)}, {out})"  # out, positionally
        return f"_np_{self.ufunc}({', '.join(args)})"


_UFUNC_NAMES = ("add", "subtract", "multiply", "divide", "negative", "square", "sqrt", "power",
                "exp", "log", "tanh", "sinh", "cosh", "sin", "cos", "absolute", "sign")
_UFUNCS = {(name, into): type(f"_U_{name}{'_into' if into else ''}", (_Ufunc,),
                              {"ufunc": name, "into": into})
           for name in _UFUNC_NAMES for into in (False, True)}
@functools.lru_cache(maxsize=8)
def _ones(n: int) -> np.ndarray:
    """A vector of n ones that nothing can write into (shared by every step)."""
    ones = np.ones(n)
    ones.flags.writeable = False
    return ones


_UFUNC_NAMESPACE = {f"_np_{name}": getattr(np, name) for name in _UFUNC_NAMES}
_UFUNC_NAMESPACE["_ones"] = _ones
_ELEMENTWISE_UFUNC = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sinh: "sinh",
                      sp.cosh: "cosh", sp.sin: "sin", sp.cos: "cos", sp.Abs: "absolute",
                      sp.sign: "sign"}
_ALLOWED_FUNCTIONS = _ALLOWED_FUNCTIONS | frozenset(_UFUNCS.values())

# Array kinds, for the shape of a result: SCALAR broadcasts to everything; a unit VECTOR (a
# bias) and a per-sample COLUMN (a row sum) broadcast to a SAMPLE array (rows = samples).
_SCALAR, _VECTOR, _COLUMN, _SAMPLE, _MATRIX = "scalar", "vector", "column", "sample", "matrix"


def _join(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    if a == _SCALAR or a == b:
        return b
    if b == _SCALAR:
        return a
    if {a, b} <= {_VECTOR, _COLUMN, _SAMPLE}:
        return _SAMPLE
    return None  # unknown: the operation gets a fresh array


class _InPlace:
    """Rewrites a straight-line program's assignments into ufunc calls with `out=`."""

    def __init__(self, program: Program) -> None:
        x, y, c, *params = program.args
        self.kind: dict[sp.Symbol, str | None] = {x: _SAMPLE, y: _SAMPLE, c: _SCALAR}
        for p in params:  # biases b1, b2, ...; weights W2, V1, P1, ...
            self.kind[p] = _VECTOR if p.name.startswith("b") else _MATRIX
        self.last_use: dict[sp.Symbol, int] = {}
        for n, (_, expr) in enumerate(program.assignments):
            for sym in expr.free_symbols:
                self.last_use[sym] = n
        for expr in program.outputs:
            for sym in expr.free_symbols:
                self.last_use[sym] = len(program.assignments)
        self.owned: set[sp.Symbol] = set()  # buffers made by this step, shared by no other name
        self.fresh = (sp.Symbol(f"_u{n}", real=True) for n in itertools.count())
        self.out: list[tuple[sp.Symbol, sp.Expr]] = []
        # state of the assignment being rewritten
        self.n = 0
        self.remaining: dict[sp.Symbol, int] = {}  # reads of each symbol still to come in it
        self.temps: set[sp.Symbol] = set()  # its own intermediates

    def kind_of(self, e: sp.Expr) -> str | None:
        kind = self.kind
        if e.is_Number:
            return _SCALAR
        if isinstance(e, sp.Symbol):
            return kind.get(e)
        if isinstance(e, Dot):
            a, b = e.args
            ka = self.kind_of(a.args[0]) if isinstance(a, Tr) else self.kind_of(a)
            kb = self.kind_of(b.args[0]) if isinstance(b, Tr) else self.kind_of(b)
            if isinstance(a, Tr) and ka == kb == _SAMPLE:
                return _MATRIX  # a sum over the batch of outer products: a weight's shape
            if not isinstance(a, Tr) and ka == _SAMPLE and kb == _MATRIX:
                return _SAMPLE
            if ka == "ones" and kb == _SAMPLE:
                return _VECTOR
            return None
        if isinstance(e, (RowSum, RowMax)):
            return _COLUMN
        if isinstance(e, BatchSum):
            return _VECTOR
        if isinstance(e, OnesPerSample):
            return "ones"
        if isinstance(e, ShapedLike):
            return self.kind_of(e.args[1])
        return None

    def rewrite(self, program: Program) -> Program:
        for n, (target, expr) in enumerate(program.assignments):
            self.n, self.temps, self.remaining = n, set(), {}
            for node in sp.preorder_traversal(expr):
                if isinstance(node, sp.Symbol):
                    self.remaining[node] = self.remaining.get(node, 0) + 1
            value = self.emit(expr)
            self.kind[target] = self.kind_of(value)
            if isinstance(value, sp.Symbol) and (value in self.temps
                                                 or self.reusable(value, self.kind[target])):
                self.owned.discard(value)
                self.owned.add(target)  # the name now holds the buffer
            elif isinstance(value, sp.Symbol):  # two live names for one array: write neither
                self.owned.discard(value)
            self.out.append((target, value))
        return Program(program.args, tuple(self.out), program.outputs)

    def read(self, e: sp.Expr) -> None:
        for node in sp.preorder_traversal(e):
            if node in self.remaining:  # (the intermediates are not counted)
                self.remaining[node] -= 1

    def reusable(self, value: sp.Expr, result: str | None) -> bool:
        """May `value`'s buffer receive a result of kind `result`?"""
        if not isinstance(value, sp.Symbol) or result in (None, _SCALAR, "ones"):
            return False
        if self.kind.get(value) != result:
            return False
        if value in self.temps:
            return True
        return (value in self.owned and self.last_use.get(value, -1) <= self.n
                and self.remaining.get(value, 0) <= 0)

    def call(self, name: str, operands: list[sp.Expr], result: str | None) -> sp.Symbol:
        self.read(sp.Tuple(*operands))
        into = next((v for v in operands if self.reusable(v, result)), None)
        if into is not None:
            dest, expr = into, _UFUNCS[name, True](*operands, into)
        else:
            dest, expr = next(self.fresh), _UFUNCS[name, False](*operands)
            if result not in (None, _SCALAR):
                self.temps.add(dest)
        self.kind[dest] = result
        self.out.append((dest, expr))
        return dest

    def binary(self, name: str, acc: sp.Expr, term: sp.Expr) -> sp.Symbol:
        value = self.atom(term)
        return self.call(name, [acc, value], _join(self.kind_of(acc), self.kind_of(value)))

    def atom(self, e: sp.Expr) -> sp.Expr:
        """An operand: a number or a symbol as it is, anything else computed first."""
        if e.is_Number or isinstance(e, sp.Symbol):
            return e
        return self.emit(e)

    def emit(self, e: sp.Expr) -> sp.Expr:
        if e.is_Number or isinstance(e, sp.Symbol):
            return e
        # Add and Mul in the order, and with the grouping, that lambdify's printer writes them
        # (left to right; a quotient's denominators multiplied first): the same roundings.
        if isinstance(e, sp.Add):
            acc: sp.Expr | None = None
            for t in e.as_ordered_terms():
                negative = t.could_extract_minus_sign()
                value = self.atom(-t if negative else t)
                if acc is None:
                    acc = self.call("negative", [value], self.kind_of(value)) if negative else value
                else:
                    acc = self.call("subtract" if negative else "add", [acc, value],
                                    _join(self.kind_of(acc), self.kind_of(value)))
            return acc
        if isinstance(e, sp.Mul):
            coeff, rest = e.as_coeff_Mul()
            negate = coeff.is_negative
            body = -e if negate else e
            num: list[sp.Expr] = []
            den: list[sp.Expr] = []
            for f in body.as_ordered_factors():
                if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                    den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
                else:
                    num.append(f)
            acc = self.atom(num[0]) if num else sp.Integer(1)
            for f in num[1:]:
                acc = self.binary("multiply", acc, f)
            if den:
                divisor = self.atom(den[0])
                for f in den[1:]:
                    divisor = self.binary("multiply", divisor, f)
                acc = self.call("divide", [acc, divisor],
                                _join(self.kind_of(acc), self.kind_of(divisor)))
            return self.call("negative", [acc], self.kind_of(acc)) if negate else acc
        if isinstance(e, sp.Pow):
            base = self.atom(e.base)
            k = self.kind_of(base)
            if e.exp == 2:
                return self.call("square", [base], k)
            if e.exp == sp.Rational(1, 2):
                return self.call("sqrt", [base], k)
            if e.exp == -1:
                return self.call("divide", [sp.Integer(1), base], k)
            return self.binary("power", base, e.exp)
        if type(e) in _ELEMENTWISE_UFUNC and len(e.args) == 1:
            arg = self.atom(e.args[0])
            return self.call(_ELEMENTWISE_UFUNC[type(e)], [arg], self.kind_of(arg))
        # an array primitive (Dot, RowSum, a broadcast, ...): printed as it is, to a new name
        self.read(e)
        dest = next(self.fresh)
        self.kind[dest] = self.kind_of(e)
        self.out.append((dest, e))
        if isinstance(e, (Dot, RowSum, RowMax, BatchSum)) and self.kind[dest] is not None:
            self.temps.add(dest)  # a fresh array (not a view)
        return dest


def _in_place(program: Program) -> Program:
    """The program with every elementwise assignment split into ufunc calls with `out=`."""
    return _InPlace(program).rewrite(program)


def _lambdify(program: Program, name: str, *, in_place: bool = False
              ) -> Callable[..., tuple[np.ndarray, ...]]:
    program = _local_cse(program)
    _check_safe(program)
    _check_numbers(program)
    if in_place:  # the same arithmetic, written into buffers the step owns
        program = _in_place(program)
        _check_safe(program)
    # The cse hook hands lambdify our own straight-line program (in order) instead of letting it
    # search for common subexpressions across the whole step.
    fn = sp.lambdify(
        program.args,
        program.outputs,
        modules=[_UFUNC_NAMESPACE, "numpy"] if in_place else [{"_ones": _ones}, "numpy"],
        cse=lambda exprs: (list(program.assignments), exprs),
        docstring_limit=0,
    )
    fn.__name__ = name
    return fn


@dataclass(frozen=True)
class CompiledNetwork:
    """Generated functions for a network of a given depth (any widths: arrays carry the sizes).

    step(x, y, c, W1, b1, ..., Wn, bn) -> (W1', b1', ...), c = learning rate / batch size
    update(hold_inputs(x), y, c, *hold(params)) -> the numbers of step (to rounding),
        written in place into the held arrays (`release` gives W1, b1, ... back): the first
        weight held transposed, V1 = W1.T, or fused with its bias, P1 = [W1.T; b1], with x
        given a column of ones; g as the document writes it (see trainer.run_epoch)
    gradients(x, y, W1, b1, ...) -> (dW1, db1, ...), sums over the batch of dL/dparameter
    evaluate(x, y, W1, b1, ...) -> (output, loss per sample (m, 1))
    forward(x, W1, b1, ...) -> (output,)
    """

    model: ModelKind
    depth: int
    step: Callable[..., tuple[np.ndarray, ...]]
    update: Callable[..., tuple[np.ndarray, ...]]
    gradients: Callable[..., tuple[np.ndarray, ...]]
    evaluate: Callable[..., tuple[np.ndarray, ...]]
    forward: Callable[..., tuple[np.ndarray, ...]]
    sources: tuple[tuple[str, str], ...]  # (function name, generated source) for inspection
    seconds: float  # time to derive and generate
    transposed: tuple[int, ...] = ()  # parameters `update` takes transposed (Vk = Wk.T)
    fused_bias: bool = False  # `update` takes P1 = [W1.T; b1] and x with a column of ones

    def hold(self, params: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """New arrays holding `params` (W1, b1, W2, ...) as `update` takes them."""
        held = [np.ascontiguousarray(p.T) if n in self.transposed else p.copy()
                for n, p in enumerate(params)]
        if self.fused_bias:
            held[0:2] = [np.vstack([held[0], held[1]])]
        return tuple(held)

    def release(self, held: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """The parameters W1, b1, W2, ... (new arrays) from what `hold` made."""
        params = list(held)
        if self.fused_bias:
            params[0:1] = [params[0][:-1], params[0][-1].copy()]
        return tuple(np.ascontiguousarray(p.T) if n in self.transposed else p
                     for n, p in enumerate(params))

    def hold_inputs(self, x: np.ndarray) -> np.ndarray:
        """The inputs as `update` takes them: with a column of ones when the bias is fused."""
        if not self.fused_bias:
            return x
        out = np.empty((len(x), x.shape[1] + 1))
        out[:, :-1] = x
        out[:, -1] = 1.0
        return out


def _network_program(tpl: LayerTemplates, model: ModelKind, depth: int) -> dict[str, Program]:
    x, y, c = sp.symbols("x y c", real=True)
    params: list[sp.Symbol] = []
    for layer in range(1, depth + 1):
        params += sp.symbols(f"W{layer} b{layer}", real=True)
    a = [x]
    z: list[sp.Symbol | None] = [None]
    forward: list[tuple[sp.Symbol, sp.Expr]] = []
    plain_forward: list[tuple[sp.Symbol, sp.Expr]] = []  # g as written (the update's)
    for layer in range(1, depth + 1):
        w, b = params[2 * layer - 2 : 2 * layer]
        z_l, a_l = sp.symbols(f"z{layer} a{layer}", real=True)
        for out in (forward, plain_forward):
            out.append((z_l, tpl.preactivation.xreplace({_a_prev: a[-1], _w: w, _b: b})))
        z.append(z_l)
        if layer < depth or model.output_activation:
            forward.append((a_l, tpl.activation.xreplace({_z: z_l})))
            plain_forward.append((a_l, tpl.plain_activation.xreplace({_z: z_l})))
            a.append(a_l)
        else:
            a.append(z_l)  # no activation on the output: the loss sees z
    out_subs = {_z: z[-1], _a: a[-1], _y: y}
    head: list[tuple[sp.Symbol, sp.Expr]] = []
    if tpl.shift_invariant:
        zs = sp.Symbol(f"zs{depth}", real=True)
        head.append((zs, z[-1] - RowMax(z[-1])))
        out_subs[_zs] = zs
    output_error = tpl.output_error.xreplace(out_subs)
    if not output_error.free_symbols & {z[-1], a[-1], y, *out_subs.values()}:
        output_error = ShapedLike(output_error, z[-1])  # a constant error: one per unit

    def recursion(top: sp.Symbol, name: str) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list]:
        """The backward recursion from the output layer's delta `top` down to layer 1."""
        steps: list[tuple[sp.Symbol, sp.Expr]] = []
        ds: list = [None] * (depth + 1)
        ds[depth] = top
        for layer in range(depth, 1, -1):
            d_prev = sp.Symbol(f"{name}{layer - 1}", real=True)
            steps.append((d_prev, tpl.backward.xreplace(
                {_delta: ds[layer], _w: params[2 * layer - 2], _a_prev: a[layer - 1],
                 _z_prev: z[layer - 1]})))
            ds[layer - 1] = d_prev
        return steps, ds

    def gradients(ds: list) -> list[sp.Expr]:
        out: list[sp.Expr] = []
        for layer in range(1, depth + 1):
            subs = {_delta: ds[layer], _a_prev: a[layer - 1]}
            out += [tpl.grad_w.xreplace(subs), tpl.grad_b.xreplace(subs)]
        return out

    top = sp.Symbol(f"d{depth}", real=True)
    steps, deltas = recursion(top, "d")
    backward = [(top, output_error), *steps]
    grads = gradients(deltas)
    # The document's update: w <- w - (alpha/m) sum_x delta a, with c = alpha/m.
    updated = tuple(param - c * grad for param, grad in zip(params, grads))
    # The same update in place. When the recursion and the gradients are linear in delta
    # (checked on the templates), c * sum_x delta a = sum_x (c delta) a, and scaling the output
    # layer's delta once scales every delta below it: one operation on the smallest array
    # instead of two per layer, and no new parameter arrays.
    if (_linear_in(tpl.backward, _delta) and _linear_in(tpl.grad_w, _delta)
            and _linear_in(tpl.grad_b, _delta)):
        scaled_top = sp.Symbol(f"e{depth}", real=True)
        steps, scaled = recursion(scaled_top, "e")
        ones = sp.Symbol("ones", real=True)
        update_body = [(top, output_error), (scaled_top, c * top), *steps,
                       (ones, OnesPerSample(x))]
        # The sums over the batch as products with one vector of ones (the same sums).
        changes = [change.replace(lambda e: isinstance(e, BatchSum),
                                  lambda e: Dot(ones, e.args[0]))
                   for change in gradients(scaled)]
        # The same update with c scaling each sample's delta: c may be a column (m, 1), a
        # rate per sample (the JAX epoch gives padding rows c = 0).
        scaled_step: Program | None = Program(
            (x, y, c, *params), tuple(forward + head + [(top, output_error),
                                                       (scaled_top, c * top), *steps]),
            tuple(param - change for param, change in zip(params, gradients(scaled))))
    else:
        update_body = backward
        changes = [c * grad for grad in grads]
        scaled_step = None
    in_place = tuple(Descend(param, change) for param, change in zip(params, changes))
    loss = tpl.loss.xreplace(out_subs)
    update = _first_bias_fused(_weights_transposed(
        Program((x, y, c, *params), tuple(plain_forward + head + update_body), in_place)))
    programs = {
        "step": Program((x, y, c, *params), tuple(forward + head + backward), updated),
        "update": update,
        "gradients": Program((x, y, *params), tuple(forward + head + backward), tuple(grads)),
        "evaluate": Program((x, y, *params), tuple(forward + head), (a[-1], loss)),
        "forward": Program((x, *params), tuple(forward), (a[-1],)),
    }
    if scaled_step is not None:
        programs["scaled_step"] = scaled_step
    return programs


def _tr(e: sp.Expr) -> sp.Expr:
    """The transpose of an array expression, pushed through products: (AB)^T = B^T A^T."""
    if isinstance(e, Tr):
        return e.args[0]
    if isinstance(e, Dot):
        return Dot(_tr(e.args[1]), _tr(e.args[0]))
    return Tr(e)


def _weights_transposed(program: Program) -> Program:
    """The program with every weight W held as its transpose V = W.T (C-contiguous).

    The forward products a @ W.T are then a @ V, which OpenBLAS runs 1.3-1.7x faster at these
    sizes (a transposed operand takes a slower path); the backward delta @ W becomes
    delta @ V.T and the update V -= (e.T @ a).T = a.T @ e. The same sums of products, in
    another order of the terms: equal to rounding.
    """
    x, y, c, *params = program.args
    # Only a weight that the step uses nowhere but transposed (the first layer's: the
    # backward recursion stops above it): at batch 32 the other products are as fast or
    # faster with W as it is (delta @ W against delta @ V.T).
    bare = set()
    for e in [*(e for _, e in program.assignments), *program.outputs]:
        hidden = e.replace(lambda n: isinstance(n, Tr) and n.args[0] in params,
                           lambda n: sp.Integer(0))
        hidden = hidden.replace(lambda n: isinstance(n, Descend), lambda n: n.args[1])
        bare |= hidden.free_symbols
    weights = {w: sp.Symbol(f"V{n // 2 + 1}", real=True)
               for n, w in enumerate(params) if n % 2 == 0 and w not in bare}

    def swap(e: sp.Expr) -> sp.Expr:
        e = e.replace(lambda n: isinstance(n, Descend) and n.args[0] in weights,
                      lambda n: Descend(weights[n.args[0]], _tr(n.args[1])))
        e = e.replace(lambda n: isinstance(n, Tr) and n.args[0] in weights,
                      lambda n: weights[n.args[0]])
        return e.xreplace({w: Tr(v) for w, v in weights.items()})

    args = (x, y, c, *(weights.get(p, p) for p in params))
    return Program(args, tuple((t, swap(e)) for t, e in program.assignments),
                   tuple(swap(e) for e in program.outputs))


def _first_bias_fused(program: Program) -> Program:
    """The first layer's bias folded into its weights: z1 = [x, 1] @ [V1; b1].

    The first layer's input is the data, so a column of ones can be appended once per epoch
    (the trainer does it, see `CompiledNetwork.hold_inputs`); the weights and the bias are then
    one matrix P1 = [W1.T; b1], the broadcast bias addition (as slow as the product at batch
    32) disappears, and the bias gradient ones @ e1 is the last row of the one product
    [x, 1].T @ e1. Applied only when the program has exactly that shape (z1 = b1 + x @ V1, the
    updates V1 -= x.T @ E and b1 -= ones @ E with the same E, x used nowhere else); otherwise
    the program is returned as it is.
    """
    x, y, c, *params = program.args
    if len(params) < 2 or params[0].name != "V1" or not program.outputs:
        return program
    v, b = params[0], params[1]
    target = b + Dot(x, v)
    hits = [n for n, (_, e) in enumerate(program.assignments) if e == target]
    ones = {t for t, e in program.assignments if e == OnesPerSample(x)}
    first, second, *rest = program.outputs
    if (len(hits) != 1 or not isinstance(first, Descend) or not isinstance(second, Descend)
            or first.args[0] != v or second.args[0] != b):
        return program
    change_v, change_b = first.args[1], second.args[1]
    if not (isinstance(change_v, Dot) and isinstance(change_b, Dot)
            and change_v.args[0] == Tr(x) and change_b.args[0] in ones
            and change_v.args[1] == change_b.args[1]):
        return program
    xa, fused = sp.Symbol("xa", real=True), sp.Symbol("P1", real=True)
    assignments = []
    for n, (t, e) in enumerate(program.assignments):
        if n == hits[0]:
            e = Dot(xa, fused)
        elif b in e.free_symbols or v in e.free_symbols:
            return program
        elif x in e.free_symbols:
            if e != OnesPerSample(x):
                return program
            e = OnesPerSample(xa)
        assignments.append((t, e))
    if any({x, v, b} & e.free_symbols for e in rest):
        return program
    outputs = (Descend(fused, Dot(Tr(xa), change_v.args[1])), *rest)
    return Program((xa, y, c, fused, *params[2:]), tuple(assignments), outputs)


def _update_layout(program: Program) -> tuple[tuple[int, ...], bool]:
    """How `update` holds the parameters: the positions (among W1, b1, W2, ...) of the weights
    it takes transposed, and whether the first weight and bias are fused into P1."""
    names = [p.name for p in program.args[3:]]
    if names and names[0] == "P1":
        return (0,), True
    return tuple(n for n, name in enumerate(names) if name.startswith("V")), False


def _linear_in(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    """True when expr is visibly linear in the array `symbol`: symbol itself, or a product
    with exactly one factor holding it, that factor being Dot/Tr/BatchSum of a linear
    expression (these are linear in each argument)."""
    if expr == symbol:
        return True
    if symbol not in expr.free_symbols:
        return False
    if isinstance(expr, sp.Mul):
        holding = [f for f in expr.args if symbol in f.free_symbols]
        return len(holding) == 1 and _linear_in(holding[0], symbol)
    if isinstance(expr, (Tr, BatchSum)):
        return _linear_in(expr.args[0], symbol)
    if isinstance(expr, Dot):
        holding = [f for f in expr.args if symbol in f.free_symbols]
        return len(holding) == 1 and _linear_in(holding[0], symbol)
    return False


@functools.lru_cache(maxsize=32)
def _compile_cached(spec: NetworkSpec, model_name: str, depth: int) -> CompiledNetwork:
    start = time.perf_counter()
    model = MODELS[model_name]
    tpl = templates(spec, model_name)
    programs = _network_program(tpl, model, depth)
    functions = {name: _lambdify(program, name, in_place=name == "update")
                 for name, program in programs.items() if name != "scaled_step"}
    seconds = time.perf_counter() - start
    import inspect

    sources = tuple((name, inspect.getsource(fn)) for name, fn in functions.items())
    transposed, fused = _update_layout(programs["update"])
    return CompiledNetwork(model=model, depth=depth, sources=sources, seconds=seconds,
                           transposed=transposed, fused_bias=fused, **functions)


def compile_network(spec: NetworkSpec, model_name: str, layers: Sequence[int]) -> CompiledNetwork:
    """Generated code for the network with the given layer widths (input first)."""
    if model_name not in MODELS:
        raise CodegenError(f"unknown model {model_name!r}; choose from {', '.join(MODELS)}")
    if len(layers) < 2 or any(int(n) < 1 for n in layers):
        raise CodegenError("a network needs at least two layers of positive width")
    try:
        with deadline(CODEGEN_SECONDS):
            return _compile_cached(spec, model_name, len(layers) - 1)
    except BudgetExceeded:
        raise CodegenError(f"deriving the {model_name} code ran past its time budget "
                           f"({CODEGEN_SECONDS:g} s): the definitions are too large for the "
                           "generator") from None
