"""Names a text gives with `=:`: a quantity named under a brace, and the input named as the
first layer's activation.

* `\\underbrace{\\frac{\\partial C}{\\partial z^2}}_{=:\\delta^2}`: the text names what is under the
  brace. `=:` defines the name on its right (`A =: B` is `B := A`), so `\\delta^2 =
  \\frac{\\partial C}{\\partial z^2}` joins the formulas just before the one that writes it, as a
  definition given where it is written (its places are the brace's); the formula's own rows,
  which use the name, are checked after it; the same name named again adds nothing. A label `_{=\\delta^2}` (no colon) says what is
  under the brace equals a name defined before: no definition.
* `$x =: a^0$` (or `$a^0 := x$`, `$a^0 = x$`) in a sentence, where `a^0` is the lowest layer
  the displays write `a` at and `x` a bare letter the displays use without scripts: the input
  named as that layer's activation (deeplearning.ai's `$a^{[0]} = x$` too). Every bare `x` of
  the displays of that sentence's section and the sections after it reads as `a^0`, and so
  does an `x^{(1)}` among a matrix's columns, sample 1's (`Formula.aliases`, read by
  derive.latex.aliases), so `z^1 = w^1 x + b^1` is `z^1 = w^1 a^0 + b^1`, and `= a^0 = x` holds
  as written. A later part of the text (derive.infer.parts) is given the sentence too
  (`input_namings`): it names the same input there.

Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses
import re

from derive.errors import InputError
from derive.latex.aliases import environment_names, in_matrix, transposed_after
from derive.latex.lexer import Tok, _lex
from derive.latex.operands import _braced
from derive.sources.document import Document, Formula

_NAME = r"(?:\\[A-Za-z]+|[A-Za-z])(?:\^\{?[0-9A-Za-z]\}?)?(?:_\{?[0-9A-Za-z]\}?)?"
_LABEL = re.compile(rf"\s*=\s*:\s*({_NAME})\s*")
_LETTER = r"[A-Za-z]"
# a layer's tag: `a^0`, `a^{0}`, deeplearning.ai's `a^{[0]}` (UFLDL's `a^{(1)} = x`, a
# layer 1, is left to the readings of the prose: derive.infer.prose)
_LAYER = (r"(?P<name>(?:\\[A-Za-z]+|[A-Za-z]))\^(?:(?P<layer>\d)|\{(?P<layer2>\d)\}"
          r"|\{\[(?P<square>\d)\]\})")
_INPUT = (re.compile(rf"^\s*(?P<letter>{_LETTER})\s*=\s*:\s*{_LAYER}\s*[.,]?\s*$"),
          re.compile(rf"^\s*{_LAYER}\s*(?::=|=)\s*(?P<letter>{_LETTER})\s*[.,]?\s*$"))
_TAG = {"layer": "{}", "layer2": "{}", "square": "[{}]"}


def _piece(f: Formula, start: int, end: int, at: int) -> list[tuple[int, int, int]]:
    """The breakpoints of the text's characters start..end placed at offset `at` of a new
    text: each keeps its place in the file."""
    span = f.span(start)
    out = [(at, span.line, span.col)]
    out += [(o - start + at, line, col) for o, line, col in f.line_starts if start < o < end]
    return out


def _named_under_braces(f: Formula) -> list[tuple[Formula, str]]:
    """The definitions `B = A` of the braces `\\underbrace{A}_{=:B}` of a display formula,
    each a formula at the brace's place, with the name."""
    try:
        toks: list[Tok] = _lex(f.text, f, 0)
    except InputError:
        return []
    out = []
    for k, t in enumerate(toks):
        if t.text != "\\underbrace" or k + 1 >= len(toks) or toks[k + 1].text != "{":
            continue
        end = _braced(toks, k + 1)
        if end is None or end >= len(toks) or toks[end].text != "_":
            continue
        label_end = _braced(toks, end + 1)
        if label_end is None or end + 1 >= len(toks) or toks[end + 1].text != "{":
            continue
        lo, hi = toks[end + 2].start, toks[label_end - 1].start
        m = _LABEL.fullmatch(f.text[lo:hi])
        body_lo, body_hi = toks[k + 2].start, toks[end - 1].start
        if m is None or body_hi <= body_lo or not f.text[body_lo:body_hi].strip():
            continue
        name_lo = lo + m.start(1)
        name = m.group(1)
        text = f"{name} = {f.text[body_lo:body_hi]}"
        starts = _piece(f, name_lo, name_lo + len(name), 0) + _piece(
            f, body_lo, body_hi, len(name) + 3)
        out.append((dataclasses.replace(f, text=text, line_starts=tuple(starts),
                                        label=None, annotation={}), name))
    return out


