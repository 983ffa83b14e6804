"""The real corpus (../shared/corpus, never copied here): every display formula found, each
placed at its line in the original, and the chapter's rst source checked like its transcription.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from derive.sources import read

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = ROOT / ".." / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")

# the hand count of display formulas in each document (issue 9)
HAND = {
    "seed_07_backprop.rst": 13, "seedbook_batchnorm.rst": 10, "seedbook_optimizers.rst": 6,
    "seedbook_matrix_derivatives.rst": 3, "d2lzh_backprop.md": 14, "d2lzh_bptt.md": 16,
    "d2lzh_softmax-regression.md": 11, "nndl_zh_nielsen_chap2.tex": 34,
    "cs231n_backprop-derivation.md": 1, "cs231n_optimization-2.md": 8,
    "ufldl_zh_multilayer_nn.md": 17, "ufldl_zh_deriving_gradients_backprop_idea.md": 11,
    "ufldl_zh_softmax_regression.md": 11, "anch3or_D_bp.ipynb": 14,
    "koerbitz_reinventing-backprop.md": 44, "gaurav_MLP.md": 12, "steven2358_backprop.tex": 14,
    "yizt_0_1_fc_loss_backprop.md": 14, "yizt_0_2_1_conv_1ch_nopad_stride1.md": 17,
    "yizt_0_2_2_conv_multich_nopad_stride1.md": 6, "yizt_0_2_3_conv_multich_nopad_strided.md": 4,
    "yizt_0_2_4_conv_multich_pad_strided.md": 5, "yizt_0_2_5_pooling_backprop.md": 11,
    "yizt_0_3_activation_backprop.md": 13,
}


def test_the_corpus_is_the_one_counted() -> None:
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "SOURCES.md"}
    assert on_disk == set(HAND)


@pytest.mark.parametrize("name", sorted(HAND))
def test_every_display_formula_is_found(name: str) -> None:
    assert len(read(CORPUS / name, name).formulas) == HAND[name]


@pytest.mark.parametrize("name", sorted(HAND))
def test_every_character_is_placed_in_the_original(name: str) -> None:
    """Each character of each formula's text maps to the same character of the original line.

    Exceptions, each the start of what the author wrote there: a macro expansion maps to the
    macro's backslash; in a notebook, a JSON escape maps to its backslash. Blanked labels,
    comments and Markdown escapes are spaces and are skipped."""
    doc = read(CORPUS / name, name)
    for f in doc.formulas + doc.inline:
        for offset, ch in enumerate(f.text):
            if ch.isspace():
                continue
            span = f.span(offset)
            got = span.source_line[span.col - 1] if 0 < span.col <= len(span.source_line) else ""
            assert got == ch or got == "\\", (name, f.number, offset, ch, got, span)


# spot-checked by hand: (file, formula number) -> (line, column of its first character)
SPOTS = {
    ("seed_07_backprop.rst", 1): (34, 3), ("seed_07_backprop.rst", 10): (120, 3),
    ("nndl_zh_nielsen_chap2.tex", 1): (70, 3), ("nndl_zh_nielsen_chap2.tex", 34): (819, 3),
    ("steven2358_backprop.tex", 1): (151, 1), ("d2lzh_backprop.md", 1): (25, 3),
    ("koerbitz_reinventing-backprop.md", 44): (822, 1),
    ("cs231n_backprop-derivation.md", 1): (230, 1), ("anch3or_D_bp.ipynb", 1): (7, 9),
}


@pytest.mark.parametrize("key", sorted(SPOTS))
def test_spot_checked_places(key: tuple[str, int]) -> None:
    name, number = key
    f = read(CORPUS / name, name).formulas[number - 1]
    first = len(f.text) - len(f.text.lstrip())
    span = f.span(first)
    assert (span.line, span.col) == SPOTS[key]


def test_notebook_places_name_the_cell() -> None:
    doc = read(CORPUS / "anch3or_D_bp.ipynb", "anch3or_D_bp.ipynb")
    assert [f.cell for f in doc.formulas][:3] == [1, 2, 3]


# --------------------------------------------------------------------------------------------
# The chapter's own rst source, given the annotations of formulas/backprop.md as rst comments


def _annotated_seed(tmp_path: Path) -> Path:
    md = (ROOT / "formulas" / "backprop.md").read_text(encoding="utf-8")
    front = md[md.index("<!-- derive\n") + len("<!-- derive\n") : md.index("-->")]
    raw = (CORPUS / "seed_07_backprop.rst").read_bytes().decode("utf-8")
    lines = raw.split("\r\n")
    math = [k for k, s in enumerate(lines) if s.strip().startswith(".. math::")]
    # the same annotations as the transcription: forward pass, error, the two losses
    notes = {0: ['definitions = [1, 2, 4]'], 1: ['definitions = "all"'],
             2: ['definitions = "all"'], 8: ['definitions = "all"']}
    compare = ["[compare]", 'name = "softmax over z"', 'replace = ["a^{(n)}_i = z^{(n)}_i"]']
    out = [".. derive"] + ["   " + s if s.strip() else "" for s in front.strip("\n").split("\n")]
    out.append("")
    for k, line in enumerate(lines):
        if k in math:
            n = math.index(k)
            indent = line[: len(line) - len(line.lstrip())]
            if n == 8:
                out += [indent + ".. derive:"] + [indent + "   " + s for s in compare] + [""]
            for note in notes.get(n, []):
                out += [indent + ".. derive: " + note, ""]
        out.append(line)
    p = tmp_path / "seed_07_backprop.rst"
    p.write_bytes("\r\n".join(out).encode("utf-8"))  # CRLF, as the original
    shutil.copystat(CORPUS / "seed_07_backprop.rst", p)
    return p


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from derive.check import check_file

    p = _annotated_seed(tmp_path_factory.mktemp("seed"))
    return check_file(p, "seed_07_backprop.rst")


def test_the_rst_source_is_read_and_checked(seed_report) -> None:  # type: ignore[no-untyped-def]
    from derive.results import Status

    assert len({r.formula for r in seed_report.results}) == 13
    definitions = [r for r in seed_report.results if r.status is Status.DEFINITION]
    assert len(definitions) >= 6  # z, g, a, delta, both losses, the label assumption


def test_the_bias_index_flag_in_the_recursion(seed_report,  # type: ignore[no-untyped-def]
                                              chapter_report) -> None:
    def flags(report):  # type: ignore[no-untyped-def]
        return [(r.step, r.lint) for r in report.results if r.lint]

    ours, chapter = flags(seed_report), flags(chapter_report)
    assert ours and ours == chapter
    assert "$b^{(l)}_{i}$ should be $b^{(l)}_{j}$" in ours[0][1][0]


def test_the_one_hot_condition_on_the_cross_entropy_steps(  # type: ignore[no-untyped-def]
        seed_report, chapter_report) -> None:
    from derive.results import Status

    def conditional(report):  # type: ignore[no-untyped-def]
        return [(r.step, r.assumptions) for r in report.results
                if r.status is Status.CONDITIONAL]

    assert conditional(seed_report) == conditional(chapter_report)


def test_every_formula_of_the_annotated_source_gets_a_verdict(seed_report) -> None:  # type: ignore[no-untyped-def]
    """The plain-letter `softmax(\\mathbb{a}^{(n)}, j)` of the source reads as the transcription's
    `\\mathrm{softmax}(\\mathbf{a}^{(n)}, j)`: nothing is left unreadable or unchecked."""
    from derive.results import Status

    assert not [r for r in seed_report.results
                if r.status in (Status.ERROR, Status.UNCHECKED, Status.REFUTED)]
