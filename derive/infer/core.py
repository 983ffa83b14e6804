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

`_Inference.run` is the order of the steps; each concern is one module: the token scan
(derive.infer.scan) and layer tags (.tags), what each name is (.names, tables of rules), which rows
define (.definitions, a table of row rules), the layers (.layers) and index ranges (.indices) of
the quantities, the front matter and roles (.front, in words: .text), shapes read from vector form
(.vectors, unified in .unify), chain rules in variables of their own (.chain) and definitions
given only in the prose (.prose).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from derive.errors import InputError
from derive.functions import BY_SPELLING, KRONECKER, NAMED
from derive.infer.chain import _chain_rule, _local_formulas, stated_dependencies
from derive.infer.classes import class_columns, shape_columns
from derive.infer.definitions import _Definitions
from derive.infer.diagonal import diagonal_functions
from derive.infer.entry_column import column_shapes
from derive.infer.front import _Front
from derive.infer.indices import _Indices
from derive.infer.inferred import Inferred
from derive.infer.layers import _Layers
from derive.infer.lettered import assumed_softmax, letter_labels, whole_softmax
from derive.infer.letters import every_unit, pattern_letter
from derive.infer.named import Prose, prose_definitions, prose_formulas, prose_rows
from derive.infer.names import Names, read_names
from derive.infer.nonlinear import nonlinear_functions
from derive.infer.numeric_tags import chain_tag, fixed_chain
from derive.infer.overall import (
    accumulator_rows,
    overall_cost_rows,
    read_overall,
    split_overall,
)
from derive.infer.per_layer import per_layer_scalars
from derive.infer.prose_local import prose_model
from derive.infer.ranges import stated_ranges
from derive.infer.recursion import (
    activation_layers,
    body_scalar_facts,
    body_scalars,
    by_formula,
    recursion_fact,
    with_recursions,
)
from derive.infer.scalars import scalar_calculus
from derive.infer.scan import (
    _DEFINE,
    Lin,
    Row,
    _digits,
    _indices,
    _rows,
    _single_name,
    _strip,
    _text,
)
from derive.infer.sizes import said_sizes
from derive.infer.stated import stated_shapes
from derive.infer.tags import _tag, _tag_form
from derive.infer.text import UNTAGGED, untagged_header
from derive.infer.vectors import corrected_facts, vector_shapes
from derive.latex import VECTOR_FUNCTIONS, remarks_of
from derive.sources.document import Document


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


def _shape_facts(doc: Document, out: Inferred, prose: Prose | None) -> None:
    """The shapes the vector rows give (the prose's definitions first, the class columns
    sized), the text's remarks, and the diagonal matrices the prose defines (`\\Sigma'(z)`)."""
    columns, facts = shape_columns(out.front, out.columns, out.aliases) if out.columns else (
        {}, [])
    out.facts += facts
    shaped = doc if prose is None else dataclasses.replace(  # the prose's definitions first
        doc, formulas=tuple(prose_formulas(doc, prose)) + doc.formulas)
    qs = out.front.get("quantities", {})
    guesses = {q: list(qs[q].get("shape", ())) for q in sorted(out.guessed | out.claimed)
               if q in qs}
    before = set(qs)
    out.facts += column_shapes(doc, out.front)  # h = [P_1; \vdots; P_K]: K entries
    facts = vector_shapes(shaped, out.front, doc.file, out.unread, columns, out.guessed,
                          out.claimed)
    batches = before - set(qs)  # Z beside z: a minibatch, no quantity of its own
    out.facts = [f for f in corrected_facts(out.facts, guesses, qs) if not any(
        f.startswith((f"${q}^", f"${q}$:")) for q in batches)] + facts
    out.facts = stated_shapes(doc, out.front, out.facts)  # $W \in \mathbb{R}^{4 \times 3}$
    out.facts += _remarks(doc)
    nonlinear, nonlinear_facts = nonlinear_functions(doc, out.front.get("functions", {}))
    if nonlinear:  # a non-linear activation $a = g(z)$: g is not the identity
        out.front["nonlinear"] = nonlinear
        out.facts += nonlinear_facts
    diagonal, diagonal_facts = diagonal_functions(doc, out.front.get("functions", {}))
    if diagonal:  # \Sigma'(z): a diagonal matrix the prose defines, no generic function
        out.front["diagonal"] = diagonal
        out.facts = [f for f in out.facts if not any(
            f.startswith(f"${d.removesuffix(chr(39))}$: a function the text never defines")
            for d in diagonal)] + diagonal_facts


