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
    _plain_name,
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


class _Inference(_Layers, _Front):
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

    # -- definitions ---------------------------------------------------------------------------
    def _definitions(self, quantities: dict[str, list[Occ]], functions: dict[str, int],
                     tag_symbols: set[str]) -> dict[str, list[Row]]:
        """Each quantity's and function's defining rows, in document order."""
        defined: dict[str, list[Row]] = defaultdict(list)
        self.definition_rows: dict[int, set[int]] = defaultdict(set)
        self.head_rows: dict[int, set[int]] = defaultdict(set)
        self.ambiguous: dict[tuple[int, int], str] = {}
        self.claims: set[tuple[int, int]] = set()  # rows that look like definitions, checked
        self.bypassed: set[str] = set()  # quantities whose self-feeding definition is a claim
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
                    and ([o.name for o in right if o.name in quantities] == [left[0].name]
                         or (left[0].tag is None and left[0].sub is None
                             and self._per_sample_later(r, left[0].name)))):
                # C = \frac{1}{2n} \sum_x \|y(x) - a^L(x)\|^2, then C = \frac{1}{2}\|y - a^L\|^2
                # for one sample: the first is the cost of the batch, the second is C
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
                if name in defined:  # f(z) = tanh(z) after f(z) = 1/(1+e^{-z}): another choice
                    self.facts.append(f"${name}$ is defined again at line {o.line}: the formulas "
                                      "after it use that definition")
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
            if any(x.name == name and x.tag == o.tag and _indices(x) == _indices(o)
                   for x in rhs if x.side == 1):
                continue  # w = w - ...: an update (a^l = f(a^{l-1}) is a definition)
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
            fixed_tag = (o.tag is not None and o.tag[1] is not None and o.tag[1][1:] == (0, 0)
                         and self.layer_var is None)
            if name in defined and fixed_tag and all(
                    next(x for x in rr.occs if x.side == 0).tag != o.tag for rr in defined[name]):
                pass  # z^{[2]} = ... after z^{[1]} = ...: another fixed layer's definition
            elif name in defined:
                again = name in functions or (o.sub is None and o.tag is None
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
        self._two_chains(defined)
        return defined

    def _per_sample_later(self, row: Row, name: str) -> bool:
        """Whether a row after `row` defines `name` again without a sum over the samples."""
        after = False
        for r in self.rows:
            if r is row:
                after = True
                continue
            left = [o for o in r.occs if o.side == 0]
            if (after and r.relation in _DEFINE and len(left) == 1 and left[0].name == name
                    and _single_name(r.sides[0])
                    and not any(i == self.sample for i, _ in r.bounds)):
                return True
        return False

    def _two_chains(self, defined: dict[str, list[Row]]) -> None:
        """a^l = sigma(sum_k w^l_{jk} a^{l-1}_k + b^l_j) beside z^{l+1} = sum_j w a^l + b: two
        forward chains, and in the first, a does not pass through z, so every derivative by z
        would be 0. The self-feeding row is then checked as a claim, not taken as a definition."""
        def heads(rows: list[Row]) -> list[tuple[Row, Occ]]:
            return [(r, next(o for o in r.occs if o.side == 0)) for r in rows]

        for p, rows in list(defined.items()):
            for r, head in heads(rows):
                feeds = any(o.side >= 1 and o.name == p and o.tag and head.tag and o.tag[1]
                            and head.tag[1] and o.tag[1][0] < head.tag[1][0] for o in r.occs)
                linked = any(o.side >= 1 and o.name == p and o.tag and h.tag and o.tag[1]
                             and h.tag[1] and o.tag[1][0] < h.tag[1][0]
                             for q, qrows in defined.items() if q != p
                             for rr, h in heads(qrows) for o in rr.occs)
                if feeds and linked:
                    self.definition_rows[r.formula.number].discard(r.number)
                    self.head_rows[r.formula.number].discard(r.number)
                    self.claims.add((r.formula.number, r.number))
                    self.bypassed.add(p)
                    defined[p].remove(r)
                    self.facts.append(
                        f"line {head.line} defines ${p}$ from its own lower layer, while another "
                        f"quantity is defined from ${p}$: it is checked as a claim, and ${p}$ "
                        "has no definition of its own")
            if not defined[p]:
                del defined[p]
        for r in self.rows:  # the same self-feeding definition written again (in vector form)
            left = [o for o in r.occs if o.side == 0]
            if (len(left) == 1 and left[0].name in self.bypassed and r.relation in _DEFINE
                    and _single_name(r.sides[0]) and left[0].tag and left[0].tag[1]
                    and any(o.side >= 1 and o.name == left[0].name and o.tag and o.tag[1]
                            and o.tag[1][0] < left[0].tag[1][0] for o in r.occs)):
                self.claims.add((r.formula.number, r.number))

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
            elif all(o.sub is None and o.sup is None for o in uses) and any(
                    o.after_partial == "den" for o in uses):
                out[name] = False  # \frac{d}{du} \tanh(u): a variable of its own
        return out

    # -- the front matter ---------------------------------------------------------------------
    def _loss(self, quantities: dict[str, list[Occ]], defs: dict[str, list[Row]]) -> str | None:
        counts = Counter(o.name for o in self.occs if o.after_partial == "num"
                         and o.sub is None and o.tag is None and o.name in quantities)
        if not counts:
            return None
        # the loss of one sample; not a batch's mean of it (J = 1/m sum_i L^{(i)})
        batch = {q for q, rows in defs.items() if any(
            not upper or _plain_name(upper) == "m" for r in rows for _, upper in r.bounds)
            and any(o.name in counts and o.name != q for r in rows for o in r.occs)}
        return sorted(counts, key=lambda q: (-(q in defs), q in batch, -counts[q], q))[0]

    def _own_input(self, quantities: dict[str, list[Occ]], defs: dict[str, list[Row]],
                   first: int) -> bool:
        """Whether the first fixed layer is computed from an input of its own (x, never
        defined, without a layer tag): then the text's input is layer 0."""
        for rows in defs.values():
            for r in rows:
                head = next(o for o in r.occs if o.side == 0)
                if head.tag and head.tag[1] == (first, 0, 0) and any(
                        o.side >= 1 and o.name in quantities and o.name not in defs
                        and o.tag is None and o.sub is not None for o in r.occs):
                    return True
        return False

