"""A premise on the labels stated in words: "with a one-hot label $y$", "独热标签向量$\\mathbf{y}$",
"the labels sum to one".

Many texts state what their labels are only in the prose, then use it in a derivation
(`-y_j + \\sum_i y_i p_j = p_j - y_j` needs `\\sum_i y_i = 1`). A sentence of the prose, or a
remark inside a formula (`// 所有真实标签的概率之和为1`), that says the labels are one-hot (or sum
to one) is read as the premise the tool knows from a formula (`y \\in \\{(1, 0, 0), ...\\}`,
`\\sum_k y_k = 1`): label rule "onehot" (or "sum1"). Only when the sentence says it of the
labels: the mention nearest the words in their clause is the labels' quantity written in
inline maths (`$y$`, `$\\mathbf{y}^{(i)}$`) or the word "label" itself, never another quantity
("the input $x$ is one-hot encoded"); a negation or a condition in the sentence before the words
("not one-hot", "不是独热", "when the labels sum to one", which the verdict "conditional" says
already) reads nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.infer.named import _sentences
from derive.sources.document import Document

# the words of a premise, the label rule each states, and whether the labels must be their
# subject, written before them ("$y$ is a probability distribution", not "a distribution over
# the labels")
_WORDS = (
    (re.compile(r"\bone[- ]?hot\b|独热|\bexactly\s+one\b[^.;]{0,60}?\b(?:is|equals)\s+(?:1|one)\b",
                re.I), "onehot", False),
    (re.compile(r"\bsums?\s+(?:up\s+)?to\s+(?:one|1)\b|(?:之和|总和|和)\s*(?:为|等于|是)\s*1(?!\d)",
                re.I), "sum1", False),
    (re.compile(r"\bprobability\s+distribution\b|概率分布", re.I), "sum1", True),
)
# a negation, or a condition, in the sentence before the words: not stated of the text's labels
# ("is not one-hot"; "when the labels sum to one", which the verdict "conditional" says)
_NOT_STATED = re.compile(r"\b(?:not|never|no|non|neither|nor|unless|whether|if|when|whenever|"
                         r"suppose|supposing|assuming|provided)\b|n't\b|"
                         r"不|没有|并非|非|只有|除非|如果|若|假如|当", re.I)
_LABEL_WORDS = re.compile(r"\blabels?\b|\btargets?\b|\bground[- ]truth\b|标签", re.I)
_INLINE = re.compile(r"\$([^$]+)\$|:math:`([^`]+)`|\\\((.+?)\\\)")
_FONT = re.compile(r"\\(?:mathbf|boldsymbol|bm|vec|mathrm|mathit)\s*\{([^{}]*)\}")
_REMARK = re.compile(r"//([^\n]*)")
_CJK_STOP = re.compile(r"(?<=[。！？；])")
# the words before "label" when they qualify it ("one-hot encoded labels", "独热标签"), not
# when "label" is another phrase's ("sum to one over the labels")
_QUALIFIES = re.compile(r"[\s-]*(?:encoded\s*|编码的?\s*)?")
_BREAK = re.compile(r"[(),;:，；：（）]")  # a clause ends: what is beyond it is another's
_WORD = ""  # the mention of the labels by the word "label"


@dataclass(frozen=True)
class Premise:
    """The labels' premise a sentence states: the rule, its line and the words that state it."""

    rule: str  # "onehot" or "sum1"
    line: int
    words: str


def label_premise(doc: Document, label: str, quantities: set[str]) -> Premise | None:
    """The first sentence (or remark in a formula) that states a premise of the labels `label`,
    telling them apart from the other `quantities` (see the module's docstring)."""
    names = {_plain(q): q for q in quantities}
    for line, sentence in sorted(_pieces(doc) + _remarks(doc)):
        for pattern, rule, subject in _WORDS:
            for m in pattern.finditer(sentence):
                if _negated(sentence, m.start()):
                    continue
                if subject:  # the labels' symbol, nearest before the words
                    who = _nearest(sentence[:m.start()], m.start(), m.start(), names)
                    if who == label:
                        return Premise(rule, _line_of(doc, line, m.group()), m.group())
                elif _nearest(sentence, m.start(), m.end(), names) in (label, _WORD):
                    return Premise(rule, _line_of(doc, line, m.group()), m.group())
    return None


def _negated(sentence: str, start: int) -> bool:
    """A negation or a condition in the sentence before the words ("is not one-hot", "does not
    say that the labels sum to one", "不是独热", "holds only if the labels sum to one (one-hot
    labels)"): nothing is read from it."""
    return _NOT_STATED.search(sentence[:start]) is not None


def _pieces(doc: Document) -> list[tuple[int, str]]:
    """The prose's sentences, split after a Chinese full stop too (each with its first line)."""
    return [(line, piece.strip()) for line, sentence in _sentences(doc)
            for piece in _CJK_STOP.split(sentence) if piece.strip()]


def _line_of(doc: Document, start: int, words: str) -> int:
    """The line, from `start` on, where `words` begin."""
    head = words.split()[0]
    for n in range(start, min(len(doc.lines), start + 40) + 1):
        if head in doc.lines[n - 1]:
            return n
    return start


def _remarks(doc: Document) -> list[tuple[int, str]]:
    """The remarks written inside formulas after `//`, with their lines."""
    out = []
    for f in doc.formulas:
        for m in _REMARK.finditer(f.text):
            out.append((f.span(m.start()).line, m.group(1).strip()))
    return out


def _plain(latex: str) -> str:
    """A name as inline maths may write it: no spaces, fonts removed, `^*` as `^{*}`."""
    s = re.sub(r"\s+", "", latex)
    while _FONT.search(s):
        s = _FONT.sub(r"\1", s)
    return re.sub(r"\^([*'])", r"^{\1}", s)


def _nearest(sentence: str, start: int, end: int, names: dict[str, str]) -> str | None:
    """The quantity mentioned nearest the words at start..end in their clause: a name of
    `names` leading an inline formula, or `_WORD` for the word "label"; None when nothing is
    mentioned there."""
    mentions: list[tuple[int, int, str]] = []
    for m in _INLINE.finditer(sentence):
        text = _plain(next(g for g in m.groups() if g is not None))
        found = _leading(text, names)
        if found is not None:
            mentions.append((m.start(), m.end(), found))
    for m in _LABEL_WORDS.finditer(sentence):  # before the words, or what they qualify
        if m.start() < start or _QUALIFIES.fullmatch(sentence[end:m.start()]):
            mentions.append((m.start(), m.end(), _WORD))
    mentions = [(s, e, n) for s, e, n in mentions  # in the words' own clause
                if not _BREAK.search(sentence[e:start] if e <= start else sentence[end:s])]
    if not mentions:
        return None
    return min((max(s - end, start - e, 0), s, n) for s, e, n in mentions)[2]


def _leading(text: str, names: dict[str, str]) -> str | None:
    """The longest name of `names` the inline formula `text` starts with, followed by nothing,
    an index, a sample tag or a relation (`y`, `y_k`, `y^{(i)}`; not `y^{*}` for `y`)."""
    for plain in sorted(names, key=len, reverse=True):
        if text.startswith(plain):
            rest = text[len(plain):]
            if not rest or rest[0] in "_=,\\)(" or rest.startswith(("^{(", "^(")):
                return names[plain]
    return None
