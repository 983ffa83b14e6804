"""Which rows define a quantity or function: the rules that take a row as a definition, a
premise, a batch mean, an update or a claim, and what a refused row leaves unread.

Each row goes through the rules of `_Definitions._ROW_RULES` in order; the first that settles it
(a premise, a batch mean, a row that cannot define, a claim) ends its reading, and a row no rule
settles defines the name on its left. A new reason for a row not to define is one rule there.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from derive.infer.columns import listed_columns
from derive.infer.components import _lists_own_entries
from derive.infer.entry_column import column_defined
from derive.infer.numeric_tags import chain_error, chain_row
from derive.infer.ones_sum import ones_sum
from derive.infer.scan import (
    _DEFINE,
    Lin,
    Occ,
    Row,
    _head,
    _indices,
    _single_name,
    _strip,
    _text,
)
from derive.infer.vectokens import _lower
from derive.infer.written import _group
from derive.latex import VECTOR_FUNCTIONS
from derive.sources.document import Formula


@dataclass
class _Chosen:
    """The definitions chosen so far, threaded through the row rules."""

    quantities: dict[str, list[Occ]]
    functions: dict[str, int]
    defined: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)  # of each definition


def _bare(side: list) -> list[str]:
    """A side's token texts without spacing and `\\left`/`\\right` (matched as written)."""
    return [t.text for t in _strip(side) if t.text not in ("\\left", "\\right", "\\big",
                                                           "\\Big", "\\bigl", "\\bigr")]


def _functions_of(r: Row) -> set[str]:
    """The functions a row's right side applies, as written (`\\tanh`, `\\log`, `\\sigma`)."""
    return {t.text for side in r.sides[1:] for t in side if t.kind == "cmd"
            and t.text not in ("\\left", "\\right", "\\frac", "\\cdot", "\\,", "\\;")}


_INSTEAD = re.compile(r"\b(instead|alternatively|replac\w*|in place of)\b", re.I)


def _says_instead(formula: Formula) -> bool:
    """Whether the paragraph just before the formula says it replaces something ("With softplus
    units instead,"): a definition again in the same section."""
    k = formula.line_starts[0][1] - 2 if formula.line_starts else -1  # the line above, from 0
    lines = formula.lines
    while 0 <= k and (not lines[k].strip() or lines[k].strip() in ("$$", "\\[")
                      or lines[k].lstrip().startswith(("\\begin", ".. math"))):
        k -= 1  # the blank lines between, and a display's opening line
    said: list[str] = []
    while 0 <= k and lines[k].strip() and len(said) < 6:
        if "$$" in lines[k] or lines[k].lstrip().startswith(("#", "\\")):
            break
        said.append(lines[k])
        k -= 1
    return bool(_INSTEAD.search(" ".join(said)))


def _another_activation(r: Row, o: Occ, before: Row) -> bool:
    """`h_j = \\log(1 + e^{u_j})` in a later section after `h_j = \\tanh(u_j)`: the same
    entry, written with the same indices, given by other functions of the same arguments (the
    text's other choice of activation), a definition again. The same functions again (a
    summary that repeats the forward pass, a slip in it), other arguments, a derivative or a
    recursion are claims about the one definition."""
    head = _head(before)
    if not (head.sub is not None and _indices(head) == _indices(o) and head.tag == o.tag):
        return False
    reads = []
    for row in (r, before):
        if any(t.text in ("\\partial", "\\nabla") for side in row.sides for t in side):
            return False  # a derivative, not a forward step
        names = {x.name for x in row.occs if x.side >= 1 and x.call is None}
        if o.name in names:
            return False  # a recursion (delta^l from delta^{l+1})
        reads.append(names)
    return reads[0] == reads[1] and _functions_of(r) != _functions_of(before)


def _left(r: Row) -> list[Occ]:
    return [o for o in r.occs if o.side == 0]


