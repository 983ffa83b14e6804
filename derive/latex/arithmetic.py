"""The skeleton a side becomes (plain arithmetic around placeholders) and its hand-off to
`latex2sympy2_extended`, the only place that imports it; the placeholders' values put back."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import sympy

from derive.arithcache import Cache
from derive.errors import InputError
from derive.expr import BatchProduct, BatchSum
from derive.latex import fastarith
from derive.latex.limits import _check_number, _check_power
from derive.latex.scope import Scope
from derive.latex.tokens import Tok

# Placeholders are single tokens for the arithmetic parser: its prediction cost grows with the
# number of tokens, and `P_{12}` is five of them (measured: 10 ms against 200 ms for `A B + C F`).
# E, I and O are avoided (Euler's number, the imaginary unit, big-O), and so are Greek letters
# with a meaning of their own to the parser (gamma, pi, epsilon, delta).
_POOL = [*"ABCFGHJKLMNPQRSTUVWXYZ", "alpha", "beta", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"]
_DUMMIES = [*"qrstuvwxyzabcfgh"]


@dataclass
class _Skeleton:
    scope: Scope
    # the notation pass (derive.latex.expression): it emits a token list into this skeleton;
    # the recognisers recurse through it, by `sequence` and `parse`
    read: Callable[[list[Tok], _Skeleton], None]
    parts: list[str] = field(default_factory=list)
    where: list[tuple[int, int, int]] = field(default_factory=list)  # (skel offset, src start, end)
    values: dict[str, sympy.Basic] = field(default_factory=dict)  # placeholder -> value
    sums: dict[str, tuple] = field(default_factory=dict)  # bound name -> (var, lo, hi, excl, batch)
    length: int = 0
    depth: int = 0  # brackets open in the skeleton here
    # token list id -> (the list, kept alive; whether it may hold `(x)_+` or `[y = k]`)
    bracket_notation: dict[int, tuple[list, bool]] = field(default_factory=dict)

    def emit(self, text: str, src: Tok | tuple[int, int]) -> None:
        start, end = (src.start, src.end) if isinstance(src, Tok) else src
        self.where.append((self.length, start, end))
        self.parts.append(text)
        self.length += len(text)

    def _name(self, start: int, end: int) -> str:
        used = len(self.values) + len(self.sums)
        if used >= len(_POOL):
            raise InputError("expression too long: split it into smaller steps",
                             self.scope.formula.span(start, end - start))
        return _POOL[used]

    def placeholder(self, value: sympy.Basic, src: tuple[int, int]) -> None:
        name = self._name(*src)
        self.values[name] = value
        self.emit(" " + _tex(name) + " ", src)

    def sum_bound(self, record: tuple, src: tuple[int, int], op: str = "\\sum") -> None:
        if len(self.sums) >= len(_DUMMIES):
            raise InputError(f"too many sums in one expression (more than {len(_DUMMIES)}): "
                             "split it into smaller steps", self.scope.formula.span(*src))
        name = self._name(*src)
        self.sums[name] = record
        dummy = _DUMMIES[len(self.sums) - 1]
        self.emit(f" {op}_{{{dummy}=1}}^{{{_tex(name)}}} ", src)

    def sequence(self, toks: list[Tok]) -> None:
        """Emit `toks` into this skeleton, in place (an exponent, a fraction's parts)."""
        self.read(toks, self)

    def parse(self, toks: list[Tok]) -> sympy.Basic:
        """`toks` as an expression of its own, in the same scope (an argument, a bracket)."""
        return parse_with(self.read, toks, self.scope)

    def source_at(self, offset: int) -> tuple[int, int]:
        best = self.where[0][1:] if self.where else (0, 1)
        for s, a, b in self.where:
            if s <= offset:
                best = (a, b)
        return best


def _tex(name: str) -> str:
    return name if len(name) == 1 else "\\" + name


def parse_with(read: Callable[[list[Tok], _Skeleton], None], toks: list[Tok],
               scope: Scope) -> sympy.Basic:
    """`toks` as one SymPy expression: emitted into a skeleton by `read`, then parsed."""
    if not toks:
        raise InputError("empty expression")
    sk = _Skeleton(scope, read)
    read(toks, sk)
    return _finish(sk, toks)


@cache
def read_skeleton(skeleton: str) -> sympy.Basic:
    """Plain arithmetic to SymPy via latex2sympy2_extended (raises its own exception): read by
    `fastarith` when it is sure of the tree latex2sympy2 makes (the same tree, without warming
    up ANTLR), by latex2sympy2 otherwise; either way stored in the disk cache."""
    cache = _disk_cache()
    hit = cache.get(skeleton)
    if hit is not None:
        return hit
    out = fastarith.parse(skeleton)
    if out is None:
        out = reference_parse(skeleton)
    cache.put(skeleton, out)
    return out


def reference_parse(skeleton: str) -> sympy.Basic:
    """A skeleton read by latex2sympy2_extended alone (the reference the fast reader must
    equal; raises its own exception on what it cannot read)."""
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy

    config = ConversionConfig(lowercase_symbols=False, interpret_as_mixed_fractions=False,
                              interpret_simple_eq_as_assignment=False)
    return _Latex2Sympy(config=config).parse(skeleton)


@cache
def _disk_cache() -> Cache:
    return Cache()


_CARET = re.compile(r"\n(~*)\^\s*$")


def _finish(sk: _Skeleton, toks: list[Tok]) -> sympy.Basic:
    text = "".join(sk.parts)
    scope = sk.scope
    if text.strip() == _POOL[0] and len(sk.values) == 1:
        return sk.values[_POOL[0]]
    text, shift = _outer_brackets(text)
    try:
        raw = read_skeleton(text)
    except Exception as exc:  # the parser raises bare Exception with a caret picture
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        m = _CARET.search(str(exc))
        offset = (len(m.group(1)) if m else 0) + shift
        a, b = sk.source_at(offset)
        raise InputError(f"cannot read this arithmetic: {msg}",
                         scope.formula.span(a, b - a)) from None
    names = {s.name for s in raw.free_symbols}
    expected = set(sk.values) | set(sk.sums) | set(_DUMMIES[: len(sk.sums)])
    stray = names - expected
    if stray:
        raise InputError(f"the arithmetic parser read stray symbol(s) {sorted(stray)}",
                         scope.formula.span(toks[0].start, toks[-1].end - toks[0].start))
    missing = set(sk.values) - names
    if missing:
        lost = sorted(missing)[0]
        raise _dropped(sk, lost, toks)
    out = _rebuild(raw, sk, toks)
    if out.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise InputError("this expression has no value: it divides by zero (or is 0/0, or "
                         "infinite)", scope.formula.span(toks[0].start, toks[-1].end - toks[0].start))
    return out


def _dropped(sk: _Skeleton, name: str, toks: list[Tok]) -> InputError:
    """The error for a placeholder the arithmetic parser lost: where it is followed by a
    bracket, read as a function of it (`d_j(n)`, a quantity written with its time step or
    iteration, as Haykin does), said so at that place."""
    scope, text = sk.scope, sk.scope.formula.text
    mark = " " + _tex(name) + " "
    at = next((w for part, w in zip(sk.parts, sk.where) if part == mark), None)
    if at is not None and text[at[2]:].lstrip().startswith("("):
        return InputError(
            f"`{text[at[1]:at[2]]}` is followed by `(...)`, read as its argument: a quantity "
            "written as a function of a time step or an iteration (`d_j(n)`) is not read",
            scope.formula.span(at[1], at[2] - at[1]),
            hint="write the quantity without the argument, or `\\cdot` for a product")
    return InputError(f"part of the expression was dropped by the arithmetic parser: "
                      f"{sk.values[name]}",
                      scope.formula.span(toks[0].start, toks[-1].end - toks[0].start))


def _outer_brackets(text: str) -> tuple[str, int]:
    """The skeleton without brackets around all of it, `((A + B))` as `A + B`, and how many
    characters were cut at its start: the arithmetic parser reads redundant outer brackets
    2-3 times slower cold and 7-17 times slower warm (measured), for the same tree."""
    shift = 0
    while True:
        stripped = text.strip()
        lead = len(text) - len(text.lstrip())
        if not (stripped.startswith("(") and stripped.endswith(")")):
            return text, shift
        depth = 0
        for k, ch in enumerate(stripped):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and k < len(stripped) - 1:
                return text, shift  # (A)(B): the first bracket closes early
        text = stripped[1:-1]
        shift += lead + 1


def _rebuild(e: sympy.Basic, sk: _Skeleton, toks: list[Tok]) -> sympy.Basic:
    if isinstance(e, sympy.Symbol):
        if e.name in sk.values:
            return sk.values[e.name]
        raise InputError(f"internal: unexpected symbol {e.name}")
    if isinstance(e, (sympy.Sum, sympy.Product)):
        product = isinstance(e, sympy.Product)
        body = _rebuild(e.function, sk, toks)
        for _dummy, _lo, hi in e.limits:  # innermost first
            var, lo, upper, excl, batch = sk.sums[str(hi)]
            if batch:
                body = (BatchProduct if product else BatchSum)(body, sk.scope.notation.sample)
                continue
            if excl is not None:  # the excluded term: a factor 1, a term 0
                keep = 1 - sympy.KroneckerDelta(var, excl)
                body = body ** keep if product else body * keep
            body = (sympy.Product if product else sympy.Sum)(body, (var, lo, upper))
        return body
    if isinstance(e, sympy.log) and len(e.args) == 2:
        return sympy.log(_rebuild(e.args[0], sk, toks)) / sympy.log(_rebuild(e.args[1], sk, toks))
    if not e.args:
        _check_number(e, sk.scope, toks)
        return e
    args = [_rebuild(a, sk, toks) for a in e.args]
    if isinstance(e, sympy.Pow):
        _check_power(args[0], args[1], sk.scope, toks)
    elif isinstance(e, sympy.exp):
        _check_power(sympy.E, args[0], sk.scope, toks)
    out = e.func(*args)
    _check_number(out, sk.scope, toks)
    return out
