"""A product over layers written with an ellipsis (`\\Sigma'(z^l) (w^{l+1})^T \\ldots
\\Sigma'(z^{L-1}) (w^L)^T \\Sigma'(z^L) \\nabla_a C`): the factors before it fix a period and a
step of the layer, those after it repeat that period up to an end layer and close with a tail
at fixed layers; read as the product over every layer between (`LayerChain`), expanded by
`LayerChain.at` at a concrete depth and start layer, the only form in which it is checked."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import count

import sympy

from derive.latex import ELLIPSIS_NOT_READ, Index, Size, _err
from derive.tensor import Grad, Leaf, MatMul, Tensor
from derive.tensor.jacobian import Jacobian
from derive.tensor.shapes import Shape, walk

_I, _J = sympy.Symbol("_ell_i"), sympy.Symbol("_ell_j")


class Elided(sympy.Symbol):
    """The entry of a product over layers before it is expanded: an unknown symbol to the
    evaluator (a claim that holds one is checked only by its expansions, `derive.check.ellipsis`;
    anything else that meets it cannot evaluate it)."""


@dataclass(frozen=True)
class LayerChain(Tensor):
    """`P(l) P(l+s) ... P(e) T`: a period of factors `P` at each layer from `var` to `end`
    (step `step`), then the tail `T`; `before` and `after` periods are written."""

    period: tuple[Tensor, ...]  # at the layer `var`
    var: sympy.Symbol
    step: int
    end: sympy.Expr  # the value of `var` at the last period, in the sizes (L - 1)
    tail: tuple[Tensor, ...]
    before: int
    after: int
    first: Tensor  # the first and last factors written, for the shape
    last: Tensor
    tex: str

    def shape(self) -> Shape:
        return Shape(self.first.shape().rows, self.last.shape().cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return Elided("\\ldots")

    def at(self, sizes: dict[sympy.Symbol, int], start: int) -> tuple[Tensor, int] | None:
        """The product written out when the sizes are `sizes` and `var` is `start`, with how
        many periods it elides; None when the written periods overlap there (too few layers)."""
        end = self.end.xreplace(sizes)
        if not end.is_Integer:
            return None
        n = (int(end) - start) * self.step + 1
        if n < self.before + self.after:
            return None
        factors = [substitute(f, {**sizes, self.var: sympy.Integer(start + k * self.step)})
                   for k in range(n) for f in self.period]
        factors += [substitute(f, sizes) for f in self.tail]
        out = factors[0]
        for f in factors[1:]:
            out = MatMul(out, f, self.tex)
        return out, n - self.before - self.after


def substitute(t: Tensor, mapping: dict) -> Tensor:
    """A tensor tree with `mapping` applied to every SymPy value it holds (layers, sizes)."""
    changes = {}
    for f in dataclasses.fields(t):  # type: ignore[arg-type]
        v = getattr(t, f.name)
        new = _substitute_value(v, mapping)
        if new is not v:
            changes[f.name] = new
    return dataclasses.replace(t, **changes) if changes else t  # type: ignore[type-var]


def _substitute_value(v: object, mapping: dict) -> object:
    if isinstance(v, sympy.Basic):
        return v.xreplace(mapping)
    if isinstance(v, Tensor):
        return substitute(v, mapping)
    if isinstance(v, tuple):
        return tuple(_substitute_value(x, mapping) for x in v)
    return v


def _key(t: Tensor) -> sympy.Basic:
    """What a factor means, without its spelling: its entry at two fixed indices."""
    n = count()
    return t.lower(_I, _J, lambda: sympy.Symbol(f"_ell_{next(n)}"))


def _layers(t: Tensor) -> list[sympy.Expr]:
    out = []
    for node in walk(t):
        leaf = node.wrt if isinstance(node, Grad) else node
        if isinstance(leaf, Leaf) and leaf.layer is not None:
            out.append(leaf.layer)
    return out


def _same(a: Tensor, b: Tensor) -> bool:
    try:
        return bool(_key(a) == _key(b))
    except Exception:  # noqa: BLE001 - a factor that does not lower is not a period's
        return False


def _period_var(period: tuple[Tensor, ...]) -> sympy.Symbol | None:
    syms = {s for f in period for lay in _layers(f) for s in lay.free_symbols
            if isinstance(s, Index)}
    return syms.pop() if len(syms) == 1 else None


def _value_at(p0: Tensor, g0: Tensor, var: sympy.Symbol) -> sympy.Expr | None:
    """The value of `var` at which the period's first factor is `g0`."""
    lp, lg = _layers(p0), _layers(g0)
    if not lp or not lg:
        return None
    shift = sympy.expand(lp[0] - var)
    if shift.has(var):
        return None
    e = sympy.expand(lg[0] - shift)
    if e.has(var) or not _same(substitute(p0, {var: e}), g0):
        return None
    return e


