"""A Sphinx extension: the book's formulas checked by derive during `sphinx-build`.

In `conf.py`::

    extensions = ["derive.sphinx"]
    derive_badges = True                 # a verdict badge and a collapsed note by each formula
    derive_pages = "annotated"           # or "all": which pages are checked (see below)
    derive_warn = ["refuted", "error"]   # the verdicts that are Sphinx warnings

Every page Sphinx reads from a file derive has a reader for (reStructuredText, Markdown with
MyST, LaTeX, notebooks) is read again from disk by derive's own reader (`derive.read_document`),
so each formula keeps its line and column in the file, and checked (`derive.check_document`).
A page is checked when it has a derive front matter (the `.. derive` comment, `<!-- derive`
in Markdown); with `derive_pages = "all"` every page is, and a page whose symbols derive cannot
place gets unreadable-formula warnings.

A result whose verdict is in `derive_warn` is a Sphinx warning at its source line
(`notes.rst:42: WARNING: derive: formula 3, step 2 (col 5) refuted: ... [derive.refuted]`), so
`sphinx-build -W` fails the build; `suppress_warnings = ["derive.refuted"]` silences a kind. A
page derive cannot read (bad front matter) is a warning at the line of the fault; a crash in
derive itself is a warning of type `derive.internal`, never a verdict and never a failed build
without `-W`. "Could not check" (unchecked) is a note in the page, not a pass.

In HTML, each `math` block (the directive, or a MyST math block) that derive checked is
followed by a line of verdict badges, one per formula or step, inside a collapsed `<details>`
whose body gives each one's message, diagnosis and lint findings (not on a notebook page: its
lines are those of the JSON, not of the cells). Other builders (LaTeX, text, man) get nothing
extra. The page's text from the document is escaped; nothing from it becomes
markup.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from docutils import nodes

from derive.errors import InputError
from derive.results import FileReport, Result, Status
from derive.text import visible
from derive.unicode import to_unicode

__all__ = ["setup"]

PAGES = ("annotated", "all")
STATUS_LABEL = {s: s.value for s in Status}
FLAG = "⚑"


class derive_verdicts(nodes.General, nodes.Element):  # noqa: N801 (a docutils node class)
    """The verdicts of one math block: `node["results"]` is a list of plain dicts."""


def _logger():  # type: ignore[no-untyped-def]
    from sphinx.util import logging

    return logging.getLogger("derive.sphinx")


def _text(text: str) -> str:
    """Plain text for a terminal or a page: `$...$` mathematics as Unicode, controls shown."""
    return visible(re.sub(r"(?<!\\)\$([^$]+)\$", lambda m: to_unicode(m[1]), text))


def _titles(report: FileReport) -> dict[int, str]:
    """Each result's name as the reports give it ("formula 1, row 2", "formula 8, step 3"),
    keyed by the result's identity."""
    from derive.report.layout import entries_of

    return {id(e.result): e.title[0].lower() + e.title[1:] for e in entries_of(report)}


def warning_text(r: Result, title: str) -> str:
    """One line for the build log: where in the formula, the verdict, why."""
    text = f"derive: {title} (col {r.col}) {r.status.value}: {_text(r.message)}"
    if r.diagnosis and r.status is Status.REFUTED:
        diagnosis = _text(r.diagnosis)
        if diagnosis.split(": ", 1)[-1] not in text:  # not already said by the message
            text += f"; {diagnosis}"
    return text


# --- Reading and checking a page ---------------------------------------------------------------


