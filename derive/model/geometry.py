"""Instance geometry: a quantity's layers and index ranges in one network, whether a grounded
node exists there, and the grounding of a parsed quantity's layer and indices to a `Key`."""

from __future__ import annotations

from collections.abc import Iterator

import sympy

from derive.expr import Quantity
from derive.latex import Index
from derive.model.algebra import _Numeric
from derive.model.data import Key, OutOfRange, key_latex, product
from derive.notation import QuantitySpec, lin_value, parse_dim, parse_range
from derive.numbers import Unsupported


class Geometry:
    """The instance's sizes and the keys of its nodes (a mixin of `Evaluator`)."""

    def layer_range(self, spec: QuantitySpec) -> tuple[int, int]:
        """The layers of a quantity in this instance (1, 1 for one without layers)."""
        return self._range(spec.layer_range, spec.layers)

    def given_range(self, spec: QuantitySpec) -> tuple[int, int]:
        return self._range(spec.given_range, spec.given_layers)

    def _range(self, form: tuple | None, text: str | None) -> tuple[int, int]:
        if form is None:
            if text is None:
                return (1, 1)
            form = parse_range(text, self._names())
        return (lin_value(form[0], self.instance.layers), lin_value(form[1], self.instance.layers))

    def _names(self) -> dict[str, str]:
        n = self.model.notation
        return {"layers": n.layers, "width": n.width, "layer_var": n.layer_var}

    def index_size(self, spec: QuantitySpec, pos: int, layer: int | None) -> int:
        """The size of index `pos` of a quantity at a layer."""
        key = (spec.name, pos, layer)
        if key not in self.structure.shapes:
            dims = spec.dims or tuple(parse_dim(s, self._names(), spec.layer_range)
                                      for s in spec.shape)
            kind, form = dims[pos]
            value = lin_value(form, self.instance.layers, layer)
            self.structure.shapes[key] = self.width(value) if kind == "width" else value
        return self.structure.shapes[key]

    def width(self, layer: int) -> int:
        if not 1 <= layer <= self.instance.layers:
            raise OutOfRange(f"{self.model.notation.width}_{layer} (layers are "
                             f"1..{self.instance.layers})")
        return self.instance.widths[layer - 1]

    def check_key(self, key: Key) -> None:
        ok = self.structure.valid.get(key)
        if ok is None:
            try:
                self._check_key(key)
                ok = ""
            except OutOfRange as exc:
                ok = exc
            self.structure.valid[key] = ok
        if ok:
            raise ok

    def _check_key(self, key: Key) -> None:
        name, layer, indices, _ = key
        spec = self.model.spec(name)
        if spec is None or (spec.layers and layer is None and not indices):
            return  # no quantity; or a scalar named as one (sigma'(z) = ...: z its argument)
        if spec.layers:
            lo, hi = self.layer_range(spec)
            if layer is None or not lo <= layer <= hi:
                raise OutOfRange(f"{key_latex(key)} (its layers are {lo}..{hi})", layer=True)
        for pos, idx in enumerate(indices[: len(spec.shape)]):
            size = self.index_size(spec, pos, layer)
            first = 0 if pos in spec.from_zero else 1
            if not first <= idx <= size:
                raise OutOfRange(f"{key_latex(key)} (index {pos + 1} runs {first}..{size})")

    def _envs(self, node: Quantity, env: dict) -> Iterator[dict]:
        free = [s for s in node.free_symbols if isinstance(s, Index) and s not in env]
        if not free:
            yield env
            return
        top = max(self.instance.widths + (self.instance.layers,))
        spec = self.model.spec(node.name)
        start = 0 if spec is not None and spec.from_zero else 1  # Bishop's bias index 0
        for combo in product(len(free), top, start):
            yield {**env, **dict(zip(free, combo))}

    # -- grounding ---------------------------------------------------------------------------

    def ground_int(self, e: sympy.Basic, env: dict) -> int:
        """The value of an index expression (`l + 1`, `n`, `C_l`) under the index values `env`."""
        if isinstance(e, Index):
            if e not in env:
                raise Unsupported(f"index {e} has no value")
            return int(env[e])
        if e.is_Integer:
            return int(e)
        v = self._eval(e, env, None, _Numeric(self))
        if v != int(v):
            raise Unsupported(f"index expression {e} is not an integer")
        return int(v)

    def _indices_of(self, e: sympy.Basic) -> tuple:
        """The index symbols of `e`, sorted; memoised by the object itself (its id, the object
        kept alive beside it): a dict keyed by the expression would compare equal trees node
        by node at every lookup."""
        held = self.structure.quantity_indices.get(id(e))
        if held is None or held[0] is not e:
            syms = tuple(sorted((s for s in e.free_symbols if isinstance(s, Index)),
                               key=lambda s: s.name))
            held = self.structure.quantity_indices[id(e)] = (e, syms)
        return held[1]

    def _key(self, q: Quantity, env: dict, sample: int | None) -> Key:
        st = self.structure
        memo = (id(q), tuple(env.get(s) for s in self._indices_of(q)), sample)
        key = st.keys.get(memo)
        if key is None:
            key = st.keys[memo] = self._key_uncached(q, env, sample)
        return key

    def _key_uncached(self, q: Quantity, env: dict, sample: int | None) -> Key:
        layer = self.ground_int(q.layer, env) if q.layer is not None else None
        idx = tuple(self.ground_int(i, env) for i in q.indices)
        spec = self.model.spec(q.name)
        if (spec is not None and spec.parameter) or q.name in self.model.notation.per_layer:
            sample = None
        key = (q.name, layer, idx, sample)
        self.check_key(key)
        return key

    def _scalar_key(self, name: str, sample: int | None) -> Key:
        return (name, None, (), None if self._is_parameter(name) else sample)

    def body_scalar_key(self, name: str, at: tuple, sample: int | None) -> Key:
        """The key of a scalar a function's body reads, applied to the arguments `at` (as
        written, and their env): one scalar for every use; a scalar of each layer
        (`Notation.per_layer`) is the one of the lowest layer its arguments are at."""
        if name not in self.model.notation.per_layer:
            return self._scalar_key(name, sample)
        args, env = at
        layers = sorted({self.ground_int(q.layer, env) for a in args
                         for q in sympy.preorder_traversal(a)
                         if isinstance(q, Quantity) and q.layer is not None})
        if not layers:
            raise Unsupported(f"`{name}` is a parameter of each layer, and the function that "
                              "reads it is applied to no layer's value here")
        return (name, layers[0], (), None)

    def _is_parameter(self, name: str) -> bool:
        return self.model.notation.scalars.get(name, False)

    # the private names evaluate.py reads today (kept until it uses the public ones)
    _shape = index_size
    _ground_int = ground_int
