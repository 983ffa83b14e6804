"""A quantity the text tags by layer written once without its tag inside a formula (`b_k` in
`\\sum_p w^{l+1}_{kp} g(z^l_p) + b_k`, `a_j` for the `a^{l-1}_j` of the line before): read at
the one layer, of l-1, l and l+1, whose size is the range its index letters have in the
formula's other uses (`k` the row of `w^{l+1}` and the entry of `z^{l+1}`: n_{l+1}, so
`b^{l+1}_k`). When the uses do not agree, or more than one layer fits (two layers of one size
in the notation), the name is left untagged and the formula keeps its error.

The reading is given to the parser as `Formula.letter_tags` (the tag per name and index
letters, for this formula only) and told in a "read as" fact."""

from __future__ import annotations

import dataclasses
import re

from derive.document import Document, Formula
from derive.latex import Tok, tokenize

_OFFSET = re.compile(r"^\{?\(?\[?l(?:([+-])(\d+))?\)?\]?\}?$")


def untagged_readings(doc: Document, front: dict, layer: str | None
                      ) -> tuple[Document, list[str]]:
    """The document with each formula's untagged uses of tagged quantities read at the one
    layer their index ranges fit, and the facts that say so."""
    quantities = front.get("quantities", {})
    width = front.get("roles", {}).get("width", "n")
    if layer != "l":
        return doc, []
    shapes = {q: [_size(s, width) for s in spec.get("shape", [])]
              for q, spec in quantities.items() if spec.get("layers") and spec.get("shape")}
    if not shapes:
        return doc, []
    facts: list[str] = []
    formulas = []
    for f in doc.formulas:
        tags, said = _formula_tags(f, quantities, shapes)
        if tags:
            f = dataclasses.replace(f, letter_tags=(*f.letter_tags, *tags))
            facts += said
        formulas.append(f)
    if not facts:
        return doc, []
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts


def _size(text: str, width: str) -> int | None:
    """`n_{l-1}` -> -1: a size as the offset of the layer whose width it is, or None."""
    m = re.fullmatch(re.escape(width) + r"_(\{l(?:([+-])(\d+))?\}|l)", text.replace(" ", ""))
    if m is None:
        return None
    return int(m.group(3)) * (1 if m.group(2) == "+" else -1) if m.group(2) else 0


def _formula_tags(f: Formula, quantities: dict, shapes: dict
                  ) -> tuple[list[tuple[str, str, str]], list[str]]:
    try:
        toks = tokenize(f.text, f)
    except Exception:  # noqa: BLE001 - a formula the lexer rejects keeps its own error
        return [], []
    uses = list(_uses(toks))
    ranges = _letter_ranges(uses, shapes)
    for letter, off in _sum_bounds(toks):
        ranges.setdefault(letter, set()).add(off)
    tags, facts = [], []
    done = {(name, letters) for name, letters, _ in f.letter_tags}  # Bishop's, as infer read
    for name, sup, sub, tok in uses:
        if sup is not None or not sub or name not in shapes or (name, "".join(sub)) in done:
            continue
        shape = shapes[name]
        if len(sub) != len(shape) or any(s is None for s in shape):
            continue
        fits = set()
        for delta in (-1, 0, 1):
            if all(ranges.get(x) == {s + delta} for x, s in zip(sub, shape)):
                fits.add(delta)
        if len(fits) != 1:
            continue
        delta = fits.pop()
        inner = "l" if delta == 0 else f"l{delta:+d}"
        style = quantities[name].get("tag", "paren")
        tag = f"({inner})" if style == "paren" else f"[{inner}]" if style == "bracket" else inner
        done.add((name, "".join(sub)))
        tags.append((name, "".join(sub), tag))
        written = f"{name}_{{{''.join(sub)}}}"
        read = f"{name}^{{{tag}}}_{{{''.join(sub)}}}"
        facts.append(f"line {f.span(tok.start).line}: ${written}$ is written without its layer tag: read as "
                     f"${read}$, the one layer whose size is the range of its "
                     f"{'indices' if len(sub) > 1 else 'index'} in the formula's other uses")
    return tags, facts


def _uses(toks: list[Tok]):  # type: ignore[no-untyped-def]
    """(name, superscript or None, subscript letters or None, its token) of each name written
    with a script."""
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.kind not in ("letter", "cmd") or (k and toks[k - 1].text in ("^", "_", "\\frac")):
            k += 1
            continue
        scripts: dict[str, list[str]] = {}
        j = k + 1
        while j < len(toks) and toks[j].text in ("^", "_") and toks[j].text not in scripts:
            mark = toks[j].text
            scripts[mark], j = _script(toks, j + 1)
        if scripts:
            sub = scripts.get("_")
            letters = sub if sub and all(re.fullmatch("[a-z]", x) for x in sub) else None
            yield t.text, scripts.get("^"), letters, t
        k = max(j, k + 1)


def _script(toks: list[Tok], i: int) -> tuple[list[str], int]:
    """The texts of a script's tokens starting at i (a `{...}` group or one token), and the
    index after it."""
    if i >= len(toks):
        return [], i
    if toks[i].text != "{":
        return [toks[i].text], i + 1
    depth, j = 0, i
    while j < len(toks):
        depth += (toks[j].text == "{") - (toks[j].text == "}")
        if depth == 0:
            break
        j += 1
    return [t.text for t in toks[i + 1:j]], j + 1


def _offset(sup: list[str]) -> int | None:
    m = _OFFSET.fullmatch("".join(sup))
    if m is None:
        return None
    return int(m.group(2)) * (1 if m.group(1) == "+" else -1) if m.group(1) else 0


def _letter_ranges(uses: list, shapes: dict) -> dict[str, set[int]]:
    """Each index letter's range, as the offset of the layer whose width it is, from the tagged
    uses of quantities whose shape the notation knows."""
    out: dict[str, set[int]] = {}
    for name, sup, sub, _ in uses:
        if sup is None or not sub or name not in shapes or len(sub) != len(shapes[name]):
            continue
        at = _offset(sup)
        if at is None:
            continue
        for x, s in zip(sub, shapes[name]):
            if s is not None:
                out.setdefault(x, set()).add(s + at)
    return out


def _sum_bounds(toks: list[Tok]):  # type: ignore[no-untyped-def]
    """(letter, offset) of each `\\sum_{p=1}^{n_{l-1}}`: the range its upper bound names."""
    for k, t in enumerate(toks):
        if t.text != "\\sum" or k + 1 >= len(toks) or toks[k + 1].text != "_":
            continue
        low, j = _script(toks, k + 2)
        if len(low) < 3 or low[1] != "=" or j >= len(toks) or toks[j].text != "^":
            continue
        up, _ = _script(toks, j + 1)
        m = re.fullmatch(r"[A-Za-z]_\{?l(?:([+-])(\d+))?\}?", "".join(up))
        if m is not None and re.fullmatch("[a-z]", low[0]):
            yield low[0], (int(m.group(2)) * (1 if m.group(1) == "+" else -1)
                           if m.group(1) else 0)
