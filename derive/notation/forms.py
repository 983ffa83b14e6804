"""The grammar of ranges (`1..n-1`) and shapes (`C_{l+1}`, `2`) in the document's own names for
its sizes, parsed into linear forms and checked for sense on every network depth."""

from __future__ import annotations

import re

from derive.notation.table import Dim, Lin, lin_value


class _Bad(Exception):
    """A value of the front matter that does not parse; the caller places it."""


_DEPTHS = (3, 1000)  # networks the ranges must make sense for (linear forms: two suffice)


def _terms(text: str, names: dict[str, str], allow: set[str]) -> list[tuple[str, str]]:
    """Tokens of a range or shape: (kind, text) with kinds num, op, name roles, `_`, braces."""
    out: list[tuple[str, str]] = []
    pos = 0
    t = text.strip()
    ordered = sorted(names.items(), key=lambda kv: -len(kv[1]))
    while pos < len(t):
        ch = t[pos]
        if ch.isspace():
            pos += 1
            continue
        for role, name in ordered:
            if role in allow and name and t.startswith(name, pos):
                end = pos + len(name)
                if name[-1].isalpha() and end < len(t) and t[end].isalpha():
                    continue  # `n` is not the start of `nx`
                out.append((role, name))
                pos = end
                break
        else:
            m = re.match(r"\d+", t[pos:])
            if m:
                if len(m.group()) > 6:
                    raise _Bad(f"the number {m.group()} is too large")
                out.append(("num", m.group()))
                pos += len(m.group())
            elif ch in "+-_{}":
                out.append(("op", ch))
                pos += 1
            else:
                raise _Bad(f"unexpected `{t[pos:pos + 8]}`")
    return out


def _expr(toks: list[tuple[str, str]], i: int, names: dict[str, str]) -> tuple[Lin, int]:
    """expr := [+|-] term ((+|-) term)*, term := number | layers | l | width _ group."""
    c = a = b = 0
    sign = 1
    expect = True
    start = i
    while i < len(toks):
        kind, text = toks[i]
        if kind == "op" and text in "+-":
            if expect and i > start:
                raise _Bad(f"`{text}` where a number or a size was expected")
            if text == "-":
                sign = -sign if expect else -1
            elif not expect:
                sign = 1
            expect = True
            i += 1
            continue
        if not expect:
            break
        if kind == "num":
            c += sign * int(text)
        elif kind == "layers":
            a += sign
        elif kind == "layer_var":
            b += sign
        else:
            break
        sign = 1
        expect = False
        i += 1
    if expect:
        what = f"`{toks[i][1]}`" if i < len(toks) else "the end"
        raise _Bad(f"a number or `{names['layers']}` was expected before {what}")
    return (c, a, b), i


def parse_range(text: str, names: dict[str, str], from_zero: bool = False) -> tuple[Lin, Lin]:
    """`1..n-1` (or a single layer, `1`) as two linear forms in the number of layers. With
    `from_zero` (a text whose input is layer 0), numbered from 1 inside: a fixed layer one
    higher (`0..n` is `1..n`), a layer written in `n` as written."""
    if not text.strip():
        raise _Bad("empty; write a range such as `1..n-1`")
    parts = text.split("..")
    if len(parts) > 2 or any(not p.strip() or p.startswith(".") or p.endswith(".")
                             for p in parts):
        raise _Bad("a range is written `first..last`, as in `1..n-1`")
    forms = []
    for part in parts:
        toks = _terms(part, names, {"layers"})
        form, end = _expr(toks, 0, names)
        if end != len(toks):
            raise _Bad(f"unexpected `{toks[end][1]}`")
        forms.append((form[0] + 1, 0, 0) if from_zero and form[1:] == (0, 0) else form)
    lo, hi = forms[0], forms[-1]
    n = names["layers"]
    for depth in _DEPTHS:
        first, last = lin_value(lo, depth), lin_value(hi, depth)
        if first < 1:
            raise _Bad(f"starts at layer {first} when {n}={depth}; layers are numbered from 1")
        if last > depth:
            raise _Bad(f"ends at layer {last} when {n}={depth}, past the last layer {n}")
    if lin_value(lo, _DEPTHS[-1]) > lin_value(hi, _DEPTHS[-1]):
        raise _Bad("runs backwards: its first layer comes after its last")
    return lo, hi


