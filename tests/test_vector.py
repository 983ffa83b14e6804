"""Lecture notes in vector and matrix notation, checked as written, without front matter (issue 12).

`tests/data/vector/` holds documents that state backpropagation with vectors and matrices:
Nielsen's BP1-BP4 in matrix form (`nielsen-vector.md`), a deeplearning.ai-style network
vectorised over the batch (`batched.md`), a row-vector LaTeX text (`rowvec.tex`), a column-vector
Sphinx text with `\\nabla`, `\\mathrm{diag}` and outer products (`column.rst`), a text that uses the
same quantities in component and in vector form (`mixed.md`), each once correct and once with two
to four planted slips (a missing or extra transpose, a swapped product order, `\\odot` where a
matrix product is meant or the reverse, a wrong layer, a missing 1/m, a sign), and a text with
its sizes written out whose last formula multiplies shapes that do not fit (`shapes.md`).
`cases.toml` says, for every display-formula row, the verdict a careful reader gives it, the
diagnosis each slip must get and which slips must be reported as a shape mismatch.

Everything goes through the command line, as a user runs it: `derive check FILE --format json`
(`derive.cli.main`), one run per document, shared by its tests:

* `test_verdicts[<doc>]`: exactly the table's verdicts, line by line (no other line reported, no
  `error` or `unchecked` anywhere): every claim of a correct document verified, every slip
  refuted, every other row of a slips document as in the correct one;
* `test_slip_refuted[<doc>:<line>]`: the slip is refuted at its line with a diagnosis naming one
  of the table's words ("transpose", "order", "\\odot", "layer", "1/m", ...);
* `test_no_false_alarm[<doc>]`: nothing but the planted slips is refuted;
* `test_shape_mismatch_named[<doc>:<line>]`: a product whose shapes do not fit gives a finding
  at its line that says "shape" and names the shapes (for `shapes.md` exactly 4x3 and 4x1);
* `test_exit_code[<doc>]`: 0 for a correct document, 1 for one with refutations, never 2 or 3;
* `test_corpus_*`: the ten tier-2 documents of `../shared/corpus/` (skipped when absent; the
  hand analysis is `tests/data/vector/CORPUS_TIER2.md`, its machine form the `[corpus]` tables
  of cases.toml): no internal error, no refutation but the hand-confirmed mistakes and the
  lines a literal reading may refute, every such mistake refuted with its diagnosis, and 90 %
  of the results with a verdict.

The engine (derive/latex.py, expr.py, model.py, infer/) is being built, so every such test is
marked `xfail(strict=False)` until VECTOR_LANDED is switched on: either `True` for all, or a
dict with a key per group (the `group` of cases.toml; "corpus" for the two corpus tests that
wait for the engine). The table's own soundness tests, the tests of this harness's
comparisons and the two corpus guards are never marked: they pass today and show that the
comparisons can fail.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "vector"
_CASES = tomllib.loads((DATA / "cases.toml").read_text())
TABLE: dict[str, dict[str, Any]] = _CASES["doc"]
CORPUS_TABLE: dict[str, dict[str, Any]] = _CASES["corpus"]
CORPUS = ROOT.parent / "shared" / "corpus"  # ../shared/corpus/, read in place, never copied
GROUPS = ("nielsen-vector", "batched", "rowvec", "column", "mixed", "shapes", "corpus")

# ---- the switch: True (or a group's key True) once the vector engine reads those documents --
VECTOR_LANDED: bool | dict[str, bool] = True  # every group reads (stop 28)
REASON = "vector and matrix notation (issue 12)"
VERDICTS = {"definition", "verified", "refuted", "conditional"}


def landed(group: str) -> bool:
    if isinstance(VECTOR_LANDED, bool):
        return VECTOR_LANDED
    return VECTOR_LANDED.get(group, False)


def _marks(group: str) -> list[pytest.MarkDecorator]:
    return [] if landed(group) else [pytest.mark.xfail(strict=False, reason=REASON)]


# --------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Case:
    line: int
    verdict: str
    has: str  # a piece of the line's text
    diagnosis: tuple[str, ...] = ()  # for a refuted row: one of these words in the diagnosis
    shape: bool = False  # the finding must say "shape" and name two different shapes
    shapes: tuple[str, ...] = ()  # ... and these shapes exactly ("4x3")
    note: str = ""
    same_shape: bool = False  # the two operands have one shape (a product for \odot)


def _case(c: dict[str, Any], verdict: str | None = None) -> Case:
    return Case(c["line"], verdict or c["verdict"], c["has"], tuple(c.get("diagnosis", ())),
                bool(c.get("shape", False) or c.get("shapes")), tuple(c.get("shapes", ())),
                c.get("note", c.get("slip", "")), bool(c.get("same_shape", False)))


def expected_cases(name: str) -> list[Case]:
    """The document's cases; a slips variant inherits its base's and refutes the slip lines."""
    spec = TABLE[name]
    if "base" not in spec:
        return [_case(c) for c in spec["cases"]]
    slips = {s["line"]: s for s in spec["slips"]}
    return [c if c.line not in slips else _case(slips[c.line], "refuted")
            for c in expected_cases(spec["base"])]


def source_line(path: Path, line: int) -> str:
    lines = path.read_text(encoding="utf-8").split("\n")
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _refuted_cases() -> list[tuple[str, Case]]:
    return [(name, c) for name in TABLE for c in expected_cases(name) if c.verdict == "refuted"]


# --------------------------------------------------------------------------------------------
# What the tool says: `derive check FILE --format json`, once per document


@dataclass(frozen=True)
class Run:
    code: int
    output: dict[str, Any]  # the JSON document
    stderr: str

    @property
    def results(self) -> list[dict[str, Any]]:
        return [r for f in self.output.get("files", []) for r in f["results"]]


@cache
def _run(path: Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path), "--format", "json"])
    try:
        output = json.loads(out.getvalue())
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{path.name}: the JSON output does not parse ({exc}); stderr: "
                             f"{err.getvalue()[-2000:]}") from exc
    return Run(code, output, err.getvalue())


def run(name: str) -> Run:
    return _run(DATA / name)


def _file_errors(r: Run) -> list[str]:
    """What stops a document from being checked at all: an unreadable file, a crash."""
    summary = r.output.get("summary", {})
    problems = [f"file error: {e}" for e in r.output.get("errors", [])]
    if summary.get("internal_errors"):
        problems.append(f"{summary['internal_errors']} internal error(s): {r.stderr[-2000:]}")
    if not r.output.get("files"):
        problems.append(f"no file report (exit {r.code}): {r.stderr[-2000:]}")
    return problems


def _diagnosis(result: dict[str, Any]) -> str:
    return (result.get("diagnosis") or "").lower()


def _finding_text(result: dict[str, Any]) -> str:
    """Everything a result tells a reader: its message, diagnosis and lint findings."""
    return " ".join([result.get("message") or "", result.get("diagnosis") or "",
                     *result.get("lint", [])])


def compare(results: list[dict[str, Any]], cases: list[Case]) -> list[str]:
    """Every difference between a run's results and the expected cases, one line each."""
    got: dict[int, list[dict[str, Any]]] = {}
    for r in results:
        got.setdefault(r["line"], []).append(r)
    want: dict[int, list[Case]] = {}
    for c in cases:
        want.setdefault(c.line, []).append(c)
    problems = []
    for line in sorted(set(got) | set(want)):
        rs, cs = got.get(line, []), want.get(line, [])
        if not cs:
            problems += [f"line {line}: unexpected {r['status']} ({r['message']})" for r in rs]
            continue
        if len(rs) != len(cs):
            problems.append(f"line {line}: {len(rs)} results, expected {len(cs)} "
                            f"({[r['status'] for r in rs]} vs {[c.verdict for c in cs]})")
            continue
        for r, c in zip(rs, cs):
            if r["status"] != c.verdict:
                extra = f"; diagnosis: {r['diagnosis']}" if r.get("diagnosis") else ""
                problems.append(f"line {line}: {r['status']}, expected {c.verdict} "
                                f"({r['message']}{extra})")
            elif c.diagnosis and not any(w.lower() in _diagnosis(r) for w in c.diagnosis):
                problems.append(f"line {line}: refuted with diagnosis {r.get('diagnosis')!r}, "
                                f"expected one naming any of {list(c.diagnosis)}")
    return problems


