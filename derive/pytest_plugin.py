"""`pytest -p derive`: every formula and derivation step of a notes file is a test item.

The plugin is registered under the `pytest11` entry point as `derive`, so it is loaded with
pytest, but it collects nothing unless asked: `pytest -p derive notes/`, `pytest --derive`, or
`derive = true` in the ini file (`[tool.pytest.ini_options]`). An ordinary test run is unchanged.

An item passes when its result is a definition or verified; a refuted or unreadable formula
fails with the witness and diagnosis as the message; conditional and unchecked results are
skipped with their reason (they fail too with `--derive-strict` or `derive_strict = true`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SUFFIXES = (".md", ".markdown", ".rst", ".tex", ".ipynb")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("derive", "checking the mathematics of notes files")
    group.addoption("--derive", action="store_true", default=False,
                    help="collect formulas files (*.md, *.rst, *.tex, *.ipynb) as derive checks")
    group.addoption("--derive-strict", action="store_true", default=False,
                    help="also fail on conditional and unchecked formulas")
    parser.addini("derive", type="bool", default=False,
                  help="collect formulas files as derive checks (like --derive)")
    parser.addini("derive_strict", type="bool", default=False,
                  help="also fail on conditional and unchecked formulas")


def _active(config: pytest.Config) -> bool:
    asked = getattr(config.option, "plugins", None) or []  # the `-p NAME` options
    return bool(config.getoption("--derive") or config.getini("derive") or "derive" in asked)


def _strict(config: pytest.Config) -> bool:
    return bool(config.getoption("--derive-strict") or config.getini("derive_strict"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix.lower() in SUFFIXES and _active(parent.config):
        return FormulasFile.from_parent(parent, path=file_path)
    return None


class DeriveFailure(Exception):
    """A formula that is refuted, unreadable, or (strict) not verified."""


class FormulasFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from derive.check import check_file
        from derive.errors import InputError

        name = self.path.relative_to(self.config.rootpath).as_posix() \
            if self.path.is_relative_to(self.config.rootpath) else self.path.as_posix()
        try:
            report = check_file(self.path, name)
        except InputError as err:
            yield FileErrorItem.from_parent(self, name="read", error=err.render())
            return
        for r in report.results:
            what = f"step {r.step}" if r.step else r.kind
            yield FormulaItem.from_parent(self, name=f"line {r.line} col {r.col} {what}",
                                          result=r)


class FileErrorItem(pytest.Item):
    def __init__(self, *, error: str, **kw: Any):
        super().__init__(**kw)
        self.error = error

    def runtest(self) -> None:
        raise DeriveFailure(self.error)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"{self.path.name}: could not be read"


class FormulaItem(pytest.Item):
    def __init__(self, *, result: Any, **kw: Any):
        super().__init__(**kw)
        self.result = result

    def runtest(self) -> None:
        from derive.output import finding_text, witness_line
        from derive.results import Status

        r = self.result
        if r.status in (Status.VERIFIED, Status.DEFINITION):
            return
        if r.status in (Status.CONDITIONAL, Status.UNCHECKED) and not _strict(self.config):
            pytest.skip(f"{r.status.value}: {finding_text(r)}")
        lines = [f"{r.file}:{r.line}:{r.col}: {r.status.value}: {r.latex}"]
        if r.status is Status.ERROR and r.diagnosis:
            lines.append(r.diagnosis)
        else:
            lines.append(f"    {r.message}")
            if r.diagnosis:
                lines.append(f"    diagnosis: {r.diagnosis}")
            lines.extend(f"    assumption: {a}" for a in r.assumptions)
        if r.counterexample:
            lines.append(f"    {witness_line(r.counterexample)}")
        raise DeriveFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, DeriveFailure):
            from derive.text import visible

            return visible(str(excinfo.value))
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        r = self.result
        return self.path, r.line - 1, f"{self.path.name}:{r.line}: {r.latex[:60]}"
