"""Documents that define their forward model again section by section (one neuron per layer,
then vectors) are read part by part, each part in the notation of its own formulas
(derive.infer.parts); `\\underbrace{X}_{label}` reads as X; `C_i(a)` beside `\\partial C` is a
partial of the function C, not an entry of a vector C."""

from pathlib import Path

import pytest

from derive.check import check_file
from derive.document import read_document
from derive.infer import infer
from derive.infer.parts import notation_parts
from derive.latex.tokens import tokenize
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).resolve().parent / "data" / "parts"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
V, R, D, E = Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR


def _first_lines(name: str) -> list[int]:
    return [p[0].line for p in notation_parts(read_document(DATA / name))]


def test_a_section_that_defines_the_model_again_starts_a_part():
    assert _first_lines("buildup.md") == [8, 51]


def test_a_summary_that_repeats_the_forward_pass_starts_none():
    assert _first_lines("restated.md") == [6]


def test_fixed_layers_and_recursions_start_none():
    # z^1 = w^1 x + b^1 is one network of fixed layers, not a notation of its own
    assert _first_lines("fixed_layers.md") == [6]


def test_each_part_is_checked_in_its_own_notation():
    """Scalars, then vectors: without parts, w^l is read as a matrix in the scalar section
    and nothing is checked; with them, the correct forms verify and each planted slip is
    refuted at its line with its diagnosis."""
    rep = check_file(DATA / "buildup.md")
    assert_verdicts(rep, [
        (9, D, None), (10, D, None),
        (17, V, None), (21, V, None),
        (25, R, "wrong layer"),  # a^l for a^{l-1}
        (29, V, None),
        (34, D, None),  # \underbrace{...}_{=:\delta^l}: the text names delta^l so
        (34, V, None), (35, V, None),  # \underbrace{a^{l-1}}
        (39, R, "extra factor"),  # dC/db^l = dC/dz^l dz^l/dw^l: w for b
        (43, R, "missing factor"),  # sigma'(z^l) left out
        (52, D, None), (53, D, None), (58, D, None),
        (64, E, None),  # C_i(a^L): a partial of C, not read; C stays the scalar cost
        (68, V, None), (72, V, None),
        (76, R, "transpose"),  # W^{l+1} for its transpose
    ])
    assert rep.results[14].message.startswith("`C` takes 0 indices")
    assert sum("part 2 of the text, from line 51" in n for n in rep.notes) == 1
    # the formulas are numbered on from one part to the next: no number is used twice
    first = {r.formula for r in rep.results if r.line < 51}
    assert min(r.formula for r in rep.results if r.line >= 51) > max(first)


def test_only_gives_the_whole_checks_results():
    whole = check_file(DATA / "buildup.md")
    from derive.check import check_document

    doc = read_document(DATA / "buildup.md")
    last = whole.results[-1].formula
    part = check_document(doc, only=frozenset({last}))
    assert part.results == tuple(r for r in whole.results if r.formula == last)


def test_a_restated_model_is_checked_in_the_same_part():
    assert_verdicts(check_file(DATA / "restated.md"), [
        (7, D, None), (8, D, None), (13, D, None), (19, V, None),
        (28, V, None), (29, V, None), (34, V, None),
        (38, R, "wrong layer"),  # delta^{l+1} for delta^l
    ])


def test_underbrace_reads_as_what_it_braces():
    from derive.document import Formula

    f = read_document(DATA / "buildup.md").formulas[0]
    text = r"\underbrace{a^{l-1}}_{n \times 1} + \underbrace{w x + b}_{=1} \overbrace{c}^{d}"
    toks = [t.text for t in tokenize(text, f if isinstance(f, Formula) else f)]
    assert toks == ["a", "^", "{", "l", "-", "1", "}", "+", "{", "w", "x", "+", "b", "}", "c"]


def test_a_subscripted_call_of_the_cost_is_no_entry_of_it():
    inferred = infer(read_document(DATA / "buildup.md"))
    assert "shape" not in inferred.front["quantities"].get("C", {})


@pytest.mark.skipif(not (CORPUS / "koerbitz_reinventing-backprop.md").exists(),
                    reason="the corpus is not at ../shared/corpus/")
def test_koerbitz_is_read_in_two_parts():
    path = CORPUS / "koerbitz_reinventing-backprop.md"
    assert [p[0].line for p in notation_parts(read_document(path))] == [137, 436]
    rep = check_file(path)
    by_line = {r.line: r.status for r in rep.results}
    assert by_line[137] is V  # the chain rule in variables of its own
    assert by_line[342] is D  # delta^l := dC/dz^l, with C the scalar cost
    # the slips the text makes in its L-layer section: dC/db^l = dC/dz^l dz^l/dw^l, with
    # dz^l/dw^l = a^{l-1} written for dz^l/db^l = 1 (the next step, = delta^l, is right); and
    # the summary's delta^l = w^{l+1} delta^{l+1} (line 408), without the g'(z^l) its own
    # derivation (line 377) has, g being the non-linear activation the prose says
    assert {r.line for r in rep.results if r.status is R} == {357, 358, 408}
    assert by_line[359] is V and by_line[355] is V and by_line[377] is V
    # the input is a^0 = x: z^1, w^1 are the first layer's
    assert by_line[271] is not E and by_line[294] is not E


def test_an_environment_name_inside_a_row_is_no_use_of_its_letters():
    from derive.infer.scan import _rows

    f = read_document(DATA / "buildup.md").formulas[0]
    import dataclasses

    row = dataclasses.replace(f, text=r"X = A^0 = \begin{bmatrix} x^1 & x^2 \end{bmatrix}")
    names = {o.name for r in _rows(row) for o in r.occs}
    assert names == {"X", "A", "x"}
