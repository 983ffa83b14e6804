"""The shapes of quantities a text writes only in vector form, read from how they combine.

`z^l = w^l a^{l-1} + b^l` never writes an index, yet it says all there is to know: `z^l` and
`a^{l-1}` are the vectors of their layers (a defined quantity with a layer tag is its layer's
column of neurons), so `w^l` has as many rows as `z^l` and as many columns as `a^{l-1}`, and
`b^l` is shaped like `z^l`. This pass reads every vector-form row with the vector parser, gives
each quantity written without indices two unknown dimensions (functions of its layer), and
unifies them across the products, sums and equations of the text; a dimension that comes out 1
is dropped. It runs after the rest of the inference, on the front matter it produced, and only
for a text that writes a vector operator somewhere (`^T`, `\\odot`, `\\nabla`, a norm): without
one, a quantity with a layer tag and no index is one number per layer.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from typing import Any

import sympy

from derive.errors import InputError
from derive.expr import Quantity
from derive.infer.arguments import lone_arguments
from derive.infer.parts import identities
from derive.infer.scan import Lin, _group
from derive.infer.text import _dim_text, _range_text
from derive.infer.unify import (
    _T,
    _anchored_widths,
    _lin,
    _solve,
    _Unify,
    _unknowns,
    _untagged_widths,
)
from derive.latex import (
    _BOLD,
    _FONTS,
    _GREEK,
    VECTOR_FUNCTIONS,
    Equation,
    Scope,
    Tok,
    parse_formula,
    tokenize,
)
from derive.notation import Notation, notation_from_front
from derive.sources.document import Document, Formula
from derive.tensor import (
    ONE,
    Leaf,
    Tensor,
    walk,
)
from derive.vecparse import _WORD_ARGUMENTS, VECTOR_OPS

_TRANSPOSE = re.compile(r"\^\s*(?:T\b|\{[^{}]*(?:T|\\top|\\intercal)\s*\})")


def _vector_text(doc: Document) -> bool:
    """Whether the text writes a vector operator anywhere (a transpose, \\odot, \\nabla, ...)."""
    return any(any(op in f.text for op in VECTOR_OPS) or _TRANSPOSE.search(f.text)
               for f in doc.formulas)


@dataclass
class _Reading:
    """One vector-form reading: the front matter it changes, the quantities it gives a shape
    (each with two unknown dimensions, numbered) and the facts it finds."""

    front: dict[str, Any]
    qs: dict[str, dict[str, Any]]  # the front matter's quantities
    scalars: dict[str, dict[str, Any]]  # the front matter's scalars
    added: list[str]  # bare letters taken as given quantities for this reading
    promoted: dict[str, dict[str, Any]]  # scalars read as quantities for this reading
    facts: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)  # letters a number's definition makes 1x1
    columns: dict[str, Lin] = field(default_factory=dict)  # class-indexed: name -> classes
    arguments: set[str] = field(default_factory=set)  # letters only ever a function's argument
    identities: bool = False  # identities about names of their own (derive.infer.parts)


def vector_shapes(doc: Document, front: dict[str, Any], file: str,
                  unread: set[str], columns: dict[str, Lin] | None = None) -> list[str]:
    """Shapes for the quantities the text writes only without indices (changing `front` in
    place, and adding to `unread` what it cannot read), and the facts to tell the reader.
    `columns`: the names written with a class index (derive.infer.classes), each with the
    number of classes: matrices whose columns are the vectors written."""
    if not _vector_text(doc):
        return []
    qs = front.setdefault("quantities", {})
    before = copy.deepcopy(qs)
    tokens = _tokens(doc)
    rd = _candidates(front, qs, tokens, unread, identities(doc))
    rd.columns = columns or {}
    if not rd.candidates:
        return rd.facts
    try:
        notation = notation_from_front(front, file)
    except InputError:
        return rd.facts
    _shapes(doc, rd, notation)
    try:
        notation_from_front(front, file)
    except InputError as exc:  # shapes that do not fit the layers read: not used
        front["quantities"] = before
        front.pop("vectors", None)
        return [f"the shapes read from the vector form do not fit the layers read ({exc.message}):"
                " not used, and what is written in vector form is not checked"]
    return rd.facts


def _candidates(front: dict[str, Any], qs: dict[str, dict[str, Any]], tokens: list,  # type: ignore[type-arg]
                unread: set[str], about: bool = False) -> _Reading:
    """The quantities to shape: those without a shape, with the letters the inference gave no
    meaning and the variables that may be vectors here; not the loss, nor what reads as a
    function or as a batch matrix."""
    added = _bare_letters(tokens, front)
    for q in added:
        qs[q] = {"given": True}
    # \\frac{\\partial \\ell}{\\partial W}: a name the inference took for a variable of its own
    # may be a matrix or a vector here; it stays a scalar unless its use gives it a shape
    scalars = front.get("scalars", {})
    transposed = _transposed(tokens)
    promoted = {q: spec for q, spec in scalars.items() if q in transposed
                or not spec.get("parameter") and (len(q) == 1 and q.isalpha()
                                                  or q.startswith(tuple(_DECORATIONS)))
                or q.startswith(tuple(_DECORATIONS)) and q in _defined_first(tokens)}
    if about:  # identities: `x` read of `\\partial \\mathbf{x}` is the bold name itself
        promoted = {q: v for q, v in promoted.items() if f"\\mathbf{{{q}}}" not in added}
    for q in promoted:
        del scalars[q]
        qs[q] = {"given": True}
        added.append(q)
    rd = _Reading(front, qs, scalars, added, promoted, identities=about)
    rd.arguments = lone_arguments(tokens, front.get("functions", {}))
    loss = front.get("roles", {}).get("loss")
    candidates = sorted(q for q, spec in qs.items() if not spec.get("shape") and q != loss
                        and not _call_like(tokens, q, qs))
    # Z^l = W^l A^{l-1} beside z^l = w^l a^{l-1}: matrices with a column per sample, which
    # this reading does not know; what uses them is not checked (rather than read per sample)
    batch = [] if about else sorted(q for q in candidates if _lower(q) in qs)  # X beside x
    for q in batch:
        unread.add(q)
        rd.facts.append(f"${q}$ beside ${_lower(q)}$ reads as a matrix with one column per "
                        "sample: such matrices are not read yet, and what uses them is not checked")
    rd.candidates = [q for q in candidates if q not in batch]
    return rd


def _shapes(doc: Document, rd: _Reading, notation: Notation) -> None:
    """The candidates' dimensions unified over the vector-form rows, in the layout that fits
    the text, each written into the front matter."""
    unknown = {q: k for k, q in enumerate(rd.candidates)}
    specs = dict(notation.quantities)
    for q in rd.candidates:
        specs[q] = replace(specs[q], shape=("?", "?"),
                           dims=(("var", (unknown[q], 0, 0)), ("var", (unknown[q], 1, 0))))
    provisional = replace(notation, quantities=specs)
    layout, read = _layout(doc, rd, provisional, unknown, notation.width)
    u, _, lines = _solve(layout, rd.candidates, unknown, rd.qs, read, notation.width)
    heads = {sides[0].name for _, sides, _ in read if isinstance(sides[0], Leaf)}
    if rd.candidates and not any("layers" in rd.qs[q] for q in rd.candidates) and not any(
            "layers" in spec for spec in rd.qs.values()):
        rd.facts += _untagged_widths(u, rd.candidates, unknown, lines, layout, notation.width,
                                     rd.identities)
    elif any("layers" not in rd.qs[q] for q in rd.candidates):
        tagged = {q for q in rd.candidates if "layers" in rd.qs[q]}
        _anchored_widths(u, rd.candidates, unknown, tagged, layout, notation.width)
    rd.numbers = {q for q in rd.candidates if all(u.made_a_number(n) for n in _unknowns(unknown[q]))}
    for q in rd.candidates:
        tagged = "layers" in rd.qs[q]
        dims = _dims(u, unknown[q], tagged, notation, q in rd.columns)
        if q in rd.columns and dims:
            dims = [*dims, rd.columns[q]]  # \\theta^{(k)}: the rows read, a column per class
        _write_shape(rd, q, dims, tagged, q in heads, notation, lines)


def _layout(doc: Document, rd: _Reading, provisional: Notation, unknown: dict[str, int],
            width: str) -> tuple[str, list]:  # type: ignore[type-arg]
    """The layout of the vectors (the front matter's, else the one that fits the text with
    fewer contradictions; columns on a tie) and the rows read in it."""
    def rows(layout: str) -> list:  # type: ignore[type-arg]
        read = replace(provisional, vectors=layout)
        return [(f, *row) for f in doc.formulas if not f.annotation.get("local")
                for row in _rows(f, read) if not _whole_columns(row[0], rd.columns)]

    if rd.front.get("vectors"):
        layout = rd.front["vectors"]
        return layout, rows(layout)
    by_layout = {v: rows(v) for v in ("column", "row")}
    misfits = {v: _solve(v, rd.candidates, unknown, rd.qs, by_layout[v], width)[1]
               for v in by_layout}
    layout = "row" if misfits["row"] < misfits["column"] else "column"
    if layout == "row":
        rd.front["vectors"] = "row"
        rd.facts.append("the text writes row vectors (x W + b): its products fit that way "
                        "(to say otherwise: vectors = \"column\")")
    return layout, by_layout[layout]


def _whole_columns(sides: list, columns: dict[str, Lin]) -> bool:  # type: ignore[type-arg]
    """Whether a row writes a class-indexed matrix whole (`\\theta^T x` beside the columns
    `\\theta^{(k)}`): another model's parameter under the same name (UFLDL's logistic
    regression before its softmax); its shapes say nothing of the columns'."""
    return any(isinstance(x, Leaf) and x.name in columns and x.column is None
               for s in sides if isinstance(s, Tensor) for x in walk(s))


