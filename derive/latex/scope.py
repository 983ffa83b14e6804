"""The parser's vocabulary: the symbols it builds, what a row parses to, the scope it reads in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from derive.document import Formula
from derive.errors import InputError
from derive.latex.tokens import Tok
from derive.notation import Notation


class Index(sympy.Symbol):
    """A neuron or layer index (integer), e.g. i, j, k, l."""

    def __new__(cls, name: str) -> Index:
        return super().__new__(cls, name, integer=True)


class Size(sympy.Symbol):
    """A size of the network: the number of layers n or the batch size m."""

    def __new__(cls, name: str) -> Size:
        return super().__new__(cls, name, integer=True, positive=True)


class Scalar(sympy.Symbol):
    """A real scalar: a learning rate, a formal parameter `t`, a chain-rule variable `x_1`."""

    def __new__(cls, name: str) -> Scalar:
        return super().__new__(cls, name, real=True)


@dataclass(frozen=True)
class Side:
    expr: sympy.Basic
    start: int  # offsets into the formula text
    end: int
    latex: str
    tensor: Any = None  # the side as written in vector form (a derive.tensor.Tensor), if it is
    flags: tuple[str, ...] = ()  # slips of writing read through (derive.latex.slips), in words


@dataclass(frozen=True)
class Equation:
    kind: str  # "equation", "update" (with \leftarrow) or "assumption" (with \in)
    number: int  # 1-based, within its formula
    lhs: Side
    steps: tuple[Side, ...]  # the right-hand sides, in order: A = B = C has steps (B, C)
    step_lines: tuple[int, ...]  # file line of each step
    line: int
    col: int
    approx_from: int | None = None  # the first step written after `\\approx` (not checked)
    # `\\quad (l = 2, 3)` after the row: the values an index holds for, as written
    holds_for: tuple[tuple[str, tuple[int, ...]], ...] = ()
    readings: tuple[str, ...] = ()  # the parser's readings, in words (Scope.readings)
    one_hot: bool = False  # it reads an indicator of the labels' class: they are one-hot
    sizes: tuple[tuple[str, tuple[int, ...]], ...] = ()  # an entry's values (Lowered.sizes)
    # each step's number as written, where a step that could not be read stands between (empty:
    # 1, 2, ...); a step after such a gap is checked against the left side, never against the
    # step written before it (derive.check.claims)
    step_numbers: tuple[int, ...] = ()
    # `\\qquad (i \\neq j)` after the row: index conditions it holds under, as (letter, `ne` or
    # `eq`, letter); no assignment that breaks one is evaluated
    holds_if: tuple[tuple[str, str, str], ...] = ()

    def written_step(self, k: int) -> int:
        """Step k's number as written (1-based)."""
        return self.step_numbers[k - 1] if self.step_numbers else k

    def after_gap(self, k: int) -> bool:
        """Whether a step that could not be read stands just before step k."""
        return k > 1 and self.written_step(k) != self.written_step(k - 1) + 1


@dataclass(frozen=True)
class RowError:
    number: int
    error: InputError
    line: int
    latex: str


@dataclass
class Scope:
    notation: Notation
    formula: Formula
    scalars: set[str] = field(default_factory=set)  # extra scalar names (local variables)
    functions: dict[str, int] = field(default_factory=dict)  # extra (local) functions
    local: bool = False  # a local model hides the notation's own quantities and functions
    # the one layer of the row's left side (δ^l = ...): a quantity its steps write with no
    # layer tag at all (`exp(-z)` in a derivation about z^l) is read at it (derive.latex.indices)
    left_layer: sympy.Expr | None = None
    # what the parser read beyond the names as written, in words (for the "read as" facts)
    readings: list[str] = field(default_factory=list)
    one_hot: bool = False  # an indicator of the labels' class was read (1\{y = k\}: y_k)
    # (name, start, end) of each quantity read at `left_layer`, for `rows._lent_variables`
    lent: list[tuple[str, int, int]] = field(default_factory=list)
    changes: bool = False  # a row with `\\approx`: `\\Delta x` is a change of x (latex.changes)

    def lookup(self, name: str) -> str | None:
        if name in self.scalars:
            return "scalar"
        if name in self.functions:
            return "function"
        if self.local:
            return None if name not in (self.notation.layers,) else "size"
        return self.notation.kind(name)

    def arity(self, name: str) -> int:
        return self.functions.get(name) or self.notation.functions.get(name, 1)

    def known(self) -> list[str]:
        names = set(self.scalars) | set(self.functions)
        if not self.local:
            names |= set(self.notation.names())
        return sorted(names)


def _err(msg: str, scope: Scope, tok: Tok | int, end: int | None = None, hint: str | None = None):
    start = tok.start if isinstance(tok, Tok) else tok
    stop = (tok.end if isinstance(tok, Tok) else start + 1) if end is None else end
    return InputError(msg, scope.formula.span(start, max(1, stop - start)), hint)


# `\\ldots` between terms or factors: what the text leaves to the reader
ELLIPSES = ("\\ldots", "\\cdots", "\\dots", "\\dotsm", "\\dotsb", "\\dotsc")
ELLIPSIS_NOT_READ = ("an ellipsis (`{}`) between the terms or factors: a pattern the text leaves "
                     "to the reader (a product or sum over a number of layers or indices it "
                     "does not fix) is not checked as written")
