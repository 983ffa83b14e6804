"""Functions and losses the text uses but never defines (issues 10 and 11).

`tests/data/generic/` holds two documents (Nielsen's component form with `g` and `C`, UFLDL in
a `.tex` file with `f` and `J(W,b;x,y)`) that leave the activation and the cost open, once
correct and once with planted slips. What holds for every smooth activation and every smooth
loss (the recursion of the error terms, the gradients in terms of them) is checked against
random smooth stand-ins and verifies; a slip in it is refuted at its line with its diagnosis;
a claim that needs a particular loss (an output error `a - y`) is unchecked, with the reason,
never refuted, whether right or wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file, collect_model
from derive.cli import main
from derive.results import Status

DATA = Path(__file__).parent / "data" / "generic"
NEEDS_LOSS = "needs the loss; the text never defines it"


def _verdicts(name: str) -> dict[int, tuple[Status, str, str]]:
    rep = check_file(DATA / name, f"tests/data/generic/{name}")
    return {r.line: (r.status, r.message, r.diagnosis or "") for r in rep.results}


CORRECT = {
    "nielsen.md": {12: Status.DEFINITION, 18: Status.DEFINITION, 24: Status.DEFINITION,
                   30: Status.VERIFIED, 36: Status.VERIFIED, 42: Status.VERIFIED,
                   48: Status.VERIFIED, 54: Status.UNCHECKED, 61: Status.UNCHECKED},
    "ufldl.tex": {12: Status.DEFINITION, 13: Status.DEFINITION, 17: Status.DEFINITION,
                  21: Status.VERIFIED, 25: Status.VERIFIED, 29: Status.VERIFIED,
                  30: Status.VERIFIED, 34: Status.UNCHECKED},
}

# line -> the diagnosis's keyword; every other line as in the correct version
SLIPS = {
    "nielsen-slips.md": ("nielsen.md", {30: "activation for its derivative",
                                        36: "swapped indices", 48: "swapped indices",
                                        61: ""}),
    "ufldl-slips.tex": ("ufldl.tex", {25: "activation for its derivative",
                                      30: "wrong layer"}),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_document_verifies_for_a_generic_activation_and_loss(name: str) -> None:
    got = _verdicts(name)
    assert {line: v[0] for line, v in got.items()} == CORRECT[name]
    unchecked = {line: v[1] for line, v in got.items() if v[0] is Status.UNCHECKED}
    assert unchecked
    for line, why in unchecked.items():  # the output error a - y; g' as a(1 - a)
        assert NEEDS_LOSS in why or "needs $g$; the text never defines it" in why, (line, why)
    if 61 in got:
        assert "holds if $g$ is the logistic sigmoid" in got[61][1]


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_planted_slips_refuted_at_their_line(name: str) -> None:
    correct, slips = SLIPS[name]
    got = _verdicts(name)
    want = dict(CORRECT[correct]) | {line: Status.REFUTED for line in slips}
    assert {line: v[0] for line, v in got.items()} == want
    for line, keyword in slips.items():
        assert keyword in got[line][2], (line, got[line])


@pytest.mark.parametrize("name", ["nielsen-slips.md", "ufldl-slips.tex"])
def test_a_wrong_loss_specific_claim_is_not_refuted(name: str) -> None:
    """The output error with its sign flipped is wrong for the squared error, but the text
    never gives its loss: unchecked with the reason, not refuted."""
    got = _verdicts(name)
    line = 54 if name.endswith(".md") else 34
    assert got[line][0] is Status.UNCHECKED
    assert NEEDS_LOSS in got[line][1]


def test_evidence_says_what_was_generic() -> None:
    rep = check_file(DATA / "nielsen.md", "tests/data/generic/nielsen.md")
    recursion = next(r for r in rep.results if r.line == 36)
    assert recursion.status is Status.VERIFIED
    assert "generic smooth loss" in recursion.evidence
    assert "generic smooth $g$" in recursion.evidence
    bias = next(r for r in rep.results if r.line == 42)
    assert "generic smooth loss" in bias.evidence


def test_read_as_facts_name_the_stand_ins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DATA / "ufldl.tex"), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "f: a function the text never defines; checked for a generic smooth f" in out
    assert "J: a loss the text never defines; checked for a generic smooth loss" in out


def test_a_defined_activation_and_loss_are_not_replaced(tmp_path: Path) -> None:
    """With g and C defined, the output error a - y of the squared error verifies: the
    stand-ins are only for what the text never defines."""
    text = (DATA / "nielsen.md").read_text().split("If $g$ is the logistic sigmoid")[0]
    text = text.replace("and its activation is", "with\n\n$$\ng(t) = \\tanh(t)\n$$\n\nand the cost\n\n$$\n"
                        "C = \\frac{1}{2} \\sum_j (a^L_j - y_j)^2\n$$\n\nand its activation is")
    doc = tmp_path / "defined.md"
    doc.write_text(text)
    rep = check_file(doc, "defined.md")
    last = next(r for r in rep.results if r.latex.endswith("= a^L_j - y_j"))
    assert last.status is Status.VERIFIED, last.message
    assert "generic" not in last.evidence
    assert all(r.status in (Status.DEFINITION, Status.VERIFIED) for r in rep.results), [
        (r.line, r.status, r.message) for r in rep.results]


def test_a_name_for_the_output_is_not_an_input(tmp_path: Path) -> None:
    """`h_{W,b}(x) = a^{(n_l)}`: the text names what the right side is; h is no given input,
    so the row is not refuted against a random h."""
    text = (DATA / "ufldl.tex").read_text().replace(
        "The error term of", "The output is\n\\begin{equation}\nh_{W,b}(x) = a^{(n_l)}.\n"
        "\\end{equation}\nThe error term of")
    doc = tmp_path / "output.tex"
    doc.write_text(text)
    rep = check_file(doc, "output.tex")
    assert not [r for r in rep.results if r.status is Status.REFUTED]
    notation = collect_model(doc).notation
    assert not notation.quantities["h"].given


def test_the_trainer_never_trains_a_stand_in() -> None:
    """A random stand-in is for checking claims that hold for every function; `derive train`
    needs the activation the text means, so it refuses one it never defines."""
    from derive.spec import SpecError, load_spec

    with pytest.raises(SpecError, match="the activation g is used but never defined"):
        load_spec(DATA / "nielsen.md")


def test_a_function_named_by_a_word_gets_no_stand_in(tmp_path: Path) -> None:
    """`\\mathrm{softmax}(s)_k = ...` is the text's own softmax, misread as a one-argument call:
    a word means one function, never an arbitrary one, so the row is not refuted against a
    random softmax (a letter, f or g, is a generic function)."""
    text = (DATA / "nielsen.md").read_text().split("If $g$ is the logistic sigmoid")[0]
    text += "\n$$\n\\mathrm{softmax}(z^L)_j = \\frac{e^{z^L_j}}{\\sum_k e^{z^L_k}}\n$$\n"
    doc = tmp_path / "softmax.md"
    doc.write_text(text)
    rep = check_file(doc, "softmax.md")
    last = max(rep.results, key=lambda r: r.line)
    assert "softmax" in last.latex
    assert last.status is not Status.REFUTED, last.message


CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def test_corpus_ufldl_derivation_with_f_and_j_never_defined() -> None:
    """steven2358's notes (../shared/corpus/, read in place): f is never defined; J(W,b;x,y),
    one sample's cost, is read from the hypothesis h_{W,b}(x) = a^{(n_l)}. The chain rule and
    the error term verify for a generic f; the text's a_i for a_j in dz/dW is refuted
    (hand-checked: z_i = sum_j W_ij a_j + b_i); the squared error's output error verifies; the
    overall cost J(W,b), another quantity under the same name, is read as one of its own."""
    path = CORPUS / "steven2358_backprop.tex"
    if not path.exists():
        pytest.skip("the corpus ../shared/corpus/ is absent")
    rep = check_file(path, "../shared/corpus/steven2358_backprop.tex")
    by_line: dict[int, list] = {}
    for r in rep.results:
        by_line.setdefault(r.line, []).append(r)
    assert [r.line for r in rep.results if r.status is Status.REFUTED] == [205]
    found = by_line[205][0].finding  # the text's a_i for a_j: the index of a is wrong
    assert found is not None and found.kind.value == "wrong_index", by_line[205][0].diagnosis
    assert found.quantities == ("a^{(l)}_{i}", "a^{(l)}_{j}"), found.quantities
    for line in (159, 160, 199, 200, 213):
        assert all(r.status is Status.VERIFIED for r in by_line[line]), line
    assert by_line[229][0].status is Status.VERIFIED
    assert by_line[191][0].status is Status.VERIFIED  # the overall cost's gradient
    assert by_line[193][0].status is Status.ERROR  # y^{(i)} for y^{(k)}: two samples
    assert "not one sample" in by_line[193][0].message


def test_agreement_only_at_zero_is_no_evidence_for_a_candidate():
    """A stand-in's candidate (ReLU) excuses a claim only where the sides agree away from 0: a
    ReLU off at every point drawn makes every claim 0 = 0 there, which shows nothing."""
    from types import SimpleNamespace

    from derive.standins import shows_something

    zero = SimpleNamespace(lhs=0, rhs=0)
    assert not shows_something([zero, zero])
    assert not shows_something([])
    assert shows_something([zero, SimpleNamespace(lhs=1.5, rhs=1.5)])