def _dims(u: _Unify, k: int, tagged: bool, notation: Notation,
          rows_only: bool = False) -> list[Lin] | None:
    """A candidate's solved dimensions, those that come out 1 dropped; None when one is not
    a layer's width at a fixed offset. `rows_only`: the first (a class-indexed name's columns
    are its classes, which no product fixes)."""
    dims: list[Lin] = []
    for name in _unknowns(k)[: 1 if rows_only else 2]:
        d = u.resolve(sympy.Function(name)(_T if tagged else sympy.Integer(0)))
        if d == ONE:
            continue
        lin = _lin(d, _T if tagged else None, notation)
        if lin is None:
            return None
        dims.append(lin)
    return dims


def _write_shape(rd: _Reading, q: str, dims: list[Lin] | None, tagged: bool, head: bool,
                 notation: Notation, lines: dict[str, int]) -> None:
    """The candidate's entry from its dimensions: a shape (and the layers it needs), or, with
    none, what it was before (a scalar, no quantity, a defined number)."""
    qs = rd.qs
    if q in rd.added and head and dims:
        del qs[q]["given"]  # h = \\tanh(W x + b): defined, not an input
    if not dims:
        if q in rd.promoted and head and q.startswith(tuple(_DECORATIONS)):
            del qs[q]["given"]  # \\hat{y} = \\sigma(w^T x): a defined number
        elif q in rd.promoted:
            del qs[q]
            rd.scalars[q] = rd.promoted[q]  # a number after all: the variable it was read as
        elif q in rd.added and not head and q in rd.numbers and q not in rd.scalars:
            pass  # y in L = -(y \\log a + ...): a given number, by its use beside numbers
        elif q in rd.added and not head and q in rd.arguments:
            pass  # y in L = l(\\mathbf{o}, y): a given number, an argument of the loss
        elif q in rd.added and not head:
            del qs[q]  # a letter that is no vector (an index, a word): not a quantity
        elif q in rd.added:
            del qs[q]["given"]  # C = \\frac{1}{2} (a - y) \\cdot (a - y): a defined number
        return
    n = rd.front["roles"]["layers"]
    qs[q]["shape"] = [_dim_text(d, notation.width, n, tagged) for d in dims]
    spec = notation.quantities.get(q)
    if tagged and spec is not None and spec.layer_range is not None:
        # w^l with C_{l-1} columns starts where layer l-1 exists, as in component form
        (c0, a0, b0), (c1, a1, b1) = spec.layer_range
        offs = [d[0] for d in dims]
        lo = (max(c0, 1 - min(offs)), a0, b0) if a0 == 0 else (c0, a0, b0)
        hi = (min(c1, -max(offs)), a1, b1) if a1 == 1 else (c1, a1, b1)
        qs[q]["layers"] = _range_text((lo, hi), n)
    what = "a matrix" if len(dims) == 2 else "a vector"
    times = " \\times ".join(qs[q]["shape"])
    where = f" (line {lines[q]})" if q in lines else ""
    rd.facts.append(f"${q}$ is {what} of shape ${times}$, read from its products and sums "
                    f"in vector form{where}")