def _untagged_header(out: Inferred) -> None:
    """The first fact of a text without layer tags again, with the shapes the vector form gave
    (read after it)."""
    front = out.front
    k = next((k for k, f in enumerate(out.facts) if f.startswith(UNTAGGED)), None)
    if k is not None and "roles" in front:
        out.facts[k] = untagged_header(front["roles"]["width"], front.get("quantities", {}),
                                       front.get("sizes", {}))


def infer(doc: Document) -> Inferred:
    """The notation of `doc`, from its display formulas (those about distributions written
    as functions of their outcome are in models of their own: derive.infer.distributions)."""
    if any(f.distributions for f in doc.formulas):
        doc = dataclasses.replace(doc, formulas=tuple(f for f in doc.formulas
                                                      if not f.distributions))
    per: dict[int, list[Row]] = {}
    for f in doc.formulas:
        if f.annotation.get("local") or f.notation:  # notation: derive.infer.dnames
            continue
        try:
            per[f.number] = _rows(f)
        except InputError:
            continue  # the check reports what is wrong with this formula
    local = _local_formulas(per)
    scalar, scalar_defs, scalar_refused, scalar_facts = scalar_calculus(per)
    local |= set(scalar)
    rows = [r for k, rs in per.items() if k not in local for r in rs]
    overall = split_overall(rows)
    said = said_sizes(doc)  # "for $K$ classes": a size the prose names
    out = _Inference(rows, said).run()
    prose = prose_definitions(doc, rows, out.front, out.defined, out.layer_var)
    if prose is not None:  # read again, with the definitions the prose names first
        rows = prose_rows(doc, prose) + rows
        out = _Inference(rows, said).run()
    recursions = activation_layers(rows, out.front, out.defined, out.layer_var)
    if recursions:  # read again, with each layer recursion after its function's definition
        rows = with_recursions(doc, per, local, recursions)
        if prose is not None:
            rows = prose_rows(doc, prose) + rows
        if overall is not None:
            split_overall(rows)  # the rows read afresh: split again
        out = _Inference(rows, said).run()
        out.recursions = by_formula(recursions)
        out.facts += [recursion_fact(rec, any(o.quantity == rec.quantity and o.line > rec.line
                                              for o in recursions)) for rec in recursions]
    if prose is not None:
        out.prose, out.facts = prose.latex, out.facts + list(prose.facts)
    if overall is not None:
        read_overall(out, overall)
    else:
        out.not_checked.update(overall_cost_rows(rows, out.front.get("roles", {}).get("loss")))
    out.ambiguous.update(accumulator_rows(rows, out.front.get("quantities", {})))
    out.facts += per_layer_scalars(rows, out.front)  # PReLU's α, differentiated at a layer
    stated, facts = stated_ranges(doc, out.front, set(body_scalars(rows, out.front)))
    out.facts += facts + body_scalar_facts(rows, out.front, stated)
    _shape_facts(doc, out, prose)
    _untagged_header(out)
    whole_softmax(out, rows)
    letter_labels(out, rows)
    out.local = local
    _local_models(doc, per, local - set(scalar), out)
    out.local_annotations.update(scalar)
    for k, rows in scalar_defs.items():
        out.definitions.setdefault(k, set()).update(rows)
        for r in per[k]:  # defined there: an inline `f = q z` after it is no definition of f
            head = next((o for o in r.occs if o.side == 0), None)
            if r.number in rows and head is not None:
                out.defined[head.name] = min(out.defined.get(head.name, head.line), head.line)
    out.ambiguous.update(scalar_refused)
    out.facts += scalar_facts
    every_unit(per, out)
    return out


