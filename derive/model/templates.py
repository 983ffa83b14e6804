"""Templates: each definition at a grounded node built once per instance as an engine
expression in the leaf symbols of the nodes it reads, and a cut expression composed from them
by substitution (SymEngine), instead of walking the definitions again for every cut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.model.algebra import _Cut
from derive.model.data import Key

if TYPE_CHECKING:
    from derive.model.evaluator import Evaluator


class _Template(_Cut):
    """A definition's right side with every node it reads as that node's leaf symbol; the
    nodes met are recorded, in the order met (the cut's builds of them are substituted)."""

    def __init__(self, ev: Evaluator):
        super().__init__(ev, ("", None, (), None), "template")
        self.met: dict[Key, None] = {}

    def node(self, key: Key) -> Any:
        self.met[key] = None
        return self.ev.structure.leaf(key)


class Templates:
    """Cut expressions composed from per-node templates (a mixin of `Evaluator`)."""

    def template(self, key: Key, d: Any, env: dict) -> tuple[Any, tuple[Key, ...]]:
        """The definition `d` at `key` (its index values `env`) in the leaf symbols of what it
        reads, and the nodes it reads; built once for the instance."""
        st = self.structure
        memo = st.cuts.setdefault(("templates",), {})
        found = memo.get(key)
        if found is None:
            alg = _Template(self)
            expr = self._eval(d.rhs, env, key[3], alg)
            found = memo[key] = (expr, tuple(alg.met))
        return found

    def composed(self, key: Key, d: Any, env: dict, cut: Key, mode: str) -> Any:
        """`key`'s definition in the cut symbol: its template with each node it reads replaced
        by that node's build in the same cut (the same expression the walk of the definition
        builds, since SymEngine's substitution rebuilds with the same constructors)."""
        expr, met = self.template(key, d, env)
        sub = {}
        st = self.structure
        for k in met:
            built = self.build(k, cut, mode)
            leaf = st.leaf(k)
            if built is not leaf and built != leaf:
                sub[leaf] = built
        return st.engine.subs(expr, sub) if sub else expr


def uses_templates(engine: Any) -> bool:
    """Whether cut expressions are composed from templates: with SymEngine (SymPy's own `subs`
    is slower than walking the definition again, so the SymPy engine keeps the walk)."""
    return engine.name == "symengine"
