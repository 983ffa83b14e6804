"""The ranges of the indices of each quantity: the index slots that meet in a row take one range.

A slot is a quantity and the position of one of its indices; its range is a layer's width, the
layer kept relative to the quantity's own layer tag for a tagged quantity (`w^{(l)}_{jk}`: k over
layer l-1) and absolute for one without tags (softmax regression's `theta_{kd}`). Ranges spread
from sum bounds and from the slots already known, definitions before claims, until nothing
changes (`_Slots.unify`); the slots of untagged quantities still open are joined into classes of
their own (`_Indices._untagged_classes`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from derive.infer.scan import Lin, Occ, Row, _indices, _plain_name, _strip
from derive.infer.tags import _tag_form
from derive.infer.text import _add, _sub
from derive.latex import Tok

Slot = tuple[str, int]  # (quantity, position of the index)


def _arities(quantities: dict[str, list[Occ]]) -> dict[str, int]:
    """The number of indices of each indexed quantity, as most of its uses write it: uses
    with an index letter first, since W_{11} may be W_{1,1} (UFLDL writes its entries so),
    which only a lettered use (W_{ij}) decides."""
    arity: dict[str, int] = {}
    for q, uses in quantities.items():
        lettered = [o for o in uses if o.sub is not None and any(_indices(o))]
        counts = Counter(len(_indices(o)) for o in (lettered or
                                                    [o for o in uses if o.sub is not None]))
        if counts:
            arity[q] = counts.most_common(1)[0][0]
    return arity


class _Slots:
    """The index slots whose layer is known (`off`): for a tagged quantity, the layer of its
    k-th index relative to its tag; for an untagged one, the absolute layer (a Lin in n)."""

    def __init__(self, arity: dict[str, int], tagged: set[str],
                 bound_layer: Callable[[list[Tok]], Lin | None]) -> None:
        self.arity = arity
        self.tagged = tagged
        self.bound_layer = bound_layer  # the layer whose width a sum's upper bound names
        self.off: dict[Slot, Lin] = {}

    def absolute(self, o: Occ, k: int) -> Lin | None:
        """The layer the k-th index of the use `o` runs over, when known."""
        v = self.off.get((o.name, k))
        if v is None:
            return None
        if o.name in self.tagged:
            if o.tag is None or o.tag[1] is None:
                return None
            return _add(o.tag[1], v)
        return v

    def assign(self, o: Occ, k: int, layer: Lin) -> None:
        """The k-th index of `o` runs over `layer`: kept relative to `o`'s tag, when fixed."""
        if (o.name, k) in self.off:
            return
        if o.name in self.tagged:
            if o.tag is None or o.tag[1] is None:
                return
            rel = _sub(layer, o.tag[1])
            if rel[1] != 0 or rel[2] != 0:
                return  # C_n against a tag l: not a fixed offset
            self.off[(o.name, k)] = rel
        elif layer[2] == 0:
            self.off[(o.name, k)] = layer

    def groups(self, r: Row) -> dict[str, list[tuple[Occ, int]]]:
        """The slots of each index letter of a row, over the uses that write every index."""
        groups: dict[str, list[tuple[Occ, int]]] = defaultdict(list)
        for o in r.occs:
            if o.name in self.arity and o.sub is not None:
                idx = _indices(o)
                if len(idx) == self.arity[o.name]:
                    for k, letter in enumerate(idx):
                        if letter is not None:
                            groups[letter].append((o, k))
        return groups

    def unify(self, rows: list[Row], with_bounds: bool) -> None:
        """Each index letter of a row ranges as its sum's bound says, or as a slot it fills
        that is known; the others of the letter's slots take that range. Until nothing changes."""
        changed = True
        while changed:
            changed = False
            for r in rows:
                bounds = dict(r.bounds) if with_bounds else {}
                for letter, members in self.groups(r).items():
                    known = self._known(members, bounds.get(letter))
                    if known is not None:
                        changed = self._settle(members, known) or changed

    def _known(self, members: list[tuple[Occ, int]], bound: list[Tok] | None) -> Lin | None:
        known = self.bound_layer(bound) if bound is not None else None
        if known is None:
            for o, k in members:
                known = self.absolute(o, k)
                if known is not None:
                    break
        return known

    def _settle(self, members: list[tuple[Occ, int]], known: Lin) -> bool:
        changed = False
        for o, k in members:
            if (o.name, k) not in self.off:
                self.assign(o, k, known)
                changed = changed or (o.name, k) in self.off
        return changed

    def neurons(self, defined: set[str] | None) -> None:
        """Neuron quantities (one index, tagged; defined ones only, unless `defined` is None):
        the index runs over their own layer."""
        for q in sorted(self.tagged):
            if self.arity.get(q) == 1 and (q, 0) not in self.off and (
                    defined is None or q in defined):
                self.off[(q, 0)] = (0, 0, 0)


