"""Text from a document, made safe to show: control characters become visible escapes.

A formula or a title can hold raw control characters (an ESC sequence recolours or rewrites a
terminal) or bidirectional overrides (which reorder what a reader sees). Everything derive
prints or renders from a document goes through `visible` first.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every unsafe character written as a backslash escape (`\\x1b`, `\\u202e`)."""
    return _UNSAFE.sub(_escape, text)
