"""What the notation inference gives the check (`Inferred`): the front matter it amounts to, the
"read as" facts, and which rows define, are claims, or are not read (derive.infer.core builds it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from derive.infer.classes import Columns
from derive.infer.premises import Premise
from derive.infer.scan import Lin


@dataclass
class Inferred:
    front: dict[str, Any]
    facts: list[str]  # the "read as" summary, one fact per entry
    definitions: dict[int, set[int]]  # formula number -> its rows that are definitions
    head_definitions: dict[int, set[int]]  # rows whose first pair defines, the rest are claims
    local: set[int] = field(default_factory=set)  # formulas of their own variables, not read
    # formula -> the local model a chain-rule formula takes for granted, as an annotation
    local_annotations: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (formula, row) -> why the row cannot be read as written (a notation the tool does not read)
    ambiguous: dict[tuple[int, int], str] = field(default_factory=dict)
    # (formula, row) -> the loss whose batch mean the row writes (C = 1/N sum_x C_x)
    batch_mean: dict[tuple[int, int], str] = field(default_factory=dict)
    # (formula, row) -> the vector whose entries the row lists (x = (x_1, \ldots, x_n)^T)
    components: dict[tuple[int, int], str] = field(default_factory=dict)
    # (formula, row) -> the class matrix the row writes as the row of its columns, and None,
    # or why the listing is not read (derive.infer.columns)
    listed_columns: dict[tuple[int, int], tuple[str, str | None]] = field(default_factory=dict)
    # (formula, row) -> why the row is not checked though it reads (the overall cost J(W,b)
    # under the name of one sample's cost J(W,b;x,y))
    not_checked: dict[tuple[int, int], str] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)  # quantities used in a way not read
    # definitions the text takes for granted (sigma, the logistic sigmoid), in LaTeX
    assumed: tuple[str, ...] = ()
    claims: set[tuple[int, int]] = field(default_factory=set)  # rows never taken as definitions
    # formula -> the quantity whose self-feeding forward pass it writes, checked as a claim
    # (a^l_j = sigma(sum_k w a^{l-1}_k + b) beside z^l = w a^{l-1} + b): checked once the
    # text's own definition of that quantity is in the model, if it comes later
    forward: dict[int, str] = field(default_factory=dict)
    defined: dict[str, int] = field(default_factory=dict)  # name -> line of its definition
    layer_var: str | None = None
    # formula -> the layer recursions read after its definitions (q^{l+1} = f(q^l), in LaTeX)
    recursions: dict[int, tuple[str, ...]] = field(default_factory=dict)
    columns: Columns | None = None  # the names written with a class index (theta^{(k)})
    aliases: dict[str, Lin] = field(default_factory=dict)  # the sizes the text names
    # the definitions the prose names (an activation, the loss), in LaTeX, at their lines
    prose: tuple[tuple[int, str], ...] = ()
    # the premise on the labels a sentence states ("a one-hot label $y$": derive.infer.premises)
    label_premise: Premise | None = None
    bypassed: set[str] = field(default_factory=set)  # self-feeding definitions checked as claims
    # a self-feeding definition's quantity -> the quantity another row defines as the argument
    # it writes (a^l_j = sigma(<E>) and z^l_j = <E>): a is read as sigma(z)
    named: dict[str, str] = field(default_factory=dict)
    # untagged quantities whose index ranges no row wrote (their shape a guess: infer.vectors)
    guessed: set[str] = field(default_factory=set)
    # tagged quantities whose index ranges only claims wrote (W^l_{jk} beside z^l = W^l a^{l-1}):
    # the vector form's definitions may correct them (infer.vectors)
    claimed: set[str] = field(default_factory=set)
    # the depth of the fixed chain the text writes in numbered layers (derive.infer.numeric_tags),
    # as the text numbers its layers; None when it writes none
    chain_depth: int | None = None
