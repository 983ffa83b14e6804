"""The notation table: what each name of a document is (a quantity and its layers and shape, a
function, a scalar, a size), and the linear forms in which its ranges and sizes are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

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
    # the index slots (from 0: position in `shape`) that start at 0, Bishop's bias index
    # (`from_zero = [2]` in the front matter, slots numbered from 1)
    from_zero: tuple[int, ...] = ()


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
    # the overall cost (UFLDL's J(W,b)): the quantity the loss's name applied without a sample
    # after `;` stands for, beside one sample's cost J(W,b;x,y)
    overall: str | None = None
    quantities: dict[str, QuantitySpec] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)  # name -> arity
    scalars: dict[str, bool] = field(default_factory=dict)  # name -> parameter?
    # the range a text states for a scalar (`0 < \\alpha < 1`): its values are drawn inside
    scalar_ranges: dict[str, tuple[Fraction, Fraction]] = field(default_factory=dict)
    # a size the text names on its own (D, H, K, n_x): the width of a layer, as a linear form
    aliases: dict[str, Lin] = field(default_factory=dict)
    # the number the text gives its input layer: 0 in W^{[1]} x + b^{[1]} (deeplearning.ai),
    # where layers are fixed numbers; inside, layers are numbered from 1 all the same
    first_layer: int = 1
    # vectors written without indices are columns (W a + b) or rows (x W + b)
    vectors: str = "column"
    # a function the text defines as a diagonal matrix: `\\Sigma'(z)` is diag(sigma'(z)), the
    # matrix with sigma'(z_j) on its diagonal (Nielsen): written head -> the entries' function,
    # each with its prime (`"\\Sigma'" = "\\sigma'"`)
    diagonal: dict[str, str] = field(default_factory=dict)
    # functions the text calls non-linear (`a non-linear activation $a = g(z)$`): a claim that
    # holds only if one is the identity is not excused by that reading (derive.standins)
    nonlinear: frozenset[str] = frozenset()
    # a function's scalar that is a parameter of each layer (PReLU's α differentiated at a
    # layer): the one a layer's function applies to that layer's value (derive.infer.per_layer)
    per_layer: frozenset[str] = frozenset()

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
