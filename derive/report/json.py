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

from derive.report.layout import Entry, Heading, Layout, counts_in_order, layout
from derive.report.texts import document_lang
from derive.results import Comparison, FileReport, Result
from derive.text import visible

SCHEMA = "derive-report/1"


# the report's order of a result's keys (Result.to_json gives them; `symbol`s are the report's)
_RESULT_KEYS = ("file", "line", "col", "section", "formula", "step", "kind", "status", "symbol",
                "message", "latex", "parsed", "derivation", "evidence", "counterexample",
                "diagnosis", "assumptions", "lint", "comparisons")
_COMPARISON_KEYS = ("model", "status", "symbol", "message", "diagnosis")


def _comparison(c: Comparison) -> dict[str, Any]:
    data = {**c.to_json(), "symbol": c.status.symbol}
    return {k: data[k] for k in _COMPARISON_KEYS}


def _result(e: Entry) -> dict[str, Any]:
    r: Result = e.result
    data = {**r.to_json(), "symbol": r.status.symbol,
            "comparisons": [_comparison(c) for c in r.comparisons]}
    return {"anchor": e.anchor, "title": e.title, **{k: data[k] for k in _RESULT_KEYS}}


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