_DECORATIONS = {"\\mathbf", "\\boldsymbol", "\\vec", "\\hat", "\\tilde", "\\bar", "\\widehat"}


def _tokens(doc: Document) -> list[tuple[Formula, list[Tok]]]:
    """Every formula's tokens, read once for the passes below (an unreadable one is left out:
    the check reports it)."""
    out = []
    for f in doc.formulas:
        try:
            out.append((f, tokenize(f.text, f)))
        except InputError:
            continue
    return out


def _entry_indices(toks: list[Tok]) -> set[int]:
    """The positions of the index letters of vector functions' entries (`softmax(s, k)`, as the
    lexer writes `softmax(s)_k`)."""
    out: set[int] = set()
    for k, t in enumerate(toks):
        if t.text not in ("\\mathrm", "\\operatorname"):
            continue
        close = _group(toks, k + 1)[1]
        if "".join(x.text for x in toks[k:close]) not in VECTOR_FUNCTIONS:
            continue
        depth, last = 0, None
        for j in range(close, len(toks)):
            depth += (toks[j].text == "(") - (toks[j].text == ")")
            if depth == 0:
                if last is not None and j - last == 2 and toks[last + 1].kind == "letter":
                    out.add(last + 1)
                break
            if depth == 1 and toks[j].text == ",":
                last = j
    return out


