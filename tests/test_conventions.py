"""Lecture notes in other people's conventions, checked as written, without front matter (issue 10).

`tests/data/conventions/` holds documents in seven conventions (Nielsen's component form, UFLDL
in a `.tex` file, a deeplearning.ai-style one-hidden-layer network, Bishop in a notebook, the
chapter's own style with `\\sigma` and `\\log`, softmax regression, a two-layer net with weights
`V` and `W`), each once correct and once with two to four planted slips (and softmax once more
with its one-hot premise left out, so that the claims needing it are conditional). `cases.toml`
says, for every display-formula row, the verdict a careful reader expects, the diagnosis each
slip must get, and the notation a reader infers.

Two kinds of test, parametrized from the table:

* `test_verdicts[<doc>]`: `check_file` on the document gives exactly the table's verdicts, line
  by line (no other line reported, no `error` or `unchecked` anywhere), and each slip is refuted
  at its line with a diagnosis containing the table's keyword;
* `test_inferred[<doc>:<fact>]`: one fact of the notation the tool read (from
  `collect_model(path).notation`, the notation every check of the document uses, and the
  report's definitions) equals the table's. A fact nothing in the tool can express yet has no
  entry in FACT_READERS and fails with "no reader".

* `test_corpus_*`: the tier-1 corpus documents (`../shared/corpus/`, skipped when absent; the
  hand analysis is `tests/data/conventions/CORPUS_TIER1.md`): no crash, no refutation but the
  hand-confirmed mistakes, every such mistake refuted with its diagnosis, and 90 % of the
  results with a verdict.

Every convention's verdicts are read now (INFERENCE_LANDED, a switch per group, kept for a
convention added later); the notation facts the tool does not read yet are listed in
FACTS_NOT_READ and the corpus mistakes it does not refute yet in CORPUS_NOT_FOUND, both as
strict expected failures (one that starts passing fails the run until it is taken off the
list). The table's own soundness tests and the corpus guards (no crash, no false alarm) are
never marked.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from derive.check import check_file, collect_model
from derive.notation import Lin, Notation, QuantitySpec
from derive.results import FileReport, Status

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "conventions"
_CASES = tomllib.loads((DATA / "cases.toml").read_text())
TABLE: dict[str, dict[str, Any]] = _CASES["doc"]
CORPUS_TABLE: dict[str, dict[str, Any]] = _CASES["corpus"]
CORPUS = ROOT.parent / "shared" / "corpus"  # ../shared/corpus/, read in place, never copied

# ---- the switch: set a convention to True once notation inference reads it ----------------
INFERENCE_LANDED: dict[str, bool] = {
    "harness": True,  # formulas/backprop.md with its front matter: passes today, never flip
    "nielsen": True,
    "ufldl": True,
    "dlai": True,
    "bishop": True,
    "chapter": True,
    "softmax": True,
    "vw": True,
    "chapter-bare": True,  # formulas/backprop.md without its front matter and annotations
    "corpus": True,  # the tier-1 documents of ../shared/corpus/ (CORPUS_TIER1.md)
}
REASON = "notation inference (issue 10)"
VERDICTS = {"definition", "verified", "refuted", "conditional"}


# The inferred-notation facts are compared with readers of the tool's notation. A fact passes
# once the tool reads it and the test has a reader in the tool's spelling (FACT_READERS); the
# facts below do not yet (no reader, or read otherwise: Bishop's `E_n` is read as the loss `E`
# of pattern n, its layers as a number `L`), and are strict expected failures: one that starts
# passing fails the run until it is taken off this list. Every other fact is a real test.
FACTS_NOT_READ: dict[str, set[str]] = {
    "nielsen.md": {"sample_tag", "log", "sums"},
    "ufldl.tex": {"log", "sums", "output_alias"},
    "dlai.md": {"layer_var", "layers", "widths", "sample_tag", "loss", "sample_loss", "log",
        "sums", "quantity.W.layers", "quantity.W.shape_at", "quantity.b.layers",
        "quantity.b.shape_at", "quantity.z.layers", "quantity.z.shape_at",
        "quantity.z.per_sample", "quantity.a.layers", "quantity.a.shape_at",
        "quantity.a.per_sample", "quantity.x.per_sample",
        "quantity.y.per_sample"},
    "bishop.ipynb": {"layer_tag", "letters", "layers", "input_layer", "bias", "sums", "loss",
        "log", "defined", "quantity.w.forms", "quantity.a.forms", "quantity.z.forms",
        "quantity.x.forms", "quantity.y.forms", "quantity.t.forms", "quantity.\\delta.forms"},
    "chapter.md": {"log", "sums"},
    "softmax.md": {"layers", "classes", "features", "sums", "log", "defined", "assumptions",
        "quantity.\\theta.shape", "quantity.x.shape"},
    "vw.md": {"layers", "widths", "sums", "log"},
}


def _marks(group: str, landed: dict[str, bool] = INFERENCE_LANDED) -> list[pytest.MarkDecorator]:
    if landed[group]:
        return []
    return [pytest.mark.xfail(strict=False, reason=REASON)]


# --------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Case:
    line: int
    verdict: str
    has: str  # a piece of the line's text
    diagnosis: str | None = None  # for a slip: a keyword of the refutation's diagnosis
    note: str = ""


_ANNOTATION = re.compile(r"<!--\s*derive\b.*?-->", re.S)
_STRIPPED_DIR = tempfile.TemporaryDirectory(prefix="derive-conventions-")  # removed at exit
_STRIPPED = Path(_STRIPPED_DIR.name)


def doc_path(name: str) -> Path:
    spec = TABLE[name]
    path = ROOT / spec["path"] if "path" in spec else DATA / name
    return _stripped(path) if spec.get("strip_annotations") else path


@cache
def _stripped(path: Path) -> Path:
    """A copy of `path` with its front matter and `derive:` annotations blanked (each comment's
    lines become empty lines, so every other line keeps its number)."""
    text = _ANNOTATION.sub(lambda m: "\n" * m.group().count("\n"), path.read_text("utf-8"))
    out = _STRIPPED / path.name
    out.write_text(text, encoding="utf-8")
    return out


def source_line(path: Path, line: int) -> str:
    """The text of a line as the author wrote it: for a notebook, the JSON line's string decoded
    (`"\\\\delta_k = y_k - t_k.\\n",` reads `\\delta_k = y_k - t_k.`)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1]
    if path.suffix == ".ipynb":
        literal = text.strip().rstrip(",")
        try:
            decoded = json.loads(literal)
        except json.JSONDecodeError:
            return text
        return decoded if isinstance(decoded, str) else text
    return text


