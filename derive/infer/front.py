"""The front matter an inferred notation amounts to: roles, quantities, functions, sizes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from derive.infer.logs import log_reading, sum_readings
from derive.infer.oneunit import fixed_output_units
from derive.infer.scan import (
    _DEFINE,
    Lin,
    Occ,
    Row,
    _indices,
    _plain_name,
    _single_name,
    _strip,
    _text,
)
from derive.infer.tags import _sample_sup
from derive.infer.text import _dim_text, _range_text, _summary, layers_header
from derive.infer.unit_sizes import unit_sizes
from derive.infer.units import output_unit
from derive.latex import without_sample


class _Fresh:
    """Names no use of the text takes, handed out in the order of the choices asked for."""

    def __init__(self, used: set[str], quantities: dict[str, list[Occ]]) -> None:
        self.used = used
        self.quantities = quantities

    def __call__(self, *choices: str) -> str:
        for c in choices:
            if c not in self.used and c not in self.quantities:
                self.used.add(c)
                return c
        raise AssertionError("no fresh name")  # the choices are more than the names in use


class _Front:
    """Methods of the inference (derive.infer.core._Inference) that write the front matter."""

    def _front(self, quantities: dict[str, list[Occ]], functions: dict[str, int],
               scalars: dict[str, bool], defs: dict[str, list[Row]], width: str,
               sizes: Counter) -> dict[str, Any]:
        """The front matter: the roles, then the layers, ranges and shapes of the quantities,
        then each quantity's entry, the summary and the sizes, functions and scalars."""
        self.unit_sizes = unit_sizes(self.rows, self.occs)  # \sum_{i=1}^{n} w_{ji} x_i
        n = self.depth or next(c for c in ("n", "L", "N") if c not in quantities and c != width
                                and c != self.sample and c not in self.unit_sizes)
        roles = self._roles(quantities, functions, scalars, defs, width, sizes, n)
        # the letter the front matter writes the layer variable with: `l`, unless `l` is the
        # depth (Goodfellow's h^{(k)} for k = 1..l): then the text's own, said as roles.layer
        self.meta_var = self.layer_var if n == "l" and self.layer_var not in (None, "l") else "l"
        if self.meta_var != "l":
            roles["layer"] = self.meta_var
        self.front_roles, self.quantity_names = roles, set(quantities)
        self.labels = roles.get("labels")
        self.loss = roles.get("loss")
        self.summed_sample = next((i for r in self.rows for i, _ in r.bounds
                                   if i == roles.get("sample")), None)
        tagged = {q for q, uses in quantities.items() if any(o.tag for o in uses)}
        self.width = width
        self._first_layer(quantities, defs, tagged)
        ranges, given_layers = self._ranges(tagged, defs)
        shapes = self._shapes(quantities, defs, width)
        self._said_sizes(shapes, tagged)
        self._narrow(ranges, shapes, tagged)
        out_q: dict[str, dict[str, Any]] = {}
        for q in sorted(quantities):
            out_q[q] = self._quantity(q, quantities[q], tagged, ranges, given_layers, shapes,
                                      defs, width, n)
        _from_zero(self.rows, out_q)
        for q, (lo, hi) in getattr(self, "unit_layers", {}).items():
            out_q[q]["unit_layers"] = str(lo) if lo == hi else f"{lo}..{hi}"
        unit = output_unit(self.loss, self.rows, defs, quantities, self.layer_var)
        if unit is not None and unit in out_q and "unit_layers" not in out_q[unit]:
            out_q[unit]["unit_layers"] = n
            line = defs[self.loss][0].formula.line
            self.facts.append(
                f"the loss at line {line} reads ${unit}$ at layer ${n}$ as a number (no sum, "
                f"inner product or norm over its units): the output layer is one unit, "
                f"${unit}$ there its one value (to say otherwise: quantities.{unit}.unit_layers)")
        self._one_unit_layer(out_q, defs, quantities)
        for q, rows in defs.items():  # J = \frac{1}{m} \sum_{i=1}^m L^{(i)}: one per batch
            if q in out_q and any(_over_samples(i, upper, roles) for r in rows
                                  for i, upper in r.bounds):
                out_q[q]["parameter"] = True
        _shared_in_batch_costs(defs, out_q, tagged)
        self._say(roles, out_q, functions, defs, shapes, tagged, width, n)
        return self._front_matter(roles, out_q, quantities, functions, scalars, width, n)

    def _one_unit_layer(self, out_q: dict[str, dict[str, Any]], defs: dict[str, list[Row]],
                        quantities: dict[str, list[Occ]]) -> None:
        """The last fixed layer of one unit, where the loss reads it as a number."""
        units = [q for q in fixed_output_units(self.loss, self.rows, defs, quantities,
                                               self.layer_var, self.last_fixed)
                 if q in out_q and "unit_layers" not in out_q[q]]
        for q in units:
            out_q[q]["unit_layers"] = str(self.last_fixed)
        if units:
            self.facts.append(
                f"the loss at line {defs[self.loss][0].formula.line} reads layer "
                f"{self.last_fixed} as a number: the output layer is one unit, "
                + ", ".join(f"${q}^{{[{self.last_fixed}]}}$" for q in units)
                + " its one value (to say otherwise: quantities.<name>.unit_layers)")

    def _roles(self, quantities: dict[str, list[Occ]], functions: dict[str, int],
               scalars: dict[str, bool], defs: dict[str, list[Row]], width: str,
               sizes: Counter, n: str) -> dict[str, str]:
        """The roles: layers, width, batch size, sample, loss, learning rate, labels."""
        roles: dict[str, str] = {"layers": n, "width": width}
        used = {o.name for o in self.occs} | set(quantities) | set(functions) | set(scalars)
        fresh = _Fresh(used | {n, width}, quantities)
        bare_m = any(o.name == "m" and o.sub is None and o.sup is None
                     and "m" not in self.unit_sizes for o in self.occs)
        batch = None
        if not bare_m and self.sample:  # C = \frac{1}{N} \sum_x C_x: N is the batch size
            batch = self._batch_in_sum(quantities, functions, scalars)
            if batch:
                fresh.used.discard(batch)
                roles["batch"] = batch
        if (bare_m or "m" in sizes) and "m" not in quantities and "m" not in self.unit_sizes:
            roles["batch"] = batch or "m"
        else:
            roles["batch"] = batch or fresh("m", "M", "B", "\\mu", "\\nu")
        roles["sample"] = self._sample_role(quantities, n, width, fresh)
        if roles["sample"] == roles["batch"]:  # \sum_m over samples m: the size is another name
            roles["batch"] = fresh("M", "B", "N", "\\mu", "\\nu")
        loss = self._loss(quantities, defs)
        if loss:
            roles["loss"] = loss
        rate = self._rate(scalars)
        if rate:
            roles["rate"] = rate
        labels = self._labels(loss, quantities, {q: d for q, d in defs.items()
                                                  if q not in functions})
        if labels:
            roles["labels"] = labels
        return roles

    def _batch_in_sum(self, quantities: dict[str, list[Occ]], functions: dict[str, int],
                      scalars: dict[str, bool]) -> str | None:
        """The first bare one-letter name of no other kind in a row that sums over the samples."""
        for r in self.rows:
            if any(i == self.sample for i, _ in r.bounds):
                bare = [o.name for o in r.occs if o.sub is None and o.sup is None
                        and o.name not in quantities and o.name not in functions
                        and o.name not in scalars and len(o.name) == 1
                        and o.name != self.sample and o.call is None]
                if bare:
                    return bare[0]
        return None

    def _sample_role(self, quantities: dict[str, list[Occ]], n: str, width: str,
                     fresh: _Fresh) -> str:
        """The sample's letter: the sum over the samples', a bracketed superscript's (y^{(i)}),
        a sum's index no name carries; else a fresh one."""
        samples = [self.sample] if self.sample else []
        samples += [t.text for o in self.occs if o.sup and o.tag is None
                    for g in [_strip(o.sup)] if len(g) == 3 and g[0].text == "("
                    for t in g[1:2] if t.kind == "letter" and t.text not in quantities]
        samples += [i for r in self.rows for i, _ in r.bounds
                    if not any(i in _indices(o) for o in r.occs)]
        samples = [x for x in samples if (x not in quantities or x == self.sample)
                   and x not in (n, width)]
        return samples[0] if samples else fresh("x", "s", "\\xi", "\\zeta", "\\varsigma")

    def _labels(self, loss: str | None, quantities: dict[str, list[Occ]],
                defs: dict[str, list[Row]]) -> str | None:
        """The labels: a given quantity without layers the loss's definition compares with,
        or, when it compares with none (`E = J + \\frac{\\lambda}{2} \\|\\theta\\|^2`, a
        penalty added), the labels of the first defined quantity it is written with (`J`)."""
        seen: set[str] = set()
        while loss in defs and loss not in seen:
            seen.add(loss)
            found = self._compared(loss, quantities, defs)
            if found is not None:
                return found
            loss = next((o.name for o in defs[loss][0].occs if o.side >= 1 and o.name in defs
                         and o.name not in seen), None)
        return None

    def _compared(self, loss: str, quantities: dict[str, list[Occ]],
                  defs: dict[str, list[Row]]) -> str | None:
        """The given quantity without layers one definition of the loss compares with."""
        occs = defs[loss][0].occs
        inputs = {a for o in occs if o.side >= 1 and o.name != loss
                  for a in (*o.args, *o.inputs)}
        found = [o.name for o in occs
                 if o.side >= 1 and o.name in quantities and o.name not in defs
                 and o.tag is None and len(_indices(o)) <= 1 and o.name != loss]
        # h(x) - y: x is what the output is computed from, not what it is compared with
        return next((q for q in found if q not in inputs), found[0] if found else None)

    def _first_layer(self, quantities: dict[str, list[Occ]], defs: dict[str, list[Row]],
                     tagged: set[str]) -> None:
        """The fixed layers the text writes (z^{[2]}): the last one, and whether the first
        layer is 0 (W^{[1]} x^{(i)} + b^{[1]}: x is layer 0)."""
        fixed = sorted({o.tag[1][0] for o in self.occs if o.name in tagged and o.tag
                        and o.tag[1] is not None and o.tag[1][1:] == (0, 0)})
        self.first_layer, self.last_fixed = 1, (fixed[-1] if fixed else 1)
        self.last_fixed_written = bool(fixed)
        if self.layer_var is None and fixed and (
                fixed[0] == 0 or self._own_input(quantities, defs, fixed[0])):
            self.first_layer = 0
        elif self.layer_var is not None and self._layer_zero(tagged, fixed):
            self.first_layer = 0  # a^0 = x beside z^l = w^l a^{l-1} + b^l: x is layer 0

    def _layer_zero(self, tagged: set[str], fixed: list[int]) -> bool:
        """Whether the text writes a quantity at layer 0 (`a^{(0)}`, or `a^0` where its layers
        are bare superscripts: no power 0 is written), as a text whose input is layer 0 does."""
        sup = {o.name for o in self.occs if o.tag is not None and o.tag[0] == "sup"}
        return bool(fixed and fixed[0] == 0) or any(
            o.name in tagged & sup and o.tag is None
            and _text(without_sample(_strip(o.sup or []))) == "0"  # a^0, a^{0\,(1)}
            for o in self.occs)

    def _from_zero(self) -> int:
        """The lowest fixed layer a range may name: 0 in a text of fixed layers only that
        writes its input as layer 0 (`a^0`), 1 otherwise."""
        return 0 if self.first_layer == 0 and self.layer_var is None else 1

    def _written_range(self, r: tuple[Lin, Lin], n: str) -> str:
        """A range of the model's layers (from 1) as the text numbers them: from 0 where its
        layer variable runs over a text whose input is layer 0 (the fixed layers' ranges are
        the text's own numbers already)."""
        return _range_text(r, n, self.first_layer == 0 and self.layer_var is not None,
                           self.meta_var)

    def _narrow(self, ranges: dict[str, tuple[Lin, Lin]], shapes: dict[str, list[Lin | None]],
                tagged: set[str]) -> None:
        """w^l_{jk} with k over layer l-1: l starts at 2 (and l + r <= n for an index over a
        later layer l + r)."""
        if self.layer_var is None:
            return
        for q in sorted(tagged & set(ranges)):
            rels = [d for d in shapes.get(q, []) if d is not None and d[1] == 0 and d[2] == 0]
            if rels:
                (lo, hi), low, high = ranges[q], min(r[0] for r in rels), max(r[0] for r in rels)
                lo = (max(lo[0], 1 - low), lo[1], lo[2]) if lo[1] == 0 else lo
                hi = (min(hi[0], -high), hi[1], hi[2]) if hi[1] == 1 else hi
                ranges[q] = (lo, hi)

    def _quantity(self, q: str, uses: list[Occ], tagged: set[str],
                  ranges: dict[str, tuple[Lin, Lin]], given_layers: dict[str, tuple[Lin, Lin]],
                  shapes: dict[str, list[Lin | None]], defs: dict[str, list[Row]], width: str,
                  n: str) -> dict[str, Any]:
        """One quantity's entry: its layers and tag style, shape, and whether it is given."""
        spec: dict[str, Any] = {}
        if q in tagged and q in ranges:
            spec["layers"] = self._written_range(_within(ranges[q], self._from_zero()), n)
            spec["tag"] = Counter(o.tag[0] for o in uses if o.tag).most_common(1)[0][0]
            if q in given_layers:
                spec["given_layers"] = self._written_range(given_layers[q], n)
        if shapes.get(q):
            spec["shape"] = [_dim_text(d, width, n, q in tagged, self._named_sizes_of(n),
                                       self.meta_var) for d in shapes[q]]
        differentiated = any(o.after_partial == "num" for o in uses)
        if q not in defs and differentiated and q == self.loss:
            # the loss the text differentiates but never defines: a generic smooth stand-in
            self.facts.append(f"${q}$: a loss the text never defines; checked for a generic "
                              "smooth loss (a random smooth function of the output layer's "
                              "activations and the labels, per sample): a claim that needs "
                              f"the particular form of ${q}$ is not checked")
        elif q not in defs and differentiated:
            # a node the text differentiates but never defines: unknown, not an input (an
            # input's derivative would be 0, and every claim about it refuted)
            self.facts.append(f"${q}$ is differentiated but never defined: what rests on "
                              "it cannot be checked")
        elif q not in defs and q in getattr(self, "of_parameters", ()):
            # h_{W,b}(x), never defined in a display formula: a value, not an input
            self.facts.append(f"${q}$ is a value of the parameters (${q}$ with them as its "
                              "subscript) that no display formula defines: not an input, "
                              "what rests on it is not checked")
        elif q not in defs and self._named_by_a_row(q):
            # h_{W,b}(x) = a^{(n_l)}: the text names what the right side is; not an input
            self.facts.append(f"${q}$ is written as the left side of an equation it is not "
                              "read as defining (it is applied to an argument): not an input, "
                              "what rests on it is not checked")
        elif q not in defs and q in getattr(self, "bypassed", ()):
            # its forward pass is written, only as a claim (_two_chains): a value, not an input
            self.facts.append(f"${q}$ is written only in its own forward pass, checked as a "
                              "claim: no definition of it is read, what rests on it is not "
                              "checked")
        elif q not in defs:
            spec["given"] = True
            if any(o.after_partial == "den" for o in uses) and (
                    q in tagged or self._shared_by_the_samples(uses)
                    or self._of_one_example(q)):
                spec["parameter"] = True
        return spec

    def _shared_by_the_samples(self, uses: list[Occ]) -> bool:
        """A given quantity the text differentiates by, in a text that sums over its samples,
        never written with a sample's superscript (`\\theta_{jk}` beside `x^{(i)}_j`): the
        model's parameter, one for every sample (a per-sample copy would make the derivative of
        the sum over the samples that of one sample only)."""
        return self.summed_sample is not None and not any(_sample_sup(o) for o in uses)

    def _of_one_example(self, q: str) -> bool:
        """A given quantity the text differentiates by, in a text of one example (no sum over
        samples, no sample's superscript anywhere), that is not its labels: a parameter of the
        model (`\\partial \\ell / \\partial V_{jk}` beside `s_j = \\sum_k V_{jk} x_k + c_j`)."""
        return (q != self.labels and self.summed_sample is None
                and not any(_sample_sup(o) for o in self.occs))

    def _named_by_a_row(self, q: str) -> bool:
        """Whether an equation's whole left side is `q` applied to arguments, with no `q` on its
        right (`h_{W,b}(x) = a^{(n_l)}`; an update `w = w - ...` names its own input)."""
        for r in self.rows:
            left = [o for o in r.occs if o.side == 0]
            if (r.relation in _DEFINE and len(r.sides) >= 2 and left
                    and left[0].name == q and left[0].call is not None
                    and _single_name(r.sides[0])
                    and not any(o.name == q and o.side >= 1 for o in r.occs)):
                return True
        return False

    def _front_matter(self, roles: dict[str, str], out_q: dict[str, dict[str, Any]],
                      quantities: dict[str, list[Occ]], functions: dict[str, int],
                      scalars: dict[str, bool], width: str, n: str) -> dict[str, Any]:
        """The table itself, with the input layer, the sizes named, functions and scalars."""
        front: dict[str, Any] = {"roles": roles, "quantities": out_q}
        if self.first_layer == 0:
            front["first_layer"] = 0
        aliases = self._named_sizes_of(n)
        if aliases:
            front["sizes"] = {a: _dim_text(v, width, n, False, var=self.meta_var)
                              for a, v in sorted(aliases.items())}
        if functions:
            front["functions"] = dict(sorted(functions.items()))
        if scalars:
            front["scalars"] = {s: {"parameter": p, "given": True} for s, p in
                                sorted(scalars.items())}
        return front

    def _say(self, roles: dict[str, str], out_q: dict[str, dict[str, Any]],
             functions: dict[str, int], defs: dict[str, list[Row]],
             shapes: dict[str, list[Lin | None]], tagged: set[str], width: str, n: str) -> None:
        """The summary: the layers and sizes first, a fact per quantity and function, the
        roles, then the readings of sums without bounds and of `\\log`."""
        chain = getattr(self, "chain", None)  # a fixed chain that writes its input a^0
        from_zero = self.first_layer == 0 and (self.layer_var is not None or bool(
            chain and chain.names and self._from_zero() == 0))
        named = self._named_sizes_of(n)
        sizes = {a: _dim_text(v, width, n, False, var=self.meta_var) for a, v in named.items()}
        fixed = ((self.first_layer, self.last_fixed)
                 if self.layer_var is None and self.last_fixed_written else None)
        header = layers_header(roles, out_q, self.layer_var, from_zero, fixed,
                               not getattr(self, "unnamed_width", False), sizes)
        self.facts[:0] = _summary(header, roles, out_q, functions, defs, self.layer_var)
        self.facts += sum_readings(self.rows, shapes, tagged, width, n, named,
                                   {roles.get("sample"), self.sample},
                                   self.meta_var) + log_reading(self.rows)

    def _said_sizes(self, shapes: dict[str, list[Lin | None]], tagged: set[str]) -> None:
        """A size the prose names (`$K$ classes`, derive.infer.sizes) that no formula uses: the
        range of the labels' one index, when they carry no layer tag."""
        columns = self.columns.count if getattr(self, "columns", None) else {}
        for count in sorted(set(columns.values())):  # theta^{(k)}, k = 1..K: K the classes'
            if count.isalpha() and count not in self.quantity_names and count not in self.aliases:
                self.aliases[count] = (0, 1, 0)  # the output layer's width, as shape_columns
        labels = self.labels
        rng = shapes.get(labels or "", [None])
        if labels in tagged or len(rng) != 1 or rng[0] is None:
            return
        used = {o.name for o in self.occs}
        for name, (what, line) in sorted(self.said.items()):
            if (what == "classes" and name not in used and name not in self.aliases
                    and rng[0] not in self.aliases.values()):
                self.aliases[name] = rng[0]
                self.facts.append(f"line {line}: ${name}$ read as the number of classes, the "
                                  f"range of the index of the labels ${labels}$ (the prose says "
                                  f"${name}$ classes)")

    def _named_sizes_of(self, n: str) -> dict[str, Lin]:
        """The sizes the text names (D, H, n_x) that are no quantity or role of its own."""
        roles = self.front_roles
        return {a: v for a, v in self.aliases.items() if a not in self.quantity_names
                and a != n and a not in roles.values()}

    def _rate(self, scalars: dict[str, bool]) -> str | None:
        columns = self.columns.count if getattr(self, "columns", None) else {}
        scalars = {s: p for s, p in scalars.items() if s not in columns}  # θ = [θ^{(1)} ...]
        for r in self.rows:
            left = [o for o in r.occs if o.side == 0]
            if (r.relation == "=" and len(left) == 1 and len(r.sides) == 2
                    and any(o.side == 1 and _same_use(o, left[0]) for o in r.occs)):
                for o in r.occs:  # W = W - \alpha ...: an update written with `=`
                    if o.name in scalars and o.side == 1 and o.name != left[0].name:
                        return o.name
            if r.relation in ("\\leftarrow", "\\gets", "\\coloneqq", "\\rightarrow", "\\to", ":="):
                for o in r.occs:
                    if o.name in scalars:
                        return o.name
        return None


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
                        o.side >= 1 and o.name not in defs and o.tag is None and (
                            o.name in quantities and o.sub is not None
                            or _whole(r) and o.call is None and len(o.name) == 1
                            and o.name.isalpha() and o.name != "T") for o in r.occs):
                    return True
        return False

