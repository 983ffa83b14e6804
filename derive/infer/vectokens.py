"""The tokens the vector-form reading of shapes works from (derive.infer.vectors): every
formula's tokens, the bare letters that may be vectors, what is transposed, defined first or
written like a call."""

from __future__ import annotations

import re
from typing import Any

from derive.errors import InputError
from derive.infer.arguments import _accented
from derive.infer.scan import _group
from derive.latex import _BOLD, _FONTS, _GREEK, VECTOR_FUNCTIONS, Tok, tokenize
from derive.sources.document import Document, Formula
from derive.vecparse import _WORD_ARGUMENTS
from derive.vecparse.trace import IDENTITY_NAMES

_DECORATIONS = {"\\mathbf", "\\boldsymbol", "\\vec", "\\hat", "\\tilde", "\\bar", "\\widehat"}


def _tokens(doc: Document) -> list[tuple[Formula, list[Tok]]]:
    """Every formula's tokens, read once for the passes below (an unreadable one is left out:
    the check reports it)."""
    out = []
    for f in doc.formulas:
        try:
            out.append((f, tokenize(f.text, f)))
        except InputError:
            continue
    return out


def _entry_indices(toks: list[Tok]) -> set[int]:
    """The positions of the index letters of vector functions' entries (`softmax(s, k)`, as the
    lexer writes `softmax(s)_k`)."""
    out: set[int] = set()
    for k, t in enumerate(toks):
        if t.text not in ("\\mathrm", "\\operatorname"):
            continue
        close = _group(toks, k + 1)[1]
        if "".join(x.text for x in toks[k:close]) not in VECTOR_FUNCTIONS:
            continue
        depth, last = 0, None
        for j in range(close, len(toks)):
            depth += (toks[j].text == "(") - (toks[j].text == ")")
            if depth == 0:
                if last is not None and j - last == 2 and toks[last + 1].kind == "letter":
                    out.add(last + 1)
                break
            if depth == 1 and toks[j].text == ",":
                last = j
    return out


def _bare_letters(tokens: list, front: dict[str, Any]) -> list[str]:  # type: ignore[type-arg]
    """Letters a vector-form text uses as names the inference gave no meaning (`y` in
    `\\|y - a^L\\|^2`, `x` in `W x + b`): given quantities whose shape the unification finds."""
    roles = front.get("roles", {})
    known = set(front.get("quantities", {})) | set(front.get("functions", {})) | set(
        front.get("scalars", {})) | set(front.get("sizes", {})) | {v for v in roles.values() if v}
    known |= {"e", "d", "l", "T"} | IDENTITY_NAMES  # \\mathbf{I}: the identity matrix
    found: list[str] = []
    scripted = _script_letters(tokens)
    for f, toks in tokens:
        if f.annotation.get("local"):
            continue
        entries = _entry_indices(toks)
        k = 0
        while k < len(toks):
            t = toks[k]
            if k in entries:  # softmax(s, k): the entry's index, no name
                k += 1
                continue
            if (t.text in _DECORATIONS and k + 3 < len(toks) and toks[k + 1].text == "{"
                    and toks[k + 3].text == "}"
                    and (toks[k + 2].kind == "letter" or toks[k + 2].text in _GREEK)):
                name = f"{t.text}{{{toks[k + 2].text}}}"  # \\mathbf{x}, \\hat{y}: one name
                bold_known = t.text in _BOLD and toks[k + 2].text in front.get("quantities", {})
                if name not in known and name not in found and not bold_known:
                    found.append(name)
                k += 4
                continue
            if t.text in ("_", "^") or t.text in _FONTS or t.text in _WORD_ARGUMENTS:
                k = _group(toks, k + 1)[1]  # scripts, fonts' and words' arguments: no names
                continue
            if (t.kind == "letter" and t.text not in known and t.text not in found
                    and t.text not in scripted
                    and not (k > 0 and toks[k - 1].text in ("\\partial", "d"))):
                found.append(t.text)
            k += 1
    return sorted(found)


def _defined_first(tokens: list) -> set[str]:  # type: ignore[type-arg]
    """Decorated names a row starts with, before its `=` (`\\hat{y} = \\sigma(w^T x)`), and
    Greek letters (`\\delta = \\hat{y} - y`): names the text defines, not given numbers, though
    written like commands."""
    out: set[str] = set()
    for _f, toks in tokens:
        for k in range(len(toks) - 1):
            if (toks[k].text in _GREEK and toks[k + 1].text == "="
                    and (k == 0 or toks[k - 1].text in ("\\\\", "&"))):
                out.add(toks[k].text)
        for k in range(len(toks) - 4):
            if (toks[k].text in _DECORATIONS and toks[k + 1].text == "{" and toks[k + 3].text == "}"
                    and toks[k + 4].text == "=" and (k == 0 or toks[k - 1].text in ("\\\\", "&"))):
                out.add(f"{toks[k].text}{{{toks[k + 2].text}}}")
    return out