def named_definitions(doc: Document) -> tuple[Document, list[str]]:
    """The document with the definitions its braces name (`_{=:\\delta^2}`) among its formulas,
    each just before the formula that writes it, and the facts."""
    formulas: list[Formula] = []
    facts: list[str] = []
    seen: set[str] = set()
    for f in doc.formulas:
        if not f.annotation:
            for named, name in _named_under_braces(f):
                if name in seen:
                    continue  # named again: the definition is in the model already
                seen.add(name)
                formulas.append(named)
                facts.append(f"line {named.line}: ${name}$ is named under a brace (`=:`): "
                             f"${named.text}$ is taken as its definition")
        formulas.append(f)
    if not facts:
        return doc, []
    renumbered = tuple(dataclasses.replace(f, number=k) for k, f in enumerate(formulas, start=1))
    return dataclasses.replace(doc, formulas=renumbered), facts


def _bare_uses(f: Formula, letter: str) -> bool:
    """Whether a formula writes the letter bare (`w^1 x`), or with a sample's superscript in
    a matrix (`\\begin{bmatrix} x^1 & \\cdots & x^m \\end{bmatrix}`: the samples' columns,
    derive.vecparse.pattern); the letters of an environment's name are no use."""
    try:
        toks = _lex(f.text, f, 0)
    except InputError:
        return False
    names = environment_names(toks)
    matrix = in_matrix(toks)
    return any(bare(toks, k) or k in matrix and k + 1 < len(toks) and toks[k + 1].text == "^"
               for k, t in enumerate(toks)
               if t.text == letter and t.kind == "letter" and k not in names
               and not (k and toks[k - 1].text in ("^", "_")))


def bare(toks: list[Tok], k: int) -> bool:
    """Whether the letter at k is written without scripts (or with only a transpose mark,
    `x^\\top`) and is no script itself."""
    t = toks[k]
    return (t.kind == "letter" and not (k and toks[k - 1].text in ("^", "_"))
            and (not (k + 1 < len(toks) and toks[k + 1].text in ("^", "_", "'", "("))
                 or transposed_after(toks, k)))


# a name's own letter, not the end of a command (`\delta^1` is no `a^1`)
_OWN = r"(?<![A-Za-z\\])"


def _lowest(doc: Document, name: str) -> int | None:
    """The lowest bare number the displays write `name`'s superscript with (the layer named
    must be that one or below it)."""
    pattern = re.compile(_OWN + re.escape(name) + r"\^\{?\[?(\d)(?![0-9])")
    found = [int(m.group(1)) for f in doc.formulas for m in pattern.finditer(f.text)]
    return min(found) if found else None


def _layered(doc: Document, name: str) -> bool:
    """Whether the displays write `name` with a superscript of letters (`a^{l-1}`, `a^L`,
    `a^{[l]}`): a quantity in a layer variable, which `a^0` names the input layer of."""
    pattern = re.compile(_OWN + re.escape(name) + r"\^\{?[\[(]?[A-Za-z]")
    return any(pattern.search(f.text) for f in doc.formulas)


def input_namings(inline: tuple[Formula, ...]) -> tuple[Formula, ...]:
    """The sentences of `inline` that may name the input as a layer's activation (`$x =:
    a^0$`): a later part of the text (derive.infer.parts) reads its letters as named there."""
    return tuple(f for f in inline if any(p.match(f.text) for p in _INPUT))


def named_input(doc: Document) -> tuple[Document, list[str]]:
    """The document with its input named as the first layer's activation (`$x =: a^0$`): the
    displays' bare `x` read as `a^0` (`Formula.aliases`), and the fact."""
    for f in doc.inline:
        for pattern in _INPUT:
            m = pattern.match(f.text)
            if m is None:
                continue
            letter, name = m["letter"], m["name"]
            style, layer = next((g, m[g]) for g in _TAG if m[g] is not None)
            lowest = _lowest(doc, name)
            if letter == name or (int(layer) > lowest if lowest is not None else
                                  int(layer) or not _layered(doc, name)):
                continue
            # from the naming's section on (an earlier section's x is its own variable)
            sections = [g.section for g in doc.formulas]
            first = next((k for k, g in enumerate(doc.formulas) if g.section == f.section),
                         None) if f.section in sections else next(
                (k for k, g in enumerate(doc.formulas) if g.line > f.line), None)
            if first is None:
                continue
            uses = [g for g in doc.formulas[first:] if _bare_uses(g, letter)]
            if not uses:
                continue
            alias = (letter, f"{name}^{{{_TAG[style].format(layer)}}}")
            formulas = tuple(dataclasses.replace(g, aliases=(*g.aliases, alias))
                             if g in uses else g for g in doc.formulas)
            fact = (f"line {f.line}: the text names its input ${f.text.strip()}$: "
                    f"${letter}$ in the display formulas is read as ${alias[1]}$")
            # the sentence is read: no definition of a^0 from x for the prose to take
            inline = tuple(g for g in doc.inline if g is not f)
            return dataclasses.replace(doc, formulas=formulas, inline=inline), [fact]
    return doc, []
