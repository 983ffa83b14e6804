"""Layers and index ranges of the inferred notation: the forward definition that links two
layers, and the unification of the indices that meet in a row."""

from __future__ import annotations

from collections import Counter, defaultdict

from derive.infer.scan import Lin, Occ, Row, _indices, _plain_name, _strip, _tag_form
from derive.infer.text import _add, _sub
from derive.latex import (
    Tok,
)


class _Layers:
    """Methods of the inference (derive.infer.core._Inference) that place quantities in layers."""

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
                            and o.tag[1][0] < head.tag[1][0]
                            and (o.name in defs or o.name in self.bypassed)
                            and o.name != q):
                        link = (q, head, o, r)
                        break
                if link:
                    break
            if link:
                break
        if link is None:  # a^l = sigma(sum_k w^l_{jk} a^{l-1}_k + b^l_j): a feeds itself
            for q in sorted(defs):
                for r in defs[q]:
                    head = next(o for o in r.occs if o.side == 0)
                    low = [o for o in r.occs if o.side >= 1 and o.name == q and o.tag
                           and o.tag[1] is not None and head.tag and head.tag[1] is not None
                           and o.tag[1][2] == 1 and o.tag[1][0] < head.tag[1][0]]
                    if low:
                        link = (q, head, low[0], r)
                        break
                if link:
                    break
            if link is not None:
                q, head, act, row = link
                dq, dp = head.tag[1][0], act.tag[1][0]
                ranges[q] = (first, top)
                given[q] = (first, (dq - dp, 0, 0))
                for o in row.occs:
                    if o.side >= 1 and o.tag and o.tag[1] is not None and o.name not in ranges:
                        ranges[o.name] = ((1 - dp + o.tag[1][0], 0, 0), (-dq + o.tag[1][0], 1, 0))
        if link is None:
            for q in tagged:
                ranges[q] = (first, top)
            return ranges, given
        if link[0] == link[2].name:  # the self-feeding case: done above, but for the others
            for name in sorted(tagged - set(ranges)):
                ranges[name] = (first, top)
            return ranges, given
        q, head, act, row = link
        dq, dp = head.tag[1][0], act.tag[1][0]
        ranges[q] = ((1 + dq - dp, 0, 0), top)
        ranges[act.name] = (first, top)
        given[act.name] = (first, first)
        self.facts.append(
            f"layer 1 is the input: ${act.name}$ is given there and ${q}$ starts at layer "
            f"{1 + dq - dp}, as its definition at line {head.line} reads (to say otherwise: "
            f"quantities.{act.name}.given_layers and quantities.{q}.layers)")
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
            # uses with an index letter first: W_{11} may be W_{1,1} (UFLDL writes its
            # entries so), which only a lettered use (W_{ij}) decides
            lettered = [o for o in uses if o.sub is not None and any(_indices(o))]
            counts = Counter(len(_indices(o)) for o in (lettered or
                                                        [o for o in uses if o.sub is not None]))
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
        unify(self.rows, False)  # W^{[1]}_{jk} x_k: what the inputs' range says of W's
        self.unit_layers = {}
        for q in sorted(tagged):  # z^{[2]} beside z^{[1]}_j: a layer of one unit
            bare = sorted({o.tag[1][0] for o in quantities[q] if o.sub is None and o.tag
                           and o.tag[1] is not None and o.tag[1][1:] == (0, 0)})
            if arity.get(q) == 1 and bare and self.layer_var is None:
                self.unit_layers[q] = (bare[0], bare[-1])
        out: dict[str, list[Lin | None]] = {}
        for q in quantities:
            k = arity.get(q, 0)
            out[q] = [off.get((q, j)) for j in range(k)]
            if any(v is None for v in out[q]):
                missing = [j + 1 for j, v in enumerate(out[q]) if v is None]
                self.facts.append(f"the range of index {missing} of ${q}$ is not written: "
                                  "taken as the width of its own layer (to say otherwise: "
                                  f"quantities.{q}.shape in a front matter)")
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
        has_labels = bool(order) and any(q == labels for q, _ in order[0])
        for k, members in enumerate(order):
            if self.first_layer == 0:  # W^{[1]} x: the inputs are layer 0, the labels the last
                layer: Lin = (self.last_fixed, 0, 0) if k == 0 and has_labels else (0, 0, 0)
            else:
                layer = (0, 1, 0) if k == 0 else (min(k, 2), 0, 0)
            for m in members:
                off.setdefault(m, layer)
        # sizes the text names on their own: \sum_{k=1}^{D} V_{jk} x_k makes D the width of x's
        for r in self.rows:
            for letter, upper in r.bounds:
                alias = _plain_name(upper)
                if alias is None or alias in self.aliases or "_" in alias and alias.split(
                        "_")[0] == self.width:
                    continue
                for o in r.occs:
                    if o.name not in arity or letter not in _indices(o):
                        continue
                    slot = (o.name, _indices(o).index(letter))
                    if slot not in off:
                        continue
                    if o.name not in tagged:
                        self.aliases[alias] = off[slot]
                        break
                    if o.tag and o.tag[1] is not None and o.tag[1][1:] == (0, 0):
                        self.aliases[alias] = _add(o.tag[1], off[slot])  # a fixed layer's
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
