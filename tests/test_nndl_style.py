"""Nielsen's matrix forms (tests/data/nndl_style): the forward pass written before the text
defines it through the weighted input, `\\Sigma'(z)` as the diagonal matrix the prose defines,
and products or sums written with an ellipsis.

`forward.tex` writes `a^l_j = \\sigma(\\sum_k w a^{l-1}_k + b)` before the prose's `z^l \\equiv
w^l a^{l-1} + b^l` and `a^l = \\sigma(z^l)`: the self-feeding row is a claim checked against
that later definition (not against a model where a is an input). `diagonal.tex` says in its
prose that `\\Sigma'(z^l)` is the diagonal matrix of the `\\sigma'(z^l_j)`: the matrix forms of
BP1 and BP2 verify, and four slips are refuted with their diagnosis (a lost transpose, the order
of a product, a wrong layer, `\\odot` for a matrix product). `ellipsis.tex` writes the product
over the layers (checked written out, tests/test_ellipsis_products.py) and the sum over paths
with `\\ldots` (checked written out, tests/test_ellipsis_paths.py); and
`\\partial C / \\partial b = \\delta`, one neuron's bias and error without their tags: read
at one neuron (b^l_j, delta^l_j) and verified.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.errors import InputError
from derive.notation import notation_from_front
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "nndl_style"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
V, R, D, E, U = (Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.ERROR,
                 Status.UNCHECKED)

EXPECTED = {
    "forward.tex": [
        (4, V, None), (8, V, None),
        (12, R, "swapped indices: $w^{l}_{kj}$ should be $w^{l}_{jk}$"),
        (14, D, None), (15, D, None), (16, D, None), (18, D, None),
        (21, V, None), (24, V, None), (28, V, None), (28, V, None),
    ],
    "diagonal.tex": [
        (4, V, None), (8, V, None),
        (10, D, None), (11, D, None), (12, D, None), (14, D, None),
        (17, V, None), (20, V, None), (24, V, None), (24, V, None),
        (29, V, None), (32, V, None), (35, V, None),
        (40, R, "a transpose is missing: $w^{l+1}$ should be transposed"),
        (43, R, "the product's order is swapped"),
        (46, R, "wrong layer: $z^{l+1}$ should be $z^{l}$"),
        (49, R, "is written where a matrix product is meant"),
    ],
    "ellipsis.tex": [
        (4, D, None), (4, D, None), (6, D, None), (8, D, None),
        (12, V, None), (16, V, None), (20, V, None), (26, V, None),
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/nndl_style/{name}")
            for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_correct_forms_verify_and_slips_are_refuted_at_their_line(reports, name: str) -> None:
    assert_verdicts(reports[name], EXPECTED[name])


def test_the_forward_pass_before_its_definition_is_checked_against_it(reports) -> None:
    notes = reports["forward.tex"].notes
    for line in (4, 8, 12):
        assert (f"read as: line {line} writes the forward pass of $a$ before the text defines "
                "$a$ (line 15): it is checked against that definition") in notes
    assert "read as: $a$ is defined only in the prose: $a^l = \\sigma(z^l)$ at line 15 is taken " \
        "as its definition" in notes


def test_a_forward_pass_the_text_never_defines_otherwise_is_unknown_not_given(tmp_path) -> None:
    """Without the prose's a^l = sigma(z^l), a has no definition: what rests on it is not
    checked (before, a was read as a given parameter and the correct claims were refuted)."""
    text = (DATA / "forward.tex").read_text(encoding="utf-8")
    text = text.replace(", and then\n$a^l = \\sigma(z^l)$.", ".")
    doc = tmp_path / "undefined.tex"
    doc.write_text(text, encoding="utf-8")
    rep = check_file(doc, "undefined.tex")
    assert not any(r.status is R for r in rep.results)
    assert {r.status for r in rep.results} == {D, U}
    assert ("read as: $a$ is written only in its own forward pass, checked as a claim: no "
            "definition of it is read, what rests on it is not checked") in rep.notes


def test_the_prose_says_sigma_prime_is_a_diagonal_matrix(reports) -> None:
    notes = reports["diagonal.tex"].notes
    assert ("read as: $\\Sigma'(z^l)$ read as the diagonal matrix with $\\sigma'(z^l_j)$ on its "
            "diagonal, as the prose at line 26 says (to say otherwise: diagonal.\"\\Sigma'\")"
            ) in notes
    # no generic stand-in for \Sigma: it is the diagonal matrix
    assert not any("generic smooth $\\Sigma$" in n for n in notes)


@pytest.mark.parametrize("old, new", [
    ("whose diagonal entries are", "whose entries are"),  # no word for the diagonal
    ("$\\sigma'(z^l_j)$ and", "$\\sigma'(a^l_j)$ and"),  # the entries of another vector
])
def test_without_the_prose_sigma_prime_is_no_matrix(tmp_path, old: str, new: str) -> None:
    """The same document without what defines Sigma' in its sentence: nothing is read as a
    diagonal matrix, and the matrix forms are not verified (a shape mismatch, unchecked)."""
    text = (DATA / "diagonal.tex").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new)
    doc = tmp_path / "plain.tex"
    doc.write_text(text, encoding="utf-8")
    rep = check_file(doc, "plain.tex")
    at = {r.line: r for r in rep.results}
    assert at[29].status is U and "shape mismatch" in at[29].message
    assert not any("diagonal matrix" in n for n in rep.notes)


def test_an_ellipsis_is_said_not_misread(reports) -> None:
    at = {r.line: r for r in reports["ellipsis.tex"].results}
    # the product over layers: checked written out (tests/test_ellipsis_products.py)
    assert "the product over layers written out at" in at[16].message
    # the sum over paths: checked written out (tests/test_ellipsis_paths.py)
    assert "the path product written out at" in at[20].message
    assert "the dots written out over 1 layer, each with an index summed" in at[20].evidence
    # dC/db = delta: one neuron's bias and error written bare, read at one neuron
    # (derive.infer.neuron; tests/test_nndl_vector.py has its slips)
    assert ("read as: line 26 writes $\\delta$ and $b$ without their tags: read as one "
            "neuron's, $\\delta^{l}_{j}$ and $b^{l}_{j}$ (the same layer and neuron)"
            ) in reports["ellipsis.tex"].notes


def test_the_front_matter_key_diagonal() -> None:
    n = notation_from_front({"functions": {"\\Sigma": 1}, "diagonal": {"\\Sigma'": "\\sigma'"}},
                            "x.md")
    assert n.diagonal == {"\\Sigma'": "\\sigma'"}
    with pytest.raises(InputError, match="diagonal"):
        notation_from_front({"diagonal": {"\\Sigma'": 3}}, "x.md")


def test_corpus_nielsen_matrix_forms() -> None:
    path = CORPUS / "nndl_zh_nielsen_chap2.tex"
    if not path.exists():
        pytest.skip("the corpus document nndl_zh_nielsen_chap2.tex is absent (../shared/corpus)")
    rep = check_file(path, "nndl.tex")
    at = {r.line: r for r in rep.results}
    # the forward pass, BP1/BP2 with Sigma'(z), and eq. 35, their product over the layers
    for line in (70, 98, 402, 409, 414):
        assert at[line].status is V, (line, at[line].message)
    assert not any(r.status is R for r in rep.results)
    assert "the product over layers written out at" in at[414].message
