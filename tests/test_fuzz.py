"""Mutated formulas never crash the checker: every result is a verdict or a placed error.

Seeded single-character edits (deletions, insertions of LaTeX-ish tokens, cut ranges) of the
chapter's formulas, each checked after the chapter's forward-pass and MSE definitions. 2000 such
mutations were run while writing this test; it keeps a fixed sample so CI stays quick.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from derive.check import check_document
from derive.document import parse_document
from derive.errors import InputError
from derive.results import Status

CHAPTER = Path(__file__).resolve().parents[1] / "formulas" / "backprop.md"
TOKENS = list("{}()^_\\&=+-,. abcdijklmnxyz0123456789") + [
    "\\frac", "\\sum", "\\partial", "\\left", "\\right", "\\\\", "\\begin{cases}", "\\end{split}",
    "$$"]


def _mutations(n: int, seed: int) -> list[str]:
    text = CHAPTER.read_text(encoding="utf-8")
    front = text[: text.index("-->") + 3]
    blocks = [m.group(1) for m in re.finditer(r"\n\$\$\n(.*?)\n\$\$\n", text, re.S)]
    model = (f"{front}\n# T\n\n<!-- derive: definitions = [1, 2, 4] -->\n$$\n{blocks[3]}\n$$\n\n"
             f"<!-- derive: definitions = \"all\" -->\n$$\n{blocks[4]}\n$$\n\n"
             f"<!-- derive: definitions = \"all\" -->\n$$\n{blocks[5]}\n$$\n\n")
    r = random.Random(seed)
    return [f"{model}$$\n{_mutate(r.choice(blocks), r, TOKENS, 0.4)}\n$$\n" for _ in range(n)]


def _mutate(body: str, r: random.Random, tokens: list[str], delete: float) -> str:
    """One seeded edit: a character deleted, a token inserted, or a range cut."""
    k, j = r.randrange(len(body) + 1), r.randrange(len(body) + 1)
    op = r.random()
    if op < delete:
        return body[:k] + body[k + 1 :]
    if op < 0.8:
        return body[:k] + r.choice(tokens) + body[k:]
    return body[: min(k, j)] + body[max(k, j) :]


@pytest.mark.parametrize("doc", _mutations(60, seed=2026))
def test_a_mutated_formula_gets_a_verdict_or_a_placed_error(doc):
    _verdicts_or_placed_errors(doc)


def _verdicts_or_placed_errors(doc: str) -> None:
    """Every result a verdict, an `unchecked` with its reason, or an error at its place."""
    try:
        report = check_document(parse_document(doc, "fuzz.md"))
    except InputError as err:  # the file as a whole is unreadable (e.g. an unclosed $$)
        assert err.span is not None and err.span.file == "fuzz.md"
        return
    for r in report.results:
        assert "internal error" not in r.message, r
        if r.status is Status.ERROR:
            assert r.line >= 1 and r.col >= 1 and r.diagnosis and "^" in r.diagnosis
        if r.status is Status.UNCHECKED:
            assert r.message, r


VECTOR_FORWARD = r"""# Vector form

$$z^l = w^l a^{l-1} + b^l$$

$$a^l = \sigma(z^l)$$

$$C = \frac{1}{2} \|y - a^L\|^2$$

$$\delta^l = \frac{\partial C}{\partial z^l}$$
"""
VECTOR_CLAIMS = [r"\delta^L = \nabla_a C \odot \sigma'(z^L)",
                 r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",
                 r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l-1})^T",
                 r"w^l \leftarrow w^l - \frac{\eta}{m} \sum_x \delta^{x,l} (a^{x,l-1})^T"]
VECTOR_TOKENS = ["^T", "^{T}", "\\odot", "\\circ", "\\nabla_a", "\\|", "||", "(", ")", " ",
                 "^2", "_j", "\\mathrm{diag}(", "\\top", "w^l", "a^L", "*", "\\cdot"]


def _vector_mutations(n: int, seed: int) -> list[str]:
    r = random.Random(seed)
    return [f"{VECTOR_FORWARD}\n$${_mutate(r.choice(VECTOR_CLAIMS), r, VECTOR_TOKENS, 0.3)}$$\n"
            for _ in range(n)]


@pytest.mark.parametrize("doc", _vector_mutations(40, seed=12))
def test_a_mutated_vector_formula_gets_a_verdict_or_a_placed_error(doc):
    """The same for claims in vector form: a transpose, a norm or a product edited anywhere
    gives a verdict, an `unchecked` with its reason, or an error at its place."""
    _verdicts_or_placed_errors(doc)
