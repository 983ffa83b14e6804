"""Reading a display formula at the token level: its rows, every name used with its scripts,
sums and their bounds (which superscripts are layer tags: derive.infer.tags). Nothing is
evaluated."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from derive.errors import InputError
from derive.infer.written import (
    _accented_vector,
    _group,
    _indicator_entry,
    _name_at,
    _scripts,
    _strip,
    _text,
    _transpose_written,
)
from derive.latex import (
    _FONTS,
    _GREEK,
    Tok,
    _check_sizes,
    _depth_split,
    split_at_gaps,
    strip_qualifiers,
    tokenize,
)
from derive.latex.header import without_header
from derive.sources.document import Formula

Lin = tuple[int, int, int]  # c + a·n + b·l, as in derive.notation

_DEFINE = {"=", ":=", "\\equiv", "\\coloneqq", "\\triangleq", "\\doteq"}
_RELATIONS = _DEFINE | {"\\leftarrow", "\\gets", "\\in", "\\approx", "\\rightarrow", "\\to"}
_NOT_NAMES = {"e", "d"}  # Euler's number; the d of dx
# functions every reader knows by name, used without a definition
_KNOWN_FUNCTIONS = {"\\sigma": 1, "\\mathrm{softmax}": 2, "\\operatorname{softmax}": 2}
# names notes use for functions (an activation, a cost): applied to a bracket, they are calls
_FUNCTION_NAMES = {"f", "g", "h", "\\sigma", "\\phi", "\\varphi", "\\psi"}
_ENVS = ("split", "aligned", "align", "align*", "gathered", "eqnarray", "equation", "equation*")


@dataclass
class Occ:
    """One use of a name in a formula."""

    name: str
    formula: int
    row: int  # 1-based row number, as derive.latex numbers them
    side: int  # 0 the left side of the row, 1.. the sides after each relation
    sup: list[Tok] | None
    sub: list[Tok] | None
    prime: bool
    call: int | None  # number of arguments when the name is applied to `( ... )`
    after_partial: str | None  # "num" / "den" when written right after a \partial
    line: int
    tag: tuple[str, Lin | None, str | None] | None = None  # (style, layer, symbol) once read
    args: tuple[str, ...] = ()  # a call's arguments when each is a bare name: J(W, b; x, y)
    in_bound: bool = False  # written in a sum's upper bound
    term: int = 0  # which top-level term of its side (split at + and -) it is written in
    transposed: bool = False  # its superscript ends with a transpose mark (`\theta^{(j)\top}`)
    inputs: tuple[str, ...] = ()  # h_{W,b}(x): the arguments of a value of the parameters


@dataclass
class Row:
    formula: Formula
    number: int
    sides: list[list[Tok]]
    relation: str | None
    occs: list[Occ] = field(default_factory=list)
    bounds: list[tuple[str, list[Tok]]] = field(default_factory=list)  # (index, upper bound)
    from_zero: list[str] = field(default_factory=list)  # the indices of sums written from 0


def _call_args(toks: list[Tok], i: int) -> tuple[int, int] | None:
    """When toks[i] opens `(` (or `\\left(`), the number of top-level arguments and the end."""
    if i < len(toks) and toks[i].text == "\\left" and i + 1 < len(toks):
        i += 1
    if i >= len(toks) or toks[i].text != "(":
        return None
    depth = 0
    args = 1
    for j in range(i, len(toks)):
        t = toks[j].text
        if t in ("(", "{", "["):
            depth += 1
        elif t in (")", "}", "]"):
            depth -= 1
            if depth == 0:
                return args, j + 1
        elif t == "," and depth == 1:
            args += 1
    return None


def _scan(toks: list[Tok], row: Row, side: int, out: list[Occ]) -> None:
    """Every name used in `toks`, with its scripts, and every sum's bound."""
    i = 0
    depth = term = 0
    while i < len(toks):
        depth += (toks[i].text in ("(", "{", "[")) - (toks[i].text in (")", "}", "]"))
        if depth == 0 and toks[i].text in ("+", "-"):
            term += 1
        if toks[i].text in ("\\sum", "\\prod"):
            i = _scan_sum(toks, i, row, side, out)
            continue
        entry = _indicator_entry(toks, i)
        if entry is not None:  # 1\{y^{(i)} = k\}: a use of y_k (the parser's reading)
            toks, i = [*toks[:i], *entry[0], *toks[entry[1]:]], i
        name, j = _name_at(toks, i)
        if name is None and toks[i].text in _FONTS and _accented_vector(
                toks[i], _group(toks, i + 1)[0]) is not None:
            i = j  # \hat{\mathbf{y}}: the vector of the \hat{y}_j, not a use of y
            continue
        if name is None or (name in _NOT_NAMES and not _is_indexed(toks, j)):
            i += 1
            continue
        start = j
        sup, sub, prime, j = _scripts(toks, j)
        call = _call_args(toks, j)
        f = row.formula
        out.append(Occ(name, f.number, row.number, side, sup, sub, prime,
                       call[0] if call else None, _partial_at(toks, i, j),
                       f.span(toks[i].start).line,
                       args=_bare_args(toks, j, call[1]) if call else (), term=term,
                       transposed=_transpose_written(toks, start, j)))
        i = j


