"""The parts of a document that redefine its forward model section by section, each read in a
notation of its own.

Notes that build up a network step by step (one neuron, then two layers, then `L` layers, then
vectors) write the forward pass again in each section, in that section's notation: `z = wx + b`
with scalars, `z^l = w^l a^{l-1} + b^l`, then `z^l = W^l a^{l-1} + b^l` with vectors. One
notation read from all of them at once mixes the sections (a scalar `w^l` becomes a matrix, a
claim about one neuron is read with vectors). A later section's definitions replace the earlier
ones for the formulas after them: a section whose forward definitions define again a name an
earlier section defined, in a form the text has not written before, starts a part of its own.
A definition written again as before (a summary that repeats the forward pass) starts none.
A formula that defines again a hypothesis written with its parameters (`h_\\theta(x) = ...`,
logistic regression's, then softmax regression's) starts a part of its own, in any section,
when the definition before it is read (one written by its entries in a matrix is not: it
clashes with nothing read).

Token level only: nothing is evaluated."""

from __future__ import annotations

from derive.errors import InputError
from derive.infer.scan import Row, _rows, _single_name, _strip
from derive.latex.hypotheses import defines_hypothesis
from derive.latex.tokens import tokenize
from derive.sources.document import Document, Formula
from derive.vecparse.trace import trace_name

# what marks a row's right side as a derivative or a gradient, not a forward definition
_CALCULUS = {"\\partial", "\\nabla", "\\frac", "\\sum", "\\prod", "'"}


def _forward(row: Row) -> tuple[str, str] | None:
    """`z^l = w^l a^{l-1} + b^l`: the name a row defines by a forward step and the row as
    written (its tokens, without spacing or outer braces); None for any other row."""
    found = _forward_sides(row)
    return None if found is None else (found[0], found[1] + found[2])


def _forward_sides(row: Row) -> tuple[str, str, str, frozenset[str]] | None:
    """`_forward`'s name, with the left side and the right side as written and the names the
    right side reads (the functions it applies aside: `h_j = g(u_j)` reads u)."""
    if row.relation not in ("=", ":=") or len(row.sides) != 2:
        return None
    lhs, rhs = _strip(row.sides[0]), row.sides[1]
    if not _single_name(lhs) or any(t.text == "(" for t in lhs) or not rhs:
        return None
    if any(t.text in _CALCULUS for t in rhs):
        return None
    head = next((o for o in row.occs if o.side == 0), None)
    if head is None or any(o.name == head.name for o in row.occs if o.side == 1):
        return None  # a recursion (delta^l from delta^{l+1}, h_t from h_{t-1}): no forward step
    if not any(t.kind == "letter" for t in (*(head.sup or ()), *(head.sub or ()))):
        return None  # z^1 = w^1 x + b^1, z = wx + b: one network of fixed layers, no notation
    def text(toks: list) -> str:
        return "".join(t.text for t in toks if t.text not in ("{", "}"))

    return (head.name, text(lhs), text(rhs),
            frozenset(o.name for o in row.occs if o.side == 1 and o.call is None))


def _definitions(formula: Formula) -> list[tuple[str, str, str, frozenset[str]]]:
    try:
        rows = _rows(formula)
    except InputError:
        return []
    return [d for r in rows if (d := _forward_sides(r)) is not None]


def _defines_hypothesis(formula: Formula) -> str | None:
    """`h_\\theta(x) = ...`: how a formula defines a hypothesis written with its parameters
    (derive.latex.hypotheses.defines_hypothesis; the text's logistic regression, then its
    softmax regression: each a model of its own, from there on)."""
    try:
        return None if formula.annotation else defines_hypothesis(tokenize(formula.text, formula))
    except InputError:
        return None


def _identity(formula: Formula) -> bool:
    """A formula of identities only: each row a derivative (`\\frac{\\partial (x^T B x)}
    {\\partial x} = ...`), on the left, of what it is about; no row defines anything."""
    try:
        rows = _rows(formula)
    except InputError:
        return False
    return bool(rows) and all(
        r.sides and any(t.text == "\\partial" for t in r.sides[0]) and _forward(r) is None
        for r in rows)


def identities(doc: Document) -> bool:
    """Whether a text (or a part of one) is identities only (`_identity`), and its prose
    defines none of the names they use (`$\\ell = \\frac{1}{2}(\\hat y - y)^2$` in a
    sentence, then `\\frac{\\partial \\ell}{\\partial v} = ...`: the gradients of one
    network whose forward pass is inline)."""
    return bool(doc.formulas) and all(_identity(f) and not f.annotation for f in doc.formulas
                                      ) and not _defined_inline(doc)


def _defined_inline(doc: Document) -> bool:
    """Whether an inline equation defines a name (`name = ...`) the display formulas use."""
    used = {o.name for f in doc.formulas for r in _safe_rows(f) for o in r.occs}
    return any(r.relation in ("=", ":=") and len(r.sides) == 2 and _single_name(_strip(r.sides[0]))
               and any(o.side == 0 and o.name in used for o in r.occs)
               and not any(o.side == 0 and trace_name(o.name) for o in r.occs)  # tr(A^T B) = ...
               for f in doc.inline for r in _safe_rows(f))


def _safe_rows(formula: Formula) -> list[Row]:
    try:
        return _rows(formula)
    except InputError:
        return []


def notation_parts(doc: Document) -> list[tuple[Formula, ...]]:
    """The document's formulas in parts, each read in a notation of its own: one part unless
    a section defines again, in a new form, a name an earlier section defined. A text of
    identities only (a table of matrix derivatives) reads each formula in a part of its own:
    each is about variables of its own, and one formula's sizes say nothing of another's."""
    if len(doc.formulas) > 1 and identities(doc):
        return [(f,) for f in doc.formulas]
    sections: list[list[Formula]] = []
    again: set[int] = set()  # the sections that define the hypothesis again
    read = False  # whether the part so far holds a hypothesis defined in a form that is read
    for f in doc.formulas:
        defines = _defines_hypothesis(f)
        if not sections or sections[-1][0].section != f.section or defines and read:
            sections.append([])
            if defines and read:
                again.add(len(sections) - 1)
        read = read and defines is None or defines == "formula"
        sections[-1].append(f)
    parts: list[list[Formula]] = []
    # name -> its definition in the current part, and its left side: a definition again with
    # the same left side, reading only names the part has written (h_j = tanh(u_j), then
    # h_j = \\log(1 + e^{u_j}): the text's other activation), is the same notation, no part
    current: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()  # the names the current part writes
    written: set[str] = set()  # every forward definition the text has written so far
    for number, formulas in enumerate(sections):
        # a formula the author annotated is read as the author says
        defs = [d for f in formulas if not f.annotation for d in _definitions(f)]
        if not parts or number in again or any(
                name in current and current[name][0] != lhs + rhs and lhs + rhs not in written
                and not (current[name][1] == lhs and reads <= seen)
                for name, lhs, rhs, reads in defs):
            parts.append([])
            current, seen = {}, set()
        parts[-1].extend(formulas)
        seen |= {o.name for f in formulas for r in _safe_rows(f) for o in r.occs}
        for name, lhs, rhs, _reads in defs:
            current.setdefault(name, (lhs + rhs, lhs))
            written.add(lhs + rhs)
    return [tuple(p) for p in parts]
