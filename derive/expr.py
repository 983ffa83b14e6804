"""SymPy nodes for the notation of backpropagation texts.

A parsed formula is an ordinary SymPy expression whose leaves may be these nodes. They stay
unevaluated until the model grounds them in a concrete network (see `derive.model`), and they
print back to LaTeX in the document's own notation, so a reader can compare what was written
with what the tool understood.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

import sympy
from sympy.core.symbol import Str
from sympy.printing.latex import LatexPrinter


def as_basic(x: int | sympy.Basic) -> sympy.Basic:
    """An int as a SymPy Integer; SymPy objects unchanged. Never a string: nothing is parsed."""
    if isinstance(x, bool) or not isinstance(x, (int, sympy.Basic)):
        raise TypeError(f"expected an int or a SymPy object, not {type(x).__name__}")
    return sympy.Integer(x) if isinstance(x, int) else x


def index(name: str) -> sympy.Symbol:
    """An index symbol. Integer, so SymPy can simplify KroneckerDelta sums."""
    return sympy.Symbol(name, integer=True)


def index_latex(e: sympy.Basic) -> str:
    """An index or layer expression as people write it: l + 1, not 1 + l."""
    return sympy.latex(e, order="lex")


def _str(name: str | Str) -> Str:
    return Str(name) if isinstance(name, str) else name


class Node(sympy.Expr):
    is_commutative = True

    @property
    def free_symbols(self) -> set[sympy.Basic]:  # names (Str) are not symbols
        out: set[sympy.Basic] = set()
        for a in self.args:
            if not isinstance(a, Str):
                out |= a.free_symbols
        return out


class Named(Node):
    """A node whose first argument is its name (a quantity, size, function or vector)."""

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def fname(self) -> str:  # the same, read as a function's name
        return self.args[0].name


# How each quantity writes its layer (`paren` ^{(l)}, `bracket` ^{[l]}, `sup` ^{l}): set for the
# document being checked (`tag_styles`), so that what the tool prints reads in its notation.
_TAG_STYLES: ContextVar[Mapping[str, str]] = ContextVar("tag_styles",
                                                       default=MappingProxyType({}))
_TAG_FORMS = {"paren": "^{{({})}}", "bracket": "^{{[{}]}}", "sup": "^{{{}}}"}


# sizes the document names on their own (D, H, K): the width each stands for -> its name
_SIZE_NAMES: ContextVar[Mapping[sympy.Basic, str]] = ContextVar(
    "size_names", default=MappingProxyType({}))


@contextmanager
def tag_styles(styles: Mapping[str, str],
               sizes: Mapping[sympy.Basic, str] | None = None) -> Iterator[None]:
    token = _TAG_STYLES.set(styles)
    named = _SIZE_NAMES.set(sizes or {})
    try:
        yield
    finally:
        _TAG_STYLES.reset(token)
        _SIZE_NAMES.reset(named)


def layer_tag_latex(name: str, layer: str) -> str:
    """The layer tag of quantity `name` in the document's style: `^{(2)}`, `^{[2]}` or `^{2}`,
    numbered as the text numbers its layers (from 0 where it gives the input layer 0)."""
    styles = _TAG_STYLES.get()
    if layer.isdigit() and styles.get("", "") == "from 0":
        layer = str(int(layer) - 1)
    return _TAG_FORMS[styles.get(name, "paren")].format(layer)


class Quantity(Named):
    """`w^{(l)}_{ji}`: name, optional layer tag, neuron indices (all SymPy integers or symbols)."""

    def __new__(cls, name: str | Str, layer: tuple = (), indices: tuple = ()):
        return sympy.Expr.__new__(
            cls, _str(name), sympy.Tuple(*layer), sympy.Tuple(*[as_basic(i) for i in indices])
        )

    @property
    def layer(self) -> sympy.Expr | None:
        return self.args[1][0] if self.args[1] else None

    @property
    def indices(self) -> tuple[sympy.Expr, ...]:
        return tuple(self.args[2])

    def with_(self, layer: sympy.Expr | None = None, indices: tuple | None = None) -> Quantity:
        lay = (layer,) if layer is not None else tuple(self.args[1])
        return Quantity(self.name, lay, self.indices if indices is None else indices)

    def _latex(self, printer: LatexPrinter) -> str:
        s = self.name
        if self.layer is not None:
            tag = layer_tag_latex(self.name, index_latex(self.layer))
            # Bishop's z_j: the tag its index letter stands for is not written (letter_tags)
            if not (len(self.indices) == 1 and _TAG_STYLES.get().get(
                    f"{self.name}_{index_latex(self.indices[0])}") == tag):
                s = (f"{{{s}}}" if "^" in s else s) + tag  # a starred name: {y^{*}}^{(l)}
        if self.indices:
            if "_" in s and not s.startswith("{"):
                s = f"({s})"  # an entry of W_2 (layers named by subscripts): (W_2)_{kj}
            s += "_{" + "".join(index_latex(i) for i in self.indices) + "}"
        return s

    def _sympystr(self, printer: object) -> str:
        return self._latex(LatexPrinter())


class Width(Named):
    """`C_l`: the number of neurons of layer l (a size, grounded to an integer)."""

    def __new__(cls, name: str | Str, layer: sympy.Expr):
        return sympy.Expr.__new__(cls, _str(name), as_basic(layer))

    is_integer = True
    is_positive = True

    @property
    def layer(self) -> sympy.Expr:
        return self.args[1]

    def _latex(self, printer: LatexPrinter) -> str:
        named = _SIZE_NAMES.get().get(self)
        return named or f"{self.name}_{{{index_latex(self.layer)}}}"


class Call(Named):
    """`g(z^{(l)}_i)`, `f(x, y, z)`, `\\mathrm{softmax}(\\mathbf{a}^{(n)}, j)`."""

    def __new__(cls, fname: str | Str, *args: sympy.Basic):
        return sympy.Expr.__new__(cls, _str(fname), *args)

    @property
    def params(self) -> tuple[sympy.Basic, ...]:
        return self.args[1:]

    def _latex(self, printer: LatexPrinter) -> str:
        inner = ", ".join(printer._print(a) for a in self.params)
        return f"{self.fname}\\left({inner}\\right)"


class Prime(Named):
    """`g^{\\prime}(t)`: the derivative of a one-argument function, applied."""

    def __new__(cls, fname: str | Str, arg: sympy.Basic):
        return sympy.Expr.__new__(cls, _str(fname), arg)

    @property
    def arg(self) -> sympy.Basic:
        return self.args[1]

    def _latex(self, printer: LatexPrinter) -> str:
        return f"{self.fname}^{{\\prime}}\\left({printer._print(self.arg)}\\right)"


class FuncRef(Named):
    """A bare function name, as in `\\frac{\\partial f}{\\partial x}`."""

    def __new__(cls, fname: str | Str):
        return sympy.Expr.__new__(cls, _str(fname))

    def _latex(self, printer: LatexPrinter) -> str:
        return self.fname


class Vec(Named):
    """`\\mathbf{a}^{(n)}`: the whole vector of a layer, as a function argument."""

    def __new__(cls, name: str | Str, layer: tuple = ()):
        return sympy.Expr.__new__(cls, _str(name), sympy.Tuple(*layer))

    @property
    def layer(self) -> sympy.Expr | None:
        return self.args[1][0] if self.args[1] else None

    def _latex(self, printer: LatexPrinter) -> str:
        s = "\\mathbf{" + self.name + "}"
        if self.layer is not None:
            s += layer_tag_latex(self.name, index_latex(self.layer))
        return s


class VecOf(Node):
    """`V h + c` as a vector function's argument: the vector whose entry `index` is `body`, of
    `size` entries (`\\mathrm{softmax}(V h + c)`); its index is bound by it."""

    def __new__(cls, body: sympy.Basic, index: sympy.Symbol, size: sympy.Basic):
        return sympy.Expr.__new__(cls, body, index, size)

    @property
    def body(self) -> sympy.Basic:
        return self.args[0]

    @property
    def index(self) -> sympy.Symbol:
        return self.args[1]

    @property
    def size(self) -> sympy.Basic:
        return self.args[2]

    @property
    def free_symbols(self) -> set[sympy.Basic]:
        return (self.body.free_symbols - {self.index}) | self.size.free_symbols

    def at(self, entry: sympy.Basic) -> sympy.Basic:
        """The entry `entry` of the vector."""
        return self.body.xreplace({self.index: entry})

    def _latex(self, printer: LatexPrinter) -> str:
        return "\\left(" + printer._print(self.body) + "\\right)_{" + printer._print(
            self.index) + "}"


class Partial(Node):
    """`\\frac{\\partial X}{\\partial Y}` (total=0) or `\\frac{dX}{dY}` (total=1)."""

    def __new__(cls, num: sympy.Basic, den: sympy.Basic, total: bool = False):
        return sympy.Expr.__new__(cls, num, den, sympy.Integer(int(total)))

    @property
    def num(self) -> sympy.Basic:
        return self.args[0]

    @property
    def den(self) -> sympy.Basic:
        return self.args[1]

    @property
    def total(self) -> bool:
        return bool(self.args[2])

    def _latex(self, printer: LatexPrinter) -> str:
        d = "d" if self.total else "\\partial "
        return f"\\frac{{{d}{printer._print(self.num)}}}{{{d}{printer._print(self.den)}}}"


class _OverSamples(Node):
    """An operator over the samples of a minibatch: `body` and the sample's letter."""

    operator = ""

    def __new__(cls, body: sympy.Basic, sample: str | Str = "x"):
        return sympy.Expr.__new__(cls, body, _str(sample))

    @property
    def body(self) -> sympy.Basic:
        return self.args[0]

    def _latex(self, printer: LatexPrinter) -> str:
        return f"{self.operator}_{{{self.args[1].name}}} {printer._print(self.body)}"


