"""The document's notation, inferred from its formulas when its front matter does not give it.

A lecturer's notes say what each symbol is by using it. This module reads every display formula
once, at the token level (no SymPy, nothing evaluated), and works out what the front matter would
otherwise say:

* which names are indexed quantities, functions, scalars, sizes and layer widths;
* the layer tag of each quantity (`^{(l)}`, `^{[l]}`, `^{l}`), the layer variable and the
  symbol for the number of layers;
* which rows define a quantity or function (the first equation whose left side is that name alone),
  and so which quantities are given (weights, biases, inputs, labels: never defined);
* the layers of each quantity, from the forward definition that links two layers
  (`z^{(l+1)} = ... a^{(l)}` or `z^l = ... a^{l-1}`): the activation exists in every layer and is
  given in the first, the quantity it feeds starts one layer later, the weights span the layers
  the definition needs;
* the range of each index, by unifying the indices that meet in one row (`w^{(l)}_{ij} a^{(l)}_j`
  makes the second index of w range as a^{(l)}'s), sum bounds first and definitions before claims;
* the roles: the loss (the name most often differentiated), the learning rate, the batch size.

The result is a front-matter table (`Inferred.front`), so that the rest of the pipeline reads an
inferred notation exactly as a written one, and a list of facts (`Inferred.facts`) that the check
shows as its "read as" summary, each with the line it rests on. An explicit front matter overrides
what is inferred, key by key (`merge`). Inference is deterministic: it depends on the formulas'
text and order only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from derive.errors import InputError
from derive.latex import (
    _FONTS,
    _GREEK,
    _VECTOR_FONTS,
    Tok,
    _depth_split,
    strip_qualifiers,
    tokenize,
)
from derive.sources.document import Document, Formula

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


@dataclass
class Row:
    formula: Formula
    number: int
    sides: list[list[Tok]]
    relation: str | None
    occs: list[Occ] = field(default_factory=list)
    bounds: list[tuple[str, list[Tok]]] = field(default_factory=list)  # (index, upper bound)


@dataclass
class Inferred:
    front: dict[str, Any]
    facts: list[str]  # the "read as" summary, one fact per entry
    definitions: dict[int, set[int]]  # formula number -> its rows that are definitions
    head_definitions: dict[int, set[int]]  # rows whose first pair defines, the rest are claims
    local: set[int] = field(default_factory=set)  # formulas of their own variables, not read
    # formula -> the local model a chain-rule formula takes for granted, as an annotation
    local_annotations: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (formula, row) -> why the row cannot be read as written (a notation the tool does not read)
    ambiguous: dict[tuple[int, int], str] = field(default_factory=dict)
    # (formula, row) -> the loss whose batch mean the row writes (C = 1/N sum_x C_x)
    batch_mean: dict[tuple[int, int], str] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)  # quantities used in a way not read


def _group(toks: list[Tok], i: int) -> tuple[list[Tok], int]:
    """The argument at i: a `{...}` group's inside, or one token."""
    if i >= len(toks):
        return [], i
    if toks[i].text != "{":
        return [toks[i]], i + 1
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == "{") - (toks[j].text == "}")
        if depth == 0:
            return toks[i + 1 : j], j + 1
    return toks[i + 1 :], len(toks)


def _strip(toks: list[Tok]) -> list[Tok]:
    while len(toks) >= 2 and toks[0].text == "{" and _group(toks, 0)[1] == len(toks):
        toks = toks[1:-1]
    return toks


def _text(toks: list[Tok]) -> str:
    return "".join(t.text for t in toks)


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
    f = row.formula
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in ("\\sum", "\\prod"):
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
            _scan(upper, row, side, out)
            i = j
            continue
        name = None
        j = i + 1
        if t.text in _FONTS and i + 1 < len(toks):
            grp, j = _group(toks, i + 1)
            inner = _text(grp)
            if t.text in _VECTOR_FONTS and (inner.isalpha() or inner in _GREEK):
                name = inner  # \mathbf{a}^{(n)}: the vector of a's layer n
            elif inner.isalpha() or inner in _GREEK or (inner.startswith("\\")
                                                        and inner[1:].isalpha()):
                name = f"{t.text}{{{inner}}}"
        elif t.kind == "letter" or t.text in _GREEK:
            name = t.text
        if name is None or (name in _NOT_NAMES and not _is_indexed(toks, j)):
            i += 1
            continue
        sup = sub = None
        prime = False
        while j < len(toks) and toks[j].text in ("^", "_", "'"):
            if toks[j].text == "'":
                prime = True
                j += 1
                continue
            grp, nxt = _group(toks, j + 1)
            if toks[j].text == "^" and _text(grp) in ("\\prime", "'", "\\prime\\prime"):
                prime = True
            elif toks[j].text == "^" and sup is None:
                sup = grp
            elif toks[j].text == "_" and sub is None:
                sub = grp
            else:
                break
            j = nxt
        call = _call_args(toks, j)
        partial = None
        if (i > 0 and toks[i - 1].text == "\\partial") or (
                i > 1 and toks[i - 1].text == "{" and toks[i - 2].text == "\\partial"):
            partial = _part_of(toks, i)
        elif i > 0 and toks[i - 1].text == "}" and _operator_before(toks, i):
            partial = "num"  # \frac{\partial}{\partial W} J: J is differentiated
        out.append(Occ(name, f.number, row.number, side, sup, sub, prime,
                       call[0] if call else None, partial, f.span(t.start).line,
                       args=_bare_args(toks, j, call[1]) if call else ()))
        for script in (sup, sub):  # names inside scripts: widths C_{l+1}, sizes n_l
            if script:
                inner_row = Row(f, row.number, [], None)
                _scan(script, inner_row, side, [])
        i = j
    return


