"""Derivatives of vectors in a side in vector form: `\\frac{\\partial a^l}{\\partial z^l}` read as a
`Jacobian`, and the products that write the chain rule with one (`Chain`, read by entries)."""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.latex import Tok, _err, starts_name
from derive.tensor import Chain, Jacobian, Leaf, MatMul, ShapeError, Tensor, chains

NOT_ALONE = "the tool differentiates only with respect to a single quantity"


def read_jacobian(r: Any, top: list[Tok], bottom: list[Tok], k: int, after: int) -> Jacobian:
    """`\\frac{\\partial a^l}{\\partial z^l}`: a vector quantity by a vector or matrix."""
    scope, toks = r.scope, r.toks
    if not top or not bottom:
        raise _err("an operator \\frac{\\partial}{\\partial x} before what it "
                   "differentiates is not read in vector form: write \\frac{\\partial "
                   "y}{\\partial x}", scope, toks[k], toks[after - 1].end)
    y = _derivative_leaf(r, top, "differentiates", k, after)
    x = _derivative_leaf(r, bottom, "differentiates with respect to", k, after)
    if len(y.dims) != 1 or not x.dims or y.batch is not None or x.batch is not None:
        raise _err("a derivative of a matrix is not read: the tool reads the derivatives "
                   "of a scalar or of a vector, \\frac{\\partial a}{\\partial z}", scope,
                   toks[k], toks[after - 1].end)
    return Jacobian(y, x, r.tex(k, after))


def _derivative_leaf(r: Any, part: list[Tok], what: str, k: int, after: int) -> Leaf:
    try:
        return r.leaf_alone(part)
    except InputError as exc:
        if starts_name(part[0]) and not str(exc).startswith(NOT_ALONE):
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
