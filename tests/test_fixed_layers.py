"""Fixed-layer notation (issue 12), read without front matter (tests/data/fixed_layers).

* `weight-decay.md` (d2l's backprop section in its own words): column vectors without layer
  tags (`\\mathbf{z} = \\mathbf{W}^{(1)} \\mathbf{x}`) beside two matrices tagged with fixed layers,
  whose products give the vectors their layer widths; a loss `l(\\mathbf{o}, y)` never defined
  (a generic smooth function of every entry of o), an L2 penalty with the Frobenius norm,
  `\\text{and}` between two equations, and `\\text{prod}(a, b)`, read as the text defines it (the
  product after the transposes and swaps that make the shapes fit: a number times anything, or
  the chain rule by entries for a gradient and a derivative of a vector, in either order);
* `fc-rows.md` (yizt's FC layer in its own words): row vectors, the forward pass given only in
  the prose in another layer letter (`z^{i+1} = z^iW^i + b^i`), the loss written with its
  arguments `L(y, y^*)` and differentiated by the layer quantities, an update of a name that is
  no parameter (an error, never an equation that holds because the gradient is 0);
* `edges.md`: what is not read (the 2-norm of a matrix, `prod` of a matrix and a vector) said as
  an error, and a generic loss inside a sum with a penalty.

The correct documents verify; their planted slips (a missing transpose, a missing weight-decay
term, a swapped order, a wrong layer, a factor, an activation for its derivative) are refuted at
their line with the diagnosis; a claim that holds only for some losses is not checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "fixed_layers"
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
D, V, R, U, E = (Status.DEFINITION, Status.VERIFIED, Status.REFUTED, Status.UNCHECKED,
                 Status.ERROR)

FORWARD = [(11, D, None), (13, D, None), (15, D, None), (19, D, None), (21, D, None),
           (25, D, None), (29, D, None), (29, V, None), (29, V, None)]
WEIGHT_DECAY = [(31, V, None), (31, V, None), (33, V, None), (33, V, None), (35, V, None),
                (35, V, None), (37, V, None), (37, V, None), (39, V, None), (39, V, None),
                (41, V, None), (41, V, None)]


def test_weight_decay_verifies() -> None:
    rep = check_file(DATA / "weight-decay.md")
    assert_verdicts(rep, FORWARD[:6] + FORWARD[7:] + WEIGHT_DECAY)
    prod = [r for r in rep.results if "prod" in r.latex and r.step == 1]
    assert len(prod) == 5
    for r in prod:  # each reading of prod is said
        if "mathbf{o}}{\\partial \\mathbf{W}" in r.latex or "h}}{\\partial" in r.latex:
            assert "transposes and swaps" in r.message, r.message
    evidence = next(r for r in rep.results if r.line == 35 and r.step == 2).evidence
    assert "$l$ is never defined" in evidence and "every entry of its arguments" in evidence


def test_weight_decay_slips() -> None:
    rep = check_file(DATA / "weight-decay-slips.md")
    expected = FORWARD[:6] + FORWARD[7:] + [
        (31, V, None), (31, V, None), (33, R, "constant factor"), (33, V, None),
        (35, V, None), (35, R, "missing term: $W^{(2)}_{jk} \\lambda$"),
        (37, V, None), (37, R, "transpose is missing: $\\mathbf{W}^{(2)}$"),
        (39, V, None), (39, R, "activation for its derivative"),
        (41, V, None), (41, R, "order is swapped"),
        (45, U, None)]
    assert_verdicts(rep, expected)
    needs = next(r for r in rep.results if r.line == 45)
    assert "needs the loss" in needs.message and "losses $l$ only" in needs.message


def test_fc_rows_verify() -> None:
    rep = check_file(DATA / "fc-rows.md")
    assert_verdicts(rep, [(10, D, None), (16, D, None), (22, V, None), (28, V, None),
                          (32, V, None), (38, V, None), (39, V, None), (43, V, None),
                          (47, V, None), (53, V, None)])
    z = next(r for r in rep.results if r.line == 10)
    assert z.latex.startswith("z^{l+1}")  # the prose's letter i read as the displays' l
    assert any("layer letter $i$ read as the displays' $l$" in n for n in rep.notes)
    update = next(r for r in rep.results if r.line == 53)
    assert "generic rule of gradient descent" in update.message


def test_fc_rows_slips() -> None:
    rep = check_file(DATA / "fc-rows-slips.md")
    assert_verdicts(rep, [(10, D, None), (16, D, None), (22, V, None),
                          (28, R, "transpose is missing"), (32, V, None), (38, V, None),
                          (39, R, "order is swapped"), (43, R, "wrong layer"),
                          (47, R, "wrong layer"), (53, V, None)])


def test_edges() -> None:
    rep = check_file(DATA / "edges.md")
    assert_verdicts(rep, [(8, D, None), (10, D, None), (12, D, None), (14, D, None),
                          (16, E, None), (18, E, None), (20, V, None), (22, V, None),
                          (27, R, None)])
    by_line = {r.line: r for r in rep.results}
    assert "spectral norm" in by_line[16].message
    assert "would be a guess" in by_line[18].message


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
@pytest.mark.parametrize(("name", "verified", "refuted"), [
    ("d2lzh_backprop.md", 14, 0),
    # l.53 (z^{n-1})^T \delta^n_j: the text's own slip (its eq. 8 has \delta^n), checked by hand
    # l.42-45: the left side on a row of its own, its first step's \frac{\partial L}{z^n_j}
    # flagged, |l_{n-1}| a sum's bound: 3 steps more, each checked by hand; l.107 and l.111
    # (w = w - \eta \partial L/\partial w, the same for b) the generic rule of gradient descent;
    # l.132-133 the squared error's steps, each against the step before (the chain's left side
    # reads the section's loss, not the document's), checked by hand; l.77-78 (eq. 12-13, by
    # entries) after the two steps in vectors that are not read, checked by hand
    ("yizt_0_1_fc_loss_backprop.md", 27, 1)])
def test_corpus(name: str, verified: int, refuted: int) -> None:
    rep = check_file(CORPUS / name)
    counts = {s: sum(r.status == s for r in rep.results) for s in (V, R)}
    assert counts == {V: verified, R: refuted}, [(r.line, r.status.value) for r in rep.results]
    assert all(r.line == 53 for r in rep.results if r.status is R)
