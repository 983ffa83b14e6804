"""Path products written with an ellipsis (derive.latex.paths, derive.check.paths): the scalar
chain rule along a path of layers, `\\sum_{mnp\\ldots q} \\frac{\\partial C}{\\partial a^L_m}
\\frac{\\partial a^L_m}{\\partial a^{L-1}_n} \\ldots \\frac{\\partial a^{l+1}_q}{\\partial a^l_j}
\\frac{\\partial a^l_j}{\\partial w^l_{jk}}`, written out at each depth and start layer with a
fresh index per elided layer and checked there; verified only where the dots stand for a layer.
Two conventions: Nielsen's `w^l_{jk}` through the activations (LaTeX), and `W^{(l)}_{ij}` through
the weighted inputs (Markdown, `\\cdots`). Slips: a broken link between factors, the wrong end
factor, the sum over the paths left out; a factor that skips a layer is still right."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file
from derive.results import Status
from tests.conftest import assert_verdicts

DATA = Path(__file__).parent / "data" / "ellipsis_scalar"
V, R, D, U = Status.VERIFIED, Status.REFUTED, Status.DEFINITION, Status.UNCHECKED

EXPECTED = {
    "paths_nielsen.tex": [
        (4, D, None), (7, D, None), (11, D, None),
        (15, V, None),  # the sum over every path
        (21, V, None),  # the first-order change, summed over the paths
        (28, V, None),  # one path's change, as the prose says: its sum over the paths
        (34, V, None),  # one index before the dots
        (39, R, "should be `\\frac{\\partial a^{l + 1}_{q}}{\\partial a^{l}_{j}}`"),
        (45, R, "`\\frac{\\partial z^{l}_{j}}{\\partial w^{l}_{jk}}` should be "
                "`\\frac{\\partial a^{l}_{j}}{\\partial w^{l}_{jk}}`"),
        (51, R, "the sum over the paths is missing"),
        (57, U, None),  # the same, no prose that calls it a path's: not the whole change
    ],
    "paths_z.md": [
        (5, D, None), (7, D, None), (11, D, None),
        (15, V, None),
        (19, R, "`\\frac{\\partial a^{(l)}_{i}}{\\partial W^{(l)}_{ij}}` should be "
                "`\\frac{\\partial z^{(l)}_{i}}{\\partial W^{(l)}_{ij}}`"),
        (23, R, "the sum over the paths is missing: `\\sum_{k r \\ldots s}`"),
        (27, V, None),  # the last factor skips a layer: the derivative through it, right
    ],
}


@pytest.fixture(scope="module")
def reports() -> dict:
    return {name: check_file(DATA / name, f"tests/data/ellipsis_scalar/{name}")
            for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_path_products_verify_and_slips_are_refuted(reports, name: str) -> None:
    assert_verdicts(reports[name], EXPECTED[name])


def test_a_verdict_says_where_the_dots_were_written_out(reports) -> None:
    at = {r.line: r for r in reports["paths_nielsen.tex"].results}
    assert "the path product written out at 3 depths and start layers" in at[15].message
    assert "$L = 7$, $l = 2$ (the dots written out over 1 layer, each with an index summed)" \
        in at[15].evidence
    assert at[21].message.startswith("verified as a first-order approximation")
    assert at[39].counterexample
    assert at[28].message.startswith("read as one path's term, as the text says")
    assert "not the whole change the left side names" in at[57].message
    assert "$m$, $n$, $q$" in at[57].message and "$k$" not in at[57].message


def test_a_path_product_that_does_not_repeat_one_step_keeps_the_error(tmp_path: Path) -> None:
    """Dots between factors that are no quantity by itself one layer away: not read."""
    src = (DATA / "paths_nielsen.tex").read_text().split("Summed over")[0]
    doc = tmp_path / "e.tex"
    doc.write_text(src + "\\begin{equation}\n  \\frac{\\partial C}{\\partial w^l_{jk}} = "
                   "\\sum_{m\\ldots q} \\frac{\\partial C}{\\partial a^L_m} \\ldots "
                   "\\frac{\\partial z^{l+1}_q}{\\partial a^l_j} \\frac{\\partial a^l_j}"
                   "{\\partial w^l_{jk}}\n\\end{equation}\n")
    rep = check_file(doc)
    last = rep.results[-1]
    assert last.status is Status.ERROR and "with an ellipsis" in last.message
