"""The parser and the notation layer, case by case: (LaTeX, expected SymPy structure) tables.

Kept as SymPy keeps `sympy/parsing/tests/test_latex_lark.py`: each table row is one construct,
the expected value is built here from `derive.expr`'s node classes and SymPy (never from the
parser's own output), and constructs the notation does not read yet are strict xfails, so that
supporting one turns its row into a failure asking for the mark to be removed.

Everything goes through the public entry: a Markdown document with the shipped chapter's
notation (its front matter) is read by `parse_document`, and its one display formula is parsed
by `derive.latex.parse_formula` in the document's `Scope`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy
from sympy import Integer, KroneckerDelta, Rational, Sum

from derive.document import parse_document
from derive.errors import InputError
from derive.expr import (
    BatchProduct,
    BatchSum,
    Call,
    Partial,
    Prime,
    Quantity,
    Vec,
    Width,
    to_latex,
)
from derive.latex import Equation, Index, RowError, Scalar, Scope, Size, parse_formula
from derive.notation import notation_from_front

CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"


def _front() -> str:
    text = CHAPTER.read_text(encoding="utf-8")
    return text[: text.index("-->") + 3] + "\n"


FRONT = _front()  # read once; the notation only (the chapter's formulas are not used)


def parse(latex: str) -> list[Equation | RowError]:
    """The rows of one display formula `latex`, parsed with the chapter's notation."""
    doc = parse_document(FRONT + "\n$$\n" + latex + "\n$$\n", "case.md")
    (formula,) = doc.formulas
    return parse_formula(formula, Scope(notation_from_front(doc.front, doc.file), formula))


def side(latex: str) -> sympy.Basic:
    """What one side `latex` parses to (written as the left side of `... = 0`)."""
    (eq,) = parse(latex + " = 0")
    assert isinstance(eq, Equation), eq.error.render()
    return eq.lhs.expr


# -- the structures, built by hand --------------------------------------------------------------

i, j, k, l = (Index(c) for c in "ijkl")  # noqa: E741 -- the chapter's layer index
n, m = Size("n"), Size("m")
alpha = Scalar("\\alpha")
L = Quantity("\\mathcal{L}", (), ())


def q(name: str, layer: sympy.Basic | None, *indices: sympy.Basic) -> Quantity:
    return Quantity(name, () if layer is None else (layer,), indices)


def C(layer: sympy.Basic) -> Width:
    return Width("C", layer)


