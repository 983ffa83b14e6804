"""The shipped chapter: every formula and step gets the verdict an independent reading gives.

The expected verdicts below come from reading the chapter by hand (see the README's "What it
finds"), not from the tool's output: the chain rule, the forward pass, the MSE section and the
gradient-descent updates hold; the recursion's expansion of z uses b_i for b_j (flagged, value
unaffected); ∂ℒ/∂a = ŷ − y and the cross-entropy output error need labels that sum to one; in
the usual softmax-over-z output layer the chapter's output error carries an extra g'(z).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from derive.results import Status

D, V, C = Status.DEFINITION, Status.VERIFIED, Status.CONDITIONAL
ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "formulas" / "backprop.md"

# formula number -> verdicts of its rows and steps, in document order
EXPECTED = {
    1: [V, V],  # ∂z/∂x_1, ∂z/∂x_2 through y_1, y_2
    2: [V],  # du/dx, the chapter's convention for ∂u/∂x
    3: [V],  # ∂u/∂x with y(x, t), z(x, t)
    4: [D, D, V, D],  # forward pass; g'(t) = (1 - g(t)) g(t) is a claim
    5: [D],  # δ = ∂ℒ/∂z
    6: [D],  # MSE loss
    7: [V, V, V, V],  # MSE output error
    8: [V, V, V, V, V],  # backward recursion
    9: [V, V, V, V, V],  # weight gradient (4 steps), bias gradient
    10: [V, V],  # weight update
    11: [V, V],  # bias update
    12: [D, D, D],  # cross-entropy, y ∈ {0, 1}, ŷ = softmax
    13: [V],  # softmax Jacobian
    14: [V, V, V],  # chain rule for the cross-entropy
    15: [V, V, V, V, V, C],  # ∂ℒ/∂a derivation: the last step needs Σ y = 1
    16: [V, V, C],  # cross-entropy output error
}


def by_formula(report):
    out: dict[int, list] = {}
    for r in report.results:
        out.setdefault(r.formula, []).append(r)
    return out


def test_every_formula_and_step_has_the_expected_verdict(chapter_report):
    got = {k: [r.status for r in v] for k, v in by_formula(chapter_report).items()}
    assert got == EXPECTED


def test_nothing_is_unchecked_or_unreadable(chapter_report):
    bad = [r for r in chapter_report.results if r.status in (Status.UNCHECKED, Status.ERROR)]
    assert bad == []
    for r in chapter_report.results:
        if r.status is Status.VERIFIED:
            assert r.evidence.startswith("numeric:")
            assert "30-digit" in r.evidence


def test_the_expansion_of_z_with_the_wrong_bias_index_is_flagged(chapter_report):
    flagged = [r for r in chapter_report.results if r.lint]
    assert [(r.formula, r.step) for r in flagged] == [(8, 3)]
    finding = flagged[0].lint[0]
    assert "b^{(l)}_{i}$ should be $b^{(l)}_{j}" in finding
    assert "not affected" in finding


def test_conditional_results_name_the_one_hot_assumption(chapter_report):
    for r in chapter_report.results:
        if r.status is Status.CONDITIONAL:
            assert r.assumptions == ("the labels sum to one: $\\sum_j y_j = 1$ (one-hot labels)",)
            assert "y_j \\in \\{ 0,1 \\}" in r.message
            c = r.counterexample
            assert c is not None and c.lhs != c.rhs
            # the witness labels do not sum to one
            labels = [float(v) for k, v in c.point.items() if k.startswith("y_")]
            assert labels and sum(labels) != 1


def test_usual_softmax_layer_parts_from_the_chapter_by_g_prime(chapter_report):
    out_error = by_formula(chapter_report)[16][2]
    (cmp,) = out_error.comparisons
    assert cmp.model == "softmax over z"
    assert cmp.status is Status.REFUTED
    assert "extra factor" in cmp.diagnosis and "g^{\\prime}" in cmp.diagnosis
    assert "z^{(n)}_{i}" in cmp.diagnosis
    # everywhere else in the section the two models agree
    for r in chapter_report.results:
        for c in r.comparisons:
            if r is not out_error:
                assert c.status is r.status or r.status is Status.DEFINITION


def test_the_notes_say_where_the_two_softmax_models_part(chapter_report):
    parting = [n for n in chapter_report.notes if n.startswith("Where the models part")]
    assert len(parting) == 1
    assert "formula 16, step 3" in parting[0] and "extra factor" in parting[0]
    assert "conditional in the document's model" in parting[0]


def test_the_cost_of_softmax_over_sigmoid_outputs_is_derived(chapter_report):
    notes = " ".join(chapter_report.notes)
    assert "0.2320" in notes  # e / (e + 9)
    assert "1.4612" in notes  # ln(1 + 9/e)


def test_the_definitions_used_are_reported(chapter_report):
    defined = [d.defines for d in chapter_report.definitions]
    assert defined == ["z", "g", "a", "\\delta", "\\mathcal{L}", "\\mathcal{L}", "\\hat{y}",
                       "\\mathrm{softmax}"]


def test_checking_only_some_formulas_gives_them_their_verdicts(chapter_report):
    """`check_document(doc, only=...)` (what the variant and rewrite tests use to check one
    edited formula) builds the model from every formula but checks and reports only those
    named: each gets exactly the results of a check of the whole chapter, in the sections with
    an alternative model too (13-16)."""
    from derive.check import check_document
    from derive.document import read_document

    doc = read_document(CHAPTER, "formulas/backprop.md")
    full = by_formula(chapter_report)
    for only in ({4}, {9}, {13}, {15, 16}):
        rep = check_document(doc, only=frozenset(only))
        assert {r.formula for r in rep.results} == only
        want = [r.to_json() for k in sorted(only) for r in full[k]]
        assert [r.to_json() for r in rep.results] == want
    assert check_document(doc, only=frozenset()).results == ()
    # the formulas not checked still define: the whole model's definitions are reported
    assert check_document(doc, only=frozenset()).definitions == chapter_report.definitions


# ------------------------------------------------------------------------------------------
# The model comes from the document: edits change what is derived


def _check_text(text: str):
    from derive.check import check_document
    from derive.document import parse_document

    return check_document(parse_document(text, "formulas/backprop.md"))


def _truncate_after(text: str, marker: str) -> str:
    """The document up to the end of the display formula that contains `marker`."""
    start = text.index(marker)
    end = text.index("\n$$", start)
    return text[: end + 3] + "\n"


def test_changing_g_to_tanh_refutes_the_sigmoid_derivative(chapter_text):
    old = "g(t) &= \\ \\frac{1}{1 + e^{-t}}"
    assert chapter_text.count(old) == 1
    text = _truncate_after(chapter_text.replace(old, "g(t) &= \\ \\tanh(t)"), "g^{\\prime}(t)")
    rep = _check_text(text)
    claim = [r for r in rep.results if "g^{\\prime}(t)" in r.latex]
    assert [r.status for r in claim] == [Status.REFUTED]
    assert claim[0].counterexample is not None


def test_changing_g_to_tanh_changes_what_is_trained(chapter_text, tmp_path):
    from derive.spec import load_spec

    f = tmp_path / "tanh.md"
    f.write_text(chapter_text.replace("\\frac{1}{1 + e^{-t}}", "\\tanh(t)"), encoding="utf-8")
    import sympy

    spec = load_spec(f)
    t = spec.activation.variables[0]
    assert sympy.simplify(spec.activation.expr - sympy.tanh(t)) == 0
    assert dict(spec.losses).keys() == {"mse", "ce"}


def test_the_chain_rule_convention_is_what_makes_du_dx_hold(chapter_text):
    """Without `coordinates`, ∂u/∂x means the total derivative and the formula is wrong."""
    marker = 'coordinates = ["x", "y", "z"]\n'
    assert chapter_text.count(marker) == 1
    text = _truncate_after(chapter_text.replace(marker, ""), "\\frac{du}{dx} =")
    rep = _check_text(text)
    (r,) = [r for r in rep.results if r.formula == 2]
    assert r.status is Status.REFUTED


def test_sympy_and_symengine_backends_derive_the_same_numbers(chapter_text, monkeypatch,
                                                             tmp_path):
    """The derivatives are computed by SymEngine by default; sympy.diff must agree."""
    from derive.check import collect_model
    from derive.evaluate import Engine
    from derive.expr import Partial, Quantity
    from derive.model import INSTANCES

    text = _truncate_after(chapter_text, "\\mathcal{L} = \\frac{1}{2}")
    doc = tmp_path / "mse.md"
    doc.write_text(text, encoding="utf-8")
    values = {}
    for name in ("symengine", "sympy"):
        monkeypatch.setenv("DERIVE_BACKEND", name)
        model = collect_model(doc)
        ev = Engine().evaluator(model, INSTANCES[1], 0)
        assert ev.structure.engine.name == name
        loss = Quantity("\\mathcal{L}", (), ())
        got = []
        for layer, (rows, cols) in enumerate(zip(INSTANCES[1].widths[1:], INSTANCES[1].widths),
                                             start=1):
            for i in range(1, rows + 1):
                for j in range(1, cols + 1):
                    w = Quantity("w", (layer,), (i, j))
                    got.append(ev.derivative(Partial(loss, w), {}, 1))
        values[name] = got
    assert len(values["sympy"]) == 2 * 4 + 4 * 3 + 3 * 2
    for a, b in zip(values["symengine"], values["sympy"]):
        assert abs(a - b) <= 1e-25 * (1 + abs(a))


# ------------------------------------------------------------------------------------------
# The command line


def test_check_exit_codes_and_json(chapter_report, capsys, monkeypatch):
    """The JSON of the chapter's check (`derive check --json` prints these bytes and exits 0:
    test_determinism.py runs it), and the exit code of --strict."""
    import io

    from derive.cli import main
    from derive.output import make_printer

    buf = io.StringIO()
    printer = make_printer("json", out=buf, err=io.StringIO())
    printer.begin(1, 1, "formulas/backprop.md")
    printer.file(chapter_report)
    printer.finish()
    doc = json.loads(buf.getvalue())
    monkeypatch.chdir(ROOT)
    assert doc["schema"] == 1 and doc["errors"] == []
    assert doc["summary"]["files"] == 1 and doc["summary"]["refuted"] == 0
    (entry,) = doc["files"]
    data = entry["results"]
    assert doc["summary"]["verified"] == entry["counts"]["verified"] > 0
    assert {r["status"] for r in data} == {"definition", "verified", "conditional"}
    keys = {"file", "line", "col", "latex", "kind", "status", "message", "assumptions",
            "diagnosis", "counterexample", "section", "formula", "step", "parsed", "derivation",
            "evidence", "lint", "comparisons"}
    assert all(keys <= set(r) for r in data)
    assert data[0]["file"] == "formulas/backprop.md"
    # --strict also fails on the conditional and flagged results
    assert main(["check", "--strict"]) == 1
    out = capsys.readouterr().out
    assert "≈ conditional" in out and "flagged:" in out
    assert "formulas/backprop.md: 44 checked" in out


def test_missing_file_and_bad_usage_exit_2(capsys, tmp_path):
    from derive.cli import main

    assert main(["check", str(tmp_path / "nope.md")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.skipif(os.environ.get("DERIVE_BACKEND") == "sympy", reason="slow backend")
def test_module_entry_point(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "derive", "--version"], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    assert out.stdout.startswith("derive ")


def test_symbolic_confirmation_says_what_it_did():
    from derive.check import check_file

    rep = check_file(CHAPTER, "formulas/backprop.md", symbolic=True)
    verified = [r for r in rep.results if r.status is Status.VERIFIED]
    symbolic = [r.evidence.split("symbolic: ", 1)[1] for r in verified]
    assert len(symbolic) == len(verified)  # every verified claim says what happened
    confirmed = [s for s in symbolic if s.startswith("confirmed by sympy.simplify")]
    assert len(confirmed) >= 25
    # the chain-rule section is proved with its functions left undefined
    chain = [r for r in verified if r.formula in (1, 2, 3)]
    assert all("confirmed" in r.evidence and "undefined" in r.evidence for r in chain)
    assert all(s.startswith(("confirmed", "not attempted", "sympy.simplify could not"))
               for s in symbolic)
