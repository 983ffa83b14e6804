"""A `Finding` in words: the one sentence each kind of diagnosis is printed as.

The quantities a finding names are LaTeX in the document's own notation; they are set in `$...$`
inside an English sentence. Most sentences are a label and what it says of the claim ("wrong
layer: $a^{(2)}$ should be $a^{(1)}$"); a verdict's message repeats the part after the label
(`detail`). The checker words its verdicts with these and every printer reads them from there,
so the command line, the reports, the Sphinx pages and the cached verdicts say the same.
"""

from __future__ import annotations

from collections.abc import Callable

from derive.results import Finding, FindingKind

K = FindingKind

_Words = Callable[[Finding], str]


def _should(f: Finding) -> str:
    written, fixed = f.quantities
    return f"${written}$ should be ${fixed}$"


def _product_order(f: Finding) -> str:
    first, then = map(_math, f.quantities)
    turned = f.param("transposed")
    if turned:  # `δ W` for `W^T δ`
        return (f"the product's order is swapped and {_math(turned)} should be transposed: "
                f"{first} comes before {then}")
    return f"the product's order is swapped: {first} comes before {then}"


def _math(x: object) -> str:
    return f"${x}$"


def _case(f: Finding) -> str:
    case = f.param("case")
    return "the case otherwise" if case is None else f"the case ${case}$"


def _constant(f: Finding) -> str:
    c = f.quantities[0]
    term = f.param("term")
    if term is None:
        return f"the right side is ${c}$ times the derived value"
    return f"the term ${term}$ is ${c}$ times the derived value; it should be ${f.param('fixed')}$"


def _extra_factor(f: Finding) -> str:
    term = f.param("term")
    where = "be on the right side" if term is None else f"be in the term ${term}$"
    return f"${f.quantities[0]}$ should not {where}"


def _missing_factor(f: Finding) -> str:
    term = f.param("term")
    factor = f.quantities[0]
    if term is not None and str(term).lstrip("- ").strip() == str(factor):
        # tanh' = 1 - tanh(x): the term is the factor itself, written once for its square
        return f"the term ${term}$ lacks a factor ${factor}$: ${factor}$ should be squared"
    where = "the right side" if term is None else f"the term ${term}$"
    return f"{where} lacks a factor ${factor}$"


def _wrong_case(f: Finding) -> str:
    others = f.param("agrees") or ()
    agreed = f" (where {', '.join(_math(c) for c in others)}, it agrees)" if others else ""
    return f"the value in {_case(f)} is not the derivative{agreed}"


def _odot_for_product(f: Finding) -> str:
    order = ", in the other order" if f.param("order") == "reversed" else ""
    return f"$\\odot$ is written where a matrix product is meant (${f.quantities[0]}${order})"


def _entry_count(f: Finding) -> str:
    written, wanted = f.quantities[:2]
    size = f.param("size")
    fixed = f" (${size}$, as its section fixes it)" if size else ""
    told = (f"has {written} entr{'y' if written == '1' else 'ies'} where the left side has "
            f"{wanted}{fixed}")
    if not (written.isdigit() and wanted.isdigit()):
        return f"the vector written by its entries {told}"
    if int(written) < int(wanted):
        return (f"the vector written by its entries {told}: an entry is left out, or two are "
                "written without the `\\\\` between them")
    return f"the vector written by its entries {told}: an entry too many"