def _from_one(text: str, width: str) -> str:
    """`C_0` as the text numbers layers from 0: the width of layer 1 inside."""
    if not isinstance(text, str):
        return text
    m = re.fullmatch(rf"\s*{re.escape(width)}_\{{?\s*(\d+)\s*\}}?\s*", text)
    return f"{width}_{{{int(m.group(1)) + 1}}}" if m else text


def _fixed_range(text: str) -> tuple[Lin, Lin]:
    """With `first_layer = 0`, a range of fixed layers as the text numbers them (`1..2`),
    numbered from 1 inside (`2..3`)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?", text)
    if not m:
        raise _Bad("with first_layer = 0 the layers are fixed numbers, as in `1..2`")
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if lo > hi:
        raise _Bad("runs backwards: its first layer comes after its last")
    return (lo + 1, 0, 0), (hi + 1, 0, 0)


def parse_dim(text: str, names: dict[str, str], layers: tuple[Lin, Lin] | None) -> Dim:
    """One entry of a shape: a layer's width `C_{l+1}` or a count (`2`, `n`), checked for every
    layer of the quantity."""
    if not isinstance(text, str):
        raise _Bad(f"must be a string such as \"{names['width']}_l\"")
    toks = _terms(text, names, {"layers", "layer_var", "width"})
    if not toks:
        raise _Bad(f"empty; write the range of the index, as in `{names['width']}_l`")
    dim = _width_dim(toks, names) if toks[0][0] == "width" else _count_dim(toks, names)
    _check_dim(dim, names, layers)
    return dim


def _width_dim(toks: list[tuple[str, str]], names: dict[str, str]) -> Dim:
    """`C_l`, `C_{l+1}`: the width of a layer given as a linear form."""
    w = names["width"]
    if len(toks) < 3 or toks[1] != ("op", "_"):
        raise _Bad(f"`{w}` needs the layer as a subscript, as in `{w}_l`")
    if toks[2] == ("op", "{"):
        form, end = _expr(toks, 3, names)
        if end >= len(toks) or toks[end] != ("op", "}"):
            raise _Bad("unbalanced `{`: no matching `}`")
        end += 1
    else:
        form, end = _expr(toks[:3], 2, names)
    if end != len(toks):
        raise _Bad(f"unexpected `{toks[end][1]}` after the width")
    return ("width", form)


def _count_dim(toks: list[tuple[str, str]], names: dict[str, str]) -> Dim:
    """`2`, `n`, `n-1`: a number of values, not depending on the layer."""
    form, end = _expr(toks, 0, names)
    if end != len(toks):
        raise _Bad(f"unexpected `{toks[end][1]}`")
    if form[2]:
        w, var = names["width"], names["layer_var"]
        raise _Bad(f"`{var}` may appear only in a width's subscript, as in `{w}_{{{var}+1}}`")
    return ("count", form)


def _check_dim(dim: Dim, names: dict[str, str], layers: tuple[Lin, Lin] | None) -> None:
    """A width names a layer that exists, and a count is at least 1, at the first and the last
    layer of the quantity on every depth of `_DEPTHS`."""
    n, var = names["layers"], names["layer_var"]
    kind, form = dim
    if form[2] and layers is None:
        raise _Bad(f"uses the layer `{var}`, but the quantity has no layers")
    for depth in _DEPTHS:
        lo, hi = ((lin_value(layers[0], depth), lin_value(layers[1], depth)) if layers
                  else (None, None))
        if lo is not None and lo > hi:
            continue  # no layer at this depth
        for layer in (lo, hi):
            v = lin_value(form, depth, layer)
            at = f" at layer {var}={layer}" if layer is not None and form[2] else ""
            if kind == "width" and not 1 <= v <= depth:
                raise _Bad(f"the width of layer {v}{at} when {n}={depth}: there is no such layer")
            if kind == "count" and v < 1:
                raise _Bad(f"is {v} when {n}={depth}; an index range needs at least one value")