def _whole(r: Row) -> bool:
    """A row in vector form: no use in it has an index (`z^{[1]} = W^{[1]} x + b^{[1]}`)."""
    return all(o.sub is None for o in r.occs) and any(
        o.tag is not None for o in r.occs if o.side >= 1)


def _same_use(a: Occ, b: Occ) -> bool:
    """The same name with the same scripts (W^{(l)} = W^{(l)} - ...: an update), not another
    layer's (δ^l = δ^{l+1} ...: a recursion)."""
    return (a.name == b.name and _text(_strip(a.sup or [])) == _text(_strip(b.sup or []))
            and _text(_strip(a.sub or [])) == _text(_strip(b.sub or [])))


def _within(r: tuple[Lin, Lin], first: int = 1) -> tuple[Lin, Lin]:
    """A layer range kept inside 1..n (a text that starts from a^0 = x can suggest n + 1):
    what lies outside is no layer the notation can name; inside 0..n for fixed layers
    numbered from 0 (a fixed chain's input `a^0`)."""
    (c0, a0, b0), (c1, a1, b1) = r
    lo = (max(c0, first), a0, b0) if a0 == 0 and b0 == 0 else (c0, a0, b0)
    hi = (min(c1, 0), a1, b1) if a1 == 1 and b1 == 0 else (c1, a1, b1)
    return lo, hi


