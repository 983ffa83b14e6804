"""A formula in variables of its own read in the model its section's prose states: the one
neuron of a text that builds up (`$z = wx+b$`, `$a = g(z)$` in a sentence, then
`\\frac{\\partial C}{\\partial w} = C'(a) g'(z) x`).

A formula read in variables of its own (derive.infer.chain: no layer tag in it, yet its names
have them elsewhere) that is no chain rule of generic functions is read in a local model when
the sentences of its section, before it, define a chain of two names or more, one of them
written in the formula: each inline equation
whose left side is one bare letter and whose right side is written in bare letters and
functions applied to them (no scripts, no derivative) defines that letter, the first time. The
loss it differentiates, when the prose does not define it so (`$C(a) = \\frac{1}{2}(y - a)^2$`
is an example the text leaves abstract), is a generic smooth function of the output, the one
defined letter no other definition reads: `C = F_1(a)`. Every name of the formula must be one
of the model's; otherwise the formula stays unread. The model is an annotation of the formula
(`local = true`, `functions`, `given`), as the chain rules' are.

Token level and text only: nothing is evaluated."""

from __future__ import annotations

import re
from typing import Any

from derive.infer.scan import Row
from derive.sources.document import Document

_ROW = re.compile(r"\s*([A-Za-z])\s*=\s*([A-Za-z0-9+\-*()\s]+?)\s*[.,]?\s*")
_APPLIED = re.compile(r"([A-Za-z])\s*\(")


def _prose_rows(doc: Document, rows: list[Row]) -> list[tuple[str, str, int]]:
    """The prose's definitions of bare letters before the formula, in its section."""
    formula = rows[0].formula
    out: list[tuple[str, str, int]] = []
    for f in doc.inline:
        if f.section != formula.section or f.line >= formula.line:
            continue
        m = _ROW.fullmatch(f.text)
        if m is None or any(name == m[1] for name, _, _ in out):
            continue
        letters = set(re.findall(r"[A-Za-z]", m[2]))
        if not letters or m[1] in letters:
            continue  # a number, or a letter that reads itself
        # one letter a name: `wx` is w times x (spaced, as the `given` is read)
        out.append((m[1], re.sub(r"(?<=[A-Za-z])(?=[A-Za-z])", " ", m[2].strip()), f.line))
    return out


def prose_model(doc: Document, rows: list[Row], loss: str | None
                ) -> tuple[dict[str, Any], str] | None:
    """The local model of a formula in variables of its own from its section's prose, and the
    fact that says so; None when the prose defines too little of it."""
    defs = _prose_rows(doc, rows)
    defined = {name for name, _, _ in defs}
    used = {o.name for r in rows for o in r.occs}
    if len(defined) < 2 or not defined & used:
        return None
    functions = {fn: 1 for _, rhs, _ in defs for fn in _APPLIED.findall(rhs)}
    variables = defined | {v for _, rhs, _ in defs for v in re.findall(r"[A-Za-z]", rhs)
                           } - set(functions)
    given = [f"{name} = {rhs}" for name, rhs, _ in defs]
    extra = ""
    if loss is not None and loss not in defined and any(
            o.name == loss and o.after_partial == "num" for r in rows for o in r.occs):
        read = {v for _, rhs, _ in defs for v in re.findall(r"[A-Za-z]", rhs)}
        outputs = [name for name, _, _ in defs if name not in read]
        if len(outputs) != 1:
            return None
        fn = next(f"F_{k}" for k in range(1, 10) if f"F_{k}" not in functions)
        functions[fn] = 1
        given.append(f"{loss} = {fn}({outputs[0]})")
        variables.add(loss)
        extra = (f", and ${loss} = {fn}({outputs[0]})$, a generic smooth function of the "
                 f"output (the text never defines ${loss}$)")
    if not used <= variables | set(functions):
        return None
    line = rows[0].formula.line
    written = ", ".join(f"${name} = {rhs}$ (line {at})" for name, rhs, at in defs)
    fact = (f"line {line}: a formula in variables of its own, read in the model its section's "
            f"prose states: {written}{extra}")
    return {"local": True, "functions": functions, "given": given}, fact