def _another_entry(o: Occ, heads: list[Occ]) -> bool:
    """o_2 = ... after o_1 = ...: one more entry of a quantity defined entry by entry (every
    index a number, no definition of it at index letters), not a claim about o."""
    def entry(x: Occ) -> str | None:
        ix = _indices(x)
        return _text(_strip(x.sub or [])) if ix and all(i is None for i in ix) and (
            x.tag is None and x.sup is None) else None

    mine = entry(o)
    return mine is not None and all(entry(h) not in (None, mine) for h in heads)


_VECTOR_FONTS = ("\\mathbf", "\\boldsymbol", "\\vec")


_SPACES = {"\\;", "\\,", "\\:", "\\!", "\\quad", "\\qquad", "~"}


def _whole_derivative(side: list) -> bool:  # type: ignore[type-arg]
    """Whether a side is one derivative: `\\frac{\\partial J}{\\partial z}` alone, or the
    operator `\\frac{\\partial}{\\partial z}` before what it differentiates."""
    toks = [t for t in side if t.text not in _SPACES]
    if not toks or toks[0].text not in ("\\frac", "\\dfrac", "\\tfrac"):
        return False
    num, j = _group(toks, 1)
    den, k = _group(toks, j)
    num, den = _strip(num), _strip(den)
    if not (num and den and num[0].text == "\\partial" and den[0].text == "\\partial"):
        return False
    return len(num) == 1 and k < len(toks) or len(num) > 1 and k == len(toks)


def _of_fixed_layers(r: Row, st: _Chosen) -> bool:
    """Whether the first right side reads a name defined only at fixed layers (UFLDL's
    `h_{W,b}(x) = a^{(3)}_1`, the output of its three-layer example): a value of that example
    network, not of the last layer n_l the row is written at."""
    def fixed(d: Row) -> bool:
        tags = [x.tag for x in d.occs if x.tag is not None and x.tag[1] is not None]
        return bool(tags) and all(t[1][1:] == (0, 0) for t in tags)

    return any(x.side == 1 and x.name in st.defined and all(fixed(d) for d in st.defined[x.name])
               for x in r.occs)


def _written_whole(side: list) -> bool:  # type: ignore[type-arg]
    """`\\mathbf{o}` or `\\hat{\\mathbf{y}}`: one letter in a vector's font, perhaps accented."""
    texts = [t.text for t in side]
    if len(side) == 7 and texts[0] in ("\\hat", "\\tilde", "\\bar") and texts[1] == "{" and (
            texts[6] == "}"):
        return _written_whole(side[2:6])
    return (len(side) == 4 and texts[0] in _VECTOR_FONTS and texts[1] == "{"
            and side[2].kind == "letter" and texts[3] == "}")


