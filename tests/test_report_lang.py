"""The report's language comes from the document; a flagged result is counted and marked.

Through the public renderers: `render_html`, `render_json`, `render_markdown` on FileReports
whose text is in one script or another.
"""

from __future__ import annotations

import json
import re

import pytest

from derive.report import render_html, render_json, render_markdown
from derive.report.texts import detect_lang
from derive.results import FileReport, Result, Status


def _report(title: str, heading: str, *, lint: tuple[str, ...] = ()) -> FileReport:
    result = Result(
        file="notes.md", line=3, col=1, latex="a = b", kind="equation",
        status=Status.VERIFIED, message="agrees", section=(title, heading), formula=1, lint=lint,
    )  # fmt: skip
    return FileReport(
        file="notes.md", title=title, results=(result,), headings=((1, 1, title), (2, 2, heading))
    )


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("9. 反向传播", "zh"),
        ("Backpropagation", "en"),
        ("誤差逆伝播法のしくみ", "ja"),  # kanji with kana: Japanese, not Chinese
        ("역전파", "ko"),
        ("Rétropropagation du gradient", "en"),  # Latin script: no better guess than en
        ("", "en"),
    ],
)
def test_language_from_the_script(text, lang):
    assert detect_lang(text) == lang


def test_an_english_document_gives_an_english_page():
    report = _report("Backpropagation", "The chain rule")
    page = render_html(report)
    assert '<html lang="en">' in page
    assert 'lang="zh"' not in page
    assert json.loads(render_json(report))["lang"] == "en"


def test_a_chinese_document_gives_a_chinese_page_with_derive_s_words_in_english():
    report = _report("9. 反向传播", "误差反向传播")
    page = render_html(report)
    assert '<html lang="zh">' in page
    assert '<main lang="en">' in page  # derive's words
    assert re.search(r'<h\d id="[^"]+" lang="zh">误差反向传播</h\d>', page)  # the document's
    assert json.loads(render_json(report))["lang"] == "zh"


def test_mathematics_in_a_title_does_not_decide_the_language():
    # $\delta$ is mathematics, the prose is English
    assert '<html lang="en">' in render_html(_report("The $\\delta$ rule", "Layers"))


def test_an_explicit_language_wins():
    assert '<html lang="de">' in render_html(_report("Backpropagation", "Kette"), lang="de")


def test_a_flagged_result_is_counted_marked_and_not_coloured_as_a_pass():
    page = render_html(_report("Notes", "Step", lint=("b_i should be b_j",)))
    assert re.search(r'<li class="badge flag">.*?1 flagged</li>', page)
    assert '<article class="card st-verified flagged"' in page
    assert page.count('<span class="badge flag">') == 2  # its card and its findings line
    assert "1 flagged" in render_markdown(_report("Notes", "Step", lint=("x",)))
    clean = render_html(_report("Notes", "Step"))
    assert re.search(r'<li class="badge flag zero">.*?0 flagged</li>', clean)
    assert "flagged\"" not in clean.split("<main", 1)[1]


def test_no_style_turns_text_upper_case():
    assert "text-transform" not in render_html(_report("Notes", "Step"))
