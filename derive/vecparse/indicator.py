"""The element-wise indicator of a vector: `\\mathbb{1}[u > 0]`, `\\mathbb{1}\\{u > 0\\}`,
Iverson's `[u > 0]` (the derivative of ReLU written in vector form): the step function of every
entry of `u - v` for `u > v` (of `v - u` for `u < v`), an `Elementary` of `sympy.Heaviside`."""

from __future__ import annotations

from typing import Any

import sympy

from derive.functions import INDICATORS
from derive.latex import Tok, _depth_split, _read_name, starts_name
from derive.tensor import Elementary, Plus, Tensor

_ABOVE = {">", "\\gt", "\\ge", "\\geq", "\\geqslant"}
_BELOW = {"<", "\\lt", "\\le", "\\leq", "\\leqslant"}
_CLOSERS = {"[": "]", "(": ")", "\\{": "\\}"}


def indicator_at(reader: Any, k: int, hi: int) -> tuple[Tensor, int] | None:
    """The vector indicator starting at toks[k] and the index after it; None when none starts
    there (or its condition is between numbers: the scalar parser reads that one)."""
    toks = reader.toks
    j = k
    if starts_name(toks[k]):
        name, j = _read_name(toks, k, reader.scope)
        if name not in INDICATORS:
            return None
    elif toks[k].text != "[":
        return None
    sized = j < hi and toks[j].text == "\\left"
    opener = j + sized
    if opener >= hi or toks[opener].text not in _CLOSERS or (j == k and sized):
        return None
    close = _closing(toks, opener, hi)
    if close is None:
        return None
    inner = toks[opener + 1 : close - sized]
    arg = _condition(reader, inner)
    if arg is None:
        return None
    end = close + 1
    return Elementary(sympy.Heaviside, arg, reader.tex(k, end)), end


def _closing(toks: list[Tok], i: int, hi: int) -> int | None:
    opener = toks[i].text
    depth = 0
    for j in range(i, hi):
        t = toks[j].text
        depth += (t == opener) - (t == _CLOSERS[opener])
        if depth == 0:
            return j
    return None


def _condition(reader: Any, inner: list[Tok]) -> Tensor | None:
    """`u > v` of vectors as the tree of `u - v` (`v - u` for `<`), whose entries the step
    function takes; None for anything else."""
    from derive.vecparse.form import vector_form

    parts = _depth_split(inner, _ABOVE | _BELOW)
    if len(parts) != 2 or not parts[0][0] or not parts[1][0] or parts[0][1] is None:
        return None
    if not vector_form(inner, reader.scope):
        return None
    (lhs, op), (rhs, _) = parts
    big, small = (lhs, rhs) if op.text in _ABOVE else (rhs, lhs)
    a = type(reader)(big, reader.scope).sum(0, len(big))
    if [t.text for t in small] == ["0"]:
        return a
    b = type(reader)(small, reader.scope).sum(0, len(small))
    tex = reader.text[inner[0].start : inner[-1].end]
    return Plus((a, b), (1, -1), tex)
