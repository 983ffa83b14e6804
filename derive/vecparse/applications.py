"""Functions applied in vector form: `\\tanh(z^l)` entry-wise, `\\sigma(z)`, `\\mathrm{diag}(v)`
(a mixin of `reader._Reader`: the reader of a side calls these for a name followed by an
argument)."""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy

from derive.functions import BY_LATEX
from derive.latex import (
    VECTOR_FUNCTIONS,
    Tok,
    _depth_split,
    _err,
    _match,
    _strip_group,
    layer_of_function,
    parse_expression,
    primed_layer_of_function,
    starts_name,
)
from derive.tensor import (
    Applied,
    Diag,
    Elementary,
    Map,
    Scalar,
    Tensor,
    VectorValue,
    whole_argument,
)
from derive.vecparse.form import _DIAG, vector_form


class _Applications:
    """Needs the reader's `toks`, `scope`, `tex`, `scalar`, `factor` and `sum`."""

    toks: list[Tok]
    scope: Any

    def argument(self, j: int, hi: int) -> tuple[list[Tok], int] | None:
        """The tokens inside `( ... )` or `\\left( ... \\right)` at j, and the index of the
        closing bracket; None when no bracket opens there."""
        toks = self.toks
        if j < hi and toks[j].text == "\\left":
            j += 1
        if j >= hi or toks[j].text != "(":
            return None
        close = _match(toks, j, self.scope)
        inner = toks[j + 1 : close]
        if inner and inner[-1].text == "\\right":
            inner = inner[:-1]
        return inner, close

    def elementary(self, k: int, hi: int) -> tuple[Tensor, int]:
        """`\\tanh(z^l)`: on a vector, the function of every entry; else a scalar."""
        found = self.argument(k + 1, hi)
        if found is None:
            return self.elementary_unbracketed(k, hi)
        inner, close = found
        if not vector_form(inner, self.scope):
            return self.scalar(k, close + 1), close + 1
        arg = type(self)(inner, self.scope).sum(0, len(inner))
        return Elementary(BY_LATEX[self.toks[k].text], arg, self.tex(k, close + 1)), close + 1

    def extreme(self, k: int, hi: int) -> tuple[Tensor, int] | None:
        """`\\max(0, s)`, `\\max(s, 0)`, `\\min(0, s)` of a vector and a number: the
        function of every entry (cs231n's ReLU, written in vector form), an `Elementary` of
        `sympy.Max` with the number fixed. None for anything else (two vectors, a scalar max:
        the scalar parser reads those)."""
        found = self.argument(k + 1, hi)
        if found is None:
            return None
        inner, close = found
        parts = [seg for seg, _sep in _depth_split(inner, {","})]
        if len(parts) != 2 or not all(parts):
            return None
        vec = [vector_form(p, self.scope) for p in parts]
        if vec.count(True) != 1:
            return None
        number = parts[vec.index(False)]
        if any(t.kind != "num" and t.text not in ("-", "{", "}") for t in number):
            return None  # only a written number: \\max(\\alpha s, s) is not read here
        value = parse_expression(number, self.scope)
        arg = type(self)(parts[vec.index(True)], self.scope).sum(
            0, len(parts[vec.index(True)]))
        func = _with_number(sympy.Max if self.toks[k].text == "\\max" else sympy.Min, value)
        return Elementary(func, arg, self.tex(k, close + 1)), close + 1

    def elementary_unbracketed(self, k: int, hi: int) -> tuple[Tensor, int]:
        """`\\log \\hat{y}`, `\\log h(x)`, `\\log \\frac{a}{b}`: the function of the one
        factor that follows (a name with its scripts and argument, a fraction), entry-wise;
        anything else needs brackets."""
        if k + 1 >= hi or not (starts_name(self.toks[k + 1])
                               or self.toks[k + 1].text in ("\\frac", "\\dfrac", "\\tfrac")):
            raise _err(f"`{self.toks[k].text}` of a vector needs its argument in brackets",
                       self.scope, self.toks[k])
        arg, nxt = self.factor(k + 1, hi)
        func = BY_LATEX[self.toks[k].text]
        if isinstance(arg, Scalar):
            return Scalar(func(arg.expr), self.tex(k, nxt)), nxt  # type: ignore[operator]
        return Elementary(func, arg, self.tex(k, nxt)), nxt

    def call(self, name: str, scripts: dict, k: int, end: int, hi: int) -> tuple[Tensor, int]:
        toks, scope = self.toks, self.scope
        found = self.argument(end, hi)
        if found is None:
            return self.scalar(k, end), end
        inner, close = found
        if not vector_form(inner, scope):
            return self.scalar(k, close + 1), close + 1
        sup = scripts.get("^")
        prime = sup is not None and [t.text for t in _strip_group(sup[0])] == ["\\prime"]
        if sup is not None and not prime and layer_of_function(sup[0], scope):
            sup = None  # g^l(z^l) beside g(z^l): the one activation g
        elif sup is not None and not prime and primed_layer_of_function(sup[0], scope):
            prime = True  # g^{[l]\\prime}(z^{[l]}): its derivative
        elif sup is not None and not prime:
            raise _err(f"`{name}` is a function: only `^{{\\prime}}` may follow it", scope,
                       sup[1])
        if name in _DIAG:
            arg = type(self)(inner, scope).sum(0, len(inner))
            return Diag(arg, self.tex(k, close + 1)), close + 1
        entries = scope.notation.diagonal.get(name + "'" * prime)
        if entries is not None:  # \Sigma'(z): the text's diagonal matrix of sigma'(z_j)
            arg = type(self)(inner, scope).sum(0, len(inner))
            tex = self.tex(k, close + 1)
            f = entries.removesuffix("'")
            return Diag(Map(f, arg, entries.endswith("'"), tex), tex), close + 1
        if scope.arity(name) != 1:
            applied = self.applied(name, inner, k, close)
            if applied is None:
                raise _err(f"`{name}` of a vector: the tool applies only one-argument functions "
                           "to every entry of a vector, and reads a function of several "
                           "arguments of vectors written whole (l(\\mathbf{o}, y))", scope,
                           toks[k], toks[close].end)
            return applied, close + 1
        arg = type(self)(inner, scope).sum(0, len(inner))
        return Map(name, arg, prime, self.tex(k, close + 1)), close + 1

    def applied(self, name: str, inner: list[Tok], k: int, close: int) -> Tensor | None:
        """`l(\\mathbf{o}, y)`: a function of as many arguments as the notation says, each a
        vector written whole or a number, at least one a vector: a number (`Applied`). None
        for anything else (a product or a matrix as an argument)."""
        if name in VECTOR_FUNCTIONS:  # softmax(s, k): one entry, read by the scalar parser
            return self.vector_value(name, inner, k, close)
        parts = [seg for seg, _sep in _depth_split(inner, {","})]
        if len(parts) != self.scope.arity(name) or not all(parts):
            return None
        args: list[Tensor] = []
        for part in parts:
            if not vector_form(part, self.scope):
                args.append(Scalar(parse_expression(part, self.scope),
                                   self.text[part[0].start:part[-1].end]))
                continue
            arg = type(self)(part, self.scope).sum(0, len(part))
            if not whole_argument(arg):
                return None
            args.append(arg)
        if all(isinstance(a, Scalar) for a in args):
            return None
        return Applied(name, tuple(args), self.tex(k, close + 1))

    def vector_value(self, name: str, inner: list[Tok], k: int, close: int) -> Tensor | None:
        """`\\mathrm{softmax}(o)`, `\\mathrm{softmax}(V h + c)`: its one argument a vector (whose
        shape the node checks); None otherwise."""
        if len(_depth_split(inner, {","})) != 1 or self.scope.arity(name) != 2:
            return None
        arg = type(self)(inner, self.scope).sum(0, len(inner))
        if isinstance(arg, Scalar):
            return None  # a number: no vector
        return VectorValue(name, arg, self.tex(k, close + 1))


@cache
def _with_number(extreme: Any, number: Any) -> Any:
    """`t -> Max(number, t)`: one function per pair, so two readings of one text are equal."""
    def apply(t: Any) -> Any:
        return extreme(number, t)
    apply.__name__ = f"{extreme.__name__}_{number}"
    return apply