def false_alarms(results: list[dict[str, Any]], cases: list[Case]) -> list[str]:
    allowed = {c.line for c in cases if c.verdict == "refuted"}
    return [f"line {r['line']}: refuted, but it is right: {r['latex']} ({r.get('diagnosis')})"
            for r in results if r["status"] == "refuted" and r["line"] not in allowed]


_TIMES = r"\s*(?:x|×|\\times)\s*"
_DIM = r"[A-Za-z0-9_{}^+\-]+"
_SHAPE_IN_PARENS = re.compile(rf"\(\s*({_DIM}){_TIMES}({_DIM})\s*\)")
_SHAPE_NUMERIC = re.compile(rf"(?<![\w.])(\d+){_TIMES}(\d+)(?![\w.])")


def shapes_named(text: str) -> set[str]:
    """The shapes a finding names, normalised to `AxB`: `(3x5)`, `(n_{l+1} × n_l)`,
    `4 \\times 3`; a bare `W x b` is not a shape."""
    found = {f"{a}x{b}" for a, b in _SHAPE_IN_PARENS.findall(text)}
    found |= {f"{a}x{b}" for a, b in _SHAPE_NUMERIC.findall(text)}
    return found


def shape_problems(results: list[dict[str, Any]], case: Case) -> list[str]:
    at = [r for r in results if r["line"] == case.line]
    if not at:
        return [f"line {case.line}: no result at all"]
    text = " ".join(_finding_text(r) for r in at)
    named = shapes_named(text)
    problems = []
    if "shape" not in text.lower():
        problems.append(f"line {case.line}: the finding does not say `shape`: {text!r}")
    if len(named) < (1 if case.same_shape else 2):
        problems.append(f"line {case.line}: the finding names {sorted(named)}, not the two "
                        f"shapes that do not fit: {text!r}")
    missing = [s for s in case.shapes if s not in named]
    if missing:
        problems.append(f"line {case.line}: the finding does not name {missing} (it names "
                        f"{sorted(named)}): {text!r}")
    return problems