def _fit(before: list[Tensor], after: list[Tensor], p: int, tex: str) -> LayerChain | None:
    """The chain whose period is the first `p` factors, when every factor fits it."""
    if len(before) % p:
        return None
    period = tuple(before[:p])
    var = _period_var(period)
    if var is None:
        return None
    wb = len(before) // p
    steps = _steps(before, p, wb)
    for s in steps:
        if not all(_same(substitute(period[r], {var: var + k * s}), before[k * p + r])
                             for k in range(wb) for r in range(p)):
            continue
        found = _after(period, after, var, s)
        if found is None:
            continue
        end, wa, tail = found
        if not any(isinstance(x, Size) for x in end.free_symbols):
            continue
        return LayerChain(period, var, s, end, tuple(tail), wb, wa, before[0], after[-1], tex)
    return None


def _steps(before: list[Tensor], p: int, wb: int) -> tuple[int, ...]:
    """The step of the layer from one period to the next: +1 when one period is written."""
    if wb == 1:
        return (1,)
    a, b = _layers(before[0]), _layers(before[p])
    d = sympy.expand(b[0] - a[0]) if a and b else None
    return (int(d),) if d in (1, -1) else ()


def _after(period: tuple[Tensor, ...], after: list[Tensor], var: sympy.Symbol, s: int
           ) -> tuple[sympy.Expr, int, list[Tensor]] | None:
    """The end value of `var`, the periods written after the ellipsis and the tail."""
    p = len(period)
    e = _value_at(period[0], after[0], var)
    if e is None:
        return None
    wa = 0
    while (wa + 1) * p <= len(after) and all(
            _same(substitute(period[r], {var: e + wa * s}), after[wa * p + r]) for r in range(p)):
        wa += 1
    tail = after[wa * p:]
    if wa == 0 or any(x is var for f in tail for lay in _layers(f) for x in lay.free_symbols):
        return None
    return e + (wa - 1) * s, wa, tail


def read_chain(reader, lo: int, at: int, hi: int) -> LayerChain:  # type: ignore[no-untyped-def]
    """The product `toks[lo:hi]` with an ellipsis at `at`, read as a product over layers, or
    the error that says it is not one (an operator between the factors, no one period)."""
    toks, scope = reader.toks, reader.scope
    refused = _err(ELLIPSIS_NOT_READ.format(toks[at].text), scope, toks[at])

    def factors(a: int, b: int) -> list[Tensor]:
        out = []
        while a < b:
            f, a = reader.factor(a, b)
            out.append(f)
        return out

    if at == lo or at + 1 >= hi:
        raise refused
    before, after = factors(lo, at), factors(at + 1, hi)
    if any(isinstance(f, Jacobian) for f in before + after):
        raise refused  # the chain rule written with derivatives of vectors: not a matrix product
    tex = reader.tex(lo, hi)
    for p in range(1, len(before) + 1):
        found = _fit(before, after, p, tex)
        if found is not None:
            return found
    raise _err(ELLIPSIS_NOT_READ.format(toks[at].text) + ": the factors around it do not "
               "repeat one period of factors over the layers (as in `\\Sigma'(z^l) (w^{l+1})^T "
               "\\ldots \\Sigma'(z^{L-1}) (w^L)^T \\Sigma'(z^L) \\nabla_a C`)", scope, toks[at])