def expected_cases(name: str) -> list[Case]:
    """The document's cases; a slips variant inherits its base's and refutes the slip lines."""
    spec = TABLE[name]
    if "base" not in spec:
        return [Case(c["line"], c["verdict"], c["has"], None, c.get("note", ""))
                for c in spec["cases"]]
    slips = {s["line"]: s for s in spec.get("slips", [])}
    out = []
    for c in expected_cases(spec["base"]):
        s = slips.get(c.line)
        out.append(c if s is None else Case(c.line, "refuted", s["has"], s["diagnosis"],
                                            s.get("slip", "")))
    return out


def notation_facts(name: str) -> dict[str, Any]:
    """The table's notation facts, flattened: `layers`, `quantity.w.layers`, ..."""
    flat: dict[str, Any] = {}
    source = TABLE[name].get("notation_as", name)  # a variant may share another's facts
    for key, value in TABLE[source].get("notation", {}).items():
        if key == "quantity":
            for q, facts in value.items():
                for fact, v in facts.items():
                    flat[f"quantity.{q}.{fact}"] = v
        else:
            flat[key] = value
    return flat


# --------------------------------------------------------------------------------------------
# What the tool says (cached: every test of a document shares one check)


@cache
def report(name: str) -> FileReport:
    path = doc_path(name)
    shown = TABLE[name].get("path", f"tests/data/conventions/{name}")
    return check_file(path, shown)


