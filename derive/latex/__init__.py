"""LaTeX to SymPy, through the document's notation.

Two passes, so that no whole line and no `=` ever reaches the arithmetic parser:

1. *Structure* (`rows`): a formula is tokenised (`tokens`), unwrapped from `split`, cut into rows
   at `\\\\`, and each row into sides at `=`, `\\leftarrow` and `\\in` (with `&` alignment marks
   dropped).
2. *Notation* (`expression`): in each side, every construct of the notation (layer-tagged indexed
   quantities, `g(...)`, `g^{\\prime}(...)`, derivative fractions, sums and their bounds, `\\sum_x`,
   `\\sum_{j \\ne i}`, `cases`, `\\mathrm{softmax}(\\mathbf{a}, j)`) is replaced by a placeholder
   whose SymPy value is built here. What remains is plain arithmetic (`+ - \\times \\frac ( ) ^ e
   \\ln`, numbers, placeholders) and goes to `latex2sympy2_extended` (`arithmetic`), which must
   consume all of it.

`arithmetic` is the only module that imports `latex2sympy2_extended`. Formula text is never
evaluated: names become SymPy objects only after they were found in the notation table.

This package's modules: `tokens` (the lexer), `scope` (symbols, results, the scope), `limits`
(size bounds), `groups` (brackets, environments, names and scripts), `rows` (the structure pass),
`expression` (the notation pass and its table of recognisers), `names`, `indices`, `calculus`,
`conditions` and `function_notation` (the recognisers), `arithmetic` (the hand-off).
"""

from __future__ import annotations

from derive.latex.argmax import arg_word
from derive.latex.batch import batch_of
from derive.latex.calculus import _derivative_kind
from derive.latex.expression import parse_expression
from derive.latex.groups import (
    _depth_split,
    _group,
    _match,
    _read_name,
    _scripts,
    _strip_group,
    of_parameters,
    starts_name,
)
from derive.latex.indices import (
    _check_layer,
    _index_expr,
    _is_sample_tag,
    _layer_tokens,
    layer_number,
    unit_layer,
    without_sample,
)
from derive.latex.lim import LIMIT_NOT_READ
from derive.latex.limits import (
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_FORMULA_CHARS,
    MAX_INDEX,
    MAX_NESTING,
    MAX_TOWER,
    _check_sizes,
)
from derive.latex.names import (
    _skip_arguments,
    layer_of_function,
    primed_layer_of_function,
)
from derive.latex.rows import parse_formula, split_at_gaps, strip_qualifiers
from derive.latex.scope import (
    ELLIPSES,
    ELLIPSIS_NOT_READ,
    Equation,
    Index,
    RowError,
    Scalar,
    Scope,
    Side,
    Size,
    _err,
)
from derive.latex.tokens import (
    _BOLD,
    _DELIM_SIZES,
    _FONTS,
    _GREEK,
    _VECTOR_FONTS,
    VECTOR_FUNCTIONS,
    Tok,
    ordinary_derivative,
    remarks_of,
    tokenize,
)

__all__ = [
    "ELLIPSES", "ELLIPSIS_NOT_READ", "LIMIT_NOT_READ", "arg_word", "MAX_DIGITS", "MAX_EXPONENT",
    "MAX_FORMULA_CHARS", "MAX_INDEX", "MAX_NESTING", "MAX_TOWER", "ordinary_derivative",
    "_BOLD", "_DELIM_SIZES", "_FONTS", "_GREEK", "_VECTOR_FONTS",
    "Equation", "Index", "RowError", "Scalar", "Scope", "Side", "Size", "Tok",
    "_check_layer", "_check_sizes", "_depth_split", "_derivative_kind", "_err", "_group",
    "_index_expr", "_is_sample_tag", "_layer_tokens", "_match", "_read_name", "_scripts",
    "_skip_arguments", "_strip_group", "batch_of",
    "layer_number", "unit_layer", "layer_of_function", "primed_layer_of_function", "of_parameters", "parse_expression", "parse_formula", "split_at_gaps", "starts_name",
    "strip_qualifiers", "remarks_of", "tokenize", "without_sample", "VECTOR_FUNCTIONS",
]
