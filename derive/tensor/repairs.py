"""Repairs: the one-edit variants, in matrix terms, a checker tries on a side in vector form that
is wrong (a transpose added or dropped, a product's order, `\\odot` for a product, a layer, an
entry `\\delta^n_j` written where the whole vector is meant)."""

from __future__ import annotations

from collections.abc import Iterator

from derive.results import Finding
from derive.results import FindingKind as K
from derive.tensor.literal import Literal
from derive.tensor.nodes import Hadamard, Leaf, MatMul, Plus, Scalar, Transpose
from derive.tensor.shapes import ShapeError, Tensor, _scales


def repairs(t: Tensor, shift_layer, whole=None) -> Iterator[tuple[Finding, Tensor]]:  # type: ignore[no-untyped-def]
    """One-edit variants of `t`, each with what the edit says about the text: a transpose
    added or dropped, a product's factors swapped, `\\odot` for a product or the reverse, a
    quantity's layer one off, an entry for its whole vector. `shift_layer(leaf, delta)` gives a
    leaf in another layer, or None; `whole(q)` the leaf of the entry q's whole quantity, or
    None. Variants whose shapes do not fit are left out."""
    for path, node in _nodes(t):
        for what, new in _edits(node, shift_layer, whole):
            cand = _replace_at(t, path, new)
            try:
                cand.shape()
            except ShapeError:
                continue
            yield what, cand


Edits = Iterator[tuple[Finding, Tensor]]


def _edits(node: Tensor, shift_layer, whole) -> Edits:  # type: ignore[no-untyped-def]
    """A node's edits: its transpose dropped or one added, then those of its type (`EDITS`)."""
    if isinstance(node, Scalar) and whole is not None:  # `(z)^T \\delta_j`: the entry's index
        leaf = whole(node.expr)  # left over where the vector \\delta is meant
        if leaf is not None:
            yield Finding(K.WRONG_INDEX, (node.tex, leaf.tex)), leaf
    if isinstance(node, Transpose):
        yield Finding(K.NEEDLESS_TRANSPOSE, (node.x.tex,)), node.x
    elif not isinstance(node, (Scalar, Plus)) and not _scales_safe(node):
        yield Finding(K.MISSING_TRANSPOSE, (node.tex,)), Transpose(node, f"({node.tex})^T")
    edits = EDITS.get(type(node))
    if edits is not None:
        yield from edits(node, shift_layer)


def _matmul_edits(node: MatMul, shift_layer) -> Edits:  # type: ignore[no-untyped-def]
    yield Finding(K.PRODUCT_ORDER, (node.b.tex, node.a.tex)), MatMul(node.b, node.a, node.tex)
    # `δ W` for `W^T δ`: the product of a row-vector convention in a text of columns
    if isinstance(node.b, Leaf) and len(node.b.dims) == 2:
        bt = Transpose(node.b, f"({node.b.tex})^T")
        yield (Finding(K.PRODUCT_ORDER, (bt.tex, node.a.tex), (("transposed", node.b.tex),)),
               MatMul(bt, node.a, node.tex))
    yield Finding(K.MATMUL_FOR_HADAMARD, (node.tex,)), Hadamard(node.a, node.b, node.tex)


def _hadamard_edits(node: Hadamard, shift_layer) -> Edits:  # type: ignore[no-untyped-def]
    yield Finding(K.HADAMARD_FOR_MATMUL, (node.tex,)), MatMul(node.a, node.b, node.tex)
    yield (Finding(K.HADAMARD_FOR_MATMUL, (node.tex,), (("order", "reversed"),)),
           MatMul(node.b, node.a, node.tex))


def _layer_edits(node: Leaf, shift_layer) -> Edits:  # type: ignore[no-untyped-def]
    if node.layer is not None:
        for delta in (-1, 1):
            new = shift_layer(node, delta)
            if new is not None:
                yield Finding(K.WRONG_LAYER, (node.tex, new.tex)), new
    for written, new in getattr(shift_layer, "others", lambda _leaf: ())(node):  # h for x
        yield Finding(K.WRONG_QUANTITY, (written, new.tex)), new


def _literal_edits(node: Literal, shift_layer) -> Edits:  # type: ignore[no-untyped-def]
    """A vector written by its entries with two of them in each other's place."""
    for a, b, new in node.swapped():
        yield Finding(K.ENTRIES_SWAPPED, (a, b)), new


# The edits of each node type beyond a transpose (the node classes are final dataclasses, so
# the exact type is looked up): one place to add a node type's repairs.
EDITS = {
    MatMul: _matmul_edits,
    Hadamard: _hadamard_edits,
    Leaf: _layer_edits,
    Literal: _literal_edits,
}


def _scales_safe(node: Tensor) -> bool:
    try:
        return _scales(node.shape())
    except ShapeError:
        return False


def _nodes(t: Tensor, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Tensor]]:
    yield path, t
    for k, c in enumerate(t.children()):
        yield from _nodes(c, path + (k,))


def _replace_at(t: Tensor, path: tuple[int, ...], new: Tensor) -> Tensor:
    if not path:
        return new
    kids = list(t.children())
    kids[path[0]] = _replace_at(kids[path[0]], path[1:], new)
    return t.rebuild(tuple(kids))
