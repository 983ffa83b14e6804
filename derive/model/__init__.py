"""The document's model: its definitions, grounded in concrete symbolic networks.

`Model` holds what the document defined up to some point (quantities such as z, a, δ, ℒ, ŷ;
functions such as g and softmax; assumptions such as y_j ∈ {0, 1}), plus the local givens of a
chain-rule formula. `Evaluator` grounds any parsed expression in one `Instance` (a network
shape) at one random point: every quantity is expanded through the document's own definitions,
and every derivative the expression writes is computed by `sympy.diff` of that expansion.
Nothing here knows a backpropagation formula: change the definitions and the derivatives change.

Partial derivatives follow the usual convention for computational graphs: ∂X/∂Y expands X
through every defined quantity, replaces the node Y by a fresh symbol, and differentiates; the
quantities listed as `coordinates` of a local model are held fixed instead of expanded (the
chapter's own convention for ∂u/∂x in u = f(x, y(x), z(x))). A total derivative dX/dY expands
everything.

The package: `data` (instances, definitions, the `Model`), `algebra` (the algebras a node is
computed in, and the per-instance `Structure`), and the parts of the `Evaluator` (`evaluator`):
`geometry`, `lookup`, `points`, `interpret`, `derivatives` and `templates`; `dispatch` finds a node type's
handler in the tables of `interpret` (what a node means) and `lookup` (what it reads).
"""

from derive.model.algebra import Structure
from derive.model.data import (
    INSTANCES,
    LOCAL_INSTANCE,
    Assumption,
    Def,
    Instance,
    Key,
    Model,
    OutOfRange,
    key_latex,
    label_name,
    product,
    with_sizes,
)
from derive.model.evaluator import Evaluator
from derive.model.points import random_function

__all__ = [
    "INSTANCES",
    "LOCAL_INSTANCE",
    "Assumption",
    "Def",
    "Evaluator",
    "Instance",
    "Key",
    "Model",
    "OutOfRange",
    "Structure",
    "key_latex",
    "label_name",
    "product",
    "random_function",
    "with_sizes",
]
