"""The shapes a text states in words: `$W \\in \\mathbb{R}^{4 \\times 3}$`, `$x \\in \\Re^{d}$`.

A statement `NAME \\in \\mathbb{R}^{r \\times c}` (inline or display; `\\Re`, `\\mathbb R`, several
names before one `\\in`) gives the quantity's shape: a number is a size, a letter a size's name.
The shapes are first read from the formulas' use (derive.infer.vectors, derive.infer.indices);
the statements are then matched against them, dimension by dimension. Where they agree, in a
network without layer tags, each open width (`C_1`) takes the stated size: a number is the size
the check uses (so that a finding names the text's 4 x 3, not C_1 x C_2), a letter the width's
name (`sizes.d = "C_1"`). Where they disagree (one width stated 4 and 3, a vector stated a
matrix, a stated size where the use fixes another) nothing stated about that width is used and
the disagreement is said at the statement's line. Two widths stated equal (a square 3 x 3
matrix) are honoured, and it is said that the matrix's shape then cannot tell it from its
transpose.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from derive.errors import InputError
from derive.infer.written import _group, _name_at, _scripts, _text
from derive.latex import Tok, tokenize
from derive.sources.document import Document, Formula

_REALS = {"\\Re", "\\R", "\\reals", "\\Reals"}
_TIMES = {"\\times", "×", "*", "\\cdot"}
_SIZE = re.compile(r"[0-9]+|[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?")


@dataclass(frozen=True)
class Stated:
    """One quantity's stated shape: its name, the superscript written on it (a layer tag:
    such statements are not applied), the sizes and where it is written."""

    name: str
    sup: str | None
    dims: tuple[str, ...]
    line: int
    latex: str  # the statement as written, for the facts


def _reals_at(toks: list[Tok], i: int) -> int | None:
    """Where the exponent of `\\mathbb{R}` (`\\Re`, `\\mathbb R`) at i starts, or None."""
    if i < len(toks) and toks[i].text in _REALS:
        return i + 1
    if i < len(toks) and toks[i].text in ("\\mathbb", "\\mathbf"):
        grp, j = _group(toks, i + 1)
        if _text(grp) == "R":
            return j
    return None


def _sizes(toks: list[Tok]) -> tuple[str, ...] | None:
    """`4 \\times 3`, `d`, `1\\times q`, `n_l`: the sizes, or None for anything else."""
    parts: list[list[Tok]] = [[]]
    for t in toks:
        if t.text in _TIMES:
            parts.append([])
        else:
            parts[-1].append(t)
    out = tuple(_text(p) for p in parts)
    if not out or len(out) > 2 or not all(_SIZE.fullmatch(d) for d in out):
        return None
    return out


def _names_before(toks: list[Tok], end: int) -> list[tuple[str, str | None]] | None:
    """The names of `x, y \\in ...` before the `\\in` at `end`: each one name with its scripts
    (a subscript is part of the name only as the inference reads it: not here), or None."""
    start = end
    while start > 0 and toks[start - 1].text not in ("=", "&", "\\quad", "\\qquad", ";", ":"):
        start -= 1
    names = []
    chunk: list[Tok] = []
    for t in [*toks[start:end], Tok("sym", ",", 0, 0)]:
        if t.text != ",":
            chunk.append(t)
            continue
        if not chunk:
            return None
        name, j = _name_at(chunk, 0)
        if name is None:
            return None
        sup, sub, prime, k = _scripts(chunk, j)
        if sub is not None or prime or k != len(chunk):
            return None
        names.append((name, _text(sup) if sup is not None else None))
        chunk = []
    return names


def _statements_of(f: Formula) -> list[Stated]:
    if "\\in" not in f.text:
        return []  # no `\in`, no statement: most formulas, spared a second tokenizing
    f = dataclasses.replace(f, capitals=(), transposed_capitals=())  # the names as written
    try:
        toks = tokenize(f.text, f)
    except InputError:
        return []
    out = []
    depth = 0
    for i, t in enumerate(toks):
        depth += (t.text in ("{", "(", "[")) - (t.text in ("}", ")", "]"))
        if t.text != "\\in" or depth:
            continue
        j = _reals_at(toks, i + 1)
        if j is None or j >= len(toks) or toks[j].text != "^":
            continue
        grp, k = _group(toks, j + 1)
        dims = _sizes(grp)
        names = _names_before(toks, i)
        if dims is None or not names:
            continue
        latex = f.text[toks[0].start if len(names) == 1 else toks[i].start:toks[k - 1].end]
        for name, sup in names:
            out.append(Stated(name, sup, dims, f.line, latex if len(names) == 1
                              else f"{name} {latex}"))
    return out


def statements(doc: Document) -> list[Stated]:
    """Every shape statement of the text, inline and in display, in the order of the text."""
    found = [s for f in (*doc.inline, *doc.formulas) for s in _statements_of(f)]
    return sorted(found, key=lambda s: s.line)


def _as_used(dims: tuple[str, ...], rank: int, layout: str) -> tuple[tuple[str, ...] | None, bool]:
    """The stated sizes in the rank of the shape read from use (a vector's `4 \\times 1` as
    `4`), None where they differ; and whether a vector is stated the other way round (`1
    \\times q`, a row, in a text of columns)."""
    if len(dims) == rank:
        return dims, False
    if rank == 1 and len(dims) == 2 and "1" in dims and dims != ("1", "1"):
        other = 1 if layout == "column" else 0
        return (dims[1 - dims.index("1")],), dims[other] != "1"
    return None, False


def _shape_text(dims: tuple[str, ...] | list[str]) -> str:
    return " \\times ".join(dims)


@dataclass
class _Match:
    """The stated sizes of each width the use leaves open, and the disagreements found."""

    values: dict[str, dict[str, Stated]]  # width as written ("C_1") -> stated size -> statement
    facts: list[str]
    square: list[Stated]


def _of_capital(s: Stated, qs: dict[str, dict[str, Any]], layout: str,
                width: str) -> tuple[list[str], tuple[str, ...]] | None:
    """A capital the notation does not know, stated beside its lowercase: the minibatch of
    the samples' vectors (`\\mathbf{X} \\in \\mathbb{R}^{n \\times d}` beside x, a row per
    sample in a text of rows: d is x's size, n the batch's), or the matrix of the entries
    (`\\mathbf{W}` beside w_{ij}: its shape, or the transposed one where only that fits, as
    derive.infer.stated_capitals reads it). None for anything else."""
    low = qs.get(s.name.lower()) if len(s.name) == 1 and s.name.isupper() else None
    if low is None or s.name in qs or "layers" in low or len(s.dims) != 2:
        return None
    shape = [str(d) for d in low.get("shape", ())]
    if len(shape) == 1:
        return shape, (s.dims[1] if layout == "row" else s.dims[0],)
    if len(shape) != 2:
        return None
    fits = [all(a == b or _open(a, width) for a, b in zip(order, s.dims))
            for order in (shape, shape[::-1])]
    if fits.count(True) != 1:
        return None
    return shape, s.dims if fits[0] else s.dims[::-1]


def _spec_of(s: Stated, qs: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The quantity a statement is about: `x`, or the `\\mathbf{x}` the notation keeps."""
    for key in (s.name, f"\\mathbf{{{s.name}}}", f"\\boldsymbol{{{s.name}}}"):
        if key in qs:
            return qs[key]
    return None


