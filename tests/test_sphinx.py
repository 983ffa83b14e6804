"""The Sphinx extension the way a book's author runs it: a real `sphinx-build` in a subprocess
(`python -m sphinx`, the same program as the `sphinx-build` script) on a temporary project.

The chapter's own book page, ../shared/corpus/seed_07_backprop.rst, is copied into the project
with the annotations of formulas/backprop.md written as rst comments (the readers' corpus test
builds it that way); its warnings must be exactly the refuted and unreadable results
`derive.check_file` gives for the same file, at the same lines. A small page with a planted
wrong formula shows `-W` failing the build at the planted line, and the same page unplanted
building cleanly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="Sphinx is the `sphinx` extra: pip install -e '.[sphinx]'")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): WARNING: (?P<text>.*) \[(?P<type>[\w.]+)\]$")


def sphinx_build(src: Path, *args: str, builder: str = "html") -> subprocess.CompletedProcess:
    out = src / "_build" / builder
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", builder, "-q", "-E", *args, str(src), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def warnings_of(done: subprocess.CompletedProcess) -> list[tuple[str, int, str, str]]:
    """(file name, line, text, type) of each warning in the build's output."""
    out = []
    for line in done.stderr.splitlines():
        m = WARNING.match(line.strip())
        if m:
            out.append((Path(m["path"]).name, int(m["line"]), m["text"], m["type"]))
    return out


def derive_warnings(done: subprocess.CompletedProcess) -> list[tuple[str, int, str, str]]:
    return [w for w in warnings_of(done) if w[3].startswith("derive.")]


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Exception occurred" not in done.stderr, (
        done.stderr[-3000:]
    )