SIDES = [
    # indexed quantities: layer tag and neuron indices, braces or not
    (r"z^{(l)}_i", q("z", l, i)),
    (r"z^{(l)}_{i}", q("z", l, i)),
    (r"z^{(l+1)}_i", q("z", l + 1, i)),
    (r"w^{(l)}_{ij}", q("w", l, i, j)),
    (r"w_{ji}^{(l)}", q("w", l, j, i)),
    (r"b_i^{(l)}", q("b", l, i)),
    (r"\delta^{(l+1)}_j", q("\\delta", l + 1, j)),
    (r"a^{(n)}_i", q("a", n, i)),
    (r"a^{(n-1)}_i", q("a", n - 1, i)),
    (r"y_j", q("y", None, j)),
    (r"\hat{y}_i", q("\\hat{y}", None, i)),
    (r"\mathcal{L}", L),
    (r"\alpha", alpha),
    # arithmetic around them
    (r"\frac{1}{2} \alpha", Rational(1, 2) * alpha),
    (r"\dfrac{1}{2} \alpha", Rational(1, 2) * alpha),
    (r"- \alpha", -alpha),
    (r"\alpha \times \alpha", alpha**2),
    (r"\alpha \cdot \alpha", alpha**2),
    (r"\alpha * \alpha", alpha**2),  # as plain-text notes write a product
    (r"0.01 \alpha", Rational(1, 100) * alpha),  # a decimal is exact, not a binary float
    (r"\pi \alpha", sympy.pi * alpha),  # the number, as the notation does not declare it
    (r"\alpha^{-1}", 1 / alpha),
    (r"\left( 1 - \alpha \right)^2", (1 - alpha) ** 2),
    (r"\sqrt{\alpha}", sympy.sqrt(alpha)),
    (r"e^{-\alpha}", sympy.exp(-alpha)),
    (r"\exp(\alpha)", sympy.exp(alpha)),
    (r"\ln(\alpha)", sympy.log(alpha)),
    (r"\log(\alpha)", sympy.log(alpha)),  # the natural logarithm, as these texts mean it
    (r"\log \alpha", sympy.log(alpha)),
    (r"\frac{\alpha}{m}", alpha / m),
    (r"(y_i - a^{(n)}_i)^2", (q("y", None, i) - q("a", n, i)) ** 2),
    # functions and their derivatives
    (r"g(z^{(l)}_i)", Call("g", q("z", l, i))),
    (r"g^{\prime}(z^{(l)}_i)", Prime("g", q("z", l, i))),
    (r"g'(z^{(l)}_i)", Prime("g", q("z", l, i))),
    (r"\mathrm{softmax}(\mathbf{a}^{(n)}, j)", Call("\\mathrm{softmax}", Vec("a", (n,)), j)),
    # functions known by name (derive.functions; more in test_functions_parser.py)
    (r"|\alpha|", sympy.Abs(alpha)),
    (r"\max(\alpha, 0)", sympy.Max(alpha, 0)),
    # derivatives: partial, total, with or without braces
    (r"\frac{\partial{\mathcal{L}}}{\partial{z^{(l)}_i}}", Partial(L, q("z", l, i))),
    (r"\frac{\partial \mathcal{L}}{\partial z^{(l)}_i}", Partial(L, q("z", l, i))),
    (r"\frac{\partial{\mathcal{L}}}{\partial{w_{ij}^{(l)}}}", Partial(L, q("w", l, i, j))),
    (r"\frac{d \mathcal{L}}{d \alpha}", Partial(L, alpha, total=True)),
    # a sum inside what is differentiated binds its own index: the variable's j stays free
    # (alpha-conversion: the dummy is renamed j')
    (r"\frac{\partial (\frac{1}{2} \sum_{j=1}^{C_n} (y_j - a^{(n)}_j)^2)}{\partial a^{(n)}_j}",
     Partial(Rational(1, 2) * Sum((q("y", None, Index("j'")) - q("a", n, Index("j'"))) ** 2,
                                  (Index("j'"), 1, C(n))), q("a", n, j))),
    # sums: bounds are widths of a layer; the batch sum; excluded indices
    (r"\sum_{j=1}^{C_l} w^{(l)}_{ij} a^{(l)}_j",
     Sum(q("w", l, i, j) * q("a", l, j), (j, 1, C(l)))),
    (r"\sum_{j=1}^{C_{l+1}} \delta^{(l+1)}_j", Sum(q("\\delta", l + 1, j), (j, 1, C(l + 1)))),
    # UFLDL's s_{(l+1)}: a bracketed term of an index expression
    (r"\sum_{j=1}^{C_{(l+1)}} \delta^{(l+1)}_j", Sum(q("\\delta", l + 1, j), (j, 1, C(l + 1)))),
    (r"\sum_{k=1}^{C_n} y_k", Sum(q("y", None, k), (k, 1, C(n)))),
    (r"\sum_{j \ne i}^{C_n} y_j", Sum((1 - KroneckerDelta(i, j)) * q("y", None, j), (j, 1, C(n)))),
    (r"\sum_x \delta^{(l+1)}_i", BatchSum(q("\\delta", l + 1, i), "x")),
    # products: bounded as sums are, over the batch as its sums are; an excluded factor is 1
    (r"\prod_{j=1}^{C_n} y_j", sympy.Product(q("y", None, j), (j, 1, C(n)))),
    (r"\prod_{j \ne i}^{C_n} y_j",
     sympy.Product(q("y", None, j) ** (1 - KroneckerDelta(i, j)), (j, 1, C(n)))),
    (r"\prod_x \delta^{(l+1)}_i", BatchProduct(q("\\delta", l + 1, i), "x")),
    # the Kronecker delta: two indices, no layer tag (the error is \delta^{(l)}_j)
    (r"\delta_{ij}", KroneckerDelta(i, j)),
    # an unbraced argument is one token, and a digit is one token (TeX): 1/2, then 3/2
    (r"\tfrac12 \alpha", Rational(1, 2) * alpha),
    # `\log` is natural; a written base is kept
    (r"\log_2 \alpha", sympy.log(alpha) / sympy.log(2)),
    (r"\log_{10}(\alpha + 1)", sympy.log(alpha + 1) / sympy.log(10)),
    (r"\frac{1}23 \alpha", Rational(3, 2) * alpha),
    (r"\frac{12}{3} \alpha", 4 * alpha),
]

