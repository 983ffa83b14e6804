"""What a report says, before it is written as Markdown, HTML or JSON.

Every output format walks the same `Layout`: the findings, the comparison table, and the
document's headings and results in the document's order, each result with a stable anchor.
Keeping that here means the three formats cannot disagree about order, anchors or findings.

Two helpers every output uses on text that comes from a document: `visible` (from
derive/text.py: control characters shown as escapes, never sent raw to a terminal or a page)
and `unsafe_commands` (LaTeX commands that would carry a link, a style or an attribute into a
rendered report).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from derive.results import FileReport, Result, Status
from derive.text import visible

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


# --- The document's language ------------------------------------------------------------------

# Scripts that name a language on their own. A character's Unicode name starts with its script
# for these blocks ("CJK UNIFIED IDEOGRAPH-53CD", "HIRAGANA LETTER A", "HANGUL SYLLABLE GA").
_SCRIPT_LANG = (("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CJK", "zh"))


def document_text(report: FileReport) -> str:
    """The document's own words in a report: its title, headings and section names.

    Messages, diagnoses and notes are derive's (English) and mathematics is not prose, so
    neither says which language the document is written in.
    """
    parts = [report.title, *(text for _, _, text in report.headings)]
    for r in report.results:
        parts.extend(r.section)
    prose_only = [t for piece in parts for t, is_math in split_prose(piece) if not is_math]
    return "\n".join(prose_only)


def detect_lang(text: str) -> str:
    """A BCP 47 language tag for `text` from its script: Japanese kana -> "ja", Hangul ->
    "ko", other CJK ideographs -> "zh", anything else (Latin, or no letters) -> "en".

    Kana decides before ideographs: Japanese prose mixes kanji with kana, Chinese has none.
    """
    found: set[str] = set()
    for ch in text:
        if ord(ch) < 0x2E80:  # below the CJK radicals: Latin, Greek, punctuation, ...
            continue
        name = unicodedata.name(ch, "")
        for script, lang in _SCRIPT_LANG:
            if name.startswith(script):
                found.add(lang)
                break
    for lang in ("ja", "ko", "zh"):
        if lang in found:
            return lang
    return "en"


def document_lang(report: FileReport) -> str:
    """The language of the document a report is about, detected from its own text."""
    return detect_lang(document_text(report))


# --- Text from a document, made harmless -----------------------------------------------------

# `visible` is derive's one way of showing text from a document (derive/text.py): control
# characters and bidirectional overrides written as escapes (`\x1b`, `\u202e`). The reports
# use it for every string they take from the document; `derive.report.layout.visible` is the
# same function.


def has_invisible(text: str) -> bool:
    """True when `text` holds a character that `visible` would escape."""
    return visible(text) != text


# Commands whose MathML or MathJax rendering carries a link, an external resource, a style,
# a class, an id, data attributes or interaction, or that build command names or read files.
# A formula holding one is shown as its source text, never rendered. Macro definitions
# (`\gdef`, `\newcommand`, used by real notes) stay: the whole text of every formula is
# scanned, definitions included, so no macro can stand for one of these; latex2mathml and
# MathJax do not join a macro's text with what follows into a new command name; and the
# MathML allowlist (`mathml.sanitise`) is there behind all of this.
UNSAFE_COMMANDS = frozenset(
    {
        "href", "url", "includegraphics", "img",
        "style", "class", "cssId", "htmlData", "htmlStyle", "htmlClass", "htmlId", "html",
        "data", "attr", "toggle", "mathtip", "texttip", "tooltip", "unicode", "require",
        "csname", "catcode", "input", "include", "write", "immediate", "openout", "openin",
        "read", "special",
    }
)  # fmt: skip

_CONTROL_SEQUENCE = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


def unsafe_commands(tex: str) -> tuple[str, ...]:
    """The commands of `UNSAFE_COMMANDS` in `tex`, as written (`\\href`), in order, once each.

    Control sequences are read the way TeX reads them: `\\\\href` is a line break followed by
    the letters h, r, e, f.
    """
    found: list[str] = []
    for m in _CONTROL_SEQUENCE.finditer(tex):
        name = m.group(1)
        if name in UNSAFE_COMMANDS and "\\" + name not in found:
            found.append("\\" + name)
    return tuple(found)


# --- LaTeX handling shared by the formats ----------------------------------------------------

_ENV = re.compile(r"\\(begin|end)\s*\{([^}]*)\}")


def has_toplevel_alignment(tex: str) -> bool:
    """True when `&` or `\\\\` occur outside every environment (a step written `a &= b`)."""
    depth = 0
    i = 0
    while i < len(tex):
        m = _ENV.match(tex, i)
        if m:
            depth += 1 if m.group(1) == "begin" else -1
            i = m.end()
            continue
        ch = tex[i]
        if ch == "\\":
            if depth == 0 and tex.startswith("\\\\", i):
                return True
            i += 2
            continue
        if ch == "&" and depth == 0:
            return True
        i += 1
    return False


def normalise_display(tex: str, aligned_env: str) -> str:
    """The LaTeX of one display formula, tidied for a renderer.

    Blank lines are dropped (they end a display block in Markdown); `split` becomes
    `aligned_env` (GitHub's MathJax wants `aligned`, latex2mathml knows `split`); a formula
    with alignment marks outside any environment is wrapped in `aligned_env`.
    """
    lines = [line.rstrip() for line in tex.strip().splitlines() if line.strip()]
    body = "\n".join(lines)
    for old in ("split", "aligned"):
        if old != aligned_env:
            body = re.sub(r"\\(begin|end)\s*\{" + old + r"\}", r"\\\1{" + aligned_env + "}", body)
    if has_toplevel_alignment(body):
        body = f"\\begin{{{aligned_env}}}{body}\\end{{{aligned_env}}}"
    return body


_MATH_SPAN = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)


def split_prose(text: str) -> tuple[tuple[str, bool], ...]:
    """Prose with `$...$` inline mathematics, as (text, is_math) pieces."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _MATH_SPAN.finditer(text):
        if m.start() > pos:
            out.append((text[pos : m.start()].replace("\\$", "$"), False))
        out.append((m.group(1).strip(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:].replace("\\$", "$"), False))
    return tuple(out)
