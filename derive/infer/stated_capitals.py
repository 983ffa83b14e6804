"""A capital the text states the shape of, beside its lowercase's entries: `\\mathbf{W} \\in
\\mathbb{R}^{d \\times q}` beside `w_{ij}`, i in 1..q, j in 1..d.

The entries say what the matrix of them is (`w_{ij}` in row i, column j: q x d); a capital of
the same letter written whole, with a stated shape, is that matrix where the shape is its
shape, and its transpose where the shape is the transposed one (d2l writes the weights `W` of
`O = X W + b`, whose rows are the samples, d x q). The capital's tokens are then read as the
lowercase, transposed where it is (`Formula.capitals`, `Formula.transposed_capitals`, read by
derive.latex.tokens). Every place the text multiplies the capital by a vector is read for its
orientation (`\\mathbf{W} \\mathbf{x}`: W has as many columns as x has entries): a display before
the statement that uses the capital the other way keeps it unread (the text's two W: it is not
read against itself), an inline one is said (the two W disagree) and the displays are read with
the statement; a display after it is read with it (a slip there is refuted against it).
Token level only: nothing is evaluated."""

from __future__ import annotations

import dataclasses
from typing import Any

from derive.errors import InputError
from derive.infer.stated import Stated, _open, statements
from derive.infer.written import _name_at, _scripts, _transpose_written
from derive.latex import tokenize
from derive.sources.document import Document, Formula

_TIMES = " \\times "
_SEPARATORS = {"+", "-", "=", "(", ")", ",", "&", "\\\\", "{", "}"}


def _fits(shape: tuple[str, ...], dims: tuple[str, ...], width: str) -> bool:
    """Whether stated sizes fit a shape read from use: equal, or a width the use leaves open."""
    return all(a == b or _open(a, width) for a, b in zip(shape, dims))


def _vector_of(name: str | None, qs: dict[str, dict[str, Any]]) -> str | None:
    """The size of the vector a name is (`x`, `\\mathbf{x}`, or the minibatch `\\mathbf{X}` of
    the samples' x), or None."""
    if name is None:
        return None
    for q in (name, name.lower()):
        spec = qs.get(q)
        if spec is not None and "layers" not in spec and len(spec.get("shape", ())) == 1:
            return str(spec["shape"][0])
    return None


def _uses(f: Formula, cap: str, shape: tuple[str, ...], qs: dict[str, dict[str, Any]]
          ) -> list[bool]:
    """How one formula multiplies the capital by a vector: True where as the matrix of the
    entries (`W x`, x of W's columns), False where as its transpose (`X W`, x of W's
    columns: d2l's minibatch); one per product read."""
    f = dataclasses.replace(f, capitals=(), transposed_capitals=())
    try:
        toks = tokenize(f.text, f)
    except InputError:
        return []
    names: list[tuple[str | None, bool]] = []  # each name written, and whether transposed
    k = 0
    while k < len(toks):
        name, j = _name_at(toks, k)
        if name is None or toks[k].text in _SEPARATORS:
            names.append((None, False))
            k += 1
            continue
        _sup, sub, _prime, end = _scripts(toks, j)
        names.append((name if sub is None else None, _transpose_written(toks, j, end)))
        k = max(end, k + 1)
    out = []
    for n, (name, turned) in enumerate(names):
        if name != cap or shape[0] == shape[1]:
            continue
        after = _vector_of(names[n + 1][0], qs) if n + 1 < len(names) else None
        before = _vector_of(names[n - 1][0], qs) if n else None
        if after is not None and after in shape:
            out.append((after == shape[1]) != turned)  # W x: x as long as W is wide
        if before is not None and before in shape:
            out.append((before == shape[0]) != turned)  # y^T W, X W: as long as W is high
    return out