def _bare_args(toks: list[Tok], start: int, end: int) -> tuple[str, ...]:
    """The arguments of `(W, b; x, y)` when each is one bare name; () otherwise."""
    inner = [t for t in toks[start:end] if t.text not in ("\\left", "\\right")][1:-1]
    names: list[str] = []
    for part, _ in _depth_split(inner, {",", ";"}):
        if len(part) != 1 or not (part[0].kind == "letter" or part[0].text in _GREEK):
            return ()
        names.append(part[0].text)
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


def _rows(formula: Formula) -> list[Row]:
    """The rows of a display formula, numbered as derive.latex numbers them."""
    toks = tokenize(formula.text, formula)
    toks = [t for t in toks if t.text not in ("\\nonumber", "\\notag")]
    if toks and toks[0].text == "\\begin":
        grp, j = _group(toks, 1)
        if _text(grp) in _ENVS:
            toks = toks[j:]
            for k in range(len(toks) - 1, -1, -1):
                if toks[k].text == "\\end":
                    toks = toks[:k]
                    break
    rows: list[Row] = []
    for seg, _ in _depth_split(toks, {"\\\\"}):
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


# ---------------------------------------------------------------------------------------------
# layer tags


def _tag(o: Occ, symbols: set[str]) -> tuple[str, list[Tok]] | None:
    """The style and inside of a superscript that reads as a layer tag."""
    if o.sup is None:
        return None
    g = _strip(o.sup)
    if len(g) >= 3 and g[1].text == "," and g[0].kind == "letter":
        g = g[2:]  # `^{x,l}`: a sample index before the layer
    for style, (opener, closer) in (("paren", "()"), ("bracket", "[]")):
        if len(g) >= 3 and g[0].text == opener and g[-1].text == closer:
            form = _tag_form(g[1:-1])
            if form is None or (form[0] is not None and form[0] not in symbols):
                return None  # x^{(i)}: a sample's index, not a layer
            return style, g[1:-1]
    if g and all(t.kind in ("letter", "num") or t.text in "+-_{}" for t in g):
        letters = {t.text for t in g if t.kind == "letter"}
        if letters and letters <= symbols:
            return "sup", g
    return None


def _tag_form(inner: list[Tok]) -> tuple[str | None, int] | None:
    """`l+1` -> ("l", 1), `n` -> ("n", 0), `2` -> (None, 2), `n_l` -> ("n_l", 0)."""
    inner = [t for t in _strip(inner) if t.text not in ("{", "}")]
    symbol = None
    offset = 0
    sign = 1
    k = 0
    while k < len(inner):
        t = inner[k]
        if t.text in ("+", "-"):
            sign = 1 if t.text == "+" else -1
        elif t.kind == "num" and t.text.isdigit():
            offset += sign * int(t.text)
        elif t.kind == "letter" and symbol is None:
            symbol = t.text
            if k + 2 < len(inner) and inner[k + 1].text == "_" and inner[k + 2].kind == "letter":
                symbol = f"{t.text}_{inner[k + 2].text}"
                k += 2
            if sign < 0:
                return None
        else:
            return None
        k += 1
    return symbol, offset


# ---------------------------------------------------------------------------------------------


def infer(doc: Document) -> Inferred:
    """The notation of `doc`, from its display formulas."""
    per: dict[int, list[Row]] = {}
    for f in doc.formulas:
        if f.annotation.get("local"):
            continue
        try:
            per[f.number] = _rows(f)
        except InputError:
            continue  # the check reports what is wrong with this formula
    local = _local_formulas(per)
    rows = [r for k, rs in per.items() if k not in local for r in rs]
    out = _Inference(rows).run()
    out.local = local
    for k in sorted(local):
        ann = _chain_rule(per[k])
        if ann is not None:
            out.local_annotations[k] = ann
            line = per[k][0].formula.line
            out.facts.append(f"line {line}: a chain rule in variables of its own, read as "
                             + ", ".join(f"${g}$" for g in ann["given"]))
    return out


def _derivatives(toks: list[Tok]) -> list[tuple[str, str, bool]]:
    """Every `\\frac{\\partial A}{\\partial B}` (or `\\frac{dA}{dB}`) between plain names, as
    (A, B, total), with A and B as written (`y_1`, `x`)."""
    out = []
    for k, t in enumerate(toks):
        if t.text not in ("\\frac", "\\dfrac", "\\tfrac"):
            continue
        num, j = _group(toks, k + 1)
        den, _ = _group(toks, j)
        num, den = _strip(num), _strip(den)
        if not num or not den or num[0].text != den[0].text or num[0].text not in (
                "\\partial", "d"):
            continue
        a, b = _plain_name(num[1:]), _plain_name(den[1:])
        if a and b:
            out.append((a, b, num[0].text == "d"))
    return out


def _plain_name(toks: list[Tok]) -> str | None:
    """`x`, `y_1`, `{x_{2}}`: a letter with at most a one-token subscript, as text."""
    toks = [t for t in _strip(toks) if t.text not in ("{", "}")]
    if len(toks) == 1 and toks[0].kind == "letter":
        return toks[0].text
    if (len(toks) == 3 and toks[0].kind == "letter" and toks[1].text == "_"
            and toks[2].kind in ("letter", "num")):
        return f"{toks[0].text}_{toks[2].text}"
    return None


