"""The JSON Schema files shipped in derive/schema/ describe what `derive check --format json`
and `derive report` write: both outputs of the chapter and of documents with slips, errors and
notebook cells validate, and a finding in the JSON reads back to the diagnosis printed beside it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

from derive.cli import main  # noqa: E402
from derive.results import Finding, FindingKind, Kind  # noqa: E402
from derive.sentences import sentence  # noqa: E402

# refutations with findings of many kinds, matrix repairs, errors, a notebook's cells
DOCUMENTS = [
    "tests/data/conventions/nielsen-slips.md",
    "tests/data/conventions/bishop-slips.ipynb",
    "tests/data/untagged_weights/two-names.md",  # an error: letters the tool does not read
    "tests/data/vector/nielsen-vector-slips.md",
    "tests/data/functions/leaky_relu.md",
    "tests/data/functions/weight_decay.md",
]


def _schema(name: str) -> dict:
    return json.loads((resources.files("derive") / "schema" / name).read_text("utf-8"))


def _validator(name: str) -> jsonschema.protocols.Validator:
    schemas = [_schema("check.schema.json"), _schema("report.schema.json")]
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas)
    schema = _schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _errors(validator, doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(doc)]


def _findings(doc: dict) -> list[dict]:
    out = []
    for f in doc["files"]:
        for r in f["results"]:
            out += [r] + r["comparisons"]
    return [x for x in out if x["finding"] is not None]


def test_the_schemas_name_every_kind_the_code_has() -> None:
    check = _schema("check.schema.json")["$defs"]
    assert check["finding"]["properties"]["kind"]["enum"] == [k.value for k in FindingKind]
    assert check["kind"]["enum"] == [k.value for k in Kind]


@pytest.mark.parametrize("paths", [["formulas/backprop.md"], DOCUMENTS], ids=["chapter", "data"])
def test_check_json_validates_and_its_findings_read_back(paths, capsys) -> None:
    main(["check", *paths, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert _errors(_validator("check.schema.json"), doc) == []
    found = _findings(doc)
    assert found, "the documents have diagnosed refutations"
    for x in found:  # the sentence printed is the finding's wording
        assert sentence(Finding.from_json(x["finding"])) == x["diagnosis"]
    if paths == DOCUMENTS:
        kinds = {x["finding"]["kind"] for x in found}
        assert len(kinds) >= 5, kinds
        statuses = {r["status"] for f in doc["files"] for r in f["results"]}
        assert {"refuted", "error", "verified"} <= statuses
        assert any(r["cell"] for f in doc["files"] for r in f["results"])
        errors = [r for f in doc["files"] for r in f["results"] if r["status"] == "error"]
        assert all(r["finding"] is None and r["diagnosis"] for r in errors)


@pytest.mark.parametrize("paths", [["formulas/backprop.md"], DOCUMENTS], ids=["chapter", "data"])
def test_report_json_validates(paths, tmp_path: Path, capsys) -> None:
    assert main(["report", *paths, "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    written = sorted(tmp_path.glob("*.json"))
    assert len(written) >= len(paths)
    validator = _validator("report.schema.json")
    for path in written:
        doc = json.loads(path.read_text("utf-8"))
        assert _errors(validator, doc) == [], path.name
        assert doc["results"]


def test_a_document_that_breaks_the_schema_is_caught() -> None:
    bad = {"schema": 1, "tool": "derive", "version": "0", "files": [], "errors": [],
           "summary": {"files": 0}}
    assert _errors(_validator("check.schema.json"), bad)


def test_every_kind_has_its_words_and_its_json_reads_back() -> None:
    from derive.sentences import detail

    for kind in FindingKind:
        inner = Finding(FindingKind.SIGN) if kind in (FindingKind.IN_CASE,
                                                      FindingKind.UNDER_ASSUMPTION) else None
        f = Finding(kind, ("a_j", "b_k"), (("term", "t"), ("fixed", "u"), ("of", "|W|"),
                                           ("case", "z > 0"), ("agrees", ("z < 0", "z = 0")),
                                           ("assumption", "one-hot labels")), inner)
        text = sentence(f)
        assert detail(f) in text and text.count("$") % 2 == 0, kind
        assert Finding.from_json(json.loads(json.dumps(f.to_json()))) == f
    wrong_case = Finding(FindingKind.WRONG_CASE, parameters=(("agrees", ("z < 0",)),))
    assert sentence(wrong_case) == ("wrong case: the value in the case otherwise is not the "
                                    "derivative (where $z < 0$, it agrees)")
    nested = Finding(FindingKind.UNDER_ASSUMPTION, parameters=(("assumption", "$i = j$"),),
                     inner=Finding(FindingKind.MISSING_FACTOR, ("a_j",), (("term", "x"),)))
    assert sentence(nested) == "missing factor: the term $x$ lacks a factor $a_j$ (when $i = j$)"
    assert detail(nested) == "the term $x$ lacks a factor $a_j$ (when $i = j$)"
