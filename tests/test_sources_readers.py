"""Each reader on small files of its own (tests/data/sources/): every display formula found,
code left alone, and every formula placed at its line and column in the ORIGINAL file.

Each formula of a test file holds a marker `u_{k}`; the test finds the marker in the raw file
itself (for the notebook: in its JSON) and requires the reader's span to point there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.sources import read
from derive.sources.document import SourceSpan

DATA = Path(__file__).resolve().parent / "data" / "sources"

EXPECTED = {  # file -> the markers of its display formulas, in order
    "notes.md": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "notes.rst": [1, 3, 4, 5, 6, 7, 8],
    "notes.tex": [1, 2, 4, 5, 6, 7, 8, 9, 10, 11],
    "notes.ipynb": [1, 2, 4],
}


def _raw_place(path: Path, marker: str) -> tuple[int, int]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        col = line.find(marker)
        if col >= 0:
            return n, col + 1
    raise AssertionError(f"{marker} not in {path}")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_formulas_found_and_placed(name: str) -> None:
    doc = read(DATA / name, name)
    markers = [int(m.group(1)) for f in doc.formulas
               for m in [re.search(r"u_\{(\d+)\}", f.text)]]
    assert markers == EXPECTED[name]
    for f in doc.formulas:
        marker = re.search(r"u_\{\d+\}", f.text).group()  # type: ignore[union-attr]
        span = f.span(f.text.index(marker))
        source = DATA / f.file  # f.file: the display name (another one for an \input file)
        assert (span.line, span.col) == _raw_place(source, marker), (name, marker)
        assert span.source_line[span.col - 1 :].startswith(marker)


def test_code_is_not_mathematics() -> None:
    for name in EXPECTED:
        doc = read(DATA / name, name)
        assert not any("code" in f.text or "literal" in f.text for f in doc.formulas), name


def test_inline_math_is_context_only() -> None:
    for name in EXPECTED:
        doc = read(DATA / name, name)
        assert any("u_{0}" in f.text for f in doc.inline), name
        assert not any("u_{0}" in f.text for f in doc.formulas), name


def test_markdown_dialects() -> None:
    doc = read(DATA / "notes.md", "notes.md")
    by = {re.search(r"u_\{(\d+)\}", f.text).group(1): f for f in doc.formulas}  # type: ignore[union-attr]
    # two displays on one line are two formulas, at their own columns
    assert (by["4"].line, by["5"].line) == (26, 26) and by["5"].span(0).col > by["4"].span(0).col
    assert by["6"].label == "eq_six" and "\\tag" not in by["6"].text  # d2lbook's :eqlabel:
    assert by["9"].label == "nine"  # MyST {math} fence with :label:
    assert by["10"].text.strip() == "u_{10} = 2 x"  # a KaTeX \gdef macro, expanded
    assert by["10"].span(by["10"].text.index("2 x")).col == 10  # placed at the macro call
    assert any("macro definitions only" in n for n in doc.notes)
    assert by["1"].annotation == {"definitions": "all"} and by["2"].annotation == {}
    assert doc.title == "Markdown reader test" and doc.front["functions"] == {"g": 1}


def test_rst_directive_forms() -> None:
    doc = read(DATA / "notes.rst", "notes.rst")
    first = doc.formulas[0]
    assert "u_{2}" in first.text and first.span(first.text.index("u_{2}")).line == 16
    assert doc.formulas[1].label == "three"
    assert doc.formulas[5].environment == "nowrap" and "$$" not in doc.formulas[5].text
    assert doc.formulas[-1].annotation == {"local": True, "given": ["y = x"]}
    assert [h[2] for h in doc.headings] == ["Section", "Sub"]


def test_rst_crlf(tmp_path: Path) -> None:
    text = (DATA / "notes.rst").read_text(encoding="utf-8").replace("\n", "\r\n")
    p = tmp_path / "crlf.rst"
    p.write_bytes(text.encode("utf-8"))
    doc = read(p, "crlf.rst")
    assert [f.span(0).line for f in doc.formulas] == [
        f.span(0).line for f in read(DATA / "notes.rst").formulas]
    assert not any("\r" in f.text for f in doc.formulas)


def test_tex_macros_labels_comments_input() -> None:
    doc = read(DATA / "notes.tex", (DATA / "notes.tex").as_posix())
    texts = [f.text for f in doc.formulas]
    assert not any("commented out" in t for t in texts)  # a %-commented formula is not read
    assert not any("\\label" in t or "\\tag" in t or "\\nonumber" in t or "% a comment" in t
                   for t in texts)
    assert doc.formulas[0].label == "eq:one"
    assert "y^{2}" in texts[1] and "\\frac{x}{2}" in texts[4]  # \newcommand and \def, expanded
    assert "\\operatorname{sgn}(x)" in texts[8]  # \DeclareMathOperator
    sq = doc.formulas[1]
    assert sq.span(sq.text.index("y^{2}")).col == len("u_{3} &= ") + 1  # placed at `\sq`
    assert doc.formulas[-1].file.endswith("child.tex")  # \input followed
    assert any("\\input{missing}" in n and "not followed" in n for n in doc.notes)
    assert [f.environment for f in doc.formulas[:5]] == [
        "equation", "align*", "eqnarray", "gather", "multline"]


def test_notebook_cells() -> None:
    doc = read(DATA / "notes.ipynb", "notes.ipynb")
    assert doc.front["title"] == "notebook reader test"
    one, two, four = doc.formulas
    span = one.span(one.text.index("\\frac"))
    assert isinstance(span, SourceSpan) and (span.cell, span.cell_line) == (1, 6)
    assert span.source_line[span.col - 1 :].startswith("\\\\frac")  # JSON escapes counted
    assert two.environment == "align*" and two.cell == 3  # bare \begin{align*}, no dollars
    assert two.annotation == {"definitions": "all"}  # from the cell's metadata
    assert four.annotation == {"definitions": [1]}  # from an HTML comment in the cell
    assert doc.cell_at(span.line) == (1, 6)
    assert "(cell 1, line 6)" in span.where


def _md(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "t.md"
    p.write_text(text, encoding="utf-8")
    return p


def test_equation_wrapper_is_blanked_in_place(tmp_path: Path) -> None:
    p = _md(tmp_path, "$$\n\\begin{equation}\nu_{1} = 1 \\label{one}\n\\end{equation}\n$$\n")
    (f,) = read(p).formulas
    assert f.text.split() == ["u_{1}", "=", "1"] and f.label == "one"
    assert f.environment == "equation"
    span = f.span(f.text.index("u_{1}"))
    assert (span.line, span.col) == (3, 1)


def test_displays_with_prose_between_on_one_line(tmp_path: Path) -> None:
    p = _md(tmp_path, "$$u_{1} = 1$$ and then $$u_{2} = 2$$\n")
    a, b = read(p).formulas
    assert (a.text, b.text) == ("u_{1} = 1", "u_{2} = 2")
    assert (b.span(0).line, b.span(0).col) == (1, 26)


def test_unterminated_comment_is_placed(tmp_path: Path) -> None:
    from derive.errors import InputError

    p = _md(tmp_path, "# T\n\n<!-- derive: definitions = \"all\"\n\n$$\nx = 1\n$$\n")
    with pytest.raises(InputError, match="unterminated comment") as exc:
        read(p)
    assert exc.value.span is not None and exc.value.span.line == 3


def test_front_matter_after_a_formula_is_an_error(tmp_path: Path) -> None:
    from derive.errors import InputError

    p = _md(tmp_path, "$$\nx = 1\n$$\n\n<!-- derive\ntitle = \"late\"\n-->\n")
    with pytest.raises(InputError, match="front matter must come first") as exc:
        read(p)
    assert exc.value.span is not None and exc.value.span.line == 5


def test_an_annotation_after_the_last_formula_is_noted(tmp_path: Path) -> None:
    p = _md(tmp_path, "$$\nx = 1\n$$\n\n<!-- derive: definitions = \"all\" -->\n")
    doc = read(p)
    assert any("line 5" in n and "applies to none" in n for n in doc.notes)


def test_dollars_in_inline_code_are_code(tmp_path: Path) -> None:
    p = _md(tmp_path, "Write `$$ ... $$` for a display.\n\n$$\nu_{1} = 1\n$$\n")
    assert [f.text for f in read(p).formulas] == ["u_{1} = 1"]


def test_an_unclosed_display_is_placed_where_it_opens(tmp_path: Path) -> None:
    from derive.errors import InputError

    p = _md(tmp_path, "Some $$u_{1}$$ prose.\n\n$$\nu_{2} = 2\n\nmore prose\n")
    with pytest.raises(InputError, match="unterminated display formula") as exc:
        read(p)
    assert exc.value.span is not None and (exc.value.span.line, exc.value.span.col) == (3, 1)


def test_titles_from_the_formats_own_metadata(tmp_path: Path) -> None:
    p = _md(tmp_path, "---\nlayout: page\ntitle: \"From YAML\"\n---\n\n$$\nu_{1} = 1\n$$\n")
    doc = read(p)
    assert doc.title == "From YAML" and not doc.headings  # YAML is neither prose nor a heading
    assert doc.formulas[0].line == 7
    t = tmp_path / "t.tex"
    t.write_text("\\title{From \\LaTeX}\n\\begin{document}\n\\section{First}\n\\[ u_{1} = 1 \\]\n"
                 "\\end{document}\n", encoding="utf-8")
    assert read(t).title == "From \\LaTeX"


def test_kramdown_inline_maths_is_context(tmp_path: Path) -> None:
    p = _md(tmp_path, "The weight \\\\(w^l\\_{jk}\\\\) of unit \\\\(k\\\\).\n\n$$\nu_{1} = 1\n$$\n")
    doc = read(p)
    assert [f.text for f in doc.inline] == ["w^l _{jk}", "k"]
    span = doc.inline[0].span(0)
    assert (span.line, span.col) == (1, 15)
    assert len(doc.formulas) == 1
