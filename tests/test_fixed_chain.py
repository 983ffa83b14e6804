"""Fixed chains in bare numbered layers (issue 12/10), read without front matter
(tests/data/fixed_chain).

* `two-layer.md`: two one-neuron layers, `z^1 = w^1 x + b^1` ... `a^2 = g(z^2)` in one
  `aligned`, the input named in a sentence (`$x =: a^0$`), an error term named under a brace
  (`\\underbrace{\\frac{\\partial C}{\\partial z^2}}_{=:\\delta^2}`), `\\delta^1 = \\frac{\\partial
  C}{\\partial z^1} = ...` defining at its first pair, a generic loss `C(a^2)` with `C'(a^2)`;
* `three-layer.md`: three layers in braced numbers (`z^{2}`), a row of two equations split at a
  `\\quad`, the input named the other way round (`$a^{0} = x$`), the errors defined with `:=`
  and a `\\par` macro, the sigmoid `\\sigma` (taken as the logistic sigmoid);
* `four-layer.md`: a depth none of the usual networks has;
* `one-neuron.md`, `one-neuron-other.md`: the one neuron of a text that builds up, before its
  layers, its forward pass stated in the prose (`$z = wx+b$`, `$a = g(z)$`).

The correct documents verify at the chain's own depth; each planted slip (a wrong layer in the
recursion, a missing g', x for a^1) is refuted at its line with its diagnosis, and every other
row keeps its verdict.
"""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.document import read_document
from derive.infer.numeric_tags import fixed_chain
from derive.infer.scan import _rows
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "fixed_chain"
D, V, R = Status.DEFINITION, Status.VERIFIED, Status.REFUTED


def assert_slips_caught(base, rep, slips) -> None:
    """Each (line, words) of `slips` is refuted at that line with the words in its diagnosis
    (a definition read from the same row's first pair stays one); every other result keeps
    the verdict of the correct copy."""
    lines = {line for line, _ in slips}
    for line, words in slips:
        at = [r for r in rep.results if r.line == line and r.status is not D]
        assert at and all(r.status is R for r in at), (line, [(r.status.value, r.message)
                                                          for r in at])
        assert all(r.diagnosis and words in r.diagnosis for r in at), (line, [r.diagnosis
                                                                           for r in at])
    assert [(r.line, r.status) for r in rep.results if r.line not in lines or r.status is D] == [
        (r.line, r.status) for r in base.results if r.line not in lines or r.status is D]

TWO = [(7, D, None), (8, D, None), (9, D, None), (10, D, None),
       (18, D, None), (18, V, None), (19, V, None),  # the brace's definition, then the steps
       (23, V, None), (27, V, None), (31, V, None),
       (35, D, None), (35, V, None),  # delta^1 = dC/dz^1 defines, the rest is checked
       (39, V, None), (39, V, None), (43, V, None)]
THREE = [(11, D, None), (11, D, None), (16, D, None), (17, D, None), (18, D, None),
         (19, D, None), (26, D, None), (26, V, None), (30, D, None), (30, V, None),
         (34, D, None), (34, V, None), (40, V, None), (44, V, None), (48, V, None),
         (52, V, None), (56, V, None)]


def test_two_layers_verify() -> None:
    rep = check_file(DATA / "two-layer.md")
    assert_verdicts(rep, TWO)
    notes = "\n".join(rep.notes)
    assert "$x$ in the display formulas is read as $a^{0}$" in notes, notes
    assert "$\\delta^2$ is named under a brace" in notes, notes
    assert "layers 0..2 as the text numbers them" in notes, notes
    # checked in the chain's own network (layers 0..2: the model's depth 3) only
    step = next(r for r in rep.results if r.line == 19)
    assert "on 1 network instance" in step.evidence, step.evidence


def test_two_layer_slips() -> None:
    base = check_file(DATA / "two-layer.md")
    rep = check_file(DATA / "two-layer-slips.md")
    assert_slips_caught(base, rep, [
        (19, "wrong layer: $a^{0}$ should be $a^{1}$"),  # x for a^1
        (31, "missing factor"),  # g'(z^1) left out (the prose calls g non-linear)
        (35, "wrong layer: $w^{1}$ should be $w^{2}$"),  # the recursion at the wrong layer
    ])


def test_three_layers_verify() -> None:
    rep = check_file(DATA / "three-layer.md")
    assert_verdicts(rep, THREE)
    assert any("input $a^{0} = x$: $x$ in the display formulas is read as $a^{0}$" in n
               for n in rep.notes)
    assert not any("a is defined in the prose" in n for n in rep.notes)


