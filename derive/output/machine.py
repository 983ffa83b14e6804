"""The formats for machines: one JSON object, GitHub workflow annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import IO, Any

from derive import __version__
from derive.errors import Crashed, InputError
from derive.output.base import Printer, finding_text, is_finding
from derive.results import FileReport, Result, Status
from derive.text import visible

JSON_SCHEMA_VERSION = 1


class JsonPrinter(Printer):
    """One JSON object: the schema version, every file with its results, the files that could
    not be read, and a summary (documented in the README)."""

    def __init__(self, out: IO[str], err: IO[str]):
        super().__init__(out, err)
        self.files: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        self.files.append({"file": rep.file, "title": rep.title, "counts": rep.counts(),
                           "results": [r.to_json() for r in rep.results]})

    def failed(self, err: InputError) -> None:
        super().failed(err)
        self.errors.append(_error_json(err, "input"))

    def crashed(self, name: str, exc: Crashed) -> None:
        super().crashed(name, exc)
        self.errors.append({"file": name, "line": None, "col": None, "kind": "internal",
                            "message": f"{exc.kind}: {exc}"})

    def finish(self) -> None:
        doc = {"schema": JSON_SCHEMA_VERSION, "tool": "derive", "version": __version__,
               "summary": {"files": self.tally.files, "unreadable": self.tally.unreadable,
                           "internal_errors": self.tally.crashed, **self.tally.counts()},
               "files": self.files, "errors": self.errors}
        json.dump(doc, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


def _error_json(err: InputError, kind: str) -> dict[str, Any]:
    span = err.span
    return {"file": span.file if span else None, "line": span.line if span else None,
            "col": span.col if span else None, "kind": kind, "message": err.message,
            "hint": err.hint}


# GitHub workflow commands: https://docs.github.com/actions/reference/workflow-commands
def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


_LEVEL = {Status.REFUTED: "error", Status.ERROR: "error", Status.CONDITIONAL: "warning",
          Status.UNCHECKED: "warning"}


def _level(r: Result) -> str:
    return _LEVEL.get(r.status, "warning" if r.lint else "notice")


class GithubPrinter(Printer):
    """`::error file=F,line=L,col=C,title=T::message` for every finding, as it is found."""

    def _annotate(self, level: str, file: str, line: int | None, col: int | None, title: str,
                  message: str) -> None:
        props = [f"file={_gh_prop(file)}"]
        if line:
            props.append(f"line={line}")
        if col:
            props.append(f"col={col}")
        props.append(f"title={_gh_prop(title)}")
        self.out.write(visible(f"::{level} {','.join(props)}::{_gh_data(message)}") + "\n")

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        for r in rep.results:
            if is_finding(r):
                what = f"step {r.step}" if r.step else r.kind
                self._annotate(_level(r), r.file, r.line, r.col,
                               f"derive: {r.status.value} ({what})", finding_text(r))
        self.out.flush()

    def failed(self, err: InputError) -> None:
        self.tally.unreadable += 1
        span = err.span
        self._annotate("error", span.file if span else "", span.line if span else None,
                       span.col if span else None, "derive: error", err.message)

    def crashed(self, name: str, exc: Crashed) -> None:
        self.tally.crashed += 1
        self._annotate("error", name, None, None, "derive: internal error",
                       f"{exc.kind}: {exc} (a bug in derive)")

    def finish(self) -> None:
        c = self.tally.counts()
        summary = ", ".join(f"{v} {k}" for k, v in c.items() if v) or "nothing checked"
        self.out.write(f"derive: {self.tally.files} files: {summary}\n")


class SarifPrinter(Printer):
    """SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/): one run, one rule per
    kind of finding."""

    RULES = (("refuted", "A formula or step differs from what its model derives"),
             ("conditional", "A formula holds only under an assumption the text does not make"),
             ("unchecked", "A formula the tool could not decide"),
             ("flagged", "A finding that does not change the verdict"),
             ("error", "A formula or file that could not be read"),
             ("internal", "A bug in derive"))

    def __init__(self, out: IO[str], err: IO[str]):
        super().__init__(out, err)
        self.results: list[dict[str, Any]] = []

    def _add(self, rule: str, level: str, text: str, file: str | None, line: int | None,
             col: int | None) -> None:
        res: dict[str, Any] = {"ruleId": rule, "level": level, "message": {"text": text}}
        if file:
            region = {k: v for k, v in (("startLine", line), ("startColumn", col)) if v}
            loc: dict[str, Any] = {"artifactLocation": {"uri": file}}
            if region:
                loc["region"] = region
            res["locations"] = [{"physicalLocation": loc}]
        self.results.append(res)

    def file(self, rep: FileReport) -> None:
        super().file(rep)
        for r in rep.results:
            if r.status in (Status.VERIFIED, Status.DEFINITION) and not r.lint:
                continue
            rule = r.status.value if r.status not in (Status.VERIFIED, Status.DEFINITION) \
                else "flagged"
            level = {"error": "error", "warning": "warning"}.get(_level(r), "note")
            self._add(rule, level, finding_text(r), r.file, r.line, r.col)

    def failed(self, err: InputError) -> None:
        super().failed(err)
        span = err.span
        self._add("error", "error", err.message, span.file if span else None,
                  span.line if span else None, span.col if span else None)

    def crashed(self, name: str, exc: Crashed) -> None:
        super().crashed(name, exc)
        self._add("internal", "error", f"{exc.kind}: {exc}", name, None, None)

    def finish(self) -> None:
        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "derive", "version": __version__,
                    "rules": [{"id": i, "shortDescription": {"text": t}} for i, t in self.RULES],
                }},
                "results": self.results,
            }],
        }
        json.dump(doc, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")
