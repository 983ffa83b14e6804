"""Hand-built FileReports for the report tests, until `derive.check.check_file` exists.

`mini_report()` stands for tests/golden/mini.md (one refuted, one conditional, one verified
formula, one definition); `backprop_report()` is built from formulas/backprop.md itself: its
headings and every display formula, chains split into steps, with plausible verdicts.
"""

from __future__ import annotations

import re
from pathlib import Path

from derive.results import (
    Comparison,
    Counterexample,
    Definition,
    FileReport,
    Result,
    Status,
)

ROOT = Path(__file__).resolve().parent.parent
MINI = "tests/golden/mini.md"
BACKPROP = "formulas/backprop.md"


def mini_report() -> FileReport:
    f = MINI
    sec_fwd = ("Mini: one sigmoid unit", "Forward")
    sec_der = ("Mini: one sigmoid unit", "Derivatives")
    return FileReport(
        file=f,
        title="Mini: one sigmoid unit",
        headings=((1, 1, "Mini: one sigmoid unit"), (7, 2, "Forward"), (13, 2, "Derivatives")),
        definitions=(Definition(f, 10, r"g(t) = \frac{1}{1 + e^{-t}}", "g"),),
        instances=("n=2, C=(2, 2)", "n=3, C=(2, 3, 2)"),
        notes=("The loss is cross-entropy over a softmax of $z_i$; $y$ is a label vector.",),
        results=(
            Result(
                file=f,
                line=10,
                col=1,
                latex=r"g(t) = \frac{1}{1 + e^{-t}}",
                kind="definition",
                status=Status.DEFINITION,
                message="Taken as the definition of $g$.",
                section=sec_fwd,
                formula=1,
                parsed=r"g{\left(t \right)} = \frac{1}{1 + e^{- t}}",
            ),
            Result(
                file=f,
                line=16,
                col=1,
                latex=r"g^{\prime}(t) = g(t)(1 - g(t))",
                kind="equation",
                status=Status.VERIFIED,
                message="Equal to the derivative of $g$ at every point tried.",
                section=sec_der,
                formula=2,
                parsed=r"\frac{d}{d t} g{\left(t \right)} = \left(1 - g{\left(t \right)}\right) g{\left(t \right)}",
                derivation="Differentiated the definition of $g$ symbolically.",
                evidence="Symbolic difference simplifies to 0; 20 random points agree to 1e-12.",
            ),
            Result(
                file=f,
                line=20,
                col=1,
                latex=r"\frac{\partial{\mathcal{L}}}{\partial{z_i}} = \hat{y}_i - y_i",
                kind="equation",
                status=Status.CONDITIONAL,
                message="Holds only when the labels sum to 1.",
                section=sec_der,
                formula=3,
                parsed=r"\frac{\partial \mathcal{L}}{\partial z_{i}} = \hat{y}_{i} - y_{i}",
                derivation="Differentiated the cross-entropy of the softmax with respect to $z_i$.",
                evidence="On n=2, C=(2, 2): differs for labels (1, 1); equal for one-hot labels.",
                assumptions=(r"$\sum_j y_j = 1$ (one-hot labels)",),
                comparisons=(
                    Comparison(
                        "softmax over a",
                        Status.REFUTED,
                        "Off by the factor $g'(z_i)$.",
                        r"factor $g^{\prime}(z_i)$",
                    ),
                ),
            ),
            Result(
                file=f,
                line=25,
                col=1,
                latex=r"\frac{\partial{\mathcal{L}}}{\partial{w_{ij}}} = \frac{\partial{\mathcal{L}}}{\partial{z_i}} \frac{\partial{z_i}}{\partial{w_{ij}}}",
                kind="step",
                status=Status.VERIFIED,
                message="The chain rule, applied correctly.",
                section=sec_der,
                formula=4,
                step=1,
                parsed=r"\frac{\partial \mathcal{L}}{\partial w_{ij}} = \frac{\partial \mathcal{L}}{\partial z_{i}} \frac{\partial z_{i}}{\partial w_{ij}}",
                derivation="Chain rule through $z_i$.",
                evidence="Symbolic.",
            ),
            Result(
                file=f,
                line=26,
                col=1,
                latex=r"\frac{\partial{\mathcal{L}}}{\partial{z_i}} \frac{\partial{z_i}}{\partial{w_{ij}}} = \delta_j a_i",
                kind="step",
                status=Status.REFUTED,
                message="The indices of $\\delta$ and $a$ are swapped: it should be $\\delta_i a_j$.",
                section=sec_der,
                formula=4,
                step=2,
                parsed=r"\delta_{i} a_{j} = \delta_{j} a_{i}",
                derivation="$\\partial z_i / \\partial w_{ij} = a_j$ from the forward pass.",
                evidence="Evaluated on n=2, C=(2, 2) at all index values; 3 of 4 differ.",
                diagnosis="Index swap: $i \\leftrightarrow j$.",
                counterexample=Counterexample(
                    instance="n=2, C=(2, 2)",
                    indices={"i": 1, "j": 2},
                    point={"a_1": "0.25", "a_2": "0.75", "y_1": "1", "y_2": "0"},
                    lhs="-0.1875",
                    rhs="0.0625",
                ),
                lint=(
                    "Uses $w_{ij}$ for the weight into neuron $i$, the reverse of the notation table.",
                ),
            ),
        ),
    )


# --- a stand-in for the checker's report on formulas/backprop.md ------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ANNOT = re.compile(r"<!--\s*derive:(.*?)-->", re.DOTALL)


