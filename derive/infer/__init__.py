"""The document's notation, inferred from its formulas when its front matter does not give it
(see derive.infer.core for what is inferred and how)."""

from derive.infer.core import Inferred, infer
from derive.infer.text import merge

__all__ = ["Inferred", "infer", "merge"]