def _scan_sum(toks: list[Tok], i: int, row: Row, side: int, out: list[Occ]) -> int:
    """A sum or product at i: its index and upper bound join the row's bounds, the names in
    the bound are scanned (n_x in \\sum_{k=1}^{n_x}: a size, not a quantity). Where it ends."""
    j = i + 1
    lower: list[Tok] = []
    upper: list[Tok] = []
    while j < len(toks) and toks[j].text in ("_", "^"):
        grp, nxt = _group(toks, j + 1)
        if toks[j].text == "_":
            lower = grp
        else:
            upper = grp
        j = nxt
    letters = [x for x in lower if x.kind == "letter"]
    if letters:
        row.bounds.append((letters[0].text, upper))
        rest = [x.text for x in lower if x.text not in ("{", "}")]
        if rest == [letters[0].text, "=", "0"]:
            row.from_zero.append(letters[0].text)  # Bishop's \\sum_{i=0}^{D}: index 0 a bias
    start = len(out)
    _scan(upper, row, side, out)
    for o in out[start:]:
        o.in_bound = True
    return j


def _partial_at(toks: list[Tok], i: int, end: int = -1) -> str | None:
    """Whether the name at i is in a derivative's numerator ("num") or denominator ("den"),
    when it is written right after a \\partial (\\partial z, \\partial{z}, {dx}) or after an
    operator-form derivative (\\frac{\\partial}{\\partial W} J: J is differentiated)."""
    if (i > 0 and toks[i - 1].text == "\\partial") or (
            i > 1 and toks[i - 1].text == "{" and toks[i - 2].text == "\\partial") or (
            i > 1 and toks[i - 1].text == "d" and toks[i - 2].text == "{"):
        return _part_of(toks, i)
    if i > 0 and toks[i - 1].text == "}" and _operator_before(toks, i):
        # \frac{\partial}{\partial b} w x + b: w a factor of what is differentiated, the
        # variable itself in it; \frac{\partial}{\partial W} J: J differentiated
        follows = 0 <= end < len(toks) and (toks[end].kind == "letter" or toks[end].text in _GREEK)
        return None if follows or _in_denominator(toks, i) else "num"
    return _nabla_at(toks, i)


def _nabla_at(toks: list[Tok], i: int) -> str | None:
    """`\\nabla_\\theta J`, `\\nabla_{\\theta} J(\\theta)`: J is differentiated ("num"), by the
    name written as the subscript ("den"), as in \\frac{\\partial J}{\\partial \\theta}."""
    if i > 1 and toks[i - 1].text == "_" and toks[i - 2].text == "\\nabla":
        return "den"
    if i > 2 and toks[i - 1].text == "{" and toks[i - 2].text == "_" and toks[i - 3].text == "\\nabla":
        return "den"
    p = i - 1
    if p >= 0 and toks[p].text == "}":  # \\nabla_{...} J: back over the subscript group
        depth = 0
        for q in range(p, -1, -1):
            depth += (toks[q].text == "}") - (toks[q].text == "{")
            if depth == 0:
                p = q - 1
                break
        else:
            return None
        return "num" if p >= 1 and toks[p].text == "_" and toks[p - 1].text == "\\nabla" else None
    if p >= 2 and toks[p - 1].text == "_" and toks[p - 2].text == "\\nabla":  # \\nabla_a C
        return "num"
    return None


def _bare_args(toks: list[Tok], start: int, end: int) -> tuple[str, ...]:
    """The arguments of `(W, b; x, y)` when each is one bare name (perhaps in a vector's font:
    `l(\\mathbf{y}, \\hat{\\mathbf{y}})`); () otherwise."""
    inner = [t for t in toks[start:end] if t.text not in ("\\left", "\\right")][1:-1]
    names: list[str] = []
    for part, _ in _depth_split(inner, {",", ";"}):
        if len(part) == 1 and (part[0].kind == "letter" or part[0].text in _GREEK):
            names.append(part[0].text)
            continue
        if not part or part[0].text not in _FONTS:
            return ()
        grp, nxt = _group(part, 1)
        name = _accented_vector(part[0], grp) or _name_at(part, 0)[0]
        if name is None or nxt != len(part):
            return ()
        names.append(name)
    return tuple(names)


