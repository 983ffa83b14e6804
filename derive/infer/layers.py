"""The layers of each quantity of the inferred notation, from the forward definition that links
two layers (`z^{(l+1)} = ... a^{(l)}`): the activation exists in every layer and is given in the
first, the quantity it feeds starts one layer later, the weights span the layers the definition
needs. Without such a link, a quantity that feeds itself (`a^l = sigma(w^l a^{l-1} + b^l)`) sets
the layers; a text of fixed layers only (`z^{[2]}`) places each quantity where it is used."""

from __future__ import annotations

from collections.abc import Iterator

from derive.infer.scan import Lin, Occ, Row, _head

Range = tuple[Lin, Lin]
Link = tuple[str, Occ, Occ, Row]  # (the quantity defined, its head, what it reads, the row)
_TOP: Lin = (0, 1, 0)  # layer n
_FIRST: Lin = (1, 0, 0)  # layer 1


def _reads_lower(o: Occ, head: Occ) -> bool:
    """Whether `o` is written at a layer of the layer variable below the head's."""
    return bool(o.tag and o.tag[1] is not None and head.tag and head.tag[1] is not None
                and o.tag[1][2] == 1 and o.tag[1][0] < head.tag[1][0])


def _spanned(row: Row, dq: int, dp: int, ranges: dict[str, Range]) -> None:
    """What the linking definition reads at other layers (weights, biases) spans the layers
    it needs."""
    for o in row.occs:
        if o.side >= 1 and o.tag and o.tag[1] is not None and o.name not in ranges:
            d = o.tag[1][0]
            ranges[o.name] = ((1 - dp + d, 0, 0), (-dq + d, 1, 0))


