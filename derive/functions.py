"""The one registry of functions: what each known function is, in every layer that needs it.

Two tables:

* `ELEMENTARY`: SymPy function classes the tool evaluates and differentiates (exp, log, tanh,
  Abs, Max, Heaviside, erf, ...). For each: the mpmath value, the SymEngine form, whether the
  arithmetic parser returns it (the parse cache may store it), whether the trainer's code
  generator may print it, and its *kinks*: the expressions whose zero is a point where the
  function is not differentiable (`Max(a, b)`: a - b; `Abs(x)`: x). Non-smooth functions are
  built in SymEngine as `Piecewise`, which SymEngine differentiates branch by branch.
* `NAMED`: functions a text may use by name without defining them (`\\max`, `\\mathrm{ReLU}`,
  `\\operatorname{erf}`, `\\Phi`, `\\sigma` as the logistic sigmoid): their LaTeX spellings and
  their SymPy form, built from the elementary functions.

Adding a function is one entry here. Nothing in this module reads formula text: the spellings
are matched by the parser, which then calls `NamedFunction.apply` with SymPy arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

# --------------------------------------------------------------------------------------------
# Elementary functions


@dataclass(frozen=True)
class Elementary:
    cls: type  # the SymPy class
    mpmath: Callable[..., Any]  # (ctx, *args) -> value, ctx an mpmath context
    symengine: Callable[..., Any] | None  # (se, *args) -> SymEngine expression; None: none
    parsed: bool = False  # latex2sympy2 returns it for a skeleton (the parse cache stores it)
    codegen: bool = False  # the trainer's generated NumPy code may contain it
    kinks: Callable[..., tuple] | None = None  # (*args) -> expressions that are 0 at a kink
    latex: tuple[str, ...] = ()  # the LaTeX commands that write it (`\\log` without a base: ln)


def _max(ctx: Any, *xs: Any) -> Any:
    return max(xs)


def _min(ctx: Any, *xs: Any) -> Any:
    return min(xs)


def _pairs(xs: tuple) -> tuple:
    return tuple(a - b for k, a in enumerate(xs) for b in xs[k + 1 :])


def _se_extreme(se: Any, xs: tuple, ge: bool) -> Any:
    """Max (ge) or Min of several arguments as nested Piecewise: SymEngine cannot
    differentiate its own max and min."""
    out = xs[-1]
    for x in reversed(xs[:-1]):
        cond = se.Ge(x, out) if ge else se.Le(x, out)
        out = se.Piecewise((x, cond), (out, True))
    return out


def _step(ctx: Any, x: Any) -> Any:
    return ctx.mpf(1) if x > 0 else ctx.mpf(0)


def _sign(ctx: Any, x: Any) -> Any:
    return ctx.mpf(1) if x > 0 else (ctx.mpf(-1) if x < 0 else ctx.mpf(0))


def _same(name: str) -> tuple[Callable, Callable]:  # type: ignore[type-arg]
    """The mpmath and SymEngine forms of a function both spell as `name` (a fixed table)."""
    return (lambda c, x: getattr(c, name)(x)), (lambda se, x: getattr(se, name)(x))


ELEMENTARY: dict[type, Elementary] = {e.cls: e for e in (
    Elementary(sympy.exp, *_same("exp"), parsed=True, latex=("\\exp",), codegen=True),
    Elementary(sympy.log, *_same("log"), parsed=True, latex=("\\log", "\\ln"), codegen=True),
    Elementary(sympy.sin, *_same("sin"), parsed=True, latex=("\\sin",), codegen=True),
    Elementary(sympy.cos, *_same("cos"), parsed=True, latex=("\\cos",), codegen=True),
    Elementary(sympy.tan, *_same("tan"), parsed=True, latex=("\\tan",)),
    Elementary(sympy.tanh, *_same("tanh"), parsed=True, latex=("\\tanh",), codegen=True),
    Elementary(sympy.sinh, *_same("sinh"), parsed=True, latex=("\\sinh",), codegen=True),
    Elementary(sympy.cosh, *_same("cosh"), parsed=True, latex=("\\cosh",), codegen=True),
    Elementary(sympy.atan, *_same("atan"), parsed=True, latex=("\\arctan",)),
    Elementary(sympy.erf, *_same("erf")),
    # non-smooth: SymEngine forms are Piecewise, whose conditions carry the kinks
    Elementary(sympy.Abs, lambda c, x: abs(x),
               lambda se, x: se.Piecewise((x, se.Ge(x, 0)), (-x, True)), codegen=True,
               kinks=lambda x: (x,)),
    Elementary(sympy.sign, _sign,
               lambda se, x: se.Piecewise((1, se.Gt(x, 0)), (-1, True)), codegen=True,
               kinks=lambda x: (x,)),
    Elementary(sympy.Heaviside, lambda c, x, *h: _step(c, x),
               lambda se, x, *h: se.Piecewise((1, se.Gt(x, 0)), (0, True)),
               kinks=lambda x, *h: (x,)),
    # the derivative of a step, away from its kink (sympy.diff of Heaviside gives it)
    Elementary(sympy.DiracDelta, lambda c, x, *k: c.mpf(0),
               lambda se, x, *k: se.Piecewise((0, se.Gt(x, 0)), (0, True)),
               kinks=lambda x, *k: (x,)),
    Elementary(sympy.Max, _max, lambda se, *xs: _se_extreme(se, xs, True),
               kinks=lambda *xs: _pairs(xs)),
    Elementary(sympy.Min, _min, lambda se, *xs: _se_extreme(se, xs, False),
               kinks=lambda *xs: _pairs(xs)),
)}

# LaTeX commands the arithmetic parser (latex2sympy2) reads itself: they pass through the
# notation pass unchanged and come back as the `parsed` classes above (\\sqrt as a power)
BY_LATEX: dict[str, type] = {c: e.cls for e in ELEMENTARY.values() for c in e.latex}
PASSTHROUGH = frozenset(BY_LATEX) | {"\\sqrt"}

NON_SMOOTH = tuple(cls for cls, e in ELEMENTARY.items() if e.kinks is not None)
PARSED = tuple(cls for cls, e in ELEMENTARY.items() if e.parsed)
CODEGEN = tuple(cls for cls, e in ELEMENTARY.items() if e.codegen)

# relations of a `cases` condition, with the SymEngine constructor of each
RELATIONS: dict[type, str] = {
    sympy.StrictLessThan: "Lt", sympy.LessThan: "Le", sympy.StrictGreaterThan: "Gt",
    sympy.GreaterThan: "Ge", sympy.Eq: "Eq", sympy.Ne: "Ne",
}
INEQUALITIES = (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan)


def kinks(e: sympy.Basic) -> list[sympy.Basic]:
    """The expressions of `e` (SymPy) whose zero is a kink: arguments of its non-smooth
    functions and the two sides of its inequality conditions, as differences."""
    out: list[sympy.Basic] = []
    for node in sympy.preorder_traversal(e):
        entry = ELEMENTARY.get(type(node))
        if entry is not None and entry.kinks is not None:
            out += entry.kinks(*node.args)
        elif isinstance(node, sympy.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, INEQUALITIES):
                    out.append(cond.lhs - cond.rhs)
    return list(dict.fromkeys(out))


def kink_points(e: sympy.Basic, var: sympy.Symbol) -> list[sympy.Basic]:
    """The values of `var` at which the one-variable expression `e` has a kink, where its
    kink expressions are linear in `var` (max(0, t): 0; |t - 1|: 1), in order."""
    out: set[sympy.Basic] = set()
    for k in kinks(e):
        if k.free_symbols != {var}:
            continue
        poly = sympy.Poly(k, var) if k.is_polynomial(var) else None
        if poly is None or poly.degree() != 1:
            continue
        a, b = poly.all_coeffs()
        root = -b / a
        if root.is_Rational:
            out.add(root)
    return sorted(out)


def to_symengine(se: Any, e: sympy.Basic) -> Any:
    """A SymPy expression in SymEngine, non-smooth functions as Piecewise (SymEngine's own
    Abs and Max have no derivative, and it has no Heaviside)."""
    if not e.has(*NON_SMOOTH):
        return se.sympify(e)
    return se.sympify(_rewrite(se, e))


def _rewrite(se: Any, e: sympy.Basic) -> Any:
    if not e.args or not e.has(*NON_SMOOTH):
        return se.sympify(e)
    entry = ELEMENTARY.get(type(e))
    if isinstance(e, sympy.Piecewise):
        return se.Piecewise(*[(_rewrite(se, v), _rewrite(se, c)) for v, c in e.args])
    args = [_rewrite(se, a) for a in e.args]
    if entry is not None and entry.kinks is not None:
        return entry.symengine(se, *args)
    if e.is_Add:
        return se.Add(*args)
    if e.is_Mul:
        return se.Mul(*args)
    if e.is_Pow:
        return se.Pow(*args)
    if type(e) in RELATIONS:
        return getattr(se, RELATIONS[type(e)])(*args)
    if entry is not None and entry.symengine is not None:
        return entry.symengine(se, *args)
    raise TypeError(f"no SymEngine form for {type(e).__name__} around a non-smooth function")


def symengine_kinks(se: Any, e: Any) -> list[Any]:
    """The kink expressions of a SymEngine expression: the sides of its Piecewise conditions
    (every non-smooth function is a Piecewise there), as differences."""
    out: list[Any] = []
    seen: set = set()
    todo = [e]
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.add(x)
        if isinstance(x, se.Piecewise):
            args = x.args
            for cond in args[1::2]:
                if isinstance(cond, (se.StrictLessThan, se.LessThan)):
                    out.append(cond.args[0] - cond.args[1])
        todo.extend(x.args)
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# Functions known by name


_T = sympy.Symbol("t", real=True)


@dataclass(frozen=True)
class NamedFunction:
    name: str  # what the reader is told: "ReLU", "the logistic sigmoid"
    spellings: tuple[str, ...]  # LaTeX names as the parser reads them: "\\mathrm{ReLU}"
    body: Callable[..., sympy.Basic] | None  # (*args) -> SymPy; None for variadic `builder`
    arity: int | None = 1  # None: any number of arguments, at least two (max, min)

    def apply(self, *args: sympy.Basic) -> sympy.Basic:
        assert self.body is not None
        return self.body(*args)

    def derivative(self, arg: sympy.Basic) -> sympy.Basic:
        """f'(arg) by sympy.diff of the body."""
        return sympy.diff(self.apply(_T), _T).xreplace({_T: arg})


