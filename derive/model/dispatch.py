"""Dispatch on a node's class, as SymPy's printers dispatch on `_print_<Class>`: one table of
handlers per concern, each handler found along the class's MRO (a subclass of `Scalar` is
handled as a `Scalar` unless it has a handler of its own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]


class ByType:
    """A table from node classes to handlers; `ByType.find(cls)` is the handler of the first
    class of `cls.__mro__` in the table, or None (memoised per class)."""

    def __init__(self, table: dict[type, Handler]) -> None:
        self._table = dict(table)
        self._found: dict[type, Handler | None] = {}

    def find(self, cls: type) -> Handler | None:
        try:
            return self._found[cls]
        except KeyError:
            handler = next((self._table[c] for c in cls.__mro__ if c in self._table), None)
            self._found[cls] = handler
            return handler