def _at_layer(s: Stated, spec: dict[str, Any], width: str) -> list[str] | None:
    """A layer quantity's shape at the fixed layer its statement writes (`W^{(1)} \\in
    \\mathbb{R}^{h \\times d}` of a `C_{l+1} \\times C_l` weight: `C_2 \\times C_1`); None where
    the statement writes no layer of it, or the shape is not a width at an offset."""
    tag = (s.sup or "").strip("()[]{}")
    lo, _, hi = str(spec.get("layers", "")).partition("..")
    if not (tag.isdigit() and lo.isdigit() and (hi or lo).isdigit()
            and int(lo) <= int(tag) <= int(hi or lo)):
        return None
    out = []
    for d in spec.get("shape", ()):
        m = re.fullmatch(rf"{re.escape(width)}_(?:l|\{{l([+-][0-9]+)?\}})", str(d))
        if m is None:
            return None
        out.append(f"{width}_{int(tag) + int(m.group(1) or 0)}")
    return out


def _shape_stated(s: Stated, qs: dict[str, dict[str, Any]], width: str) -> list[str] | None:
    """The shape read from use of the quantity a statement is about, at its layer."""
    spec = _spec_of(s, qs)
    if spec is None or not spec.get("shape"):
        return None
    if "layers" in spec:
        return _at_layer(s, spec, width)
    return [str(d) for d in spec["shape"]] if s.sup is None else None