def _formals(tokens: list) -> dict[str, str]:  # type: ignore[type-arg]
    """The vector parameter of each vector function a row defines by its entries
    (`\\mathrm{softmax}(s)_k = \\frac{e^{s_k}}{\\sum_j e^{s_j}}`, lexed `softmax(s, k) = ...`:
    `s`): a dummy whose size is
    that of the vectors the function is applied to, no layer of the network."""
    out: dict[str, str] = {}
    for _f, toks in tokens:
        for k, t in enumerate(toks):
            if t.text not in ("\\mathrm", "\\operatorname") or not (
                    k == 0 or toks[k - 1].text in ("\\\\", "&")):
                continue
            close = _group(toks, k + 1)[1]
            name = "".join(x.text for x in toks[k:close])
            rest = toks[close : close + 6]  # the lexer writes softmax(s)_k as softmax(s, k)
            if (name in VECTOR_FUNCTIONS and [x.text for x in rest[::2]] == ["(", ",", ")"]
                    and rest[5].text == "=" and rest[1].kind == rest[3].kind == "letter"):
                out.setdefault(name, rest[1].text)
    return out


def _transposed(tokens: list) -> set[str]:  # type: ignore[type-arg]
    """Names written with a transpose mark right after them (`\\theta^\\top x`): vectors or
    matrices, even where the inference took them for given numbers (\\theta, like \\eta)."""
    out: set[str] = set()
    for _f, toks in tokens:
        for k in range(len(toks) - 2):
            if toks[k].text in _GREEK and toks[k + 1].text == "^":
                grp = _group(toks, k + 2)[0]
                if [t.text for t in grp] in (["T"], ["\\top"], ["\\intercal"]):
                    out.add(toks[k].text)
    return out


def _lower(q: str) -> str | None:
    """`z` for `Z`, `\\delta` for `\\Delta`: the per-sample name of a batch matrix's."""
    if len(q) == 1 and q.isupper():
        return q.lower()
    if q.startswith("\\") and q[1:2].isupper() and q[2:].isalpha():
        return "\\" + q[1].lower() + q[2:]
    m = _BOLD_CAPITAL.fullmatch(q)  # \\mathbf{X} beside x, \\hat{\\mathbf{Y}} beside \\hat{y}
    if m is not None and bool(m.group(1)) == bool(m.group(3)):
        low = m.group(2).lower()
        return f"{m.group(1)}{{{low}}}" if m.group(1) else low
    return None


_BOLD_CAPITAL = re.compile(r"(?:(\\(?:hat|tilde|bar))\{)?\\(?:mathbf|boldsymbol)\{([A-Z])\}(\})?")


def _call_like(tokens: list, q: str, qs: dict[str, dict[str, Any]]) -> bool:  # type: ignore[type-arg]
    """Whether every use of `q` is followed by a bracket, as a function's (`g^l(z^l)`); a use
    whose subscript lists layered quantities (`h_{W,b}(x)`) is a value of those parameters."""
    uses = calls = 0
    for _f, toks in tokens:
        words = _in_words(toks)
        for k, t in enumerate(toks):
            if t.text != q or k in words:
                continue
            j = k + 1
            of_parameters = False
            while j < len(toks) and toks[j].text in ("^", "_", "'"):
                if toks[j].text == "_":
                    names = [x.text for x in _group(toks, j + 1)[0]]
                    of_parameters = (len(names) >= 3 and all(n == "," for n in names[1::2])
                                     and all("layers" in qs.get(n, {}) for n in names[0::2]))
                j = j + 1 if toks[j].text == "'" else _group(toks, j + 1)[1]
            uses += 1
            calls += (j < len(toks) and toks[j].text in ("(", "\\left")) and not of_parameters
    return uses > 0 and calls == uses


def _in_words(toks: list[Tok]) -> set[int]:
    """The positions inside `\\begin{...}`, `\\text{...}` and the like: words, not names."""
    out: set[int] = set()
    for k, t in enumerate(toks):
        if t.text in _WORD_ARGUMENTS and k + 1 < len(toks) and toks[k + 1].text == "{":
            out.update(range(k + 1, _group(toks, k + 1)[1]))
    return out


def _script_letters(tokens: list) -> set[str]:  # type: ignore[type-arg]
    """Letters written in subscripts and superscripts: indices and tags, not names (the `y`
    of `\\nabla_{\\hat y}` is part of the name under the accent, no index)."""
    out: set[str] = set()
    for _f, toks in tokens:
        for k, t in enumerate(toks[:-1]):
            if t.text in ("_", "^"):
                group = _group(toks, k + 1)[0]
                out |= {x.text for j, x in enumerate(group)
                        if x.kind == "letter" and not _accented(group, j)}
    return out
