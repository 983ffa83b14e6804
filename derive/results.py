"""The values `derive check` produces: one `Result` per checked equation or derivation step.

These frozen dataclasses are the contract between the checker and everything that presents its
work (the command line, the reports). They hold strings and numbers only, so they serialise to
JSON without help and compare equal across runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    """A verdict. Only VERIFIED and DEFINITION count as passes."""

    DEFINITION = "definition"  # taken from the document as a definition of the model
    VERIFIED = "verified"  # equal to the derived side at every tested point and index
    REFUTED = "refuted"  # a witness shows the two sides differ
    CONDITIONAL = "conditional"  # fails in general, holds under the named assumptions
    UNCHECKED = "unchecked"  # the tool could not decide; `message` says why (a gap, not a pass)
    ERROR = "error"  # bad input: the formula could not be read

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Status.DEFINITION: "≡",
    Status.VERIFIED: "✓",
    Status.REFUTED: "✗",
    Status.CONDITIONAL: "≈",
    Status.UNCHECKED: "?",
    Status.ERROR: "!",
}


@dataclass(frozen=True)
class Counterexample:
    """A witness: where the two sides of a claim were evaluated and came apart."""

    instance: str  # the network shape, e.g. "n=3, C=(2, 3, 2)"
    indices: dict[str, int]  # values of the formula's free indices, e.g. {"l": 2, "i": 1}
    point: dict[str, str]  # the inputs that matter, rendered, e.g. {"y_1": "1", "a^{(1)}_1": "0.3"}
    lhs: str  # value of the left side (derived), as a decimal string
    rhs: str  # value of the right side (as written)


@dataclass(frozen=True)
class Comparison:
    """The same claim checked under an alternative model named by the document."""

    model: str
    status: Status
    message: str
    diagnosis: str | None = None


@dataclass(frozen=True)
class Result:
    file: str
    line: int
    col: int
    latex: str  # the formula as written (for a step: `lhs = rhs` of that step)
    kind: str  # "equation", "step", "definition", "assumption", "update", "cases"
    status: Status
    message: str  # one sentence a reader can act on
    section: tuple[str, ...] = ()  # the heading path in the document
    formula: int = 0  # 1-based number of the display formula in its file
    step: int | None = None  # 1-based step number inside a derivation chain
    parsed: str = ""  # LaTeX of what the tool understood (SymPy rendered back)
    derivation: str = ""  # how the derived side was obtained
    evidence: str = ""  # what was evaluated: instances, index values, points, precision
    assumptions: tuple[str, ...] = ()  # for CONDITIONAL: the conditions under which it holds
    diagnosis: str | None = None  # for REFUTED: what differs (factor, sign, index, layer, ...)
    counterexample: Counterexample | None = None
    lint: tuple[str, ...] = ()  # findings that do not change the verdict
    comparisons: tuple[Comparison, ...] = ()
    cell: int | None = None  # in a notebook: the cell (1-based, every cell counted) ...
    cell_line: int | None = None  # ... and the line inside it; `line` is the JSON file's line

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["comparisons"] = [
            {**dataclasses.asdict(c), "status": c.status.value} for c in self.comparisons
        ]
        return data


@dataclass(frozen=True)
class Definition:
    """An equation the model was built from."""

    file: str
    line: int
    latex: str
    defines: str  # the quantity or function it defines, as LaTeX


@dataclass(frozen=True)
class FileReport:
    """Everything `derive check` learned about one formulas file."""

    file: str
    title: str
    results: tuple[Result, ...]
    definitions: tuple[Definition, ...] = ()
    instances: tuple[str, ...] = ()  # the network shapes checked on
    notes: tuple[str, ...] = ()  # model-level findings, e.g. what the document's softmax costs
    headings: tuple[tuple[int, int, str], ...] = ()  # (line, level, text) of every heading

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results:
            out[r.status.value] += 1
        return out

    @property
    def has_refuted(self) -> bool:
        return any(r.status is Status.REFUTED for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "title": self.title,
            "counts": self.counts(),
            "definitions": [dataclasses.asdict(d) for d in self.definitions],
            "instances": list(self.instances),
            "notes": list(self.notes),
            "results": [r.to_json() for r in self.results],
        }


__all__ = [
    "Comparison",
    "Counterexample",
    "Definition",
    "FileReport",
    "Result",
    "Status",
    "field",
]
