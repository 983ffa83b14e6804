"""Derivatives of vectors in a side in vector form: `\\frac{\\partial a^l}{\\partial z^l}` read as a
`Jacobian`, and the products that write the chain rule with one (`Chain`, read by entries)."""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.latex import Tok, _err, starts_name
from derive.tensor import Chain, Jacobian, Leaf, MatMul, ShapeError, Tensor, chains
from derive.tensor.jacobian import _length
from derive.vecparse.form import vector_form

NOT_ALONE = "the tool differentiates only with respect to a single quantity"


def read_jacobian(r: Any, top: list[Tok], bottom: list[Tok], k: int, after: int,
                  hi: int) -> tuple[Jacobian, int]:
    """`\\frac{\\partial a^l}{\\partial z^l}`, `\\frac{\\partial (W a + b)}{\\partial a}` or
    `\\frac{\\partial}{\\partial a} (W a + b)`: a vector by a vector or a matrix quantity; and
    where it ends."""
    scope, toks = r.scope, r.toks
    end = after
    if not top:  # the operator form: what it differentiates follows in brackets
        found = r.argument(after, hi) if bottom else None
        if found is None or not found[0] or not vector_form(found[0], scope):
            raise _err("an operator \\frac{\\partial}{\\partial x} is read in vector form "
                       "when what it differentiates follows in brackets, \\frac{\\partial}"
                       "{\\partial x} (W x + b)", scope, toks[k], toks[after - 1].end)
        top, end = found[0], found[1] + 1
    x = _derivative_leaf(r, bottom, "differentiates with respect to", k, after)
    y = _numerator(r, top, k, after)
    try:
        single = _length(y.shape()) is not None
    except ShapeError:
        single = True  # its own shape finding, when the chain is lowered
    if not single or not x.dims or x.batch is not None or (
            isinstance(y, Leaf) and y.batch is not None):
        raise _err("a derivative of a matrix is not read: the tool reads the derivatives "
                   "of a scalar or of a vector, \\frac{\\partial a}{\\partial z}", scope,
                   toks[k], toks[end - 1].end)
    return Jacobian(y, x, r.tex(k, end)), end


def _numerator(r: Any, top: list[Tok], k: int, after: int) -> Tensor:
    """What a derivative of a vector differentiates: a quantity, or an expression in vector
    form (`W a + b`)."""
    if starts_name(top[0]):
        try:
            return r.leaf_alone(top)
        except InputError as exc:
            if not exc.message.startswith(NOT_ALONE):
                raise  # a quantity, wrongly tagged: its own error
    return type(r)(top, r.scope).sum(0, len(top))


def _derivative_leaf(r: Any, part: list[Tok], what: str, k: int, after: int) -> Leaf:
    try:
        return r.leaf_alone(part)
    except InputError as exc:
        if starts_name(part[0]) and not exc.message.startswith(NOT_ALONE):
            raise  # a quantity, wrongly tagged: its own error
    raise _err(f"a derivative of a vector is read when it {what} a single quantity "
               "written without indices, as in \\frac{\\partial a^l}{\\partial z^l}",
               r.scope, r.toks[k], r.toks[after - 1].end)


def chained(out: Tensor, factor: Tensor) -> bool:
    """A product that writes the chain rule with a derivative of a vector: a vector (a gradient)
    times the derivative (a vector of the wrong length is the chain's own shape finding), or the
    derivative of vectors times a vector with one entry per entry of the vector differentiated,
    where their matrix product does not fit."""
    if isinstance(factor, Jacobian):
        return chains(out, factor)
    if isinstance(out, Jacobian) and not out.three() and chains(factor, out, fit=True):
        try:
            MatMul(out, factor, "").shape()
        except ShapeError:
            return True
    return False


def chain(out: Tensor, factor: Tensor, tex: str) -> Chain:
    if isinstance(factor, Jacobian):
        return Chain(out, factor, tex)
    assert isinstance(out, Jacobian)
    return Chain(factor, out, tex)
