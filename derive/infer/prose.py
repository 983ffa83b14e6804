"""Definitions a text gives only in its prose: `$a^l = \\sigma(z^l)$` in a sentence.

Notes often state the forward pass once in display maths and say the rest inline (Nielsen's
chapter 2 writes "we compute the weighted input $z^l \\equiv w^l a^{l-1} + b^l$ ... sometimes
written $a^l = \\sigma(z^l)$"). When a quantity the display formulas use has no definition of its
own there, the first inline equation whose left side is that quantity alone, written for the
layer variable (not for one layer), and whose right side does not read the same quantity, is
taken as its definition: it joins the document's formulas at its line, so that it is reported
as a definition there and the reader sees where the model came from.
"""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.functions import BY_SPELLING
from derive.infer.scan import _DEFINE, Occ, _rows, _single_name, _strip, readable_rows
from derive.infer.tags import _tag_form
from derive.infer.unify import _small_letter
from derive.latex import without_sample
from derive.sources.document import Document, Formula


def with_prose_definitions(doc: Document, quantities: dict, defined: dict[str, int],
                           layer_var: str | None, depth: str | None = None,
                           bypassed: frozenset[str] | set[str] = frozenset(),
                           scalars: dict | None = None) -> tuple[Document, list[str]]:
    """The document with the inline definitions of quantities that have none, or none before
    the prose gives one (the display's later one is then checked as a claim), and the facts."""
    # defined quantities, and layer quantities read as given only for want of a definition
    # (an activation is no parameter; nor is one whose self-feeding definition is a claim):
    # the prose may define either
    missing = {q for q, spec in quantities.items() if not spec.get("given")
               or ("layers" in spec and (not spec.get("parameter") or q in bypassed))}
    if layer_var is None and not any("layers" in spec for spec in quantities.values()):
        # layers named by letters (`$h = \\tanh(W x + b)$` in a sentence, then
        # `\\frac{\\partial \\ell}{\\partial h}`): a variable the displays never define
        letters = {q for q in [*(scalars or {}), *quantities, *_unread_names(doc)]
                   if q not in defined and q not in missing and _small_letter(q)}
        missing |= letters
    else:
        letters = set()
    # a layer quantity read as a parameter only because the text differentiates by it (`z^l_j`
    # in `\\delta^l_j = \\partial C / \\partial z^l_j`): the prose may define it from the layer
    # before (`z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j`), never by a value of its own
    forward_only = {q for q, spec in quantities.items() if q not in missing and "layers" in spec
                    and spec.get("given") and spec.get("parameter") and q not in defined}
    missing |= forward_only
    if not missing or not doc.inline:
        return doc, []
    chosen = []
    facts = []
    for f in doc.inline:
        try:
            rows = _rows(f)
        except InputError:
            continue
        if _zero_entry(rows, quantities) is not None:
            continue  # z_0 = 1: one entry (zero_entries), not z's definition
        for r in rows:
            left = [o for o in r.occs if o.side == 0]
            if left and _of_parameters(left[0], quantities):  # h_{W,b}(x): h, at x
                left = left[:1] + [o for o in left[1:] if o.name not in left[0].args]
            if (r.relation not in _DEFINE or len(r.sides) != 2 or len(left) != 1
                    or left[0].name not in missing or not _single_name(r.sides[0])
                    or defined.get(left[0].name, 10**9) < f.line):
                continue
            head = left[0]
            if head.name in forward_only and not any(
                    o.side == 1 and o.name != head.name and "layers" in quantities.get(o.name, {})
                    for o in r.occs):
                continue  # b^l = 0: a value, not a layer computed from the ones before
            if head.name in letters and not _letter_definition(r, head):
                continue  # t = 1, 2, \\ldots; a = 0: no layer's definition
            if _bias_unit(head, f):
                continue  # z_0 = 1 with no sum from 0: the bias unit's value, not z's definition
            letter = _layer_letter(head, layer_var, depth, quantities)
            if layer_var is not None and "layers" in quantities[head.name] and letter is None:
                continue  # a^L = ...: one layer's value, not the definition
            if any(o.side == 1 and o.name == head.name for o in r.occs) and not _forward(
                    r.occs, head, letter):
                continue  # reads itself, not only at the layers before: not a forward pass
            chosen.append(_in_layer_variable(f, r.occs, letter, layer_var))
            missing.discard(head.name)
            where = ("only in the prose" if head.name not in defined else
                     f"in the prose before its display formula at line {defined[head.name]}")
            renamed = (f" (its layer letter ${letter[0]}$ read as the displays' ${layer_var}$)"
                       if letter and chosen[-1].text != f.text else "")
            facts.append(f"${head.name}$ is defined {where}: ${f.text.strip()}$ at line "
                         f"{f.line} is taken as its definition{renamed}")
            break
    if not chosen:
        return doc, []
    formulas = sorted([*doc.formulas, *chosen], key=lambda f: (f.line, f.number))
    renumbered = tuple(dataclasses.replace(f, number=k) for k, f in enumerate(formulas, start=1))
    return dataclasses.replace(doc, formulas=renumbered), facts