def _sigmoid(x: sympy.Basic) -> sympy.Basic:
    return 1 / (1 + sympy.exp(-x))


def _phi(x: sympy.Basic) -> sympy.Basic:
    return (1 + sympy.erf(x / sympy.sqrt(2))) / 2


def _spell(*names: str) -> tuple[str, ...]:
    """`\\mathrm{x}` and `\\operatorname{x}` for each name."""
    return tuple(f"{font}{{{n}}}" for n in names for font in ("\\mathrm", "\\operatorname"))


NAMED: tuple[NamedFunction, ...] = (
    NamedFunction("max", ("\\max",), lambda *xs: sympy.Max(*xs), None),
    NamedFunction("min", ("\\min",), lambda *xs: sympy.Min(*xs), None),
    NamedFunction("ReLU", _spell("ReLU", "relu", "Relu"), lambda x: sympy.Max(0, x)),
    NamedFunction("softplus", _spell("softplus"), lambda x: sympy.log(1 + sympy.exp(x))),
    NamedFunction("the logistic sigmoid", ("\\sigma",) + _spell("sigmoid", "sigm"), _sigmoid),
    # \tanh itself passes to the arithmetic parser; read here when primed: \tanh'(x)
    NamedFunction("tanh", ("\\tanh",) + _spell("tanh"), sympy.tanh),
    NamedFunction("sech", _spell("sech"), lambda x: 1 / sympy.cosh(x)),
    NamedFunction("erf", _spell("erf") + ("\\erf",), sympy.erf),
    NamedFunction("the standard normal CDF", ("\\Phi",), _phi),
    NamedFunction("GELU", _spell("GELU", "gelu"), lambda x: x * _phi(x)),
    NamedFunction("the sign function", _spell("sgn", "sign"), sympy.sign),
    NamedFunction("the Heaviside step", _spell("step", "Heaviside"), sympy.Heaviside),
)

BY_SPELLING: dict[str, NamedFunction] = {s: f for f in NAMED for s in f.spellings}

# indicator functions: `\mathbb{1}\{c\}`, `\mathbf{1}_{c}`, `\mathbb{I}(c)`, `1\{c\}`
INDICATORS = frozenset({"\\mathbb{1}", "\\mathbf{1}", "\\mathbb{I}", "\\mathds{1}",
                        "\\boldsymbol{1}", "\\mathrm{1}", "\\mathbb{l}"})


def indicator(cond: sympy.Basic) -> sympy.Basic:
    """1 where `cond` holds, else 0."""
    return sympy.Piecewise((1, cond), (0, True), evaluate=False)


# the Kronecker delta, written as a subscripted name: `\delta_{ij}` (two indices, no layer tag),
# unless the document's own quantity of that name takes two indices and no layer
KRONECKER = frozenset({"\\delta"})


def kronecker(a: sympy.Basic, b: sympy.Basic) -> sympy.Basic:
    """1 where the two indices are equal, else 0."""
    return sympy.KroneckerDelta(a, b)
