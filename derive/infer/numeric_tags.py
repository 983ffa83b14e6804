"""Bare numeric layer tags of a fixed chain: `z^1 = w^1 x + b^1`, `a^1 = g(z^1)`,
`z^2 = w^2 a^1 + b^2`, `a^2 = g(z^2)`, a network of fixed depth written layer by layer.

Notes that build backpropagation up step by step write a network of two or three one-neuron
layers with the layers as bare numbers in the superscript (koerbitz's "Moving to Two Layers")
before they write it for any depth (`z^l = w^l a^{l-1} + b^l`). A bare number in a superscript
is a power elsewhere (`x^2`), so it is read as a layer only where the text writes such a chain:
one display formula of two or more rows, each defining a name written with a number in its
superscript (and nothing else) from names that are not derivatives, the rows' numbers at least
two layers, and a row that reads a name another row defines, at a number of the chain. The names
of those rows (left and right) are the chain's, and so is an error term defined at a numbered
layer as a derivative by one of them (`\\delta^1 = \\frac{\\partial C}{\\partial z^1}`); their
numbered superscripts are its layers, everywhere in the text (another name's number stays a
power, unless the text writes that name's layers with a variable too: derive.infer.core). The
chain is a network of fixed depth, its last number: a claim written only at fixed
layers is checked in networks of that depth (`Model.depth`, derive.evaluate), where its last
layer is the output a generic loss stands on.

In a text that also writes its layers with a variable (`z^l = w^l a^{l-1} + b^l` after the
chain), the chain's rows define the layers they are written at, the first time (`chain_row`:
z^1, a^1, z^2, a^2; `chain_error`: delta^2, delta^1); the same rows written again (`z^1 = w^1 a^0
+ b^1` after `x =: a^0`) are claims. In a text of fixed layers only, the rules for fixed layers
(derive.infer.definitions) read them.

Token level only: nothing is evaluated."""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.infer.scan import _DEFINE, Occ, Row, _single_name, _strip

# what marks a row's right side as a derivative, not a forward step
_CALCULUS = {"\\partial", "\\nabla", "'", "\\prime", "\\sum", "\\prod"}


def digit(o: Occ) -> int | None:
    """The number of a use's superscript when it is a bare number (`z^1`, `z^{2}`); None for
    any other superscript (`z^{(2)}` is read as a tag already, derive.infer.tags) or none."""
    g = [t for t in _strip(o.sup or []) if t.text not in ("{", "}")]
    if len(g) == 1 and g[0].kind == "num" and g[0].text.isdigit():
        return int(g[0].text)
    return None


@dataclass
class Chain:
    """The fixed chain a text writes: its names, the numbers of its layers, its rows."""

    names: set[str] = field(default_factory=set)
    layers: set[int] = field(default_factory=set)
    rows: set[tuple[int, int]] = field(default_factory=set)  # (formula, row) of its steps

    @property
    def depth(self) -> int | None:
        return max(self.layers) if self.layers else None


def _step(r: Row) -> Occ | None:
    """`z^2 = w^2 a^1 + b^2`: the name a row defines at a numbered layer from names that are
    not derivatives, the name not read on the right; None for any other row."""
    if r.relation not in _DEFINE or len(r.sides) != 2 or not _single_name(r.sides[0]):
        return None
    left = [o for o in r.occs if o.side == 0]
    right = [o for o in r.occs if o.side == 1]
    if len(left) != 1 or not right or left[0].sub is not None or digit(left[0]) is None:
        return None
    if left[0].call is not None or left[0].prime:
        return None
    if any(t.text in _CALCULUS for t in r.sides[1]):
        return None
    if any(o.name == left[0].name for o in right):
        return None
    return left[0]