class _Joined:
    """Slots joined into classes (a union-find): a definition joins freely; a claim only joins
    what is still alone, so that a slip in a claim cannot merge the inputs' and the classes'
    range."""

    def __init__(self) -> None:
        self.parent: dict[Slot, Slot] = {}
        self.size: Counter[Slot] = Counter()

    def find(self, x: Slot) -> Slot:
        while self.parent.setdefault(x, x) != x:
            x = self.parent[x]
        return x

    def join(self, x: Slot, y: Slot, freely: bool) -> None:
        a, b = self.find(x), self.find(y)
        if a != b and (freely or self.size[a] == 0 or self.size[b] == 0):
            self.parent[b] = a
            self.size[a] += self.size[b] + 1


def _digit_pairs(slots: _Slots, rows: list[Row]) -> list[tuple[Slot, Slot]]:
    """o_1 = x_1 w_{11} + x_2 w_{12} + b_1, o_2 = ...: definitions written entry by entry,
    every index a number. Two index slots range alike when their numbers agree in every term
    they meet in (the left side meets every term), at least twice: o's index and w's first,
    x's and w's second; o's and x's agree only by chance (o_1 beside x_1)."""
    def entry(o: Occ) -> list[str] | None:
        if o.name not in slots.arity or o.name in slots.tagged or o.sub is None:
            return None
        ix = [t.text for t in _strip(o.sub) if t.text != ","]
        ok = len(ix) == slots.arity[o.name] and all(i.isdigit() for i in ix)
        return ix if ok and ix else None

    tally: dict[tuple[Slot, Slot], list[int]] = defaultdict(lambda: [0, 0])

    def meet(a: tuple[Occ, list[str]], b: tuple[Occ, list[str]]) -> None:
        for p, u in enumerate(a[1]):
            for q, v in enumerate(b[1]):
                pair = tuple(sorted([(a[0].name, p), (b[0].name, q)]))
                if pair[0] != pair[1]:
                    tally[pair][0] += u == v
                    tally[pair][1] += 1

    for r in rows:
        left = [o for o in r.occs if o.side == 0]
        head = entry(left[0]) if len(left) == 1 and len(r.sides) == 2 else None
        if head is None:
            continue
        terms: dict[int, list[tuple[Occ, list[str]]]] = defaultdict(list)
        for o in r.occs:
            ix = entry(o) if o.side == 1 else None
            if ix is not None:
                terms[o.term].append((o, ix))
        for uses in terms.values():
            for k, a in enumerate(uses):
                meet((left[0], head), a)
                for b in uses[k + 1:]:
                    meet(a, b)
    return [pair for pair, (agree, met) in sorted(tally.items()) if agree == met >= 2]


