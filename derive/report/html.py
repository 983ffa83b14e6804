"""A FileReport as one self-contained HTML page.

No scripts, no network: mathematics is MathML (rendered natively by current browsers), styles
are inline, fonts are the reader's system fonts (with CJK fallbacks for the document's prose).
Every string that comes from the checked file is escaped, its control characters shown
(`layout.visible`); its mathematics is sanitised MathML (`mathml`) or, failing that, its source
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
    document_lang,
    flagged_count,
    layout,
    section_label,
    split_prose,
    visible,
)
from derive.report.mathml import MathError, to_mathml
from derive.results import Counterexample, FileReport, Result, Status

# How `derive report` knows a page as one it wrote (and may replace): see `write.is_generated`.
GENERATOR_META = '<meta name="generator" content="derive report">'

CSS = """
:root {
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa; --rule: #d1d9e0;
  --link: #0969da;
  --refuted: #b42318; --refuted-bg: #fef3f2;
  --error: #7a2e0e; --error-bg: #fff4ed;
  --conditional: #8a5a00; --conditional-bg: #fff8e1;
  --unchecked: #475467; --unchecked-bg: #f2f4f7;
  --verified: #1a7f37; --verified-bg: #eefbf1;
  --definition: #3538cd; --definition-bg: #eef4ff;
  --flagged: #9a3412; --flagged-bg: #fff7ed;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 60rem; padding: 1rem 1rem 3rem; color: var(--fg);
  background: var(--bg); line-height: 1.55; font-size: 16px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
}
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "Noto Sans Math", math; }
math { font-size: 1.12em; }
math:not([display="block"]) { white-space: nowrap; }
td .formula math[display="block"] { display: inline math; math-style: normal; }
mtd[columnalign="left"] { text-align: left; }
mtd[columnalign="right"] { text-align: right; }
mtable[rowspacing] > mtr > mtd { padding: 0.25em 0; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--rule); padding-bottom: 0.2rem; margin-top: 2rem; }
h3, h4, h5, h6 { margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1.15rem; } h4 { font-size: 1.05rem; } h5, h6 { font-size: 1rem; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; background: var(--panel); padding: 0.05em 0.3em; border-radius: 4px;
  overflow-wrap: anywhere; }
.source { color: var(--muted); margin: 0 0 0.75rem; }
.counts { display: flex; flex-wrap: wrap; gap: 0.4rem; padding: 0; margin: 0.75rem 0; list-style: none; }
.badge { display: inline-block; border-radius: 999px; padding: 0.05rem 0.6rem; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; font-size: 0.9rem; }
.badge .sym { font-weight: 700; margin-right: 0.25em; }
.st-refuted { color: var(--refuted); background: var(--refuted-bg); }
.st-error { color: var(--error); background: var(--error-bg); }
.st-conditional { color: var(--conditional); background: var(--conditional-bg); }
.st-unchecked { color: var(--unchecked); background: var(--unchecked-bg); }
.st-verified { color: var(--verified); background: var(--verified-bg); }
.st-definition { color: var(--definition); background: var(--definition-bg); }
.zero { opacity: 0.55; }
.findings { padding: 0; list-style: none; margin: 0.5rem 0; }
.findings li { padding: 0.45rem 0.6rem; border-left: 4px solid var(--rule); margin: 0.35rem 0;
  background: var(--panel); border-radius: 0 6px 6px 0; }
.findings li.st-refuted, .card.st-refuted { border-left-color: var(--refuted); }
.findings li.st-error, .card.st-error { border-left-color: var(--error); }
.findings li.st-conditional, .card.st-conditional { border-left-color: var(--conditional); }
.findings li.st-unchecked, .card.st-unchecked { border-left-color: var(--unchecked); }
.findings li.st-verified, .card.st-verified { border-left-color: var(--verified); }
.findings li.st-definition, .card.st-definition { border-left-color: var(--definition); }
.findings li { color: var(--fg); }
.flag { color: var(--flagged); background: var(--flagged-bg); }
.findings li.flagged, .card.flagged { border-left-color: var(--flagged); }
.card.flagged { background: var(--flagged-bg); }
.where { color: var(--muted); font-size: 0.9em; }
.card { border: 1px solid var(--rule); border-left-width: 5px; border-radius: 8px; padding: 0.6rem 0.9rem;
  margin: 0.9rem 0; background: var(--bg); color: var(--fg); }
.card > header { display: flex; flex-wrap: wrap; gap: 0.3rem 0.7rem; align-items: baseline; }
.card > header h4, .card > header .title { margin: 0; font-size: 1rem; font-weight: 600; }
.card .message { margin: 0.4rem 0; font-weight: 500; }
.label { color: var(--muted); font-size: 0.85rem; font-weight: 600; margin: 0.6rem 0 0.1rem; }
.formula { overflow-x: auto; overflow-y: hidden; padding: 0.25rem 0.1rem; max-width: 100%; }
.formula math { margin: 0.25rem 0; }
.tex { white-space: pre-wrap; overflow-x: auto; background: var(--panel); padding: 0.4rem; }
dl.facts { margin: 0.4rem 0; display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; }
dl.facts dt { color: var(--muted); font-weight: 600; }
dl.facts dd { margin: 0; min-width: 0; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.4rem 0; font-size: 0.95rem; }
th, td { border: 1px solid var(--rule); padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
td.num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; text-align: right; }
td.verdict { white-space: nowrap; font-weight: 600; }
ul.plain { margin: 0.3rem 0; padding-left: 1.2rem; }
.cell-label { display: none; color: var(--muted); font-weight: 600; margin-right: 0.4em; }
details.tex-source { margin: 0.2rem 0; font-size: 0.85rem; color: var(--muted); }
details.tex-source pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel);
  padding: 0.4rem; margin: 0.3rem 0; }
.legend { color: var(--muted); font-size: 0.9rem; }
@media (max-width: 40rem) {
  body { padding: 0.6rem 0.6rem 2rem; font-size: 15px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dt { margin-top: 0.3rem; }
  .card { padding: 0.5rem 0.6rem; }
  /* a table of several columns is one character wide on a phone: each row becomes a block,
     each cell a line led by its column's name */
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; }
  table.stack thead { display: none; }
  table.stack tr { border: 1px solid var(--rule); border-radius: 6px; margin: 0.5rem 0;
    padding: 0.3rem 0.55rem; }
  table.stack td { border: 0; padding: 0.15rem 0; white-space: normal; }
  table.stack .cell-label { display: inline; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; }
  .card, .findings li, table, .formula { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  .formula, .table-wrap { overflow: visible; }
  details.tex-source { display: none; }
  .badge, .card, .findings li { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


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
    is detected from the document's own text (`layout.document_lang`). derive's own words on
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