# --------------------------------------------------------------------------------------------
# The table is sound (always run, never marked)


def test_every_document_has_its_cases() -> None:
    documents = {p.name for p in DATA.iterdir() if p.suffix in (".md", ".tex", ".rst")}
    documents -= {"CORPUS_TIER2.md"}
    assert documents == set(TABLE)
    for name, spec in TABLE.items():
        assert spec["group"] in GROUPS, name
        if "base" in spec:
            assert TABLE[spec["base"]]["group"] == spec["group"], name
            assert 2 <= len(spec["slips"]) <= 4, name
            base_lines = {c.line for c in expected_cases(spec["base"])}
            assert {s["line"] for s in spec["slips"]} <= base_lines, name
            assert all(s["diagnosis"] for s in spec["slips"]), name


@pytest.mark.parametrize("name", list(TABLE))
def test_table_matches_the_document(name: str) -> None:
    """Each case names a line holding the text it says (so that an edit of a document breaks
    the table loudly); a slips document differs from its base exactly at the slips; every
    refuted row names its diagnosis."""
    path = DATA / name
    text = path.read_text(encoding="utf-8")
    assert not text.startswith("---"), f"{name}: no front matter: the notation is inferred"
    assert "derive:" not in text, f"{name}: no annotations"
    cases = expected_cases(name)
    assert cases
    for c in cases:
        assert c.verdict in VERDICTS, (name, c)
        assert c.has in source_line(path, c.line), (name, c.line, c.has, source_line(path, c.line))
        assert bool(c.diagnosis) == (c.verdict == "refuted"), (name, c)
    base = TABLE[name].get("base")
    if base:
        slips = {s["line"] for s in TABLE[name]["slips"]}
        base_text = (DATA / base).read_text(encoding="utf-8").split("\n")
        mine = text.split("\n")
        assert len(mine) == len(base_text), name
        differ = {i + 1 for i, (a, b) in enumerate(zip(mine, base_text)) if a != b}
        assert differ == slips, (name, sorted(differ), sorted(slips))


