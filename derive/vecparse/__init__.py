"""Reading a side written in vector form into a `derive.tensor` tree.

A side is in vector form when it writes a quantity that has indices without them (`w^{l+1}`,
`\\delta^L`), or a vector operator: a transpose (`^T`, `^\\top`, `^{[2]T}`), `\\odot`, `\\circ`,
`\\nabla`, a norm `\\|x\\|`. The grammar is small: sums of products of factors, where a product is
written by juxtaposition, `\\cdot` or `\\times` (the matrix product), or `\\odot`, `\\circ`, `*`
(element-wise). Every part with no vector in it (`\\frac{1}{m}`, `\\eta`, `C`, `\\delta^l_j`) is
read by the ordinary parser, as a scalar.
"""

from __future__ import annotations

from derive.vecparse.entries import entry, reading, spec_dims
from derive.vecparse.form import _WORD_ARGUMENTS, VECTOR_OPS, vector_form
from derive.vecparse.reader import parse_tensor

__all__ = ["VECTOR_OPS", "_WORD_ARGUMENTS", "entry", "parse_tensor", "reading", "spec_dims", "vector_form"]