def _chain_rule(rows: list[Row]) -> dict[str, Any] | None:
    """The local model a chain-rule formula takes for granted, from the derivatives it writes:
    each name differentiated depends on what it is differentiated by; a dependence that runs
    through another name is indirect (z = g(y_1, y_2), y_k = f_k(x_1, x_2)), unless the formula
    writes both the partial and the total derivative (du/dx beside the partial du/dx: u depends on
    x directly as well). None when the formula is not of that kind (a function in it, a name that
    is neither)."""
    derivs = [d for r in rows for side in r.sides for d in _derivatives(side)]
    if not derivs or any(o.call is not None for r in rows for o in r.occs):
        return None
    deps: dict[str, set[str]] = defaultdict(set)
    partial: set[tuple[str, str]] = set()
    total: set[tuple[str, str]] = set()
    for a, b, is_total in derivs:
        if a != b:
            deps[a].add(b)
            (total if is_total else partial).add((a, b))
    names = set(deps) | {b for bs in deps.values() for b in bs}

    def reach(a: str, seen: frozenset = frozenset()) -> set[str]:
        out: set[str] = set()
        for b in deps.get(a, ()):
            if b not in seen:
                out |= {b} | reach(b, seen | {a})
        return out

    if any(a in reach(a) for a in deps):
        return None  # circular: not a chain rule
    top = _derivatives(rows[0].sides[0])
    if not top or any(a != top[0][0] and a not in reach(top[0][0]) for a in deps):
        return None  # a name the left side does not depend on (u and f): how, the text says
    order = sorted(names, key=lambda a: (len(reach(a)), a))
    functions: dict[str, int] = {}
    given: list[str] = []
    coordinates: set[str] = set()
    for a in order:
        if a not in deps:
            continue
        indirect = {b for c in deps[a] for b in reach(c)}
        direct = sorted(b for b in deps[a] if b not in indirect or (
            (a, b) in partial and (a, b) in total))
        fname = f"F_{len(functions) + 1}"
        functions[fname] = len(direct)
        given.append(f"{a} = {fname}({', '.join(direct)})")
        if any(x == a for x, _ in total) and any(x == a for x, _ in partial):
            coordinates |= set(direct)  # its partials hold the other arguments fixed
    ann: dict[str, Any] = {"local": True, "functions": functions, "given": given}
    if coordinates:
        ann["coordinates"] = sorted(coordinates)
    return ann


def _local_formulas(per: dict[int, list[Row]]) -> set[int]:
    """Formulas of their own variables, such as a chain rule `\\partial z / \\partial x_1`
    between names the network uses with layer tags: no use in them has a layer tag, yet one of
    their names has one elsewhere. They are not read into the network's notation."""
    def tagged(o: Occ) -> bool:
        g = _strip(o.sup) if o.sup else []
        return bool(g) and ((g[0].text in "([" and len(g) >= 3) or any(
            t.kind == "letter" for t in g))
    names_tagged = {o.name for rs in per.values() for r in rs for o in r.occs if tagged(o)}
    out = set()
    for k, rs in per.items():
        if any(r.sides and _is_call(r.sides[0]) for r in rs):
            continue  # sigma(z) = ...: z is the function's own argument
        occs = [o for r in rs for o in r.occs]
        if names_tagged and occs and not any(tagged(o) for o in occs) and any(
                o.name in names_tagged and o.sup is None for o in occs):
            out.add(k)
    return out


