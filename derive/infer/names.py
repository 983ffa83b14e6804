"""What each name of a text is: a size, a layer width, an index, a layer symbol, a function, a
quantity or a scalar, read from how the formulas use it.

Each kind is one step of `read_names`, run in order on the state (`Names`) the steps share; the
functions and the quantities are each a table of rules (a name refused by one rule is not of that
kind), so that a new way of telling a function or a quantity is one function in one table.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from derive.infer.entry_column import column_defined
from derive.infer.numeric_tags import Chain, chain_tag, fixed_chain
from derive.infer.scan import (
    _DEFINE,
    _FUNCTION_NAMES,
    _KNOWN_FUNCTIONS,
    Occ,
    Row,
    _single_name,
    _strip,
    function_bodies,
)
from derive.infer.tags import _sample_sup, _tag, _tag_form, entry_power
from derive.latex import VECTOR_FUNCTIONS, without_sample
from derive.vecparse.trace import trace_name


@dataclass
class Names:
    """The names of a text's rows and what each is, filled in by the steps of `read_names`."""

    rows: list[Row]
    occs: list[Occ]
    by_name: dict[str, list[Occ]] = field(default_factory=dict)
    widths: Counter[str] = field(default_factory=Counter)  # names of layer widths: C_l
    sizes: Counter[str] = field(default_factory=Counter)  # names of sizes: \sum_{k=1}^K
    index_letters: set[str] = field(default_factory=set)
    layer_var: str | None = None
    depth: str | None = None  # the symbol for the number of layers
    tag_symbols: set[str] = field(default_factory=set)
    indexed: set[str] = field(default_factory=set)  # names used with a subscript or superscript
    functions: dict[str, int] = field(default_factory=dict)  # name -> number of arguments
    quantities: dict[str, list[Occ]] = field(default_factory=dict)  # name -> its uses
    scalars: dict[str, bool] = field(default_factory=dict)  # name -> whether a parameter
    of_parameters: set[str] = field(default_factory=set)  # h of h_{W,b}(x): a value, no function
    chain: Chain | None = None  # the fixed chain in numbered layers (derive.infer.numeric_tags)

    def width(self) -> str:
        """The name of the layer widths: the text's, or the first free of C, K, N, M, S."""
        if self.widths:
            return self.widths.most_common(1)[0][0]
        return next(c for c in ("C", "K", "N", "M", "S") if c not in self.by_name)


def read_names(rows: list[Row], occs: list[Occ]) -> Names:
    """What each name of `rows` is (`occs`: their uses, in order)."""
    names = Names(rows, occs)
    for step in _STEPS:
        step(names)
    return names


def layer_symbols(rows: list[Row]) -> set[str]:
    """The letters the text writes layers with (the layer variable and the number of layers),
    as `read_names` reads them: a letter of a bracketed superscript that is neither (the `i`
    of `x^{(i)}` beside `\\sum_{i=1}^n`) is a sample's."""
    # copies: the steps rewrite uses in place (h_{W,b}(x) loses its subscript), and the
    # reading proper must see them as written
    ns = Names(rows, [dataclasses.replace(o) for r in rows for o in r.occs])
    for step in _STEPS[:4]:
        step(ns)
    return ns.tag_symbols


def _uses(ns: Names) -> None:
    by_name: dict[str, list[Occ]] = defaultdict(list)
    for o in ns.occs:
        by_name[o.name].append(o)
    ns.by_name = by_name
    _parameter_subscripts(ns)


def _parameter_subscripts(ns: Names) -> None:
    """`h_{W,b}(x)`: a subscript listing two or more names the text tags with a layer
    elsewhere, on a name applied to an argument, lists the parameters the function depends
    on (UFLDL's hypothesis), not indices: the use is the name alone, as the parser reads it
    (the value at the argument written, as for the loss in J(W, b; x, y))."""
    tagged = {o.name for o in ns.occs if o.sup is not None and o.sub is not None}
    for o in ns.occs:
        names = [t.text for t in _strip(o.sub or []) if t.text not in ("{", "}")]
        if (o.call is not None and len(names) >= 3 and all(n == "," for n in names[1::2])
                and all(n in tagged and n != o.name for n in names[0::2])):
            o.inputs = o.args  # what the value is computed from (no labels: infer.front)
            o.sub, o.call, o.args = None, None, ()  # h_{W,b}(x): h, its arguments skipped
            ns.of_parameters.add(o.name)


