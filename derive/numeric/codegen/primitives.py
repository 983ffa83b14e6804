"""The array primitives of generated code: opaque SymPy functions, each printed as one NumPy call.

SymPy treats them as opaque scalar functions (so nothing reorders their arguments); each prints
itself as one NumPy operation. Method calls (`x.sum(...)`) are used because they skip the
Python-level dispatch of `numpy.sum`, which matters at batch 32. The `_Ufunc` classes are the
in-place printer's (`inplace.py`): one ufunc call, optionally into a given buffer.
`ALLOWED_FUNCTIONS` is everything lambdify may print.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from derive.functions import CODEGEN

# The name of a parameter the in-place update holds negated (nP1, nb2: `negated.py`).
NEGATED_PREFIX = "n"


class Dot(sp.Function):
    """Matrix product of two arrays (at most 2-D): `numpy.dot`, bound as `_dot`.

    For 1-D and 2-D arrays `numpy.dot` is the product `@` computes, with less dispatch: about
    0.5-0.9 us less a call for the step's small products at batch 32 (the JAX printer prints
    `@`)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"_dot({a}, {b})"


class Tr(sp.Function):
    """Transpose (a view, no copy)."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).T"  # type: ignore[attr-defined]


class RowSum(sp.Function):
    """Sum over the units of each sample: (m, n) -> (m, 1), broadcasts against (m, n)."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).sum(axis=-1, keepdims=True)"  # type: ignore[attr-defined]


class RowMax(sp.Function):
    """Largest unit of each sample, (m, 1): the shift that keeps exp() from overflowing."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).max(axis=-1, keepdims=True)"  # type: ignore[attr-defined]


class BatchSum(sp.Function):
    """Sum over the samples of the batch: the document's sum over x."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"({printer._print(self.args[0])}).sum(axis=0)"  # type: ignore[attr-defined]


class OnesPerSample(sp.Function):
    """OnesPerSample(x): a vector of ones, one per sample of the batch x.

    `ones @ X` is the sum over the batch, BatchSum(X), as a matrix-vector product: 3-5 times
    faster than `X.sum(axis=0)` for an (m, 32) array here, where NumPy's reduction over the
    first axis of a narrow array is slow. The in-place `update` uses it.
    """

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        # `_ones` (in the update's namespace) keeps one read-only vector per batch size: a new
        # numpy.ones per step costs as much as the product itself at batch 32.
        return f"_ones(len({printer._print(self.args[0])}))"  # type: ignore[attr-defined]


class Constant(sp.Function):
    """Constant(n, value): the in-place update's number `value` (a float64) as the read-only
    0-d array `_k<n>` of the generated function's namespace (`constants_namespace`).

    A ufunc given a Python number converts it at every call (about 0.4-0.9 us at batch 32,
    where the whole operation takes 1 us); a float64 0-d array is the same number, taken as it
    is: the same results bit for bit."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        return f"_k{int(self.args[0])}"


def constants_namespace(expressions: object) -> dict[str, np.ndarray]:
    """The names `_k<n>` of the `Constant`s in `expressions` (a list of SymPy trees), each bound
    to its value as a read-only float64 0-d array."""
    found: dict[str, np.ndarray] = {}
    for expr in expressions:  # type: ignore[attr-defined]
        for node in expr.atoms(Constant):
            value = np.array(float(node.args[1]))
            value.flags.writeable = False
            found[f"_k{int(node.args[0])}"] = value
    return found


class ShapedLike(sp.Function):
    """ShapedLike(value, z): `value` (a constant, say) broadcast to the shape of the array z."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        value, like = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.broadcast_to({value}, ({like}).shape)"


class Descend(sp.Function):
    """Descend(p, s) = p - s, written into p's memory (the trainer's in-place update).

    Only the `update` program uses it; its value is the updated parameter, so the pure `step`
    and the in-place `update` compute the same numbers. A negated change (a parameter held
    negated, `negated.py`) is added: p + G, the same number as p - (-G).
    """

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        param, change = self.args
        name = printer._print(param)  # type: ignore[attr-defined]
        if change.could_extract_minus_sign():
            return f"numpy.add({name}, {printer._print(-change)}, out={name})"  # type: ignore[attr-defined]
        return f"numpy.subtract({name}, {printer._print(change)}, out={name})"  # type: ignore[attr-defined]