def _shared_in_batch_costs(defs: dict[str, list[Row]], out_q: dict[str, dict[str, Any]],
                           tagged: set[str]) -> None:
    """A given quantity with a layer tag that a cost of the whole batch reads (the weight
    decay `\\frac{\\lambda}{2} \\sum_l \\sum_i \\sum_j (W^{(l)}_{ji})^2` in UFLDL's J(W,b)) is one
    for every sample, a parameter: read per sample, the batch's cost and a sample's claim
    would see different weights (a text that never differentiates by W says so nowhere
    else)."""
    for q, rows in defs.items():
        if not out_q.get(q, {}).get("parameter"):
            continue
        for r in rows:
            for o in r.occs:
                spec = out_q.get(o.name)
                if o.side >= 1 and o.name in tagged and spec is not None and spec.get("given"):
                    spec["parameter"] = True


def _over_samples(index: str, upper: list, roles: dict[str, str]) -> bool:
    """A sum over the samples: at the sample's letter, and to the batch size when it names
    one (UFLDL sums the units of one sample at `i` too: `\\sum_{i=1}^{s_{n_l}}`)."""
    if index != roles.get("sample"):
        return False
    names = [t.text for t in upper if t.text not in ("{", "}")]
    return not names or "batch" not in roles or names == [roles["batch"]]


def _from_zero(rows: list[Row], out_q: dict[str, dict[str, Any]]) -> None:
    """Bishop's biases absorbed as weight index 0 (`a_j = \\sum_{i=0}^{D} w_{ji} x_i`): the
    index slots a sum written from 0 runs over start at 0 (`from_zero`, numbered from 1), in a
    shape the text gives; x_0 = 1 (a definition at that index) then says what index 0 holds."""
    zero: dict[str, set[int]] = {}
    for r in rows:
        for o in r.occs if r.from_zero else ():
            for pos, idx in enumerate(_indices(o)):
                if idx in r.from_zero:
                    zero.setdefault(o.name, set()).add(pos + 1)
    for q, slots in zero.items():
        shape = out_q.get(q, {}).get("shape", ())
        slots = {p for p in slots if p <= len(shape)}
        if slots:
            out_q[q]["from_zero"] = sorted(slots)