def test_three_layer_slips() -> None:
    base = check_file(DATA / "three-layer.md")
    rep = check_file(DATA / "three-layer-slips.md")
    assert_slips_caught(base, rep, [
        (30, "wrong layer: $w^{2}$ should be $w^{3}$"),
        (34, "missing factor"),
        (44, "wrong layer: $a^{0}$ should be $a^{1}$"),
    ])


def test_a_power_is_no_chain() -> None:
    """One row `y = x^2`, or rows at one number only, are no chain: a bare number in a
    superscript stays a power."""
    doc = read_document(DATA / "two-layer.md")
    rows = [r for f in doc.formulas for r in _rows(f)]
    chain = fixed_chain(rows)
    assert chain.names == {"z", "a", "w", "b", "\\delta"} and chain.depth == 2
    single = [r for f in doc.formulas[:1] for r in _rows(f)][:1]  # z^1 = w^1 x + b^1 alone
    assert not fixed_chain(single).names


# the one-neuron section before the layers: a formula in variables of its own read in the
# model its section's prose states (derive.infer.prose_local)
ONE = [(13, V, None), (17, V, None), (17, V, None),
       (26, D, None), (27, D, None), (32, V, None)]
OTHER = [(8, V, None), (12, V, None), (16, V, None), (22, D, None), (22, D, None),
         (26, V, None)]


def test_one_neuron_in_its_prose_model() -> None:
    rep = check_file(DATA / "one-neuron.md")
    assert_verdicts(rep, ONE)
    assert any("read in the model its section's prose states: $z = w x+b$ (line 9), "
               "$a = g(z)$ (line 9), and $C = F_1(a)$" in n for n in rep.notes), rep.notes
    # `g'(z) \underbrace{\par{}{b}(wx + b)}_{=1}`: the brace's group is a factor
    assert "= C'(a) g'(z) \\underbrace" in rep.results[2].latex, rep.results[2].latex
    other = check_file(DATA / "one-neuron-other.md")
    assert_verdicts(other, OTHER)
    assert any("$z = b + w x$ (line 5), $a = h(z)$ (line 5)" in n for n in other.notes)


def test_one_neuron_slips() -> None:
    base = check_file(DATA / "one-neuron.md")
    rep = check_file(DATA / "one-neuron-slips.md")
    assert [(r.line, r.status) for r in rep.results] == [
        (13, R), (17, R), (17, V), (26, D), (27, D), (32, V)]  # g'(z) left out at line 13
    assert [(r.line, r.status) for r in base.results][3:] == [(26, D), (27, D), (32, V)]
    assert "extra factor" in rep.results[1].diagnosis  # dz/dw for dz/db
    other = check_file(DATA / "one-neuron-other-slips.md")
    assert [(r.line, r.status) for r in other.results][:3] == [(8, V), (12, R), (16, R)]
    assert "activation for its derivative" in other.results[1].diagnosis


def test_a_depth_no_instance_has(tmp_path: Path) -> None:
    """Four layers (the model's depth 5, which none of the usual networks has): the claims at
    fixed layers are checked in networks of that depth, the stand-ins' rules with them. The
    planted slip (a^3 for a^2) is refuted for every loss; a claim that holds only if g is the
    identity is not refuted where the text does not call g non-linear."""
    rep = check_file(DATA / "four-layer.md")
    assert [(r.line, r.status) for r in rep.results][-4:] == [(25, D), (25, V), (29, V), (33, R)]
    slip = rep.results[-1]
    assert "wrong layer: $a^{3}$ should be $a^{2}$" in slip.diagnosis
    assert "fails for essentially every $C$" in slip.evidence, slip.evidence
    assert "holds for every smooth $C$" in rep.results[-2].evidence
    text = (DATA / "four-layer.md").read_text().replace(" and a non-linear activation $g(z)$", "")
    text = text.replace("\\delta^4 w^4 g'(z^3)", "\\delta^4 w^4")
    (tmp_path / "linear.md").write_text(text)
    linear = check_file(tmp_path / "linear.md")
    at = [r for r in linear.results if r.line == 25 and r.status is not D]
    assert [r.status for r in at] == [Status.UNCHECKED], [(r.status, r.message) for r in at]
    assert "holds if $g$ is the identity" in at[0].message
