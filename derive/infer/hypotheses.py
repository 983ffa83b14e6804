"""The parameters a text writes its hypothesis with, `h_\\theta(x)` (derive.latex.hypotheses),
read from all its formulas and given to each (`Formula.parameters`), so that every formula
reads `h_\\theta(x^{(i)})` as h^{(i)} and `J(\\theta)` as J alike. Token level only."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.latex import Tok
from derive.latex.hypotheses import listed_parameters, written_heads, written_parameters
from derive.latex.tokens import tokenize
from derive.sources.document import Document


def parameter_subscripts(doc: Document) -> Document:
    """The document with the parameters its hypothesis is written with given to each formula
    (unchanged when it writes none)."""
    formulas: list[list[Tok]] = []
    for f in doc.formulas:
        try:
            formulas.append(tokenize(f.text, f))
        except InputError:
            continue  # the check reports what is wrong with this formula
    found = written_parameters(formulas) + listed_parameters(formulas)
    if not found:
        return doc
    heads = written_heads(formulas, found)
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, parameters=found, hypotheses=heads)
                            for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, parameters=found, hypotheses=heads)
                     for f in doc.inline))


def parameters_fact(doc: Document) -> list[str]:
    """What the user is told of the parameters read (none: [])."""
    found = doc.formulas[0].parameters if doc.formulas else ()
    listed = [p for p in found if "," in p]
    facts = [f"${p}$ written as the subscript of a value applied to an input names the "
             f"parameters it depends on: $h_{{{p}}}(x^{{(i)}})$ is read as $h^{{(i)}}$ (sample "
             "$i$'s value)" for p in listed]
    found = tuple(p for p in found if p not in listed)
    return facts + [f"${p}$ written as the subscript of a name applied to an input names the "
            f"parameters it depends on: $h_{p}(x)$ is read as $h$, $h_{p}(x^{{(i)}})$ as "
            f"$h^{{(i)}}$ (sample $i$'s), $J({p})$ as $J$" for p in found]
