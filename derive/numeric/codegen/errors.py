"""The errors of code generation, and the wall-clock budget its searches run under."""

from __future__ import annotations

from derive.budget import BudgetExceeded, deadline  # wall-clock budgets (SIGALRM, main thread)

__all__ = ["BudgetExceeded", "CodegenError", "TranslationError", "UnsafeExpressionError",
           "deadline"]


class CodegenError(Exception):
    """The definitions could not be turned into numeric code."""


class TranslationError(CodegenError):
    """A derived expression has a shape the array translator does not know."""


class UnsafeExpressionError(CodegenError):
    """An expression about to reach lambdify holds a name that is not ours."""