def fixed_chain(rows: list[Row]) -> Chain:
    """The text's fixed chain (empty when it writes none)."""
    chain = Chain()
    by_formula: dict[int, list[Row]] = {}
    for r in rows:
        by_formula.setdefault(r.formula.number, []).append(r)
    for number, rs in by_formula.items():
        steps = [(r, o) for r in rs if (o := _step(r)) is not None]
        if len(steps) < 2 or len({digit(o) for _, o in steps}) < 2:
            continue
        heads = {o.name for _, o in steps}
        linked = any(x.name in heads and x.name != o.name and digit(x) is not None
                     for r, o in steps for x in r.occs if x.side == 1)
        if not linked:
            continue
        for r, o in steps:
            chain.rows.add((number, r.number))
            chain.names.add(o.name)
            chain.names |= {x.name for x in r.occs if x.side == 1 and digit(x) is not None}
    if chain.names:
        chain.names |= {o.name for r in rows if (o := _error_head(r, chain)) is not None}
        chain.layers = {d for r in rows for o in r.occs if o.name in chain.names
                        and (d := digit(o)) is not None}
    return chain


def _error_head(r: Row, chain: Chain) -> Occ | None:
    """`\\delta^2 = \\frac{\\partial C}{\\partial z^2}`: a name at a numbered layer defined as a
    derivative by a chain name at that layer (a chain's error term); None for any other row."""
    if r.relation not in _DEFINE or len(r.sides) < 2 or not _single_name(r.sides[0]):
        return None
    left = [o for o in r.occs if o.side == 0]
    if len(left) != 1 or left[0].sub is not None or digit(left[0]) is None:
        return None
    side = _strip(r.sides[1])
    if not side or side[0].text not in ("\\frac", "\\dfrac", "\\tfrac"):
        return None
    by = [o for o in r.occs if o.side == 1 and o.after_partial == "den"]
    if len(by) != 1 or by[0].name not in chain.names or digit(by[0]) != digit(left[0]):
        return None
    return left[0]


def chain_tag(o: Occ, chain: Chain) -> bool:
    """Whether a use's bare number is a layer of the fixed chain."""
    return o.name in chain.names and digit(o) is not None


def model_depth(chain_depth: int | None, first_layer: int) -> int | None:
    """The chain's depth as the model numbers layers (from 1: a text that numbers its input
    layer 0 has one layer more)."""
    if chain_depth is None:
        return None
    return chain_depth + (1 if first_layer == 0 else 0)


def chain_error(inference, r: Row, left: list[Occ], st) -> bool:  # type: ignore[no-untyped-def]
    """A row rule: a chain's error term defined at a numbered layer (`\\delta^2 =
    \\frac{\\partial C}{\\partial z^2} = ...`), the first time, defines that layer (its first
    pair, when the row goes on); written again, it is a claim."""
    chain: Chain | None = getattr(inference, "chain", None)
    if (chain is None or not inference.layer_var or not chain.names
            or _error_head(r, chain) is None):
        return False
    o = left[0]
    seen = inference.__dict__.setdefault("chain_defined", set())
    at = (o.name, digit(o))
    if at in seen:
        return False
    seen.add(at)
    rows = inference.definition_rows if len(r.sides) == 2 else inference.head_rows
    rows[r.formula.number].add(r.number)
    return True


def chain_row(inference, r: Row, left: list[Occ], st) -> bool:  # type: ignore[no-untyped-def]
    """A row rule (derive.infer.definitions): a step of the fixed chain in a text whose layers
    are also written with a variable defines its layer, the first time it is written (the
    layer-generic definition after it covers the others); written again, it is a claim."""
    chain: Chain | None = getattr(inference, "chain", None)
    if (chain is None or not inference.layer_var
            or (r.formula.number, r.number) not in chain.rows):
        return False
    o = left[0]
    seen = inference.__dict__.setdefault("chain_defined", set())
    at = (o.name, digit(o))
    if at in seen:
        inference.claims.add((r.formula.number, r.number))
        return True
    seen.add(at)
    inference.definition_rows[r.formula.number].add(r.number)
    return True
