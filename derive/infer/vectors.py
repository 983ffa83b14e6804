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
from derive.infer.scan import Lin
from derive.infer.stated import rows_fact, stated_rows
from derive.infer.subscript_layers import layer_name
from derive.infer.text import _dim_text, _range_text
from derive.infer.unify import (
    _T,
    _anchored_widths,
    _lin,
    _small_letter,
    _solve,
    _Unify,
    _unknowns,
    _untagged_widths,
)
from derive.infer.vectokens import (
    _DECORATIONS,
    _GREEK,
    _bare_letters,
    _call_like,
    _defined_first,
    _formals,
    _lower,
    _tokens,
    _transposed,
)
from derive.latex import (
    Equation,
    Scope,
    parse_formula,
)
from derive.notation import Notation, notation_from_front
from derive.sources.document import Document
from derive.tensor import (
    ONE,
    Leaf,
    Plus,
    ShapeMismatch,
    Tensor,
    walk,
)
from derive.vecparse import VECTOR_OPS

# the trace of a matrix, `\\mathrm{tr}(X)`, `Tr(X)` (derive.vecparse.trace)
_TRACE_WORD = re.compile(r"(?:\\(?:mathrm|operatorname|text|textrm)\{(?:tr|Tr|trace|Trace)\}|(?<![A-Za-z\\])(?:tr|Tr|trace|Trace))\s*(?:\\left\s*)?\(")
_TRANSPOSE = re.compile(r"\^\s*(?:T\b|\{[^{}]*(?:T|\\top|\\intercal)\s*\})")


def vector_text(doc: Document) -> bool:
    """Whether the text writes a vector operator anywhere (a transpose, \\odot, \\nabla, ...)."""
    return any(any(op in f.text for op in VECTOR_OPS) or _TRANSPOSE.search(f.text)
               or _TRACE_WORD.search(f.text) for f in doc.formulas)


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
    unsized: list[str] = field(default_factory=list)  # tagged, their sizes left open
    formals: dict[str, str] = field(default_factory=dict)  # vector function -> its parameter


# a row over the minibatch with deeplearning.ai's d-names: `dW^{[l]} = \frac{1}{m} ...`
_DLAI_MEAN = re.compile(r"(?<![A-Za-z\\])d[A-Za-z]\^\{?\[.*\\frac\{1\}\{m\}", re.S)


def vector_shapes(doc: Document, front: dict[str, Any], file: str,
                  unread: set[str], columns: dict[str, Lin] | None = None,
                  guessed: set[str] | None = None, claimed: set[str] | None = None
                  ) -> list[str]:
    """Shapes for the quantities the text writes only without indices (changing `front` in
    place, and adding to `unread` what it cannot read), and the facts to tell the reader.
    `columns`: the names written with a class index (derive.infer.classes), each with the
    number of classes: matrices whose columns are the vectors written. `guessed`: quantities
    whose shape no row of entries wrote (a guess): read here too, the guess kept unless the
    vector form gives a shape."""
    if not vector_text(doc):
        return []
    sized = {q for q in claimed or () if front.get("quantities", {}).get(q, {}).get("shape")}
    if sized:  # W^l_{jk} sized by claims only: kept, unless it makes a definition unfit
        trial, trial_unread = copy.deepcopy(front), set(unread)
        facts = vector_shapes(doc, trial, file, trial_unread, columns, guessed)
        if _definitions_fit(doc, trial, file):
            front.clear()
            front.update(trial)
            unread |= trial_unread
            return facts
    qs = front.setdefault("quantities", {})
    before = copy.deepcopy(qs)
    tokens = _tokens(doc)
    labels = front.get("roles", {}).get("labels")
    held = {q: qs[q].pop("shape") for q in sorted(guessed or ()) if q in qs and q != labels
            and "layers" not in qs[q] and len(qs[q].get("shape", ())) == 1}  # a vector's
    held.update({q: qs[q].pop("shape") for q in sorted(sized) if q in qs
                 and qs[q].get("shape") and q not in held})  # what only claims sized
    rd = _candidates(front, qs, tokens, unread, identities(doc), set(held) & sized)
    if set(before) - set(qs) and any(_DLAI_MEAN.search(f.text) for f in doc.formulas):
        rd.facts.append("in a row that divides by the batch size, deeplearning.ai's $dW^{[l]}$ "
                        "of a parameter is the derivative of the minibatch's mean loss, "
                        "$\\frac{1}{m} \\sum_i \\frac{\\partial \\mathcal{L}}{\\partial "
                        "W^{[l]}}$ (its cost $J$), and $dZ^{[l]}$ the samples' $dz^{[l]}$, one per "
                        "column")
    rd.columns = columns or {}
    try:
        notation = notation_from_front(front, file) if rd.candidates else None
    except InputError:
        notation = None
    if notation is not None:
        _shapes(doc, rd, notation)
        for q in rd.unsized:  # a layer's matrix whose sizes no row fixes: not read as a number
            unread.add(q)
            rd.facts.append(f"${q}$: its sizes are not read from the vector form (no row fixes "
                            "them as a layer's widths): what uses it is not checked")
    for q, shape in held.items():
        if q in qs and len(qs[q].get("shape", ())) != (len(shape) if q in sized else 1):
            qs[q]["shape"] = shape  # the vector form gives it no vector's size: the guess stays
            rd.facts = [f for f in rd.facts if not f.startswith(f"${q}$ is a")]
    if notation is None:
        row = None if rd.candidates or "vectors" in front else stated_rows(doc, qs)
        if row is not None:  # nothing to shape, no product to decide: the statements do
            front["vectors"] = "row"
            rd.facts.append(rows_fact(row, False))
        return rd.facts
    try:
        notation_from_front(front, file)
    except InputError as exc:  # shapes that do not fit the layers read: not used
        unread.update(set(before) - set(qs))  # the minibatches too: not read
        front["quantities"] = before
        front.pop("vectors", None)
        return [f"the shapes read from the vector form do not fit the layers read ({exc.message}):"
                " not used, and what is written in vector form is not checked"]
    return rd.facts