class _Definitions:
    """Methods of the inference (derive.infer.core._Inference) that choose the defining rows."""

    def _definitions(self, quantities: dict[str, list[Occ]], functions: dict[str, int]
                     ) -> dict[str, list[Row]]:
        """Each quantity's and function's defining rows, in document order."""
        self.definition_rows: dict[int, set[int]] = defaultdict(set)
        self.head_rows: dict[int, set[int]] = defaultdict(set)
        self.ambiguous: dict[tuple[int, int], str] = {}
        self.claims: set[tuple[int, int]] = set()  # rows that look like definitions, checked
        self.bypassed: set[str] = set()  # quantities whose self-feeding definition is a claim
        self.forward: dict[int, str] = {}  # formula -> the bypassed quantity its claim defines
        self.self_fed: dict[tuple[int, int], str] = {}  # such claims with nothing to check on
        self.named: dict[str, str] = {}  # a self-fed quantity -> the one naming its argument
        self.aliases: dict[str, Lin] = {}
        self.unread: set[str] = set()
        self.batch_mean: dict[tuple[int, int], str] = {}
        self.components: dict[tuple[int, int], str] = {}
        self.listed_columns: dict[tuple[int, int], tuple[str, str | None]] = {}
        st = _Chosen(quantities, functions)
        for r in self.rows:
            left = _left(r)
            if not any(rule(self, r, left, st) for rule in self._ROW_RULES):
                self._define(r, left[0], st)
        self._two_chains(st)
        return st.defined

    # -- the row rules: each returns True when it settles the row (then it defines nothing) --
    def _premise(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """y_j \\in \\{0, 1\\}: a premise."""
        if r.relation == "\\in" and len(r.sides) == 2:
            self.definition_rows[r.formula.number].add(r.number)
            return True
        return False

    def _no_equation(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        return r.relation not in _DEFINE or len(r.sides) < 2

    def _batch_mean_row(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """C = \\frac{1}{2n} \\sum_x \\|y(x) - a^L(x)\\|^2, then C = \\frac{1}{2}\\|y - a^L\\|^2
        for one sample: the first is the cost of the batch, the second is C;
        C = \\frac{1}{N} \\sum_x C_x: the cost of a batch, the mean of the samples'."""
        right = [o for o in r.occs if o.side == 1]
        if (self.sample and len(left) == 1 and len(r.sides) == 2
                and any(i == self.sample for i, _ in r.bounds)
                and ([o.name for o in right if o.name in st.quantities] == [left[0].name]
                     or (left[0].tag is None and left[0].sub is None
                         and self._per_sample_later(r, left[0].name)))):
            self.batch_mean[(r.formula.number, r.number)] = left[0].name
            return True
        return False

    def _own_entries(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """x = (x_1, x_2, \\ldots, x_n)^T: what the vector's entries are, not a definition
        of it (x stays given when nothing else defines it)."""
        if _lists_own_entries(r):
            self.components[(r.formula.number, r.number)] = left[0].name
            return True
        return False

    def _own_columns(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """\\theta = [\\theta^{(1)} \\cdots \\theta^{(K)}]: the class matrix as the row of its
        columns (derive.infer.columns), notation, not a definition of it."""
        listed = listed_columns(r, self.columns)
        if listed is not None:
            self.listed_columns[(r.formula.number, r.number)] = listed
            return True
        return False

    def _input_layer(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """a^{1}_j = x_j in a text whose layers are written with a variable: the first layer
        given as the input, one untagged quantity's entries (a definition of that layer)."""
        o = left[0]
        right = [x for x in r.occs if x.side == 1]
        fixed = (o.tag[1] is not None and o.tag[1][1:] == (0, 0) and o.tag[2] is None
                 if o.tag is not None else _text(_strip(o.sup or [])).isdigit())
        if not (len(r.sides) == 2 and self.layer_var and fixed and len(right) == 1
                and _single_name(r.sides[1]) and right[0].name != o.name
                and _input_name(right[0], o, st) and right[0].sup is None
                and not any(x.tag for x in st.quantities.get(right[0].name, ()))
                and _indices(right[0]) == _indices(o) and right[0].name not in st.defined):
            return False
        self.definition_rows[r.formula.number].add(r.number)  # the other layers' stays open
        return True

    def _one_layer(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """a^{2}_j = \\sigma(z^{2}_j) before any definition of a^{l}: the definition of that
        layer, written with index letters (a layer-generic one after it covers the others)."""
        o = left[0]
        right = [x for x in r.occs if x.side == 1]

        def fixed(x: Occ) -> bool:
            return x.tag is not None and x.tag[1] is not None and x.tag[1][1:] == (0, 0)

        def lettered(x: Occ) -> bool:
            return x.sub is None or all(i is not None for i in _indices(x))

        if not (len(r.sides) == 2 and self.layer_var and fixed(o) and o.tag[2] is None
                and o.sub is not None and lettered(o) and o.name not in st.defined
                and o.name in st.quantities and right and all(lettered(x) for x in right)
                and all(fixed(x) for x in right if x.name in st.quantities
                        and any(q.tag for q in st.quantities[x.name]))
                and not any(x.name == o.name for x in right)):
            return False
        self.definition_rows[r.formula.number].add(r.number)  # the other layers' stays open
        return True

    def _output_error(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """delta^{(n_l)}_i = \\frac{\\partial}{\\partial z^{(n_l)}_i} J = ... before any
        definition of delta^{(l)}: the last layer's value defined as a derivative (UFLDL's
        error term), the other layers' left to the recursion after it; what follows the
        derivative is checked against it."""
        o = left[0]
        if not (len(r.sides) >= 2 and self.layer_var and o.tag is not None
                and o.tag[1] == (0, 1, 0) and o.name in st.quantities
                and o.name not in st.defined and _whole_derivative(r.sides[1])
                and not _of_fixed_layers(r, st)):
            return False
        rows = self.definition_rows if len(r.sides) == 2 else self.head_rows
        rows[r.formula.number].add(r.number)  # the other layers' stays open
        return True

    def _sums_to_one(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """\\sum_c y_c = 1 (or \\sum_{c=1}^{K} y_c = 1, \\mathbf{1}^\\top y = 1): a premise."""
        left = [o for o in left if not o.in_bound]  # K in the sum's bound is a size
        ones = len(r.sides) == 2 and ones_sum(r.sides[0]) is not None  # \mathbf{1}^\top y
        if (len(r.sides) == 2 and _text(r.sides[1]) == "1"
                and (r.sides[0][0].text == "\\sum" or ones)
                and len(left) == 1 and (left[0].name in st.quantities or ones)
                and left[0].tag is None and left[0].name not in st.defined):
            self.definition_rows[r.formula.number].add(r.number)
            self.facts.append(f"line {left[0].line} states a premise: the labels "
                              f"${left[0].name}$ sum to one")
            return True
        return False

    def _whole_vector(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """`\\hat{\\mathbf{y}} = \\mathrm{softmax}(\\mathbf{o})`: a vector written whole equal to a
        vector function's value, checked entry by entry against the definitions (the `where
        \\hat{y}_j = ...` beside it): a claim, never a definition."""
        side = _strip(r.sides[0]) if r.sides else []
        right = _strip(r.sides[1]) if len(r.sides) == 2 else []
        if not (_written_whole(side) and len(right) > 2
                and right[0].text in ("\\mathrm", "\\operatorname")):
            return False
        if _text(right[: next((k for k, t in enumerate(right) if t.text == "}"), 0) + 1]
                 ) not in VECTOR_FUNCTIONS:
            return False
        self.claims.add((r.formula.number, r.number))
        return True

    def _no_head(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        return not left or not _single_name(r.sides[0])

    def _not_definable(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """A name that is neither a function nor a quantity, a function's derivative, a
        quantity applied to one argument, or one layer's value (a^{(n)} = ...: a claim)."""
        o = left[0]
        if o.name in st.functions:
            if o.prime or o.call is None:
                return True
            if o.name in st.defined:  # f(z) = tanh(z) after f(z) = 1/(1+e^{-z}): another choice
                self.facts.append(f"${o.name}$ is defined again at line {o.line}: the formulas "
                                  "after it use that definition")
            return False
        if o.name not in st.quantities:
            return True
        if o.call is not None and len(o.args) < 2:
            return True
        if o.tag is None and self.layer_var and any(q.tag for q in st.quantities[o.name]):
            return True
        return o.tag is not None and bool(self.layer_var) and o.tag[2] != self.layer_var

    def _update(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """w = w - ...: an update (a^l = f(a^{l-1}) is a definition)."""
        o = left[0]
        return any(x.name == o.name and x.tag == o.tag and _indices(x) == _indices(o)
                   for x in r.occs if x.side == 1)

    def _reindexed(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """a_j = sum_i w_ji x_i, then a_k = sum_j w_kj z_j: index letters that name layers
        (Bishop); not a claim about a_k, and not a notation the tool reads."""
        o, name = left[0], left[0].name
        if not (name in st.defined and o.tag is None and o.sub is not None
                and any(t.text == "\\sum" for t in r.sides[1])):
            return False
        first = _indices(_head(st.defined[name][0]))
        if _indices(o) == first or not first:
            return False  # not first: f = W x + b, then its entries f_k = \\sum_l W_{kl} x_l + b_k
        self.unread.add(name)
        self.ambiguous[(r.formula.number, r.number)] = (
            f"${name}$ is defined again with another index ({', '.join(map(str, _indices(o)))}"
            f" for {', '.join(map(str, first))}"
            f"): the index letters seem to name layers, which the tool does not read; "
            "write the layer as a tag, as in a^{(2)}_k")
        return True

    def _restates_column(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """h = ... after h = [P_1; \\vdots; P_K] (derive.infer.entry_column): the vector the text
        defined by its entries for any length, written again (UFLDL's hypothesis for K = 2, in
        a section of its own): a claim about it, never its definition again."""
        name = left[0].name
        if not any(column_defined(d, name) for d in st.defined.get(name, ())):
            return False
        self.claims.add((r.formula.number, r.number))
        return True

    def _defined_before(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """A name defined before is defined again only as another fixed layer's (z^{[2]} = ...
        after z^{[1]} = ...), a function's new choice, or a bare name in another section."""
        o, name = left[0], left[0].name
        if name not in st.defined:
            return False
        fixed_tag = (o.tag is not None and o.tag[1] is not None and o.tag[1][1:] == (0, 0)
                     and self.layer_var is None)
        if fixed_tag and all(_head(rr).tag != o.tag for rr in st.defined[name]):
            return False
        if _another_entry(o, [_head(rr) for rr in st.defined[name]]):
            return False
        elsewhere = ((st.sections.get(name) != r.formula.section or _says_instead(r.formula))
                     and not any(x.after_partial for x in r.occs))
        again = name in st.functions or (o.sub is None and o.tag is None and elsewhere) or (
            elsewhere and _another_activation(r, o, st.defined[name][-1]))
        return not again

    def _batch_row(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """Z^l = W^l A^{l-1} + b^l beside z^l = W^l a^{l-1} + b^l: the minibatch's matrix of
        a quantity the text defines sample by sample, a claim about its columns."""
        low = _lower(left[0].name) if left else None
        if low is None or low == left[0].name or low not in st.quantities:
            return False
        if not any(_left(x) and _left(x)[0].name == low for x in self.rows):
            return False
        self.claims.add((r.formula.number, r.number))
        return True

    def _example_unit(self, r: Row, left: list[Occ], st: _Chosen) -> bool:
        """`h_{W,b}(x) = a^{(3)}_1` before `h_{W,b}(x) = a^{(3)}` read at the last layer
        (derive.infer.example): the worked example's one output unit, not the definition of
        the network's output (reported as the example's, derive.check.formula)."""
        return r.number in r.formula.example_units

    _ROW_RULES = (_premise, _no_equation, _example_unit, _own_columns, _own_entries,
                  _batch_mean_row, _batch_row, _sums_to_one,
                  _whole_vector, _no_head, chain_row, chain_error,
                  _input_layer, _one_layer, _output_error,
                  _not_definable, _update, _reindexed, _restates_column, _defined_before)

    def _define(self, r: Row, o: Occ, st: _Chosen) -> None:
        """The row defines the name on its left: the pairs of the row that define (all of them
        when every left side is a name), or its first pair only."""
        st.defined[o.name].append(r)
        st.sections[o.name] = r.formula.section
        # h_{W,b}(x) = a^{(n_l)} = f(z^{(n_l)}): h is defined; what follows restates it
        if all(_single_name(s) for s in r.sides[:-1]) and (
                o.name not in getattr(self, "of_parameters", ()) or len(r.sides) == 2):
            self.definition_rows[r.formula.number].add(r.number)
        else:
            self.head_rows[r.formula.number].add(r.number)

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

    def _two_chains(self, st: _Chosen) -> None:
        """a^l = sigma(sum_k w^l_{jk} a^{l-1}_k + b^l_j) beside z^{l+1} = sum_j w a^l + b: two
        forward chains, and in the first, a does not pass through z, so every derivative by z
        would be 0. The self-feeding row is then checked as a claim, not taken as a definition;
        a later row that defines the name from the other chain (a^l = sigma(z^l)) defines it."""
        defined = st.defined

        def heads(rows: list[Row]) -> list[tuple[Row, Occ]]:
            return [(r, next(o for o in r.occs if o.side == 0)) for r in rows]

        for p, rows in list(defined.items()):
            for r, head in heads(rows):
                named = self._naming(r, head, defined) if len(rows) == 1 else None
                if named is not None:  # a^l = sigma(<E>), "we write z^l = <E>": a = sigma(z)
                    self.named[p] = named
                    self.facts.append(
                        f"line {head.line} defines ${p}$ from its own lower layer, and "
                        f"${named}$ is defined as the argument it reads: ${p}$ is read as "
                        f"that function of ${named}$")
                    continue
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
                    self.forward[r.formula.number] = p
                    self.bypassed.add(p)
                    defined[p].remove(r)
                    if not defined[p]:
                        del defined[p]
                    instead = None if p in defined else self._defined_instead(p, st)
                    if p not in defined:  # a given: the row compared with itself, unchecked
                        self.self_fed[(r.formula.number, r.number)] = (
                            f"it defines ${p}$ from its own lower layer, and no other row "
                            f"defines ${p}$: with ${p}$ taken as given there is nothing to "
                            "check it against")
                    self.facts.append(
                        f"line {head.line} defines ${p}$ from its own lower layer, while another "
                        f"quantity is defined from ${p}$: it is checked as a claim, and " + (
                            f"${p}$ is defined by line {instead}" if instead else
                            f"${p}$ has no definition of its own"))
            if p in defined and not defined[p]:
                del defined[p]
        for r in self.rows:  # the same self-feeding definition written again (in vector form)
            left = [o for o in r.occs if o.side == 0]
            if (len(left) == 1 and left[0].name in self.bypassed and r.relation in _DEFINE
                    and _single_name(r.sides[0]) and left[0].tag and left[0].tag[1]
                    and any(o.side >= 1 and o.name == left[0].name and o.tag and o.tag[1]
                            and o.tag[1][0] < left[0].tag[1][0] for o in r.occs)):
                self.claims.add((r.formula.number, r.number))
                self.forward[r.formula.number] = left[0].name
                if left[0].name not in st.defined and self.self_fed:
                    self.self_fed[(r.formula.number, r.number)] = next(iter(
                        self.self_fed.values()))

    def _naming(self, r: Row, head: Occ, defined: dict[str, list[Row]]) -> str | None:
        """The quantity another row defines as what a self-feeding definition writes inside a
        function's brackets (Nielsen's `a^l_j = \\sigma(\\sum_k w^l_{jk} a^{l-1}_k + b^l_j)`, then
        "we write z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j"), at the same layer and indices;
        None when there is none or the row does not feed itself."""
        if len(r.sides) != 2 or not self._feeds_itself(r, head):
            return None
        mine = _bare(r.sides[1])
        for q, qrows in defined.items():
            for rr in qrows:
                h = _head(rr)
                if (q == head.name or rr is r or len(rr.sides) != 2 or h.tag != head.tag
                        or _text(_strip(h.sub or [])) != _text(_strip(head.sub or []))):
                    continue
                arg = _bare(rr.sides[1])
                if len(arg) > 2 and any(mine[k:k + len(arg)] == arg and k > 0
                                        and mine[k - 1] == "(" for k in range(len(mine))):
                    return q
        return None

    def _defined_instead(self, p: str, st: _Chosen) -> int | None:
        """The first row that defines `p` once its self-feeding row is a claim: a row the row
        rules pass now, that reads no `p` of a lower layer; its line, or None."""
        for r in self.rows:
            left = _left(r)
            if (not left or left[0].name != p or (r.formula.number, r.number) in self.claims
                    or self._feeds_itself(r, left[0])):
                continue
            if not any(rule(self, r, left, st) for rule in self._ROW_RULES):
                self._define(r, left[0], st)
                return left[0].line
        return None

    @staticmethod
    def _feeds_itself(r: Row, head: Occ) -> bool:
        return any(o.side >= 1 and o.name == head.name and o.tag and head.tag and o.tag[1]
                   and head.tag[1] and o.tag[1][0] < head.tag[1][0] for o in r.occs)

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


def _input_name(x: Occ, o: Occ, st: _Chosen) -> bool:
    """Whether `x` can be the input a first layer is given as: a quantity, or, in vector form
    (`a^0 = x`, neither side indexed), a bare letter that names nothing else."""
    if x.name in st.quantities:
        return True
    return (not _indices(o) and x.sub is None and x.call is None and len(x.name) == 1
            and x.name.isalpha() and x.name not in st.functions)

