"""The style sheet of the HTML report: one column that narrows on a phone, and a print layout;
no script, no web font, nothing fetched."""

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