class _Inference:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.occs = [o for r in rows for o in r.occs]
        self.facts: list[str] = []

    # -- what the names are ------------------------------------------------------------------
    def run(self) -> Inferred:
        occs = self.occs
        self.sample = self._sample_letter()
        for o in occs:  # C_x: the loss of sample x; its subscript is no neuron index
            if o.sub is not None and self.sample and _text(_strip(o.sub)) == self.sample:
                o.sub = None
        by_name: dict[str, list[Occ]] = defaultdict(list)
        for o in occs:
            by_name[o.name].append(o)
        # sizes: names in sum bounds; a subscripted one is a layer width
        widths: Counter[str] = Counter()
        sizes: Counter[str] = Counter()
        for r in self.rows:
            for _index, upper in r.bounds:
                u = [t for t in _strip(upper) if t.text not in ("{", "}")]
                if u and u[0].kind == "letter":
                    if len(u) >= 3 and u[1].text == "_":
                        widths[u[0].text] += 1
                    elif len(u) == 1:
                        sizes[u[0].text] += 1
        index_letters = {t.text for o in occs if o.sub and o.name not in widths
                         for t in o.sub if t.kind == "letter"}
        index_letters |= {i for r in self.rows for i, _ in r.bounds}
        # layer symbols: letters inside superscripts written as tags
        tag_counts: Counter[tuple[str | None, int]] = Counter()
        for o in occs:
            g = _strip(o.sup) if o.sup else []
            if len(g) >= 3 and g[1].text == "," and g[0].kind == "letter":
                g = g[2:]
            inner = (g[1:-1] if len(g) >= 3 and g[0].text in "([" and g[-1].text in ")]"
                     else g)
            form = _tag_form(inner) if inner else None
            if form and form[0] is not None and o.name not in widths:
                tag_counts[form] += 1
        symbols = {s for s, _ in tag_counts if s is not None}
        offsets = {s for s, off in tag_counts if s is not None and off != 0}
        layer_var = None
        if "l" in symbols:
            layer_var = "l"
        elif offsets:
            layer_var = max(sorted(offsets), key=lambda s: sum(c for (x, _), c in tag_counts.items()
                                                             if x == s))
        depth_candidates = sorted(symbols - {layer_var} - index_letters - set(by_name),
                                  key=lambda s: (-sum(c for (x, _), c in tag_counts.items()
                                                      if x == s), s))
        depth = depth_candidates[0] if depth_candidates else None
        tag_symbols = {s for s in (layer_var, depth) if s}
        # functions: applied names that are never indexed
        functions: dict[str, int] = {}
        indexed = {o.name for o in occs if o.sub is not None or o.sup is not None}
        for name, uses in by_name.items():
            calls = [o for o in uses if o.call is not None]
            if not calls or name in widths or name in tag_symbols:
                continue
            if any(o.sub is not None or _tag(o, tag_symbols) for o in uses):
                continue
            if not (all(o.call is not None or o.after_partial for o in uses)
                    or name in _KNOWN_FUNCTIONS):
                continue
            if any(len(o.args) >= 2 and set(o.args) <= indexed | {"x", "y"} for o in calls):
                continue  # J(W, b; x, y): the loss with its arguments, not a function
            # \eta (y - a): a scalar times a bracket, unless the name is defined as a function
            # (g(t) = ...), primed (g'), or one that notes use for functions
            defined_here = any(o.side == 0 and o.call is not None for o in uses)
            if not (defined_here or any(o.prime for o in uses) or name in _FUNCTION_NAMES
                    or name.startswith(("\\mathrm", "\\operatorname"))):
                continue
            functions[name] = max(Counter(o.call for o in calls).most_common(1)[0][0], 1)
        # quantities: indexed or layer-tagged names; bare names that are differentiated or defined
        quantities: dict[str, list[Occ]] = {}
        for name, uses in by_name.items():
            if name in functions or name in widths or name in sizes or name in tag_symbols:
                continue
            if name in index_letters and all(o.sub is None and o.sup is None for o in uses):
                continue
            if any(o.sub is not None or _tag(o, tag_symbols) for o in uses):
                quantities[name] = uses
            elif any(o.after_partial == "num" for o in uses):
                quantities[name] = uses
        for o in occs:
            if o.name in quantities:
                t = _tag(o, tag_symbols)
                if t is not None:
                    form = _tag_form(t[1])
                    if form is not None:
                        o.tag = (t[0], self._lin(form, layer_var, depth), form[0])
        self.layer_var, self.depth = layer_var, depth
        defs = self._definitions(quantities, functions, tag_symbols)
        self._taint(quantities, defs)
        scalars = self._scalars(by_name, quantities, functions, widths, sizes, index_letters,
                                tag_symbols)
        width = (widths.most_common(1)[0][0] if widths
                 else next(c for c in ("C", "K", "N", "M", "S") if c not in by_name))
        front = self._front(quantities, functions, scalars, defs, width, sizes)
        return Inferred(front, self.facts, self.definition_rows, self.head_rows,
                        ambiguous=self.ambiguous, batch_mean=self.batch_mean,
                        unread=self.unread)

    def _sample_letter(self) -> str | None:
        """The letter of a sum over the samples: `\\sum_x` without bounds whose letter indexes
        only names with no other index (C_x), never a neuron index."""
        for r in self.rows:
            for letter, upper in r.bounds:
                if upper:
                    continue
                uses = [o for o in self.occs if o.sub is not None and letter in _indices(o)]
                names = {o.name for o in uses}
                # C_x: each name it indexes is never indexed by another letter
                if uses and all(_indices(o) == [letter] for o in self.occs
                                if o.name in names and o.sub is not None):
                    return letter
        return None

    def _lin(self, form: tuple[str | None, int], layer_var: str | None, depth: str | None) -> Lin:
        symbol, off = form
        if symbol is None:
            return (off, 0, 0)
        if symbol == layer_var:
            return (off, 0, 1)
        return (off, 1, 0)

    # -- definitions ---------------------------------------------------------------------------
    def _definitions(self, quantities: dict[str, list[Occ]], functions: dict[str, int],
                     tag_symbols: set[str]) -> dict[str, list[Row]]:
        """Each quantity's and function's defining rows, in document order."""
        defined: dict[str, list[Row]] = defaultdict(list)
        self.definition_rows: dict[int, set[int]] = defaultdict(set)
        self.head_rows: dict[int, set[int]] = defaultdict(set)
        self.ambiguous: dict[tuple[int, int], str] = {}
        self.aliases: dict[str, Lin] = {}
        self.unread: set[str] = set()
        self.batch_mean: dict[tuple[int, int], str] = {}
        sections: dict[str, tuple[str, ...]] = {}
        for r in self.rows:
            if r.relation == "\\in" and len(r.sides) == 2:  # y_j \in \{0, 1\}: a premise
                self.definition_rows[r.formula.number].add(r.number)
                continue
            if r.relation not in _DEFINE or len(r.sides) < 2:
                continue
            left = [o for o in r.occs if o.side == 0]
            right = [o for o in r.occs if o.side == 1]
            if (self.sample and len(left) == 1 and len(r.sides) == 2
                    and any(i == self.sample for i, _ in r.bounds)
                    and [o.name for o in right if o.name in quantities] == [left[0].name]):
                # C = \frac{1}{N} \sum_x C_x: the cost of a batch, the mean of the samples'
                self.batch_mean[(r.formula.number, r.number)] = left[0].name
                continue
            if (len(r.sides) == 2 and _text(r.sides[1]) == "1" and r.sides[0][0].text == "\\sum"
                    and len(left) == 1 and left[0].name in quantities and left[0].tag is None
                    and left[0].name not in defined):  # \sum_c y_c = 1: a premise
                self.definition_rows[r.formula.number].add(r.number)
                self.facts.append(f"line {left[0].line} states a premise: the labels "
                                  f"${left[0].name}$ sum to one")
                continue
            if not left or not _single_name(r.sides[0]):
                continue
            o = left[0]
            name = o.name
            if name in functions:
                if o.prime or o.call is None:
                    continue
            elif name in quantities:
                if o.call is not None and len(o.args) < 2:
                    continue
                if o.tag is None and self.layer_var and any(q.tag for q in quantities[name]):
                    continue
                if o.tag is not None and self.layer_var and o.tag[2] != self.layer_var:
                    continue  # a^{(n)} = ...: a claim about one layer, not a definition
            else:
                continue
            rhs = [x for x in r.occs if x.side >= 1]
            if any(x.name == name for x in rhs if x.side == 1):
                continue  # w = w - ...: an update
            if (name in defined and o.tag is None and o.sub is not None
                    and any(t.text == "\\sum" for t in r.sides[1])
                    and _indices(o) != _indices(next(x for x in defined[name][0].occs
                                                     if x.side == 0))):
                # a_j = sum_i w_ji x_i, then a_k = sum_j w_kj z_j: index letters that name
                # layers (Bishop); not a claim about a_k, and not a notation the tool reads
                self.unread.add(name)
                self.ambiguous[(r.formula.number, r.number)] = (
                    f"${name}$ is defined again with another index ({', '.join(map(str, _indices(o)))}"
                    f" for {', '.join(map(str, _indices(next(x for x in defined[name][0].occs if x.side == 0))))}"
                    f"): the index letters seem to name layers, which the tool does not read; "
                    "write the layer as a tag, as in a^{(2)}_k")
                continue
            if name in defined:
                again = (o.sub is None and o.tag is None
                         and sections.get(name) != r.formula.section
                         and not any(x.after_partial for x in r.occs))
                if not again:
                    continue
            defined[name].append(r)
            sections[name] = r.formula.section
            # the pairs of the row that define (all of them when every left side is a name)
            if all(_single_name(s) for s in r.sides[:-1]):
                self.definition_rows[r.formula.number].add(r.number)
            else:
                self.head_rows[r.formula.number].add(r.number)
        return defined

    def _taint(self, quantities: dict[str, list[Occ]], defs: dict[str, list[Row]]) -> None:
        """What a refused row reads is not read either, nor what is defined from it."""
        for r in self.rows:
            if (r.formula.number, r.number) in self.ambiguous:
                self.unread |= {o.name for o in r.occs if o.name in quantities}
        changed = bool(self.unread)
        while changed:
            changed = False
            for name, rows in defs.items():
                if name not in self.unread and any(
                        o.name in self.unread for r in rows for o in r.occs):
                    self.unread.add(name)
                    changed = True

    def _scalars(self, by_name: dict[str, list[Occ]], quantities: dict, functions: dict,
                 widths: Counter, sizes: Counter, index_letters: set[str],
                 tag_symbols: set[str]) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for name, uses in by_name.items():
            if (name in quantities or name in functions or name in widths or name in sizes
                    or name in tag_symbols or name in index_letters):
                continue
            if all(o.sub is None and o.sup is None for o in uses) and name.startswith("\\"):
                out[name] = True
        return out

    # -- the front matter ---------------------------------------------------------------------
    def _front(self, quantities: dict[str, list[Occ]], functions: dict[str, int],
               scalars: dict[str, bool], defs: dict[str, list[Row]], width: str,
               sizes: Counter) -> dict[str, Any]:
        layer_var, depth = self.layer_var, self.depth
        n = depth or next(c for c in ("n", "L", "N") if c not in quantities and c != width)
        roles: dict[str, str] = {"layers": n, "width": width}
        used = {o.name for o in self.occs} | set(quantities) | set(functions) | set(scalars)
        used |= {n, width}

        def fresh(*choices: str) -> str:
            for c in choices:
                if c not in used and c not in quantities:
                    used.add(c)
                    return c
            raise AssertionError("no fresh name")  # the choices are more than the names in use

        bare_m = any(o.name == "m" and o.sub is None and o.sup is None for o in self.occs)
        if not bare_m and self.sample:  # C = \frac{1}{N} \sum_x C_x: N is the batch size
            for r in self.rows:
                if any(i == self.sample for i, _ in r.bounds):
                    bare = [o.name for o in r.occs if o.sub is None and o.sup is None
                            and o.name not in quantities and o.name not in functions
                            and o.name not in scalars and len(o.name) == 1
                            and o.name != self.sample and o.call is None]
                    if bare:
                        used.discard(bare[0])
                        roles["batch"] = bare[0]
                        break
        roles["batch"] = roles.get("batch") or "m" if (bare_m or "m" in sizes) and "m" not in quantities else roles.get("batch") or fresh(
            "m", "M", "B", "\\mu", "\\nu")
        samples = [self.sample] if self.sample else []
        samples += [t.text for o in self.occs if o.sup and o.tag is None
                   for g in [_strip(o.sup)] if len(g) == 3 and g[0].text == "("
                   for t in g[1:2] if t.kind == "letter" and t.text not in quantities]
        samples += [i for r in self.rows for i, _ in r.bounds
                    if not any(i in _indices(o) for o in r.occs)]
        roles["sample"] = (samples[0] if samples and samples[0] not in quantities
                           else fresh("x", "s", "\\xi", "\\zeta", "\\varsigma"))
        loss = self._loss(quantities, defs)
        if loss:
            roles["loss"] = loss
        rate = self._rate(scalars)
        if rate:
            roles["rate"] = rate
        if loss in defs:  # the labels: a given quantity without layers the loss compares with
            for o in defs[loss][0].occs:
                if (o.side >= 1 and o.name in quantities and o.name not in defs and o.tag is None
                        and len(_indices(o)) == 1 and o.name != loss):
                    roles["labels"] = o.name
                    break
        self.labels = roles.get("labels")
        tagged = {q for q, uses in quantities.items() if any(o.tag for o in uses)}
        styles = {q: Counter(o.tag[0] for o in quantities[q] if o.tag).most_common(1)[0][0]
                  for q in tagged}
        ranges, given_layers = self._ranges(tagged, defs, n)
        shapes = self._shapes(quantities, ranges, defs, width, n)
        out_q: dict[str, dict[str, Any]] = {}
        for q in sorted(quantities):
            spec: dict[str, Any] = {}
            if q in tagged and q in ranges:
                spec["layers"] = _range_text(ranges[q], n)
                spec["tag"] = styles[q]
                if q in given_layers:
                    spec["given_layers"] = _range_text(given_layers[q], n)
            if shapes.get(q):
                spec["shape"] = [_dim_text(d, width, n, q in tagged) for d in shapes[q]]
            differentiated = any(o.after_partial == "num" for o in quantities[q])
            if q not in defs and differentiated:
                # a loss or node the text differentiates but never defines: unknown, not an
                # input (an input's derivative would be 0, and every claim about it refuted)
                self.facts.append(f"${q}$ is differentiated but never defined: what rests on "
                                  "it cannot be checked")
            elif q not in defs:
                spec["given"] = True
                if q in tagged and any(o.after_partial == "den" for o in quantities[q]):
                    spec["parameter"] = True
            out_q[q] = spec
        self.facts[:0] = _summary(roles, out_q, functions, defs, layer_var)
        front: dict[str, Any] = {"roles": roles, "quantities": out_q}
        aliases = {a: v for a, v in self.aliases.items() if a not in quantities and a != n
                   and a not in roles.values()}
        if aliases:
            front["sizes"] = {a: _dim_text(v, width, n, False) for a, v in sorted(aliases.items())}
            self.facts.append("sizes named in the text: " + ", ".join(
                f"${a}$ = ${front['sizes'][a]}$" for a in sorted(aliases)))
        if functions:
            front["functions"] = dict(sorted(functions.items()))
        if scalars:
            front["scalars"] = {s: {"parameter": True, "given": True} for s in sorted(scalars)}
        return front

    def _loss(self, quantities: dict[str, list[Occ]], defs: dict[str, list[Row]]) -> str | None:
        counts = Counter(o.name for o in self.occs if o.after_partial == "num"
                         and o.sub is None and o.tag is None and o.name in quantities)
        if not counts:
            return None
        return sorted(counts, key=lambda q: (-(q in defs), -counts[q], q))[0]

    def _rate(self, scalars: dict[str, bool]) -> str | None:
        for r in self.rows:
            left = [o for o in r.occs if o.side == 0]
            if (r.relation == "=" and len(left) == 1 and len(r.sides) == 2
                    and any(o.name == left[0].name and o.side == 1 for o in r.occs)):
                for o in r.occs:  # W = W - \alpha ...: an update written with `=`
                    if o.name in scalars and o.side == 1:
                        return o.name
            if r.relation in ("\\leftarrow", "\\gets", "\\coloneqq", "\\rightarrow", "\\to", ":="):
                for o in r.occs:
                    if o.name in scalars:
                        return o.name
        return None

    def _ranges(self, tagged: set[str], defs: dict[str, list[Row]], n: str
                ) -> tuple[dict[str, tuple[Lin, Lin]], dict[str, tuple[Lin, Lin]]]:
        """The layers of each tagged quantity, from the definition that links two layers."""
        top: Lin = (0, 1, 0)
        first: Lin = (1, 0, 0)
        ranges: dict[str, tuple[Lin, Lin]] = {}
        given: dict[str, tuple[Lin, Lin]] = {}
        if self.layer_var is None:  # fixed layers only: each quantity where it is used
            for q in tagged:
                layers = [o.tag[1][0] for o in self.occs if o.name == q and o.tag
                          and o.tag[1] is not None and o.tag[1][1:] == (0, 0)]
                if layers:
                    ranges[q] = ((min(layers), 0, 0), (max(layers), 0, 0))
            return ranges, given
        link = None
        for q in sorted(defs):
            for r in defs[q]:
                head = next(o for o in r.occs if o.side == 0)
                if head.tag is None or head.tag[1] is None:
                    continue
                for o in r.occs:
                    if (o.side == 1 and o.tag and o.tag[1] is not None and o.tag[1][2] == 1
                            and o.tag[1][0] < head.tag[1][0] and o.name in defs
                            and o.name != q):
                        link = (q, head, o, r)
                        break
                if link:
                    break
            if link:
                break
        if link is None:
            for q in tagged:
                ranges[q] = (first, top)
            return ranges, given
        q, head, act, row = link
        dq, dp = head.tag[1][0], act.tag[1][0]
        ranges[q] = ((1 + dq - dp, 0, 0), top)
        ranges[act.name] = (first, top)
        given[act.name] = (first, first)
        self.facts.append(
            f"layer 1 is the input: ${act.name}$ is given there and ${q}$ starts at layer "
            f"{1 + dq - dp}, as its definition at line {head.line} reads")
        for o in row.occs:  # what the linking definition reads at other layers: weights, biases
            if o.side >= 1 and o.tag and o.tag[1] is not None and o.name not in ranges:
                d = o.tag[1][0]
                ranges[o.name] = ((1 - dp + d, 0, 0), (-dq + d, 1, 0))
        # the others: the layers of what defines them
        for name in sorted(tagged - set(ranges)):
            for r in defs.get(name, ()):
                head = next(o for o in r.occs if o.side == 0)
                src = [o for o in r.occs if o.side >= 1 and o.name in ranges and o.tag
                       and o.tag[1] is not None and o.tag[1][2] == 1]
                if head.tag and head.tag[1] and src:
                    lo, hi = ranges[src[0].name]
                    shift = head.tag[1][0] - src[0].tag[1][0]
                    ranges[name] = ((lo[0] + shift, lo[1], 0), (hi[0] + shift, hi[1], 0))
                    break
            ranges.setdefault(name, (first, top))
        return ranges, given

    def _shapes(self, quantities: dict[str, list[Occ]], ranges: dict, defs: dict, width: str,
                n: str) -> dict[str, list[Lin | None]]:
        """The range of each index of each quantity, as the width of a layer (a Lin of the
        layer it names, relative to the quantity's own layer tag for tagged quantities)."""
        arity: dict[str, int] = {}
        for q, uses in quantities.items():
            counts = Counter(len(_indices(o)) for o in uses if o.sub is not None)
            if counts:
                arity[q] = counts.most_common(1)[0][0]
        # off[(q, k)]: for a tagged q, the layer of its k-th index relative to its tag;
        # for an untagged q, the absolute layer (a Lin in n)
        off: dict[tuple[str, int], Lin] = {}
        tagged = {q for q in quantities if any(o.tag for o in quantities[q])}

        def absolute(o: Occ, k: int) -> Lin | None:
            v = off.get((o.name, k))
            if v is None:
                return None
            if o.name in tagged:
                if o.tag is None or o.tag[1] is None:
                    return None
                return _add(o.tag[1], v)
            return v

        def assign(o: Occ, k: int, layer: Lin) -> None:
            if (o.name, k) in off:
                return
            if o.name in tagged:
                if o.tag is None or o.tag[1] is None:
                    return
                rel = _sub(layer, o.tag[1])
                if rel[1] != 0 or rel[2] != 0:
                    return  # C_n against a tag l: not a fixed offset
                off[(o.name, k)] = rel
            elif layer[2] == 0:
                off[(o.name, k)] = layer

        def unify(rows: list[Row], with_bounds: bool) -> None:
            changed = True
            while changed:
                changed = False
                for r in rows:
                    groups: dict[str, list[tuple[Occ, int]]] = defaultdict(list)
                    for o in r.occs:
                        if o.name in arity and o.sub is not None:
                            idx = _indices(o)
                            if len(idx) == arity[o.name]:
                                for k, letter in enumerate(idx):
                                    if letter is not None:
                                        groups[letter].append((o, k))
                    bounds = dict(r.bounds) if with_bounds else {}
                    for letter, members in groups.items():
                        known = None
                        if letter in bounds:
                            known = self._bound_layer(bounds[letter], width)
                        if known is None:
                            for o, k in members:
                                known = absolute(o, k)
                                if known is not None:
                                    break
                        if known is None:
                            continue
                        for o, k in members:
                            if (o.name, k) not in off:
                                assign(o, k, known)
                                changed = changed or (o.name, k) in off

        def_rows = [r for rs in defs.values() for r in rs]
        def_rows = sorted(set(map(id, def_rows)))
        by_id = {id(r): r for r in self.rows}
        def_list = [by_id[i] for i in def_rows if i in by_id]
        unify(def_list, True)
        # neuron quantities (one index, tagged): the index runs over their own layer
        for q in sorted(tagged):
            if arity.get(q) == 1 and (q, 0) not in off and q in defs:
                off[(q, 0)] = (0, 0, 0)
        unify(def_list, True)
        unify(self.rows, True)
        for q in sorted(tagged):
            if arity.get(q) == 1 and (q, 0) not in off:
                off[(q, 0)] = (0, 0, 0)
        unify(self.rows, True)
        self._untagged_classes(quantities, arity, tagged, off, def_list)
        out: dict[str, list[Lin | None]] = {}
        for q in quantities:
            k = arity.get(q, 0)
            out[q] = [off.get((q, j)) for j in range(k)]
            if any(v is None for v in out[q]):
                missing = [j + 1 for j, v in enumerate(out[q]) if v is None]
                self.facts.append(f"the range of index {missing} of ${q}$ is not written: "
                                  "taken as the width of its own layer")
                fallback = (0, 0, 0) if q in tagged else (0, 1, 0)
                out[q] = [v if v is not None else fallback for v in out[q]]
        return out

    def _untagged_classes(self, quantities: dict[str, list[Occ]], arity: dict[str, int],
                          tagged: set[str], off: dict[tuple[str, int], Lin],
                          def_list: list[Row]) -> None:
        """Indices of quantities without layer tags (softmax regression: z_k, theta_{kd}, x_d)
        that meet in a row range alike; the class of the labels' index is the output layer n,
        the others the first layers (the inputs), so that inputs and classes differ in size."""
        parent: dict[tuple[str, int], tuple[str, int]] = {}

        def find(x: tuple[str, int]) -> tuple[str, int]:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        def slots(r: Row) -> dict[str, list[tuple[str, int]]]:
            groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for o in r.occs:
                if o.name in arity and o.name not in tagged and o.sub is not None:
                    idx = _indices(o)
                    if len(idx) == arity[o.name]:
                        for k, letter in enumerate(idx):
                            if letter is not None and (o.name, k) not in off:
                                groups[letter].append((o.name, k))
            return groups

        size: Counter[tuple[str, int]] = Counter()
        for rows in (def_list, self.rows):
            for r in rows:
                for members in slots(r).values():
                    for m in members[1:]:
                        a, b = find(members[0]), find(m)
                        if a == b:
                            continue
                        # definitions link freely; a claim only joins what is still alone, so
                        # that a slip in a claim cannot merge the inputs' and the classes' range
                        if rows is def_list or size[a] == 0 or size[b] == 0:
                            parent[b] = a
                            size[a] += size[b] + 1
        classes: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for x in sorted(parent, key=lambda k: (self._first_use(k[0]), k[1])):
            classes[find(x)].append(x)
        labels = self.labels
        order = sorted(classes.values(), key=lambda c: (not any(q == labels for q, _ in c),
                                                          self._first_use(c[0][0]), c[0][1]))
        for k, members in enumerate(order):
            layer: Lin = (0, 1, 0) if k == 0 else (min(k, 2), 0, 0)
            for m in members:
                off.setdefault(m, layer)
        # sizes the text names on their own: \sum_{k=1}^{D} V_{jk} x_k makes D the width of x's
        for r in self.rows:
            for letter, upper in r.bounds:
                u = [t for t in _strip(upper) if t.text not in ("{", "}")]
                if len(u) != 1 or u[0].kind != "letter" or u[0].text in self.aliases:
                    continue
                for o in r.occs:
                    if o.name in arity and o.name not in tagged and letter in _indices(o):
                        slot = (o.name, _indices(o).index(letter))
                        if slot in off:
                            self.aliases[u[0].text] = off[slot]
                            break

    def _first_use(self, name: str) -> int:
        return next((k for k, o in enumerate(self.occs) if o.name == name), len(self.occs))

    def _bound_layer(self, upper: list[Tok], width: str) -> Lin | None:
        u = [t for t in _strip(upper) if t.text not in ("{", "}")]
        if len(u) >= 3 and u[0].text == width and u[1].text == "_":
            form = _tag_form(u[2:])
            if form is not None:
                return self._lin(form, self.layer_var, self.depth)
        return None


