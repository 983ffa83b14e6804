"""Which quantities a claim writes exist where: at an assignment of its free indices (each
written quantity's layer and indices in range: `Engine.domain` decides each once for the values
of its own indices), and in which networks (a quantity the text defines entry by entry)."""

from __future__ import annotations

import sympy

from derive.expr import Quantity, Vec, Width
from derive.latex import Index
from derive.model import Evaluator, Model, OutOfRange, product
from derive.numbers import Unsupported

__all__ = ["atom_ok", "atoms_and_slots", "box", "entrywise", "fixed_layers_only"]


# the atoms of a claim's sides and the free indices each reads, by the sides' ids (the sides
# kept alive beside them): the same for every instance and model a claim is evaluated in
_ATOMS: dict[tuple, tuple] = {}


def atoms_and_slots(exprs: tuple, free: tuple) -> tuple[list, list]:
    """The quantities, widths and vectors written in `exprs`, and for each the positions in
    `free` of the indices it reads: whether an atom exists depends only on the values of its
    own free indices, so `domain` decides it once for each of them."""
    key = (tuple(map(id, exprs)), free)
    held = _ATOMS.get(key)
    if held is not None and all(a is b for a, b in zip(held[0], exprs)):
        return held[1], held[2]
    atoms = list(dict.fromkeys(a for e in exprs for a in sympy.preorder_traversal(e)
                               if isinstance(a, (Quantity, Width, Vec))))
    slots = [tuple(k for k, s in enumerate(free) if s in a.free_symbols) for a in atoms]
    if len(_ATOMS) > 20_000:
        _ATOMS.clear()
    _ATOMS[key] = (exprs, atoms, slots)
    return atoms, slots


def fixed_layers_only(exprs: tuple) -> bool:
    """Whether the quantities written have layer tags, each a number (`\\delta^{(3)}_i`)."""
    layers = [q.layer for e in exprs for q in sympy.preorder_traversal(e)
              if isinstance(q, Quantity) and q.layer is not None]
    return bool(layers) and all(x.is_Integer for x in layers)


def entrywise(model: Model) -> dict[str, set[tuple]]:
    """The quantities without layers whose every definition names one entry (all indices
    numbers), with the entries defined."""
    out: dict[str, set[tuple]] = {}
    generic: set[str] = set()
    for d in model.defs:
        lhs = d.lhs
        if not isinstance(lhs, Quantity):
            continue
        spec = model.spec(lhs.name)
        if (spec is not None and not spec.layers and lhs.layer is None and lhs.indices
                and all(isinstance(i, sympy.Integer) for i in lhs.indices)):
            out.setdefault(lhs.name, set()).add(tuple(int(i) for i in lhs.indices))
        else:
            generic.add(lhs.name)
    return {name: e for name, e in out.items() if name not in generic}


def box(sizes: list[int]) -> set[tuple]:
    """Every entry of an array of these sizes, 1-based."""
    return {t for t in product(len(sizes), max(sizes)) if all(v <= n for v, n in zip(t, sizes))}


def atom_ok(ev: Evaluator, atom: sympy.Basic, env: dict) -> bool:
    """Whether an atom's coordinates that depend only on free indices are in range."""

    def known(e: sympy.Basic) -> int | None:
        syms = [s for s in e.free_symbols if isinstance(s, Index)]
        if any(s not in env for s in syms):
            return None
        try:
            return ev._ground_int(e, env)
        except (Unsupported, OutOfRange):
            return None

    try:
        if isinstance(atom, Width):
            lay = known(atom.layer)
            return lay is None or 1 <= lay <= ev.instance.layers
        if isinstance(atom, Vec):
            lay = known(atom.layer) if atom.layer is not None else None
            return lay is None or 1 <= lay <= ev.instance.layers
        spec = ev.model.spec(atom.name)
        if spec is None:
            return True
        layer = known(atom.layer) if atom.layer is not None else None
        if spec.layers:
            lo, hi = ev.layer_range(spec)
            if layer is not None and not lo <= layer <= hi:
                return False
            if layer is None and atom.layer is not None:
                return True  # the layer is summed over: checked when grounded
        for pos, idx in enumerate(atom.indices[: len(spec.shape)]):
            v = known(idx)
            first = 0 if pos in spec.from_zero else 1  # Bishop's bias index 0
            if v is not None and not first <= v <= ev._shape(spec, pos, layer):
                return False
        return True
    except OutOfRange:
        return False
