"""A layer's function written with its fixed layer tag and defined by a row of its own:
`g^{[1]}(t) = \\tanh(t)`, then `A^{[1]} = g^{[1]}(Z^{[1]})`, `g^{[1]\\prime}(t) = 1 - \\tanh^2(t)`.

deeplearning.ai's shallow network names each layer's activation `g^{[1]}`, `g^{[2]}`. At fixed
layers the tag is part of the function's name (one function per layer, as `W_1` names one matrix
per layer: derive.infer.subscript_layers), not a layer of a quantity `g`. A letter is read so
when a row defines it at a fixed tag applied to one bare variable (`g^{[1]}(t) = ...`): each
`g^{[1]}` of the text (and `g^{[1]\\prime}`, its derivative) is one name, `g^{[1]}`
(`Formula.tagged_functions`, read by derive.latex.tokens). Token level only."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.latex.lexer import _lex
from derive.latex.tagged import tag_at
from derive.sources.document import Document, Formula


def _defined(f: Formula) -> tuple[str, str] | None:
    """(letter, tag) of a formula that opens `g^{[1]}(t) =`."""
    try:
        toks = _lex(f.text, f, 0)
    except InputError:
        return None
    found = tag_at(toks, 0) if toks else None
    if found is None or found[2]:
        return None
    end = found[1]
    tx = [t.text for t in toks[end:end + 4]]
    if len(tx) == 4 and tx[0] == "(" and toks[end + 1].kind == "letter" and tx[2] == ")" and (
            tx[3] in ("=", ":=")):
        return toks[0].text, found[0]
    return None


def tagged_functions(doc: Document) -> tuple[Document, list[str]]:
    """The document with each function named with its layer tag read as one name, and the
    facts that say so."""
    found = {d: f.line for f in doc.formulas if (d := _defined(f)) is not None}
    if not found:
        return doc, []
    names = tuple(sorted(found))
    facts = [f"line {line}: ${letter}^{{{tag}}}$ is one function of its own (defined at its "
             "layer's tag), not a layer of a quantity" for (letter, tag), line in
             sorted(found.items(), key=lambda x: x[1])]
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, tagged_functions=names) for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, tagged_functions=names) for f in doc.inline)), facts