@cache
def notation(name: str) -> Notation:
    """The notation the tool reads the document with: today the front matter; once inference
    lands, what `collect_model` (the same walk `check_file` does) builds from the formulas."""
    return collect_model(doc_path(name)).notation


def compare(rep: FileReport, cases: list[Case]) -> list[str]:
    """Every difference between a report and the expected cases, one line each."""
    got: dict[int, list] = {}
    for r in rep.results:
        got.setdefault(r.line, []).append(r)
    want: dict[int, list[Case]] = {}
    for c in cases:
        want.setdefault(c.line, []).append(c)
    problems = []
    for line in sorted(set(got) | set(want)):
        rs, cs = got.get(line, []), want.get(line, [])
        if not cs:
            problems += [f"line {line}: unexpected {r.status.value} ({r.message})" for r in rs]
            continue
        if len(rs) != len(cs):
            problems.append(f"line {line}: {len(rs)} results, expected {len(cs)} "
                            f"({[r.status.value for r in rs]} vs {[c.verdict for c in cs]})")
            continue
        for r, c in zip(rs, cs):
            if r.status.value != c.verdict:
                extra = (f"; diagnosis: {r.diagnosis.splitlines()[0]}"
                         if r.diagnosis and r.status.value != "error" else "")
                problems.append(f"line {line}: {r.status.value}, expected {c.verdict} "
                                f"({r.message}{extra})")
            elif c.diagnosis is not None and c.diagnosis not in (r.diagnosis or "").lower():
                problems.append(f"line {line}: {r.status.value} with diagnosis "
                                f"{r.diagnosis!r}, expected one naming {c.diagnosis!r}")
    return problems


# --------------------------------------------------------------------------------------------
# Facts of the notation the tool can express today (add a reader as inference grows)


def _lin(form: Lin, layers: str, var: str) -> str:
    """A linear form c + a·layers + b·var in the document's symbols: (−1, 1, 0) -> `n-1`."""
    c, a, b = form
    parts = []
    for coef, sym in ((b, var), (a, layers)):
        if coef:
            head = "" if coef == 1 else "-" if coef == -1 else str(coef)
            parts.append(f"{head}{sym}")
    if c or not parts:
        parts.append(str(c))
    text = "+".join(parts)
    return text.replace("+-", "-")


def _range(rng: tuple[Lin, Lin] | None, n: Notation) -> str:
    if rng is None:
        return "none"
    lo, hi = (_lin(f, n.layers, n.layer_var) for f in rng)
    return lo if lo == hi else f"{lo}..{hi}"


def _spec(n: Notation, name: str) -> QuantitySpec | None:
    return n.quantities.get(name)


def _quantity_reader(fact: str) -> Callable[[Notation, FileReport, str], Any] | None:
    def with_spec(f: Callable[[QuantitySpec, Notation], Any]) -> Callable:
        def read(n: Notation, _rep: FileReport, q: str) -> Any:
            spec = _spec(n, q)
            return None if spec is None else f(spec, n)
        return read

    return {
        "layers": with_spec(lambda s, n: _range(s.layer_range, n)),
        "shape": with_spec(lambda s, n: list(s.shape)),
        "slots": with_spec(lambda s, n: [_lin(lin, n.layers, n.layer_var)
                                         for kind, lin in s.dims if kind == "width"]),
        "given": with_spec(lambda s, n: "true" if s.given else "false"),
        "parameter": with_spec(lambda s, n: "true" if s.parameter else "false"),
        "given_layers": with_spec(lambda s, n: _range(s.given_range, n)),
    }.get(fact)


_TAG_WRITTEN = {"paren": "^{{({})}}", "bracket": "^{{[{}]}}", "sup": "^{}"}