def _sizes(ns: Names) -> None:
    """Names in sum bounds are sizes; a subscripted one is a layer width (its subscript is a
    layer: C_l, C_{l+1}, s_{n_l}, C_2; n_x or n_h name sizes)."""
    sup_letters = {t.text for o in ns.occs if o.sup for t in o.sup if t.kind == "letter"}
    for r in ns.rows:
        for _index, upper in r.bounds:
            u = [t for t in _strip(upper) if t.text not in ("{", "}")]
            if not u or u[0].kind != "letter":
                continue
            if len(u) >= 3 and u[1].text == "_" and all(
                    t.kind == "num" or t.text in sup_letters or t.text in "+-_" for t in u[2:]):
                ns.widths[u[0].text] += 1
            elif len(u) == 1:
                ns.sizes[u[0].text] += 1


def _index_letters(ns: Names) -> None:
    ns.index_letters = {t.text for o in ns.occs if o.sub and o.name not in ns.widths
                        for t in o.sub if t.kind == "letter"}
    ns.index_letters |= {i for r in ns.rows for i, _ in r.bounds}


def _layer_symbols(ns: Names) -> None:
    """The layer variable and the number of layers: letters inside superscripts written as
    tags; the layer variable is `l` or the symbol most often offset (l+1), the number of layers
    the most used of the others that is no index and no name."""
    tag_counts: Counter[tuple[str | None, int]] = Counter()
    for o in ns.occs:
        g = without_sample(_strip(o.sup)) if o.sup else []
        inner = g[1:-1] if len(g) >= 3 and g[0].text in "([" and g[-1].text in ")]" else g
        form = _tag_form(inner) if inner else None
        if form and form[0] is not None and o.name not in ns.widths:
            tag_counts[form] += 1

    def count(s: str) -> int:
        return sum(c for (x, _), c in tag_counts.items() if x == s)

    symbols = {s for s, _ in tag_counts if s is not None}
    offsets = {s for s, off in tag_counts if s is not None and off != 0}
    if "l" in symbols and ("l" in offsets or not offsets):
        ns.layer_var = "l"
    elif offsets:
        ns.layer_var = max(sorted(offsets), key=count)
    # a name written only in sums' bounds (\\sum_{k=1}^{l}) may be the depth
    named = {name for name, uses in ns.by_name.items() if not all(o.in_bound for o in uses)}
    depth_candidates = sorted(symbols - {ns.layer_var} - ns.index_letters - named
                              - {s for s in symbols if entry_power(s, ns.by_name, {ns.layer_var})},
                              key=lambda s: (-count(s), s))
    ns.depth = depth_candidates[0] if depth_candidates else None
    ns.tag_symbols = {s for s in (ns.layer_var, ns.depth) if s}
    ns.indexed = {o.name for o in ns.occs if o.sub is not None or o.sup is not None}


# -- functions: applied names that are never indexed ----------------------------------------
# Each rule says why a name is no function; a name no rule refuses is one.
_FunctionRule = Callable[[Names, str, list[Occ], list[Occ]], bool]


