"""The minibatch written as matrices of the samples' vectors (`A^{l}` beside `a^l`, `Z`
beside `z`, `\\mathbf{X}` beside `x`): which names stand for one, and deeplearning.ai's
`dZ^{[l]}`, `dW^{[l]}` in a row over the minibatch."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from derive.latex.operands import _name_end
from derive.latex.scope import Scope
from derive.latex.slashes import d_prefixed_batch

_BOLD_CAPITAL = re.compile(r"\\(?:mathbf|boldsymbol)\{([A-Z])\}")
_ACCENTED_CAPITAL = re.compile(r"\\(hat|tilde|bar)\{(?:\\(?:mathbf|boldsymbol)\{([A-Z])\}|([A-Z]))\}")


def batch_of(name: str, scope: Scope) -> str | None:
    """The per-sample vector a name the notation does not know stands for a minibatch of,
    one column (one row, in a text of row vectors) per sample: `A^{l}` beside `a^l`, `Z`
    beside `z`, `\\mathbf{X}` beside `x`, `\\Delta^l` beside `\\delta^l`; a per-sample
    quantity (not a parameter, shared by the samples) with one index, or a number per sample the
    text gives (`Y` beside the labels `y` of an output of one unit: a row of them, one per
    sample). None otherwise."""
    if scope.local or scope.lookup(name) is not None:
        return None
    m = _BOLD_CAPITAL.fullmatch(name)
    if m is not None:
        name = m.group(1)
    accented = _ACCENTED_CAPITAL.fullmatch(name)
    if accented is not None:  # \hat{\mathbf{Y}} beside \hat{y}: the samples' \hat{y}
        name = f"\\{accented.group(1)}{{{(accented.group(2) or accented.group(3)).lower()}}}"
    single = name if accented is not None else (name.lower() if re.fullmatch("[A-Z]", name)
              else "\\" + name[1].lower() + name[2:] if re.fullmatch(r"\\[A-Z][a-z]+", name)
              else None)
    spec = scope.notation.quantities.get(single) if single else None
    if (spec is None or spec.parameter or scope.lookup(single) != "quantity"
            or len(spec.shape) > 1 or not spec.shape and not spec.given):
        return None  # a number per sample only when the text gives it (the labels' Y)
    return single



def batch_d_names(toks: list, scope: Scope) -> list:
    """A row over the minibatch with its d-names read (`derive.latex.slashes`): one that
    divides by the batch size, or (its d-names already read as one example's) one that writes
    a matrix of the samples' vectors."""
    n = scope.notation
    toks = _mean_loss(toks, scope.formula.mean_loss)

    def mean(ts: Sequence[Any], i: int, end: int) -> list[str] | None:
        name = ts[i].text
        if batch_of(name, scope) is not None:
            return []
        spec = n.quantities.get(name) if scope.lookup(name) == "quantity" else None
        if spec is None or not (spec.parameter or spec.given):
            return None  # dW^{[l]}: a parameter's (or an input's) derivative
        return ["\\frac", "{", "1", "}", "{", n.batch, "}", "\\sum", "_", "{", n.sample, "}"]

    read = d_prefixed_batch(toks, _name_end, mean)
    if read is not toks:  # a row that divides by m: its d-names read as the minibatch's
        return read
    if not any(t.kind in ("letter", "cmd") and batch_of(t.text, scope) for t in toks):
        return toks
    out: list = []
    for k, t in enumerate(toks):
        if _read_d(toks, k):  # dW^{[l]} read as one example's: the minibatch's mean
            out += [dataclasses.replace(t, kind="num" if x.isdigit() else "letter" if x.isalpha()
                                        else "cmd" if x.startswith("\\") else "sym", text=x)
                    for x in mean(toks, k + len(_READ_D), k + len(_READ_D)) or []]
        out.append(t)
    return out


# the tokens `slashes.d_prefixed` writes for deeplearning.ai's `dW`, up to the name
_READ_D = ("\\frac", "{", "\\partial", "\\mathcal", "{", "L", "}", "}", "{", "\\partial")


def _read_d(toks: list, k: int) -> bool:
    """Whether a d-name read as one example's derivative starts at k: the fraction's own tokens
    of no width, its `\\partial` the `d` as written."""
    part = toks[k:k + len(_READ_D)]
    return (len(part) == len(_READ_D) and tuple(t.text for t in part) == _READ_D
            and part[0].start == part[0].end and part[-1].end == part[-1].start + 1
            and k + len(_READ_D) < len(toks))


def _mean_loss(toks: list, mean: tuple[str, str, str] | None) -> list:
    """`\\frac{\\partial C}{\\partial W^l}` in a row over the minibatch of a text whose loss
    is the mean over the samples (derive.infer.meanloss): the derivative of `\\frac{1}{m}
    \\sum_j C`, as tokens of no width after the `\\partial`."""
    if mean is None:
        return toks
    loss, sample, batch = mean
    out: list = []
    for k, t in enumerate(toks):
        out.append(t)
        if (t.text == "\\partial" and k >= 2 and toks[k - 1].text == "{"
                and toks[k - 2].text == "\\frac" and k + 2 < len(toks)
                and toks[k + 1].text == loss and toks[k + 2].text == "}"):
            at = t.end
            out += [dataclasses.replace(t, kind="num" if x.isdigit() else "letter"
                                        if x.isalpha() else "cmd" if x.startswith("\\")
                                        else "sym", text=x, start=at, end=at)
                    for x in ("\\frac", "{", "1", "}", "{", batch, "}", "\\sum", "_", "{",
                              sample, "}")]
    return out