def _is_indexed(toks: list[Tok], j: int) -> bool:
    """`e_j` or `d_k` is a name; `e^{x}` is Euler's number."""
    return j < len(toks) and toks[j].text == "_"


def _operator_before(toks: list[Tok], i: int) -> bool:
    """Whether toks[i] follows an operator-form derivative `\\frac{\\partial}{\\partial W}`."""
    depth = 0
    for p in range(i - 1, -1, -1):
        depth += (toks[p].text == "}") - (toks[p].text == "{")
        if depth == 0:  # p opens the denominator; before it the numerator {\partial}
            return (p >= 4 and toks[p - 1].text == "}" and toks[p - 2].text in ("\\partial", "d")
                    and toks[p - 3].text == "{" and toks[p - 4].text in ("\\frac", "\\dfrac"))
    return False


def _in_denominator(toks: list[Tok], i: int) -> bool:
    """Whether the name at i (after an operator-form derivative) is the name it is
    differentiated by."""
    depth = 0
    for p in range(i - 1, -1, -1):
        depth += (toks[p].text == "}") - (toks[p].text == "{")
        if depth == 0:
            return any(t.text == toks[i].text for t in toks[p:i])
    return False


def _part_of(toks: list[Tok], k: int) -> str:
    """Whether toks[k] is inside the numerator or the denominator of its \\frac."""
    for start in range(k, -1, -1):
        if toks[start].text in ("\\frac", "\\dfrac", "\\tfrac"):
            num, end = _group(toks, start + 1)
            first = toks[start + 1].start if start + 1 < len(toks) else 0
            if first <= toks[k].start < (toks[end - 1].end if end - 1 < len(toks) else 0):
                return "num"
            den, end2 = _group(toks, end)
            if end < len(toks) and toks[end].start <= toks[k].start < toks[end2 - 1].end:
                return "den"
    return "num"


def readable_rows(formulas) -> list[Row]:  # type: ignore[no-untyped-def]
    """The rows of every formula of `formulas` that can be read (the check reports what is
    wrong with the others)."""
    rows: list[Row] = []
    for f in formulas:
        try:
            rows += _rows(f)
        except InputError:
            continue
    return rows


# `_rows` by formula (held: a formula is frozen, a changed reading is a new object); the
# inference reads every formula's rows many times over (about twenty readers, three passes)
_ROWS: dict[int, tuple[Formula, list[Row] | InputError]] = {}


def _rows(formula: Formula) -> list[Row]:
    """The rows of a display formula, numbered as derive.latex numbers them: a fresh copy each
    call (readers tag the uses they read)."""
    held = _ROWS.get(id(formula))
    if held is None or held[0] is not formula:
        try:
            found: list[Row] | InputError = _scanned_rows(formula)
        except InputError as exc:
            found = exc
        if len(_ROWS) > 4096:
            _ROWS.clear()
        held = _ROWS[id(formula)] = (formula, found)
    if isinstance(held[1], InputError):
        raise held[1]
    return [_copy(r) for r in held[1]]


def _copy(r: Row) -> Row:
    return Row(r.formula, r.number, [list(s) for s in r.sides], r.relation,
               [copy.copy(o) for o in r.occs], list(r.bounds), list(r.from_zero))


def _scanned_rows(formula: Formula) -> list[Row]:
    _check_sizes(formula)  # the size bounds first: a 5 MB formula is not scanned
    toks = tokenize(formula.text, formula)
    _check_sizes(formula, toks)
    toks = without_header([t for t in toks if t.text not in ("\\nonumber", "\\notag")],
                          _RELATIONS)
    if toks and toks[0].text == "\\begin":
        grp, j = _group(toks, 1)
        if _text(grp) in _ENVS:
            toks = toks[j:]
            for k in range(len(toks) - 1, -1, -1):
                if toks[k].text == "\\end":
                    toks = toks[:k]
                    break
    toks = _without_environment_names(toks)
    rows: list[Row] = []
    segs = [part for seg, _ in _depth_split(toks, {"\\\\"})
            for part in split_at_gaps(seg, formula.text)]
    for seg in segs:
        seg = strip_qualifiers([t for part, _ in _depth_split(seg, {"&"}) for t in part])
        if not seg:
            continue
        parts = _depth_split(seg, _RELATIONS)
        sides = [p for p, _ in parts]
        relations = [r.text for _, r in parts if r is not None]
        if not sides[0] and rows:  # `&= ...` continues the row before
            prev = rows[-1]
            for s in sides[1:]:
                prev.sides.append(s)
                _scan(s, prev, len(prev.sides) - 1, prev.occs)
            continue
        row = Row(formula, len(rows) + 1, sides, relations[0] if relations else None)
        for k, s in enumerate(sides):
            _scan(s, row, k, row.occs)
        rows.append(row)
    return rows


