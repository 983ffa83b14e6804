"""LaTeX to MathML that Chromium, Firefox and Safari render natively, with no network.

latex2mathml builds an element tree but serialises it unescaped (a `\\text{<b>}` would come
out as markup); here the tree is serialised by ElementTree, which escapes every text node.

A report must stay inert whatever the document holds, so the conversion is fenced twice:

* before it, a formula using a command of `texts.UNSAFE_COMMANDS` (`\\href`, `\\style`,
  `\\class`, `\\url`, ...) or holding a control character is refused: `MathError`,
  and the caller shows the source (through `derive.text.visible`);
* after it, the tree is walked against an allowlist (`ELEMENTS`, `ATTRIBUTES`): an element
  that is not presentation MathML refuses the formula, an attribute that is not allowed on its
  element, or whose value is not one the attribute takes, is dropped. No `href`, `style`,
  `class`, `id`, event handler, `xlink:*`, `data-*` or `src` can reach the page, lengths are
  bounded (no page-covering box), and every text and attribute value goes through
  `derive.text.visible`.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from xml.etree.ElementTree import Element, tostring

from derive.report.mathcache import cached_mathml
from derive.report.texts import has_invisible, normalise_display, unsafe_commands
from derive.text import visible


class MathError(ValueError):
    """latex2mathml could not convert a formula, or it may not be rendered."""


# Presentation MathML (MathML Core and `menclose`), without `semantics`/`annotation-xml`
# (which can hold HTML) and without `maction` (interaction).
ELEMENTS = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot",
        "mstyle", "merror", "mpadded", "mphantom", "msub", "msup", "msubsup", "munder",
        "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd",
        "menclose",
    }
)  # fmt: skip

_BOOLEAN = frozenset({"true", "false"})
_MATHVARIANTS = frozenset(
    {
        "normal", "bold", "italic", "bold-italic", "double-struck", "bold-fraktur", "script",
        "bold-script", "fraktur", "sans-serif", "bold-sans-serif", "sans-serif-italic",
        "sans-serif-bold-italic", "monospace", "initial", "tailed", "looped", "stretched",
    }
)  # fmt: skip
_NAMED_SPACES = frozenset(
    f"{neg}{size}mathspace"
    for neg in ("", "negative")
    for size in ("veryverythin", "verythin", "thin", "medium", "thick", "verythick",
                 "veryverythick")
)  # fmt: skip
_NOTATIONS = frozenset(
    {
        "longdiv", "actuarial", "radical", "box", "roundedbox", "circle", "left", "right",
        "top", "bottom", "updiagonalstrike", "downdiagonalstrike", "verticalstrike",
        "horizontalstrike", "madruwb", "updiagonalarrow", "phasorangle",
    }
)  # fmt: skip

# A length, with at most `_MAX_EM` em of extent, so a formula cannot draw over the page.
_LENGTH = re.compile(
    r"[+-]?(?P<num>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>em|ex|px|pt|pc|mm|cm|in|mu|%|width|height|depth)?"
)
_MAX_EM = 20.0
_EM_PER_UNIT = {
    None: 1.0, "em": 1.0, "ex": 0.5, "px": 1 / 16, "pt": 1 / 10, "pc": 1.2, "mm": 1 / 4.2,
    "cm": 1 / 0.42, "in": 6.0, "mu": 1 / 18, "%": 0.01, "width": 1.0, "height": 1.0,
    "depth": 1.0,
}  # fmt: skip
_COLOUR = re.compile(r"[A-Za-z]{1,20}|#[0-9A-Fa-f]{3,8}")


def _length(value: str) -> bool:
    m = _LENGTH.fullmatch(value.strip())
    if m is None:
        return value.strip() in _NAMED_SPACES
    return float(m.group("num")) * _EM_PER_UNIT[m.group("unit")] <= _MAX_EM


def _one_of(allowed: frozenset[str]) -> Callable[[str], bool]:
    return lambda value: value in allowed


def _list_of(check: Callable[[str], bool], limit: int = 200) -> Callable[[str], bool]:
    return lambda value: len(value.split()) <= limit and all(map(check, value.split()))


def _integer(low: int, high: int) -> Callable[[str], bool]:
    return lambda value: re.fullmatch(r"[+-]?\d{1,3}", value) is not None and low <= int(
        value
    ) <= high


_boolean = _one_of(_BOOLEAN)
_lengths = _list_of(_length)
_align = _list_of(_one_of(frozenset({"left", "center", "right"})))
_row_align = _list_of(_one_of(frozenset({"top", "bottom", "center", "baseline", "axis"})))
_lines = _list_of(_one_of(frozenset({"none", "solid", "dashed"})))
_colour = _COLOUR.fullmatch

# Attributes any element may carry, then those of particular elements; each with the check of
# its value. Nothing else survives.
_COMMON: dict[str, Callable[[str], object]] = {
    "mathvariant": _one_of(_MATHVARIANTS),
    "displaystyle": _boolean,
    "scriptlevel": _integer(-3, 3),
    "mathcolor": _colour,
    "mathbackground": _colour,
    "mathsize": _length,
    "dir": _one_of(frozenset({"ltr", "rtl"})),
}
ATTRIBUTES: dict[str, dict[str, Callable[[str], object]]] = {
    "math": {
        "display": _one_of(frozenset({"block", "inline"})),
        "alttext": lambda value: True,  # escaped by the serialiser, shown only as text
    },
    "mo": {
        **{k: _boolean for k in ("fence", "separator", "stretchy", "symmetric", "largeop",
                                 "movablelimits", "accent")},
        "form": _one_of(frozenset({"prefix", "infix", "postfix"})),
        **{k: _length for k in ("lspace", "rspace", "minsize", "maxsize")},
    },
    "mover": {"accent": _boolean},
    "munder": {"accentunder": _boolean},
    "munderover": {"accent": _boolean, "accentunder": _boolean},
    "mfrac": {
        "linethickness": lambda v: _length(v) or v in ("thin", "medium", "thick"),
        "numalign": _align,
        "denomalign": _align,
    },
    "mtable": {
        "columnalign": _align,
        "rowalign": _row_align,
        "columnspacing": _lengths,
        "rowspacing": _lengths,
        "columnlines": _lines,
        "rowlines": _lines,
        "frame": _one_of(frozenset({"none", "solid", "dashed"})),
        "framespacing": _lengths,
        "equalrows": _boolean,
        "equalcolumns": _boolean,
    },
    "mtr": {"columnalign": _align, "rowalign": _row_align},
    "mtd": {
        "columnalign": _align,
        "rowalign": _row_align,
        "columnspan": _integer(1, 100),
        "rowspan": _integer(1, 100),
    },
    "mspace": {
        "width": _length,
        "height": _length,
        "depth": _length,
        "linebreak": _one_of(frozenset({"auto", "newline", "nobreak", "goodbreak", "badbreak"})),
    },
    "mpadded": {k: _length for k in ("width", "height", "depth", "lspace", "voffset")},
    "menclose": {"notation": _list_of(_one_of(_NOTATIONS), limit=len(_NOTATIONS))},
}


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


def sanitise(element: Element) -> None:
    """Make a MathML tree inert, in place: see the module docstring. Raises MathError on an
    element outside `ELEMENTS`."""
    if not isinstance(element.tag, str) or element.tag not in ELEMENTS:
        raise MathError(f"<{element.tag}> is not presentation MathML")
    allowed = ATTRIBUTES.get(element.tag, {})
    for key, value in list(element.attrib.items()):
        check = allowed.get(key) or _COMMON.get(key)
        if check is None or not check(value):
            del element.attrib[key]
        else:
            element.attrib[key] = visible(value)
    if element.text:
        element.text = visible(element.text)
    if element.tail:
        element.tail = visible(element.tail)
    for child in element:
        sanitise(child)


@functools.lru_cache(maxsize=4096)  # a report shows a formula in several places
def to_mathml(tex: str, *, display: bool) -> str:
    """MathML for one formula; raises MathError when it cannot or may not be converted."""
    unsafe = unsafe_commands(tex)
    if unsafe:
        raise MathError(f"not rendered: {', '.join(unsafe)} could carry markup into the page")
    if has_invisible(tex):
        raise MathError("not rendered: the formula holds control characters")
    return cached_mathml(tex, display, lambda: _converted(tex, display))


def _converted(tex: str, display: bool) -> str:
    from latex2mathml.converter import convert_to_element  # 0.1 s: only when not cached

    source = normalise_display(tex, "split") if display else " ".join(tex.split())
    try:
        element = convert_to_element(source, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many kinds; all mean "cannot convert"
        raise MathError(f"cannot convert {tex!r}: {exc}") from exc
    _unescape_tree(element)
    element.attrib.pop("xmlns", None)  # implied by the HTML parser; keeps the page smaller
    sanitise(element)
    element.set("alttext", visible(" ".join(tex.split())))
    return tostring(element, encoding="unicode", short_empty_elements=False)
