"""A FileReport as GitHub-flavoured Markdown whose mathematics GitHub renders.

GitHub quirks handled here: display mathematics goes in `$$` blocks on their own lines at the
top level (never inside a list item); `split` is shown as `aligned`; inline mathematics uses
the `$`...`$` form, so `_` and `*` in it never meet Markdown emphasis; prose from the
document is backslash-escaped; `|` inside table cells is escaped.

Nothing from the document becomes markup: control characters are shown (`derive.text.visible`),
prose is escaped (`$` and `&` too, so it starts no mathematics and no entity), a `<` that could
open an HTML tag inside display mathematics is written `\\lt`, and a formula using a command of
`texts.UNSAFE_COMMANDS` (`\\href`, `\\style`, `\\url`, ...) or holding a control
character is shown as code, not handed to the site's MathJax.

The first line is `MARKER`: it tells `derive report` that the file is one it wrote and may
replace.
"""

from __future__ import annotations

import re

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
from derive.report.texts import has_invisible, normalise_display, split_prose, unsafe_commands
from derive.results import Counterexample, FileReport, Status
from derive.text import visible

MARKER = "<!-- generator: derive report (edit the source file and rerun, not this file) -->"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~$&])")


def escape_text(text: str) -> str:
    """Plain text that Markdown shows as it is."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", visible(text)))


def _as_source(tex: str) -> bool:
    """A formula shown as its source, not handed to MathJax: one with a command that could
    carry markup, or with a control character (shown as an escape MathJax would misread)."""
    return bool(unsafe_commands(tex)) or has_invisible(tex)


def inline_math(tex: str) -> str:
    shown = " ".join(visible(tex).split())
    if "`" in shown or _as_source(tex):  # shown as source, not rendered
        tex = shown
        return "<code>" + tex.replace("&", "&amp;").replace("<", "&lt;") + "</code>"
    return f"$`{shown}`$"


def prose(text: str) -> str:
    """Prose with `$...$` mathematics."""
    return "".join(
        inline_math(t) if is_math else escape_text(t) for t, is_math in split_prose(text)
    )


# A line that Markdown would read as a block of its own even inside a paragraph: a list item,
# quote, heading, setext underline, fence, table or HTML block. Four spaces of indentation
# make it a paragraph continuation line (MathJax ignores the spaces).
_BLOCK_START = re.compile(r"^\s{0,3}([-+*>#=|<`~]|\d+[.)])")


# `<` before a letter, `/`, `!` or `?` would open an HTML tag or comment in a `$$` block.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


_BARE_DOLLAR = re.compile(r"(?<!\\)\$")


def display_math(tex: str) -> list[str]:
    # a bare `$` could close the `$$` block early and let the rest be read as Markdown
    if _as_source(tex) or _BARE_DOLLAR.search(tex):  # shown as source, not rendered
        body = visible(tex.strip("\n"))
        fence = "`" * max(3, _longest_run(body, "`") + 1)
        return [f"{fence}text", *body.split("\n"), fence, ""]
    body = _TAG_OPEN.sub(r"\\lt ", normalise_display(tex, "aligned"))
    lines = ["    " + line if _BLOCK_START.match(line) else line for line in body.split("\n")]
    return ["$$", *lines, "$$", ""]


def _longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)


def code(text: str) -> str:
    text = " ".join(visible(text).split())
    fence = "`" * (_longest_run(text, "`") + 1)
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """Markdown already rendered, made safe for a table cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def verdict(status: Status | None) -> str:
    if status is None:
        return "—"
    return f"{status.symbol} {STATUS_LABEL[status]}"


def _counts_line(report: FileReport) -> str:
    counts = [f"{s.symbol} {n} {STATUS_LABEL[s]}" for s, n in counts_in_order(report)]
    return " · ".join([*counts, f"{FLAG_SYMBOL} {flagged_count(report)} flagged"])


def _findings(lay: Layout) -> list[str]:
    out = ["## Findings", ""]
    if not lay.findings:
        out += ["Nothing refuted, conditional or flagged.", ""]
        return out
    for f in lay.findings:
        r = f.entry.result
        flag = f" {FLAG_SYMBOL}" if f.flagged else ""
        where = section_label(lay.report, r)
        line = (
            f"- {r.status.symbol}{flag} **{STATUS_LABEL[r.status]}** "
            f"[{f.entry.title}](#{f.entry.anchor}) ({code(r.location)}"
            + (f", {escape_text(where)}" if where else "")
            + f"): {prose(f.why)}"
        )
        out.append(line)
    out.append("")
    return out


