"""`derive notation FILE ...`: what the tool read a document's notation to be.

For a document without a front matter it prints the inferred facts (the "read as" summary
`derive check` opens with) and the front matter they amount to, in the document's own comment
syntax, ready to paste at the top of the file and edit where the inference chose wrong. For a
document with a front matter it prints that notation as the tool reads it. Nothing is checked
and no file is written.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, TextIO

_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def setup(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("paths", nargs="+", metavar="PATH",
                     help="documents to read, or folders (walked as `derive check` walks them)")
    sub.add_argument("--latex", action="store_true", help="facts in LaTeX, not Unicode")
    sub.set_defaults(handler=run)


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(front: dict[str, Any]) -> str:
    """The front matter as TOML: plain keys first, then one table per quantity and scalar."""
    lines: list[str] = []
    for k, v in front.items():
        if not isinstance(v, dict):
            lines.append(f"{_key(k)} = {_value(v)}")
    for k in ("roles", "sizes", "functions", "diagonal"):
        if front.get(k):
            lines.append(f"[{k}]")
            lines += [f"{_key(a)} = {_value(b)}" for a, b in front[k].items()]
    for k in ("quantities", "scalars"):
        for name, spec in front.get(k, {}).items():
            lines.append(f"[{k}.{_key(name)}]")
            lines += [f"{_key(a)} = {_value(b)}" for a, b in spec.items()]
    return "\n".join(lines)


_COMMENTS = {  # how each format writes the front matter (derive.sources)
    "markdown": ("<!-- derive", "", "-->"),
    "notebook": ("<!-- derive", "", "-->"),
    "rst": (".. derive", "   ", ""),
    "latex": ("% derive", "% ", ""),
}


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print each document's notation (folders walked as `derive check` walks them). A file
    that cannot be read is a placed error on stderr, and the others are still shown; the exit
    code is then 2."""
    import sys

    from derive.errors import InputError
    from derive.output import error_text
    from derive.sources import discover

    out = out or sys.stdout
    err = err or sys.stderr
    files, errors = discover(args.paths)
    for e in errors:
        err.write(error_text(e) + "\n")
    shown = 0
    for path, name in files:
        try:
            text = _notation_of(path, name, args.latex)
        except InputError as e:
            err.write(error_text(e) + "\n")
            errors.append(e)
            continue
        out.write(("\n" if shown else "") + text)
        shown += 1
    return 2 if errors else 0


def _notation_of(path: Path, name: str, latex: bool) -> str:
    from derive.check import prepare, read_document
    from derive.unicode import to_unicode

    written = read_document(path, name)
    doc, inferred = prepare(written)
    lines: list[str] = []
    if "quantities" in written.front or inferred is None:
        lines.append(f"{name}: the notation is written in its front matter:")
        front = doc.front
    else:
        lines.append(f"{name}: read from its formulas:")
        for fact in inferred.facts:
            text = fact if latex else re.sub(r"\$([^$]+)\$", lambda m: to_unicode(m[1]), fact)
            lines.append(f"  {text}")
        front = inferred.front
        lines.append("\nAs a front matter (paste it first in the file to fix what is read):")
    head, prefix, tail = _COMMENTS.get(doc.format, _COMMENTS["markdown"])
    lines.append(head)
    lines.extend(prefix + line if line else line for line in to_toml(front).splitlines())
    if tail:
        lines.append(tail)
    return "\n".join(lines) + "\n"