GAPS: list[tuple[str, sympy.Basic, str]] = [  # (LaTeX, what it means, why it is not read yet)
]

ROUND_TRIP_GAPS: dict[str, str] = {  # LaTeX of a SIDES row -> why printing it back differs
    r"\frac{\partial (\frac{1}{2} \sum_{j=1}^{C_n} (y_j - a^{(n)}_j)^2)}{\partial a^{(n)}_j}":
        "the renamed dummy j' prints as j', which is no sum index a text writes",
}


@pytest.mark.parametrize(("latex", "expected"), SIDES, ids=[s for s, _ in SIDES])
def test_side_parses_to(latex: str, expected: sympy.Basic) -> None:
    assert side(latex) == expected


@pytest.mark.parametrize(("latex", "expected"), [
    pytest.param(s, e, id=s, marks=pytest.mark.xfail(reason=why, strict=True))
    for s, e, why in GAPS])
def test_known_gap(latex: str, expected: sympy.Basic) -> None:
    (eq,) = parse(latex + " = 0")
    assert isinstance(eq, Equation) and eq.lhs.expr == expected


@pytest.mark.parametrize(("latex", "expected"), [
    pytest.param(s, e, id=s, marks=[pytest.mark.xfail(reason=ROUND_TRIP_GAPS[s], strict=True)]
                 if s in ROUND_TRIP_GAPS else []) for s, e in SIDES])
def test_to_latex_round_trip(latex: str, expected: sympy.Basic) -> None:
    """What the tool prints back (`to_latex`, in the document's notation) reads as the same."""
    assert side(to_latex(expected)) == expected


# -- rows: relations, chains, environments ------------------------------------------------------


def test_relations_give_the_kind_of_row() -> None:
    (eq,) = parse(r"w^{(l)}_{ij} \leftarrow w^{(l)}_{ij} - \alpha")
    assert (eq.kind, eq.lhs.expr, eq.steps[0].expr) == (
        "update", q("w", l, i, j), q("w", l, i, j) - alpha)
    (eq,) = parse(r"y_i \in \{0, 1\}")
    assert (eq.kind, eq.lhs.expr, eq.steps[0].expr) == (
        "assumption", q("y", None, i), sympy.FiniteSet(0, 1))
    (eq,) = parse(r"\delta^{(l)}_i = \frac{\partial{\mathcal{L}}}{\partial{z^{(l)}_i}}")
    assert eq.kind == "equation" and eq.steps[0].expr == Partial(L, q("z", l, i))


def test_a_chain_is_one_equation_with_a_step_per_side_and_line() -> None:
    rows = parse("\\begin{split}\\delta^{(l)}_i &= \\ g(z^{(l)}_i) \\\\\n"
                 "&= \\ g^{\\prime}(z^{(l)}_i) \\\\\n"
                 "a^{(l)}_i &= \\ g(z^{(l)}_i).\\end{split}")
    assert [type(r) for r in rows] == [Equation, Equation]
    chain, second = rows
    assert [s.expr for s in chain.steps] == [Call("g", q("z", l, i)), Prime("g", q("z", l, i))]
    assert chain.step_lines == (chain.line, chain.line + 1)  # each step at its own line
    assert (second.number, second.lhs.expr, second.line) == (2, q("a", l, i), chain.line + 2)


def test_the_sides_keep_their_source_text() -> None:
    (eq,) = parse(r"z^{(l+1)}_i = \ b^{(l)}_i + \sum_{j=1}^{C_l}w^{(l)}_{ij}a^{(l)}_j")
    assert eq.lhs.latex == "z^{(l+1)}_i"
    assert eq.steps[0].expr == q("b", l, i) + Sum(q("w", l, i, j) * q("a", l, j), (j, 1, C(l)))
    assert eq.steps[0].latex.strip().endswith(r"a^{(l)}_j")


