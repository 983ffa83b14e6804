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
from derive.functions import KRONECKER
from derive.infer.chain import _chain_rule, _local_formulas, stated_dependencies
from derive.infer.definitions import _Definitions
from derive.infer.front import _Front
from derive.infer.layers import _Layers
from derive.infer.scan import (
    _DEFINE,
    _FUNCTION_NAMES,
    _KNOWN_FUNCTIONS,
    Lin,
    Occ,
    Row,
    _indices,
    _rows,
    _sample_sup,
    _single_name,
    _strip,
    _tag,
    _tag_form,
    _text,
)
from derive.infer.vectors import vector_shapes
from derive.latex import without_sample
from derive.sources.document import Document


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
    # definitions the text takes for granted (sigma, the logistic sigmoid), in LaTeX
    assumed: tuple[str, ...] = ()
    claims: set[tuple[int, int]] = field(default_factory=set)  # rows never taken as definitions
    defined: dict[str, int] = field(default_factory=dict)  # name -> line of its definition
    layer_var: str | None = None


def _stated(doc: Document, number: int) -> dict[str, Any] | None:
    """The dependencies the inline maths just before formula `number` states (the prose's
    `u = f(x, y(x,t), z(x,t))`), between it and the display formula before it."""
    formulas = {f.number: f for f in doc.formulas}
    this = formulas[number]
    before = formulas[number - 1].line if number - 1 in formulas else 0
    for f in reversed(doc.inline):
        if before < f.line <= this.line:
            found = stated_dependencies(f.text)
            if found is not None:
                return found
    return None


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
    out.facts += vector_shapes(doc, out.front, doc.file, out.unread)
    out.local = local
    for k in sorted(local):
        ann = _chain_rule(per[k]) or _stated(doc, k)
        if ann is not None:
            out.local_annotations[k] = ann
            line = per[k][0].formula.line
            out.facts.append(f"line {line}: a chain rule in variables of its own, read as "
                             + ", ".join(f"${g}$" for g in ann["given"]))
    return out


# names of the logistic sigmoid, taken as such when a text uses one without defining it
_SIGMOIDS = {"\\sigma", "\\mathrm{sigm}", "\\mathrm{sigmoid}", "\\operatorname{sigmoid}"}


class _Inference(_Layers, _Front, _Definitions):
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.occs = [o for r in rows for o in r.occs]
        self.facts: list[str] = []

    # -- what the names are ------------------------------------------------------------------
    def run(self) -> Inferred:
        self._kronecker()
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
        # a width's subscript is a layer (C_l, C_{l+1}, s_{n_l}, C_2); n_x or n_h name sizes
        sup_letters = {t.text for o in occs if o.sup for t in o.sup if t.kind == "letter"}
        for r in self.rows:
            for _index, upper in r.bounds:
                u = [t for t in _strip(upper) if t.text not in ("{", "}")]
                if u and u[0].kind == "letter":
                    if len(u) >= 3 and u[1].text == "_" and all(
                            t.kind == "num" or t.text in sup_letters or t.text in "+-_"
                            for t in u[2:]):
                        widths[u[0].text] += 1
                    elif len(u) == 1:
                        sizes[u[0].text] += 1
        index_letters = {t.text for o in occs if o.sub and o.name not in widths
                         for t in o.sub if t.kind == "letter"}
        index_letters |= {i for r in self.rows for i, _ in r.bounds}
        # layer symbols: letters inside superscripts written as tags
        tag_counts: Counter[tuple[str | None, int]] = Counter()
        for o in occs:
            g = without_sample(_strip(o.sup)) if o.sup else []
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
            if all(o.in_bound for o in uses):
                continue  # n_x, n_h: sizes the sums are bounded by
            if name in index_letters and all(o.sub is None and o.sup is None for o in uses):
                continue
            if any(o.sub is not None or _tag(o, tag_symbols) for o in uses):
                quantities[name] = uses
            elif any(o.after_partial == "num" for o in uses):
                quantities[name] = uses
            elif any(_sample_sup(o) for o in uses):
                quantities[name] = uses  # y^{(i)}: the label of sample i
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
        if not widths:
            self.facts.append(f"the text names no layer widths: called ${width}_l$ here "
                              "(to name them: roles.width)")
        front = self._front(quantities, functions, scalars, defs, width, sizes)
        assumed = []
        for fn in sorted(functions):  # sigma used, never defined: the logistic sigmoid
            if fn in _SIGMOIDS and fn not in defs and functions[fn] == 1:
                var = next((v for v in ("t", "u", "s", "v", "r", "\\tau", "\\xi", "\\zeta", "\\vartheta", "\\varsigma") if v not in by_name), None)
                if var is None:  # every candidate letter is a name of the text
                    continue
                assumed.append(f"{fn}({var}) = \\frac{{1}}{{1 + e^{{-{var}}}}}")
                self.facts.append(f"${fn}$ taken as the logistic sigmoid "
                                  f"${assumed[-1]}$: the text uses it without defining it")
        return Inferred(front, self.facts, self.definition_rows, self.head_rows,
                        ambiguous=self.ambiguous, batch_mean=self.batch_mean,
                        unread=self.unread, assumed=tuple(assumed), claims=self.claims,
                        defined={q: rows[0].formula.line for q, rows in defs.items() if rows},
                        layer_var=layer_var)

    def _kronecker(self) -> None:
        """`\\delta_{ij}` (two indices, no layer tag) is the Kronecker delta, not a quantity,
        unless a row defines it so: its uses leave the names read (the error δ^{(l)}_j stays)."""
        uses = [o for o in self.occs if o.name in KRONECKER and o.sup is None and not o.prime
                and o.call is None and o.after_partial is None and o.sub is not None
                and len(ix := [t for t in _strip(o.sub) if t.text != ","]) == 2
                and all(t.kind in ("letter", "num") for t in ix)]
        if not uses or any(o.side == 0 and _single_name(r.sides[0]) and r.relation in _DEFINE
                           for r in self.rows for o in r.occs if o in uses):
            return
        for r in self.rows:
            r.occs = [o for o in r.occs if o not in uses]
        self.occs = [o for o in self.occs if o not in uses]
        first = uses[0]
        ij = [t.text for t in _strip(first.sub or []) if t.text != ","]
        other = any(o.name == first.name for o in self.occs)
        self.facts.append(
            f"${first.name}_{{{''.join(ij)}}}$ (line {first.line}) read as the Kronecker delta, 1 "
            f"when ${ij[0]} = {ij[1]}$ and 0 otherwise: two indices and no layer tag"
            + (f" (the other uses of ${first.name}$ are a quantity)" if other else ""))

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
                # \sum_x \|y(x) - a^L(x)\|^2: the sample as the argument of what it sums
                if not uses and any(o.call is not None and o.args == (letter,)
                                    for o in r.occs):
                    return letter
        return None

    def _lin(self, form: tuple[str | None, int], layer_var: str | None, depth: str | None) -> Lin:
        symbol, off = form
        if symbol is None:
            return (off, 0, 0)
        if symbol == layer_var:
            return (off, 0, 1)
        return (off, 1, 0)

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
            elif all(o.sub is None and o.sup is None for o in uses) and any(
                    o.after_partial == "den" for o in uses):
                out[name] = False  # \frac{d}{du} \tanh(u): a variable of its own
        return out
