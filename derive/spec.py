"""The document's network definitions at the index level, for code generation.

`NetworkSpec` is what the model layer hands to the numeric trainer: the document's own
definitions (the forward pass, the activation g, the losses), written with layer-generic
`IndexedBase` objects. The trainer derives everything it runs from these by differentiation.

Index conventions (fixed, so generated code can rely on them):

    W[i, j]   weight from neuron j of a layer to neuron i of the next
    B[i]      bias of neuron i of the next layer
    A[j]      activation of neuron j of a layer (for a loss: of the output layer)
    Z[i]      pre-activation of neuron i of the next layer (for a loss: of the output layer)
    Y[j]      label j
    K         width of the layer the sum runs over;  N  width of the output layer
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

I, J, Kd = sympy.symbols("i j k", integer=True, positive=True)
K = sympy.Symbol("K", integer=True, positive=True)
N = sympy.Symbol("N", integer=True, positive=True)
W = sympy.IndexedBase("W")
B = sympy.IndexedBase("B")
A = sympy.IndexedBase("A")
Z = sympy.IndexedBase("Z")
Y = sympy.IndexedBase("Y")
T = sympy.Symbol("t", real=True)


@dataclass(frozen=True)
class NetworkSpec:
    activation: sympy.Lambda  # g, from the document's `g(t) = ...`
    preactivation: sympy.Expr  # Z[i] in terms of B[i], W[i, j], A[j], summed over j = 1..K
    losses: tuple[tuple[str, sympy.Expr], ...]  # (name, loss of one sample in Y[j] and A[j])

    def loss(self, name: str) -> sympy.Expr:
        for key, value in self.losses:
            if key == name:
                return value
        raise KeyError(name)


def load_spec(path: object = None) -> NetworkSpec:
    """PROVISIONAL: the spec typed in by hand while the parser is being written.

    This will be replaced by a version that parses `formulas/backprop.md` through the
    notation layer and returns the document's own definitions; its signature stays.
    """
    g = sympy.Lambda(T, 1 / (1 + sympy.exp(-T)))
    pre = B[I] + sympy.Sum(W[I, Kd] * A[Kd], (Kd, 1, K))
    mse = sympy.Rational(1, 2) * sympy.Sum((Y[J] - A[J]) ** 2, (J, 1, N))
    softmax = sympy.exp(A[J]) / sympy.Sum(sympy.exp(A[Kd]), (Kd, 1, N))
    ce = -sympy.Sum(Y[J] * sympy.log(softmax), (J, 1, N))
    return NetworkSpec(activation=g, preactivation=pre, losses=(("mse", mse), ("ce", ce)))
