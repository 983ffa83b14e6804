"""Someone else's notes: other names for every role, tanh, their own definitions.

Nothing in the tool knows the chapter's letters: this document calls the layers L, widths N,
the batch B, the pre-activations s, the activations h, the error ε, the targets t, the loss E
and the rate η, and defines σ = tanh.
"""

from __future__ import annotations

from pathlib import Path

from derive.check import check_file
from derive.results import Status

NOTES = Path(__file__).parent / "data" / "own_notation.md"


def test_a_document_with_its_own_notation_is_checked():
    rep = check_file(NOTES, "tests/data/own_notation.md")
    got = [(r.kind, r.status) for r in rep.results]
    assert got == [("definition", Status.DEFINITION)] * 5 + [
        ("equation", Status.VERIFIED),  # σ' = 1 - σ², derived from σ = tanh
        ("equation", Status.VERIFIED),  # output error of the squared error with tanh
        ("equation", Status.VERIFIED),  # the backward recursion in W_{jk} ε_j
        ("update", Status.VERIFIED),  # gradient descent with η and B
        ("equation", Status.REFUTED),  # ∂E/∂c^{(l)} is ε^{(l+1)}, not ε^{(l)}
    ]
    wrong = rep.results[-1]
    assert wrong.diagnosis.startswith("wrong layer")
    assert "\\varepsilon^{(l + 1)}_{j}" in wrong.diagnosis
    assert wrong.counterexample.instance.startswith("L=")  # the document's own size names
    assert [d.defines for d in rep.definitions] == ["s", "h", "\\sigma", "\\varepsilon", "E"]