def _match(found: list[Stated], qs: dict[str, dict[str, Any]], layout: str,
           width: str) -> _Match:
    m = _Match({}, [], [])
    for s in found:
        capital = _of_capital(s, qs, layout, width) if s.sup is None else None
        if capital is not None:
            for have, want in zip(*capital):
                if _open(have, width):
                    m.values.setdefault(have, {}).setdefault(want, s)
            continue
        shape = _shape_stated(s, qs, width)
        if shape is None:
            continue
        used, turned = _as_used(s.dims, len(shape), layout)
        if turned:
            m.facts.append(f"line {s.line}: ${s.latex}$ writes ${s.name}$ as a "
                           f"{'row' if layout == 'column' else 'column'}, where the tool reads "
                           f"the text's vectors as {layout}s (the layout of its products); its "
                           "size is read as stated")
        if used is None:
            m.facts.append(f"line {s.line}: the text states ${s.latex}$, but its use makes "
                           f"${s.name}$ {_what(shape)} of shape ${_shape_text(shape)}$: the "
                           "statement disagrees with the formulas and is not used")
            continue
        for have, want in zip(shape, used):
            if not _open(have, width) and have != want and (have.isdigit() or want.isdigit()):
                m.facts.append(f"line {s.line}: the text states ${s.latex}$, but its use makes "
                               f"that size of ${s.name}$ ${have}$ (shape "
                               f"${_shape_text(shape)}$): the statement disagrees with the "
                               "formulas and is not used")
            elif _open(have, width):
                m.values.setdefault(have, {}).setdefault(want, s)
        if len(shape) == 2 and shape[0] != shape[1] and used[0] == used[1]:
            m.square.append(s)
    return m


def stated_rows(doc: Document, qs: dict[str, dict[str, Any]]) -> Stated | None:
    """The first statement of a vector as a row (`b \\in \\mathbb{R}^{1 \\times q}`) in a text
    whose statements write no vector as a column, and whose capitals beside their lowercase's
    entries (derive.infer.capitals) are all stated (which way an unstated one multiplies is
    no statement's); None otherwise."""
    found = statements(doc)
    stated = {s.name for s in found}
    if doc.formulas and any(c not in stated for c, _low in doc.formulas[0].capitals):
        return None
    vectors = [s for s in found if s.name in qs and s.sup is None and "layers" not in qs[s.name]
               and len(qs[s.name].get("shape", ())) == 1 and len(s.dims) == 2
               and s.dims.count("1") == 1]
    rows = [s for s in vectors if s.dims[0] == "1"]
    return rows[0] if rows and len(rows) == len(vectors) else None


def rows_fact(s: Stated, products: bool) -> str:
    said = ("its products fit both ways" if products
            else "no product in vector form says otherwise")
    return (f"line {s.line}: ${s.latex}$ writes ${s.name}$ as a row, and {said}: the text's "
            "vectors are read as rows (x W + b; to say otherwise: vectors = \"column\")")


def _stated_layout(doc: Document, found: list[Stated], front: dict[str, Any]) -> list[str]:
    """A text whose products do not say how it writes its vectors (none in vector form), but
    whose statements do: read as a text of rows (`stated_rows`)."""
    from derive.infer.vectors import vector_text  # (which imports this module)

    if "vectors" in front or vector_text(doc):
        return []
    row = stated_rows(doc, front["quantities"])
    if row is None:
        return []
    front["vectors"] = "row"
    return [rows_fact(row, False)]