class _Layers:
    """Methods of the inference (derive.infer.core._Inference) that place quantities in layers."""

    def _ranges(self, tagged: set[str], defs: dict[str, list[Row]]
                ) -> tuple[dict[str, Range], dict[str, Range]]:
        """The layers of each tagged quantity, and the layers where some are given."""
        if self.layer_var is None:  # fixed layers only: each quantity where it is used
            ranges = self._fixed_ranges(tagged)
            return ranges, self._fixed_inputs(ranges, defs)
        link = self._link(defs)
        if link is not None:
            return self._linked_ranges(link, tagged, defs)
        link = self._self_link(defs)
        if link is not None:
            return self._self_fed_ranges(link, tagged)
        return {q: (_FIRST, _TOP) for q in tagged}, {}

    def _fixed_ranges(self, tagged: set[str]) -> dict[str, Range]:
        ranges: dict[str, Range] = {}
        for q in tagged:
            layers = [o.tag[1][0] for o in self.occs if o.name == q and o.tag
                      and o.tag[1] is not None and o.tag[1][1:] == (0, 0)]
            if layers:
                ranges[q] = ((min(layers), 0, 0), (max(layers), 0, 0))
        return ranges

    def _fixed_inputs(self, ranges: dict[str, Range], defs: dict[str, list[Row]]
                      ) -> dict[str, Range]:
        """A fixed chain's input (`a^0` beside `a^1 = g(z^1)`, `a^2 = g(z^2)`: derive.infer.
        numeric_tags): a defined quantity written at layer 0, below every layer a row defines
        it at, is given there."""
        given: dict[str, Range] = {}
        for q, (lo, _hi) in ranges.items():
            layers = [h.tag[1][0] for r in defs.get(q, ()) if (h := _head(r)).tag
                      and h.tag[1] is not None and h.tag[1][1:] == (0, 0)]
            if lo == (0, 0, 0) and layers and min(layers) > 0:
                given[q] = (lo, lo)
        return given

    def _link(self, defs: dict[str, list[Row]]) -> Link | None:
        """The first definition that reads another defined quantity at a lower layer:
        z^{(l+1)} = ... a^{(l)}."""
        return next(self._links(defs), None)

    def _links(self, defs: dict[str, list[Row]]) -> Iterator[Link]:
        """Every definition that reads another defined quantity at a lower layer."""
        for q in sorted(defs):
            for r in defs[q]:
                head = _head(r)
                if head.tag is None or head.tag[1] is None:
                    continue
                for o in r.occs:
                    if (o.side == 1 and _reads_lower(o, head) and o.name != q
                            and (o.name in defs or o.name in self.bypassed)):
                        yield q, head, o, r

    def _self_link(self, defs: dict[str, list[Row]]) -> Link | None:
        """The first definition that reads its own quantity at a lower layer:
        a^l = sigma(sum_k w^l_{jk} a^{l-1}_k + b^l_j)."""
        for q in sorted(defs):
            for r in defs[q]:
                head = _head(r)
                low = [o for o in r.occs if o.side >= 1 and o.name == q and _reads_lower(o, head)]
                if low:
                    return q, head, low[0], r
        return None

    def _self_fed_ranges(self, link: Link, tagged: set[str]
                         ) -> tuple[dict[str, Range], dict[str, Range]]:
        q, head, act, row = link
        dq, dp = head.tag[1][0], act.tag[1][0]
        ranges: dict[str, Range] = {q: (_FIRST, _TOP)}
        given = {q: (_FIRST, (dq - dp, 0, 0))}
        _spanned(row, dq, dp, ranges)
        for name in sorted(tagged - set(ranges)):
            ranges[name] = (_FIRST, _TOP)
        return ranges, given

    def _linked_ranges(self, link: Link, tagged: set[str], defs: dict[str, list[Row]]
                       ) -> tuple[dict[str, Range], dict[str, Range]]:
        q, head, act, row = link
        dq, dp = head.tag[1][0], act.tag[1][0]
        ranges: dict[str, Range] = {q: ((1 + dq - dp, 0, 0), _TOP), act.name: (_FIRST, _TOP)}
        given = {act.name: (_FIRST, _FIRST)}
        first = 0 if self.first_layer == 0 else 1  # a^0 = x: the text numbers from 0
        self.facts.append(
            f"layer {first} is the input: ${act.name}$ is given there and ${q}$ starts at layer "
            f"{first + dq - dp}, as its definition at line {head.line} reads (to say otherwise: "
            f"quantities.{act.name}.given_layers and quantities.{q}.layers)")
        _spanned(row, dq, dp, ranges)
        for q2, head2, act2, _ in self._links(defs):  # Z^l = W^l A^{l-1} + b^l beside it
            placed = {q2, act2.name} & set(ranges)
            if not placed and head2.tag[1][0] - act2.tag[1][0] == dq - dp:
                ranges[q2], ranges[act2.name] = ranges[q], ranges[act.name]
                given[act2.name] = given[act.name]
        for name in sorted(tagged - set(ranges)):  # the others: the layers of what defines them
            ranges[name] = self._defined_range(name, defs, ranges)
        return ranges, given

    def _defined_range(self, name: str, defs: dict[str, list[Row]], ranges: dict[str, Range]
                       ) -> Range:
        """The layers of a quantity defined from ones already placed: each definition holds
        where everything it reads at the layer variable exists (shifted by the layer it is read
        at), and a recursion that reads the quantity itself at another layer (`delta^{(l)}` from
        `delta^{(l+1)}`) needs that layer too; layers 1..n otherwise."""
        spans = [span for r in defs.get(name, ()) for span in [_row_span(name, r, ranges)]
                 if span is not None]
        if not spans:
            return _FIRST, _TOP
        return min((s[0] for s in spans), key=_order), max((s[1] for s in spans), key=_order)


def _order(d: Lin) -> tuple[int, int]:
    """Layers in order: any layer counted from n after the fixed ones."""
    return d[1], d[0]


def _row_span(name: str, r: Row, ranges: dict[str, Range]) -> Range | None:
    """The layers of `name` one definition gives (None: it reads nothing placed)."""
    head = _head(r)
    if not head.tag or not head.tag[1] or head.tag[1][2] != 1:
        return None
    at = head.tag[1][0]
    reads = [o for o in r.occs if o.side >= 1 and o.tag and o.tag[1] is not None
             and o.tag[1][2] == 1]
    src = [o for o in reads if o.name in ranges and o.name != name]
    if not src:
        return None
    windows = [((lo[0] + at - o.tag[1][0], lo[1], 0), (hi[0] + at - o.tag[1][0], hi[1], 0))
               for o in src for lo, hi in [ranges[o.name]]]
    lo, hi = max((w[0] for w in windows), key=_order), min((w[1] for w in windows), key=_order)
    for o in reads:
        if o.name == name:  # delta^{(l+1)}: that layer of the quantity is read too
            d = o.tag[1][0] - at
            lo, hi = (lo[0] + min(d, 0), lo[1], 0), (hi[0] + max(d, 0), hi[1], 0)
    return lo, hi