def _without_environment_names(toks: list[Tok]) -> list[Tok]:
    """`\\begin{bmatrix}` inside a row: the environment's name is no use of the names b, m,
    a, t, r, i, x (its entries are scanned as written)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        if toks[k].text in ("\\begin", "\\end") and k + 1 < len(toks) and toks[k + 1].text == "{":
            out.append(toks[k])
            k = _group(toks, k + 1)[1]
            continue
        out.append(toks[k])
        k += 1
    return out


def _head(r: Row) -> Occ:
    """The first use on a row's left side: the name a definition defines."""
    return next(o for o in r.occs if o.side == 0)


def _digits(t: Tok) -> list[Tok]:
    """`11` as the indices 1, 1: one token per digit, with commas between (in its place)."""
    out: list[Tok] = []
    for k, c in enumerate(t.text):
        if k:
            out.append(Tok("sym", ",", t.start + k, t.start + k))
        out.append(Tok("num", c, t.start + k, t.start + k + 1))
    return out


def _indices(o: Occ) -> list[str | None]:
    """The neuron indices of a use: `_{ij}` -> [i, j], `_{i,3}` -> [i, None]."""
    if o.sub is None:
        return []
    out: list[str | None] = []
    toks = _strip(o.sub)
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.text != ",":
            nested = k + 2 < len(toks) and toks[k + 1].text == "_"
            out.append(None if nested or t.kind != "letter" else t.text)
            if nested:  # w_{1 n_{l-1}}: the size n_{l-1} is one index, written with its own
                k += 2
                if toks[k].text == "{":
                    depth = 0
                    while k < len(toks):
                        depth += (toks[k].text == "{") - (toks[k].text == "}")
                        if depth == 0:
                            break
                        k += 1
        k += 1
    return out


def _single_name(side: list[Tok]) -> bool:
    """A side that is one name with its scripts, or one function application `g(t)`."""
    toks = _strip(side)
    if not toks:
        return False
    i = 1
    if toks[0].text in _FONTS:
        _, i = _group(toks, 1)
    elif not (toks[0].kind == "letter" or toks[0].text in _GREEK):
        return False
    while i < len(toks) and toks[i].text in ("^", "_", "'"):
        i = i + 1 if toks[i].text == "'" else _group(toks, i + 1)[1]
    if i == len(toks):
        return True
    call = _call_args(toks, i)
    return call is not None and call[1] == len(toks)


def _is_call(side: list[Tok]) -> bool:
    """A side that is one function applied to its arguments: `g(t)`, `\\sigma'(z)`."""
    toks = _strip(side)
    return _single_name(side) and any(t.text == "(" for t in toks)


def _plain_name(toks: list[Tok]) -> str | None:
    """`x`, `y_1`, `{x_{2}}`: a letter with at most a one-token subscript, as text."""
    toks = [t for t in _strip(toks) if t.text not in ("{", "}")]
    if len(toks) == 1 and toks[0].kind == "letter":
        return toks[0].text
    if (len(toks) == 3 and toks[0].kind == "letter" and toks[1].text == "_"
            and toks[2].kind in ("letter", "num")):
        return f"{toks[0].text}_{toks[2].text}"
    return None


def function_bodies(rows: list[Row], functions: dict[str, int] | set[str]) -> dict[str, list[int]]:
    """The names the bodies of the text's function definitions read besides the
    arguments (`\\alpha` of `f(z) = \\max(\\alpha z, z)`, Haykin's slope `a`), each with the
    lines of the definitions that read it: rows `f(x, ...) = ...` of a function of
    `functions`, their left side the call alone, not primed."""
    found: dict[str, list[int]] = {}
    for r in rows:
        head = next((o for o in r.occs if o.side == 0), None)
        if (r.relation not in _DEFINE or len(r.sides) < 2 or head is None or head.call is None
                or head.prime or head.name not in functions or r.formula.number < 0
                or any(o.side == 0 and o.name not in head.args for o in r.occs[1:])):
            continue
        for o in r.occs:
            if o.side >= 1 and o.name not in head.args:  # `\\alpha(e^z - 1)`: alpha times
                lines = found.setdefault(o.name, [])
                if r.formula.line not in lines:
                    lines.append(r.formula.line)
    return found
