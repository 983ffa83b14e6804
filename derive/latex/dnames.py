"""deeplearning.ai's d-names the text defines by a row of its own (`dZ^{[l]} = m \\frac{\\partial
J}{\\partial Z^{[l]}}`, derive.infer.dnames, `Formula.d_names`) read by that definition wherever
they are written: `dZ^{[2]}` as `m \\frac{\\partial J}{\\partial Z^{[2]}}` (a product, as the
name stands in one: `W^{[2]T} dZ^{[2]}`, `X^T dZ^{[1]}`), in place of the
derivative of an example's loss `\\mathcal{L}` the course's convention would give them
(derive.latex.slashes). Token level only."""

from __future__ import annotations

from derive.document import Formula
from derive.latex.lexer import Tok, _lex
from derive.latex.operands import _name_end


def _placed(text: str, formula: Formula, at: int) -> list[Tok]:
    """The tokens of `text` (derive's own LaTeX), each of no width at `at`."""
    return [Tok(x.kind, x.text, at, at) for x in _lex(text, formula, 0)]


def defined_d_names(toks: list[Tok], formula: Formula) -> list[Tok]:
    """The tokens with each d-name the text defines read as its definition."""
    if not formula.d_names:
        return toks
    by = {letter: (factor, loss) for letter, factor, loss in formula.d_names}
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        name = toks[i + 1] if i + 2 < len(toks) else None
        end = _name_end(toks, i + 1) if name is not None else None
        if (t.kind == "letter" and t.text == "d" and name is not None and name.text in by
                and name.start == t.end and toks[i + 2].text == "^" and end is not None
                and not (i and toks[i - 1].text in ("\\partial", "\\mathrm", "{", "^", "_"))):
            factor, loss = by[name.text]
            out += [*_placed(factor, formula, t.start),
                    *_placed(f"\\frac{{\\partial {loss}", formula, t.start),
                    Tok("sym", "}", t.end, t.end), Tok("sym", "{", t.end, t.end),
                    Tok("cmd", "\\partial", t.start, t.end)]  # the d as written
            out += toks[i + 1:end]
            out.append(Tok("sym", "}", toks[end - 1].end, toks[end - 1].end))
            i = end
            continue
        out.append(t)
        i += 1
    return out
