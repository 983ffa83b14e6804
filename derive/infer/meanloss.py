"""The loss said in words to be the mean over the samples ("our cost function can be computed
as an average over different samples"), with no formula of its own for the batch's cost.

Such a text writes one name, `C`, for one sample's loss and for the minibatch's, and its rows
over the minibatch (`\\frac{\\partial C}{\\partial b^l} = \\frac{1}{m} \\sum_{j=1}^m
\\delta^{l\\,(j)}`, `\\frac{\\partial C}{\\partial W^l} = \\frac{1}{m} \\Delta^l {A^{l-1}}^T`)
differentiate the mean. Read so: in a formula after the sentence that writes `\\frac{1}{m}`,
a sum to the batch size or a matrix of the samples' vectors, the derivative of the loss by a
parameter is the derivative of `\\frac{1}{m} \\sum_j C` (`Formula.mean_loss`, read by
derive.latex.batch). Per-sample rows (`\\delta^l = \\frac{\\partial C}{\\partial z^l}`, a
derivative by no parameter) are left as they are. Token and word level only."""

from __future__ import annotations

import dataclasses
import re

from derive.infer.named import _sentences
from derive.latex import Tok, tokenize
from derive.sources.document import Document, Formula

_COST = re.compile(r"\b(?:cost|loss|objective|error)(?:\s+function)?\b", re.I)
_MEAN = re.compile(r"\b(?:averag\w*|mean)\b", re.I)
_SAMPLES = re.compile(r"\b(?:samples?|observations?|examples?|data\s+points?|mini-?batch\w*|"
                      r"training\s+data|inputs?)\b", re.I)
_NOT = re.compile(r"\b(?:not|never|no|instead\s+of|rather\s+than|sum\s+over)\b|n't\b", re.I)


def mean_loss(doc: Document, loss: str | None, batch: str | None, sample: str | None,
              quantities: dict) -> tuple[Document, list[str]]:
    """The document with its rows over the minibatch reading the loss's derivatives by a
    parameter as the batch mean's, when a sentence says the loss is the mean over the
    samples; and the fact that says so."""
    if not (loss and batch and sample) or loss not in quantities:
        return doc, []
    spec = quantities[loss]
    if spec.get("parameter") and not spec.get("given"):
        return doc, []  # J = 1/m sum_i ...: the text's own batch cost, already the mean
    said = next((line for line, text in _sentences(doc) if _states_mean(text)), None)
    if said is None:
        return doc, []
    params = {q for q, spec in quantities.items() if spec.get("parameter")}
    batches = {q for q, spec in quantities.items() if spec.get("layers") and not spec.get(
        "parameter")}
    rows: list[int] = []
    formulas = []
    for f in doc.formulas:
        if f.line > said and _over_batch(f, loss, batch, sample, params, batches):
            f = dataclasses.replace(f, mean_loss=(loss, sample, batch))
            rows.append(f.line)
        formulas.append(f)
    if not rows:
        return doc, []
    where = ", ".join(str(n) for n in rows)
    fact = (f"line {said}: the prose says the cost ${loss}$ is the mean over the samples: in the "
            f"rows over the minibatch (line{'s' if len(rows) > 1 else ''} {where}) a derivative "
            f"of ${loss}$ by a parameter is read as the derivative of "
            f"$\\frac{{1}}{{{batch}}} \\sum_{{{sample}}} {loss}$")
    return dataclasses.replace(doc, formulas=tuple(formulas)), [fact]


def _states_mean(text: str) -> bool:
    """A sentence that says the cost is an average over the samples."""
    cost, mean, samples = _COST.search(text), _MEAN.search(text), _SAMPLES.search(text)
    if not (cost and mean and samples):
        return False
    return not _NOT.search(text[:mean.start()])


def _over_batch(f: Formula, loss: str, batch: str, sample: str, params: set[str],
                batches: set[str]) -> bool:
    """A formula that differentiates the loss by a parameter and writes `\\frac{1}{m}`, a sum
    to m or over the sample, or a matrix of the samples' vectors (`\\Delta^l`, `A^{l-1}`)."""
    try:
        toks = tokenize(f.text, f)
    except Exception:  # noqa: BLE001 - a formula the lexer rejects keeps its own error
        return False
    texts = [t.text for t in toks]
    if not any(_loss_by_parameter(toks, k, loss, params) for k in range(len(toks))):
        return False
    for k, t in enumerate(texts):
        if t == "\\frac" and texts[k + 1:k + 7] == ["{", "1", "}", "{", batch, "}"]:
            return True
        if t == "\\sum" and (batch in texts[k + 1:k + 10] or sample in texts[k + 1:k + 5]):
            return True
        if (toks[k].kind in ("letter", "cmd") and _lower(t) in batches and t != _lower(t)
                and (k == 0 or texts[k - 1] not in ("_", "^", "\\partial"))):
            return True
    return False


def _lower(name: str) -> str:
    if re.fullmatch("[A-Z]", name):
        return name.lower()
    if re.fullmatch(r"\\[A-Z][a-z]+", name):
        return "\\" + name[1].lower() + name[2:]
    return name


def _loss_by_parameter(toks: list[Tok], k: int, loss: str, params: set[str]) -> bool:
    """`\\frac{\\partial C}{\\partial W^l}` at k: the loss's derivative by a parameter (a
    capital whose entries the parameter's are, `W` for w, counts)."""
    want = ["\\frac", "{", "\\partial", loss, "}", "{", "\\partial"]
    if [t.text for t in toks[k:k + 7]] != want or k + 7 >= len(toks):
        return False
    name = toks[k + 7].text
    return name in params or _lower(name) in params
