"""Compatibility: the readers live in `derive.sources`; this module re-exports them."""

from __future__ import annotations

from pathlib import Path

from derive.sources import Document, Formula, read
from derive.sources.document import SourceSpan
from derive.sources.files import READERS, parse_text


def read_document(path: str | Path, display_name: str | None = None) -> Document:
    """Read a formulas file of any supported type (see `derive.sources.read`)."""
    return read(path, display_name)


def parse_document(text: str, name: str) -> Document:
    """Parse `text` as the type of `name` (Markdown when the type is not one derive reads)."""
    if Path(name).suffix.lower() in READERS:
        return parse_text(text, name)
    from derive.sources.markdown import parse

    return parse(text, name)


__all__ = ["Document", "Formula", "SourceSpan", "parse_document", "read_document"]
