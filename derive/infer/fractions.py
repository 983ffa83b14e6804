"""Derivative fractions written between plain names (`\\frac{\\partial y_1}{\\partial x}`): what the
chain-rule and the scalar-calculus readers read a formula's dependencies from."""

from __future__ import annotations

from collections.abc import Iterator

from derive.infer.scan import _group, _plain_name, _strip
from derive.latex import Tok


def _fractions(toks: list[Tok]) -> Iterator[tuple[str, list[Tok], list[Tok]]]:
    """Every derivative fraction `\\frac{\\partial A}{\\partial B}` or `\\frac{dA}{dB}`, as
    (`\\partial` or `d`, the tokens of A, the tokens of B)."""
    for k, t in enumerate(toks):
        if t.text not in ("\\frac", "\\dfrac", "\\tfrac"):
            continue
        num, j = _group(toks, k + 1)
        den, _ = _group(toks, j)
        num, den = _strip(num), _strip(den)
        if num and den and num[0].text == den[0].text and num[0].text in ("\\partial", "d"):
            yield num[0].text, num[1:], den[1:]


def _derivatives(toks: list[Tok]) -> list[tuple[str, str, bool]]:
    """Every `\\frac{\\partial A}{\\partial B}` (or `\\frac{dA}{dB}`) between plain names, as
    (A, B, total), with A and B as written (`y_1`, `x`)."""
    out = []
    for op, num, den in _fractions(toks):
        a, b = _plain_name(num), _plain_name(den)
        if a and b:
            out.append((a, b, op == "d"))
    return out