def _layer_tag(n: Notation) -> str:
    """How the layered quantities carry their layer (`^{(l)}`), or none when none has one."""
    styles = {s.tag for s in n.quantities.values() if s.layers is not None}
    if not styles:
        return "none"
    return " ".join(sorted(_TAG_WRITTEN[t].format(n.layer_var) for t in styles))


FACT_READERS: dict[str, Callable[[Notation, FileReport], Any]] = {
    "layer_tag": lambda n, rep: _layer_tag(n),
    "input_layer": lambda n, rep: str(n.first_layer),
    "layers": lambda n, rep: n.layers,
    "layer_var": lambda n, rep: n.layer_var,
    "width": lambda n, rep: n.width,
    "batch": lambda n, rep: n.batch,
    "sample": lambda n, rep: n.sample,
    "loss": lambda n, rep: n.loss,
    "rate": lambda n, rep: n.rate,
    "functions": lambda n, rep: sorted(n.functions),
    "defined": lambda n, rep: [d.defines for d in rep.definitions],
    "given": lambda n, rep: sorted(q for q, s in n.quantities.items() if s.given),
}
_UNORDERED = {"functions", "given"}


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return None if value is None else re.sub(r"\s+", "", str(value))


def read_fact(name: str, key: str) -> Any:
    """What the tool read for one fact; raises LookupError when nothing can say it yet."""
    n, rep = notation(name), report(name)
    if key.startswith("quantity."):
        q, _, fact = key[len("quantity."):].rpartition(".")
        reader = _quantity_reader(fact)
        if reader is None:
            raise LookupError(f"no reader for the quantity fact `{fact}` (add it to "
                              "_quantity_reader in tests/test_conventions.py)")
        return reader(n, rep, q)
    if key not in FACT_READERS:
        raise LookupError(f"no reader for the fact `{key}` (add it to FACT_READERS in "
                          "tests/test_conventions.py)")
    return FACT_READERS[key](n, rep)


# --------------------------------------------------------------------------------------------
# Parameters


def _fact_marks(name: str, key: str) -> list[pytest.MarkDecorator]:
    if key not in FACTS_NOT_READ.get(name, set()):
        return []
    return [pytest.mark.xfail(strict=True, reason="notation fact not read yet (issue 10)")]


def _verdict_params() -> list:
    return [pytest.param(name, id=name, marks=_marks(spec["group"]))
            for name, spec in TABLE.items()]


def _fact_params() -> list:
    out = []
    for name in TABLE:
        for key, value in notation_facts(name).items():
            out.append(pytest.param(name, key, value, id=f"{name}:{key}",
                                    marks=_fact_marks(name, key)))
    return out


# --------------------------------------------------------------------------------------------
# The table is sound (always run, never marked)


def test_every_document_has_its_cases() -> None:
    documents = {p.name for p in DATA.iterdir() if p.suffix in (".md", ".tex", ".ipynb")}
    documents -= {"CORPUS_TIER1.md"}
    tabled = {name for name, spec in TABLE.items() if "path" not in spec}
    assert documents == tabled
    for name, spec in TABLE.items():
        assert spec["group"] in INFERENCE_LANDED, name
        assert doc_path(name).is_file(), name
        if "slips" in spec:
            assert TABLE[spec["base"]]["group"] == spec["group"], name
            assert 2 <= len(spec["slips"]) <= 4, name
            assert {s["line"] for s in spec["slips"]} <= {c.line for c in
                                                          expected_cases(spec["base"])}, name


