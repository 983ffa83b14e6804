"""The function notation, case by case: (LaTeX, expected SymPy) tables, as tests/test_parser.py.

The chapter's notation (its front matter) is used, so `z`, `a`, `w` are quantities, `g` a
declared function and `\\alpha` a scalar; the functions known by name (derive.functions) apply
only where the document does not declare the name itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy
from sympy import Abs, Eq, Heaviside, Max, Min, Piecewise, Rational, erf, exp, log, sqrt, tanh

from derive.document import parse_document
from derive.errors import InputError
from derive.expr import Call, Quantity
from derive.functions import BY_SPELLING, ELEMENTARY, NAMED, PARSED, indicator
from derive.latex import Equation, Index, RowError, Scalar, Scope, parse_formula
from derive.notation import notation_from_front

CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"
TEXT = CHAPTER.read_text(encoding="utf-8")
FRONT = TEXT[: TEXT.index("-->") + 3] + "\n"


def parse(latex: str, front: str = FRONT) -> list[Equation | RowError]:
    doc = parse_document(front + "\n$$\n" + latex + "\n$$\n", "case.md")
    (formula,) = doc.formulas
    return parse_formula(formula, Scope(notation_from_front(doc.front, doc.file), formula))


def side(latex: str) -> sympy.Basic:
    (eq,) = parse(latex + " = 0")
    assert isinstance(eq, Equation), eq.error.render()
    return eq.lhs.expr


i, j, l = Index("i"), Index("j"), Index("l")  # noqa: E741
alpha = Scalar("\\alpha")
z = Quantity("z", (l,), (i,))
a = Quantity("a", (l,), (j,))


def sigmoid(x: sympy.Basic) -> sympy.Basic:
    return 1 / (1 + exp(-x))


SIDES = [
    # max, min, absolute value, positive part
    (r"\max(0, z^{(l)}_i)", Max(0, z)),
    (r"\max\{0, z^{(l)}_i\}", Max(0, z)),
    (r"\max\left(0, z^{(l)}_i\right)", Max(0, z)),
    (r"\min(z^{(l)}_i, 1, \alpha)", Min(z, 1, alpha)),
    (r"\max(0.01 z^{(l)}_i, z^{(l)}_i)", Max(Rational(1, 100) * z, z)),
    (r"|z^{(l)}_i - 1|", Abs(z - 1)),
    (r"\left| z^{(l)}_i \right|", Abs(z)),
    (r"\lvert z^{(l)}_i \rvert", Abs(z)),
    (r"|z^{(l)}_i| |a^{(l)}_j|", Abs(z) * Abs(a)),
    (r"(z^{(l)}_i)_+", Max(0, z)),
    (r"\left(z^{(l)}_i - 1\right)_{+}", Max(0, z - 1)),
    (r"[z^{(l)}_i]_+", Max(0, z)),
    # functions known by name, and their derivatives
    (r"\mathrm{ReLU}(z^{(l)}_i)", Max(0, z)),
    (r"\operatorname{relu}(z^{(l)}_i)", Max(0, z)),
    (r"relu(z^{(l)}_i)", Max(0, z)),
    (r"\text{ReLU}'(z^{(l)}_i)", Heaviside(z)),
    (r"\mathrm{ReLU}^{\prime}(z^{(l)}_i)", Heaviside(z)),
    (r"\mathrm{ReLU}'(z^{(l)}_i)", Heaviside(z)),
    (r"\mathrm{softplus}(z^{(l)}_i)", log(1 + exp(z))),
    (r"\ln(1 + e^{z^{(l)}_i})", log(1 + exp(z))),
    (r"\sigma(z^{(l)}_i)", sigmoid(z)),
    (r"\operatorname{sigmoid}(z^{(l)}_i)", sigmoid(z)),
    (r"\tanh(z^{(l)}_i)", tanh(z)),
    (r"\operatorname{tanh}(z^{(l)}_i)", tanh(z)),
    (r"1 - \tanh(z^{(l)}_i)^2", 1 - tanh(z) ** 2),
    (r"\operatorname{erf}(z^{(l)}_i)", erf(z)),
    (r"\Phi(z^{(l)}_i)", (1 + erf(z / sqrt(2))) / 2),
    (r"\mathrm{GELU}(z^{(l)}_i)", z * (1 + erf(z / sqrt(2))) / 2),
    (r"\frac{1}{\sqrt{2 \pi}}", 1 / sqrt(2 * sympy.pi)),
    # indicators and Iverson brackets
    (r"\mathbb{1}\{i = j\}", Piecewise((1, Eq(i, j)), (0, True))),
    (r"1\{z^{(l)}_i > 0\}", indicator(z > 0)),
    (r"\mathbb{1}_{z^{(l)}_i > 0}", indicator(z > 0)),
    (r"\mathbb{I}(z^{(l)}_i \le 0)", indicator(z <= 0)),
    (r"\mathbf{1}\left\{z^{(l)}_i \geq 0\right\}", indicator(z >= 0)),
    (r"[i = j]", Piecewise((1, Eq(i, j)), (0, True))),
    (r"[z^{(l)}_i \lt \alpha]", indicator(z < alpha)),
    # cases with inequality conditions
    (r"\begin{cases} z^{(l)}_i & z^{(l)}_i > 0 \\ \alpha z^{(l)}_i & \text{otherwise} \end{cases}",
     Piecewise((z, z > 0), (alpha * z, True))),
    (r"\begin{cases} z^{(l)}_i, & \text{if } z^{(l)}_i > 0 \\ \alpha (e^{z^{(l)}_i} - 1), & "
     r"\text{if } z^{(l)}_i \le 0 \end{cases}",
     Piecewise((z, z > 0), (alpha * (exp(z) - 1), z <= 0))),
    (r"\begin{cases} 1 & z^{(l)}_i \geq 0 \\ 0 & \mathrm{else} \end{cases}",
     Piecewise((1, z >= 0), (0, True))),
    # as plain-text notes write them (the corpus's yizt notes): <=, a qualifier, a \tag
    (r"\begin{cases} z^{(l)}_i & z^{(l)}_i>0 \\ \alpha z^{(l)}_i & z^{(l)}_i<=0, \alpha=0.1 "
     r"\tag 3 \end{cases}", Piecewise((z, z > 0), (alpha * z, z <= 0))),
    (r"\begin{cases} 1 & z^{(l)}_i >= 0 \\ 0 & \text{otherwise} \tag{2} \end{cases}",
     Piecewise((1, z >= 0), (0, True))),
    (r"\begin{cases} 1 & i = j \\ 0 & i \ne j \end{cases}",
     Piecewise((1, Eq(i, j)), (0, sympy.Ne(i, j)))),
]


@pytest.mark.parametrize(("latex", "expected"), SIDES, ids=[s for s, _ in SIDES])
def test_function_notation_reads_as(latex: str, expected: sympy.Basic) -> None:
    got = side(latex)
    assert got == expected or sympy.simplify(got - expected) == 0, got


def test_a_declared_name_is_the_documents_not_the_registrys() -> None:
    """`g` is declared by the chapter; `\\sigma` declared by a document is its own function."""
    front = FRONT.replace("[functions]\n", "[functions]\n\"\\\\sigma\" = 1\n")
    (eq,) = parse(r"\sigma(z^{(l)}_i) = 0", front)
    assert isinstance(eq, Equation) and eq.lhs.expr == Call("\\sigma", z)


ERRORS = [  # (formula, words of the message, column of the caret)
    (r"\alpha = |\alpha", "no closing `|`", 10),
    (r"\alpha = |\,|", "needs something between its bars", 10),
    (r"\alpha = \max(\alpha)", "takes at least 2 arguments, got 1", 10),
    (r"\alpha = \max_{j} \alpha", "over an index is not supported", 14),
    (r"\alpha = \max \alpha", "must be applied to its arguments", 10),
    (r"\alpha = \mathrm{ReLU}(\alpha, \alpha)", "takes 1 argument, got 2", 10),
    (r"\alpha = \begin{cases} 1 & \text{whenever } \alpha > 0 \end{cases}",
     "`whenever` in a condition", 28),
    (r"\alpha = \begin{cases} 1 & \alpha \end{cases}", "a condition must be one relation", 28),
    (r"\alpha = \mathbb{1}\{\}", "an indicator needs a condition", 10),
]


@pytest.mark.parametrize(("latex", "words", "col"), ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_function_notation_is_a_placed_error(latex: str, words: str, col: int) -> None:
    rows = parse(latex)
    errors = [r for r in rows if isinstance(r, RowError)]
    assert errors, rows
    err: InputError = errors[0].error
    assert words in err.message, err.message
    assert err.span is not None and err.span.col == col, err.render()


def test_the_tables_agree_with_the_registry() -> None:
    """Each layer's table is read from derive.functions: the parse cache stores exactly what
    the arithmetic parser returns, and the evaluator has a number for every function."""
    from derive import arithcache, numbers

    x = sympy.Symbol("x")
    for cls in PARSED:
        assert arithcache.decode(arithcache.encode(cls(x, evaluate=False))) == cls(x)
    for cls in set(ELEMENTARY) - set(PARSED):
        with pytest.raises(TypeError):
            arithcache.encode(cls(x) if cls not in (Max, Min) else cls(x, 0))
    assert set(numbers.NUMERIC_FUNCS) == set(ELEMENTARY)
    assert set(BY_SPELLING) == {s for f in NAMED for s in f.spellings}


def test_tanh_primed_is_its_derivative_and_a_power_of_tanh_passes_through() -> None:
    assert side(r"\tanh^{\prime}(z^{(l)}_i)") == 1 - tanh(z) ** 2
    assert side(r"\tanh'(z^{(l)}_i)") == 1 - tanh(z) ** 2
    assert side(r"\tanh^2(z^{(l)}_i)") == tanh(z) ** 2
    assert side(r"\tanh z^{(l)}_i") == tanh(z)