def _definitions_fit(doc: Document, front: dict[str, Any], file: str) -> bool:
    """Whether every row of the text that defines a name in vector form (`z^l = W^l a^{l-1} +
    b^l`: the name's first row, not a later claim about it) fits the shapes of `front`."""
    try:
        notation = notation_from_front(front, file)
    except InputError:
        return False
    seen: set[str] = set()
    for f in doc.formulas:
        if f.annotation.get("local"):
            continue
        try:
            rows = parse_formula(f, Scope(notation, f))
        except InputError:
            continue
        for eq in rows:
            if not isinstance(eq, Equation) or not (eq.lhs.tensor is not None and isinstance(
                    eq.lhs.tensor, Leaf) or isinstance(eq.lhs.expr, Quantity)):
                continue  # a row that defines a name written whole (lowered to one entry)
            name = eq.lhs.tensor.name if isinstance(eq.lhs.tensor, Leaf) else str(eq.lhs.expr.name)
            if name in seen:
                continue
            seen.add(name)
            if any(isinstance(side.expr, ShapeMismatch) for side in (eq.lhs, *eq.steps)):
                return False
    return True


def _candidates(front: dict[str, Any], qs: dict[str, dict[str, Any]], tokens: list,  # type: ignore[type-arg]
                unread: set[str], about: bool = False, held: set[str] | None = None
                ) -> _Reading:
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
                or not spec.get("parameter") and (len(q) == 1 and q.isalpha() or layer_name(q)
                                                  or q.startswith(tuple(_DECORATIONS)))
                or (q.startswith(tuple(_DECORATIONS)) or q in _GREEK) and q in _defined_first(tokens)}
    if about:  # identities: `x` read of `\\partial \\mathbf{x}` is the bold name itself
        promoted = {q: v for q, v in promoted.items() if f"\\mathbf{{{q}}}" not in added}
    for q in promoted:
        del scalars[q]
        qs[q] = {"given": True}
        added.append(q)
    rd = _Reading(front, qs, scalars, added, promoted, identities=about)
    rd.arguments = lone_arguments(tokens, front.get("functions", {}))
    rd.formals = _formals(tokens)
    loss = front.get("roles", {}).get("loss")
    candidates = sorted(q for q, spec in qs.items() if not spec.get("shape") and q != loss
                        and not _call_like(tokens, q, qs))
    # Z^l = W^l A^{l-1} beside z^l = w^l a^{l-1}: the minibatch of the samples' vectors, one
    # column (or row) per sample, left out of the notation: the reader reads it as z's batch
    batch = [] if about else sorted(q for q in candidates if _lower(q) in qs  # X beside x
                                    and not _other_layers(qs[q], qs[_lower(q)])
                                    and q not in (held or ()))  # W^l_{jk}: entries of its own
    for q in batch:
        if qs[_lower(q)].get("parameter"):  # W beside w^l_{jk}: the matrix of w's entries
            unread.add(q)
            rd.facts.append(f"${q}$ beside the parameter ${_lower(q)}$ reads as the matrix of "
                            f"${_lower(q)}$'s entries, which the tool does not relate to "
                            f"${_lower(q)}$: what uses it is not checked")
            continue
        del qs[q]
        rd.facts.append(f"${q}$ beside ${_lower(q)}$ reads as the minibatch of the samples' "
                        f"${_lower(q)}$, one per column (one per row where the vectors are rows)")
    rd.candidates = [q for q in candidates if q not in batch]
    return rd


