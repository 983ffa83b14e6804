"""The values `derive check` produces: one `Result` per checked equation or derivation step.

These frozen dataclasses are the contract between the checker and everything that presents its
work (the command line, the reports). They hold strings, numbers and enumerations only, so they
serialise to JSON and compare equal across runs. A refutation's diagnosis is data too, a
`Finding` (its kind, the LaTeX it names, named parameters); `derive.sentences` words it. Each
value has one JSON form, `to_json`; the files of `derive/schema/` describe it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum, StrEnum
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


class Kind(StrEnum):
    """What a result is about."""

    EQUATION = "equation"  # a claim checked against the derivation
    STEP = "step"  # one step of a derivation chain
    UPDATE = "update"  # a parameter update, W <- W - alpha dC/dW
    DEFINITION = "definition"  # a definition the model was built from
    ASSUMPTION = "assumption"  # an assumption of the model (y in {0, 1})
    ERROR = "error"  # a formula that could not be read


class FindingKind(StrEnum):
    """The closed set of diagnoses: what differs between the written and the derived side.

    The comment of each kind says what its `quantities` are, in order (LaTeX of the document's
    notation), and which `parameters` it has.
    """

    SIGN = "sign"  # (): the whole right side has the wrong sign
    CONSTANT_FACTOR = "constant_factor"  # (c,): the right side is c times the derived value;
    #   with parameters `term` and `fixed`: that term alone is c times its derived value
    SWAPPED_INDICES = "swapped_indices"  # (i, j): two free indices exchanged throughout
    INDEX_ORDER = "index_order"  # (written, fixed): a quantity's two indices in the other order
    EXTRA_FACTOR = "extra_factor"  # (f,): f should not be there; `term`: in that term only
    MISSING_FACTOR = "missing_factor"  # (f,): f is missing; `term`: from that term only
    FACTOR_SCOPE = "factor_scope"  # (f,) `term`: f outside a sum should not apply to that term
    WRONG_INDEX = "wrong_index"  # (written, fixed)
    WRONG_VARIABLE = "wrong_variable"  # (written, fixed): a derivative's variable
    WRONG_LAYER = "wrong_layer"  # (written, fixed)
    WRONG_QUANTITY = "wrong_quantity"  # (written, fixed): another quantity of the model's
    SUM_BOUND = "sum_bound"  # (written, fixed): a sum's upper bound
    SUM_RANGE = "sum_range"  # (i,): the sum over i leaves some i out
    SUM_OVERRUN = "sum_overrun"  # (): a sum runs over indices the quantity does not have
    TERM_SIGN = "term_sign"  # (t,): one term with the wrong sign
    EXTRA_TERM = "extra_term"  # (t,)
    MISSING_TERM = "missing_term"  # (t,): a chain-rule term left out
    PRODUCT_RULE_TERM = "product_rule_term"  # (t,): a term of the product rule left out
    MISSING_SQUARE = "missing_square"  # (written, fixed)
    EXTRA_SQUARE = "extra_square"  # (written, fixed)
    MIN_FOR_MAX = "min_for_max"  # (written, fixed)
    MAX_FOR_MIN = "max_for_min"  # (written, fixed)
    ARGUMENT_SIGN = "argument_sign"  # (written, fixed): the sign of a function's argument
    ACTIVATION = "activation"  # (written, fixed): the activation where its derivative belongs
    WRONG_DERIVATIVE = "wrong_derivative"  # (written, fixed) `of`: the derivative of `of`
    OTHER_ACTIVATION = "other_activation"  # (written, fixed): another layer's activation's f'
    WRONG_CONDITION = "wrong_condition"  # (written, fixed): an inequality the wrong way round
    CASES_EXCHANGED = "cases_exchanged"  # (c1, c2): the values of the cases c1, c2 exchanged
    WRONG_CASE = "wrong_case"  # () `case` (none: otherwise), `agrees`: the one failing case
    IN_CASE = "in_case"  # () `case` (none: otherwise), and `inner`, the finding in that case
    UNDER_ASSUMPTION = "under_assumption"  # () `assumption`, and `inner`, found under it
    # in matrix terms, for a claim in vector form
    NEEDLESS_TRANSPOSE = "needless_transpose"  # (x,): x^T written where x fits
    MISSING_TRANSPOSE = "missing_transpose"  # (x,): x should be transposed
    PRODUCT_ORDER = "product_order"  # (b, a): the product's factors the other way round
    MATMUL_FOR_HADAMARD = "matmul_for_hadamard"  # (x,): a matrix product for an odot
    HADAMARD_FOR_MATMUL = "hadamard_for_matmul"  # (x,) `order` "reversed" when swapped too
    ENTRIES_SWAPPED = "entries_swapped"  # (a, b): two entries of a vector written by its
    #   entries, each in the other's place
    ENTRY_COUNT = "entry_count"  # (written, wanted): a vector written by its entries with
    #   `written` entries where the left side has `wanted`, a size its section fixes (`size`)


Parameter = str | tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One diagnosis as data: what kind of edit makes the written side hold, and of what."""

    kind: FindingKind
    quantities: tuple[str, ...] = ()  # LaTeX, in the order the kind documents
    parameters: tuple[tuple[str, Parameter], ...] = ()  # named further facts, in a fixed order
    inner: Finding | None = None  # for IN_CASE and UNDER_ASSUMPTION: the finding they qualify

    def param(self, name: str) -> Parameter | None:
        return dict(self.parameters).get(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "quantities": list(self.quantities),
            "parameters": {k: v if isinstance(v, str) else list(v) for k, v in self.parameters},
            "inner": self.inner.to_json() if self.inner is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> Finding:
        """The inverse of `to_json`; ValueError (or a KeyError, TypeError) when it is not one."""
        if not isinstance(data, dict) or not isinstance(data["parameters"], dict):
            raise ValueError("a finding is not an object")
        quantities = tuple(_string(q) for q in data["quantities"])
        parameters = tuple(
            (_string(k), _string(v) if isinstance(v, str) else tuple(_string(x) for x in v))
            for k, v in data["parameters"].items())
        inner = None if data["inner"] is None else cls.from_json(data["inner"])
        return cls(FindingKind(data["kind"]), quantities, parameters, inner)


def _string(x: object) -> str:
    if not isinstance(x, str):
        raise ValueError("a finding's text is not a string")
    return x


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
    finding: Finding | None = None  # the diagnosis as data

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "status": self.status.value,
            "message": self.message,
            "diagnosis": self.diagnosis,
            "finding": self.finding.to_json() if self.finding is not None else None,
        }