def _letter_definition(r, head: Occ) -> bool:  # type: ignore[no-untyped-def]
    """`h = \\mathrm{ReLU}(W x + b)`: a letter without scripts defined from other names; or
    one entry `p_k = e^{f_k} / \\sum_j e^{f_j}` (cs231n's probabilities), its index letter
    also an index of another name on the right (not a value, `y_k = 1`)."""
    if head.sup is not None or any(t.text == "," for side in r.sides for t in side):
        return False
    right = [o for o in r.occs if o.side == 1]
    if head.sub is None:
        return bool(right)
    index = [t.text for t in head.sub if t.text not in ("{", "}")]
    if len(index) != 1 or not index[0].isalpha():
        return False
    return any(o.name != head.name and o.sub is not None
               and index[0] in [t.text for t in o.sub] for o in right)


def _unread_names(doc: Document) -> set[str]:
    """The names the display formulas use (a vector the vector form could not size, `h` in
    `(\\hat y - y) h`, before its inline definition is read)."""
    names = {o.name for r in readable_rows(doc.formulas) for o in r.occs}
    return names


def zero_entries(doc: Document, quantities: dict) -> tuple[Document, list[str]]:
    """The document with Bishop's inline `x_0 = 1`, `z_0 = 1` among its formulas, at their
    lines: the entry 0 of an index that starts at 0 (the bias's input), defined at that one
    index; and the facts. Joined after the notation is read: an entry is no quantity's
    definition, and x stays the network's input."""
    if not any(s.get("from_zero") for s in quantities.values()):
        return doc, []
    chosen, facts, seen = [], [], set()
    top = max((f.number for f in doc.formulas), default=0)  # a part's numbers are the text's
    for f in doc.inline:
        try:
            entry = _zero_entry(_rows(f), quantities)
        except InputError:
            continue
        if entry is not None and entry not in seen:  # a later x_0 = 1 only says it again
            seen.add(entry)
            chosen.append(dataclasses.replace(f, number=top + len(chosen) + 1))
            facts.append(f"${f.text.strip()}$ at line {f.line} defines the entry 0 of ${entry}$ "
                         "(its index starts at 0)")
    if not chosen:
        return doc, []
    # at their lines, numbered after the others: the rows read as definitions are named by
    # the numbers the others have
    formulas = sorted([*doc.formulas, *chosen], key=lambda f: f.line)
    return dataclasses.replace(doc, formulas=tuple(formulas)), facts


def _zero_entry(rows: list, quantities: dict) -> str | None:
    """Bishop's `x_0 = 1`, `z_0 = 1`: one row setting the entry 0 of a quantity whose one index
    starts at 0 (`from_zero`) to a number: that entry's definition. Its name, else None."""
    if len(rows) != 1 or rows[0].relation not in _DEFINE or len(rows[0].sides) != 2:
        return None
    r = rows[0]
    left = [o for o in r.occs if o.side == 0]
    value = [t for t in _strip(r.sides[1]) if t.text not in ("{", "}")]
    if len(left) != 1 or any(o.side != 0 for o in r.occs) or len(value) != 1 \
            or value[0].kind != "num":  # z_0 = 1 has its letter's layer tag (letters)
        return None
    sub = [t.text for t in _strip(left[0].sub or []) if t.text not in ("{", "}")]
    spec = quantities.get(left[0].name, {})
    return left[0].name if sub == ["0"] and spec.get("from_zero") == [1] else None


def _bias_unit(o: Occ, f: Formula) -> bool:
    """Bishop's `z_0 = 1` where the index letters name the layers: the entry 0 of a unit,
    its bias unit, which derive.infer.letters tags as the unit's layer (`z^{(1)}_0`)."""
    sub = [t.text for t in _strip(o.sub or []) if t.text not in ("{", "}")]
    return sub == ["0"] and (o.name, "0") in {(q, letter) for q, letter, _ in f.letter_tags}


def _of_parameters(o: Occ, quantities: dict) -> bool:
    """`h_{W,b}(x)`: a use whose subscript lists the text's layered quantities, applied to its
    argument (the value of those parameters at it, as derive.infer.names reads it)."""
    names = [t.text for t in _strip(o.sub or []) if t.text not in ("{", "}")]
    return (o.call is not None and len(names) >= 3 and all(n == "," for n in names[1::2])
            and all("layers" in quantities.get(n, {}) for n in names[0::2]))


