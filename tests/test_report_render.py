"""Behaviour of the renderers that the golden files alone would not explain."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

from test_report_samples import backprop_report, mini_report

from derive.report import render_html, render_json, render_markdown
from derive.report.layout import Entry, Heading, layout
from derive.report.mathml import to_mathml
from derive.report.texts import has_toplevel_alignment, normalise_display, split_prose
from derive.results import FileReport, Result, Status

RENDERERS = (render_markdown, render_html, render_json)


def _result(**kw) -> Result:
    base: dict = {
        "file": "formulas/x.md",
        "line": 10,
        "col": 1,
        "latex": "a = b",
        "kind": "equation",
        "status": Status.VERIFIED,
        "message": "ok",
    }
    base.update(kw)
    return Result(**base)


def test_two_runs_are_identical_and_hold_no_absolute_paths():
    for report in (mini_report(), backprop_report()):
        for render in RENDERERS:
            first, second = render(report), render(report)
            assert first == second
            assert "/work/" not in first and "/tmp/" not in first and "file://" not in first
            assert not re.search(r"\b20\d\d-\d\d-\d\d", first), "no dates or timestamps"


def test_findings_come_first_by_severity_and_link_to_their_entry():
    lay = layout(mini_report())
    assert [f.entry.anchor for f in lay.findings] == ["f4-s2", "f3"]
    md = render_markdown(mini_report())
    findings = md[md.index("## Findings") : md.index("## The model")]
    assert findings.index("[Formula 4, step 2](#f4-s2)") < findings.index("[Formula 3](#f3)")
    assert '<a name="f4-s2"></a>' in md and '<a name="f3"></a>' in md
    page = render_html(mini_report())
    assert 'href="#f4-s2"' in page and 'id="f4-s2"' in page


def test_lint_only_results_are_findings_and_plain_passes_are_not():
    report = FileReport(
        "formulas/x.md",
        "X",
        (
            _result(line=3, formula=1),
            _result(line=5, formula=2, lint=("Two names for one weight.",)),
            _result(line=7, formula=3, status=Status.UNCHECKED, message="Could not decide."),
        ),
    )
    findings = layout(report).findings
    assert [(f.entry.anchor, f.flagged) for f in findings] == [("f3", False), ("f2", True)]
    assert "Two names for one weight." in findings[1].why


def test_results_sit_under_their_headings_in_document_order():
    report = FileReport(
        "formulas/x.md",
        "X",
        results=(
            _result(line=30, formula=3),
            _result(line=12, formula=1),
            _result(line=20, formula=2, step=2),
            _result(line=19, formula=2, step=1),
        ),
        headings=((1, 1, "X"), (5, 2, "Empty"), (10, 2, "A"), (18, 3, "A.1"), (25, 2, "B")),
    )
    shape = [
        (b.level, b.text) if isinstance(b, Heading) else b.anchor for b in layout(report).blocks
    ]
    assert shape == [(1, "X"), (2, "A"), "f1", (3, "A.1"), "f2-s1", "f2-s2", (2, "B"), "f3"]


def test_without_headings_the_section_paths_make_them():
    report = FileReport(
        "formulas/x.md",
        "X",
        results=(
            _result(line=3, formula=1, section=("X", "A")),
            _result(line=5, formula=2, section=("X", "A")),
            _result(line=9, formula=3, section=("X", "B")),
        ),
    )
    shape = [
        (b.level, b.text) if isinstance(b, Heading) else b.anchor for b in layout(report).blocks
    ]
    assert shape == [(1, "X"), (2, "A"), "f1", "f2", (2, "B"), "f3"]


def test_rows_of_one_formula_are_numbered_and_anchors_unique():
    report = FileReport("formulas/x.md", "X", (_result(formula=1), _result(line=11, formula=1)))
    assert [(e.anchor, e.title) for e in layout(report).entries] == [
        ("f1-r1", "Formula 1, row 1"),
        ("f1-r2", "Formula 1, row 2"),
    ]
    same = FileReport(
        "formulas/x.md", "X", (_result(formula=2, step=1), _result(formula=2, step=1))
    )
    assert [e.anchor for e in layout(same).entries] == ["f2-s1", "f2-s1-2"]


def test_comparison_table_sets_the_documents_model_beside_the_alternative():
    table = layout(backprop_report()).comparisons
    assert table.models == ("softmax over z",)
    refuted = [row for row in table.rows if row.verdicts == (Status.REFUTED,)]
    assert refuted and all("g^{\\prime}(z^{(n)}_i)" in row.separating for row in refuted)
    md = render_markdown(backprop_report())
    assert "| Formula | Document's model | softmax over z | What separates them |" in md


# --- Markdown: GitHub's mathematics ----------------------------------------------------------


def test_markdown_display_blocks_are_top_level_and_aligned_not_split():
    md = render_markdown(backprop_report())
    lines = md.split("\n")
    opens = [i for i, line in enumerate(lines) if line == "$$"]
    assert len(opens) % 2 == 0 and opens
    for start, end in zip(opens[::2], opens[1::2]):
        assert lines[start - 1] == "" and lines[end + 1] == "", "blank line around $$ blocks"
        body = lines[start + 1 : end]
        assert body and all(line.strip() for line in body), "no blank line inside a block"
    assert "\\begin{split}" not in md
    assert "\\begin{aligned}" in md


def test_markdown_display_lines_that_look_like_blocks_are_indented():
    report = FileReport(
        "formulas/x.md",
        "X",
        (
            _result(
                formula=1,
                latex="\\begin{split}a &= b \\\\\n- c &= d \\\\\n1. &= e\\end{split}",
                parsed="- c = d",
            ),
        ),
    )
    md = render_markdown(report)
    assert "\n    - c &= d \\\\\n    1. &= e\\end{aligned}\n" in md
    assert "\n$$\n    - c = d\n$$\n" in md


def test_markdown_inline_math_uses_the_backtick_form_and_prose_is_escaped():
    report = FileReport(
        "formulas/x.md",
        "X",
        (
            _result(
                formula=1,
                message="The *factor* $a_i * b_i$ is [wrong] <b>here</b> | x",
                lint=("uses `w`",),
            ),
        ),
    )
    md = render_markdown(report)
    assert "$`a_i * b_i`$" in md
    assert "\\*factor\\*" in md and "\\[wrong\\]" in md and "\\<b\\>here\\</b\\>" in md
    assert "\\`w\\`" in md


def test_markdown_table_cells_escape_pipes_in_mathematics():
    refuted = mini_report().results[-1]
    cx = dataclasses.replace(refuted.counterexample, point={r"|a_1|": "0.25"})
    report = FileReport("formulas/x.md", "X", (dataclasses.replace(refuted, counterexample=cx),))
    row = next(line for line in render_markdown(report).splitlines() if "a_1" in line)
    assert row == r"| $`\|a_1\|`$ | `0.25` |"


def test_toplevel_alignment_marks_are_wrapped():
    assert has_toplevel_alignment(r"g(t) &= \ 1")
    assert not has_toplevel_alignment(r"\begin{cases} a & b \\ c & d \end{cases}")
    assert not has_toplevel_alignment(r"a \& b")
    assert normalise_display(r"g(t) &= 1", "aligned") == r"\begin{aligned}g(t) &= 1\end{aligned}"
    assert normalise_display("\\begin{split}a &= b\n\n\\end{split}", "aligned") == (
        "\\begin{aligned}a &= b\n\\end{aligned}"
    )


def test_split_prose():
    assert split_prose(r"costs \$5 and $x_1$ more") == (
        ("costs $5 and ", False),
        ("x_1", True),
        (" more", False),
    )


# --- HTML --------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_html_escapes_everything_from_the_file():
    evil = "<script>alert(1)</script>"
    report = FileReport(
        f"formulas/{evil}.md",
        evil,
        (
            _result(
                formula=1,
                latex=r"a = \text{" + evil + "}",
                message=evil,
                section=(evil,),
                lint=(evil,),
                evidence=evil,
                derivation=evil,
                diagnosis=evil,
                assumptions=(evil,),
            ),
        ),
        notes=(evil,),
        instances=(evil,),
        headings=((1, 1, evil),),
    )
    page = render_html(report)
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "&lt;script&gt;" in page


def test_html_is_self_contained_and_renders_math_as_mathml():
    page = render_html(backprop_report())
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "@import" not in page and "url(" not in page and "<script" not in page
    assert '<html lang="zh">' in page and "@media print" in page and "overflow-x: auto" in page
    assert 'name="viewport"' in page
    report = backprop_report()
    assert page.count('<math display="block"') >= len(report.results)
    assert 'class="tex"' not in page, "every formula converted"


def test_verdicts_carry_a_symbol_not_only_a_colour():
    page = render_html(mini_report())
    for status, label in ((Status.REFUTED, "refuted"), (Status.CONDITIONAL, "conditional")):
        assert re.search(
            rf'class="badge st-{status.value}"><span class="sym" aria-hidden="true">'
            rf"{re.escape(status.symbol)}</span>{label}",
            page,
        )


def test_mathml_is_escaped_and_splits_become_tables():
    out = to_mathml(r"a < b \text{<i>&}", display=False)
    assert "<i>" not in out and "&lt;i&gt;&amp;" in out
    out = to_mathml("\\begin{split}a &= b \\\\\n&= c\\end{split}", display=True)
    assert out.count("<mtr>") == 2 and 'display="block"' in out


def test_unconvertible_latex_is_shown_as_source_not_dropped(monkeypatch):
    from derive.report import html as html_mod
    from derive.report.mathml import MathError

    def boom(tex, *, display):
        raise MathError(tex)

    monkeypatch.setattr(html_mod, "to_mathml", boom)
    page = render_html(FileReport("formulas/x.md", "X", (_result(formula=1, latex="a<b"),)))
    assert '<pre class="tex">a&lt;b</pre>' in page


# --- JSON --------------------------------------------------------------------------------------


def test_json_holds_the_same_content_in_a_fixed_key_order():
    report = mini_report()
    data = json.loads(render_json(report))
    assert list(data) == [
        "schema",
        "file",
        "title",
        "lang",
        "counts",
        "findings",
        "model",
        "sections",
        "results",
    ]
    assert data["schema"] == "derive-report/1"
    assert data["lang"] == "en"  # the stand-in document is written in English
    assert data["counts"] == {
        "refuted": 1,
        "error": 0,
        "conditional": 1,
        "unchecked": 0,
        "verified": 2,
        "definition": 1,
    }
    assert [r["anchor"] for r in data["results"]] == [e.anchor for e in layout(report).entries]
    refuted = data["results"][-1]
    assert refuted["counterexample"]["indices"] == {"i": 1, "j": 2}
    assert refuted["counterexample"]["lhs"] == "-0.1875"
    original = {r.latex for r in report.results}
    assert {r["latex"] for r in data["results"]} == original
    assert all(isinstance(e, Entry) for e in layout(report).entries)