def _other_layers(capital: dict[str, Any], lower: dict[str, Any]) -> bool:
    """Whether a capital and its lowercase are written at layers none of which they share
    (`W^{[1]}` beside the one unit's `w^{[2]}`): two quantities, not a matrix of the other's
    entries nor a batch of it."""
    a, b = capital.get("layers"), lower.get("layers")
    if not a or not b or not all(re.fullmatch(r"\d+(\.\.\d+)?", x) for x in (a, b)):
        return False
    def span(x: str) -> set[int]:
        lo, _, hi = x.partition("..")
        return set(range(int(lo), int(hi or lo) + 1))
    return not span(a) & span(b)


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
    u, _, lines = _solve(layout, rd.candidates, unknown, rd.qs, read, notation.width,
                         rd.formals)
    heads = {sides[0].name for _, sides, _ in read if isinstance(sides[0], Leaf)}
    letters = False  # a network of letters whose widths were read
    if rd.candidates and not any("layers" in rd.qs[q] for q in rd.candidates) and not any(
            "layers" in spec for spec in rd.qs.values()):
        unread = _untagged_widths(u, rd.candidates, unknown, lines, layout, notation.width,
                                  rd.identities)
        rd.facts += unread
        letters = not unread
    elif any("layers" not in rd.qs[q] for q in rd.candidates):
        tagged = {q for q in rd.candidates if "layers" in rd.qs[q]}
        _anchored_widths(u, rd.candidates, unknown, tagged, layout, notation.width)
    rd.numbers = {q for q in rd.candidates if all(u.made_a_number(n) for n in _unknowns(unknown[q]))}
    if letters:
        rd.numbers |= {q for q in _summed(read) if _small_letter(q)}
    for q in rd.candidates:
        tagged = "layers" in rd.qs[q]
        dims = _dims(u, unknown[q], tagged, notation, q in rd.columns)
        if q in rd.columns and dims:
            dims = [*dims, rd.columns[q]]  # \\theta^{(k)}: the rows read, a column per class
        if dims is None and tagged and rd.qs[q].get("given"):
            rd.unsized.append(q)  # W^{[1]} x, x's size open: what a claim joins it to is no size
        _write_shape(rd, q, dims, tagged, q in heads, notation, lines)


def _summed(read: list) -> set[str]:  # type: ignore[type-arg]
    """The quantities a row adds to another term (`c` in `v^\\top h + c`, `y` in `\\hat y -
    y`): in a network of letters, one that comes out 1 x 1 is a given number, not a word."""
    return {x.name for _f, sides, _d in read for s in sides if isinstance(s, Tensor)
            for p in walk(s) if isinstance(p, Plus) for x in p.terms if isinstance(x, Leaf)}


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
    misfits = {v: _solve(v, rd.candidates, unknown, rd.qs, by_layout[v], width, rd.formals)[1]
               for v in by_layout}
    layout = "row" if misfits["row"] < misfits["column"] else "column"
    row = stated_rows(doc, rd.qs) if misfits["row"] == misfits["column"] else None
    if row is not None:  # a tie, and the text states its vectors as rows
        layout = rd.front["vectors"] = "row"
        rd.facts.append(rows_fact(row, True))
    elif layout == "row":
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


