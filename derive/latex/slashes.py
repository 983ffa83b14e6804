"""Derivatives written with a slash (`\\partial C / \\partial z^l`, `\\partial C/\\partial
w^l_{jk}`), rewritten as the fraction `\\frac{\\partial C}{\\partial z^l}` they stand for."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

# the end of a name with its scripts at i (with the arguments it is applied to, for the
# numerator: `\\partial J(W,b;x,y) / \\partial z`); None when no name is there
NameEnd = Callable[[Sequence[Any], int], "int | None"]


def slash_partials(toks: list, operand_end: NameEnd, name_end: NameEnd) -> list:
    """`\\partial X / \\partial Y` with X a name with its scripts (and arguments) and Y a name
    with its scripts: the fraction, its tokens keeping their places in the source. A
    `\\partial` anywhere else is left as it is."""
    out: list = []
    i = 0
    while i < len(toks):
        t = toks[i]
        num_end = operand_end(toks, i + 1) if t.text == "\\partial" else None
        if (num_end is not None and num_end + 2 < len(toks) and toks[num_end].text == "/"
                and toks[num_end + 1].text == "\\partial"):
            den_end = name_end(toks, num_end + 2)
            if den_end is not None and not _continues(toks, den_end):
                # each brace at the place of what it closes or opens: the numerator and the
                # denominator keep their own spans in the source
                out += [_sym(t, "\\frac", t.start), _sym(t, "{", t.start), *toks[i:num_end],
                        _sym(t, "}", toks[num_end - 1].end), _sym(t, "{", toks[num_end + 1].start),
                        *toks[num_end + 1:den_end], _sym(t, "}", toks[den_end - 1].end)]
                i = den_end
                continue
        out.append(t)
        i += 1
    return out


def _continues(toks: list, k: int) -> bool:
    """The denominator goes on after its name (`\\partial C / \\partial w \\, x`: a product in
    the denominator, or a second slash): not read as one derivative."""
    return k < len(toks) and toks[k].text in ("/", "(")


def _sym(t: Any, text: str, at: int) -> Any:
    """A token of no width at `at` (the fraction's own syntax)."""
    return dataclasses.replace(t, kind="cmd" if text.startswith("\\") else "sym", text=text,
                               start=at, end=at)


# the loss deeplearning.ai's `dz^{[l]}` differentiates: the one example's loss it writes
_DLAI_LOSS = ("\\mathcal", "{", "L", "}")


def d_prefixed(toks: list, name_end: NameEnd) -> list:
    """deeplearning.ai's `dz^{[l]}`, `dW^{[l]}`: a `d` written against a name with a bracket
    layer tag is the derivative of the example's loss `\\\\mathcal{L}` by it,
    `\\\\frac{\\\\partial \\\\mathcal{L}}{\\\\partial z^{[l]}}`. Only in a formula of one example:
    one that names a sample (`^{(i)}`) or the batch size (`\\\\frac{1}{m}`) may mean the cost
    `J` by `dW`, so there `d` is left as written (an unknown symbol, never a guess)."""
    if _over_samples(toks):
        return toks
    return _d_names(toks, name_end, lambda toks, i, end: [])


# How a d-name of a minibatch row reads: None, left as written; else the tokens (texts)
# before the derivative of the example's loss (`\\frac{1}{m} \\sum_i` for a parameter's)
Mean = Callable[[Sequence[Any], int, int], "list[str] | None"]


def d_prefixed_batch(toks: list, name_end: NameEnd, mean: Mean) -> list:
    """deeplearning.ai's `dZ^{[l]}`, `dW^{[l]}` in a formula over the minibatch (it divides by
    `m`): `dZ^{[l]}` of a matrix of the samples' `z^{[l]}` is `\\frac{\\partial \\mathcal{L}}
    {\\partial Z^{[l]}}`, each example's loss by its own column; `dW^{[l]}` of a parameter the
    derivative of the minibatch's mean loss, `\\frac{1}{m} \\sum_i \\frac{\\partial
    \\mathcal{L}}{\\partial W^{[l]}}` (`mean` says which prefix, if any, each name takes)."""
    if not _over_samples(toks):
        return toks
    return _d_names(toks, name_end, mean)


def _d_names(toks: list, name_end: NameEnd, mean: Mean) -> list:
    out: list = []
    i = 0
    while i < len(toks):
        t = toks[i]
        end = _d_name_end(toks, i, name_end)
        prefix = mean(toks, i + 1, end) if end is not None else None
        if end is not None and prefix is not None:
            loss = [_sym(t, x, t.start) for x in _DLAI_LOSS]
            loss[2] = dataclasses.replace(loss[2], kind="letter")
            out += [_sym(t, x, t.start) if not x.isalnum() else
                    dataclasses.replace(_sym(t, x, t.start),
                                        kind="num" if x.isdigit() else "letter")
                    for x in prefix]
            out += [_sym(t, "\\frac", t.start), _sym(t, "{", t.start),
                    _sym(t, "\\partial", t.start), *loss, _sym(t, "}", t.end),
                    _sym(t, "{", t.end), dataclasses.replace(t, kind="cmd", text="\\partial"),
                    *toks[i + 1:end], _sym(t, "}", toks[end - 1].end)]
            i = end
            continue
        out.append(t)
        i += 1
    return out


def _d_name_end(toks: list, i: int, name_end: NameEnd) -> int | None:
    """The end of `d<name>^{[...]...}` at i, the d written against the name; None elsewhere."""
    t = toks[i]
    if (t.text != "d" or t.kind != "letter" or i + 3 >= len(toks)
            or toks[i + 1].start != t.end or toks[i + 2].text != "^"
            or (i > 0 and toks[i - 1].text in ("\\partial", "{", "\\mathrm"))):
        return None
    grp = toks[i + 3]
    if not (grp.text == "[" or grp.text == "{" and i + 4 < len(toks)
            and toks[i + 4].text == "["):
        return None
    return name_end(toks, i + 1)


def _over_samples(toks: list) -> bool:
    """Whether the formula names a sample (`^{(i)}`, `^{[l](i)}`) or divides by the batch
    size `m`."""
    texts = [x.text for x in toks]
    return any(texts[k:k + 3] == ["(", "i", ")"] for k in range(len(texts))) or "m" in texts
