"""What a model is: network instances, definitions, assumptions, the `Model` that holds them,
and the grounded node (`Key`) every other part of the model names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sympy

from derive.expr import layer_tag_latex
from derive.notation import Notation, QuantitySpec

Key = tuple  # (name, layer or None, indices, sample or None)



class OutOfRange(Exception):
    """A quantity was asked for outside its layers or its neuron range."""

    def __init__(self, what: str, layer: bool = False):
        super().__init__(what)
        self.what = what
        self.layer = layer  # a layer past the quantity's layers (not an index past its range)


@dataclass(frozen=True)
class Instance:
    layers: int
    widths: tuple[int, ...]  # C_1 .. C_n
    batch: int = 2

    @property
    def label(self) -> str:
        return self.label_in("n", "C", "m")

    def label_in(self, layers: str, width: str, batch: str) -> str:
        """The shape in a document's own names for its sizes, e.g. n=3, C=(3, 2, 4), m=2."""
        widths = ", ".join(map(str, self.widths))
        return f"{layers}={self.layers}, {width}=({widths}), {batch}={self.batch}"


# Depths 3 and 4, widths 2 to 4, neighbouring widths different: a formula that confuses C_l
# with C_{l+1}, or i with j, cannot hide behind a square layer.
INSTANCES = (
    Instance(3, (3, 2, 4)),
    Instance(4, (2, 4, 3, 2), 3),  # another batch size: a missing 1/m is not a factor 2
    Instance(4, (4, 3, 2, 3)),
)
LOCAL_INSTANCE = Instance(1, (1,), 1)


@dataclass(frozen=True)
class Def:
    """One definition: `lhs = rhs`, with the place it came from."""

    lhs: sympy.Basic  # Quantity pattern, Scalar, or Call(f, params...)
    rhs: sympy.Basic
    line: int
    latex: str


@dataclass(frozen=True)
class Assumption:
    name: str  # quantity name
    domain: sympy.Basic  # FiniteSet
    line: int
    latex: str


@dataclass(frozen=True)
class Model:
    notation: Notation
    defs: tuple[Def, ...] = ()  # oldest first; later ones win
    assumptions: tuple[Assumption, ...] = ()
    local: bool = False
    coordinates: frozenset[str] = frozenset()
    functions: tuple[tuple[str, int], ...] = ()  # local generic functions (name, arity)
    label_rule: str | None = None  # an extra assumption being tried, e.g. "onehot"
    # the factor on the stand-in of a loss the text never defines: a claim whose two sides do
    # not scale with it needs the loss's particular form (evaluate.Engine)
    loss_scale: int = 1
    # the depth a text states for its worked example (derive.infer.example): a claim written
    # only at fixed layers is about that example, checked in networks of that depth
    depth: int | None = None
    # the widths of that example's layers, read from its written-out rows (derive.check.
    # example): its claims at fixed layers are checked in the one network of those widths
    widths: tuple[int, ...] | None = None
    # the widths a claim's section fixes in prose (`K = 2`: derive.infer.fixed_sizes): each
    # (the width's layer as a linear form, its size), its networks given those widths
    fixed_sizes: tuple[tuple[tuple[int, int, int], int], ...] = ()
    name: str = "the document's model"
    # distributions written as functions of their outcome (derive.infer.distributions): their
    # entries drawn positive, and summing to one where the text says they are distributions
    distributions: frozenset[str] = frozenset()
    normalized: bool = False

    def spec(self, name: str) -> QuantitySpec | None:
        """The notation's entry for a quantity; a local model has its own plain variables."""
        return None if self.local else self.notation.quantities.get(name)

    def with_defs(self, *defs: Def) -> Model:
        return _replace(self, defs=self.defs + defs)

    def with_assumption(self, a: Assumption) -> Model:
        return _replace(self, assumptions=self.assumptions + (a,))


def _replace(model: Model, **kw: Any) -> Model:
    from dataclasses import replace

    return replace(model, **kw)


def with_sizes(instances: tuple[Instance, ...],
               fixed: tuple[tuple[tuple[int, int, int], int], ...]) -> tuple[Instance, ...]:
    """The networks with the widths a section fixes (`K = 2`, K the last layer's width) set
    to those sizes, each instance's other widths as they are."""
    out = []
    for i in instances:
        widths = list(i.widths)
        for (c, a, _b), value in fixed:
            layer = c + a * i.layers
            if 1 <= layer <= len(widths):
                widths[layer - 1] = value
        out.append(Instance(i.layers, tuple(widths), i.batch))
    return tuple(dict.fromkeys(out))


def label_name(model: Model) -> str | None:
    """The labels: the quantity an assumption constrains, else the given per-sample quantity
    without layers (y in the chapter)."""
    if model.distributions:  # a model of distributions has no labels
        return None
    for a in model.assumptions:
        return a.name
    if model.notation.labels in model.notation.quantities:
        return model.notation.labels
    candidates = [name for name, spec in model.notation.quantities.items()
                  if spec.given and not spec.parameter and not spec.layers
                  and len(spec.shape) == 1]
    if not candidates:
        return None
    # the input a layer is set to (`h^{(0)} = x`) is no label, even where the text has none
    inputs = {getattr(d.rhs, "name", None) for d in model.defs
              if getattr(d.lhs, "layer", None) is not None}
    return next((name for name in candidates if name not in inputs), None)


def product(k: int, top: int, start: int = 1) -> Iterator[tuple[int, ...]]:
    """Every k-tuple of values start..top, in order."""
    if k == 0:
        yield ()
        return
    for first in range(start, top + 1):
        for rest in product(k - 1, top, start):
            yield (first,) + rest


def key_latex(key: Key) -> str:
    """A grounded quantity in LaTeX, e.g. w^{(2)}_{1,3}."""
    name, layer, indices, _ = key
    s = name
    if layer is not None:
        s += layer_tag_latex(name, str(layer))
    if indices:
        s += "_{" + ",".join(map(str, indices)) + "}"
    return s