def test_cases_give_one_piecewise_value() -> None:
    got = side("\\begin{cases} - \\hat{y}_j \\hat{y}_i & & i \\ne j \\\\\n"
               "\\hat{y}_i (1 - \\hat{y}_i) & & i = j \\end{cases}")
    yi, yj = q("\\hat{y}", None, i), q("\\hat{y}", None, j)
    # whatever form the two cases take, they are the value at i = j and at i != j
    assert got.xreplace({j: i}).equals(yi * (1 - yi)) or sympy.simplify(
        got.xreplace({j: i}) - yi * (1 - yi)) == 0
    assert sympy.simplify(got.xreplace({i: Integer(1), j: Integer(2)})
                          - (-yj * yi).xreplace({i: Integer(1), j: Integer(2)})) == 0


# -- bad input: a placed message, one row at a time ---------------------------------------------

ERRORS = [  # (formula, words of the message, column of the caret on the formula's line)
    (r"q = 0", "unknown symbol `q`", 1),
    (r"\alpha = q", "unknown symbol `q`", 10),
    (r"z_i = 0", "needs a layer tag", 1),
    (r"\nabla \mathcal{L} = 0", "with respect to: \\nabla_a C", 1),
    (r"\oint \mathcal{L} = 0", "unsupported LaTeX command `\\oint`", 1),
    (r"\alpha = \log_{\alpha} 2", "base must be a number", 14),
    (r"\alpha = \frac{1}{2", "unbalanced `{`", 18),
    (r"\begin{split} \alpha = 0", "never closed", 1),
    (r"\alpha = |\alpha", "no closing `|`", 10),
    (r"\alpha = 1 2", "two numbers side by side", 12),
    (r"\alpha = \left \alpha", "`\\left` must be followed by a bracket", 10),
    (r"\alpha = \partial \alpha", "`\\partial` outside a derivative fraction", 10),
    (r"\alpha = \prime", "`\\prime` must follow a function name", 10),
    (r"\alpha = }", "unbalanced `}`: nothing opened it", 10),
    (r"\alpha = \alpha !", "unexpected `!`", 17),
    (r"\alpha = (\alpha = 1)", "unexpected `=` inside an expression", 18),
]


