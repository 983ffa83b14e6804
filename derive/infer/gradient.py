"""`\\nabla C` without a subscript: the gradient of the loss by the one argument the text
applies it to.

A text that writes its loss as a function of the output layer's activations, `C(a^L)` (or
`C_i(a^L)`, `C'(a^L)`, `\\nabla C(a^L)`, in a display or in a sentence), and then `\\delta^L =
\\nabla C \\odot g'(z^L)`, means by `\\nabla C` the gradient by that argument, `\\nabla_a C`.
It is read so when the uses of the loss applied to one quantity at the last layer (of the
quantities the notation reads) apply it to one and the same; otherwise `\\nabla C` stays unread (its error asks for the
subscript). The argument is given to the tokens (`Formula.gradient_of`, read by
derive.latex.tokens). Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses

from derive.errors import InputError
from derive.latex import Tok, tokenize
from derive.sources.document import Document, Formula


def _group_end(toks: list[Tok], k: int) -> int:
    """The index after the `{...}` group or the one token at k."""
    if toks[k].text != "{":
        return k + 1
    depth = 0
    for p in range(k, len(toks)):
        depth += (toks[p].text == "{") - (toks[p].text == "}")
        if depth == 0:
            return p + 1
    return len(toks)


def _argument(toks: list[Tok], k: int, last: str) -> str | None:
    """`(a^L)` at k: the name applied, when it is one name tagged with the last layer."""
    if k + 4 >= len(toks) or toks[k].text not in ("(", "\\left"):
        return None
    k += 1 if toks[k].text == "(" else 2
    name = toks[k]
    if name.kind != "letter" and not name.text.startswith("\\") or toks[k + 1].text != "^":
        return None
    end = _group_end(toks, k + 2)
    tag = "".join(t.text for t in toks[k + 2:end] if t.text not in "{}()[]")
    close = toks[end].text if end < len(toks) else ""
    return name.text if tag == last and close in (")", "\\right") else None


def _applied(formula: Formula, loss: str, last: str) -> list[str | None]:
    """The arguments the loss is applied to in a formula (None for one not of that form)."""
    try:
        toks = tokenize(formula.text, formula)
    except InputError:
        return []
    out: list[str | None] = []
    for k, t in enumerate(toks):
        if t.text != loss or (k and toks[k - 1].text in ("^", "_")):
            continue
        j = k + 1
        while j < len(toks) and toks[j].text in ("_", "^", "'"):
            j = j + 1 if toks[j].text == "'" else _group_end(toks, j + 1)
        if j < len(toks) and toks[j].text in ("(", "\\left"):
            out.append(_argument(toks, j, last))
    return out


def gradient_argument(doc: Document, loss: str | None, last: str | None, read: set[str]
                      ) -> tuple[Document, list[str]]:
    """The document with bare `\\nabla C` read as the gradient by the loss's one argument (see
    the module), and the fact that says so. `read`: the quantities the notation reads (a
    matrix with a column per sample, `C(A^L)`, is none of them: not an argument here)."""
    if loss is None or last is None:
        return doc, []
    uses = [a for f in (*doc.formulas, *doc.inline) for a in _applied(f, loss, last)]
    names = {a for a in uses if a is not None and a in read}
    if len(names) != 1:
        return doc, []
    name = names.pop()
    assert name is not None
    pair = (loss, name)
    fact = (f"$\\nabla {loss}$ read as $\\nabla_{{{name}}} {loss}$, the gradient by the output "
            f"layer's ${name}$: the text writes the loss as ${loss}({name}^{{{last}}})$")
    return dataclasses.replace(
        doc, formulas=tuple(dataclasses.replace(f, gradient_of=pair) for f in doc.formulas),
        inline=tuple(dataclasses.replace(f, gradient_of=pair) for f in doc.inline)), [fact]