class Maximum(sp.Function):
    """The elementwise larger of two arrays (SymPy's Max of two arguments)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.maximum({a}, {b})"


class Minimum(sp.Function):
    """The elementwise smaller of two arrays (SymPy's Min of two arguments)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.minimum({a}, {b})"


class Step(sp.Function):
    """Step(x, h0): SymPy's Heaviside(x, h0), elementwise (h0 its value at x = 0)."""

    nargs = 2

    def _numpycode(self, printer: object) -> str:
        x, h0 = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.heaviside({x}, {h0})"


class Where(sp.Function):
    """Where(condition, a, b): a where the elementwise condition holds, else b (a Piecewise
    of two branches; more branches nest)."""

    nargs = 3

    def _numpycode(self, printer: object) -> str:
        cond, a, b = (printer._print(arg) for arg in self.args)  # type: ignore[attr-defined]
        return f"numpy.where({cond}, {a}, {b})"


class Erf(sp.Function):
    """The error function, elementwise (GELU's Φ): SciPy's `scipy.special.erf`, which NumPy
    lacks (printed as `_erf`, bound in the generated function's namespace)."""

    nargs = 1

    def _numpycode(self, printer: object) -> str:
        return f"_erf({printer._print(self.args[0])})"  # type: ignore[attr-defined]


@functools.cache
def scipy_erf() -> object:
    """`scipy.special.erf`, or None without SciPy (the translator then refuses erf); looked
    up once, not at every step that calls `_erf`."""
    try:
        from scipy.special import erf
    except ImportError:
        return None
    return erf


def _erf(x: np.ndarray) -> np.ndarray:
    return scipy_erf()(x)  # type: ignore[misc]


ARRAY_FUNCTIONS = (Dot, Tr, RowSum, RowMax, BatchSum, ShapedLike, Descend, OnesPerSample,
                    Maximum, Minimum, Step, Where, Erf, Constant)
# The comparisons and connectives a Piecewise condition may hold (printed by lambdify's
# printer as numpy.greater, numpy.logical_and, ...).
CONDITIONS = (sp.StrictGreaterThan, sp.GreaterThan, sp.StrictLessThan, sp.LessThan,
               sp.And, sp.Or, sp.Not)
# Elementwise functions the translator passes through and lambdify may print.
ELEMENTWISE = CODEGEN  # from the registry (derive.functions: `codegen`)
_ALLOWED_FUNCTIONS = frozenset(ARRAY_FUNCTIONS + ELEMENTWISE)


class _Ufunc(sp.Function):
    """One NumPy ufunc call; `into` classes take the output buffer as their last argument.

    Printed as `_np_add(...)`: the ufunc bound to a name of the generated function's
    namespace (`UFUNC_NAMESPACE`), one lookup instead of a global and an attribute."""

    ufunc = ""
    into = False

    def _numpycode(self, printer: object) -> str:
        args = [printer._print(a) for a in self.args]  # type: ignore[attr-defined]
        if self.into:
            *operands, out = args
            return f"_np_{self.ufunc}({', '.join(operands)}, {out})"  # out, positionally
        return f"_np_{self.ufunc}({', '.join(args)})"


_UFUNC_NAMES = ("add", "subtract", "multiply", "divide", "reciprocal", "negative", "square", "sqrt", "power",
                "exp", "log", "tanh", "sinh", "cosh", "sin", "cos", "absolute", "sign")
UFUNCS = {(name, into): type(f"_U_{name}{'_into' if into else ''}", (_Ufunc,),
                             {"ufunc": name, "into": into})
          for name in _UFUNC_NAMES for into in (False, True)}


@functools.lru_cache(maxsize=8)
def _ones(n: int) -> np.ndarray:
    """A vector of n ones that nothing can write into (shared by every step)."""
    ones = np.ones(n)
    ones.flags.writeable = False
    return ones


UFUNC_NAMESPACE = {f"_np_{name}": getattr(np, name) for name in _UFUNC_NAMES}
# The names generated code calls besides NumPy's: `_ones` (OnesPerSample), `_erf` (Erf) and
# `_dot` (Dot) in every program, the ufuncs too in the in-place `update`.
ONES_NAMESPACE = {"_ones": _ones, "_erf": _erf, "_dot": np.dot}
UFUNC_NAMESPACE.update(ONES_NAMESPACE)


# Everything lambdify may print: the array primitives, the registry's elementwise functions
# and the in-place printer's ufunc calls.
ALLOWED_FUNCTIONS = _ALLOWED_FUNCTIONS | frozenset(UFUNCS.values())
