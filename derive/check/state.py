"""The state of one document's check: the builder's (the model so far) and the checker's (the
results, the budgets and caches)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from derive.document import Document, Formula
from derive.errors import InputError
from derive.evaluate import Engine
from derive.infer import Inferred
from derive.model import Model
from derive.results import Definition, Result, Status

if TYPE_CHECKING:  # the verdict and its cache keys import this module
    from derive.check.keys import _VerdictKeys
    from derive.check.verdict import _Verdict


@dataclass
class _Reading:
    """What the model builder carries through one document: the model so far and the
    definitions read (as the report lists them)."""

    doc: Document
    model: Model
    inferred: Inferred | None = None  # the notation read from the formulas, when not written
    definitions: list[Definition] = field(default_factory=list)


@dataclass
class _State:
    """What the checker carries through one document."""

    reading: _Reading  # the builder's: the model so far
    engine: Engine
    results: list[Result] = field(default_factory=list)
    compare: dict[tuple[str, ...], Model] = field(default_factory=dict)
    compare_errors: set[tuple[str, ...]] = field(default_factory=set)  # sections reported
    symbolic: bool = False  # also try to confirm verified claims with sympy.simplify
    claim_budget: float | None = None  # seconds for each step's verdict (None: no budget)
    simplify_budget: float | None = None  # seconds for each sympy.simplify
    refuted: _Verdict | None = None  # the step's refutation, once found (a budget may end it)
    wide: bool = False  # the verdict being reached searched the whole model (a diagnosis)
    keys: _VerdictKeys | None = None  # the verdict cache's keys (None: no cache)
    # the models with the sizes a section fixes (derive.check.formula._sized), by model and sizes
    sized: dict[tuple, tuple[Model, Model]] = field(default_factory=dict)


def _error_result(formula: Formula, err: InputError, latex: str, line: int) -> Result:
    span = err.span
    if len(latex) > 200:  # a formula too long to check is also too long to repeat
        latex = latex[:200] + "…"
    return Result(
        file=formula.file, line=span.line if span else line, col=span.col if span else 1,
        latex=latex, kind="error", status=Status.ERROR, message=err.message,
        section=formula.section, formula=formula.number, diagnosis=err.render(),
    )