@dataclass(frozen=True)
class Result:
    file: str
    line: int
    col: int
    latex: str  # the formula as written (for a step: `lhs = rhs` of that step)
    kind: Kind  # a plain string naming a Kind is taken too
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
    finding: Finding | None = None  # for REFUTED: the diagnosis as data (None for an error's)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind):
            object.__setattr__(self, "kind", Kind(self.kind))

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """Every field as JSON, in the order `derive check --format json` prints them (the
        report's JSON picks its own order of these and adds each status's symbol)."""
        cx = self.counterexample
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "latex": self.latex,
            "kind": self.kind.value,
            "status": self.status.value,
            "message": self.message,
            "section": list(self.section),
            "formula": self.formula,
            "step": self.step,
            "parsed": self.parsed,
            "derivation": self.derivation,
            "evidence": self.evidence,
            "assumptions": list(self.assumptions),
            "diagnosis": self.diagnosis,
            "finding": self.finding.to_json() if self.finding is not None else None,
            "counterexample": dataclasses.asdict(cx) if cx is not None else None,
            "lint": list(self.lint),
            "comparisons": [c.to_json() for c in self.comparisons],
            "cell": self.cell,
            "cell_line": self.cell_line,
        }


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
    "Finding",
    "FindingKind",
    "Kind",
    "Result",
    "Status",
    "field",
]