def _written_with_subscript(doc: Document, cap: str) -> bool:
    """Whether the capital is ever written with a subscript (`W_{ij}`: entries of its own)."""
    for f in doc.formulas:
        raw = dataclasses.replace(f, capitals=(), transposed_capitals=())
        try:
            toks = tokenize(raw.text, raw)
        except InputError:
            continue
        for k in range(len(toks)):
            name, j = _name_at(toks, k)
            if name == cap and _scripts(toks, j)[1] is not None:
                return True
    return False


def _candidate(s: Stated, qs: dict[str, dict[str, Any]]) -> tuple[str, tuple[str, ...]] | None:
    """The lowercase whose matrix the stated capital names, and its entries' shape."""
    low = s.name.lower()
    spec = qs.get(low)
    if (len(s.name) != 1 or not s.name.isupper() or s.name in qs or s.sup is not None
            or len(s.dims) != 2 or spec is None or "layers" in spec
            or len(spec.get("shape", ())) != 2):
        return None
    return low, tuple(str(d) for d in spec["shape"])


def stated_capitals(doc: Document, front: dict[str, Any]) -> tuple[Document, list[str]]:
    """The document with each stated capital read as its lowercase (transposed where its
    statement says so, see the module), and the facts that say so."""
    qs = front.get("quantities", {})
    if not qs or "roles" not in front or any("layers" in spec for spec in qs.values()):
        return doc, []
    width = front["roles"]["width"]
    pairs: list[tuple[str, str]] = []
    turned: list[str] = []
    facts: list[str] = []
    known = dict(doc.formulas[0].capitals) if doc.formulas else {}
    unread: set[str] = set()
    for s in statements(doc):
        found = _candidate(s, qs)
        if found is None or any(c == s.name for c, _ in pairs) or s.name in turned:
            continue
        low, shape = found
        straight, reverse = _fits(shape, s.dims, width), _fits(shape[::-1], s.dims, width)
        if straight == reverse or _written_with_subscript(doc, s.name):
            continue  # a square or open shape (derive.infer.capitals reads those), or no fit
        # a display before the statement that multiplies it the other way is the text's other
        # W (l.76 of d2l): none is read; one after it is read with the statement (a slip there
        # is a slip against it)
        before = [u for f in doc.formulas if f.line < s.line for u in _uses(f, s.name, shape, qs)]
        if any(u != straight for u in before):
            facts.append(f"line {s.line}: the text states ${s.latex}$, but a formula before it "
                         f"multiplies ${s.name}$ the other way: ${s.name}$ is not read as ${low}$")
            unread.add(s.name)  # nor as derive.infer.capitals read it: no way is the text's
            continue
        if s.name not in known:  # (derive.infer.capitals may have read it already)
            pairs.append((s.name, low))
        entries = f"${low}_{{ij}}$ (${_TIMES.join(shape)}$)"
        if straight and s.name in known:
            continue
        if straight:
            facts.append(f"line {s.line}: ${s.latex}$ read as the matrix of the entries "
                         f"{entries}, written whole")
            continue
        turned.append(s.name)
        facts.append(f"line {s.line}: ${s.latex}$ is the transpose of the matrix of the "
                     f"entries {entries}: read as ${low}^\\top$ where it is written whole")
        for f in doc.inline:
            if any(_uses(f, s.name, shape, qs)):
                facts.append(f"line {f.line}: ${f.text.strip()}$ uses ${s.name}$ as the matrix "
                             f"of the entries {entries}, the transpose of the ${s.latex}$ the "
                             f"text states at line {s.line}: the text's two ${s.name}$ "
                             "disagree (the displays are read with the statement)")
    if not pairs and not turned and not unread:
        return doc, facts

    def read(f: Formula) -> Formula:
        kept = tuple(p for p in f.capitals if p[0] not in unread)
        return dataclasses.replace(f, capitals=(*kept, *pairs),
                                   transposed_capitals=(*f.transposed_capitals, *turned))

    return dataclasses.replace(doc, formulas=tuple(map(read, doc.formulas)),
                               inline=tuple(map(read, doc.inline))), facts