def _bare_letters(tokens: list, front: dict[str, Any]) -> list[str]:  # type: ignore[type-arg]
    """Letters a vector-form text uses as names the inference gave no meaning (`y` in
    `\\|y - a^L\\|^2`, `x` in `W x + b`): given quantities whose shape the unification finds."""
    roles = front.get("roles", {})
    known = set(front.get("quantities", {})) | set(front.get("functions", {})) | set(
        front.get("scalars", {})) | set(front.get("sizes", {})) | {v for v in roles.values() if v}
    known |= {"e", "d", "l", "T"}
    found: list[str] = []
    scripted = _script_letters(tokens)
    for f, toks in tokens:
        if f.annotation.get("local"):
            continue
        entries = _entry_indices(toks)
        k = 0
        while k < len(toks):
            t = toks[k]
            if k in entries:  # softmax(s, k): the entry's index, no name
                k += 1
                continue
            if (t.text in _DECORATIONS and k + 3 < len(toks) and toks[k + 1].text == "{"
                    and toks[k + 3].text == "}"
                    and (toks[k + 2].kind == "letter" or toks[k + 2].text in _GREEK)):
                name = f"{t.text}{{{toks[k + 2].text}}}"  # \\mathbf{x}, \\hat{y}: one name
                bold_known = t.text in _BOLD and toks[k + 2].text in front.get("quantities", {})
                if name not in known and name not in found and not bold_known:
                    found.append(name)
                k += 4
                continue
            if t.text in ("_", "^") or t.text in _FONTS or t.text in _WORD_ARGUMENTS:
                k = _group(toks, k + 1)[1]  # scripts, fonts' and words' arguments: no names
                continue
            if (t.kind == "letter" and t.text not in known and t.text not in found
                    and t.text not in scripted
                    and not (k > 0 and toks[k - 1].text in ("\\partial", "d"))):
                found.append(t.text)
            k += 1
    return sorted(found)


