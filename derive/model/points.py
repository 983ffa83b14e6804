"""The random point: the values of the model's inputs and labels at one seed, the random
stand-ins for generic functions, and the value of every node computed from them."""

from __future__ import annotations

import functools
import random
from typing import Any

import sympy

from derive.expr import Call
from derive.latex import Scalar
from derive.model.algebra import _Numeric
from derive.model.data import Key, label_name
from derive.numbers import CTX, sympy_number


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(map(str, parts)))


@functools.lru_cache(maxsize=512)
def random_function(name: str, arity: int, seed: int) -> sympy.Lambda:
    """A smooth, non-linear stand-in for a generic function f(x, y, ...): with cross terms, so a
    chain rule that drops or swaps a term cannot agree with it by accident. A function of its
    arguments (the draw is seeded by them): built once for each, as every model of a text
    asks for the same stand-ins."""
    r = _rng("function", name, arity, seed)
    xs = sympy.symbols(f"s0:{arity}", real=True)

    def c() -> sympy.Rational:
        return sympy.Rational(r.randint(3, 17), 10) * r.choice((-1, 1))

    body = c()
    for k, x in enumerate(xs):
        body += c() * sympy.sin(c() * x + c()) + c() * x ** 2 / (k + 2)
        for x2 in xs[k + 1 :]:
            body += c() * x * x2
    return sympy.Lambda(xs, body)


class Points:
    """The evaluator's values at its point (a mixin of `Evaluator`)."""

    def labels(self, sample: int | None) -> tuple:
        """Label vector of one sample, under the assumptions in force."""
        if sample in self._labels:
            return self._labels[sample]
        name = label_name(self.model)
        size = self.instance.widths[-1]
        spec = self.model.notation.quantities.get(name) if name is not None else None
        if spec is not None and not spec.layers and len(spec.shape) == 1:
            size = self.index_size(spec, 0, None)  # y of C_3 in a network of letters
        r = _rng("labels", self.instance, sample, self.seed, self.model.label_rule)
        domain = next((a.domain for a in reversed(self.model.assumptions) if a.name == name), None)
        if self.model.label_rule == "onehot":  # point k: the class after the sample's first k
            first = _rng("hot", self.instance, sample).randrange(size)
            hot = (first + self.seed) % size  # on the points 0..size-1, every class is hot
            vals = tuple(CTX.mpf(int(k == hot)) for k in range(size))
        elif self.model.label_rule == "sum1":  # a stated premise: the labels sum to one
            raw = [CTX.mpf(r.randint(1, 100)) for _ in range(size)]
            vals = tuple(v / sum(raw) for v in raw)
        elif domain is not None:
            choices = sorted(domain)
            vals = tuple(sympy_number(r.choice(choices)) for _ in range(size))
            if self.seed % 2 == 1:  # every other point: the most labels the domain allows
                vals = tuple(sympy_number(max(choices)) for _ in range(size))
        else:
            vals = tuple(CTX.mpf(r.randint(0, 100)) / 100 for _ in range(size))
        self._labels[sample] = vals
        return vals

    def given_value(self, key: Key) -> Any:
        name, layer, indices, sample = key
        if name in self.model.distributions and indices:
            return self.distribution(name)[indices[0] - 1]
        labels = self.labels(sample) if name == label_name(self.model) and indices else ()
        if indices and 1 <= indices[0] <= len(labels):
            return labels[indices[0] - 1]
        r = _rng("value", key, self.instance, self.seed)
        stated = self.model.notation.scalar_ranges.get(name) if not indices else None
        if stated is not None:  # `0 < \\alpha < 1`: inside the range the text states
            lo, width = stated[0], stated[1] - stated[0]
            return (CTX.mpf(lo.numerator) / lo.denominator
                    + CTX.mpf(width.numerator) * r.randint(5, 95) / (100 * width.denominator))
        if (not indices and name in self.body_scalars()
                and (layer is None or name in self.model.notation.per_layer)):
            return CTX.mpf(r.randint(10, 180)) / 100  # a slope, a scale: positive, as meant
        return CTX.mpf(r.randint(-180, 180)) / 100

    def distribution(self, name: str) -> tuple:
        """A distribution's entries at this point: positive, summing to one where the text
        says it is a distribution (derive.infer.distributions)."""
        held = self._labels.get(("distribution", name))
        if held is not None:
            return held
        spec = self.model.notation.quantities[name]
        size = self.index_size(spec, 0, None)
        r = _rng("distribution", name, self.instance, self.seed)
        vals = tuple(CTX.mpf(r.randint(5, 100)) / 100 for _ in range(size))
        if self.model.normalized:
            vals = tuple(v / sum(vals) for v in vals)
        self._labels[("distribution", name)] = vals
        return vals

    def body_scalars(self) -> frozenset[str]:
        """The scalars the bodies of the text's functions read (`\\alpha z` for z <= 0)."""
        found = self.structure.body_scalars
        if found is None:
            found = self.structure.body_scalars = frozenset(
                s.name for d in self.model.defs if isinstance(d.lhs, Call)
                for s in d.rhs.atoms(Scalar) if s not in d.lhs.params)
        return found

    def set_value(self, key: Key, value: Any) -> None:
        """Hold a node at `value` at this point, in place of its drawn input or its definition:
        every node computed from it afterwards reads this value (a finite difference moves one
        parameter so). Set it before anything that reads the node is computed."""
        self._values[key] = value

    def value(self, key: Key) -> Any:
        """The numeric value of a node."""
        v = self._values.get(key)
        if v is not None:
            return v
        self.check_key(key)
        if self.is_given(key):
            v = self.given_value(key)
        else:
            found = self.definition(key)
            if found is None:
                self._undefined(key)
                v = self.given_value(key)
            else:
                d, env = found
                with self._computing(("value",), key, d):
                    v = self._eval(d.rhs, env, key[3], _Numeric(self))
        self._values[key] = v
        return v