def _result(line: int, status: str, message: str = "m", diagnosis: str | None = None,
            lint: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"line": line, "status": status, "message": message, "diagnosis": diagnosis,
            "latex": "x", "lint": list(lint)}


def test_the_comparison_finds_a_wrong_expectation() -> None:
    """The harness is not vacuous: for the slips document's own table, a faithful run passes,
    and a flipped verdict, a missing diagnosis word, a missing line, an extra line, an error row
    and a refutation of a right formula are each reported."""
    cases = expected_cases("nielsen-vector-slips.md")
    good = [_result(c.line, c.verdict, diagnosis=f"a missing {c.diagnosis[0]}" if c.diagnosis
                    else None) for c in cases]
    assert compare(good, cases) == [] and false_alarms(good, cases) == []
    verified = next(i for i, c in enumerate(cases) if c.verdict == "verified")
    slip = next(i for i, c in enumerate(cases) if c.verdict == "refuted")

    flipped = list(good)
    flipped[verified] = _result(cases[verified].line, "refuted", diagnosis="sign")
    assert len(compare(flipped, cases)) == 1
    assert len(false_alarms(flipped, cases)) == 1
    unnamed = list(good)
    unnamed[slip] = _result(cases[slip].line, "refuted", diagnosis="constant factor")
    assert len(compare(unnamed, cases)) == 1
    passed = list(good)
    passed[slip] = _result(cases[slip].line, "verified")
    assert len(compare(passed, cases)) == 1
    errored = list(good)
    errored[verified] = _result(cases[verified].line, "error", "unknown symbol `T`")
    assert len(compare(errored, cases)) == 1
    assert len(compare(good[1:], cases)) == 1  # a line of the table without a result
    assert len(compare(good + [_result(10_000, "verified")], cases)) == 1
    assert len(compare(good + [_result(cases[0].line, "verified")], cases)) == 1  # twice


def test_the_shape_check_reads_shapes() -> None:
    """What counts as naming the shapes: the issue's own example passes; a finding without
    shapes, with one shape only, or without the word fails."""
    example = "shape mismatch: W^{(l)T} (3x5) times δ^{(l+1)} (3x1)"
    assert shapes_named(example) == {"3x5", "3x1"}
    assert shapes_named("(n_{l+1} × n_l) times (n_{l+1} \\times 1)") == {"n_{l+1}xn_l",
                                                                        "n_{l+1}x1"}
    assert shapes_named("W is 4 x 3 but the column is 4×1") == {"4x3", "4x1"}
    assert shapes_named("the product W x b of 2 vectors") == set()
    case = Case(34, "refuted", "", ("transpose",), True, ("4x3", "4x1"))
    ok = [_result(34, "refuted", "shape mismatch: W (4x3) times (h - y) ⊙ … (4x1)",
                  "a missing transpose: W^T")]
    assert shape_problems(ok, case) == []
    assert shape_problems([_result(34, "refuted", "differs", "a missing transpose")], case)
    assert shape_problems([_result(34, "refuted", "shape mismatch: W (4x3)")], case)
    assert shape_problems([_result(34, "refuted", "mismatch: (4x3) times (4x1)")], case)
    assert shape_problems([_result(34, "refuted", "shape mismatch: (3x4) times (4x2)")], case)
    assert shape_problems([_result(33, "refuted", example)], case)  # at another line
    assert shape_problems([_result(34, "refuted", "ok", lint=(example,))],
                          Case(34, "refuted", "", ("transpose",), True)) == []


# --------------------------------------------------------------------------------------------
# The documents, checked as written


def _doc_params() -> list:
    return [pytest.param(name, id=name, marks=_marks(spec["group"]))
            for name, spec in TABLE.items()]


def _case_params(select) -> list:
    return [pytest.param(name, c, id=f"{name}:{c.line}", marks=_marks(TABLE[name]["group"]))
            for name, c in _refuted_cases() if select(c)]