def _never_applied(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    return not calls or name in ns.widths or name in ns.tag_symbols


def _indexed_or_tagged(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """A name with indices or a layer tag, unless only ever applied, somewhere without its
    tag: `g^l(z^l)` beside `g(z^l)` and `g'(z^l)` is the activation g (one function); a
    name notes use for functions, only ever applied with its layer tag, is one too
    (`g^{[l]}(z^{[l]})` beside `g'^{[l]}(z^{[l]})`)."""
    tagged = [o for o in uses if o.sub is not None or _tag(o, ns.tag_symbols)]
    untagged_too = len(tagged) < len(calls) or name in _FUNCTION_NAMES and len(uses) == len(calls)
    return bool(tagged) and not (
        untagged_too and all(o.call == 1 for o in calls)
        and all(o.sub is None and o.call == 1 and _layer_symbol(o, ns) for o in tagged))


def _layer_symbol(o: Occ, ns: Names) -> bool:
    """Whether a use's layer tag is written in a letter (`g^l`, `g^{L}`), not a number only
    (`\\tanh^2`: a power)."""
    tag = _tag(o, ns.tag_symbols)
    form = _tag_form(tag[1]) if tag else None
    return form is not None and form[0] is not None


def _used_bare(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """A name also used neither applied nor differentiated, unless every reader knows it."""
    return not (all(o.call is not None or o.after_partial for o in uses)
                or name in _KNOWN_FUNCTIONS)


def _loss_with_arguments(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """J(W, b; x, y): the loss with its arguments, not a function."""
    return any(len(o.args) >= 2 and set(o.args) <= ns.indexed | {"x", "y"} for o in calls)


def _times_bracket(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """\\eta (y - a): a scalar times a bracket, unless the name is defined as a function
    (g(t) = ...), primed (g'), applied to two arguments or more, or one that notes use for
    functions."""
    defined_here = any(o.side == 0 and o.call is not None for o in uses)
    listed = any((o.call or 0) >= 2 for o in calls)  # l(\\mathbf{o}, y): arguments, no product
    return not (defined_here or listed or any(o.prime for o in uses) or name in _FUNCTION_NAMES
                or name.startswith(("\\mathrm", "\\operatorname")))


def _value_of_parameters(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """h_{W,b}(x): the network's output at x, a value the text defines, not a function."""
    return name in ns.of_parameters


def _loss_by_layers(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """L(y, y^*) beside \\frac{\\partial L}{\\partial W^l}: the loss written with its
    arguments, for it is differentiated with respect to the network's layer quantities (never
    arguments of a function of its own), not a function."""
    dens = {(o.formula, o.row) for o in ns.occs
            if o.after_partial == "den" and o.sup is not None and o.sub is None}
    return any((o.call or 0) >= 2 for o in calls) and any(
        o.after_partial == "num" and o.call is None and (o.formula, o.row) in dens for o in uses)


def _loss_derivative(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """C'(a^L) beside \\frac{\\partial C}{\\partial w^l}: the derivative of the cost in its
    output written as a function's, the cost itself differentiated with respect to the
    network's layer quantities: the loss, not a function (C'(a^L) reads as ∂C/∂a^L)."""
    dens = {(o.formula, o.row) for o in ns.occs
            if o.after_partial == "den" and o.sup is not None and o.sub is None}
    return all(o.prime and o.call == 1 for o in calls) and any(
        o.after_partial == "num" and o.call is None and (o.formula, o.row) in dens for o in uses)


def _matrix_operator(ns: Names, name: str, uses: list[Occ], calls: list[Occ]) -> bool:
    """`\\mathrm{tr}(X A)`: the trace, an operation on matrices the parser reads itself
    (derive.vecparse.trace), no function of the text's."""
    return trace_name(name)


_NOT_A_FUNCTION: tuple[_FunctionRule, ...] = (
    _matrix_operator, _never_applied, _indexed_or_tagged, _used_bare, _loss_with_arguments, _times_bracket,
    _value_of_parameters, _loss_by_layers, _loss_derivative)


def _functions(ns: Names) -> None:
    for name, uses in ns.by_name.items():
        calls = [o for o in uses if o.call is not None]
        if any(rule(ns, name, uses, calls) for rule in _NOT_A_FUNCTION):
            continue
        ns.functions[name] = max(Counter(o.call for o in calls).most_common(1)[0][0], 1)
        if name in VECTOR_FUNCTIONS:  # softmax(o) and its entry softmax(o, j): the entry's
            ns.functions[name] = max(o.call or 1 for o in calls)
            if all(o.call == 1 and not o.sub for o in calls):  # only whole: read by entries
                ns.functions[name] = 2


# -- quantities: indexed or layer-tagged names; bare names differentiated or defined --------
# A name one refusal applies to is no quantity; otherwise it is one when a reason applies.
_QuantityRule = Callable[[Names, str, list[Occ]], bool]


def _named_otherwise(ns: Names, name: str, uses: list[Occ]) -> bool:
    return (name in ns.functions or name in ns.widths or name in ns.sizes
            or name in ns.tag_symbols)


def _only_in_bounds(ns: Names, name: str, uses: list[Occ]) -> bool:
    return all(o.in_bound for o in uses)  # n_x, n_h: sizes the sums are bounded by


def _bare_index(ns: Names, name: str, uses: list[Occ]) -> bool:
    return name in ns.index_letters and all(o.sub is None and o.sup is None for o in uses)


def _has_index_or_tag(ns: Names, name: str, uses: list[Occ]) -> bool:
    return any(o.sub is not None or _tag(o, ns.tag_symbols) for o in uses)


def _in_fixed_chain(ns: Names, name: str, uses: list[Occ]) -> bool:
    """`z^1 = w^1 x + b^1`, `a^1 = g(z^1)`, ...: a name of a fixed chain written in numbered
    layers (derive.infer.numeric_tags), its numbers layer tags."""
    if ns.chain is None:
        ns.chain = fixed_chain(ns.rows)
    return any(chain_tag(o, ns.chain) for o in uses)


def _differentiated(ns: Names, name: str, uses: list[Occ]) -> bool:
    return any(o.after_partial == "num" for o in uses)


def _sample_label(ns: Names, name: str, uses: list[Occ]) -> bool:
    return any(_sample_sup(o) for o in uses)  # y^{(i)}: the label of sample i


def _loss_named_with_arguments(ns: Names, name: str, uses: list[Occ]) -> bool:
    """`l(\\mathbf{y}, \\hat{\\mathbf{y}})`, `J(W, b; x, y)`: a name written with the quantities
    it is a function of is that quantity (the loss), not a function of its own."""
    calls = [o for o in uses if o.call is not None]
    return bool(calls) and _loss_with_arguments(ns, name, uses, calls)


def _trace(ns: Names, name: str, uses: list[Occ]) -> bool:
    return trace_name(name)  # \\partial \\mathrm{tr}(X A): the trace differentiated


_NOT_A_QUANTITY: tuple[_QuantityRule, ...] = (_named_otherwise, _only_in_bounds, _bare_index,
                                              _trace)
def _of_parameters(ns: Names, name: str, uses: list[Occ]) -> bool:
    return name in ns.of_parameters  # h_{W,b}(x): a value of the parameters


def _alias_of_quantity(ns: Names, name: str, uses: list[Occ]) -> bool:
    """`\\hat{y} = a^L`: a bare name defined as one layer quantity's value is that value."""
    for r in ns.rows:
        left = [o for o in r.occs if o.side == 0]
        right = [o for o in r.occs if o.side == 1]
        if (r.relation in _DEFINE and len(r.sides) == 2 and len(left) == 1 and len(right) == 1
                and left[0].name == name and left[0].sub is None and left[0].sup is None
                and right[0].name != name and _tag(right[0], ns.tag_symbols)
                and _single_name(r.sides[1])):
            return True
    return False


def _defined_by_entries(ns: Names, name: str, uses: list[Occ]) -> bool:
    """`h = \\begin{bmatrix} p_1 \\\\ \\vdots \\\\ p_K \\end{bmatrix}`: a bare name defined as a
    column of entries (derive.infer.entry_column) is a vector quantity."""
    return any(column_defined(r, name) for r in ns.rows)


def _defined_from_quantities(ns: Names, name: str, uses: list[Occ]) -> bool:
    """`\\Omega = \\frac{1}{2} \\sum_{i,j} w_{ij}^2`, `R = \\ldots`: a bare name a row defines
    alone from indexed or tagged quantities is a defined number of the model (a penalty the
    cost adds), not a given one: taken as given, the cost's derivative would miss its part."""
    for r in ns.rows:
        left = [o for o in r.occs if o.side == 0]
        if not (r.relation in _DEFINE and len(r.sides) == 2 and len(left) == 1
                and left[0].name == name and left[0].sub is None and left[0].sup is None
                and left[0].call is None and _single_name(r.sides[0])):
            continue
        return any(o.side == 1 and o.name != name
                   and (o.sub is not None or _tag(o, ns.tag_symbols)) for o in r.occs)
    return False


def _bare(o: Occ) -> bool:
    return o.sub is None and o.sup is None and o.call is None


def _output_unit_names(ns: Names) -> set[str]:
    """A scalar output unit written without tags (`z = \\sum_j v_j h_j + c`, `\\hat y =
    \\sigma(z)`, `L = -[y \\log \\hat y + ...]`): the bare letters each row defining a bare
    name computes from an indexed name (or from a name so defined) and, in those rows, the bare
    letters they read (the label y, the bias c). Only in a text without layer tags."""
    if ns.tag_symbols or ns.layer_var:
        return set()
    bare = {n for n, us in ns.by_name.items()  # `-y (1 - \\hat y)`: y times, not y applied
            if n not in ns.functions and all(o.sub is None and o.sup is None for o in us)
            and (not n.startswith("\\") or n.startswith("\\hat"))}
    defs = []
    for r in ns.rows:
        left = [o for o in r.occs if o.side == 0]
        if (r.relation in _DEFINE and len(r.sides) == 2 and len(left) == 1
                and _bare(left[0]) and left[0].name in bare and _single_name(r.sides[0])):
            defs.append((left[0].name, [o for o in r.occs if o.side == 1]))
    out: set[str] = set()
    grown = True
    while grown:
        grown = False
        for name, right in defs:
            if name in out:
                continue
            if any(o.sub is not None and o.name not in ns.functions or o.name in out
                   for o in right):
                out.add(name)
                grown = True
    readers = {o.name for name, right in defs if name in out for o in right
               if o.name in bare and o.name not in ns.functions and o.name not in ns.index_letters}
    return out | readers


def _output_unit(ns: Names, name: str, uses: list[Occ]) -> bool:
    cached = getattr(ns, "_output_units", None)
    if cached is None:
        cached = _output_unit_names(ns)
        ns._output_units = cached  # type: ignore[attr-defined]
    return name in cached


_A_QUANTITY: tuple[_QuantityRule, ...] = (_has_index_or_tag, _in_fixed_chain, _differentiated,
                                          _output_unit,
                                          _sample_label,
                                          _of_parameters, _loss_named_with_arguments,
                                          _alias_of_quantity, _defined_by_entries,
                                          _defined_from_quantities)


def _quantities(ns: Names) -> None:
    for name, uses in ns.by_name.items():
        if any(rule(ns, name, uses) for rule in _NOT_A_QUANTITY):
            continue
        if any(rule(ns, name, uses) for rule in _A_QUANTITY):
            ns.quantities[name] = uses


def _scalars(ns: Names) -> None:
    """Names without scripts that are nothing else: a command (\\eta) is a given number, a
    letter differentiated by (\\frac{d}{du} \\tanh(u)) a variable of its own, and so is a
    letter a function's definition reads besides its arguments (the slope `a` of Haykin's
    logistic, `\\varphi(v) = 1/(1 + \\exp(-a v))`)."""
    in_bodies = function_bodies(ns.rows, ns.functions)
    for name, uses in ns.by_name.items():
        if (name in ns.quantities or name in ns.functions or name in ns.widths
                or name in ns.sizes or name in ns.tag_symbols or name in ns.index_letters
                or trace_name(name)):
            continue
        if all(o.sub is None and o.sup is None for o in uses) and (
                name.startswith("\\") or name in in_bodies):
            ns.scalars[name] = True
        elif all(o.sub is None and o.sup is None for o in uses) and any(
                o.after_partial == "den" for o in uses):
            ns.scalars[name] = False


_STEPS: tuple[Callable[[Names], None], ...] = (
    _uses, _sizes, _index_letters, _layer_symbols, _functions, _quantities, _scalars)