# kind -> (the label the sentence starts with, or None; the rest of the sentence)
_WORDS: dict[FindingKind, tuple[str | None, _Words]] = {
    K.SIGN: ("sign", lambda f: "the right side is the negative of the derived value"),
    K.CONSTANT_FACTOR: ("constant factor", _constant),  # "... in one term" with a `term`
    K.SWAPPED_INDICES: ("swapped indices", lambda f: "{} and {} are exchanged on the right side"
                        .format(*map(_math, f.quantities))),
    K.INDEX_ORDER: ("swapped indices", _should),
    K.EXTRA_FACTOR: ("extra factor", _extra_factor),
    K.MISSING_FACTOR: ("missing factor", _missing_factor),
    K.FACTOR_SCOPE: ("extra factor", lambda f: f"${f.quantities[0]}$ should not apply to the "
                     f"term ${f.param('term')}$ (only to the rest of the sum)"),
    K.WRONG_INDEX: ("wrong index", _should),
    K.WRONG_VARIABLE: ("wrong variable", _should),
    K.WRONG_LAYER: ("wrong layer", _should),
    K.WRONG_QUANTITY: ("wrong quantity", _should),
    K.SUM_BOUND: ("sum bound", _should),
    K.SUM_RANGE: ("sum range", lambda f: "the sum over {0} should include every {0}"
                  .format(_math(f.quantities[0]))),
    K.SUM_OVERRUN: ("sum bound", lambda f: "the sum runs over indices the quantity does not have"),
    K.TERM_SIGN: ("sign of a term", lambda f: f"${f.quantities[0]}$ has the wrong sign"),
    K.EXTRA_TERM: ("extra term", lambda f: f"${f.quantities[0]}$ should not be there"),
    K.MISSING_TERM: ("missing term", lambda f: f"${f.quantities[0]}$ is left out"),
    K.PRODUCT_RULE_TERM: ("missing term of the product rule",
                          lambda f: f"${f.quantities[0]}$ is left out"),
    K.MISSING_SQUARE: ("missing square", _should),
    K.EXTRA_SQUARE: ("extra square", _should),
    K.MIN_FOR_MAX: ("min for max", _should),
    K.MAX_FOR_MIN: ("max for min", _should),
    K.ARGUMENT_SIGN: ("sign of an argument", _should),
    K.ACTIVATION: ("activation for its derivative", _should),
    K.OTHER_ACTIVATION: ("another layer's activation", lambda f: f"{_should(f)}, the derivative "
                         "of the activation the model applies there"),
    K.WRONG_DERIVATIVE: ("wrong derivative", lambda f: f"{_should(f)}, the derivative of "
                         f"${f.param('of')}$"),
    K.WRONG_CONDITION: ("wrong condition", lambda f: f"{_should(f)} (the step of the derivative "
                        "is the other way round)"),
    K.CASES_EXCHANGED: ("cases exchanged", lambda f: "the values of the cases {} and {} are "
                        "exchanged".format(*map(_math, f.quantities))),
    K.WRONG_CASE: ("wrong case", _wrong_case),
    K.NEEDLESS_TRANSPOSE: (None, lambda f: "the transpose of {0} is wrong: {0} itself fits"
                           .format(_math(f.quantities[0]))),
    K.MISSING_TRANSPOSE: (None, lambda f: f"a transpose is missing: ${f.quantities[0]}$ should "
                          "be transposed"),
    K.PRODUCT_ORDER: (None, _product_order),
    K.MATMUL_FOR_HADAMARD: (None, lambda f: "a matrix product is written where the element-wise "
                            f"product $\\odot$ is meant (${f.quantities[0]}$)"),
    K.HADAMARD_FOR_MATMUL: (None, _odot_for_product),
    K.ENTRY_COUNT: ("number of entries", _entry_count),
    K.ENTRIES_SWAPPED: ("entries swapped", lambda f: "the entries {} and {} of the vector "
                        "written by its entries are each in the other's place"
                        .format(*map(_math, f.quantities))),
}


def sentence(f: Finding) -> str:
    """The finding as the sentence `derive` prints: "missing factor: the right side lacks a
    factor $a_j$"."""
    if f.kind is K.IN_CASE:
        return f"in {_case(f)}: {sentence(_inner(f))}"
    if f.kind is K.UNDER_ASSUMPTION:
        return f"{sentence(_inner(f))} (when {f.param('assumption')})"
    label, words = _WORDS[f.kind]
    if f.kind is K.CONSTANT_FACTOR and f.param("term") is not None:
        label = "constant factor in one term"
    return words(f) if label is None else f"{label}: {words(f)}"


def detail(f: Finding) -> str:
    """The sentence without its label: what a verdict's message says after "differs from the
    derivation: " ("the right side lacks a factor $a_j$"). A finding in one case is the whole
    sentence of that case's finding; a sentence with no label is all detail."""
    if f.kind is K.IN_CASE:
        return sentence(_inner(f))
    if f.kind is K.UNDER_ASSUMPTION:
        return f"{detail(_inner(f))} (when {f.param('assumption')})"
    return _WORDS[f.kind][1](f)


def _inner(f: Finding) -> Finding:
    if f.inner is None:
        raise ValueError(f"a finding of kind {f.kind.value} qualifies no other")
    return f.inner


__all__ = ["detail", "sentence"]