@pytest.mark.parametrize("name", list(TABLE))
def test_table_matches_the_document(name: str) -> None:
    """Each case names a line holding the text it says (so a changed document breaks the
    table loudly), with a known verdict; a slip's line differs from the correct document's."""
    path = doc_path(name)
    cases = expected_cases(name)
    assert cases
    for c in cases:
        assert c.verdict in VERDICTS, (name, c)
        assert c.has in source_line(path, c.line), (name, c.line, c.has, source_line(path, c.line))
        if c.diagnosis is not None:
            assert c.verdict == "refuted", (name, c)
        elif "base" in TABLE[name]:
            assert c.verdict != "refuted", (name, c)  # a planted slip names its diagnosis
    base = TABLE[name].get("base")
    if base:
        slips = {s["line"] for s in TABLE[name].get("slips", [])}
        for c in expected_cases(base):
            text = source_line(path, c.line)
            assert (text != source_line(doc_path(base), c.line)) == (c.line in slips), c.line


def test_the_comparison_finds_a_wrong_expectation() -> None:
    """The harness is not vacuous: one flipped verdict, one diagnosis keyword the result does
    not have, one line left out of the table and one extra line are each reported."""
    cases = expected_cases("backprop.md")
    rep = report("backprop.md")
    assert compare(rep, cases) == []
    first, *rest = cases
    flipped = [Case(first.line, "refuted", first.has)] + rest
    assert len(compare(rep, flipped)) == 1
    verified = next(i for i, c in enumerate(cases) if c.verdict == "verified")
    wrong_kw = list(cases)
    wrong_kw[verified] = Case(cases[verified].line, "verified", cases[verified].has, "sign")
    assert len(compare(rep, wrong_kw)) == 1  # a diagnosis keyword the result lacks
    assert len(compare(rep, rest)) == 1  # a result at a line the table does not list
    assert len(compare(rep, cases + [Case(10_000, "verified", "")])) == 1


# --------------------------------------------------------------------------------------------
# The documents, checked as written


@pytest.mark.parametrize("name", _verdict_params())
def test_verdicts(name: str) -> None:
    problems = compare(report(name), expected_cases(name))
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("name", "key", "value"), _fact_params())
def test_inferred(name: str, key: str, value: Any) -> None:
    if not notation(name).quantities:
        # a default (layers `n`, widths `C`, batch `m`) matching the table proves nothing
        pytest.fail(f"{name}: no quantity read: the notation is the tool's default")
    try:
        got = read_fact(name, key)
    except LookupError as exc:
        pytest.fail(str(exc))
    want = value
    if key in _UNORDERED and isinstance(got, list):
        got, want = sorted(got), sorted(value)
    assert _norm(got) == _norm(want), f"{name}: {key} read as {got!r}, expected {value!r}"


# --------------------------------------------------------------------------------------------
# The tier-1 corpus, checked as written (issue 10's acceptance). Two guards hold today and are
# never marked: no crash or internal error, and no refutation but the hand-confirmed mistakes
# (a false alarm is the worst failure of a checker). Two wait for inference: every mistake
# refuted with its diagnosis, and 90 % of the results with a verdict.

GIVES_A_VERDICT = {"definition", "verified", "refuted", "conditional"}
_EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")


@cache
def corpus_report(name: str) -> FileReport:
    return check_file(CORPUS / name, f"../shared/corpus/{name}")


def _needs_corpus(name: str | None = None) -> None:
    if not CORPUS.is_dir() or (name is not None and not (CORPUS / name).is_file()):
        pytest.skip(f"the corpus is not at {CORPUS} (../shared/corpus/)")


def _known(r: Any, expected: list[dict[str, Any]]) -> bool:
    return any(r.line == w["line"] and w.get("step", r.step) == r.step for w in expected)


def missing_mistakes(rep: FileReport, expected: list[dict[str, Any]]) -> list[str]:
    """The hand-confirmed mistakes the report does not refute (or refutes without naming)."""
    problems = []
    for want in expected:
        hits = [r for r in rep.results if r.status.value == "refuted" and _known(r, [want])]
        if not hits:
            at = [(r.step, r.status.value) for r in rep.results if r.line == want["line"]]
            problems.append(f"line {want['line']}: {want['mistake']} is not refuted ({at})")
        elif "diagnosis" in want and want["diagnosis"] not in (hits[0].diagnosis or "").lower():
            problems.append(f"line {want['line']}: diagnosis {hits[0].diagnosis!r} does not "
                            f"name {want['diagnosis']!r}")
    return problems


