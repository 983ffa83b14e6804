"""The document's notation table, read from its front matter.

The table says what each name is: an indexed quantity with a layer tag and neuron indices, a
function, a scalar, or one of the sizes (number of layers, layer widths, batch size). Shapes and
layer ranges are LaTeX (`C_{l+1}`, `1..n-1`) and are parsed with the same notation layer as the
formulas, so a document is free to call its sizes what it likes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from derive.errors import InputError, Span


@dataclass(frozen=True)
class QuantitySpec:
    name: str  # canonical LaTeX name: "w", "\\delta", "\\hat{y}"
    layers: str | None  # "1..n-1", or None for an untagged quantity
    shape: tuple[str, ...]  # LaTeX of each index range, written with the layer variable l
    parameter: bool  # shared by all samples of a minibatch
    given: bool  # an input of the model rather than a defined node
    given_layers: str | None  # layers at which it is an input (e.g. a^{(1)} = x)


@dataclass(frozen=True)
class Notation:
    layers: str = "n"
    width: str = "C"
    batch: str = "m"
    sample: str = "x"
    layer_var: str = "l"
    loss: str | None = None
    rate: str | None = None
    quantities: dict[str, QuantitySpec] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)  # name -> arity
    scalars: dict[str, bool] = field(default_factory=dict)  # name -> parameter?

    def kind(self, name: str) -> str | None:
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


_KNOWN_TOP = {"title", "source", "roles", "quantities", "functions", "scalars"}
_ROLES = {"layers", "width", "batch", "sample", "loss", "rate"}


def notation_from_front(front: dict[str, Any], file: str) -> Notation:
    """Build the notation from front matter; an empty front matter gives an empty notation."""

    def bad(msg: str) -> InputError:
        return InputError(f"front matter: {msg}", Span(file, 1, 1, ""))

    unknown = set(front) - _KNOWN_TOP
    if unknown:
        raise bad(f"unknown key(s) {sorted(unknown)}; expected some of {sorted(_KNOWN_TOP)}")
    sizes = front.get("roles", {})
    if set(sizes) - _ROLES:
        raise bad(f"roles: unknown key(s) {sorted(set(sizes) - _ROLES)}; expected some of "
                  f"{sorted(_ROLES)}")
    quantities: dict[str, QuantitySpec] = {}
    for name, spec in front.get("quantities", {}).items():
        if not isinstance(spec, dict):
            raise bad(f"quantities.{name} must be a table")
        extra = set(spec) - {"layers", "shape", "parameter", "given", "given_layers"}
        if extra:
            raise bad(f"quantities.{name}: unknown key(s) {sorted(extra)}")
        quantities[name] = QuantitySpec(
            name=name,
            layers=spec.get("layers"),
            shape=tuple(spec.get("shape", ())),
            parameter=bool(spec.get("parameter", False)),
            given=bool(spec.get("given", False)),
            given_layers=spec.get("given_layers"),
        )
    functions = {}
    for name, arity in front.get("functions", {}).items():
        if not isinstance(arity, int) or arity < 1:
            raise bad(f"functions.{name} must be its number of arguments (a positive integer)")
        functions[name] = arity
    scalars = {}
    for name, spec in front.get("scalars", {}).items():
        scalars[name] = bool(spec.get("parameter", False)) if isinstance(spec, dict) else False
    return Notation(
        layers=sizes.get("layers", "n"),
        width=sizes.get("width", "C"),
        batch=sizes.get("batch", "m"),
        sample=sizes.get("sample", "x"),
        loss=sizes.get("loss"),
        rate=sizes.get("rate"),
        quantities=quantities,
        functions=functions,
        scalars=scalars,
    )