def _defined_first(tokens: list) -> set[str]:  # type: ignore[type-arg]
    """Decorated names a row starts with, before its `=` (`\\hat{y} = \\sigma(w^T x)`): names
    the text defines, not given numbers, though written like commands."""
    out: set[str] = set()
    for _f, toks in tokens:
        for k in range(len(toks) - 4):
            if (toks[k].text in _DECORATIONS and toks[k + 1].text == "{" and toks[k + 3].text == "}"
                    and toks[k + 4].text == "=" and (k == 0 or toks[k - 1].text in ("\\\\", "&"))):
                out.add(f"{toks[k].text}{{{toks[k + 2].text}}}")
    return out


def _transposed(tokens: list) -> set[str]:  # type: ignore[type-arg]
    """Names written with a transpose mark right after them (`\\theta^\\top x`): vectors or
    matrices, even where the inference took them for given numbers (\\theta, like \\eta)."""
    out: set[str] = set()
    for _f, toks in tokens:
        for k in range(len(toks) - 2):
            if toks[k].text in _GREEK and toks[k + 1].text == "^":
                grp = _group(toks, k + 2)[0]
                if [t.text for t in grp] in (["T"], ["\\top"], ["\\intercal"]):
                    out.add(toks[k].text)
    return out


def _lower(q: str) -> str | None:
    """`z` for `Z`, `\\delta` for `\\Delta`: the per-sample name of a batch matrix's."""
    if len(q) == 1 and q.isupper():
        return q.lower()
    if q.startswith("\\") and q[1:2].isupper() and q[2:].isalpha():
        return "\\" + q[1].lower() + q[2:]
    return None


def _call_like(tokens: list, q: str, qs: dict[str, dict[str, Any]]) -> bool:  # type: ignore[type-arg]
    """Whether every use of `q` is followed by a bracket, as a function's (`g^l(z^l)`); a use
    whose subscript lists layered quantities (`h_{W,b}(x)`) is a value of those parameters."""
    uses = calls = 0
    for _f, toks in tokens:
        words = _in_words(toks)
        for k, t in enumerate(toks):
            if t.text != q or k in words:
                continue
            j = k + 1
            of_parameters = False
            while j < len(toks) and toks[j].text in ("^", "_", "'"):
                if toks[j].text == "_":
                    names = [x.text for x in _group(toks, j + 1)[0]]
                    of_parameters = (len(names) >= 3 and all(n == "," for n in names[1::2])
                                     and all("layers" in qs.get(n, {}) for n in names[0::2]))
                j = j + 1 if toks[j].text == "'" else _group(toks, j + 1)[1]
            uses += 1
            calls += (j < len(toks) and toks[j].text in ("(", "\\left")) and not of_parameters
    return uses > 0 and calls == uses


def _in_words(toks: list[Tok]) -> set[int]:
    """The positions inside `\\begin{...}`, `\\text{...}` and the like: words, not names."""
    out: set[int] = set()
    for k, t in enumerate(toks):
        if t.text in _WORD_ARGUMENTS and k + 1 < len(toks) and toks[k + 1].text == "{":
            out.update(range(k + 1, _group(toks, k + 1)[1]))
    return out


def _script_letters(tokens: list) -> set[str]:  # type: ignore[type-arg]
    """Letters written in subscripts and superscripts: indices and tags, not names."""
    out: set[str] = set()
    for _f, toks in tokens:
        for k, t in enumerate(toks[:-1]):
            if t.text in ("_", "^"):
                out |= {x.text for x in _group(toks, k + 1)[0] if x.kind == "letter"}
    return out


def _rows(f, notation: Notation) -> list[tuple[list, bool]]:  # type: ignore[no-untyped-def]
    """Each row of a formula in vector form as its sides (trees, or None where a side is not in
    vector form), and whether the row defines a name (`z^l = ...`, `ℓ = \\frac{1}{2}\\|o -
    y\\|^2`): such rows may join open sizes, claims only fix them."""
    try:
        rows = parse_formula(f, Scope(notation, f))
    except InputError:
        return []
    out = []
    for eq in rows:
        if isinstance(eq, Equation):
            sides = [s.tensor for s in (eq.lhs, *eq.steps)]
            if any(isinstance(s, Tensor) for s in sides):
                named = isinstance(eq.lhs.expr, Quantity) and not (
                    eq.lhs.expr.indices or eq.lhs.expr.layer is not None)
                out.append((sides, isinstance(sides[0], Leaf) or named))
    return out

