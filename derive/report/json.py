"""A FileReport as JSON: the same content as the Markdown and HTML, keys in a fixed order.

The schema is versioned by the top-level `"schema"` string; see `SCHEMA` below and the README.
That key, first in the file, is also how `derive report` knows a JSON file as one it wrote.

Strings hold the document's text as it is; the control characters JSON leaves raw (DEL, C1,
bidirectional overrides) are written as `\\u` escapes, so printing the file shows them inert.
"""

from __future__ import annotations

import json
import re
from typing import Any

from derive.report.layout import (
    Entry,
    Heading,
    Layout,
    counts_in_order,
    document_lang,
    layout,
    visible,
)
from derive.results import Comparison, Counterexample, FileReport, Result

SCHEMA = "derive-report/1"


def _counterexample(cx: Counterexample | None) -> dict[str, Any] | None:
    if cx is None:
        return None
    return {
        "instance": cx.instance,
        "indices": dict(cx.indices),
        "point": dict(cx.point),
        "lhs": cx.lhs,
        "rhs": cx.rhs,
    }


def _comparison(c: Comparison) -> dict[str, Any]:
    return {
        "model": c.model,
        "status": c.status.value,
        "symbol": c.status.symbol,
        "message": c.message,
        "diagnosis": c.diagnosis,
    }


def _result(e: Entry) -> dict[str, Any]:
    r: Result = e.result
    return {
        "anchor": e.anchor,
        "title": e.title,
        "file": r.file,
        "line": r.line,
        "col": r.col,
        "section": list(r.section),
        "formula": r.formula,
        "step": r.step,
        "kind": r.kind,
        "status": r.status.value,
        "symbol": r.status.symbol,
        "message": r.message,
        "latex": r.latex,
        "parsed": r.parsed,
        "derivation": r.derivation,
        "evidence": r.evidence,
        "counterexample": _counterexample(r.counterexample),
        "diagnosis": r.diagnosis,
        "assumptions": list(r.assumptions),
        "lint": list(r.lint),
        "comparisons": [_comparison(c) for c in r.comparisons],
    }


def report_dict(lay: Layout) -> dict[str, Any]:
    report = lay.report
    sections = [
        {"anchor": b.anchor, "line": b.line, "level": b.level, "text": b.text}
        for b in lay.blocks
        if isinstance(b, Heading)
    ]
    return {
        "schema": SCHEMA,
        "file": report.file,
        "title": report.title,
        "lang": document_lang(report),
        "counts": {s.value: n for s, n in counts_in_order(report)},
        "findings": [
            {
                "anchor": f.entry.anchor,
                "status": f.entry.result.status.value,
                "symbol": f.entry.result.status.symbol,
                "flagged": f.flagged,
                "location": f.entry.result.location,
                "message": f.why,
            }
            for f in lay.findings
        ],
        "model": {
            "notes": list(report.notes),
            "instances": list(report.instances),
            "definitions": [
                {"file": d.file, "line": d.line, "defines": d.defines, "latex": d.latex}
                for d in report.definitions
            ],
            "comparisons": {
                "models": list(lay.comparisons.models),
                "rows": [
                    {
                        "anchor": row.entry.anchor,
                        "document": row.entry.result.status.value,
                        "alternatives": [v.value if v else None for v in row.verdicts],
                        "separating": row.separating,
                    }
                    for row in lay.comparisons.rows
                ],
                "agreeing": lay.comparisons.agreeing,
            },
        },
        "sections": sections,
        "results": [_result(e) for e in lay.entries],
    }


def render_json(report: FileReport) -> str:
    text = json.dumps(report_dict(layout(report)), ensure_ascii=False, indent=2) + "\n"
    # json.dumps escapes C0 itself; what else `visible` would escape (DEL, C1, bidirectional
    # controls) can only stand inside a string, where a \uXXXX escape means the same character
    return _NON_ASCII.sub(_json_escape, text)


_NON_ASCII = re.compile(r"[^\x20-\x7e\n]")


def _json_escape(m: re.Match[str]) -> str:
    ch = m.group()
    return ch if visible(ch) == ch else f"\\u{ord(ch):04x}"


__all__ = ["SCHEMA", "render_json", "report_dict"]