def _local_models(doc: Document, per: dict[int, list[Row]], local: set[int],
                  out: Inferred) -> None:
    """The local model of each formula in variables of its own: a chain rule's generic
    functions, the dependencies the prose states before it, or the one neuron its section's
    prose defines (derive.infer.prose_local)."""
    for k in sorted(local):
        ann = _chain_rule(per[k])
        found = None if ann is not None else prose_model(
            doc, per[k], out.front.get("roles", {}).get("loss"))
        if found is not None:  # the one neuron the prose of its section states
            out.local_annotations[k], fact = found
            out.facts.append(fact)
            continue
        ann = ann or _stated(doc, k)
        if ann is not None:
            out.local_annotations[k] = ann
            line = per[k][0].formula.line
            out.facts.append(f"line {line}: a chain rule in variables of its own, read as "
                             + ", ".join(f"${g}$" for g in ann["given"]))


def _remarks(doc: Document) -> list[str]:
    """Prose inside a formula read as a remark (`z<=0, \\alpha是...`): said, not dropped
    silently."""
    return [f"line {f.span(t.start).line}: the words `{t.text}` read as a remark, not as "
            "mathematics" for f in doc.formulas for t in remarks_of(f)]


_UPRIGHT = re.compile(r"\\(?:mathrm|operatorname)\{([A-Za-z]+)\}")


def _registry_spelling(name: str, used: set[str]) -> tuple[str, str] | None:
    """The registry's function an upright name is (case-insensitively: `\\mathrm{Sigmoid}`),
    and a spelling of it the text does not use; None when it is none of them."""
    m = _UPRIGHT.fullmatch(name)
    if not m:
        return None
    for fn in NAMED:
        words = [u.group(1).lower() for s in fn.spellings if (u := _UPRIGHT.fullmatch(s))]
        if fn.arity == 1 and m.group(1).lower() in words:
            other = next((s for s in fn.spellings if _UPRIGHT.fullmatch(s) and s != name
                          and s not in used), None)
            return (fn.name, other) if other else None
    return None


# names of the logistic sigmoid, taken as such when a text uses one without defining it
_SIGMOIDS = {"\\sigma", "\\mathrm{sigm}", "\\mathrm{sigmoid}", "\\operatorname{sigmoid}"}
# the variables such a definition is written in, the first the text leaves free
_SIGMOID_VARIABLES = ("t", "u", "s", "v", "r", "\\tau", "\\xi", "\\zeta", "\\vartheta",
                      "\\varsigma")


