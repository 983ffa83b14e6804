"""The document's notation table, read from its front matter.

The table says what each name is: an indexed quantity with a layer tag and neuron indices, a
function, a scalar, or one of the sizes (number of layers, layer widths, batch size). Shapes and
layer ranges are written in the document's own names for its sizes (`C_{l+1}`, `1..n-1`, or
`N_{l+1}`, `1..L-1`): each is parsed here into a linear form in the number of layers and the
layer variable, and checked for sense (a range runs within 1..n and not backwards, a width is
the width of a layer that exists), so that nonsense is an error at its own line of the front
matter rather than a verdict.

The package: `table` (the `Notation` and its entries), `forms` (the grammar of ranges and
shapes), `front` (the notation from front matter).
"""

from derive.notation.forms import parse_dim, parse_range
from derive.notation.front import notation_from_front
from derive.notation.table import TAG_STYLES, Dim, Lin, Notation, QuantitySpec, lin_value

__all__ = [
    "TAG_STYLES",
    "Dim",
    "Lin",
    "Notation",
    "QuantitySpec",
    "lin_value",
    "notation_from_front",
    "parse_dim",
    "parse_range",
]