def false_alarms(rep: FileReport, expected: list[dict[str, Any]]) -> list[str]:
    return [f"line {r.line} step {r.step}: refuted, but no mistake is known there: {r.latex} "
            f"({r.diagnosis})" for r in rep.results
            if r.status.value == "refuted" and not _known(r, expected)]


@pytest.mark.parametrize("name", list(CORPUS_TABLE))
def test_corpus_no_false_alarm(name: str) -> None:
    _needs_corpus(name)
    problems = false_alarms(corpus_report(name), CORPUS_TABLE[name]["refuted"])
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", list(CORPUS_TABLE))
def test_corpus_no_internal_error(name: str) -> None:
    """`check_file` returns (a crash would raise here), and no result is an exception dressed
    as `unchecked`."""
    _needs_corpus(name)
    rep = corpus_report(name)
    assert rep.results, f"{name}: no result at all"
    bad = [(r.line, r.message) for r in rep.results
           if r.status.value == "unchecked" and _EXCEPTION.search(r.message)]
    assert not bad, bad


# the hand-confirmed corpus mistakes not refuted yet: steven2358's y^{(i)} for y^{(k)} (line
# 193, an error) and a^{(l)} for a^{(n_l)} (line 218, conditional on l = n_l)
CORPUS_NOT_FOUND = {"steven2358_backprop.tex"}


@pytest.mark.parametrize("name", [
    pytest.param(n, id=n, marks=[pytest.mark.xfail(strict=True, reason=REASON)]
                 if n in CORPUS_NOT_FOUND else _marks("corpus"))
    for n, spec in CORPUS_TABLE.items() if spec["refuted"]])
def test_corpus_mistakes_found(name: str) -> None:
    _needs_corpus(name)
    problems = missing_mistakes(corpus_report(name), CORPUS_TABLE[name]["refuted"])
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("group", [pytest.param("corpus", marks=_marks("corpus"))])
def test_corpus_coverage(group: str) -> None:
    _needs_corpus()
    counts = {}
    for name in CORPUS_TABLE:
        results = corpus_report(name).results
        counts[name] = (sum(r.status.value in GIVES_A_VERDICT for r in results), len(results))
    judged = sum(j for j, _ in counts.values())
    total = sum(n for _, n in counts.values())
    assert total and judged / total >= 0.9, (
        f"{judged}/{total} results with a verdict: "
        + ", ".join(f"{name} {j}/{n}" for name, (j, n) in counts.items()))


def test_corpus_table_names_the_tier1_documents() -> None:
    """The six documents issue 10 names, and the hand-found mistakes sit on display rows."""
    assert set(CORPUS_TABLE) == {
        "seed_07_backprop.rst", "steven2358_backprop.tex", "anch3or_D_bp.ipynb",
        "d2lzh_softmax-regression.md", "cs231n_optimization-2.md",
        "yizt_0_3_activation_backprop.md"}
    _needs_corpus()
    for name, spec in CORPUS_TABLE.items():
        lines = {r.line for r in corpus_report(name).results}  # rows are cut even today
        for want in spec["refuted"]:
            assert want["line"] in lines, (name, want)


def test_the_corpus_checks_find_what_they_should() -> None:
    """The corpus comparisons are not vacuous: a refutation at an unknown place is a false
    alarm, and a known mistake without a refutation is reported."""
    rep = report("nielsen-slips.md")  # any report; what matters is the comparison
    fake = dataclasses.replace(rep.results[0], status=Status.REFUTED)
    fake_rep = dataclasses.replace(rep, results=(fake,))
    assert len(false_alarms(fake_rep, [])) == 1
    assert false_alarms(fake_rep, [{"line": fake.line, "mistake": "x"}]) == []
    assert len(missing_mistakes(rep, [{"line": 10_000, "mistake": "x"}])) == 1