class _Inference(_Layers, _Indices, _Front, _Definitions):
    """The state of one inference (its rows, their uses, the facts found) and its steps; the
    steps of each concern are in the mixins (derive.infer.definitions, .layers, .indices,
    .front)."""

    def __init__(self, rows: list[Row], said: dict[str, tuple[str, int]] | None = None) -> None:
        self.rows = rows
        self.said = said or {}  # sizes the prose names (derive.infer.sizes)
        self.occs = [o for r in rows for o in r.occs]
        self.facts: list[str] = []

    def run(self) -> Inferred:
        """The steps of the inference, in order: each one reads what the ones before found."""
        self._kronecker()
        self.sample = self._sample_letter()
        self._drop_sample_subscripts()
        self._drop_slot_subscripts()
        self._digit_entries()
        self.columns = class_columns(self.rows, self.sample)
        self.chain = fixed_chain(self.rows)
        names = read_names(self.rows, self.occs)
        self.layer_var, self.depth = names.layer_var, names.depth
        self.of_parameters = names.of_parameters
        self._read_tags(names)
        defs = self._definitions(names.quantities, names.functions)
        self._taint(names.quantities, defs)
        width = names.width()
        self.unnamed_width = not names.widths  # said in the summary's first fact
        front = self._front(names.quantities, names.functions, names.scalars, defs, width,
                            names.sizes)
        assumed = self._assumed(names, defs) + self._vector_functions(names, defs, front)
        taken = tuple(f"${a.split('(')[0]}$ a function of " for a in assumed) + tuple(
            f"${fn}$ a function of " for fn in names.functions if self._stand_in(fn, defs, assumed))
        self.facts = [f for f in self.facts if not f.startswith(taken)]  # said as taken below
        for fn, arity in sorted(names.functions.items()):  # a random smooth stand-in
            if self._stand_in(fn, defs, assumed):
                self.facts.append(f"${fn}$: a function the text never defines; checked for a "
                                  f"generic smooth ${fn}$ (a random smooth function of {arity} "
                                  f"argument{'s' if arity > 1 else ''}, the same at every use"
                                  + ("; of every entry of a vector written whole as one of "
                                     "them" if arity > 1 else "") + ")")
        return Inferred(front, self.facts, self.definition_rows, self.head_rows,
                        ambiguous=self.ambiguous, batch_mean=self.batch_mean,
                        components=self.components,
                        listed_columns=self.listed_columns,
                        unread=self.unread, assumed=assumed, claims=self.claims,
                        forward=self.forward,
                        defined={q: rows[0].formula.line for q, rows in defs.items() if rows},
                        layer_var=names.layer_var, columns=self.columns, aliases=self.aliases,
                        bypassed=self.bypassed, not_checked=dict(self.self_fed),
                        named=dict(self.named),
                        guessed=getattr(self, "guessed", set()),
                        claimed=getattr(self, "claimed", set()),
                        chain_depth=self.chain.depth)

    @staticmethod
    def _stand_in(fn: str, defs: dict[str, list[Row]], assumed: tuple[str, ...]) -> bool:
        """Whether a function gets a random smooth stand-in: used, never defined, not taken as
        a known function, not the registry's, and named by a letter or a command."""
        return (fn not in defs and not any(a.startswith(fn + "(") for a in assumed)
                and fn not in BY_SPELLING and re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", fn)
                is not None)

    def _drop_sample_subscripts(self) -> None:
        """C_x: the loss of sample x; its subscript is no neuron index."""
        for o in self.occs:
            if o.sub is not None and self.sample and _text(_strip(o.sub)) == self.sample:
                o.sub = None

    def _drop_slot_subscripts(self) -> None:
        """`C_i(a^L)` beside `\\partial C / \\partial z`: the partial derivative of the function C
        in its i-th argument, not an entry of C; its subscript is no index of C."""
        plain = {o.name for o in self.occs if o.sub is None and o.after_partial == "num"}
        for o in self.occs:
            if o.sub is not None and o.call is not None and o.name in plain:
                o.sub = None

    def _digit_entries(self) -> None:
        """w_{11}, ..., w_{34}: a name whose every subscript is one number of the same two or
        more digits is written entry by entry, one digit per index (the text's w_{jk})."""
        by_name: dict[str, list] = {}
        for o in self.occs:
            by_name.setdefault(o.name, []).append(o)
        for uses in by_name.values():
            subs = [_strip(o.sub) if o.sub is not None else None for o in uses]
            if not all(g is not None and len(g) == 1 and g[0].kind == "num"
                       and g[0].text.isdigit() for g in subs):
                continue
            widths = {len(g[0].text) for g in subs if g}
            if len(widths) != 1 or widths == {1} or any("0" in g[0].text for g in subs if g):
                continue  # (as the parser reads W_{12} for a quantity of two indices)
            for o, g in zip(uses, subs):
                o.sub = _digits(g[0]) if g else o.sub

    def _read_tags(self, names: Names) -> None:
        """Each quantity's use with a layer tag: its style, its layer and its symbol."""
        for o in self.occs:
            if o.name in names.quantities:
                t = _tag(o, names.tag_symbols)
                if t is not None:
                    form = _tag_form(t[1])
                    if form is not None:
                        o.tag = (t[0], self._lin(form, self.layer_var, self.depth), form[0])
        self._fixed_sup_tags(names)

    def _fixed_sup_tags(self, names: Names) -> None:
        """a^{1}_j beside a^{l}_j: a number in the superscript of a quantity whose layers are
        written as bare superscripts is a fixed layer (as the parser reads it), not a power."""
        styled = {o.name for o in self.occs if o.tag is not None and o.tag[0] == "sup"
                  and o.tag[2] is not None}
        # a^0 = x: no power 0 is written, so the text numbers its layers from 0 in bare
        # superscripts, and z^1 = w^1 a^0 + b^1 is at layer 1 too
        zero = any(o.name in styled and _text(_strip(o.sup or [])) == "0" for o in self.occs)
        for o in self.occs:
            text = _text(_strip(o.sup or []))
            if (o.tag is None and o.name in styled and text.isdigit() and self.layer_var
                    and (o.sub is not None or zero)) or (o.tag is None and chain_tag(
                        o, self.chain)):
                o.tag = ("sup", (int(text), 0, 0), None)

    def _assumed(self, names: Names, defs: dict[str, list[Row]]) -> tuple[str, ...]:
        """Definitions the text takes for granted: sigma used, never defined, is the logistic
        sigmoid (in a variable no name of the text uses)."""
        assumed = []
        for fn in sorted(names.functions):
            if fn in _SIGMOIDS and fn not in defs and names.functions[fn] == 1:
                var = next((v for v in _SIGMOID_VARIABLES if v not in names.by_name), None)
                if var is None:  # every candidate letter is a name of the text
                    continue
                assumed.append(f"{fn}({var}) = \\frac{{1}}{{1 + e^{{-{var}}}}}")
                self.facts.append(f"${fn}$ taken as the logistic sigmoid "
                                  f"${assumed[-1]}$: the text uses it without defining it")
        return tuple(assumed) + self._known_by_name(names, defs)

    def _known_by_name(self, names: Names, defs: dict[str, list[Row]]) -> tuple[str, ...]:
        """Definitions the text takes for granted by naming a function the registry knows
        (`\\mathrm{ReLU}`, `Sigmoid` written in plain letters: case-insensitively): the name
        stands for the registry's function, spelled in a way the text does not use."""
        assumed = []
        for fn in sorted(names.functions):
            if fn in defs or fn in _SIGMOIDS or names.functions[fn] != 1:
                continue
            known = _registry_spelling(fn, set(names.by_name))
            var = next((v for v in _SIGMOID_VARIABLES if v not in names.by_name), None)
            if known is None or var is None:
                continue
            what, spelling = known
            assumed.append(f"{fn}({var}) = {spelling}({var})")
            self.facts.append(f"${fn}$ read as the function known by that name ({what}): "
                              "the text uses it without defining it")
        return tuple(assumed)

    def _vector_functions(self, names: Names, defs: dict[str, list[Row]],
                          front: dict[str, Any]) -> tuple[str, ...]:
        """softmax(o)_j, read as softmax(o, j), used and never defined: the softmax over the
        entries of the vector it is applied to (the range of o's index as read), written in
        letters no name of the text uses."""
        assumed: list[str] = []
        shapes = front.get("quantities", {})
        for fn in sorted(names.functions):
            if fn not in VECTOR_FUNCTIONS or fn in defs or names.functions[fn] != 2:
                continue
            found = assumed_softmax(fn, self.occs, shapes, set(names.by_name), 2)
            if found is not None:
                assumed.append(found[0])
                self.facts.append(found[1])
        return tuple(assumed)

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
        return pattern_letter(self.rows, self.occs)

    def _lin(self, form: tuple[str | None, int], layer_var: str | None, depth: str | None) -> Lin:
        symbol, off = form
        if symbol is None:
            return (off, 0, 0)
        if symbol == layer_var:
            return (off, 0, 1)
        return (off, 1, 0)
