"""Edits verified: what an edit to a notes file did to its verdicts.

`derive check --since REF FILE` compares the file with its version at the git revision REF;
`derive diff OLD NEW` compares two files. Both versions are checked in full (a formula's verdict
rests on the definitions before it), their display formulas are aligned by text with difflib,
and each formula that was edited, added or removed is listed with its verdicts before and after
("formula 14 step 3: verified -> refuted: extra factor g'(z)"). An edit breaks something when a
result that passed (definition or verified) now fails (refuted or error), or a new formula fails.
"""

from __future__ import annotations

import difflib
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from derive.errors import InputError
from derive.results import FileReport, Result, Status

_PASS = (Status.VERIFIED, Status.DEFINITION)
_FAIL = (Status.REFUTED, Status.ERROR)


@dataclass(frozen=True)
class Change:
    """One result of an edited, added or removed formula, before and after."""

    file: str
    line: int  # in the new version (the old line for a removed formula)
    formula: int  # the formula's number in the new version (old number when removed)
    step: int | None
    before: Status | None  # None: the formula or step is new
    after: Status | None  # None: removed
    message: str  # the new result's diagnosis or message, or the old one's when removed

    @property
    def broke(self) -> bool:
        return self.after in _FAIL and (self.before is None or self.before in _PASS
                                        or self.before is Status.CONDITIONAL)

    def describe(self) -> str:
        where = f"formula {self.formula}" + (f" step {self.step}" if self.step else "")
        before = self.before.value if self.before else "new"
        after = self.after.value if self.after else "removed"
        text = f"{self.file}:{self.line}: {where}: {before} -> {after}"
        return text + (f": {self.message}" if self.message and self.after not in _PASS else "")


def _by_formula(report: FileReport) -> dict[int, list[Result]]:
    out: dict[int, list[Result]] = {}
    for r in report.results:
        out.setdefault(r.formula, []).append(r)
    return out


def _texts(report: FileReport) -> list[tuple[int, str]]:
    """Each formula's number and its results' LaTeX, the text the alignment compares."""
    return [(n, "\n".join(" ".join(r.latex.split()) for r in rs))
            for n, rs in sorted(_by_formula(report).items())]


def _summary(r: Result) -> str:
    return r.diagnosis if r.diagnosis and r.status is not Status.ERROR else r.message


def compare(old: FileReport | None, new: FileReport) -> list[Change]:
    """The changes in verdict of every formula that differs between `old` and `new`."""
    old_texts = _texts(old) if old else []
    new_texts = _texts(new)
    old_results = _by_formula(old) if old else {}
    new_results = _by_formula(new)
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=[t for _, t in old_texts], b=[t for _, t in new_texts],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds = [n for n, _ in old_texts[i1:i2]]
        news = [n for n, _ in new_texts[j1:j2]]
        if tag == "equal":  # same text; a verdict can still move with an edited definition
            pairs = list(zip(olds, news))
        else:
            pairs = [(olds[k] if k < len(olds) else None, news[k] if k < len(news) else None)
                     for k in range(max(len(olds), len(news)))]
        for o, n in pairs:
            before = old_results.get(o, []) if o is not None else []
            after = new_results.get(n, []) if n is not None else []
            for k in range(max(len(before), len(after))):
                b = before[k] if k < len(before) else None
                a = after[k] if k < len(after) else None
                edited = tag != "equal"
                if not edited and b and a and b.status is a.status:
                    continue
                ref = a or b
                assert ref is not None
                changes.append(Change(
                    file=new.file, line=ref.line, formula=ref.formula, step=ref.step,
                    before=b.status if b else None, after=a.status if a else None,
                    message=_summary(ref)))
    return changes


def git_version(path: Path, revision: str) -> bytes | None:
    """The file's content at `revision` (None: it did not exist there). Raises InputError when
    the path is not in a git work tree or the revision is unknown."""
    where = path.resolve().parent
    try:
        top = subprocess.run(["git", "-C", str(where), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"--since needs git: {exc}") from None
    if top.returncode != 0:
        raise InputError(f"{path}: not in a git work tree (--since compares with a revision)")
    rel = path.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    ok = subprocess.run(["git", "-C", top.stdout.strip(), "rev-parse", "--verify", "--quiet",
                         f"{revision}^{{commit}}"], capture_output=True, timeout=30)
    if ok.returncode != 0:
        raise InputError(f"--since {revision}: no such git revision")
    shown = subprocess.run(["git", "-C", top.stdout.strip(), "show", f"{revision}:{rel}"],
                           capture_output=True, timeout=30)
    return shown.stdout if shown.returncode == 0 else None


def check_version(content: bytes, like: Path, name: str, **kw: object) -> FileReport:
    """Check `content` as if it were a file like `like` (same type), reported as `name`."""
    from derive.check import check_file

    with tempfile.TemporaryDirectory(prefix="derive-since-") as tmp:
        copy = Path(tmp) / like.name
        copy.write_bytes(content)
        return check_file(copy, name, **kw)  # type: ignore[arg-type]