def _check_page(app: Any, docname: str) -> tuple[Path, FileReport] | None:
    """The page's report, or None when it is not one to check. Problems become warnings."""
    import derive

    env = app.env
    path = Path(env.doc2path(docname))
    try:
        shown = path.resolve().relative_to(Path(app.srcdir).resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    log = _logger()
    try:
        doc = derive.read_document(path, shown)
    except InputError as err:
        if app.config.derive_pages == "all" or _looks_annotated(path):
            line = err.span.line if err.span else None
            col = f" (col {err.span.col})" if err.span else ""
            log.warning(f"derive: cannot read the page{col}: {_text(err.message)}",
                        type="derive", subtype="error", location=(docname, line))
        return None
    except Exception as exc:  # a page of a type derive has no reader for, or a crash
        if _unsupported(path):
            return None
        log.warning(f"derive: internal error reading the page: {type(exc).__name__}: "
                    f"{visible(str(exc))}",
                    type="derive", subtype="internal", location=docname)
        return None
    if not doc.formulas or (app.config.derive_pages != "all" and not doc.front):
        return None
    try:
        report = derive.check_document(doc, symbolic=bool(app.config.derive_symbolic))
    except InputError as err:  # the front matter itself (notation) is wrong
        line = err.span.line if err.span else None
        col = f" (col {err.span.col})" if err.span else ""
        log.warning(f"derive: cannot check the page{col}: {_text(err.message)}",
                    type="derive", subtype="error", location=(docname, line))
        return None
    except Exception as exc:
        log.warning(f"derive: internal error checking the page: {type(exc).__name__}: "
                    f"{visible(str(exc))}",
                    type="derive", subtype="internal", location=docname)
        return None
    return path, report


# The types derive reads, by suffix as derive itself chooses its reader. `.txt` is left out: in
# a Sphinx project it is usually reStructuredText, which derive would read as Markdown.
_READ_SUFFIXES = (".md", ".markdown", ".rst", ".tex", ".ipynb")


def _unsupported(path: Path) -> bool:
    return path.suffix.lower() not in _READ_SUFFIXES


def _looks_annotated(path: Path) -> bool:
    """Whether a page that derive could not read meant to be read by it (has a front matter)."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return bool(re.search(r"^\s*(\.\.\s+derive\s*$|<!--\s*derive\b)", head, re.MULTILINE))


def _on_before_read(app: Any, env: Any, docnames: list[str]) -> None:
    """Check the pages about to be read, before Sphinx parses any of them.

    Here, outside Sphinx's parsing, derive's readers see docutils as docutils is (see
    `derive.sources.rst`); each report waits in the environment for the page's `doctree-read`
    (in a worker process too, when Sphinx reads in parallel).
    """
    pending: dict[str, tuple[str, FileReport]] = {}
    for docname in sorted(docnames):
        if _unsupported(Path(env.doc2path(docname))):
            continue
        checked = _check_page(app, docname)
        if checked is not None:
            pending[docname] = (str(checked[0]), checked[1])
    env.derive_pending = pending


def _on_env_updated(app: Any, env: Any) -> list[str]:
    env.derive_pending = {}  # read or not, nothing of it is kept in the pickled environment
    return []


def _on_doctree_read(app: Any, doctree: nodes.document) -> None:
    docname = app.env.docname
    checked = getattr(app.env, "derive_pending", {}).pop(docname, None)
    if checked is None:
        return
    path, report = Path(checked[0]), checked[1]
    warn = set(app.config.derive_warn)
    log = _logger()
    titles = _titles(report)
    for r in sorted(report.results, key=lambda r: (r.line, r.col, r.formula, r.step or 0)):
        if r.status.value in warn:
            log.warning(warning_text(r, titles[id(r)]), type="derive", subtype=r.status.value,
                        location=(docname, r.line))
    if path.suffix.lower() != ".ipynb":  # a notebook's lines are its JSON's, not the cells'
        _attach(doctree, path, report)


# --- Badges --------------------------------------------------------------------------------------


def _same_file(source: str | None, path: Path) -> bool:
    if not source:
        return False
    try:
        return Path(source).resolve() == path.resolve()
    except OSError:
        return False


def _attach(doctree: nodes.document, path: Path, report: FileReport) -> None:
    """A `derive_verdicts` node after each math block, holding the results that start in it:
    those whose line is at or after the block's first line and before the next block's."""
    blocks = [
        b for b in doctree.findall(nodes.math_block)
        if b.line is not None and _same_file(b.source, path)
    ]
    blocks.sort(key=lambda b: b.line)
    if not blocks:
        return
    titles = _titles(report)
    groups: dict[int, list[Result]] = {}
    for r in report.results:
        owner = None
        for k, b in enumerate(blocks):
            if b.line <= r.line:
                owner = k
        if owner is not None:
            groups.setdefault(owner, []).append(r)
    for k, results in groups.items():
        results.sort(key=lambda r: (r.line, r.col, r.formula, r.step or 0))
        node = derive_verdicts()
        node["results"] = [_summary(r, titles[id(r)]) for r in results]
        block = blocks[k]
        block.parent.insert(block.parent.index(block) + 1, node)


def _summary(r: Result, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "line": r.line,
        "col": r.col,
        "status": r.status.value,
        "symbol": r.status.symbol,
        "message": _text(r.message),
        "diagnosis": _text(r.diagnosis) if r.diagnosis else "",
        "assumptions": [_text(a) for a in r.assumptions],
        "lint": [_text(x) for x in r.lint],
    }


_NEEDS_READER = {"refuted", "error", "conditional", "unchecked"}


def _visit_verdicts_html(self: Any, node: derive_verdicts) -> None:
    results = node["results"]
    esc = html.escape
    worst = next((s.value for s in _ORDER if any(x["status"] == s.value for x in results)),
                 "verified")
    flagged = any(x["lint"] for x in results)
    badges = "".join(
        f'<span class="derive-badge derive-{esc(x["status"])}'
        + (' derive-flagged' if x["lint"] else "")
        + f'" title="{esc(x["title"])}: {esc(x["status"])}">'
        f'{esc(x["symbol"])} {esc(x["title"])}: {esc(x["status"])}'
        + (f" {FLAG}" if x["lint"] else "")
        + "</span>"
        for x in results
    )
    items = []
    for x in results:
        parts = [f'<strong>{esc(x["title"])}</strong> (line {x["line"]}, col {x["col"]}): '
                 f'{esc(x["status"])}. {esc(x["message"])}']
        if x["diagnosis"]:
            parts.append(f'<br>Diagnosis: {esc(x["diagnosis"])}')
        for a in x["assumptions"]:
            parts.append(f"<br>Holds when: {esc(a)}")
        for lint in x["lint"]:
            parts.append(f"<br>{FLAG} Lint: {esc(lint)}")
        items.append("<li>" + "".join(parts) + "</li>")
    # collapsed: the badges in the summary say the verdicts, the body says why
    cls = f"derive-note derive-{esc(worst)}" + (" derive-flagged" if flagged else "")
    self.body.append(
        f'<details class="{cls}"><summary>derive {badges}</summary>'
        f'<ul>{"".join(items)}</ul></details>'
    )
    raise nodes.SkipNode


_ORDER = (Status.REFUTED, Status.ERROR, Status.CONDITIONAL, Status.UNCHECKED, Status.VERIFIED,
          Status.DEFINITION)


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def _on_doctree_resolved(app: Any, doctree: nodes.document, docname: str) -> None:
    """Badges only where they can be shown: HTML, with `derive_badges` on."""
    if app.builder.format == "html" and app.config.derive_badges:
        return
    for node in list(doctree.findall(derive_verdicts)):
        node.parent.remove(node)


CSS = """
details.derive-note { margin: -0.4em 0 1em; font-size: 0.85em; color: #59636e; }
details.derive-note > summary { cursor: pointer; list-style-position: inside; }
details.derive-note ul { margin: 0.3em 0 0 1.2em; padding: 0; }
.derive-badge { display: inline-block; border: 1px solid currentColor; border-radius: 999px;
  padding: 0 0.55em; margin: 0.1em 0.2em; font-weight: 600; white-space: nowrap; }
.derive-refuted { color: #b42318; background: #fef3f2; }
.derive-error { color: #7a2e0e; background: #fff4ed; }
.derive-conditional { color: #8a5a00; background: #fff8e1; }
.derive-unchecked { color: #475467; background: #f2f4f7; }
.derive-verified { color: #1a7f37; background: #eefbf1; }
.derive-definition { color: #3538cd; background: #eef4ff; }
.derive-badge.derive-flagged { color: #9a3412; background: #fff7ed; }
details.derive-note { background: none; }
"""


def _on_builder_inited(app: Any) -> None:
    if app.builder.format == "html" and app.config.derive_badges:
        app.add_css_file("derive.css")


def _on_build_finished(app: Any, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html" or not app.config.derive_badges:
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "derive.css").write_text(CSS.lstrip(), encoding="utf-8")


def _check_config(app: Any, config: Any) -> None:
    if config.derive_pages not in PAGES:
        _logger().warning(f"derive: derive_pages must be one of {PAGES}, not "
                          f"{config.derive_pages!r}; using 'annotated'", type="derive",
                          subtype="config")
        config.derive_pages = "annotated"
    known = {s.value for s in Status}
    unknown = sorted(set(config.derive_warn) - known)
    if unknown:
        _logger().warning(f"derive: derive_warn names unknown verdicts {unknown}; known: "
                          f"{sorted(known)}", type="derive", subtype="config")


def setup(app: Any) -> dict[str, Any]:
    from derive import __version__

    app.add_config_value("derive_badges", True, "html", bool)
    app.add_config_value("derive_pages", "annotated", "env", str)
    app.add_config_value("derive_warn", ["refuted", "error"], "env", (list, tuple))
    app.add_config_value("derive_symbolic", False, "env", bool)
    app.add_node(
        derive_verdicts,
        html=(_visit_verdicts_html, None),
        latex=(_skip, None), text=(_skip, None), man=(_skip, None), texinfo=(_skip, None),
    )
    app.connect("config-inited", _check_config)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-before-read-docs", _on_before_read)
    app.connect("env-updated", _on_env_updated)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("build-finished", _on_build_finished)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
