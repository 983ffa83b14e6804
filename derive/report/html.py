"""A FileReport as one self-contained HTML page.

No scripts, no network: mathematics is MathML (rendered natively by current browsers), styles
are inline, fonts are the reader's system fonts (with CJK fallbacks for the document's prose).
Every string that comes from the checked file is escaped, its control characters shown
(`derive.text.visible`); its mathematics is sanitised MathML (`mathml`) or, failing that, its source
as text. The page carries no script, no external URL and no style from the document.
"""

from __future__ import annotations

import html

from derive.report.layout import (
    FLAG_SYMBOL,
    STATUS_LABEL,
    ComparisonTable,
    Entry,
    Heading,
    Layout,
    counts_in_order,
    flagged_count,
    layout,
    section_label,
)
from derive.report.mathml import MathError, to_mathml
from derive.report.style import CSS
from derive.report.texts import document_lang, split_prose
from derive.results import Counterexample, FileReport, Result, Status
from derive.text import visible

# How `derive report` knows a page as one it wrote (and may replace): see `write.is_generated`.
GENERATOR_META = '<meta name="generator" content="derive report">'


def escape(text: str) -> str:
    """Text for the page: markup escaped, control characters shown."""
    return html.escape(visible(text))


def math_html(tex: str, *, display: bool) -> str:
    try:
        rendered = to_mathml(tex, display=display)
    except MathError:
        # shown as source, never silently dropped
        tag = "pre" if display else "code"
        return f'<{tag} class="tex">{escape(tex)}</{tag}>'
    return f'<div class="formula">{rendered}</div>' if display else rendered


def prose(text: str) -> str:
    return "".join(
        math_html(t, display=False) if is_math else escape(t) for t, is_math in split_prose(text)
    )


def status_class(status: Status) -> str:
    return f"st-{status.value}"


def badge(status: Status | None) -> str:
    if status is None:
        return "—"
    return (
        f'<span class="badge {status_class(status)}"><span class="sym" aria-hidden="true">'
        f"{escape(status.symbol)}</span>{escape(STATUS_LABEL[status])}</span>"
    )


# A result with lint findings keeps its verdict (the step's value may be right) but is not
# shown as a plain pass: its own badge, and its card and findings line in the flag colour.
FLAG_BADGE = (
    f'<span class="badge flag"><span class="sym" aria-hidden="true">{FLAG_SYMBOL}</span>'
    "lint finding</span>"
)


def _card_class(result: Result) -> str:
    return status_class(result.status) + (" flagged" if result.lint else "")


def _labelled(label: str, content: str) -> str:
    """A table cell's content led by its column's name, which shows only where the table is
    stacked into blocks (a phone)."""
    return f'<span class="cell-label">{escape(label)}:</span>{content}'


def _counts(report: FileReport) -> str:
    items = []
    for status, n in counts_in_order(report):
        zero = " zero" if n == 0 else ""
        items.append(
            f'<li class="badge {status_class(status)}{zero}"><span class="sym" aria-hidden="true">'
            f"{escape(status.symbol)}</span>{n} {escape(STATUS_LABEL[status])}</li>"
        )
    flagged = flagged_count(report)
    items.append(
        f'<li class="badge flag{" zero" if flagged == 0 else ""}"><span class="sym" '
        f'aria-hidden="true">{FLAG_SYMBOL}</span>{flagged} flagged</li>'
    )
    return '<ul class="counts" aria-label="verdict counts">' + "".join(items) + "</ul>"


def _where(report: FileReport, result: Result, lang: str) -> str:
    where = section_label(report, result)
    return f' · <span lang="{escape(lang)}">{escape(where)}</span>' if where else ""


