"""Points at a kink move; the text's convention at a kink is reported, not checked.

The kink is put where the first random point lands: the threshold of max(c, ·) is written as
the value the evaluator draws there (read through the public `given_value` / `value`), so that
point sits exactly at the kink and must be replaced by the next one of the same parity.
"""

from __future__ import annotations

from pathlib import Path

import sympy

from derive.check import check_file, collect_model
from derive.model import INSTANCES, Evaluator
from derive.numbers import CTX
from derive.results import Status

DATA = Path(__file__).parent / "data" / "functions"


def _decimal(v) -> str:  # type: ignore[no-untyped-def]
    """A value of the random point (a short decimal) as the text would write it."""
    r = sympy.nsimplify(CTX.nstr(v, 20), rational=True)
    assert 10**8 % r.q == 0, r  # a short decimal: written exactly
    return CTX.nstr(v, 10)


def _with(tmp: Path, source: str, activation: str, *claims: str) -> Path:
    text = (DATA / source).read_text(encoding="utf-8")
    start = text.index("\\sigma(u) &= ") + len("\\sigma(u) &= ")
    end = text.index(" \\\\", start)
    head = text[:start] + activation + text[end:]
    head = head[: head.index("$$", head.index("\\end{split}")) + 2]
    path = tmp / "kink.md"
    path.write_text(head + "\n" + "".join(f"\n$$\n{c}\n$$\n" for c in claims), encoding="utf-8")
    return path


def test_a_formal_parameter_at_the_kink_moves_to_the_next_point(tmp_path: Path) -> None:
    model = collect_model(DATA / "relu.md")
    u0 = Evaluator(model, INSTANCES[0], 0).given_value(("u", None, (), 1))
    c = _decimal(u0)
    doc = _with(tmp_path, "relu.md", f"\\max({c}, u)",
                f"\\sigma^{{\\prime}}(u) = \\mathbb{{1}}\\{{u > {c}\\}}",
                f"\\sigma^{{\\prime}}(u) = \\mathbb{{1}}\\{{u < {c}\\}}")
    right, wrong = [r for r in check_file(doc).results if r.status is not Status.DEFINITION]
    assert right.status is Status.VERIFIED, right.message
    assert "1 point at a kink of a non-smooth function moved to the next random point" in \
        right.evidence
    assert f"at the kink $u = {sympy.latex(sympy.nsimplify(c, rational=True))}$" in right.evidence
    assert wrong.status is Status.REFUTED
    assert wrong.counterexample is not None and wrong.diagnosis.startswith("wrong condition")


def test_a_pre_activation_at_the_kink_moves_in_the_backward_pass(tmp_path: Path) -> None:
    """s^{(2)}_1 sits at the kink of max(c, s) at the first point: the derivative through the
    network (SymEngine's Piecewise) is not taken there, and the claim is still verified."""
    model = collect_model(DATA / "relu.md")
    s0 = Evaluator(model, INSTANCES[0], 0).value(("s", 2, (1,), 1))
    c = _decimal(s0)
    doc = _with(tmp_path, "relu.md", f"\\max({c}, u)",
                "\\varepsilon^{(l)}_k = \\mathbb{1}\\{s^{(l)}_k > " + c + "\\} "
                "\\sum_{j=1}^{N_{l+1}} W^{(l)}_{jk} \\varepsilon^{(l+1)}_j")
    (claim,) = [r for r in check_file(doc).results if r.status is not Status.DEFINITION]
    assert claim.status is Status.VERIFIED, claim.message
    assert "moved to the next random point" in claim.evidence


def test_no_point_moves_when_none_sits_at_a_kink() -> None:
    rep = check_file(DATA / "relu.md")
    assert not any("moved" in (r.evidence or "") for r in rep.results)
