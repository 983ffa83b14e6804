"""A product of partial derivatives along a path of layers written with an ellipsis
(`\\frac{\\partial C}{\\partial a^L_m} \\frac{\\partial a^L_m}{\\partial a^{L-1}_n} \\ldots
\\frac{\\partial a^{l+1}_q}{\\partial a^l_j} \\frac{\\partial a^l_j}{\\partial w^l_{jk}}`), alone or
summed over the indices of its layers (`\\sum_{mnp\\ldots q}`): read as a `PathChain`, the written
factors as they are and the dots as the factor beside them repeated one layer at a time, each
elided layer with an index of its own; written out only by the checker (`derive.check.paths`)."""

from __future__ import annotations

import sympy

from derive.expr import Node, Partial, Quantity, to_latex
from derive.latex.arithmetic import _Skeleton
from derive.latex.calculus import _term_end
from derive.latex.groups import _group, _strip_group
from derive.latex.scope import ELLIPSES, Index
from derive.latex.tokens import Tok

_FRACS = ("\\frac", "\\dfrac", "\\tfrac")


class PathChain(Node):
    """`before \\ldots after rest`: the factors written before and after the dots (partial
    derivatives; the last before and the first after them of one quantity by itself one layer
    away, the step the dots repeat), what the term multiplies them by, and, when `summed`, the
    index letters the sum lists before (`lead`) and after (`last`) its dots."""

    def __new__(cls, before: tuple, after: tuple, rest: sympy.Basic, lead: tuple, last: tuple,
                summed: bool):
        return sympy.Expr.__new__(cls, sympy.Tuple(*before), sympy.Tuple(*after), rest,
                                  sympy.Tuple(*lead), sympy.Tuple(*last),
                                  sympy.Integer(int(summed)))

    before = property(lambda self: tuple(self.args[0]))
    after = property(lambda self: tuple(self.args[1]))
    rest = property(lambda self: self.args[2])
    lead = property(lambda self: tuple(self.args[3]))
    last = property(lambda self: tuple(self.args[4]))
    summed = property(lambda self: bool(self.args[5]))

    @property
    def step(self) -> int:
        """The layer step from a factor's quantity to the one it is differentiated by."""
        step = _step_of(self)
        assert step is not None
        return step

    @property
    def free_symbols(self) -> set[sympy.Basic]:
        out: set[sympy.Basic] = set()
        for f in (*self.before, *self.after, self.rest):
            out |= f.free_symbols
        return out - set(self.lead) - set(self.last) if self.summed else out

    def _latex(self, printer: object) -> str:
        sub = ""
        if self.summed:
            sub = ("\\sum_{" + " ".join(str(x) for x in self.lead) + " \\ldots "
                   + " ".join(str(x) for x in self.last) + "} ")
        written = [to_latex(f) for f in self.before] + ["\\ldots"] + [
            to_latex(f) for f in self.after]
        if self.rest != 1:
            written.append(to_latex(self.rest))
        return sub + " ".join(written)


def emit_path(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """A path product at toks[i] (`\\sum_{mnp\\ldots q}` and its summand, or the term of
    derivative fractions with the dots that starts there) as one `PathChain`; None where there
    is none, or where it does not read as one (the error the dots give then stands)."""
    text = toks[i].text
    if text == "\\sum" and i + 1 < len(toks) and toks[i + 1].text == "_":
        sub, j = _group(toks, i + 2, sk.scope)
        sub = _strip_group(sub)
        letters = _letters(sub)
        if letters is None or (j < len(toks) and toks[j].text == "^"):
            return None
        end = _term_end(toks, j)
        chain = _chain(toks, j, end, sk, letters)
    elif text in _FRACS and _dots_in(toks, i, end := _term_end(toks, i)):
        chain = _chain(toks, i, end, sk, None)
    else:
        return None
    if chain is None:
        return None
    sk.placeholder(chain, (toks[i].start, toks[end - 1].end))
    return end


def _letters(sub: list[Tok]) -> tuple[tuple, tuple] | None:
    """`mnp\\ldots q`: the letters before and after the one ellipsis, each an index."""
    dots = [k for k, x in enumerate(sub) if x.text in ELLIPSES]
    if len(dots) != 1 or not all(x.kind == "letter" and len(x.text) == 1
                                 for k, x in enumerate(sub) if k != dots[0] and x.text != ","):
        return None
    d = dots[0]
    lead = tuple(Index(x.text) for x in sub[:d] if x.text != ",")
    last = tuple(Index(x.text) for x in sub[d + 1:] if x.text != ",")
    return (lead, last) if lead and last else None


def _dots_in(toks: list[Tok], a: int, b: int) -> bool:
    depth = 0
    for t in toks[a:b]:
        depth += (t.text in ("{", "(", "[")) - (t.text in ("}", ")", "]"))
        if depth == 0 and t.text in ELLIPSES:
            return True
    return False


def _chain(toks: list[Tok], a: int, b: int, sk: _Skeleton,
           letters: tuple[tuple, tuple] | None) -> PathChain | None:
    """The factors of `toks[a:b]` around its one ellipsis, when they read as a path product."""
    sides: tuple[list, list] = ([], [])
    p, side = a, 0
    while p < b:
        if toks[p].text in ELLIPSES and side == 0:
            side, p = 1, p + 1
            continue
        if toks[p].text not in _FRACS:
            break
        _, q = _group(toks, p + 1, sk.scope)
        _, q = _group(toks, q, sk.scope)
        f = sk.parse(toks[p:q])
        if not isinstance(f, Partial) or f.total:
            return None
        sides[side].append(f)
        p = q
    before, after = sides
    if not before or not after or any(t.text in ELLIPSES for t in toks[p:b]):
        return None
    rest = sk.parse(toks[p:b]) if p < b else sympy.Integer(1)
    lead, last = letters if letters is not None else ((), ())
    chain = PathChain(tuple(before), tuple(after), rest, lead, last, letters is not None)
    return chain if _fits(chain) else None


def _fits(chain: PathChain) -> bool:
    """Whether the dots stand for one step repeated: the quantity differentiated by in the last
    factor before them and the one differentiated in the first after them are one quantity at
    two layers a number of layers apart the text does not fix, and the factor beside the dots
    that is that quantity by itself one layer away gives the step (both give the same one);
    the letters the sum lists are indices of the factors on their side of the dots."""
    fb, fa = chain.before[-1], chain.after[0]
    ends = (fb.den, fa.num)
    if not all(isinstance(q, Quantity) and q.layer is not None for q in ends) \
            or fb.den.name != fa.num.name or sympy.expand(fa.num.layer - fb.den.layer).is_number:
        return False
    if _step_of(chain) is None:
        return False
    if not chain.summed:
        return True
    seen_before = set().union(*(f.free_symbols for f in chain.before))
    seen_after = set().union(*(f.free_symbols for f in chain.after))
    return set(chain.lead) <= seen_before and set(chain.last) <= seen_after


def _step_of(chain: PathChain) -> int | None:
    """The step of the layer the dots repeat, from the factors beside them (None: none, or two)."""
    name = chain.before[-1].den.name
    steps = set()
    for f in (chain.before[-1], chain.after[0]):
        if (isinstance(f.num, Quantity) and isinstance(f.den, Quantity) and f.num.name == name
                and f.den.name == name and f.num.layer is not None and f.den.layer is not None):
            d = sympy.expand(f.den.layer - f.num.layer)
            if d in (1, -1):
                steps.add(int(d))
    return steps.pop() if len(steps) == 1 else None
