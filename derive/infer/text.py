"""The inferred notation in words and in front-matter text: linear forms, ranges, the summary."""

from __future__ import annotations

from typing import Any

from derive.infer.scan import Lin, Row


def _add(a: Lin, b: Lin) -> Lin:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _sub(a: Lin, b: Lin) -> Lin:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _lin_text(form: Lin, n: str, var: str = "l") -> str:
    c, a, b = form
    parts = []
    if a:
        parts.append(n if a == 1 else f"{a}{n}")
    if b:
        parts.append(var if b == 1 else f"{b}{var}")
    text = "+".join(parts)
    if c or not text:
        text = f"{text}{c:+d}" if text else str(c)
    return text


def _range_text(r: tuple[Lin, Lin], n: str, from_zero: bool = False) -> str:
    """`1..n-1`; with `from_zero`, a range of the model's layers numbered as a text whose
    input is layer 0 numbers it (a fixed layer one lower, a layer in `n` as it is)."""
    if from_zero:
        r = tuple((x[0] - 1, 0, 0) if x[1:] == (0, 0) else x for x in r)
    lo, hi = (_lin_text(x, n) for x in r)
    return lo if lo == hi else f"{lo}..{hi}"


def _dim_text(rel: Lin | None, width: str, n: str, tagged: bool = True) -> str:
    rel = rel or (0, 0, 0)
    if tagged and rel[1] == 0:  # relative to the quantity's layer
        rel = (rel[0], 0, 1) if rel[2] == 0 else rel
    text = _lin_text(rel, n)
    return f"{width}_{{{text}}}" if len(text) > 1 else f"{width}_{text}"


def _example(q: str, spec: dict[str, Any], var: str | None) -> str:
    """`w^{(l)}_{ij}`: how the quantity is written, for the summary."""
    letters = "ijkpqr"
    tag = ""
    if "layers" in spec:
        tag = {"paren": "^{{({})}}", "bracket": "^{{[{}]}}", "sup": "^{{{}}}"}[
            spec["tag"]].format(var or "l")
    shape = spec.get("shape", [])
    sub = f"_{{{letters[:len(shape)]}}}" if shape else ""
    return f"{q}{tag}{sub}"


def _summary(roles: dict[str, str], quantities: dict[str, dict[str, Any]],
             functions: dict[str, int], defs: dict[str, list[Row]], layer_var: str | None,
             from_zero: bool = False) -> list[str]:
    """The facts the verdicts rest on, one sentence each, maths in `$...$`."""
    out = []
    n, width = roles["layers"], roles["width"]
    first = int(not from_zero)
    out.append(f"layers ${layer_var or 'l'}$ = {first}..${n}$, layer {first} the input; "
               f"${width}_{{l}}$ neurons in layer $l$")
    for q, spec in quantities.items():
        bits = []
        if "layers" in spec:
            bits.append(f"layers {spec['layers']}")
        for letter, dim in zip("ijkpqr", spec.get("shape", [])):
            bits.append(f"${letter}$ in 1..${dim}$")
        if spec.get("given"):
            bits.append("given" + (", a parameter" if spec.get("parameter") else ""))
            if spec.get("given_layers"):
                bits.append(f"given in layer {spec['given_layers']}")
        elif q in defs:
            lines = ", ".join(str(r.occs[0].line) for r in defs[q])
            bits.append(f"defined at line{'s' if len(defs[q]) > 1 else ''} {lines}")
            if spec.get("given_layers"):
                bits.append(f"given in layer {spec['given_layers']}")
        elif q == roles.get("loss"):
            bits.append("the loss, never defined in the text: checked for a generic smooth loss")
        else:
            bits.append("no definition read: what rests on it is not checked")
        out.append(f"${_example(q, spec, layer_var)}$: " + ", ".join(bits))
    for fn, arity in functions.items():
        where = (f"defined at line {defs[fn][0].occs[0].line}" if fn in defs
                 else "not defined in the text")
        out.append(f"${fn}$ a function of {arity} argument{'s' if arity > 1 else ''}, {where}")
    if roles.get("loss"):
        out.append(f"the loss ${roles['loss']}$ (the quantity the text differentiates)")
    if roles.get("rate"):
        out.append(f"the learning rate ${roles['rate']}$")
    return out


def merge(front: dict[str, Any], inferred: dict[str, Any]) -> dict[str, Any]:
    """The inferred front matter with the written one laid over it, key by key."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in inferred.items()}
    for key, value in front.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            merged.update(value)
            out[key] = merged
        else:
            out[key] = value
    return out