def _fixed_from_zero(qs: dict[str, dict[str, Any]], notation: Notation) -> bool:
    """Whether the text numbers fixed layers from 0 (`W^{[1]} x + b^{[1]}`, no layer
    variable): the layers it writes are its own numbers, one below the model's."""
    layers = [spec["layers"] for spec in qs.values() if "layers" in spec]
    return notation.first_layer == 0 and bool(layers) and all(
        re.fullmatch(r"\d+(\.\.\d+)?", x) for x in layers)


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
    if not tagged and notation.first_layer == 0:  # x in W^{[1]} x: the text's C_0
        dims = [(d[0] - 1, 0, d[2]) if d[1] == 0 else d for d in dims]
    named = {v: a for a, v in sorted(rd.front.get("sizes", {}).items(), reverse=True)}
    var = notation.layer_var
    shape = [_dim_text(d, notation.width, n, tagged, var=var) for d in dims]
    qs[q]["shape"] = shape if tagged else [named.get(d, d) for d in shape]  # D, not C_2
    if q in rd.promoted and not head and rd.promoted[q].get("parameter"):
        qs[q]["parameter"] = True  # \theta in h = \sigma(\theta^\top x): one for every sample
    spec = notation.quantities.get(q)
    if tagged and spec is not None and spec.layer_range is not None:
        # w^l with C_{l-1} columns starts where layer l-1 exists, as in component form
        (c0, a0, b0), (c1, a1, b1) = spec.layer_range
        offs = [d[0] for d in dims]
        lo = (max(c0, 1 - min(offs)), a0, b0) if a0 == 0 else (c0, a0, b0)
        hi = (min(c1, -max(offs)), a1, b1) if a1 == 1 else (c1, a1, b1)
        if notation.first_layer == 0 and lo[1] == hi[1] == 0:  # fixed layers: the text's own
            lo, hi = (lo[0] - 1, 0, lo[2]), (hi[0] - 1, 0, hi[2])  # numbers, from 0
            qs[q]["layers"] = _range_text((lo, hi), n, var=var)
        else:  # 1..L where the input is layer 0: its fixed end as the text numbers it, from 0
            qs[q]["layers"] = _range_text((lo, hi), n, notation.first_layer == 0, var)
    what = "a matrix" if len(dims) == 2 else "a vector"
    times = " \\times ".join(qs[q]["shape"])
    where = f" (line {lines[q]})" if q in lines else ""
    rd.facts.append(f"${q}$ is {what} of shape ${times}$, read from its products and sums "
                    f"in vector form{where}")


def _rows(f, notation: Notation) -> list[tuple[list, bool]]:  # type: ignore[no-untyped-def]
    """Each row of a formula in vector form as its sides (trees, or None where a side is not in
    vector form), and whether the row defines a name (`z^l = ...`, `ℓ = \\frac{1}{2}\\|o -
    y\\|^2`): such rows may join open sizes, claims only fix them."""
    try:
        rows = parse_formula(f, Scope(notation, f))
    except InputError:
        return []
    out = []
    for eq in rows:  # not a worked example's one output unit (derive.infer.example)
        if isinstance(eq, Equation) and eq.number not in f.example_units:
            sides = [s.tensor for s in (eq.lhs, *eq.steps)]
            if any(isinstance(s, Tensor) for s in sides):
                named = isinstance(eq.lhs.expr, Quantity) and not (
                    eq.lhs.expr.indices or eq.lhs.expr.layer is not None)
                out.append((sides, isinstance(sides[0], Leaf) or named))
    return out


def corrected_facts(facts: list[str], guesses: dict[str, list[str]],
                    qs: dict[str, dict[str, Any]]) -> list[str]:
    """The facts with each guessed size the vector form corrected written as read there."""
    for q, old in guesses.items():
        new = qs.get(q, {}).get("shape")
        if not old or not new or new == old:
            continue
        if len(old) == len(new) > 1:  # W^l_{jk}, sized by a claim: each index as now read
            def ranges(f: str, old: list[str] = old, new: list[str] = new) -> str:
                for letter, was, now in zip("ijkpqr", old, new):
                    f = f.replace(f"${letter}$ in 1..${was}$", f"${letter}$ in 1..${now}$")
                return f
            facts = [ranges(f) if f.startswith((f"${q}_", f"${q}^")) else f for f in facts]
            continue
        facts = [f.replace(f"in 1..${old[0]}$", f"in 1..${new[0]}$")
                 if f.startswith(f"${q}_") else f for f in facts
                 if not (f.startswith("the range of index") and f"${q}$ is not written" in f)]
    return facts