class BatchSum(_OverSamples):
    """`\\sum_x body`: the sum over the samples of a minibatch."""

    operator = "\\sum"


class BatchProduct(_OverSamples):
    """`\\prod_x body`: the product over the samples of a minibatch (a likelihood of
    independent samples)."""

    operator = "\\prod"


class ArgMax(Node):
    """`\\operatorname*{argmax}_j body`: the index j in lo..hi at which body is largest
    (`argmin`: smallest). A choice, not a smooth value: compared at the point, never
    differentiated. j is bound by it."""

    def __new__(cls, body: sympy.Basic, var: sympy.Symbol, lo: sympy.Basic, hi: sympy.Basic,
                which: str | Str = "max"):
        return sympy.Expr.__new__(cls, body, var, as_basic(lo), as_basic(hi), _str(which))

    @property
    def body(self) -> sympy.Basic:
        return self.args[0]

    @property
    def var(self) -> sympy.Symbol:
        return self.args[1]

    @property
    def which(self) -> str:
        return self.args[4].name

    @property
    def free_symbols(self) -> set[sympy.Basic]:
        body, var, lo, hi = self.args[:4]
        return (body.free_symbols - {var}) | lo.free_symbols | hi.free_symbols

    def _latex(self, printer: LatexPrinter) -> str:
        return (f"\\operatorname{{arg{self.which}}}_{{{printer._print(self.var)}}} "
                f"{printer._print(self.body)}")


class Change(Node):
    """`\\Delta x`: a small change of the quantity x, as a row written with `\\approx` writes
    it (derive.latex.changes); the checker reads it as a number of its own (derive.check.approx).
    """

    def __new__(cls, of: sympy.Basic):
        return sympy.Expr.__new__(cls, of)

    @property
    def of(self) -> sympy.Basic:
        return self.args[0]

    def _latex(self, printer: LatexPrinter) -> str:
        return f"\\Delta {printer._print(self.of)}"


NODE_TYPES = (Quantity, Width, Call, Prime, FuncRef, Vec, Partial, BatchSum, BatchProduct,
              ArgMax)


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer, with the step function as notes write it (the slope of ReLU)."""

    def _print_Heaviside(self, expr: sympy.Basic, exp: str | None = None) -> str:
        text = f"\\mathbb{{1}}\\{{{self._print(expr.args[0])} > 0\\}}"
        return f"\\left({text}\\right)^{{{exp}}}" if exp else text


def to_latex(expr: sympy.Basic) -> str:
    """The expression in LaTeX, in the document's notation."""
    return _Printer({"order": "none"}).doprint(expr)