class _Indices:
    """Methods of the inference (derive.infer.core._Inference) that range the indices."""

    def _shapes(self, quantities: dict[str, list[Occ]], defs: dict[str, list[Row]], width: str
                ) -> dict[str, list[Lin | None]]:
        """The range of each index of each quantity, as the width of a layer (a Lin of the
        layer it names, relative to the quantity's own layer tag for tagged quantities)."""
        tagged = {q for q in quantities if any(o.tag for o in quantities[q])}
        slots = _Slots(_arities(quantities), tagged,
                       lambda upper: self._bound_layer(upper, width))
        chosen = {id(r) for rs in defs.values() for r in rs}
        def_list = [r for r in self.rows if id(r) in chosen]  # the definitions, in order
        slots.unify(def_list, True)
        slots.neurons(set(defs))
        slots.unify(def_list, True)
        by_definitions = set(slots.off)
        slots.unify(self.rows, True)
        slots.neurons(None)
        slots.unify(self.rows, True)
        self._untagged_classes(slots, def_list)
        slots.unify(self.rows, False)  # W^{[1]}_{jk} x_k: what the inputs' range says of W's
        self._unit_layers(quantities, slots)
        table = self._shape_table(quantities, slots)
        # W^l_{jk} written only in claims beside z^l = W^l a^{l-1}: its ranges are what a claim
        # says, which the vector form's definition may correct (a slip must not reshape it)
        self.claimed = {q for q in slots.tagged if slots.arity.get(q, 0) >= 2 and q not in defs
                        and not any((q, j) in by_definitions for j in range(slots.arity[q]))}
        return table

    def _unit_layers(self, quantities: dict[str, list[Occ]], slots: _Slots) -> None:
        """z^{[2]} beside z^{[1]}_j: a layer of one unit (not one the text also writes with an
        index, a^{(3)} beside the loss's a^{(3)}_k, nor one a matrix multiplies, \\Theta^{(1)}
        a^{(1)}: that layer's vector)."""
        self.unit_layers = {}
        multiplied = self._multiplied(slots)
        for q in sorted(slots.tagged):
            bare = sorted(_fixed_layers(quantities[q], False) - _fixed_layers(quantities[q], True)
                          - multiplied.get(q, set()))
            if slots.arity.get(q) == 1 and bare and self.layer_var is None:
                self.unit_layers[q] = (bare[0], bare[-1])

    def _multiplied(self, slots: _Slots) -> dict[str, set[int]]:
        """The fixed layers at which a quantity written bare is the right factor of a matrix
        (a quantity of two indices written bare just before it, in the same term), or is what
        a row defines from such a product."""
        out: dict[str, set[int]] = {}

        def fixed(o: Occ) -> bool:
            return o.sub is None and _fixed_layer(o) is not None

        for r in self.rows:
            occs = [o for o in r.occs if o.name not in ("T", "\\top", "\\intercal")]  # (W)^T
            products = [o for p, o in zip(occs, occs[1:])
                        if p.side == o.side and p.term == o.term and p.sub is None
                        and slots.arity.get(p.name) == 2 and fixed(o)]
            # and what a row defines from such a product (delta^{(2)} = Theta^T delta^{(3)} ...)
            heads = [o for o in r.occs if o.side == 0 and fixed(o)] if any(
                o.side >= 1 for o in products) else []
            for o in products + heads:
                out.setdefault(o.name, set()).add(_fixed_layer(o))  # type: ignore[arg-type]
        return out

    def _shape_table(self, quantities: dict[str, list[Occ]], slots: _Slots
                     ) -> dict[str, list[Lin | None]]:
        """Each quantity's index ranges; one not written is its own layer's width (said)."""
        out: dict[str, list[Lin | None]] = {}
        self.guessed: set[str] = set()
        for q in quantities:
            k = slots.arity.get(q, 0)
            out[q] = [slots.off.get((q, j)) for j in range(k)]
            if any(v is None for v in out[q]):
                missing = [j + 1 for j, v in enumerate(out[q]) if v is None]
                self.facts.append(f"the range of index {missing} of ${q}$ is not written: "
                                  "taken as the width of its own layer (to say otherwise: "
                                  f"quantities.{q}.shape in a front matter)")
                fallback = (0, 0, 0) if q in slots.tagged else (0, 1, 0)
                if q not in slots.tagged:
                    self.guessed.add(q)  # a guess the vector form may correct (infer.vectors)
                out[q] = [v if v is not None else fallback for v in out[q]]
        return out

    def _untagged_classes(self, slots: _Slots, def_list: list[Row]) -> None:
        """Indices of quantities without layer tags (softmax regression: z_k, theta_{kd}, x_d)
        that meet in a row range alike; the class of the labels' index is the output layer n,
        the others the first layers (the inputs), so that inputs and classes differ in size."""
        joined = _Joined()
        for rows in (def_list, self.rows):
            for r in rows:
                for members in self._open_untagged(slots, r).values():
                    for m in members[1:]:
                        joined.join(members[0], m, rows is def_list)
        for a, b in _digit_pairs(slots, def_list):
            joined.join(a, b, True)
        classes: dict[Slot, list[Slot]] = defaultdict(list)
        for x in sorted(joined.parent, key=lambda k: (self._first_use(k[0]), k[1])):
            classes[joined.find(x)].append(x)
        labels = self.labels
        order = sorted(classes.values(), key=lambda c: (not any(q == labels for q, _ in c),
                                                          self._first_use(c[0][0]), c[0][1]))
        has_labels = bool(order) and any(q == labels for q, _ in order[0])
        for k, members in enumerate(order):
            if self.first_layer == 0 and self.layer_var is None:  # W^{[1]} x: the inputs are layer 0, the labels the last
                layer: Lin = (self.last_fixed, 0, 0) if k == 0 and has_labels else (0, 0, 0)
            else:
                layer = (0, 1, 0) if k == 0 else (min(k, 2), 0, 0)
            for m in members:
                slots.off.setdefault(m, layer)
        self._named_sizes(slots)

    def _open_untagged(self, slots: _Slots, r: Row) -> dict[str, list[Slot]]:
        """The open slots of untagged quantities of a row, by index letter."""
        groups: dict[str, list[Slot]] = defaultdict(list)
        for o in r.occs:
            if o.name in slots.arity and o.name not in slots.tagged and o.sub is not None:
                idx = _indices(o)
                if len(idx) == slots.arity[o.name]:
                    for k, letter in enumerate(idx):
                        if letter is not None and (o.name, k) not in slots.off:
                            groups[letter].append((o.name, k))
        return groups

    def _named_sizes(self, slots: _Slots) -> None:
        """Sizes the text names on their own: \\sum_{k=1}^{D} V_{jk} x_k makes D the width of
        x's."""
        for r in self.rows:
            for letter, upper in r.bounds:
                alias = _plain_name(upper)
                if alias is None or alias in self.aliases or "_" in alias and alias.split(
                        "_")[0] == self.width:
                    continue
                layer = self._size_of(slots, r, letter)
                if layer is not None:
                    self.aliases[alias] = layer

    def _size_of(self, slots: _Slots, r: Row, letter: str) -> Lin | None:
        """The layer of the first known slot the letter fills in the row (of an untagged
        quantity, or of a tagged one at a fixed layer)."""
        for o in r.occs:
            if o.name not in slots.arity or letter not in _indices(o):
                continue
            slot = (o.name, _indices(o).index(letter))
            if slot not in slots.off:
                continue
            if o.name not in slots.tagged:
                return slots.off[slot]
            if o.tag and o.tag[1] is not None and o.tag[1][1:] == (0, 0):
                return _add(o.tag[1], slots.off[slot])  # a fixed layer's
        return None

    def _first_use(self, name: str) -> int:
        return next((k for k, o in enumerate(self.occs) if o.name == name), len(self.occs))

    def _bound_layer(self, upper: list[Tok], width: str) -> Lin | None:
        u = [t for t in _strip(upper) if t.text not in ("{", "}")]
        if len(u) >= 3 and u[0].text == width and u[1].text == "_":
            form = _tag_form(u[2:])
            if form is not None:
                return self._lin(form, self.layer_var, self.depth)
        return None


def _fixed_layer(o: Occ) -> int | None:
    """The fixed layer a use is written at (`a^{(2)}`), or None."""
    if o.tag and o.tag[1] is not None and o.tag[1][1:] == (0, 0):
        return o.tag[1][0]
    return None


def _fixed_layers(uses: list[Occ], indexed: bool) -> set[int]:
    """The fixed layers a quantity is written at with an index (or without one)."""
    return {layer for o in uses if (o.sub is not None) == indexed
            and (layer := _fixed_layer(o)) is not None}