def document_formulas(path: Path) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]]:
    """(headings, formulas) of a formulas file: (line, level, text) and (line, latex, annotation)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    headings: list[tuple[int, int, str]] = []
    formulas: list[tuple[int, str, str]] = []
    in_comment = in_math = False
    annotation = ""
    body: list[str] = []
    start = 0
    for n, line in enumerate(lines, 1):
        if in_comment:
            in_comment = "-->" not in line
            if not in_comment and annotation:
                annotation += line
            continue
        if in_math:
            if line.strip() == "$$":
                formulas.append((start, "\n".join(body), annotation))
                in_math, body, annotation = False, [], ""
            else:
                body.append(line)
            continue
        if line.strip() == "$$":
            in_math, start = True, n
            continue
        if line.startswith("<!--"):
            in_comment = "-->" not in line
            annotation = line if line.startswith("<!-- derive:") else ""
            continue
        m = _HEADING.match(line)
        if m:
            headings.append((n, len(m.group(1)), m.group(2).strip()))
    return headings, formulas


def _section(headings: list[tuple[int, int, str]], line: int) -> tuple[str, ...]:
    path: list[tuple[int, str]] = []
    for hline, level, text in headings:
        if hline > line:
            break
        path = [p for p in path if p[0] < level] + [(level, text)]
    return tuple(text for _, text in path)


def _steps(latex: str) -> list[str] | None:
    """A derivation chain `a &= b \\\\ &= c ...` as its steps `a = b`, `b = c`, ..."""
    m = re.fullmatch(r"\\begin\{split\}(.*)\\end\{split\}", latex.strip(), re.DOTALL)
    if not m:
        return None
    rows = [r.strip() for r in m.group(1).split("\\\\")]
    if len(rows) < 2 or not all(r.startswith("&=") for r in rows[1:]):
        return None
    first_lhs, first_rhs = rows[0].split("&=", 1)
    sides = [first_lhs.strip(), first_rhs.strip().lstrip("\\ ").strip()]
    sides += [r[2:].strip().lstrip("\\ ").strip() for r in rows[1:]]
    return [f"{sides[k]} = {sides[k + 1]}" for k in range(len(sides) - 1)]


def backprop_report() -> FileReport:
    path = ROOT / BACKPROP
    headings, formulas = document_formulas(path)
    alt = "softmax over z"
    factor = r"the document's model has the extra factor $g^{\prime}(z^{(n)}_i)$"
    results: list[Result] = []
    definitions: list[Definition] = []
    for number, (line, latex, annotation) in enumerate(formulas, 1):
        section = _section(headings, line)
        in_ce = "Cross Entropy" in " ".join(section)
        if "definitions" in annotation:
            defines = re.sub(r"\\begin\{split\}", "", latex).split("=")[0].strip(" &")
            definitions.append(Definition(BACKPROP, line, latex, defines))
            results.append(
                Result(
                    BACKPROP,
                    line,
                    1,
                    latex,
                    "definition",
                    Status.DEFINITION,
                    "Taken from the document as a definition of the model.",
                    section,
                    number,
                    parsed=latex,
                )
            )
            continue
        steps = _steps(latex) or [latex]
        for k, step in enumerate(steps, 1):
            status, message = Status.VERIFIED, "Equal to the derived side at every point tried."
            assumptions: tuple[str, ...] = ()
            comparisons: tuple[Comparison, ...] = ()
            diagnosis = None
            lint: tuple[str, ...] = ()
            if r"\sum_{j=1}^{C_n} y_j \times \hat{y}_i" in step and step.endswith(r"\hat{y}_i"):
                status = Status.CONDITIONAL
                message = "Holds when the labels of a sample sum to 1, as one-hot labels do."
                assumptions = (r"$\sum_{j=1}^{C_n} y_j = 1$",)
            if in_ce and "g^{\\prime}(z^{(n)}_i)" in step:
                comparisons = (
                    Comparison(
                        alt, Status.REFUTED, "Under softmax over z the factor is absent.", factor
                    ),
                )
            elif in_ce and "z^{(n)}_i" in step:
                comparisons = (
                    Comparison(alt, Status.VERIFIED, "Also holds under softmax over z."),
                )
            if "w_{ji}^{(l)}" in step:
                lint = (r"Writes $w_{ji}^{(l)}$ here and $w^{(l)}_{ji}$ in the notation table.",)
            results.append(
                Result(
                    BACKPROP,
                    line + k,
                    1,
                    step,
                    "step" if len(steps) > 1 else "equation",
                    status,
                    message,
                    section,
                    number,
                    step=k if len(steps) > 1 else None,
                    parsed=step,
                    derivation="Differentiated the forward model of the document.",
                    evidence="Instances n=3, C=(2, 3, 2) and n=4, C=(2, 3, 3, 2); all index values; 5 points.",
                    assumptions=assumptions,
                    diagnosis=diagnosis,
                    lint=lint,
                    comparisons=comparisons,
                )
            )
    return FileReport(
        file=BACKPROP,
        title="9. 反向传播",
        results=tuple(results),
        definitions=tuple(definitions),
        instances=("n=3, C=(2, 3, 2)", "n=4, C=(2, 3, 3, 2)"),
        notes=(
            "STAND-IN built by tests/test_report_samples.py until derive.check exists.",
            (
                r"The chapter's softmax acts on the sigmoid outputs $a^{(n)}$, not on $z^{(n)}$: "
                r"every output lies in $(e^{0}, e^{1})$ before normalising, so $\hat{y}$ cannot "
                r"approach a one-hot vector."
            ),
        ),
        headings=tuple(headings),
    )