def _findings(lay: Layout, lang: str) -> list[str]:
    out = ['<section id="findings">', "<h2>Findings</h2>"]
    if not lay.findings:
        out.append("<p>Nothing refuted, conditional or flagged.</p>")
    else:
        out.append('<ul class="findings">')
        for f in lay.findings:
            r = f.entry.result
            flag = f" {FLAG_BADGE}" if f.flagged else ""
            out.append(
                f'<li class="{_card_class(r)}">{badge(r.status)}{flag} '
                f'<a href="#{escape(f.entry.anchor)}">{escape(f.entry.title)}</a> '
                f'<span class="where"><code>{escape(r.location)}</code>'
                + _where(lay.report, r, lang)
                + f"</span><br>{prose(f.why)}</li>"
            )
        out.append("</ul>")
    out.append("</section>")
    return out


DOCUMENT_MODEL = "Document's model"


def _comparison_table(table: ComparisonTable) -> list[str]:
    if not table.rows and not table.agreeing:
        return []
    head = "".join(f"<th>{escape(m)}</th>" for m in table.models)
    n = len(table.rows)
    out = [
        "<h3>The document's model beside the alternatives</h3>",
        f"<p>Checked also in: {escape(', '.join(table.models))}. {n} result{'s' if n != 1 else ''}"
        f" part; {table.agreeing} more get the same verdict in every model.</p>",
    ]
    if not table.rows:
        return out
    out += [
        '<div class="table-wrap"><table class="comparison stack">',
        (
            f"<thead><tr><th>Formula</th><th>{DOCUMENT_MODEL}</th>{head}"
            "<th>What separates them</th></tr></thead><tbody>"
        ),
    ]
    for row in table.rows:
        r = row.entry.result
        cells = "".join(
            f'<td class="verdict">{_labelled(m, badge(v))}</td>'
            for m, v in zip(table.models, row.verdicts)
        )
        sep = prose(row.separating) if row.separating else "—"
        out.append(
            f'<tr><td><a href="#{escape(row.entry.anchor)}">{escape(row.entry.title)}</a></td>'
            f'<td class="verdict">{_labelled(DOCUMENT_MODEL, badge(r.status))}</td>'
            f'{cells}<td class="separating">{_labelled("What separates them", sep)}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return out


def _model(lay: Layout) -> list[str]:
    report = lay.report
    out = ['<section id="model">', "<h2>The model</h2>"]
    body: list[str] = []
    if report.notes:
        body.append("<h3>Notes</h3>")
        body.append(
            '<ul class="plain">' + "".join(f"<li>{prose(n)}</li>" for n in report.notes) + "</ul>"
        )
    body += _comparison_table(lay.comparisons)
    if report.instances:
        body.append("<h3>Network instances checked on</h3>")
        body.append(
            '<ul class="plain">'
            + "".join(f"<li><code>{escape(i)}</code></li>" for i in report.instances)
            + "</ul>"
        )
    if report.definitions:
        body.append("<h3>Definitions</h3>")
        body.append(
            '<div class="table-wrap"><table class="definitions stack"><thead><tr>'
            "<th>Defines</th><th>Definition</th><th>Source</th></tr></thead><tbody>"
        )
        for d in report.definitions:
            body.append(
                f"<tr><td>{_labelled('Defines', math_html(d.defines, display=False))}</td>"
                f"<td>{math_html(d.latex, display=True)}</td>"
                f"<td>{_labelled('Source', '<code>' + escape(f'{d.file}:{d.line}') + '</code>')}</td></tr>"
            )
        body.append("</tbody></table></div>")
    if not body:
        body.append("<p>No definitions, instances or notes were recorded.</p>")
    return out + body + ["</section>"]


def _counterexample(cx: Counterexample) -> str:
    rows = [
        f'<tr><th scope="row">index {math_html(k, display=False)}</th>'
        f'<td class="num">{escape(str(v))}</td></tr>'
        for k, v in cx.indices.items()
    ]
    rows += [
        f'<tr><th scope="row">{math_html(k, display=False)}</th>'
        f'<td class="num">{escape(v)}</td></tr>'
        for k, v in cx.point.items()
    ]
    rows.append(
        f'<tr><th scope="row">left side (derived)</th><td class="num">{escape(cx.lhs)}</td></tr>'
    )
    rows.append(
        f'<tr><th scope="row">right side (as written)</th><td class="num">{escape(cx.rhs)}</td></tr>'
    )
    return (
        f'<p class="label">Counterexample on <code>{escape(cx.instance)}</code></p>'
        '<div class="table-wrap"><table class="counterexample"><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _entry(e: Entry) -> list[str]:
    r = e.result
    flag = FLAG_BADGE if r.lint else ""
    out = [
        f'<article class="card {_card_class(r)}" id="{escape(e.anchor)}">',
        (
            f'<header>{badge(r.status)}{flag}<span class="title">{escape(e.title)}</span>'
            f'<span class="where"><code>{escape(f"{r.location}:{r.col}")}</code> · {escape(r.kind)}</span></header>'
        ),
    ]
    if r.message:
        out.append(f'<p class="message">{prose(r.message)}</p>')
    out.append('<p class="label">As written</p>')
    out.append(math_html(r.latex, display=True))
    out.append(
        '<details class="tex-source"><summary>LaTeX source</summary>'
        f"<pre>{escape(r.latex)}</pre></details>"
    )
    if r.parsed:
        out.append('<p class="label">Understood as</p>')
        out.append(math_html(r.parsed, display=True))
    facts = []
    if r.derivation:
        facts.append(f"<dt>Derived side</dt><dd>{prose(r.derivation)}</dd>")
    if r.evidence:
        facts.append(f"<dt>Evidence</dt><dd>{prose(r.evidence)}</dd>")
    if r.diagnosis:
        facts.append(f"<dt>Diagnosis</dt><dd>{prose(r.diagnosis)}</dd>")
    if r.assumptions:
        items = "".join(f"<li>{prose(a)}</li>" for a in r.assumptions)
        facts.append(f'<dt>Holds when</dt><dd><ul class="plain">{items}</ul></dd>')
    if r.lint:
        items = "".join(f"<li>{prose(x)}</li>" for x in r.lint)
        facts.append(f'<dt>Lint {FLAG_SYMBOL}</dt><dd><ul class="plain">{items}</ul></dd>')
    if r.comparisons:
        items = "".join(
            f"<li>{escape(c.model)}: {badge(c.status)} {prose(c.message)}"
            + (f" <em>Diagnosis:</em> {prose(c.diagnosis)}" if c.diagnosis else "")
            + "</li>"
            for c in r.comparisons
        )
        facts.append(f'<dt>Under other models</dt><dd><ul class="plain">{items}</ul></dd>')
    if facts:
        out.append('<dl class="facts">' + "".join(facts) + "</dl>")
    if r.counterexample is not None:
        out.append(_counterexample(r.counterexample))
    out.append("</article>")
    return out


def render_html(report: FileReport, *, lang: str | None = None) -> str:
    """The page for `report`. `lang` is the document's language (a BCP 47 tag); by default it
    is detected from the document's own text (`texts.document_lang`). derive's own words on
    the page are marked `lang="en"`, the document's (title, headings, sections) `lang`."""
    lay = layout(report)
    lang = escape(lang or document_lang(report))
    title = f"Derivation report: {report.title}"
    legend = ", ".join(f"{escape(s.symbol)} {escape(STATUS_LABEL[s])}" for s in Status)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        GENERATOR_META,
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1><span lang="en">Derivation report:</span> {escape(report.title)}</h1>',
        (
            f'<p class="source" lang="en">Source <code>{escape(report.file)}</code> · '
            f"{len(lay.entries)} formulas and derivation steps checked</p>"
        ),
        _counts(report),
        f'<p class="legend" lang="en">{legend}, {FLAG_SYMBOL} lint finding.</p>',
        "</header>",
        '<main lang="en">',
    ]
    out += _findings(lay, lang)
    out += _model(lay)
    out += ['<section id="formulas">', "<h2>Formulas and derivation steps</h2>"]
    for block in lay.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 2, 6)
            out.append(
                f'<h{level} id="{escape(block.anchor)}" lang="{lang}">{prose(block.text)}</h{level}>'
            )
        else:
            out += _entry(block)
    out += ["</section>", "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
