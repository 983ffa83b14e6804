"""Fractions, quotients and gradients in vector form: `\\frac{\\partial C}{\\partial a}` (a
gradient, a Jacobian, an entry's partial), `\\frac{1}{m} X`, `\\frac{1}{1 + \\exp(-w^T x)}`,
`\\nabla_a C` (a mixin of `reader._Reader`: the reader of a side calls these for `\\frac` and
`\\nabla`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from derive.errors import InputError
from derive.latex import (
    Scope,
    Tok,
    _derivative_kind,
    _err,
    _group,
    _strip_group,
    parse_expression,
)
from derive.tensor import Grad, Leaf, MatMul, Quotient, Scalar, Tensor
from derive.vecparse.derivatives import read_jacobian
from derive.vecparse.form import _transpose_mark, vector_form
from derive.vecparse.operator import entry_partial

__all__ = ["scalar_valued"]


class _Quotients:
    """Needs the reader's `toks`, `scope`, `text`, `tex`, `scalar`, `sum`, `primary` and
    `leaf_alone`."""

    toks: list[Tok]
    scope: Any
    text: str

    def frac(self, k: int, hi: int) -> tuple[Tensor, int]:
        toks, scope = self.toks, self.scope
        num, j = _group(toks, k + 1, scope)
        den, after = _group(toks, j, scope)
        num_s, den_s = _strip_group(num), _strip_group(den)
        kind = _derivative_kind(num_s, den_s, scope)
        if kind is not None:
            top, bottom = _strip_group(num_s[1:]), _strip_group(den_s[1:])
            if not top and bottom and not vector_form(bottom, scope) and after < hi:
                return entry_partial(self, k, after, hi, bottom)  # \frac{\partial}{\partial z_i} ...
            if top and bottom and vector_form(bottom, scope) and not vector_form(top, scope):
                wrt = self.leaf_alone(bottom)
                f = parse_expression(top, scope)
                return Grad(f, wrt, self.tex(k, after)), after
            if not (vector_form(top, scope) or vector_form(bottom, scope)):
                return self.scalar(k, after), after
            return read_jacobian(self, top, bottom, k, after, hi)
        if not vector_form(den, scope):
            if not vector_form(num, scope):
                return self.scalar(k, after), after
            scale = Scalar(1 / parse_expression(den, scope), f"\\frac{{1}}{{{self.text[den[0].start:den[-1].end]}}}")
            inner = type(self)(num, scope).sum(0, len(num))
            return MatMul(scale, inner, self.tex(k, after)), after
        return self.quotient(num, den, k, after), after

    def quotient(self, num: list[Tok], den: list[Tok], k: int, after: int) -> Tensor:
        """`\\frac{1}{1 + \\exp(-w^T x)}`: a denominator in vector form is read as a number
        (an inner product, a function of one); its shape says whether it is one."""
        scope = self.scope
        if not scalar_valued(den, scope):
            raise _err("division by a vector or matrix", scope, self.toks[k],
                       self.toks[after - 1].end)
        top = (type(self)(num, scope).sum(0, len(num)) if vector_form(num, scope)
               else Scalar(parse_expression(num, scope), self.text[num[0].start:num[-1].end]))
        bottom = type(self)(den, scope).sum(0, len(den))
        return Quotient(top, bottom, self.tex(k, after))

    def nabla(self, k: int, hi: int) -> tuple[Tensor, int]:
        toks, scope = self.toks, self.scope
        if k + 1 >= hi or toks[k + 1].text != "_":
            raise _err("write what the gradient is taken with respect to: \\nabla_a C",
                       scope, toks[k])
        wrt_toks, j = _group(toks, k + 2, scope)
        wrt = self.leaf_alone(_strip_group(wrt_toks), output=True)
        if j >= hi:
            raise _err("\\nabla_a needs the function it differentiates: \\nabla_a C", scope,
                       toks[k])
        f, after = self.primary(j, hi)
        if not isinstance(f, Scalar):
            raise _err("the tool reads the gradient of a scalar (a loss)", scope, toks[j],
                       toks[after - 1].end)
        end, at = self.at_argument(after, hi, wrt)
        if at is not None and at.batch is not None:  # \\nabla C(A^L): at each sample's column
            wrt = replace(wrt, batch=at.batch)
        return Grad(f.expr, wrt, self.tex(k, end)), end

    def at_argument(self, k: int, hi: int, wrt: Leaf) -> tuple[int, Leaf | None]:
        """`\\nabla_a C(a^L)`: the gradient at the argument it is taken by, written after the
        loss (`\\nabla C(A^L)`: at the minibatch, one column per sample); where the gradient
        ends (k when no such argument follows) and the argument."""
        toks = self.toks
        if k >= hi or toks[k].text != "(":
            return k, None
        depth = 0
        for p in range(k, hi):
            depth += (toks[p].text == "(") - (toks[p].text == ")")
            if depth == 0:
                break
        else:
            return k, None
        try:
            leaf = self.leaf_alone(toks[k + 1:p], output=True)
        except InputError:
            return k, None
        return (p + 1, leaf) if (leaf.name, leaf.layer) == (wrt.name, wrt.layer) else (k, None)


def scalar_valued(toks: list[Tok], scope: Scope) -> bool:
    """Whether a side in vector form writes a transpose (`w^T x`, `\\exp(-w^\\top x)`): the
    inner products a denominator divides by; a bare vector there (`\\frac{1}{a}`) is not one."""
    k = 0
    while k < len(toks):
        if toks[k].text == "^":
            grp, nxt = _group(toks, k + 1, scope)
            if _transpose_mark(grp, scope)[1]:
                return True
            k = nxt
            continue
        k += 1
    return False
