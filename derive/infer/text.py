"""The inferred notation in words and in front-matter text: linear forms, ranges, the summary."""

from __future__ import annotations

from typing import Any

from derive.functions import BY_SPELLING
from derive.infer.scan import Lin, Row
from derive.latex import VECTOR_FUNCTIONS


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


def _range_text(r: tuple[Lin, Lin], n: str, from_zero: bool = False, var: str = "l") -> str:
    """`1..n-1`; with `from_zero`, a range of the model's layers numbered as a text whose
    input is layer 0 numbers it (a fixed layer one lower, a layer in `n` as it is)."""
    if from_zero:
        r = tuple((x[0] - 1, 0, 0) if x[1:] == (0, 0) else x for x in r)
    lo, hi = (_lin_text(x, n, var) for x in r)
    return lo if lo == hi else f"{lo}..{hi}"


def _dim_text(rel: Lin | None, width: str, n: str, tagged: bool = True,
              sizes: dict[str, Lin] | None = None, var: str = "l") -> str:
    """An index range as the front matter writes it: `C_{l+1}` (relative to the quantity's
    layer when `tagged`); a width the text names (`sizes`: D, H, n_x) by that name."""
    rel = rel or (0, 0, 0)
    named = sorted(a for a, v in (sizes or {}).items() if v == rel)
    if named and not tagged:
        return named[0]
    if tagged and rel[1] == 0:  # relative to the quantity's layer
        rel = (rel[0], 0, 1) if rel[2] == 0 else rel
    text = _lin_text(rel, n, var)
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


def _summary(header: str, roles: dict[str, str], quantities: dict[str, dict[str, Any]],
             functions: dict[str, int], defs: dict[str, list[Row]], layer_var: str | None
             ) -> list[str]:
    """The facts the verdicts rest on, one sentence each, maths in `$...$`, after the
    `header` (the layers and sizes, `layers_header`)."""
    out = [header]
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
            if spec.get("parameter"):  # J = 1/m sum_i L^{(i)}
                bits.append(f"one for the batch (a sum over the samples ${roles['sample']}$)")
            if spec.get("given_layers"):
                bits.append(f"given in layer {spec['given_layers']}")
        elif q == roles.get("loss"):
            continue  # said in full after the summary (derive.infer.front._quantity)
        else:
            bits.append("no definition read: what rests on it is not checked")
        if spec.get("unit_layers"):  # z^{[2]}: the output layer is one unit
            bits.append(f"a number (one unit) at layer{'s' if '..' in spec['unit_layers'] else ''}"
                        f" {spec['unit_layers']}")
        out.append(f"${_example(q, spec, layer_var)}$: " + ", ".join(bits))
    for fn, arity in functions.items():
        where = (f"defined at line {defs[fn][0].occs[0].line}" if fn in defs
                 else "derive's own (the text does not define it)" if (fn in BY_SPELLING
                                                                   or fn in VECTOR_FUNCTIONS)
                 else "not defined in the text")
        out.append(f"${fn}$ a function of {arity} argument{'s' if arity > 1 else ''}, {where}")
    if roles.get("loss"):
        out.append(f"the loss ${roles['loss']}$ (the quantity the text differentiates; to say "
                   "otherwise: roles.loss)")
    if roles.get("rate"):
        out.append(f"the learning rate ${roles['rate']}$ (roles.rate)")
    return out


def layers_header(roles: dict[str, str], quantities: dict[str, dict[str, Any]],
                  layer_var: str | None, from_zero: bool, fixed: tuple[int, int] | None,
                  widths_named: bool, sizes: dict[str, str]) -> str:
    """The summary's first fact: how the layers are numbered and what their widths are called.
    A text without layer tags has no layers to number (one network, its sizes the text's where
    it names them); fixed layers (`z^{[2]}`) are the text's own numbers; a layer variable
    runs over every depth of the model."""
    n, width = roles["layers"], roles["width"]
    if not any("layers" in spec for spec in quantities.values()):
        return untagged_header(width, quantities, sizes)
    values = ", ".join(f"${v}$ = ${a}$" for a, v in sorted(sizes.items(), key=lambda x: x[1]))
    var = roles.get("layer") or "l"  # the front matter's layer variable
    tail = f"${width}_{{{var}}}$ units in layer ${var}$"
    if not widths_named:
        tail += (f" (${width}$ is derive's name: the text names " + (
            f"only {values}" if values else "no layer widths") + "; to name them: roles.width)")
    elif values:
        tail += f" ({values})"
    if layer_var is None and fixed is not None:
        first, last = fixed
        return (f"layers {first}..{last} as the text numbers them (fixed numbers, no layer "
                f"variable), layer {first} the input; " + tail)
    first = int(not from_zero)
    return f"layers ${layer_var or 'l'}$ = {first}..${n}$, layer {first} the input; " + tail


UNTAGGED = "no layer tags: one network"


def untagged_header(width: str, quantities: dict[str, dict[str, Any]],
                    sizes: dict[str, str]) -> str:
    """The first fact of a text without layer tags: its sizes, named by the text or by derive
    (`C_1`), as the shapes of the front matter write them."""
    named = ", ".join(f"${a}$" for a in sorted(sizes))
    written = [d for spec in quantities.values() for d in spec.get("shape", ())]
    unnamed = sorted({d for d in written if d not in sizes and "_" in d and d.startswith(width)})
    if not unnamed:
        return UNTAGGED + (f", its sizes the text's ({named})" if named else "")
    called = ", ".join(f"${d}$" for d in unnamed)
    return (f"{UNTAGGED}; sizes the text does not name are called {called} here (to name one: "
            f"sizes.NAME = \"{unnamed[0]}\")" + (f"; the text names {named}" if named else ""))


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
