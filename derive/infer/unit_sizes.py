"""Sizes of units a text writes with the letters the tool would take for the number of layers
or of samples: `\\sum_{i=1}^{n} w^{(1)}_{ji} x_i`, `\\sum_{j=1}^{m} w^{(2)}_{kj} h_j` (n inputs,
m hidden units) bound sums over a weight's index, so n and m are widths there."""

from __future__ import annotations

from derive.infer.scan import Occ, Row, _indices, _plain_name


def unit_sizes(rows: list[Row], occs: list[Occ]) -> set[str]:
    """The plain names written only as upper bounds of sums, each of whose sums runs over an
    index of a name with two or more indices in its row (a weight's: the sum is over units)."""
    bounded: dict[str, bool] = {}
    units = _computed_units(rows)
    for r in rows:
        weights = {i for o in r.occs if not o.in_bound
                   for idx in [_indices(o)] if len(idx) >= 2 for i in idx if i}
        # `\\sum_{j=1}^{m} v_j h_j`: over units the text computes (`h_j = \\tanh(u_j)`)
        weights |= {i for o in r.occs if not o.in_bound and o.sup is None and o.name in units
                    for idx in [_indices(o)] if len(idx) == 1 for i in idx if i}
        for letter, upper in r.bounds:
            name = _plain_name(upper)
            if name is not None and "_" not in name:
                bounded[name] = bounded.get(name, True) and letter in weights
    return {name for name, units in bounded.items()
            if units and all(o.in_bound for o in occs if o.name == name)}


def _computed_units(rows: list[Row]) -> set[str]:
    """Names of one index, without scripts above, that a row defines from a name of one index
    (`h_j = \\tanh(u_j)`, `u_j = \\sum_k W_{jk} x_k + b_j`): a layer's units, not samples."""
    out: set[str] = set()
    for r in rows:
        left = [o for o in r.occs if o.side == 0]
        if (r.relation != "=" or len(left) != 1 or left[0].sup is not None
                or len(_indices(left[0])) != 1):
            continue
        if any(o.side == 1 and o.sub is not None for o in r.occs):
            out.add(left[0].name)
    return out
