"""A size the prose fixes for a section (`For $K = 2$`, `When $K=3$`, `当 $K=2$`): the formulas
of that section that do not write K are checked with that K (derive.infer.fixed_sizes), their
vectors written by their entries read entry by entry (a number in vector form,
`\\exp(\\theta^{(1)\\top} x)`, is an entry), and a slip found at its line: two entries swapped, a
wrong exponent, an entry left out (its own finding: the number of entries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file, read_document
from derive.infer.fixed_sizes import fixed_sizes
from derive.results import FindingKind, Status

DATA = Path(__file__).resolve().parent / "data" / "fixed_sizes"
V, R, D = Status.VERIFIED, Status.REFUTED, Status.DEFINITION

# the rows of the section that fixes K, by line: the verdict and (refuted) the finding's kind
K2 = {46: (V, None), 48: (V, None), 58: (V, None)}
K2_SLIPS = {46: (V, None), 48: (R, FindingKind.ENTRIES_SWAPPED),
            58: (R, FindingKind.ARGUMENT_SIGN), 65: (R, FindingKind.ENTRY_COUNT)}
K3 = {37: (V, None), 42: (V, None)}
K3_SLIPS = {37: (R, FindingKind.ENTRIES_SWAPPED), 42: (R, FindingKind.TERM_SIGN),
            47: (R, FindingKind.ENTRY_COUNT)}
CASES = {"softmax-k2.md": K2, "softmax-k2-zh.md": K2, "softmax-k2-slips.md": K2_SLIPS,
         "softmax-k3.tex": K3, "softmax-k3-slips.tex": K3_SLIPS}


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fixed_size_section_is_checked(name: str) -> None:
    report = check_file(DATA / name)
    got = {r.line: r for r in report.results}
    for line, (status, kind) in CASES[name].items():
        assert line in got, (line, sorted(got))
        r = got[line]
        assert r.status is status, (line, r.status, r.message)
        if kind is not None:
            assert r.finding is not None and r.finding.kind is kind, (line, r.finding)
    # the general section before it: definitions and verified claims only
    early = [r for r in report.results if r.line < min(CASES[name])]
    assert early and all(r.status in (V, D) for r in early), [
        (r.line, r.status, r.message) for r in early if r.status not in (V, D)]
    assert not [r for r in report.results if r.status is R and r.line not in CASES[name]]
    k = 3 if "k3" in name else 2
    assert any(f"fixes $K = {k}$ for its section" in n for n in report.notes), report.notes


def test_the_slips_name_what_is_wrong() -> None:
    got = {r.line: r for r in check_file(DATA / "softmax-k2-slips.md").results}
    assert "entries swapped" in got[48].diagnosis
    assert "has 1 entry where the left side has 2" in got[65].diagnosis
    assert "K = 2" in got[65].diagnosis
    three = {r.line: r for r in check_file(DATA / "softmax-k3-slips.tex").results}
    assert "has 2 entries where the left side has 3" in three[47].diagnosis
    # the swap is the diagnosis, not the components' index edit it takes the place of
    assert three[37].message.startswith("differs from the derivation: entries swapped")


def test_without_the_size_the_section_is_not_refuted(tmp_path: Path) -> None:
    """The same text without `For $K = 2$`: the vector of two entries is not the hypothesis of
    K entries, as read; nothing is refuted, nothing verified there."""
    text = (DATA / "softmax-k2-slips.md").read_text(encoding="utf-8")
    path = tmp_path / "no-size.md"
    path.write_text(text.replace("For $K = 2$ the hypothesis is", "The hypothesis is"),
                    encoding="utf-8")
    results = [r for r in check_file(path).results if r.line >= 46]
    assert results and all(r.status not in (R, V) for r in results), [
        (r.line, r.status) for r in results]


def test_a_formula_that_writes_the_size_is_left_alone() -> None:
    """An example's `K = 10` in the section of the general formulas changes none of them: they
    write K; a later section is not its section; a size the notation does not name is none."""
    doc = read_document(DATA / "softmax-k2.md")
    fixed, facts = fixed_sizes(doc, {"K"})
    by_line = {f.line: f.fixed_sizes for f in fixed.formulas}
    assert all(not v for line, v in by_line.items() if line < 40), by_line
    assert [v for line, v in by_line.items() if line > 40] == [(("K", 2),)] * 2, by_line
    assert facts and "fixes $K = 2$" in facts[0]
    assert fixed_sizes(doc, {"n"}) == (doc, [])


def test_the_statement_must_be_the_whole_inline_formula(tmp_path: Path) -> None:
    """`$K = 2$` fixes K; `$K = 2n$` or `$K \\geq 2$` fixes nothing."""
    text = (DATA / "softmax-k2.md").read_text(encoding="utf-8")
    for written in ("$K = 2n$", "$K \\geq 2$"):
        path = tmp_path / "other.md"
        path.write_text(text.replace("$K = 2$", written), encoding="utf-8")
        assert fixed_sizes(read_document(path), {"K"})[1] == []


def test_a_sample_beside_the_input_is_said(tmp_path: Path) -> None:
    """`x^{(i)}` in one exponent where the rest writes `x` (UFLDL's l.126): read as the one
    sample's x, and said so."""
    text = (DATA / "softmax-k2.md").read_text(encoding="utf-8")
    old = "\\exp(\\theta^{(1)\\top} x) + \\exp(\\theta^{(2)\\top} x)}"
    assert old in text
    path = tmp_path / "mixed.md"
    path.write_text(text.replace(old, old.replace("x)}", "x^{(i)})}"), 1), encoding="utf-8")
    got = {r.line: r for r in check_file(path).results}
    assert got[46].status is V
    assert "$x^{(i)}$ and $x$ are both written: both read as the one sample's $x$" in (
        got[46].message)
    plain = {r.line: r for r in check_file(DATA / "softmax-k2.md").results}
    assert "one sample's" not in plain[46].message
