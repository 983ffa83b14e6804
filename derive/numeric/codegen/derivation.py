"""Stage 1: the document's definitions differentiated at the index level, once per layer shape.

`derive(spec, model)` differentiates the document's index-level definitions (`NetworkSpec`)
with `sympy.diff`, once per layer *shape* (layer-generic IndexedBase expressions), never once
per weight: the local Jacobian dZ[i]/dZprev[i'], dZ[i]/dW[p, q], dZ[i]/dB[p] and the output
error dL/dZ[i]. KroneckerDelta sums are evaluated by SymPy; the resulting range Piecewise is
resolved only after checking that its condition holds for every index in range. `MODELS` are
the three models (which loss, whether g is applied to the output layer).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.functions import NON_SMOOTH
from derive.numeric.codegen.errors import BudgetExceeded, CodegenError, TranslationError, deadline
from derive.spec import A, B, I, K, N, NetworkSpec, W, Z

# The optional rewrites below (g' in terms of g, a stable form of g, the shift invariance of a
# softmax) are searches by sympy.solve/simplify, which can run for hours on an activation such
# as sin(t)^100. Each has this budget; past it the plain form is used: correct, maybe slower or
# less stable. The budget is far above what the logistic or tanh take (under 1 s).
REWRITE_SECONDS = 10.0


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


_G = sp.Function("G")  # the activation, kept abstract while differentiating so g' stays visible
DELTA = sp.IndexedBase("Delta")  # dL/dZ of the layer above, the recursion's input
ZPREV = sp.IndexedBase("Zprev")
APREV = sp.IndexedBase("Aprev")
AOUT = sp.IndexedBase("Aout")


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
    forward = _replace_base(pre, A, lambda k: APREV[k])

    # Backward: dL/dZprev[ip] = sum_i dL/dZ[i] * dZ[i]/dZprev[ip], with A = G(Zprev) kept abstract.
    pre_of_z = _replace_base(pre, A, lambda k: _G(ZPREV[k]))
    local = _resolve_ranges(sp.diff(pre_of_z, ZPREV[ip]).doit(), {ip: (1, width_in)})
    backward = sp.Sum(DELTA[i] * local, (i, 1, width_out))

    # Parameter gradients of one sample: sum_i dL/dZ[i] * dZ[i]/dW[p, q] (and B[p]).
    box = {i: (1, width_out), p: (1, width_out), q: (1, width_in)}
    dz_dw = _resolve_ranges(sp.diff(pre, W[p, q]).doit(), box)
    grad_w = _resolve_ranges(sp.Sum(DELTA[i] * dz_dw, (i, 1, width_out)).doit(), box)
    dz_db = _resolve_ranges(sp.diff(pre, B[p]).doit(), box)
    grad_b = _resolve_ranges(sp.Sum(DELTA[i] * dz_db, (i, 1, width_out)).doit(), box)
    grad_w = _replace_base(grad_w, A, lambda k: APREV[k])

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

    backward = concrete(backward, ZPREV, APREV)
    output_error = _cancelled(concrete(output_error, Z, AOUT), AOUT)
    if model.output_activation:
        loss_value = _logs_of_activation(loss_value, g)
    loss_value = concrete(loss_value, Z, AOUT)
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
