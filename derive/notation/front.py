"""Building the `Notation` from a document's front matter, every value checked and every error
placed at its own key."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from derive.errors import InputError, Span
from derive.notation.forms import _Bad, _fixed_range, _from_one, parse_dim, parse_range
from derive.notation.table import TAG_STYLES, Dim, Lin, Notation, QuantitySpec

_KNOWN_TOP = {"title", "source", "roles", "quantities", "functions", "scalars", "sizes",
              "first_layer", "vectors", "diagonal", "nonlinear"}
_ROLES = {"layers", "width", "batch", "sample", "loss", "rate", "labels", "overall", "layer"}


def _name_ok(name: str) -> bool:
    """A letter, a command or a font's name; a starred name `y^{*}` (derive.latex.spelling)."""
    return bool(re.fullmatch(r"[A-Za-z](_\{?\w+\}?)?|\\[A-Za-z]+(\{[^{}]+\})?|(?:[A-Za-z]|\\[A-Za-z]+)\^\{\*\}",
                             name))


# `bad(message, *key)`: the error `front matter: message`, placed at that front-matter key
Bad = Callable[..., InputError]


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
    roles = _roles(front, bad)
    first_layer = front.get("first_layer", 1)
    var = roles["layer"] or "l"  # the layer variable of shapes and layer ranges
    names = {"layers": str(roles["layers"]), "width": str(roles["width"]), "layer_var": var}
    aliases = _aliases(front, names, first_layer, bad)
    quantities = {name: _quantity(name, spec, names, first_layer, bad, aliases)
                  for name, spec in front.get("quantities", {}).items()}
    functions = _functions(front, bad)
    scalars = {name: bool(spec.get("parameter", False)) if isinstance(spec, dict) else False
               for name, spec in front.get("scalars", {}).items()}
    _sizes_have_own_names(roles, quantities, functions, scalars, bad)
    ranges = _scalar_ranges(front, bad)
    return Notation(
        layers=str(roles["layers"]),
        width=str(roles["width"]),
        batch=str(roles["batch"]),
        sample=str(roles["sample"]),
        loss=roles["loss"],
        rate=roles["rate"],
        labels=roles["labels"],
        overall=roles["overall"],
        layer_var=var,
        quantities=quantities,
        functions=functions,
        scalars=scalars,
        scalar_ranges=ranges,
        aliases=aliases,
        first_layer=int(front.get("first_layer", 1)),
        vectors=str(front.get("vectors", "column")),
        diagonal=_diagonal(front, bad),
        nonlinear=frozenset(front.get("nonlinear", ())),
        per_layer=frozenset(name for name, spec in front.get("scalars", {}).items()
                            if isinstance(spec, dict) and spec.get("per_layer")),
    )


def _scalar_ranges(front: dict[str, Any], bad: Bad) -> dict[str, tuple[Fraction, Fraction]]:
    """`[scalars.NAME] range = ["0", "1"]`: the open interval the scalar's values are drawn
    in (the range the text states for it)."""
    out: dict[str, tuple[Fraction, Fraction]] = {}
    for name, spec in front.get("scalars", {}).items():
        if not isinstance(spec, dict) or "range" not in spec:
            continue
        given = spec["range"]
        try:
            lo, hi = (Fraction(str(v)) for v in given)
        except (TypeError, ValueError, ZeroDivisionError):
            raise bad(f"scalars.{name}.range must be two numbers, as [\"0\", \"1\"], not "
                      f"{given!r}", "scalars", name, "range") from None
        if not lo < hi:
            raise bad(f"scalars.{name}.range: {lo} is not below {hi}", "scalars", name, "range")
        out[name] = (lo, hi)
    return out