def _layer_letter(head: Occ, layer_var: str | None, depth: str | None,
                  quantities: dict) -> tuple[str, int] | None:
    """The layer letter and offset of a definition's left side written for every layer: the
    layer variable, or another letter that is no name and not the number of layers (the
    prose's own, `z^{i+1} = z^i W^i + b^i` beside displays written in l). None for one
    layer's value (`a^L`, `z^n`, `z^2`)."""
    form = _form(head)
    if form is None or form[0] is None:
        if layer_var is not None and head.sup and any(t.text == layer_var for t in head.sup):
            return layer_var, 0  # a^{(l)}_i, a^{l}: written for the layer variable
        return None
    symbol, offset = form
    if symbol == layer_var or (len(symbol) == 1 and symbol != depth and symbol not in quantities):
        return symbol, offset
    return None


def _forward(occs: list[Occ], head: Occ, letter: tuple[str, int] | None) -> bool:
    """Whether the right side reads the quantity it defines only at layers before the left
    side's, in the same letter (`z^{i+1} = z^i W^i + b^i`, a layer of no activation): the
    forward pass, each layer from the one before it."""
    if letter is None:
        return False
    for o in occs:
        if o.side != 1 or o.name != head.name:
            continue
        form = _form(o)
        if form is None or form[0] != letter[0] or form[1] >= letter[1]:
            return False
    return True


def _in_layer_variable(f: Formula, occs: list[Occ], letter: tuple[str, int] | None,
                       layer_var: str | None) -> Formula:
    """The inline definition with its layer tags in the displays' layer variable
    (`z^{l+1} = z^l W^l + b^l` for the prose's `z^{i+1} = z^i W^i + b^i`), the same definition
    with its bound letter renamed; one letter for one, so every place in it stays where it
    was written. As written when it already uses that letter."""
    if letter is None or layer_var is None or letter[0] == layer_var or len(layer_var) != 1:
        return f
    text = list(f.text)
    for o in occs:
        form = _form(o)
        if form is None or form[0] != letter[0]:
            continue
        for t in o.sup:
            if t.kind == "letter" and t.text == letter[0] and f.text[t.start:t.end] == t.text:
                text[t.start] = layer_var
    return dataclasses.replace(f, text="".join(text))


def _form(o: Occ) -> tuple[str | None, int] | None:
    """A use's layer tag as (letter, offset), brackets and a sample's tag left out: `^{(l+1)}`,
    `^{[l]}`, `^{i+1}`; None when its superscript reads as no tag."""
    if not o.sup:
        return None
    g = without_sample(_strip(o.sup))
    if len(g) >= 3 and g[0].text in ("(", "[") and g[-1].text in (")", "]"):
        g = g[1:-1]
    return _tag_form(g) if g else None


def with_prose_functions(doc: Document, functions: dict[str, int]) -> tuple[Document, list[str]]:
    """The document with the inline definition of a function of one argument the display
    formulas apply but never define (Nielsen's "if the function is $f(x) = x^2$" before
    `f([2; 3]) = [4; 9]`): the first inline row `f(x) = ...`, in the letter x, joins the
    formulas at its line, as a quantity's inline definition does; the facts say so. Only a
    definition before the function's first use in a display is read (a later `$\\sigma(z) =
    z$` is an exercise's variant, not the text's function), and never one of the registry's
    functions (`\\tanh`)."""
    missing = {fn for fn, arity in functions.items() if arity == 1 and fn not in BY_SPELLING
               and not any(_defines_function(f, fn) for f in doc.formulas)}
    first = {fn: min((f.line for f in doc.formulas if _applies(f, fn)), default=0)
             for fn in missing}
    chosen, facts = [], []
    for f in doc.inline:
        fn = next((fn for fn in sorted(missing) if f.line < first[fn]
                   and _defines_function(f, fn)), None)
        if fn is None:
            continue
        chosen.append(f)
        missing.discard(fn)
        facts.append(f"${fn}$ is defined only in the prose: ${f.text.strip()}$ at line {f.line} "
                     "is taken as its definition")
    if not chosen:
        return doc, []
    formulas = sorted([*doc.formulas, *chosen], key=lambda f: (f.line, f.number))
    renumbered = tuple(dataclasses.replace(f, number=k) for k, f in enumerate(formulas, start=1))
    return dataclasses.replace(doc, formulas=renumbered), facts


def _applies(f: Formula, fn: str) -> bool:
    """Whether the formula applies the function `fn` (`f(z)`)."""
    try:
        return any(o.name == fn and o.call for r in _rows(f) for o in r.occs)
    except InputError:
        return False


def _defines_function(f: Formula, fn: str) -> bool:
    """Whether a row of the formula is `fn(x) = ...`: the function applied to one letter alone
    on the left of a defining relation, its right side in that letter."""
    try:
        rows = _rows(f)
    except InputError:
        return False
    for r in rows:
        head = _strip(r.sides[0]) if r.sides else []
        left = [t.text for t in head]
        if (r.relation in _DEFINE and len(r.sides) == 2 and len(left) == 4 and left[0] == fn
                and left[1] == "(" and left[3] == ")" and head[2].kind == "letter"
                and any(t.text == left[2] for t in r.sides[1])):
            return True
    return False