# --- The chapter's own book page -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (CORPUS / "seed_07_backprop.rst").is_file():
        pytest.skip("../shared/corpus/seed_07_backprop.rst not present")
    from test_sources_corpus import _annotated_seed

    src = tmp_path_factory.mktemp("book")
    _annotated_seed(src)
    # a planted typo, `sofmax`: an unreadable formula, and with it refuted cross-entropy steps
    page = src / "seed_07_backprop.rst"
    text = page.read_text(encoding="utf-8")
    assert text.count("softmax(\\mathbb{a}") == 1
    page.write_text(text.replace("softmax(\\mathbb{a}", "sofmax(\\mathbb{a}"), encoding="utf-8")
    (src / "07_backprop.jpg").write_bytes(b"\xff\xd8\xff\xd9")  # the page's figure, a stand-in
    (src / "index.rst").write_text(
        "The book\n========\n\n.. toctree::\n\n   seed_07_backprop\n", encoding="utf-8"
    )
    (src / "conf.py").write_text('extensions = ["derive.sphinx"]\n', encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def seed_build(seed_book: Path) -> subprocess.CompletedProcess:
    return sphinx_build(seed_book)


def test_the_chapter_warns_at_the_lines_of_its_refuted_and_unreadable_formulas(
    seed_book: Path, seed_build: subprocess.CompletedProcess
) -> None:
    from derive.check import check_file
    from derive.results import Status

    no_traceback(seed_build)
    assert seed_build.returncode == 0, seed_build.stderr[-3000:]  # warnings, no -W: it builds
    report = check_file(seed_book / "seed_07_backprop.rst", "seed_07_backprop.rst")
    expected = sorted(
        ("seed_07_backprop.rst", r.line, f"derive.{r.status.value}")
        for r in report.results
        if r.status in (Status.REFUTED, Status.ERROR)
    )
    got = sorted((name, line, kind) for name, line, _, kind in derive_warnings(seed_build))
    assert expected, "the page (with its planted typo) has refuted and unreadable formulas"
    assert got == expected
    # nothing else of Sphinx's own warns: the warnings are derive's alone
    assert len(warnings_of(seed_build)) == len(got), seed_build.stderr
    lines = (seed_book / "seed_07_backprop.rst").read_text(encoding="utf-8").splitlines()
    for _, line, text, _ in derive_warnings(seed_build):
        # the line is inside a math directive's content, and the text says where in it
        assert lines[line - 1].startswith("  ") and lines[line - 1].strip(), line
        col = int(re.search(r"\(col (\d+)\)", text).group(1))
        assert lines[line - 1][col - 1 :].strip(), (line, col)


def test_the_misspelt_softmax_is_named_at_its_column(
    seed_book: Path, seed_build: subprocess.CompletedProcess
) -> None:
    lines = (seed_book / "seed_07_backprop.rst").read_text(encoding="utf-8").splitlines()
    errors = [w for w in derive_warnings(seed_build) if w[3] == "derive.error"]
    assert errors
    for _, line, text, _ in errors:
        col = int(re.search(r"\(col (\d+)\)", text).group(1))
        assert "unknown symbol `s`" in text
        assert lines[line - 1][col - 1 :].startswith("sofmax")


def test_each_math_block_has_its_verdicts_beside_it_in_the_html(
    seed_book: Path, seed_build: subprocess.CompletedProcess
) -> None:
    page = (seed_book / "_build" / "html" / "seed_07_backprop.html").read_text(encoding="utf-8")
    blocks = len(re.findall(r'<div class="math[^"]*"', page))
    notes = re.findall(r'<details class="derive-note[^"]*">(.*?)</details>', page, re.DOTALL)
    source = (seed_book / "seed_07_backprop.rst").read_text(encoding="utf-8")
    directives = sum(1 for s in source.splitlines() if s.strip().startswith(".. math::"))
    assert blocks == directives and len(notes) == blocks  # every `.. math::` was checked
    # the note follows its block: no block without a note after it before the next block
    parts = re.split(r'<div class="math[^"]*"', page)[1:]
    assert all('<details class="derive-note' in p for p in parts)
    # the cross-entropy steps rest on the unreadable softmax: unknown, not refuted
    from derive.check import check_file

    report = check_file(seed_book / "seed_07_backprop.rst", "seed_07_backprop.rst")
    tenth = {r.status.value for r in report.results if r.formula == 10}
    assert tenth == {"unchecked"}
    assert 'class="derive-badge derive-unchecked"' in page and "formula 10: unchecked" in page
    assert 'derive-flagged' in page  # the b_i/b_j step of the recursion
    css = (seed_book / "_build" / "html" / "_static" / "derive.css").read_text(encoding="utf-8")
    assert ".derive-badge" in css and 'href="_static/derive.css' in page
    assert "<details class=\"derive-note" in page and " open" not in re.search(
        r'<details class="derive-note[^>]*>', page
    ).group(0), "the note is collapsed"


# --- A planted wrong formula ---------------------------------------------------------------------

MINI = ROOT / "tests" / "golden" / "mini.md"

# tests/golden/mini.md's model as an rst page: the front matter and the definitions as rst
# comments and a math directive, then a claim.
PAGE = """\
.. derive
{front}

Mini
====

.. derive: definitions = "all"

.. math::

   \\begin{{split}}z^{{(l+1)}}_i &= b^{{(l)}}_i + \\sum_{{j=1}}^{{C_l}} w^{{(l)}}_{{ij}} a^{{(l)}}_j \\\\
   a^{{(l)}}_i &= g(z^{{(l)}}_i) \\\\
   g(t) &= \\frac{{1}}{{1 + e^{{-t}}}}\\end{{split}}

The sigmoid's derivative:

.. math::

   {claim}

Done.
"""
RIGHT = r"g^{\prime}(t) = g(t)(1 - g(t))"
WRONG = r"g^{\prime}(t) = g(t)(1 + g(t))"  # a sign changed
UNREADABLE = r"g^{\prime}(t) = g(t)(1 - g(t)"  # a bracket left open


def _front() -> str:
    md = MINI.read_text(encoding="utf-8")
    front = md[md.index("<!-- derive\n") + len("<!-- derive\n") : md.index("-->")]
    return "\n".join("   " + s if s.strip() else "" for s in front.strip("\n").split("\n"))


def small_book(tmp_path: Path, claim: str, conf: str = "") -> tuple[Path, int]:
    src = tmp_path / "book"
    src.mkdir(parents=True)
    text = PAGE.format(front=_front(), claim=claim)
    (src / "index.rst").write_text(text, encoding="utf-8")
    (src / "conf.py").write_text('extensions = ["derive.sphinx"]\n' + conf, encoding="utf-8")
    line = text.splitlines().index("   " + claim) + 1
    return src, line


def test_the_unplanted_page_builds_with_W(tmp_path: Path) -> None:
    src, _ = small_book(tmp_path, RIGHT)
    done = sphinx_build(src, "-W")
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert derive_warnings(done) == []
    page = (src / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert "✓ formula 2: verified" in page  # checked, and shown as checked


@pytest.mark.parametrize(("claim", "kind"), [(WRONG, "refuted"), (UNREADABLE, "error")])
def test_a_planted_wrong_formula_fails_the_build_with_W_at_its_line(
    tmp_path: Path, claim: str, kind: str
) -> None:
    src, line = small_book(tmp_path, claim)
    done = sphinx_build(src, "-W", "--keep-going")
    no_traceback(done)
    assert done.returncode != 0, "sphinx-build -W passed a wrong formula"
    found = derive_warnings(done)
    assert [(name, ln, t) for name, ln, _, t in found] == [("index.rst", line, f"derive.{kind}")]
    text = found[0][2]
    assert text.startswith("derive: formula 2 (col ") and f" {kind}: " in text
    if kind == "refuted":  # the diagnosis, in the document's letters
        assert "g(t) has the wrong sign" in text


def test_warnings_can_be_suppressed_and_verdicts_chosen(tmp_path: Path) -> None:
    src, _ = small_book(tmp_path, WRONG, 'suppress_warnings = ["derive.refuted"]\n')
    done = sphinx_build(src, "-W")
    assert done.returncode == 0 and derive_warnings(done) == [], done.stderr
    src2, line = small_book(tmp_path / "b", RIGHT, 'derive_warn = ["verified"]\n')
    done = sphinx_build(src2, "-W")
    assert done.returncode != 0
    assert ("index.rst", line, "derive.verified") in [(n, ln, t) for n, ln, _, t in
                                                      derive_warnings(done)]


def test_badges_off_and_other_builders_get_no_markup(tmp_path: Path) -> None:
    src, _ = small_book(tmp_path, WRONG, "derive_badges = False\n")
    done = sphinx_build(src)
    no_traceback(done)
    page = (src / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert "derive-note" not in page and "derive.css" not in page
    assert len(derive_warnings(done)) == 1  # still checked
    src2, _ = small_book(tmp_path / "t", WRONG)
    done = sphinx_build(src2, builder="text")
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    text = (src2 / "_build" / "text" / "index.txt").read_text(encoding="utf-8")
    assert "refuted" not in text and "derive" not in text
    assert len(derive_warnings(done)) == 1


def test_pages_without_a_derive_front_matter_are_left_alone(tmp_path: Path) -> None:
    src = tmp_path / "book"
    src.mkdir()
    (src / "index.rst").write_text(
        "Notes\n=====\n\n.. math::\n\n   E = m c^2\n\nSee :ref:`genindex`.\n", encoding="utf-8"
    )
    (src / "conf.py").write_text('extensions = ["derive.sphinx"]\n', encoding="utf-8")
    done = sphinx_build(src, "-W")
    assert done.returncode == 0 and derive_warnings(done) == [], done.stderr
    (src / "conf.py").write_text(
        'extensions = ["derive.sphinx"]\nderive_pages = "all"\n', encoding="utf-8"
    )
    done = sphinx_build(src)
    no_traceback(done)
    assert [(ln, t) for _, ln, _, t in derive_warnings(done)] == [(6, "derive.error")]


def test_a_bad_front_matter_is_a_warning_at_its_line_and_the_build_goes_on(tmp_path: Path) -> None:
    src, _ = small_book(tmp_path, RIGHT)
    page = src / "index.rst"
    text = page.read_text(encoding="utf-8").replace('   layers = "n"', '   layers = "n"\n   bogus = 1', 1)
    page.write_text(text, encoding="utf-8")
    (src / "other.rst").write_text("Other\n=====\n\n.. math::\n\n   a = b\n", encoding="utf-8")
    done = sphinx_build(src)
    no_traceback(done)
    assert done.returncode == 0
    found = derive_warnings(done)
    bogus = text.splitlines().index("   bogus = 1") + 1
    assert [(n, t) for n, _, _, t in found] == [("index.rst", "derive.error")]
    assert found[0][1] in (bogus, bogus - 1) and "bogus" in found[0][2], found
    assert (src / "_build" / "html" / "other.html").is_file()


def test_myst_markdown_pages_are_checked_too(tmp_path: Path) -> None:
    pytest.importorskip("myst_parser", reason="myst-parser not installed")
    src = tmp_path / "book"
    src.mkdir()
    md = MINI.read_text(encoding="utf-8")
    shutil.copy(MINI, src / "index.md")
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "derive.sphinx"]\n'
        'myst_enable_extensions = ["dollarmath", "amsmath"]\n', encoding="utf-8"
    )  # fmt: skip
    done = sphinx_build(src)
    no_traceback(done)
    from derive.check import check_file
    from derive.results import Status

    report = check_file(MINI, "index.md")
    expected = [(r.line, f"derive.{r.status.value}") for r in report.results
                if r.status in (Status.REFUTED, Status.ERROR)]  # fmt: skip
    assert expected and [(ln, t) for _, ln, _, t in derive_warnings(done)] == expected
    assert md.splitlines()[expected[0][0] - 1].strip()  # a line of the formula
    page = (src / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert page.count('<details class="derive-note') == 4


def test_setup_declares_parallel_safety() -> None:
    from derive import sphinx as ext

    class App:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def add_config_value(self, name, *a, **k):  # type: ignore[no-untyped-def]
            self.calls.append(name)

        def add_node(self, *a, **k):  # type: ignore[no-untyped-def]
            pass

        def connect(self, event, handler):  # type: ignore[no-untyped-def]
            self.calls.append(event)

    app = App()
    meta = ext.setup(app)
    assert meta["parallel_read_safe"] and meta["parallel_write_safe"]
    assert {"derive_badges", "derive_pages", "derive_warn", "doctree-read"} <= set(app.calls)


def test_text_from_the_page_never_becomes_markup_in_the_note(tmp_path: Path) -> None:
    claim = r"g^{\prime}(t) = g(t)(1 - g(t)) \text{<script>alert(1)</script>} + q"
    src, line = small_book(tmp_path, claim)
    done = sphinx_build(src)
    no_traceback(done)
    assert [(n, ln) for n, ln, _, _ in derive_warnings(done)] == [("index.rst", line)]
    page = (src / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    notes = "".join(re.findall(r'<details class="derive-note.*?</details>', page, re.DOTALL))
    assert notes and "<script" not in notes and "alert(1)</" not in notes
