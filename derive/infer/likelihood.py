"""The likelihood of a classifier whose text says its outputs are the class probabilities
(`$\\hat{y}_1 = P(y = \\text{cat} \\mid \\mathbf{x})$`, in a formula or as two inline maths
joined by `=` in the prose) and its labels one-hot (derive.infer.premises).

Such a text writes the probability of a label given an input, `P(\\mathbf{y}^{(i)} \\mid
\\mathbf{x}^{(i)})`, and of the data set's labels given its inputs, `P(\\mathbf{Y} \\mid
\\mathbf{X}) = \\prod_{i=1}^n P(\\mathbf{y}^{(i)} \\mid \\mathbf{x}^{(i)})`, then its negative
log (the cross-entropy). Read so: the first is the network's categorical likelihood
`\\prod_j \\hat{y}_j^{y_j}` (for a one-hot `y`, the predicted probability of its class), the
second the product of the samples' (taken independent), at each checked network's batch size
(`Formula.likelihood`, read by derive.latex.likelihood). Where the text does not tie the
probability to the outputs, or does not say its labels are one-hot, nothing is read: the
parser says why. Text level only: the tie's words are matched, never evaluated."""

from __future__ import annotations

import dataclasses
import re

from derive.infer.named import _sentences
from derive.infer.premises import Premise
from derive.sources.document import Document

_FONT = r"(?:\\(?:mathbf|boldsymbol|bm|vec|mathrm|mathit)\s*\{\s*([A-Za-z])\s*\}|([A-Za-z]))"
_OUTPUT = (r"(\\(?:hat|tilde|bar)\s*\{\s*[A-Za-z]\s*\}|\\(?:hat|tilde|bar)\s+[A-Za-z]|[A-Za-z])"
           r"\s*_\s*(?:\{[^{}$]*\}|[A-Za-z0-9])")
_PROB = r"(P|p|\\Pr|\\mathbb\s*\{\s*P\s*\}|\\mathrm\s*\{\s*P\s*\})"
# ŷ_j = P(y = j | x): an output's entry equal to the probability of a class of the label given
# the input (the class any index, number or word)
_TIE = re.compile(_OUTPUT + r"\s*=\s*" + _PROB + r"\s*\(\s*" + _FONT
                  + r"\s*=\s*[^|$]*?(?:\\mid|\\vert|\|)\s*" + _FONT + r"\s*\)")
# two inline maths joined by `=` in the prose: `$\hat{y}_1$=$P(y=\text{猫} \mid \mathbf{x})$`
_JOINED = re.compile(r"\$([^$]+)\$\s*=\s*\$([^$]+)\$")
_GIVEN = re.compile(r"(?:\\mid|\\vert|\|)")


@dataclasses.dataclass(frozen=True)
class Tie:
    """What the text says the network's outputs are: `output_j = prob(label = j | input)`."""

    line: int
    written: str  # the tie as the text writes it
    output: str  # `\\hat{y}`
    prob: str  # `P`
    label: str  # `y`
    input: str  # `x`


def _tie_in(text: str, line: int) -> Tie | None:
    m = _TIE.search(text)
    if m is None:
        return None
    output = re.sub(r"\s+", "", m.group(1))
    output = re.sub(r"^(\\(?:hat|tilde|bar))([A-Za-z])$", r"\1{\2}", output)
    prob = re.sub(r"\s+", "", m.group(2))
    return Tie(line, m.group(0), output, prob, m.group(3) or m.group(4),
               m.group(5) or m.group(6))


def find_tie(doc: Document) -> Tie | None:
    """The first statement that the outputs are the class probabilities: in a formula, in one
    inline maths of the prose, or in two inline maths joined by `=`."""
    found: list[Tie] = []
    for f in doc.formulas:
        tie = _tie_in(f.text, f.line)
        if tie is not None:
            found.append(tie)
    for line, text in _sentences(doc):
        joined = _JOINED.sub(lambda m: f"${m.group(1)} = {m.group(2)}$", text)
        for m in re.finditer(r"\$([^$]+)\$", joined):
            tie = _tie_in(m.group(1), line)
            if tie is not None:
                found.append(dataclasses.replace(tie, line=_line_of(doc, line, tie.prob)))
    return min(found, key=lambda t: t.line) if found else None


def _line_of(doc: Document, line: int, prob: str) -> int:
    """The line of a sentence, from `line`, where the tie's probability is written."""
    for n in range(line, len(doc.lines) + 1):
        text = doc.lines[n - 1]
        if prob + "(" in text.replace(" ", "") and _GIVEN.search(text):
            return n
    return line


def likelihood(doc: Document, roles: dict, quantities: dict, premise: Premise | None
               ) -> tuple[Document, list[str], set[int]]:
    """The document with the formulas that write a conditional probability of the labels
    read as the network's likelihood, where the text ties the outputs to the class
    probabilities and says the labels are one-hot; the fact that says so; and the numbers of
    the formulas that start with the probability (`P(y | x) = \\prod_j ...`): claims about the
    likelihood, which no row defines (the inference may have read P as a function defined
    there)."""
    tie = find_tie(doc)
    label, sample = roles.get("labels"), roles.get("sample")
    if (tie is None or premise is None or premise.rule != "onehot" or tie.label != label
            or not sample or tie.output not in quantities or tie.input not in quantities
            or not quantities[tie.output].get("shape")):
        return doc, [], set()
    call = re.compile(re.escape(tie.prob) + r"\s*\(")
    reading = (tie.prob, tie.output, tie.label, tie.input, sample)
    rows: list[int] = []
    claims: set[int] = set()
    formulas = []
    for f in doc.formulas:
        if call.search(f.text) and _GIVEN.search(f.text) and _tie_in(f.text, f.line) is None:
            f = dataclasses.replace(f, likelihood=reading)
            rows.append(f.line)
            if call.match(f.text.strip()):
                claims.add(f.number)
        formulas.append(f)
    if not rows:
        return doc, [], set()
    y, x, o, i = tie.label, tie.input, tie.output, sample
    where = ", ".join(str(n) for n in rows)
    fact = (f"line {tie.line}: the text says the outputs are the class probabilities "
            f"(${tie.written}$) and (line {premise.line}) that the labels ${y}$ are one-hot: "
            f"at line{'s' if len(rows) > 1 else ''} {where} ${tie.prob}({y} \\mid {x})$ is read "
            f"as the network's likelihood $\\prod_j {o}_j^{{{y}_j}}$ and "
            f"${tie.prob}({y.upper()} \\mid {x.upper()})$ of the data set as "
            f"$\\prod_{{{i}}} {tie.prob}({y}^{{({i})}} \\mid {x}^{{({i})}})$, the samples "
            f"independent, their number (a bound of a sum or product over ${i}$) each checked "
            f"network's batch size")
    return dataclasses.replace(doc, formulas=tuple(formulas)), [fact], claims