@pytest.mark.parametrize("name", _doc_params())
def test_verdicts(name: str) -> None:
    r = run(name)
    problems = _file_errors(r) + compare(r.results, expected_cases(name))
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("name", "case"), _case_params(lambda c: True))
def test_slip_refuted(name: str, case: Case) -> None:
    r = run(name)
    assert not _file_errors(r), _file_errors(r)
    at = [x for x in r.results if x["line"] == case.line]
    assert at, f"{name}:{case.line}: no result ({case.note})"
    refuted = [x for x in at if x["status"] == "refuted"]
    assert refuted, (f"{name}:{case.line}: {[x['status'] for x in at]}, expected refuted "
                     f"({case.note}): {[x['message'] for x in at]}")
    named = [x for x in refuted if any(w.lower() in _diagnosis(x) for w in case.diagnosis)]
    assert named, (f"{name}:{case.line}: diagnosis {[x.get('diagnosis') for x in refuted]} "
                   f"names none of {list(case.diagnosis)} ({case.note})")


@pytest.mark.parametrize("name", _doc_params())
def test_no_false_alarm(name: str) -> None:
    r = run(name)
    assert not _file_errors(r), _file_errors(r)
    assert r.results, f"{name}: no result at all"
    problems = false_alarms(r.results, expected_cases(name))
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("name", "case"), _case_params(lambda c: c.shape))
def test_shape_mismatch_named(name: str, case: Case) -> None:
    r = run(name)
    assert not _file_errors(r), _file_errors(r)
    problems = shape_problems(r.results, case)
    assert not problems, f"{name} ({case.note}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", _doc_params())
def test_exit_code(name: str) -> None:
    """0 for a correct document (nothing refuted, no error), 1 when something is refuted."""
    r = run(name)
    want = 1 if any(c.verdict == "refuted" for c in expected_cases(name)) else 0
    assert r.code == want, f"{name}: exit {r.code}, expected {want}; {r.stderr[-2000:]}"


# --------------------------------------------------------------------------------------------
# The tier-2 corpus, checked as written (issue 12's acceptance; the hand analysis is
# tests/data/vector/CORPUS_TIER2.md). Two guards hold today and are never marked: no internal
# error, and no refutation but the hand-confirmed mistakes and the lines a literal reading may
# honestly refute (a false alarm is the worst failure of a checker). Two wait for the engine:
# every mistake refuted with its diagnosis, and 90 % of the results with a verdict.

GIVES_A_VERDICT = {"definition", "verified", "refuted", "conditional"}
_EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")
TIER2 = {"nndl_zh_nielsen_chap2.tex", "d2lzh_backprop.md", "ufldl_zh_multilayer_nn.md",
         "ufldl_zh_deriving_gradients_backprop_idea.md", "ufldl_zh_softmax_regression.md",
         "koerbitz_reinventing-backprop.md", "gaurav_MLP.md", "yizt_0_1_fc_loss_backprop.md",
         "cs231n_backprop-derivation.md", "seedbook_matrix_derivatives.rst"}


def corpus_run(name: str) -> Run:
    return _run(CORPUS / name)


def _needs_corpus(name: str | None = None) -> None:
    if not CORPUS.is_dir() or (name is not None and not (CORPUS / name).is_file()):
        pytest.skip(f"the corpus is not at {CORPUS} (../shared/corpus/)")


def _mistake_lines(want: dict[str, Any]) -> set[int]:
    return {want["line"], *want.get("or_lines", ())}


def missing_mistakes(results: list[dict[str, Any]], spec: dict[str, Any]) -> list[str]:
    """The hand-confirmed mistakes the run does not refute (or refutes without naming)."""
    problems = []
    for want in spec["refuted"]:
        lines = _mistake_lines(want)
        hits = [r for r in results if r["status"] == "refuted" and r["line"] in lines]
        if not hits:
            at = [(r["line"], r["status"]) for r in results if r["line"] in lines]
            problems.append(f"line {want['line']}: {want['mistake']} is not refuted ({at})")
        elif want.get("diagnosis") and not any(
                w.lower() in _diagnosis(r) for r in hits for w in want["diagnosis"]):
            problems.append(f"line {want['line']}: diagnosis "
                            f"{[r.get('diagnosis') for r in hits]} names none of "
                            f"{want['diagnosis']}")
    return problems


