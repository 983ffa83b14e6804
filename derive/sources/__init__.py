"""Readers: every format notes are written in, each formula placed in the original file.

`read(path)` picks the reader by the file's type (`.md`/`.markdown`, `.rst`, `.tex`, `.ipynb`)
and returns a `Document`; `discover(paths)` walks files and folders the way users expect.
Modules: `document` (Document, Formula and the source map), `annotations` (the schema of front
matter and per-formula annotations), `builder` (the walk every reader shares), `macros` (a
document's own LaTeX macros), and one module per format.
"""

from __future__ import annotations

from derive.sources.document import CellMap, Document, Formula, SourceSpan
from derive.sources.files import SUFFIXES, discover, read, read_text

__all__ = ["SUFFIXES", "CellMap", "Document", "Formula", "SourceSpan", "discover", "read",
           "read_text"]
