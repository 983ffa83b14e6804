"""Lowering the sides of an equation in vector form to the component at one entry, or the shape
mismatch that stops it (`ShapeMismatch`, a finding of its own)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.core.symbol import Str

from derive.expr import Node, Quantity, to_latex
from derive.tensor.nodes import Scalar, _is_batch
from derive.tensor.shapes import ONE, SAMPLE, Shape, ShapeError, Tensor, _phrase, same


class Fresh:
    """Summation indices for lowering, none of them a letter the formula uses."""

    def __init__(self, taken: set[str], make) -> None:  # type: ignore[no-untyped-def]
        self._pool = [c for c in "kpqrstuvabcdfghi" if c not in taken]  # not m, n, e: sizes, Euler
        self._make = make
        self._used = 0

    def __call__(self) -> sympy.Symbol:
        if self._used >= len(self._pool):
            raise ShapeError("too many products in one expression", _NOWHERE)
        name = self._pool[self._used]
        self._used += 1
        return self._make(name)


_NOWHERE = Scalar(ONE, "")


class ShapeMismatch(Node):
    """A side whose shapes do not fit: it has no components, and nothing evaluates it (the
    model raises `Unsupported` on it); the checker reports the mismatch as its finding."""

    def __new__(cls, message: str):
        return sympy.Expr.__new__(cls, Str(message))

    @property
    def message(self) -> str:
        return self.args[0].name

    def _latex(self, printer: object) -> str:
        return "\\text{(shapes do not fit)}"


@dataclass(frozen=True)
class Lowered:
    exprs: tuple[sympy.Basic | None, ...]  # each side's component, None where it has no shape
    mismatch: tuple[str | None, ...]  # why a side could not be lowered (shape mismatch)
    free: tuple[sympy.Symbol, ...]  # the indices of the entry the equation states
    # the values of a free index whose range is a number (a matrix written by its entries)
    sizes: tuple[tuple[str, tuple[int, ...]], ...] = ()


def lower_sides(sides: list[Tensor | sympy.Basic], names: tuple[sympy.Symbol, sympy.Symbol],
                fresh: Fresh) -> Lowered:
    """Every side at the same entry (names[0], names[1]), or the mismatch that stops it. The
    first side is the reference shape: a step of another shape is a mismatch of that step."""
    shapes: list[Shape | None] = []
    errors: list[str | None] = []
    for s in sides:
        if not isinstance(s, Tensor):
            shapes.append(Shape(ONE, ONE, scalar=True))
            errors.append(None)
            continue
        try:
            shapes.append(s.shape())
            errors.append(None)
        except ShapeError as exc:
            shapes.append(None)
            errors.append(str(exc))
    ref = shapes[0]
    if ref is None:  # the left side itself: nothing can be compared
        return Lowered(tuple(None for _ in sides), tuple(errors[0] for _ in sides), ())
    rows = not same(ref.rows, ONE) and not _batch_dim(ref.rows, sides)
    cols = not same(ref.cols, ONE) and not _batch_dim(ref.cols, sides)
    i = names[0] if rows else (SAMPLE if _batch_dim(ref.rows, sides) else ONE)
    j = names[1] if cols else (SAMPLE if _batch_dim(ref.cols, sides) else ONE)
    out: list[sympy.Basic | None] = []
    for k, (s, sh) in enumerate(zip(sides, shapes)):
        if sh is None:
            out.append(None)
            continue
        if k and not (sh.scalar and ref.scalar) and not (
                same(sh.rows, ref.rows) and same(sh.cols, ref.cols)):
            out.append(None)
            left = sides[0]
            errors[k] = (f"shape mismatch: the left side ${_tex(left)}$ {_phrase(ref)}, this "
                         f"side ${_tex(s)}$ {_phrase(sh)}")
            continue
        try:
            e = s.lower(i, j, fresh) if isinstance(s, Tensor) else s
        except ShapeError as exc:  # more products than summation letters left
            out.append(None)
            errors[k] = str(exc)
            continue
        out.append(_drop_sample(e))
    free = tuple(n for n, used in zip(names, (rows, cols)) if used)
    sizes = tuple((str(n), tuple(range(1, int(d) + 1))) for n, d, used in
                  zip(names, (ref.rows, ref.cols), (rows, cols)) if used and d.is_Integer)
    return Lowered(tuple(out), tuple(errors), free, sizes)


def _tex(s: Tensor | sympy.Basic) -> str:
    return s.tex if isinstance(s, Tensor) else to_latex(s)


def _batch_dim(d: sympy.Expr, sides: list) -> bool:
    return any(isinstance(s, Tensor) and _is_batch(d, s) for s in sides)


def _drop_sample(e: sympy.Basic) -> sympy.Basic:
    """The sample's column stands for the sample a per-sample quantity belongs to: an index
    `SAMPLE` is no index at all (the evaluator grounds each sample's quantities)."""

    def fix(q: sympy.Basic) -> sympy.Basic:
        if isinstance(q, Quantity) and SAMPLE in q.indices:
            return q.with_(indices=tuple(x for x in q.indices if x != SAMPLE))
        return q

    return e.replace(lambda q: isinstance(q, Quantity) and SAMPLE in q.indices, fix) \
        if e.has(SAMPLE) else e
