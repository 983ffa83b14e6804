"""What a report says, before it is written as Markdown, HTML or JSON.

Every output format walks the same `Layout`: the findings, the comparison table, and the
document's headings and results in the document's order, each result with a stable anchor.
Keeping that here means the three formats cannot disagree about order, anchors or findings.
Text that comes from the document is made harmless by `derive.text.visible` (control characters
shown as escapes) and `derive.report.texts` (LaTeX commands that would carry a link, a style or
an attribute; the document's language).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.results import FileReport, Result, Status

# Severity order: what a reader must look at first comes first.
STATUS_ORDER: tuple[Status, ...] = (
    Status.REFUTED,
    Status.ERROR,
    Status.CONDITIONAL,
    Status.UNCHECKED,
    Status.VERIFIED,
    Status.DEFINITION,
)

STATUS_LABEL: dict[Status, str] = {
    Status.REFUTED: "refuted",
    Status.ERROR: "error",
    Status.CONDITIONAL: "conditional",
    Status.UNCHECKED: "unchecked",
    Status.VERIFIED: "verified",
    Status.DEFINITION: "definition",
}

FLAG_SYMBOL = "⚑"  # a lint finding on a result whose verdict is otherwise fine


@dataclass(frozen=True)
class Entry:
    """One result with the anchor and title every format uses for it."""

    result: Result
    anchor: str  # HTML id / Markdown anchor name, e.g. "f7-s2"
    title: str  # e.g. "Formula 7, step 2"


@dataclass(frozen=True)
class Heading:
    """A heading of the document that has at least one result beneath it."""

    level: int  # the document's level: 1 for `#`
    text: str
    anchor: str
    line: int


Block = Heading | Entry


@dataclass(frozen=True)
class Finding:
    """A line of the findings summary at the top of a report."""

    entry: Entry
    flagged: bool  # has lint findings
    why: str  # the one-sentence explanation: the message, then the lint findings


@dataclass(frozen=True)
class ComparisonRow:
    entry: Entry
    verdicts: tuple[Status | None, ...]  # one per model in `ComparisonTable.models`
    separating: str  # the diagnosis that tells the models apart ("" if none)


@dataclass(frozen=True)
class ComparisonTable:
    models: tuple[str, ...]  # the alternative models, in order of first appearance
    rows: tuple[ComparisonRow, ...]  # the results where the models part
    agreeing: int = 0  # results checked in every model with the same verdict


@dataclass(frozen=True)
class Layout:
    report: FileReport
    entries: tuple[Entry, ...]  # every result, in document order
    blocks: tuple[Block, ...]  # headings and entries, in document order
    findings: tuple[Finding, ...]
    comparisons: ComparisonTable


def entry_title(result: Result) -> str:
    if result.formula > 0:
        title = f"Formula {result.formula}"
    else:
        title = f"Line {result.line}"
    if result.step is not None:
        title += f", step {result.step}"
    return title


def _anchor_base(result: Result, index: int) -> str:
    if result.formula > 0:
        base = f"f{result.formula}"
        return base + (f"-s{result.step}" if result.step is not None else "")
    return f"r{index + 1}"


def _document_order(results: tuple[Result, ...]) -> list[Result]:
    keyed = [
        (r.line, r.col, r.formula, r.step if r.step is not None else 0, i, r)
        for i, r in enumerate(results)
    ]
    return [k[-1] for k in sorted(keyed, key=lambda k: k[:5])]


def entries_of(report: FileReport) -> tuple[Entry, ...]:
    """Results in document order with anchors; several rows of one formula are numbered."""
    ordered = _document_order(report.results)
    rows_of: dict[int, int] = {}
    for r in ordered:
        if r.formula > 0 and r.step is None:
            rows_of[r.formula] = rows_of.get(r.formula, 0) + 1
    row_seen: dict[int, int] = {}
    out: list[Entry] = []
    seen: set[str] = set()
    for i, result in enumerate(ordered):
        anchor = base = _anchor_base(result, i)
        title = entry_title(result)
        if result.formula > 0 and result.step is None and rows_of[result.formula] > 1:
            row = row_seen[result.formula] = row_seen.get(result.formula, 0) + 1
            anchor = base = f"{base}-r{row}"
            title += f", row {row}"
        n = 2
        while anchor in seen:
            anchor = f"{base}-{n}"
            n += 1
        seen.add(anchor)
        out.append(Entry(result=result, anchor=anchor, title=title))
    return tuple(out)


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-").lower()


def _heading_anchor(index: int, text: str) -> str:
    slug = _slug(text)
    return f"h{index + 1}" + (f"-{slug}" if slug else "")


def blocks_of(report: FileReport, entries: tuple[Entry, ...]) -> tuple[Block, ...]:
    """Headings and results merged in document order; headings without results dropped.

    With `FileReport.headings` the merge is by line. Without them the headings are rebuilt
    from each result's `section` path.
    """
    if report.headings:
        headings = sorted(report.headings)
        merged: list[tuple[int, int, int, Block]] = []
        for i, (line, level, text) in enumerate(headings):
            merged.append((line, 0, i, Heading(level, text, _heading_anchor(i, text), line)))
        for i, e in enumerate(entries):
            merged.append((e.result.line, 1, i, e))
        ordered = [m[-1] for m in sorted(merged, key=lambda m: m[:3])]
    else:
        ordered = []
        path: tuple[str, ...] = ()
        count = 0
        for e in entries:
            section = e.result.section
            common = 0
            while common < min(len(path), len(section)) and path[common] == section[common]:
                common += 1
            for depth in range(common, len(section)):
                text = section[depth]
                ordered.append(
                    Heading(depth + 1, text, _heading_anchor(count, text), e.result.line)
                )
                count += 1
            path = section
            ordered.append(e)
    return _drop_empty_headings(ordered)


def _drop_empty_headings(blocks: list[Block]) -> tuple[Block, ...]:
    keep: list[Block] = []
    for i, block in enumerate(blocks):
        if isinstance(block, Heading):
            # keep a heading if an entry follows before a heading of the same or higher rank
            for later in blocks[i + 1 :]:
                if isinstance(later, Entry):
                    keep.append(block)
                    break
                if later.level <= block.level:
                    break
        else:
            keep.append(block)
    return tuple(keep)


def findings_of(entries: tuple[Entry, ...]) -> tuple[Finding, ...]:
    """Everything that is not a plain pass: by severity, then in document order."""
    out: list[Finding] = []
    for status in STATUS_ORDER:
        for e in entries:
            r = e.result
            if r.status is not status:
                continue
            needs_reader = status in (
                Status.REFUTED,
                Status.ERROR,
                Status.CONDITIONAL,
                Status.UNCHECKED,
            )
            if not needs_reader and not r.lint:
                continue
            why = r.message
            if r.lint:
                if why and not why.endswith((".", "!", "?", "。")):
                    why += "."
                why = (why + " " if why else "") + "Lint: " + " ".join(r.lint)
            out.append(Finding(entry=e, flagged=bool(r.lint), why=why))
    return tuple(out)


def comparisons_of(entries: tuple[Entry, ...]) -> ComparisonTable:
    models: list[str] = []
    for e in entries:
        for c in e.result.comparisons:
            if c.model not in models:
                models.append(c.model)
    rows: list[ComparisonRow] = []
    agreeing = 0
    for e in entries:
        r = e.result
        if not r.comparisons:
            continue
        if all(c.status is r.status for c in r.comparisons):
            agreeing += 1
            continue
        verdicts: list[Status | None] = []
        for model in models:
            found = [c.status for c in r.comparisons if c.model == model]
            verdicts.append(found[0] if found else None)
        diagnoses = [r.diagnosis] if r.diagnosis else []
        diagnoses += [c.diagnosis for c in r.comparisons if c.diagnosis]
        rows.append(ComparisonRow(e, tuple(verdicts), " ".join(diagnoses)))
    return ComparisonTable(tuple(models), tuple(rows), agreeing)


def layout(report: FileReport) -> Layout:
    entries = entries_of(report)
    return Layout(
        report=report,
        entries=entries,
        blocks=blocks_of(report, entries),
        findings=findings_of(entries),
        comparisons=comparisons_of(entries),
    )


def section_label(report: FileReport, result: Result) -> str:
    """The heading path of a result, without the document's title when it leads."""
    path = result.section
    if path and path[0] == report.title:
        path = path[1:]
    return " › ".join(path)


def counts_in_order(report: FileReport) -> tuple[tuple[Status, int], ...]:
    counts = report.counts()
    return tuple((s, counts[s.value]) for s in STATUS_ORDER)


def flagged_count(report: FileReport) -> int:
    """Results with lint findings, whatever their verdict (a verified step can be flagged)."""
    return sum(1 for r in report.results if r.lint)
