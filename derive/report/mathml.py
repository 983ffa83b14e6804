"""LaTeX to MathML that Chromium, Firefox and Safari render natively, with no network.

latex2mathml builds an element tree but serialises it unescaped (a `\\text{<b>}` would come
out as markup); here the tree is serialised by ElementTree, which escapes every text node.
"""

from __future__ import annotations

import html
from xml.etree.ElementTree import Element, tostring

from latex2mathml.converter import convert_to_element

from derive.report.layout import normalise_display


class MathError(ValueError):
    """latex2mathml could not convert a formula."""


def _unescape_tree(element: Element) -> None:
    # latex2mathml stores characters as entity strings ("&#x0003D;") and relies on a final
    # unescape of the whole document; undo them node by node instead.
    if element.text:
        element.text = html.unescape(element.text)
    if element.tail:
        element.tail = html.unescape(element.tail)
    for key, value in element.attrib.items():
        element.attrib[key] = html.unescape(value)
    for child in element:
        _unescape_tree(child)


def to_mathml(tex: str, *, display: bool) -> str:
    """MathML for one formula; raises MathError when it cannot be converted."""
    source = normalise_display(tex, "split") if display else " ".join(tex.split())
    try:
        element = convert_to_element(source, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many kinds; all mean "cannot convert"
        raise MathError(f"cannot convert {tex!r}: {exc}") from exc
    _unescape_tree(element)
    element.attrib.pop("xmlns", None)  # implied by the HTML parser; keeps the page smaller
    element.set("alttext", " ".join(tex.split()))
    return tostring(element, encoding="unicode", short_empty_elements=False)