def _roles(front: dict[str, Any], bad: Bad) -> dict[str, str | None]:
    """The names `roles` gives the sizes and the roles (defaults for the sizes)."""
    sizes = front.get("roles", {})
    if not isinstance(sizes, dict):
        raise bad("`roles` must be a table", "roles")
    if set(sizes) - _ROLES:
        raise bad(f"roles: unknown key(s) {sorted(set(sizes) - _ROLES)}; expected some of "
                  f"{sorted(_ROLES)}", "roles")
    defaults = {"layers": "n", "width": "C", "batch": "m", "sample": "x"}
    roles: dict[str, str | None] = {}
    for role in ("layers", "width", "batch", "sample", "loss", "rate", "labels", "overall",
                 "layer"):
        value = sizes.get(role, defaults.get(role))
        if value is not None and (not isinstance(value, str) or not _name_ok(value.strip())):
            raise bad(f"roles.{role} must be a name such as \"{defaults.get(role, 'x')}\" or "
                      f"\"\\\\alpha\", not {value!r}", "roles", role)
        roles[role] = value.strip() if isinstance(value, str) else None
    _roles_distinct(roles, bad)
    return roles


def _roles_distinct(roles: dict[str, str | None], bad: Bad) -> None:
    """Each role a name of its own, and none of the sizes the layer variable (`l`, or the
    letter `roles.layer` names: Goodfellow's k, where l is the depth)."""
    seen: dict[str, str] = {}
    var = roles["layer"] or "l"
    for role in ("layers", "width", "batch", "sample", "loss", "rate", "overall"):  # labels: a quantity
        value = roles[role]
        if value is None:
            continue
        if value in seen:
            raise bad(f"roles.{role} and roles.{seen[value]} are both `{value}`; each role needs "
                      "a name of its own", "roles", role)
        seen[value] = role
    if var in seen and seen[var] in ("layers", "width", "batch"):
        raise bad(f"roles.{seen[var]} is `{var}`, the layer variable of shapes and layer tags"
                  + ("" if roles["layer"] else " (roles.layer names another)"),
                  "roles", seen[var])


def _quantity(name: str, spec: Any, names: dict[str, str], first_layer: Any,
              bad: Bad, aliases: dict[str, Lin] | None = None) -> QuantitySpec:
    """One entry of `quantities`, its ranges and shape parsed."""
    if not isinstance(spec, dict):
        raise bad(f"quantities.{name} must be a table", "quantities", name)
    extra = set(spec) - {"layers", "shape", "parameter", "given", "given_layers", "tag",
                         "unit_layers", "from_zero"}
    if extra:
        raise bad(f"quantities.{name}: unknown key(s) {sorted(extra)}", "quantities", name)
    parsed = _layer_ranges(name, spec, names, first_layer, bad)
    if parsed["given_layers"] is not None and parsed["layers"] is None:
        raise bad(f"quantities.{name}.given_layers needs `layers`: the quantity has none",
                  "quantities", name, "given_layers")
    shape = spec.get("shape", ())
    if not isinstance(shape, (list, tuple)):
        raise bad(f"quantities.{name}.shape must be a list such as [\"C_l\"]",
                  "quantities", name, "shape")
    dims = _dims(name, shape, names, parsed["layers"], first_layer, bad, aliases or {})
    tag = spec.get("tag", "paren")
    if tag not in TAG_STYLES:
        raise bad(f"quantities.{name}.tag must be one of {', '.join(map(repr, TAG_STYLES))} "
                  f"(^{{(l)}}, ^{{[l]}}, ^{{l}}), not {tag!r}", "quantities", name, "tag")
    return QuantitySpec(
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
        from_zero=_from_zero(name, spec.get("from_zero", []), len(shape), bad),
    )


def _from_zero(name: str, slots: Any, rank: int, bad: Bad) -> tuple[int, ...]:
    """`from_zero = [2]`: the index slots (numbered from 1) that start at 0, as positions."""
    if not isinstance(slots, (list, tuple)) or not all(
            isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= rank for k in slots):
        raise bad(f"quantities.{name}.from_zero must list index slots 1..{rank} of its shape",
                  "quantities", name, "from_zero")
    return tuple(sorted({k - 1 for k in slots}))


