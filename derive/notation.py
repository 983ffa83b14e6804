"""The document's notation table, read from its front matter.

The table says what each name is: an indexed quantity with a layer tag and neuron indices, a
function, a scalar, or one of the sizes (number of layers, layer widths, batch size). Shapes and
layer ranges are written in the document's own names for its sizes (`C_{l+1}`, `1..n-1`, or
`N_{l+1}`, `1..L-1`): each is parsed here into a linear form in the number of layers and the
layer variable, and checked for sense (a range runs within 1..n and not backwards, a width is
the width of a layer that exists), so that nonsense is an error at its own line of the front
matter rather than a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from derive.errors import InputError, Span

# c + a·n + b·l: a constant, a multiple of the number of layers, a multiple of the layer variable
Lin = tuple[int, int, int]
Dim = tuple[str, Lin]  # ("width", layer) for C_{...}, ("count", value) for a plain number


def lin_value(form: Lin, layers: int, layer: int | None = None) -> int:
    c, a, b = form
    return c + a * layers + b * (layer if layer is not None else 0)


@dataclass(frozen=True)
class QuantitySpec:
    name: str  # canonical LaTeX name: "w", "\\delta", "\\hat{y}"
    layers: str | None  # "1..n-1", or None for an untagged quantity
    shape: tuple[str, ...]  # LaTeX of each index range, written with the layer variable l
    parameter: bool  # shared by all samples of a minibatch
    given: bool  # an input of the model rather than a defined node
    given_layers: str | None  # layers at which it is an input (e.g. a^{(1)} = x)
    tag: str = "paren"  # how the layer is written: ^{(l)} "paren", ^{[l]} "bracket", ^{l} "sup"
    unit_layers: str | None = None  # layers of one unit, written without its index (z^{[2]})
    unit_range: tuple[Lin, Lin] | None = None
    # the same, parsed (notation_from_front fills them in)
    layer_range: tuple[Lin, Lin] | None = None
    given_range: tuple[Lin, Lin] | None = None
    dims: tuple[Dim, ...] = ()


@dataclass(frozen=True)
class Notation:
    layers: str = "n"
    width: str = "C"
    batch: str = "m"
    sample: str = "x"
    layer_var: str = "l"
    loss: str | None = None
    rate: str | None = None
    labels: str | None = None  # the quantity holding the labels, when not the usual one
    quantities: dict[str, QuantitySpec] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)  # name -> arity
    scalars: dict[str, bool] = field(default_factory=dict)  # name -> parameter?
    # a size the text names on its own (D, H, K, n_x): the width of a layer, as a linear form
    aliases: dict[str, Lin] = field(default_factory=dict)
    # the number the text gives its input layer: 0 in W^{[1]} x + b^{[1]} (deeplearning.ai),
    # where layers are fixed numbers; inside, layers are numbered from 1 all the same
    first_layer: int = 1
    # vectors written without indices are columns (W a + b) or rows (x W + b)
    vectors: str = "column"

    def kind(self, name: str) -> str | None:
        if name in self.aliases:
            return "alias"
        if name in self.quantities:
            return "quantity"
        if name in self.functions:
            return "function"
        if name in self.scalars:
            return "scalar"
        if name in (self.layers, self.batch):
            return "size"
        if name == self.width:
            return "width"
        return None

    def names(self) -> list[str]:
        return sorted(
            [*self.quantities, *self.functions, *self.scalars, self.layers, self.batch, self.width]
        )


TAG_STYLES = ("paren", "bracket", "sup")
_KNOWN_TOP = {"title", "source", "roles", "quantities", "functions", "scalars", "sizes",
              "first_layer", "vectors"}
_ROLES = {"layers", "width", "batch", "sample", "loss", "rate", "labels"}


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


def parse_range(text: str, names: dict[str, str]) -> tuple[Lin, Lin]:
    """`1..n-1` (or a single layer, `1`) as two linear forms in the number of layers."""
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
        forms.append(form)
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
    n, w, var = names["layers"], names["width"], names["layer_var"]
    if toks[0][0] == "width":
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
        dim: Dim = ("width", form)
    else:
        form, end = _expr(toks, 0, names)
        if end != len(toks):
            raise _Bad(f"unexpected `{toks[end][1]}`")
        if form[2]:
            raise _Bad(f"`{var}` may appear only in a width's subscript, as in `{w}_{{{var}+1}}`")
        dim = ("count", form)
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
    return dim


def _name_ok(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z](_\{?\w+\}?)?|\\[A-Za-z]+(\{[^{}]+\})?", name))


def notation_from_front(front: dict[str, Any], file: str,
                        span_of: Callable[[tuple[str, ...]], Span] | None = None) -> Notation:
    """Build the notation from front matter; an empty front matter gives an empty notation.
    `span_of` gives the place of a front-matter key (its own line) for error messages."""

    def where(*key: str) -> Span:
        return span_of(key) if span_of is not None else Span(file, 1, 1, "")

    def bad(msg: str, *key: str) -> InputError:
        return InputError(f"front matter: {msg}", where(*key))

    unknown = set(front) - _KNOWN_TOP
    if unknown:
        raise bad(f"unknown key(s) {sorted(unknown)}; expected some of {sorted(_KNOWN_TOP)}")
    sizes = front.get("roles", {})
    if not isinstance(sizes, dict):
        raise bad("`roles` must be a table", "roles")
    if set(sizes) - _ROLES:
        raise bad(f"roles: unknown key(s) {sorted(set(sizes) - _ROLES)}; expected some of "
                  f"{sorted(_ROLES)}", "roles")
    defaults = {"layers": "n", "width": "C", "batch": "m", "sample": "x"}
    roles: dict[str, str | None] = {}
    for role in ("layers", "width", "batch", "sample", "loss", "rate", "labels"):
        value = sizes.get(role, defaults.get(role))
        if value is not None and (not isinstance(value, str) or not _name_ok(value.strip())):
            raise bad(f"roles.{role} must be a name such as \"{defaults.get(role, 'x')}\" or "
                      f"\"\\\\alpha\", not {value!r}", "roles", role)
        roles[role] = value.strip() if isinstance(value, str) else None
    seen: dict[str, str] = {}
    for role in ("layers", "width", "batch", "sample", "loss", "rate"):  # labels: a quantity
        value = roles[role]
        if value is None:
            continue
        if value in seen:
            raise bad(f"roles.{role} and roles.{seen[value]} are both `{value}`; each role needs "
                      "a name of its own", "roles", role)
        seen[value] = role
    if "l" in seen and seen["l"] in ("layers", "width", "batch"):
        raise bad(f"roles.{seen['l']} is `l`, the layer variable of shapes and layer tags",
                  "roles", seen["l"])
    first_layer = front.get("first_layer", 1)
    quantities_in = front.get("quantities", {})
    names = {"layers": str(roles["layers"]), "width": str(roles["width"]), "layer_var": "l"}
    quantities: dict[str, QuantitySpec] = {}
    for name, spec in quantities_in.items():
        if not isinstance(spec, dict):
            raise bad(f"quantities.{name} must be a table", "quantities", name)
        extra = set(spec) - {"layers", "shape", "parameter", "given", "given_layers", "tag",
                             "unit_layers"}
        if extra:
            raise bad(f"quantities.{name}: unknown key(s) {sorted(extra)}", "quantities", name)
        parsed: dict[str, Any] = {}
        for key in ("layers", "given_layers", "unit_layers"):
            text = spec.get(key)
            if text is None:
                parsed[key] = None
                continue
            if not isinstance(text, str):
                raise bad(f"quantities.{name}.{key} must be a string such as \"1..n\"",
                          "quantities", name, key)
            try:
                parsed[key] = (parse_range(text, names) if first_layer == 1
                               else _fixed_range(text))
            except _Bad as exc:
                raise bad(f"quantities.{name}.{key} = {text!r}: {exc}",
                          "quantities", name, key) from None
        if parsed["given_layers"] is not None and parsed["layers"] is None:
            raise bad(f"quantities.{name}.given_layers needs `layers`: the quantity has none",
                      "quantities", name, "given_layers")
        shape = spec.get("shape", ())
        if not isinstance(shape, (list, tuple)):
            raise bad(f"quantities.{name}.shape must be a list such as [\"C_l\"]",
                      "quantities", name, "shape")
        dims = []
        for k, entry in enumerate(shape):
            try:
                if first_layer == 0:
                    entry = _from_one(entry, names["width"])
                dims.append(parse_dim(entry, names, parsed["layers"]))
            except _Bad as exc:
                raise bad(f"quantities.{name}.shape[{k + 1}] = {entry!r}: {exc}",
                          "quantities", name, "shape") from None
        tag = spec.get("tag", "paren")
        if tag not in TAG_STYLES:
            raise bad(f"quantities.{name}.tag must be one of {', '.join(map(repr, TAG_STYLES))} "
                      f"(^{{(l)}}, ^{{[l]}}, ^{{l}}), not {tag!r}", "quantities", name, "tag")
        quantities[name] = QuantitySpec(
            name=name,
            layers=spec.get("layers"),
            shape=tuple(shape),
            parameter=bool(spec.get("parameter", False)),
            given=bool(spec.get("given", False)),
            given_layers=spec.get("given_layers"),
            layer_range=parsed["layers"],
            given_range=parsed["given_layers"],
            dims=tuple(dims),
            tag=tag,
            unit_layers=spec.get("unit_layers"),
            unit_range=parsed["unit_layers"],
        )
    functions = {}
    for name, arity in front.get("functions", {}).items():
        if not isinstance(arity, int) or isinstance(arity, bool) or arity < 1:
            raise bad(f"functions.{name} must be its number of arguments (a positive integer)",
                      "functions", name)
        functions[name] = arity
    scalars = {}
    for name, spec in front.get("scalars", {}).items():
        scalars[name] = bool(spec.get("parameter", False)) if isinstance(spec, dict) else False
    aliases: dict[str, Lin] = {}
    for name, text in front.get("sizes", {}).items():
        try:
            if first_layer == 0:
                text = _from_one(text, names["width"])
            dim = parse_dim(text, names, None)
        except _Bad as exc:
            raise bad(f"sizes.{name} = {text!r}: {exc}", "sizes", name) from None
        if dim[0] != "width" or not _name_ok(name):
            raise bad(f"sizes.{name} must name the width of a layer, as in "
                      f"{name} = \"{names['width']}_1\"", "sizes", name)
        aliases[name] = dim[1]
    declared = {**{q: "quantities" for q in quantities}, **{f: "functions" for f in functions},
                **{c: "scalars" for c in scalars}}
    for role in ("layers", "width", "batch", "sample"):
        value = roles[role]
        if value in declared:
            raise bad(f"roles.{role} is `{value}`, which is also declared in "
                      f"{declared[value]}; a size needs a name of its own", "roles", role)
    return Notation(
        layers=str(roles["layers"]),
        width=str(roles["width"]),
        batch=str(roles["batch"]),
        sample=str(roles["sample"]),
        loss=roles["loss"],
        rate=roles["rate"],
        labels=roles["labels"],
        quantities=quantities,
        functions=functions,
        scalars=scalars,
        aliases=aliases,
        first_layer=int(front.get("first_layer", 1)),
        vectors=str(front.get("vectors", "column")),
    )
