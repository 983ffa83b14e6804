"""The trace and the identity matrix as a text writes them in vector form: `\\mathrm{tr}(X A)`,
`\\operatorname{Tr}(X)`, `\\text{tr}(X)` (and `Tr(X)` in plain letters, which `derive.latex.words`
writes upright), and `\\mathbf{I}`, `I` where the notation gives the letter no other meaning."""

from __future__ import annotations

import re
from typing import Any

from sympy.core.function import AppliedUndef

from derive.latex import Scope, _err
from derive.tensor import ONE, Eye, MatMul, ShapeError, Tensor, Trace, same

_TRACE = re.compile(r"\\(?:mathrm|operatorname|text|textrm)\{(?:tr|Tr|trace|Trace)\}")
IDENTITY_NAMES = frozenset({"\\mathbf{I}", "\\boldsymbol{I}", "\\mathrm{I}", "I"})


def trace_name(name: str) -> bool:
    """Whether a name read by `_read_name` is the trace's (`\\mathrm{tr}`, ...)."""
    return _TRACE.fullmatch(name) is not None


def identity_name(name: str, scripts: dict, scope: Scope) -> bool:
    """Whether a name with its scripts is the identity matrix: one of its letters, with no
    scripts, and no meaning of its own in the notation."""
    return name in IDENTITY_NAMES and not scripts and scope.lookup(name) is None


def read_trace(reader: Any, k: int, end: int, hi: int) -> tuple[Tensor, int]:
    """`\\mathrm{tr}(...)` at k, its name ending at `end`: the trace of what is in brackets."""
    found = reader.argument(end, hi)
    if found is None:
        raise _err("the trace is read with its argument in brackets: \\mathrm{tr}(X A)",
                   reader.scope, reader.toks[k])
    inner, close = found
    arg = type(reader)(inner, reader.scope).sum(0, len(inner))
    return Trace(arg, reader.tex(k, close + 1)), close + 1


def read_identity(reader: Any, k: int, end: int) -> tuple[Tensor, int]:
    tex = reader.tex(k, end)
    reader.scope.readings.append(f"${tex}$ read as the identity matrix, of the size of what "
                                 "stands beside it")
    return Eye(tex), end


def matrix_power(base: Tensor, grp: list, tex: str) -> Tensor | None:
    """`X^{2}` of a square matrix (not a vector): the product X X; None for anything else
    (a power of a vector, whose meaning a text leaves open, or a power not a whole number)."""
    texts = [t.text for t in grp if t.text not in ("{", "}")]
    if len(texts) != 1 or not texts[0].isdigit() or int(texts[0]) < 2 or int(texts[0]) > 4:
        return None
    try:
        s = base.shape()
    except ShapeError:
        return None
    open_size = any(d.atoms(AppliedUndef) for d in (s.rows, s.cols))  # still being inferred
    if s.scalar or same(s.rows, ONE) or same(s.cols, ONE) or not (
            open_size or same(s.rows, s.cols)):
        return None
    out = base
    for _ in range(int(texts[0]) - 1):
        out = MatMul(out, base, tex)
    return out


def powered_leaf(reader: Any, name: str, spec: Any, scripts: dict, k: int,
                 end: int, output: bool) -> Tensor | None:
    """`\\mathbf{X}^{2}`, the power written as the name's superscript, of a matrix without
    layers: X X; None when the superscript is anything else."""
    sup = scripts.get("^")
    if sup is None or spec.layers:
        return None
    texts = [t.text for t in sup[0] if t.text not in ("{", "}")]
    if len(texts) != 1 or not texts[0].isdigit():
        return None
    rest = {key: v for key, v in scripts.items() if key != "^"}
    leaf = reader.leaf(name, spec, rest, k, end, output)
    return matrix_power(leaf, sup[0], reader.tex(k, end))