@pytest.mark.parametrize(("latex", "words", "col"), ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_row_is_a_placed_error(latex: str, words: str, col: int) -> None:
    try:
        rows = parse(latex)
    except InputError as exc:  # the whole formula cannot be cut into rows
        err = exc
    else:
        errors = [r for r in rows if isinstance(r, RowError)]
        assert errors, f"{latex!r} parsed: {rows}"
        err = errors[0].error
    assert words in err.message
    assert err.span is not None and err.span.col == col, err.render()
    assert err.span.source_line.strip() == latex.strip()  # the caret is under the source line


def test_one_bad_row_does_not_stop_the_others() -> None:
    rows = parse("\\begin{split}q &= 0 \\\\\n\\alpha &= 1\\end{split}")
    assert [type(r) for r in rows] == [RowError, Equation]
    assert rows[1].lhs.expr == alpha and rows[1].steps[0].expr == 1


# -- the notation layer: what the front matter says each name is --------------------------------

OWN = '''<!-- derive
[roles]
layers = "L"
width = "N"
batch = "B"
loss = "E"
[quantities.h]
layers = "1..L"
shape = ["N_l"]
[quantities.v]
layers = "1..L-1"
shape = ["N_{l+1}", "N_l"]
parameter = true
given = true
[quantities.E]
[functions]
"\\\\sigma" = 1
-->
'''


def own(latex: str) -> sympy.Basic:
    doc = parse_document(OWN + "\n$$\n" + latex + " = 0\n$$\n", "own.md")
    (formula,) = doc.formulas
    (eq,) = parse_formula(formula, Scope(notation_from_front(doc.front, doc.file), formula))
    assert isinstance(eq, Equation), eq.error.render()
    return eq.lhs.expr


OWN_SIDES = [  # a document's own names for the sizes and quantities
    (r"h^{(L)}_k", q("h", Size("L"), k)),
    (r"\sum_{j=1}^{N_l} v^{(l)}_{ij} h^{(l)}_j", Sum(q("v", l, i, j) * q("h", l, j),
                                                   (j, 1, Width("N", l)))),
    (r"\frac{1}{B} \sum_x E", BatchSum(Quantity("E", (), ()), "x") / Size("B")),
    (r"\sigma(h^{(l)}_i)", Call("\\sigma", q("h", l, i))),
    (r"\frac{\partial E}{\partial v^{(l)}_{ij}}", Partial(Quantity("E", (), ()), q("v", l, i, j))),
]


@pytest.mark.parametrize(("latex", "expected"), OWN_SIDES, ids=[s for s, _ in OWN_SIDES])
def test_a_documents_own_notation(latex: str, expected: sympy.Basic) -> None:
    assert own(latex) == expected


def test_names_of_the_chapter_are_unknown_in_another_notation() -> None:
    doc = parse_document(OWN + "\n$$\nw^{(l)}_{ij} = 0\n$$\n", "own.md")
    (formula,) = doc.formulas
    (row,) = parse_formula(formula, Scope(notation_from_front(doc.front, doc.file), formula))
    assert isinstance(row, RowError) and "unknown symbol `w`" in row.error.message


@pytest.mark.parametrize(("front", "words"), [
    ({"colour": 1}, "unknown key(s) ['colour']"),
    ({"roles": {"depth": "n"}}, "roles: unknown key(s) ['depth']"),
    ({"quantities": {"w": {"layer": "1..n"}}}, "quantities.w: unknown key(s) ['layer']"),
    ({"quantities": {"w": 3}}, "quantities.w must be a table"),
    ({"functions": {"g": 0}}, "functions.g must be its number of arguments"),
])
def test_bad_front_matter_is_an_input_error(front: dict, words: str) -> None:
    with pytest.raises(InputError) as info:
        notation_from_front(front, "doc.md")
    assert words in info.value.message
    assert (info.value.span.file, info.value.span.line) == ("doc.md", 1)


def test_the_front_matter_decides_what_each_name_is() -> None:
    doc = parse_document(OWN + "\n$$\nE = 0\n$$\n", "own.md")
    notation = notation_from_front(doc.front, doc.file)
    assert [notation.kind(x) for x in ("h", "v", "\\sigma", "L", "B", "N", "w")] == [
        "quantity", "quantity", "function", "size", "size", "width", None]
    assert notation.quantities["v"].parameter and not notation.quantities["h"].parameter
    assert notation.quantities["v"].shape == ("N_{l+1}", "N_l")


# -- readings beyond the names as written (said as "read as" facts) -----------------------------

def test_a_tagless_quantity_is_read_at_the_left_sides_one_layer() -> None:
    (eq,) = parse(r"\delta^{(l)}_i = \frac{\partial \mathcal{L}}{\partial z^{(l)}_i} = g^{\prime}(z_i)"
                  r" \sum_{j=1}^{C_{l+1}} w^{(l)}_{ji} \delta^{(l+1)}_j")
    assert isinstance(eq, Equation), eq.error.render()
    assert eq.steps[1].expr.has(Prime("g", q("z", l, i)))
    (reading,) = eq.readings
    assert reading.endswith(": $z$ is written without its layer tag in a derivation whose left "
                            "side is at layer $l$: read as $z$ of that layer")
    # only the variable of the derivation (∂/∂z^{(l)}) is lent the layer: else the error
    (other,) = parse(r"\delta^{(l)}_i = g^{\prime}(z_i) \sum_{j=1}^{C_{l+1}} w^{(l)}_{ji}"
                     r" \delta^{(l+1)}_j")
    assert isinstance(other, RowError) and "`z` needs a layer tag" in other.error.message
    # a left side with no layer of its own (or two) lends none: still the error
    (bad,) = parse(r"a_i = g(z_i)")
    assert isinstance(bad, RowError) and "needs a layer tag" in bad.error.message
    (two,) = parse(r"\delta^{(l)}_i + \delta^{(l+1)}_i = g(z_i)")
    assert isinstance(two, RowError) and "`z` needs a layer tag" in two.error.message


def test_values_an_equation_is_stated_for() -> None:
    (eq,) = parse(r"\delta^{(l)}_i = g(z^{(l)}_i) \quad (l = 2, 3)")
    assert isinstance(eq, Equation) and eq.holds_for == (("l", (2, 3)),)
    (eq,) = parse(r"\delta^{(l)}_i = g(z^{(l)}_i) \quad (i = 1, 2, \ldots, C_l)")
    assert isinstance(eq, Equation) and eq.holds_for == ()  # a range: no values to list