def _indices(o: Occ) -> list[str | None]:
    """The neuron indices of a use: `_{ij}` -> [i, j], `_{i,3}` -> [i, None]."""
    if o.sub is None:
        return []
    out: list[str | None] = []
    for t in _strip(o.sub):
        if t.text == ",":
            continue
        out.append(t.text if t.kind == "letter" else None)
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


def _add(a: Lin, b: Lin) -> Lin:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _sub(a: Lin, b: Lin) -> Lin:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _lin_text(form: Lin, n: str, var: str = "l") -> str:
    c, a, b = form
    parts = []
    if a:
        parts.append(n if a == 1 else f"{a}{n}")
    if b:
        parts.append(var if b == 1 else f"{b}{var}")
    text = "+".join(parts)
    if c or not text:
        text = f"{text}{c:+d}" if text else str(c)
    return text


def _range_text(r: tuple[Lin, Lin], n: str) -> str:
    lo, hi = (_lin_text(x, n) for x in r)
    return lo if lo == hi else f"{lo}..{hi}"


def _dim_text(rel: Lin | None, width: str, n: str, tagged: bool = True) -> str:
    rel = rel or (0, 0, 0)
    if tagged and rel[1] == 0:  # relative to the quantity's layer
        rel = (rel[0], 0, 1) if rel[2] == 0 else rel
    text = _lin_text(rel, n)
    return f"{width}_{{{text}}}" if len(text) > 1 else f"{width}_{text}"


