"""The nodes of a side in vector form (a quantity, a product, a transpose, a function applied
entry-wise, ...): each gives its shape and lowers to the component at an entry (i, j)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.expr import BatchSum, Call, Partial, Prime, Quantity
from derive.tensor.shapes import (
    ONE,
    SAMPLE,
    Shape,
    ShapeError,
    Tensor,
    _dim,
    _phrase,
    _scales,
    _shape_text,
    same,
    walk,
)


@dataclass(frozen=True)
class Leaf(Tensor):
    """A quantity written without its indices: `w^{(l)}`, `\\delta^L`, `a`."""

    name: str
    layer: sympy.Expr | None
    dims: tuple[sympy.Expr, ...]  # the range of each index, in this layer
    tex: str
    row: bool = False  # a row vector (texts that write z = x W + b)
    batch: sympy.Expr | None = None  # one column per sample (Z, A, X): the batch size
    column: sympy.Expr | None = None  # \theta^{(k)}: the column k of the matrix \theta

    def shape(self) -> Shape:
        if len(self.dims) == 2:
            return Shape(self.dims[0], self.dims[1])
        if len(self.dims) == 1:
            if self.batch is not None:  # one column per sample, or one row (Z = X W + b)
                return Shape(self.batch, self.dims[0]) if self.row else Shape(self.dims[0],
                                                                              self.batch)
            return Shape(ONE, self.dims[0]) if self.row else Shape(self.dims[0], ONE)
        if self.batch is not None:  # a number per sample: a row of them (a column, Z = X W + b)
            return Shape(self.batch, ONE) if self.row else Shape(ONE, self.batch)
        return Shape(ONE, ONE)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        layer = (self.layer,) if self.layer is not None else ()
        if len(self.dims) == 2:
            return Quantity(self.name, layer, (i, j))
        if len(self.dims) == 1:
            at = j if self.row else i
            return Quantity(self.name, layer, (at,) if self.column is None else (at, self.column))
        return Quantity(self.name, layer, ())

    def with_layer(self, layer: sympy.Expr, dims: tuple[sympy.Expr, ...], tex: str) -> Leaf:
        if self.column is not None:  # a matrix's column: the rows' range only
            dims = dims[:1]
        return replace(self, layer=layer, dims=dims, tex=tex)


@dataclass(frozen=True)
class Scalar(Tensor):
    """A scalar part of a vector expression (`\\eta`, `\\frac{1}{m}`, `2`)."""

    expr: sympy.Expr
    tex: str

    def shape(self) -> Shape:
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.expr


@dataclass(frozen=True)
class Transpose(Tensor):
    x: Tensor
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        return Shape(s.cols, s.rows, s.scalar)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.x.lower(j, i, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class MatMul(Tensor):
    """`A B`, `A \\cdot B`: the matrix product (a number times anything is scaling)."""

    a: Tensor
    b: Tensor
    tex: str
    dot: bool = False  # written `a \\cdot b`: between two vectors of one shape, their dot product

    def _is_dot(self, sa: Shape, sb: Shape) -> bool:
        return (self.dot and not sa.scalar and not sb.scalar and same(sa.rows, sb.rows)
                and same(sa.cols, sb.cols) and (same(sa.cols, ONE) or same(sa.rows, ONE))
                and not (same(sa.rows, ONE) and same(sa.cols, ONE)))

    def shape(self) -> Shape:
        sa, sb = self.a.shape(), self.b.shape()
        if self._is_dot(sa, sb):
            return Shape(ONE, ONE)
        if sa.scalar or (_scales(sa) and not same(sb.rows, ONE)):
            return sb
        if sb.scalar or (_scales(sb) and not same(sa.cols, ONE)):
            return sa
        if not same(sa.cols, sb.rows):
            needs = (f"its left factor's {_dim(sa.cols)} columns are not its right's "
                     f"{_dim(sb.rows)} rows" if sa.cols.is_Integer and sb.rows.is_Integer
                     else f"the product needs ${_dim(sa.cols)} = {_dim(sb.rows)}$")
            raise ShapeError(
                f"shape mismatch: {_shape_text(self.a)} times {_shape_text(self.b)}: {needs}",
                self)
        return Shape(sa.rows, sb.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        sa, sb = self.a.shape(), self.b.shape()
        if self._is_dot(sa, sb):
            k = fresh()
            column = same(sa.cols, ONE)
            at = (lambda t: t.lower(k, ONE, fresh)) if column else (lambda t: t.lower(ONE, k, fresh))
            return sympy.Sum(at(self.a) * at(self.b), (k, 1, sa.rows if column else sa.cols))
        if sa.scalar or (_scales(sa) and not same(sb.rows, ONE)):
            return self.a.lower(ONE, ONE, fresh) * self.b.lower(i, j, fresh)
        if sb.scalar or (_scales(sb) and not same(sa.cols, ONE)):
            return self.a.lower(i, j, fresh) * self.b.lower(ONE, ONE, fresh)
        if same(sa.cols, ONE):  # an outer product: nothing to sum
            return self.a.lower(i, ONE, fresh) * self.b.lower(ONE, j, fresh)
        batch = self._batch()
        if batch is not None and same(sa.cols, batch):
            return BatchSum(self.a.lower(i, SAMPLE, fresh) * self.b.lower(SAMPLE, j, fresh))
        k = fresh()
        return sympy.Sum(self.a.lower(i, k, fresh) * self.b.lower(k, j, fresh), (k, 1, sa.cols))

    def _batch(self) -> sympy.Expr | None:
        for t in walk(self):
            if isinstance(t, Leaf) and t.batch is not None:
                return t.batch
        return None

    def children(self) -> tuple[Tensor, ...]:
        return (self.a, self.b)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, a=kids[0], b=kids[1])


@dataclass(frozen=True)
class Hadamard(Tensor):
    """`A \\odot B`: the element-wise product."""

    a: Tensor
    b: Tensor
    tex: str

    def shape(self) -> Shape:
        sa, sb = self.a.shape(), self.b.shape()
        if _scales(sa) or _scales(sb):  # a number times anything, as `*` between numbers
            return sb if _scales(sa) else sa
        if not (same(sa.rows, sb.rows) and same(sa.cols, sb.cols)):
            raise ShapeError(
                f"shape mismatch: {_shape_text(self.a)} $\\odot$ {_shape_text(self.b)}: an "
                "element-wise product needs equal shapes", self)
        return Shape(sa.rows, sa.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        sa, sb = self.a.shape(), self.b.shape()
        if _scales(sa) or _scales(sb):
            return (self.a.lower(ONE, ONE, fresh) * self.b.lower(i, j, fresh) if _scales(sa)
                    else self.a.lower(i, j, fresh) * self.b.lower(ONE, ONE, fresh))
        return self.a.lower(i, j, fresh) * self.b.lower(i, j, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.a, self.b)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, a=kids[0], b=kids[1])


@dataclass(frozen=True)
class Plus(Tensor):
    """A sum of terms, each with its sign. A scalar term adds to every entry (`1 - a`), and a
    column vector to every column of a matrix with a column per sample (`W X + b`)."""

    terms: tuple[Tensor, ...]
    signs: tuple[int, ...]
    tex: str

    def shape(self) -> Shape:
        shapes = [t.shape() for t in self.terms]
        full = [s for s in shapes if not s.scalar]
        if not full:
            return shapes[0]
        wide = max(full, key=lambda s: (0 if same(s.cols, ONE) else 1)
                   + (0 if same(s.rows, ONE) else 1))
        for t, s in zip(self.terms, shapes):
            if not s.scalar and self._broadcast(s, wide) is None:
                raise ShapeError(
                    f"shape mismatch: {_shape_text(t)} is added to a term of shape "
                    f"{_phrase(wide)}", self)
        return wide

    def _broadcast(self, s: Shape, wide: Shape) -> str | None:
        """How a term of shape s adds to one of the sum's shape: "same", a column vector to
        every column of a minibatch ("column", `W X + b`), a row vector to every row ("row",
        `X W + b`); None when it does not."""
        if same(s.rows, wide.rows) and same(s.cols, wide.cols):
            return "same"
        if same(s.rows, wide.rows) and same(s.cols, ONE) and _is_batch(wide.cols, self):
            return "column"
        if same(s.cols, wide.cols) and same(s.rows, ONE) and _is_batch(wide.rows, self):
            return "row"
        return None

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        wide = self.shape()
        out = sympy.Integer(0)
        for t, sign in zip(self.terms, self.signs):
            s = t.shape()
            how = None if s.scalar else self._broadcast(s, wide)
            out += sign * t.lower(ONE if how == "row" else i, ONE if how == "column" else j,
                                  fresh)
        return out

    def children(self) -> tuple[Tensor, ...]:
        return self.terms

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, terms=tuple(kids))


def _is_batch(d: sympy.Expr, t: Tensor) -> bool:
    return any(isinstance(x, Leaf) and x.batch is not None and same(x.batch, d) for x in walk(t))


@dataclass(frozen=True)
class Map(Tensor):
    """`\\sigma(z^l)`, `\\sigma'(z^l)`: a scalar function applied to every entry."""

    fname: str
    x: Tensor
    prime: bool
    tex: str

    def shape(self) -> Shape:
        return self.x.shape()

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        inner = self.x.lower(i, j, fresh)
        return Prime(self.fname, inner) if self.prime else Call(self.fname, inner)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Elementary(Tensor):
    """`\\tanh(z^l)`, `\\exp(z)`: an elementary function applied to every entry."""

    func: object  # a SymPy function class (sympy.tanh), from a fixed table: nothing is parsed
    x: Tensor
    tex: str

    def shape(self) -> Shape:
        return self.x.shape()

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.func(self.x.lower(i, j, fresh))  # type: ignore[operator]

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Quotient(Tensor):
    """`\\frac{1}{1 + \\exp(-w^T x)}`: a side divided by a number written in vector form (an
    inner product w^T x, a function of one); a denominator with more entries is a mismatch."""

    a: Tensor
    b: Tensor
    tex: str

    def shape(self) -> Shape:
        sb = self.b.shape()
        if not _scales(sb):
            raise ShapeError(f"shape mismatch: division by {_shape_text(self.b)}: the tool "
                             "divides only by a number (an inner product w^T x is one)", self)
        sa = self.a.shape()
        return Shape(ONE, ONE) if sa.scalar and not sb.scalar else sa

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return self.a.lower(i, j, fresh) / self.b.lower(ONE, ONE, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.a, self.b)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, a=kids[0], b=kids[1])


@dataclass(frozen=True)
class Diag(Tensor):
    """`\\mathrm{diag}(v)`: the square matrix with the entries of a vector on its diagonal."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        if not (same(s.cols, ONE) or same(s.rows, ONE)) or s.scalar:
            raise ShapeError(f"shape mismatch: {_shape_text(self.x)}: diag takes a vector", self)
        d = s.rows if same(s.cols, ONE) else s.cols
        return Shape(d, d)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        entry = self.x.lower(i, ONE, fresh) if same(s.cols, ONE) else self.x.lower(ONE, i, fresh)
        return entry * sympy.KroneckerDelta(i, j)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Entry(Tensor):
    """`((w^{l+1})^T \\delta^{l+1})_j`: one entry of a vector or matrix, a scalar."""

    x: Tensor
    at: tuple[sympy.Basic, ...]
    tex: str

    def shape(self) -> Shape:
        s = self.x.shape()
        wanted = (not same(s.rows, ONE)) + (not same(s.cols, ONE))
        if len(self.at) != max(wanted, 1):
            raise ShapeError(f"${self.tex}$: {len(self.at)} index for {_phrase(s)}", self)
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        at = list(self.at)
        r = at.pop(0) if not same(s.rows, ONE) else ONE
        c = at.pop(0) if at or not same(s.cols, ONE) else ONE
        return self.x.lower(r, c, fresh)

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class Grad(Tensor):
    """`\\nabla_a C`, `\\frac{\\partial C}{\\partial W^l}`: the derivatives of a scalar with
    respect to every entry, in the shape of what it is taken with respect to."""

    f: sympy.Expr
    wrt: Leaf
    tex: str

    def shape(self) -> Shape:
        s = self.wrt.shape()
        return Shape(s.rows, s.cols)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return Partial(self.f, self.wrt.lower(i, j, fresh))


