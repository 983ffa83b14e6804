"""The verdict cache: the keys of a claim's verdict, and the stored form of a verdict."""

from __future__ import annotations

import hashlib

import sympy
from sympy.core.symbol import Str

from derive import cache
from derive.cache import canonical, verdicts
from derive.check.state import _State
from derive.check.verdict import _Verdict
from derive.expr import Call, FuncRef, Quantity
from derive.latex import Scalar
from derive.model import Def, Model
from derive.notation import Notation
from derive.numbers import backend_name
from derive.results import Comparison, Counterexample, Finding, Status


def _keys(state: _State) -> _VerdictKeys | None:
    if state.keys is None:
        store = verdicts()
        if not store.enabled:
            return None
        state.keys = _VerdictKeys(store, state.reading.model.notation, state.claim_budget)
    return state.keys


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        b = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def _names_in(e: sympy.Basic) -> tuple[frozenset[str], bool]:
    """Every name an expression reads (quantities, functions, scalars, indices: each Str or
    Symbol), and whether it names a bare function (∂f/∂x, which looks its arguments up in
    every definition)."""
    names: set[str] = set()
    funcref = False
    for a in sympy.preorder_traversal(e):
        if isinstance(a, (sympy.Symbol, Str)):
            names.add(a.name)
        elif isinstance(a, FuncRef):
            funcref = True
    return frozenset(names), funcref


class _VerdictKeys:
    """What a claim's verdict rests on, as a digest: the code (`code_version`), the engine, the
    notation, the claim budget, the claim's expressions, the model's assumptions and flags, and
    every definition of every name the claim reaches, following definitions through (all the
    definitions of a name, in order, so that a definition added, removed or edited changes the
    key; a name without definitions is reached all the same). The `wide` digest holds every
    definition of the model: it guards the verdicts whose explanation searched them all."""

    def __init__(self, store: object, notation: Notation, budget: float | None) -> None:
        self.store = store
        # `cache.code_version` looked up when called: a test stands in another code's version
        self.base = _sha(cache.code_version(), backend_name(), repr(notation), repr(budget))
        self._defs: dict[int, tuple[Def, str, frozenset[str], bool, str | None]] = {}
        self._index: dict[int, tuple[Model, dict[str | None, list[int]]]] = {}
        self._wide: dict[int, tuple[Model, str]] = {}

    def _def(self, d: Def) -> tuple[Def, str, frozenset[str], bool, str | None]:
        held = self._defs.get(id(d))
        if held is None or held[0] is not d:
            names, funcref = _names_in(sympy.Tuple(d.lhs, d.rhs))
            lhs = d.lhs
            defines = (lhs.fname if isinstance(lhs, Call) else lhs.name
                       if isinstance(lhs, (Quantity, Scalar)) else None)
            held = (d, _sha(canonical((d.lhs, d.rhs, d.line, d.latex))), names, funcref, defines)
            self._defs[id(d)] = held
        return held

    def _by_name(self, model: Model) -> dict[str | None, list[int]]:
        held = self._index.get(id(model))
        if held is None or held[0] is not model:
            index: dict[str | None, list[int]] = {}
            for k, d in enumerate(model.defs):
                index.setdefault(self._def(d)[4], []).append(k)
            held = (model, index)
            self._index[id(model)] = held
        return held[1]

    @staticmethod
    def _head(model: Model) -> bytes:
        return canonical((model.assumptions, model.local, sorted(model.coordinates),
                         model.functions, model.label_rule, model.name)
                         + ((model.depth,) if model.depth else ())
                         + ((model.widths,) if model.widths else ())
                         + ((model.fixed_sizes,) if model.fixed_sizes else ()))

    def _reached(self, model: Model, names: frozenset[str], funcref: bool) -> list[str]:
        """The digests of the definitions the names reach, in the model's order."""
        index = self._by_name(model)
        chosen = set(index.get(None, ()))  # a definition of nothing nameable: always
        todo = list(names) + [n for k in chosen for n in self._def(model.defs[k])[2]]
        seen: set[str] = set()
        while todo and not funcref:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for k in index.get(name, ()):
                if k not in chosen:
                    chosen.add(k)
                    _, _, more, ref, _ = self._def(model.defs[k])
                    funcref = funcref or ref
                    todo.extend(more)
        if funcref:  # ∂f/∂x finds f's arguments in whichever definition applies f
            chosen = set(range(len(model.defs)))
        return [self._def(model.defs[k])[1] for k in sorted(chosen)]

    def narrow(self, model: Model, compare: Model | None, exprs: tuple) -> str:
        names: frozenset[str] = frozenset()
        funcref = False
        for e in exprs:
            more, ref = _names_in(e)
            names |= more
            funcref = funcref or ref
        parts = [self.base, self._head(model), *self._reached(model, names, funcref)]
        if compare is not None:
            parts += ["compare", self._head(compare), *self._reached(compare, names, funcref)]
        return _sha(*parts, "claim", canonical(exprs))

    def wide(self, model: Model, compare: Model | None) -> str:
        out = []
        for m in (model, compare):
            if m is None:
                out.append("none")
                continue
            held = self._wide.get(id(m))
            if held is None or held[0] is not m:
                held = (m, _sha(self._head(m), *(self._def(d)[1] for d in m.defs)))
                self._wide[id(m)] = held
            out.append(held[1])
        return _sha(self.base, *out)


def _encode_verdict(v: _Verdict, lint: list[str]) -> dict:
    c = v.counterexample
    return {
        "status": v.status.value, "message": v.message, "evidence": v.evidence,
        "assumptions": list(v.assumptions), "diagnosis": v.diagnosis, "lint": list(lint),
        "finding": None if v.finding is None else v.finding.to_json(),
        # dicts as lists of pairs: their order is what is printed
        "counterexample": None if c is None else {
            "instance": c.instance, "indices": [[k, x] for k, x in c.indices.items()],
            "point": [[k, x] for k, x in c.point.items()], "lhs": c.lhs, "rhs": c.rhs},
        "comparisons": [[x.model, x.status.value, x.message, x.diagnosis,
                         None if x.finding is None else x.finding.to_json()]
                        for x in v.comparisons],
    }


def _text(x: object, none: bool = False) -> str | None:
    if isinstance(x, str) or (none and x is None):
        return x  # type: ignore[return-value]
    raise ValueError("a text field is not a string")


def _decode_verdict(data: dict) -> tuple[_Verdict, list[str]]:
    """A stored verdict; ValueError (or a TypeError, KeyError) when it is not one."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    c = data["counterexample"]
    witness = None
    if c is not None:
        indices = {_text(k): x for k, x in c["indices"]}
        if not all(type(x) is int for x in indices.values()):
            raise ValueError("an index value is not a whole number")
        witness = Counterexample(instance=_text(c["instance"]), indices=indices,
                                 point={_text(k): _text(x) for k, x in c["point"]},
                                 lhs=_text(c["lhs"]), rhs=_text(c["rhs"]))
    comparisons = tuple(Comparison(_text(m), Status(st), _text(msg), _text(d, True),
                                   None if f is None else Finding.from_json(f))
                        for m, st, msg, d, f in data["comparisons"])
    verdict = _Verdict(Status(data["status"]), _text(data["message"]),
                       evidence=_text(data["evidence"]),
                       assumptions=tuple(_text(a) for a in data["assumptions"]),
                       diagnosis=_text(data["diagnosis"], True), counterexample=witness,
                       comparisons=comparisons,
                       finding=None if data["finding"] is None else Finding.from_json(data["finding"]))
    return verdict, [_text(x) for x in data["lint"]]
