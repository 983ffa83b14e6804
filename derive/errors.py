"""Errors the core raises. Only the command line turns them into messages and exit codes.

Every input error carries a `Span` so that it prints as `file:line:col: message`, followed by
the source line and a caret under the column, the way SymPy's LaTeX parser reports errors.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_WIDTH = 160  # characters of a long source line shown around an error's column


@dataclass(frozen=True)
class Span:
    file: str
    line: int  # 1-based
    col: int  # 1-based
    source_line: str = ""
    width: int = 1

    def shifted(self, offset: int, width: int = 1) -> Span:
        """The span `offset` characters further along the same line."""
        return Span(self.file, self.line, self.col + offset, self.source_line, max(width, 1))


class DeriveError(Exception):
    """Base of everything the tool reports to a user instead of a traceback."""

    exit_code = 2


class InputError(DeriveError):
    """Bad input: a file, a formula, a symbol or an index the tool cannot accept."""

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def __reduce__(self) -> tuple:
        """Pickled as its class, arguments and attributes, whatever its subclass's `__init__`
        takes (a worker process hands its file's error back)."""
        return (_restored, (type(self), self.args, self.__dict__))

    def at(self, span: Span) -> InputError:
        """The same error, placed at `span` if it has no place yet."""
        if self.span is None:
            self.span = span
        return self

    def render(self) -> str:
        head = f"{self.span.file}:{self.span.line}:{self.span.col}: " if self.span else ""
        cell = getattr(self.span, "cell", None)  # a notebook's place: its cell and line in it
        if cell:
            head += f"(cell {cell}, line {getattr(self.span, 'cell_line', '?')}) "
        lines = [f"{head}error: {self.message}"]
        if self.span and self.span.source_line:
            src = self.span.source_line.rstrip("\n")
            col, width = self.span.col, self.span.width
            if len(src) > SOURCE_WIDTH:  # a window around the column, not a megabyte line
                start = max(0, min(col - 1 - SOURCE_WIDTH // 3, len(src) - SOURCE_WIDTH))
                shown = src[start : start + SOURCE_WIDTH]
                lead = "…" if start > 0 else ""
                src = lead + shown + ("…" if start + SOURCE_WIDTH < len(src) else "")
                col = col - start + len(lead)
                width = min(width, SOURCE_WIDTH - (col - 1 - len(lead)))
            lines.append("    " + src)
            # keep tabs so the caret lines up under the same column in a terminal
            pad = "".join("\t" if ch == "\t" else " " for ch in src[: col - 1])
            lines.append("    " + pad + "^" + "~" * max(0, width - 1))
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _restored(cls: type, args: tuple, state: dict) -> InputError:
    err = cls.__new__(cls, *args)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class Crashed(Exception):
    """A bug met while checking a file (its exception's class name and message: the
    output says them; a traceback does not cross from a worker process)."""

    def __init__(self, kind: str, message: str):
        super().__init__(kind, message)
        self.kind, self.message = kind, message

    def __str__(self) -> str:
        return self.message


class UsageError(DeriveError):
    """The command line was used wrongly."""
