"""Layer tags: which superscript of a use reads as a layer tag (`^{(l)}`, `^{[l]}`, `^{l}`),
its style, and its linear form (`l+1` -> ("l", 1)); a sample's superscript (`y^{(i)}`) is none."""

from __future__ import annotations

from collections.abc import Collection

from derive.infer.scan import Occ, _strip
from derive.latex import Tok, without_sample


def _tag(o: Occ, symbols: set[str]) -> tuple[str, list[Tok]] | None:
    """The style and inside of a superscript that reads as a layer tag."""
    if o.sup is None:
        return None
    g = without_sample(_strip(o.sup))
    for style, (opener, closer) in (("paren", "()"), ("bracket", "[]")):
        if len(g) >= 3 and g[0].text == opener and g[-1].text == closer:
            form = _tag_form(g[1:-1])
            if form is None or (form[0] is not None and form[0] not in symbols):
                return None  # x^{(i)}: a sample's index, not a layer
            return style, g[1:-1]
    if g and all(t.kind in ("letter", "num") or t.text in "+-_{}" for t in g):
        letters = {t.text for t in g if t.kind == "letter"}
        if letters and letters <= symbols:
            return "sup", g
    return None


def entry_power(symbol: str | None, names: Collection[str], layers: Collection[str]) -> bool:
    """`y_k` in `\\hat{y}_k^{y_k}`: a superscript that is an entry of a name the text uses, by
    an index that is not a letter the text writes layers with, is a power (`n_l`, with `l`
    the layer variable, is a layer's number)."""
    base, _, sub = (symbol or "").partition("_")
    return len(sub) == 1 and base in names and sub not in layers


def _sample_sup(o: Occ) -> bool:
    """`y^{(i)}`: a superscript that is one letter in brackets."""
    g = _strip(o.sup) if o.sup else []
    return len(g) == 3 and g[0].text == "(" and g[2].text == ")" and g[1].kind == "letter"


def _tag_form(inner: list[Tok]) -> tuple[str | None, int] | None:
    """`l+1` -> ("l", 1), `n` -> ("n", 0), `2` -> (None, 2), `n_l` -> ("n_l", 0)."""
    inner = [t for t in _strip(inner) if t.text not in ("{", "}")]
    symbol = None
    offset = 0
    sign = 1
    k = 0
    while k < len(inner):
        t = inner[k]
        if t.text in ("+", "-"):
            sign = 1 if t.text == "+" else -1
        elif t.kind == "num" and t.text.isdigit():
            offset += sign * int(t.text)
        elif t.kind == "letter" and symbol is None:
            symbol = t.text
            if k + 2 < len(inner) and inner[k + 1].text == "_" and inner[k + 2].kind == "letter":
                symbol = f"{t.text}_{inner[k + 2].text}"
                k += 2
            if sign < 0:
                return None
        else:
            return None
        k += 1
    return symbol, offset
