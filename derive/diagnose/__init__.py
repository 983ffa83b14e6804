"""Explaining a refutation: one edit of the written side that makes it hold, or an assumption.

`Diagnoser` tries named edits in turn (a constant factor or sign, swapped indices, an extra or
missing factor, a wrong index, variable or layer, a sum bound, a term's sign, an extra or a
missing term), each on a spread of points, the witness first. `conditions` lists the side
conditions a claim may hold under (labels summing to one, i = j, i ≠ j).
"""

from derive.diagnose.conditions import Condition, conditions
from derive.diagnose.search import Diagnoser
from derive.diagnose.walk import FACTOR_FUNCTIONS, atoms, bound_indices, each_occurrence, ratio

__all__ = [
    "FACTOR_FUNCTIONS",
    "Condition",
    "Diagnoser",
    "atoms",
    "bound_indices",
    "conditions",
    "each_occurrence",
    "ratio",
]
