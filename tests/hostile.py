"""Small hostile documents for the hardening tests: the chapter's front matter, its forward pass
and loss as definitions, then the formulas under test. Written to a temporary folder and checked
through the command line, as a user would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parents[1]
_CHAPTER = (ROOT / "formulas" / "backprop.md").read_text(encoding="utf-8")
FRONT = _CHAPTER[: _CHAPTER.index("-->") + 3] + "\n"

DEFINITIONS = r"""
# Test

<!-- derive: definitions = [1, 2, 4] -->
$$
\begin{split}z^{(l+1)}_i &= \ b^{(l)}_i + \sum_{j=1}^{C_l}w^{(l)}_{ij}a^{(l)}_j, \\
g(t) &= \ \frac{1}{1 + e^{-t}}, \\
g^{\prime}(t) &= \ (1 - g(t))g(t) , \\
a^{(l)}_i &= \ g(z^{(l)}_i).\end{split}
$$

<!-- derive: definitions = "all" -->
$$
\delta^{(l)}_i = \ \frac{\partial{\mathcal{L}}}{\partial{z^{(l)}_i}}
$$

<!-- derive: definitions = "all" -->
$$
\mathcal{L} = \frac{1}{2} \sum_{j=1}^{C_n}(y_j - a^{(n)}_j)^2.
$$
"""

GOOD = r"\frac{\partial{\mathcal{L}}}{\partial{b_i^{(l)}}} = \delta^{(l+1)}_i"


@dataclass
class Doc:
    path: Path
    text: str

    def line_of(self, needle: str) -> int:
        """The file line of the first occurrence of `needle`."""
        pos = self.text.index(needle)
        return self.text.count("\n", 0, pos) + 1

    def col_of(self, needle: str) -> int:
        pos = self.text.index(needle)
        return pos - (self.text.rfind("\n", 0, pos) + 1) + 1


def write_doc(tmp_path: Path, *blocks: str, front: str = FRONT, definitions: bool = True,
              name: str = "doc.md") -> Doc:
    """A document: front matter, the definitions, then each block. A block that does not start
    with `<!--` or `$$` is wrapped as a display formula."""
    parts = [front, DEFINITIONS if definitions else "\n# Test\n"]
    for b in blocks:
        parts.append("\n" + (b if b.lstrip().startswith(("<!--", "$$")) else f"$$\n{b}\n$$")
                     + "\n")
    text = "".join(parts)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Doc(path, text)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def error_at(self, doc: Doc, line: int, col: int | None = None) -> str:
        """The `file:line:col: error: ...` line of stderr at that place (the test fails if none)."""
        prefix = f"{doc.path.as_posix()}:{line}:" + (f"{col}:" if col is not None else "")
        heads = [s for s in self.err.splitlines() if s.startswith(prefix) and "error: " in s]
        assert heads, f"no error at {prefix} in stderr:\n{self.err}\nstdout:\n{self.out}"
        return heads[0]


def check(capsys: pytest.CaptureFixture[str], doc: Doc, *extra: str) -> Run:
    code = main(["check", *extra, doc.path.as_posix()])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in out + err, out + err
    return Run(code, out, err)


def caret_col(err: str, head: str) -> int:
    """The column the caret under `head`'s source line points at."""
    lines = err.splitlines()
    k = lines.index(head)
    caret = lines[k + 2]
    assert re.fullmatch(r"\s*\^~*", caret), caret
    return caret.index("^") - 4 + 1
