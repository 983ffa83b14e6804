"""Vectors written as the list of their entries (`x = (x_1, \\ldots, x_n)^T`) and per-sample
costs written with the sample as a subscript (`C_x`, `\\sum_x C_x`), read without front matter
(tests/data/components): the lists are notation facts (x stays given), the cost of one sample is
the loss, and the derivation that follows verifies; its planted slips are refuted at their line
with the right diagnosis."""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.cli import main
from derive.results import Status

DATA = Path(__file__).parent / "data" / "components"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED


def _by_line(name: str) -> dict[int, object]:
    return {r.line: r for r in check_file(DATA / name).results}


def test_component_lists_are_notation_not_definitions():
    results = _by_line("entries.md")
    for line in (5, 7, 11):  # x, a^1 and y written by their entries
        assert results[line].status == D
        assert "vector of the entries listed" in results[line].message
    assert results[9].status == D  # a^1_j = x_j: the input layer is the input
    assert results[9].message == "taken as a definition of the model"


def test_correct_derivation_verifies():
    results = check_file(DATA / "entries.md").results
    claims = [(r.line, r.status) for r in results if r.status != D]
    assert claims == [(29, V), (31, V), (35, V), (39, V), (41, V)]


def test_slips_are_refuted_with_their_diagnosis():
    results = _by_line("entries-slips.md")
    expected = {31: "sign", 35: "swapped indices: $w^{l + 1}_{jk}$ should be $w^{l + 1}_{kj}$",
                41: "wrong layer: $a^{l}_{k}$ should be $a^{l - 1}_{k}$"}
    for line, words in expected.items():
        assert results[line].status == R, line
        assert words in (results[line].diagnosis or ""), (line, results[line].diagnosis)
    for line in (29, 39):
        assert results[line].status == V


def test_notation_reads_inputs_as_given_and_the_sample_as_x(capsys):
    assert main(["notation", str(DATA / "entries.md")]) == 0
    out = capsys.readouterr().out
    assert "xᵢ: i in 1..K₁, given" in out
    assert "yᵢ: i in 1..K_L, given" in out
    assert 'sample = "x"' in out
    assert "the loss C" in out


def test_a_list_of_another_quantitys_entries_is_no_notation_fact(tmp_path):
    """`a^{1} = (x_1, ..., x_n)^T` defines a^1 from x: it is not read as x's own entries."""
    text = (DATA / "entries.md").read_text().replace(
        "a^{1} = \\left( a^{1}_{1}, a^{1}_{2}, \\ldots, a^{1}_{n} \\right)^{T}",
        "a^{1} = \\left( a^{1}_{1}, x_{2}, \\ldots, a^{1}_{n} \\right)^{T}")
    doc = tmp_path / "mixed.md"
    doc.write_text(text)
    results = {r.line: r for r in check_file(doc).results}
    assert "vector of the entries listed" not in (results[7].message or "")


def test_layers_written_out_before_the_generic_definition():
    """a^{1}_j = x_j, z^{2}_j = ..., a^{2}_j = ... before z^{l}_j = ...: each defines its own
    layer; `\\quad (l = 2, 3)` after a row says where it holds and is no part of it."""
    results = _by_line("per-layer.md")
    assert [results[n].status for n in (5, 7, 9, 13, 15, 19, 21, 23)] == [D] * 8
    assert results[25].status == V and results[27].status == V
    assert results[29].status == R
    assert "wrong layer: $a^{2}_{k}$ should be $a^{1}_{k}$" in (results[29].diagnosis or "")


def test_widehat_is_the_hat_the_text_defines(tmp_path):
    """C_x written with \\widehat{y}, the prediction defined as \\hat y_j = a^L_j: one quantity,
    so the cost depends on the output layer."""
    text = (DATA / "entries.md").read_text().replace(
        "$$ C_{x} = \\frac{1}{2} \\sum_{j} \\left( y_{j} - a^{L}_{j} \\right)^{2} $$",
        "$$ \\hat y_{j} = a^{L}_{j} $$\n\n"
        "$$ C_{x} = \\frac{1}{2} \\sum_{j} \\left( y_{j} - \\widehat{y}_{j} \\right)^{2} $$")
    doc = tmp_path / "widehat.md"
    doc.write_text(text)
    claims = [(r.latex, r.status) for r in check_file(doc).results if r.status != D]
    assert claims and all(s == V for _latex, s in claims), claims


def test_a_functions_arguments_are_no_component_list(tmp_path):
    """`\\max(x_1, x_2)`: the bracket holds the arguments of a function, not x's entries."""
    from derive.latex import Scope, tokenize
    from derive.notation import notation_from_front
    from derive.sources.document import Formula
    from derive.vecparse.form import vector_form

    text = "\\max(x_{1}, x_{2}) + f(x_{1}, x_{2})"
    formula = Formula(1, "t.md", text, ((0, 1, 1),), (text,), ())
    notation = notation_from_front({"quantities": {"x": {"shape": ["C_1"], "given": True}},
                                    "functions": {"f": 2}}, "t.md")
    scope = Scope(notation, formula)
    assert not vector_form(tokenize(text, formula), scope)
    listed = "\\left( x_{1}, \\ldots, x_{n} \\right)^{T}"
    formula = Formula(1, "t.md", listed, ((0, 1, 1),), (listed,), ())
    assert vector_form(tokenize(listed, formula), Scope(notation, formula))