def _layer_ranges(name: str, spec: dict, names: dict[str, str], first_layer: Any,
                  bad: Bad) -> dict[str, tuple[Lin, Lin] | None]:
    """A quantity's `layers`, `given_layers` and `unit_layers`, parsed (None where absent)."""
    parsed: dict[str, tuple[Lin, Lin] | None] = {}
    for key in ("layers", "given_layers", "unit_layers"):
        text = spec.get(key)
        if text is None:
            parsed[key] = None
            continue
        if not isinstance(text, str):
            raise bad(f"quantities.{name}.{key} must be a string such as \"1..n\"",
                      "quantities", name, key)
        try:
            if first_layer == 1:
                parsed[key] = parse_range(text, names)
            elif re.fullmatch(r"[\d.\s]*", text):  # fixed layers, as the text numbers them
                parsed[key] = _fixed_range(text)
            else:  # 0..L: the input is layer 0
                parsed[key] = parse_range(text, names, from_zero=True)
        except _Bad as exc:
            raise bad(f"quantities.{name}.{key} = {text!r}: {exc}",
                      "quantities", name, key) from None
    return parsed


def _dims(name: str, shape: list | tuple, names: dict[str, str],
          layers: tuple[Lin, Lin] | None, first_layer: Any, bad: Bad,
          aliases: dict[str, Lin]) -> list[Dim]:
    """A quantity's `shape`, each entry parsed for the quantity's layers; an entry that is a
    size of `sizes` (`shape = ["H", "D"]` with `sizes.H = "C_1"`) is that layer's width."""
    dims: list[Dim] = []
    for k, entry in enumerate(shape):
        if isinstance(entry, str) and entry.strip() in aliases:
            if layers is not None:
                raise bad(f"quantities.{name}.shape[{k + 1}] = {entry!r}: a size of `sizes` is "
                          "the width of one layer; a quantity with layers writes its shape "
                          f"with the layer, as in `{names['width']}_l`", "quantities", name,
                          "shape")
            dims.append(("width", aliases[entry.strip()]))
            continue
        try:
            if first_layer == 0:
                entry = _from_one(entry, names["width"])
            dims.append(parse_dim(entry, names, layers))
        except _Bad as exc:
            raise bad(f"quantities.{name}.shape[{k + 1}] = {entry!r}: {exc}",
                      "quantities", name, "shape") from None
    return dims


def _functions(front: dict[str, Any], bad: Bad) -> dict[str, int]:
    functions = {}
    for name, arity in front.get("functions", {}).items():
        if not isinstance(arity, int) or isinstance(arity, bool) or arity < 1:
            raise bad(f"functions.{name} must be its number of arguments (a positive integer)",
                      "functions", name)
        functions[name] = arity
    return functions


def _diagonal(front: dict[str, Any], bad: Bad) -> dict[str, str]:
    """`diagonal`: functions the text defines as diagonal matrices, each head (with its prime)
    to the function of the diagonal's entries (`"\\\\Sigma'" = "\\\\sigma'"`)."""
    out = {}
    for head, entries in front.get("diagonal", {}).items():
        for name in (head, entries):
            if not isinstance(name, str) or not _name_ok(name.removesuffix("'")):
                raise bad(f"diagonal.{head} must map a function's name to the function of its "
                          "diagonal's entries, as in \"\\\\Sigma'\" = \"\\\\sigma'\"",
                          "diagonal", head)
        out[head] = entries
    return out


def _aliases(front: dict[str, Any], names: dict[str, str], first_layer: Any,
             bad: Bad) -> dict[str, Lin]:
    """`sizes`: names the text gives the widths of layers (D, H, n_x), as linear forms."""
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
    return aliases


def _sizes_have_own_names(roles: dict[str, str | None], quantities: dict, functions: dict,
                          scalars: dict, bad: Bad) -> None:
    declared = {**{q: "quantities" for q in quantities}, **{f: "functions" for f in functions},
                **{c: "scalars" for c in scalars}}
    for role in ("layers", "width", "batch", "sample"):
        value = roles[role]
        if role == "sample" and declared.get(value) == "quantities":
            continue  # C_x, \\sum_x C_x: the sample is named by the input it is
        if value in declared:
            raise bad(f"roles.{role} is `{value}`, which is also declared in "
                      f"{declared[value]}; a size needs a name of its own", "roles", role)