def _comparison_table(table: ComparisonTable) -> list[str]:
    if not table.rows and not table.agreeing:
        return []
    out = [
        "### The document's model beside the alternatives",
        "",
        f"{_agreeing(table)}",
        "",
    ]
    if not table.rows:
        return out
    out += [
        "| Formula | Document's model | "
        + " | ".join(cell(escape_text(m)) for m in table.models)
        + " | What separates them |",
        "|---|---|" + "---|" * len(table.models) + "---|",
    ]
    for row in table.rows:
        r = row.entry.result
        cells = [
            f"[{row.entry.title}](#{row.entry.anchor})",
            verdict(r.status),
            *(verdict(v) for v in row.verdicts),
            prose(row.separating) if row.separating else "—",
        ]
        out.append("| " + " | ".join(cell(c) for c in cells) + " |")
    out.append("")
    return out


def _agreeing(table: ComparisonTable) -> str:
    models = ", ".join(table.models)
    parts = f"{len(table.rows)} result{'s' if len(table.rows) != 1 else ''} part"
    return (f"Checked also in: {escape_text(models)}. {parts}; {table.agreeing} more get the "
            "same verdict in every model.")


def _model(lay: Layout) -> list[str]:
    report = lay.report
    out = ["## The model", ""]
    if report.notes:
        out += ["### Notes", ""]
        out += [f"- {prose(n)}" for n in report.notes]
        out.append("")
    out += _comparison_table(lay.comparisons)
    if report.instances:
        out += ["### Network instances checked on", ""]
        out += [f"- {code(i)}" for i in report.instances]
        out.append("")
    if report.definitions:
        out += ["### Definitions", ""]
        for d in report.definitions:
            out += [f"Defines {inline_math(d.defines)} · {code(f'{d.file}:{d.line}')}", ""]
            out += display_math(d.latex)
    if out == ["## The model", ""]:
        out += ["No definitions, instances or notes were recorded.", ""]
    return out


def _counterexample(cx: Counterexample) -> list[str]:
    out = [f"**Counterexample** on {code(cx.instance)}:", "", "| | Value |", "|---|---|"]
    for name, value in cx.indices.items():
        out.append(f"| index {cell(inline_math(name))} | {cell(code(str(value)))} |")
    for name, shown in cx.point.items():
        out.append(f"| {cell(inline_math(name))} | {cell(code(shown))} |")
    out.append(f"| left side (derived) | {cell(code(cx.lhs))} |")
    out.append(f"| right side (as written) | {cell(code(cx.rhs))} |")
    out.append("")
    return out


def _entry(e: Entry) -> list[str]:
    r = e.result
    flag = f" {FLAG_SYMBOL}" if r.lint else ""
    out = [
        f'<a name="{e.anchor}"></a>',
        "",
        (
            f"**{r.status.symbol}{flag} {e.title}: {STATUS_LABEL[r.status]}** · "
            f"{code(f'{r.location}:{r.col}')} · {escape_text(r.kind)}"
        ),
        "",
    ]
    if r.message:
        out += [f"> {prose(r.message)}", ""]
    out += ["*As written:*", "", *display_math(r.latex)]
    if r.parsed:
        out += ["*Understood as:*", "", *display_math(r.parsed)]
    if r.derivation:
        out += [f"**Derived side:** {prose(r.derivation)}", ""]
    if r.evidence:
        out += [f"**Evidence:** {prose(r.evidence)}", ""]
    if r.counterexample is not None:
        out += _counterexample(r.counterexample)
    if r.diagnosis:
        out += [f"**Diagnosis:** {prose(r.diagnosis)}", ""]
    if r.assumptions:
        out += ["**Holds when:**", ""]
        out += [f"- {prose(a)}" for a in r.assumptions]
        out.append("")
    if r.lint:
        out += [f"**Lint** {FLAG_SYMBOL}:", ""]
        out += [f"- {prose(finding)}" for finding in r.lint]
        out.append("")
    if r.comparisons:
        out += ["**Under other models:**", ""]
        for c in r.comparisons:
            line = f"- {escape_text(c.model)}: {verdict(c.status)}: {prose(c.message)}"
            if c.diagnosis:
                line += f" Diagnosis: {prose(c.diagnosis)}"
            out.append(line)
        out.append("")
    return out


def render_markdown(report: FileReport) -> str:
    lay = layout(report)
    out = [
        MARKER,
        "",
        f"# Derivation report: {escape_text(report.title)}",
        "",
        (
            f"Source: {code(report.file)} · generated by `derive report` · "
            f"{len(lay.entries)} formulas and steps checked"
        ),
        "",
        f"**{_counts_line(report)}**",
        "",
        "Legend: "
        + ", ".join(f"{s.symbol} {STATUS_LABEL[s]}" for s in Status)
        + f", {FLAG_SYMBOL} lint finding.",
        "",
    ]
    out += _findings(lay)
    out += _model(lay)
    out += ["## Formulas and derivation steps", ""]
    for block in lay.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 2, 6)
            out += [
                f'<a name="{block.anchor}"></a>',
                "",
                "#" * level + " " + prose(block.text),
                "",
            ]
        else:
            out += _entry(block)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