def _what(shape: list[str]) -> str:
    return "a matrix" if len(shape) == 2 else "a vector"


def _open(d: str, width: str) -> bool:
    """A width the use leaves open: `C_1`, `C_{2}`, `C_n` (no size the text names or fixes)."""
    return d.startswith(f"{width}_")


def _taken(front: dict[str, Any]) -> set[str]:
    """The names a size's name may not be: quantities, functions, scalars, the roles."""
    roles = front.get("roles", {})
    return {*front.get("quantities", {}), *front.get("functions", {}),
            *front.get("scalars", {}), *(v for v in roles.values() if isinstance(v, str)),
            *front.get("sizes", {})}


def stated_shapes(doc: Document, front: dict[str, Any], told: list[str]) -> list[str]:
    """The stated shapes matched with the shapes read from use (changing `front` in place
    where they agree, in a network without layer tags): the facts told before, each shape
    they give written as now read, and the new ones."""
    qs = front.get("quantities", {})
    if not qs or "roles" not in front or front.get("first_layer") == 0:
        return told
    found = statements(doc)
    if not found:
        return told
    width = front["roles"]["width"]
    facts = _stated_layout(doc, found, front)
    m = _match(found, qs, front.get("vectors", "column"), width)
    facts += m.facts
    chosen: dict[str, str] = {}
    for have, wants in m.values.items():
        if len(wants) > 1:
            (a, sa), (b, sb) = list(wants.items())[:2]
            also = "" if sa.line == sb.line else f" (line {sa.line})"
            facts.append(f"line {sb.line}: the text states ${sb.latex}$ and{also} "
                         f"${sa.latex}$, but the formulas make these sizes one (${have}$): "
                         f"{a} and {b} disagree, and neither is used")
            continue
        chosen[have] = next(iter(wants))
    taken = _taken(front)
    layered = any("layers" in spec for spec in qs.values())
    if layered and any(v.isdigit() for v in chosen.values()):
        facts.append("the sizes the text states in numbers agree with the formulas' use; the "
                     "check's networks keep widths of their own (a network of layers)")
    chosen = {k: v for k, v in chosen.items() if not (v.isdigit() and layered)
              and (v.isdigit() or v not in taken)}
    if not chosen:
        return told + facts
    sizes = front.setdefault("sizes", {})
    for have, want in sorted(chosen.items()):
        if not want.isdigit() and want not in sizes:
            sizes[want] = have
    for q, spec in qs.items():
        if spec.get("shape"):
            spec["shape"] = [chosen.get(str(d), d) for d in spec["shape"]]
            told = [_reshaped(f, q, spec["shape"]) for f in told]
    for have, want in chosen.items():  # `$j$ in 1..$C_1$`: in the text's size
        told = [f.replace(f"in 1..${have}$", f"in 1..${want}$") for f in told]
    said = ", ".join(f"${k} = {v}$" for k, v in sorted(chosen.items()))
    lines = sorted({s.line for w in chosen for s in m.values[w].values()})
    facts.append(f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}: the sizes "
                 f"the text states agree with the formulas' use and are read as written ({said})"
                 + ("; the check uses these sizes" if any(v.isdigit() for v in chosen.values())
                    else ""))
    for s in m.square:
        facts.append(f"line {s.line}: ${s.latex}$ is square: its shape cannot tell ${s.name}$ "
                     f"from ${s.name}^T$, so a transpose left out or written in excess is found "
                     "by the values only, not by the shapes")
    return told + facts


def _reshaped(fact: str, q: str, shape: list[str]) -> str:
    """A fact of derive.infer.vectors (`$W$ is a matrix of shape $C_1 \\times C_2$, ...`) with
    the shape as the statements give it."""
    if not fact.startswith(f"${q}$ is a"):
        return fact
    return re.sub(r"of shape \$[^$]*\$", lambda _m: f"of shape ${_shape_text(shape)}$", fact,
                  count=1)