def corpus_false_alarms(results: list[dict[str, Any]], spec: dict[str, Any]) -> list[str]:
    allowed = {q["line"] for q in spec["questionable"]}
    for want in spec["refuted"]:
        allowed |= _mistake_lines(want)
    return [f"line {r['line']} step {r.get('step')}: refuted, but no mistake is known there: "
            f"{r['latex']} ({r.get('diagnosis')})"
            for r in results if r["status"] == "refuted" and r["line"] not in allowed]


def test_corpus_table_names_the_tier2_documents() -> None:
    """The ten documents issue 12 names; every entry says what is wrong or why it is open."""
    assert set(CORPUS_TABLE) == TIER2
    for name, spec in CORPUS_TABLE.items():
        assert all(w["mistake"] for w in spec["refuted"]), name
        assert all(q["reading"] for q in spec["questionable"]), name
        refuted = set().union(*(_mistake_lines(w) for w in spec["refuted"]))
        assert not refuted & {q["line"] for q in spec["questionable"]}, name
    review = (DATA / "CORPUS_TIER2.md").read_text(encoding="utf-8")
    for name in TIER2:
        assert f"## {name}" in review, name


def test_the_corpus_checks_find_what_they_should() -> None:
    """The corpus comparisons are not vacuous: a refutation at an unknown line is a false alarm
    (at a known or questionable one it is not), a known mistake without a refutation or with
    the wrong diagnosis is reported."""
    spec = {"refuted": [{"line": 10, "or_lines": [11], "diagnosis": ["transpose"],
                         "mistake": "x"}],
            "questionable": [{"line": 20, "reading": "y"}]}
    good = [_result(11, "refuted", diagnosis="a missing transpose"), _result(20, "refuted"),
            _result(30, "verified")]
    assert missing_mistakes(good, spec) == [] and corpus_false_alarms(good, spec) == []
    assert len(corpus_false_alarms(good + [_result(30, "refuted")], spec)) == 1
    assert len(missing_mistakes([_result(10, "verified")], spec)) == 1
    assert len(missing_mistakes([_result(10, "refuted", diagnosis="sign")], spec)) == 1
    assert len(missing_mistakes([_result(12, "refuted", diagnosis="transpose")], spec)) == 1


@pytest.mark.parametrize("name", sorted(TIER2))
def test_corpus_no_internal_error(name: str) -> None:
    """`derive check` reads the document (exit 0, 1 or 2 for a bad formula, never 3), reports
    results, and no result is an exception dressed as `unchecked`."""
    _needs_corpus(name)
    r = corpus_run(name)
    assert r.code != 3 and not r.output.get("summary", {}).get("internal_errors"), r.stderr
    assert r.results, f"{name}: no result at all ({_file_errors(r)})"
    bad = [(x["line"], x["message"]) for x in r.results
           if x["status"] == "unchecked" and _EXCEPTION.search(x["message"])]
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(TIER2))
def test_corpus_no_false_alarm(name: str) -> None:
    _needs_corpus(name)
    problems = corpus_false_alarms(corpus_run(name).results, CORPUS_TABLE[name])
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", [pytest.param(n, id=n, marks=_marks("corpus"))
                                  for n in sorted(TIER2) if CORPUS_TABLE[n]["refuted"]])
def test_corpus_mistakes_found(name: str) -> None:
    _needs_corpus(name)
    problems = missing_mistakes(corpus_run(name).results, CORPUS_TABLE[name])
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("group", [pytest.param("corpus", marks=_marks("corpus"))])
def test_corpus_coverage(group: str) -> None:
    """At least 90 % of the results over the ten documents get a verdict (definition,
    verified, refuted or conditional; not `unchecked`, not `error`)."""
    _needs_corpus()
    counts = {}
    for name in sorted(TIER2):
        results = corpus_run(name).results
        counts[name] = (sum(x["status"] in GIVES_A_VERDICT for x in results), len(results))
    judged = sum(j for j, _ in counts.values())
    total = sum(n for _, n in counts.values())
    assert total and judged / total >= 0.9, (
        f"{judged}/{total} results with a verdict: "
        + ", ".join(f"{name} {j}/{n}" for name, (j, n) in counts.items()))