def _example(q: str, spec: dict[str, Any], var: str | None) -> str:
    """`w^{(l)}_{ij}`: how the quantity is written, for the summary."""
    letters = "ijkpqr"
    tag = ""
    if "layers" in spec:
        tag = {"paren": "^{{({})}}", "bracket": "^{{[{}]}}", "sup": "^{{{}}}"}[
            spec["tag"]].format(var or "l")
    shape = spec.get("shape", [])
    sub = f"_{{{letters[:len(shape)]}}}" if shape else ""
    return f"{q}{tag}{sub}"


def _summary(roles: dict[str, str], quantities: dict[str, dict[str, Any]],
             functions: dict[str, int], defs: dict[str, list[Row]], layer_var: str | None
             ) -> list[str]:
    """The facts the verdicts rest on, one sentence each, maths in `$...$`."""
    out = []
    n, width = roles["layers"], roles["width"]
    out.append(f"layers ${layer_var or 'l'}$ = 1..${n}$, layer 1 the input; "
               f"${width}_{{l}}$ neurons in layer $l$")
    for q, spec in quantities.items():
        bits = []
        if "layers" in spec:
            bits.append(f"layers {spec['layers']}")
        for letter, dim in zip("ijkpqr", spec.get("shape", [])):
            bits.append(f"${letter}$ in 1..${dim}$")
        if spec.get("given"):
            bits.append("given" + (", a parameter" if spec.get("parameter") else ""))
            if spec.get("given_layers"):
                bits.append(f"given in layer {spec['given_layers']}")
        elif q in defs:
            lines = ", ".join(str(r.occs[0].line) for r in defs[q])
            bits.append(f"defined at line{'s' if len(defs[q]) > 1 else ''} {lines}")
            if spec.get("given_layers"):
                bits.append(f"given in layer {spec['given_layers']}")
        out.append(f"${_example(q, spec, layer_var)}$: " + ", ".join(bits))
    for fn, arity in functions.items():
        where = (f"defined at line {defs[fn][0].occs[0].line}" if fn in defs
                 else "not defined in the text")
        out.append(f"${fn}$ a function of {arity} argument{'s' if arity > 1 else ''}, {where}")
    if roles.get("loss"):
        out.append(f"the loss ${roles['loss']}$ (the quantity the text differentiates)")
    if roles.get("rate"):
        out.append(f"the learning rate ${roles['rate']}$")
    return out


def merge(front: dict[str, Any], inferred: dict[str, Any]) -> dict[str, Any]:
    """The inferred front matter with the written one laid over it, key by key."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in inferred.items()}
    for key, value in front.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            merged.update(value)
            out[key] = merged
        else:
            out[key] = value
    return out
