"""Vectors and matrices written without indices, and the components they stand for.

A text in vector form writes `\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)`. The
parser reads such a side into a small tree of `Tensor` nodes; this module gives each node its
shape (rows x columns, in the sizes of the notation: `C_{l+1}`, `1`, the batch size) and lowers
it to the component the model checks: entry (j, 1) of that side is
`\\sum_k w^{(l+1)}_{kj} \\delta^{(l+1)}_k g'(z^{(l)}_j)`. A product whose shapes do not fit is not
lowered: it is a finding of its own (`ShapeMismatch`), and `repairs` lists the edits in matrix
terms (a transpose added or dropped, a product's order, `\\odot` for a product, a layer) that
make the shapes fit, for the checker to try.

Nothing here reads LaTeX: the parser (`derive.vecparse`) builds the trees.

The package: `shapes` (shapes and the `Tensor` base), `nodes` (each node's shape and
lowering), `applied` (a function of whole vectors, a number), `lowering` (an equation's sides at
one entry), `jacobian` (derivatives of vectors and the chain rule written with them), `sums` (a
sum over an index of numbers written in vector form), `repairs` (edits that make shapes fit).
"""

from derive.tensor.applied import Applied, VectorValue, whole_argument
from derive.tensor.jacobian import Chain, Identity, Jacobian, Reading, chains, fit, lower_three
from derive.tensor.lowering import Fresh, Lowered, ShapeMismatch, lower_sides
from derive.tensor.nodes import (
    BatchTotal,
    Diag,
    Elementary,
    Entry,
    Grad,
    Hadamard,
    Leaf,
    Map,
    MatMul,
    Norm2,
    Plus,
    Quotient,
    Scalar,
    Transpose,
    is_vector,
)
from derive.tensor.repairs import repairs
from derive.tensor.shapes import ONE, SAMPLE, Shape, ShapeError, Tensor, same, walk
from derive.tensor.sums import IndexSum
from derive.tensor.trace import Eye, Trace, sized, still_reading, unsized

__all__ = [
    "ONE",
    "SAMPLE",
    "Applied",
    "VectorValue",
    "BatchTotal",
    "Chain",
    "Diag",
    "Elementary",
    "Entry",
    "Eye",
    "Fresh",
    "Grad",
    "Hadamard",
    "Identity",
    "IndexSum",
    "Jacobian",
    "Leaf",
    "Lowered",
    "Map",
    "MatMul",
    "Norm2",
    "Plus",
    "Quotient",
    "Reading",
    "Scalar",
    "Shape",
    "ShapeError",
    "ShapeMismatch",
    "Tensor",
    "Trace",
    "Transpose",
    "chains",
    "fit",
    "is_vector",
    "lower_sides",
    "lower_three",
    "repairs",
    "same",
    "sized",
    "still_reading",
    "unsized",
    "walk",
    "whole_argument",
]