@dataclass(frozen=True)
class Norm2(Tensor):
    """`\\|x\\|^2`: the sum of the squares of the entries, a scalar."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        self.x.shape()
        return Shape(ONE, ONE, scalar=True)

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        s = self.x.shape()
        p, q = fresh(), fresh()
        body = self.x.lower(p if not same(s.rows, ONE) else ONE,
                            q if not same(s.cols, ONE) else ONE, fresh) ** 2
        for var, dim in ((q, s.cols), (p, s.rows)):
            if not same(dim, ONE):
                body = sympy.Sum(body, (var, 1, dim))
        return body

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


@dataclass(frozen=True)
class BatchTotal(Tensor):
    """`\\sum_x \\delta^{x,l} (a^{x,l-1})^T`: a vector-form term summed over the minibatch."""

    x: Tensor
    tex: str

    def shape(self) -> Shape:
        return self.x.shape()

    def lower(self, i, j, fresh):  # type: ignore[no-untyped-def]
        return BatchSum(self.x.lower(i, j, fresh))

    def children(self) -> tuple[Tensor, ...]:
        return (self.x,)

    def rebuild(self, kids):  # type: ignore[no-untyped-def]
        return replace(self, x=kids[0])


def is_vector(t: Tensor) -> bool:
    """Whether anything in the tree has more than one entry (else it is an ordinary scalar)."""
    return not _scales(t.shape()) or any(isinstance(x, Leaf) for x in walk(t))
