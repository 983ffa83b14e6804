"""`\\operatorname*{argmax}_j \\hat y_j` (also `\\mathrm{argmax}_j`, `\\arg\\max_j`, argmin): the
index a quantity is largest at, read as an `ArgMax` node of the term after it, its index bound
by it and ranging over the slot of the quantity it indexes."""

from __future__ import annotations

from derive.expr import ArgMax
from derive.latex.arithmetic import _Skeleton
from derive.latex.calculus import _implied_bound, _term_end
from derive.latex.groups import _group, _strip_group
from derive.latex.scope import Index, _err
from derive.latex.tokens import Tok

_WORDS = {"argmax": "max", "argmin": "min"}


def arg_word(toks: list[Tok], i: int) -> tuple[str, int] | None:
    """("max" or "min", the index after the word) for an argmax written at toks[i]: as
    `\\operatorname*{argmax}`, `\\operatorname{argmax}`, `\\mathrm{argmax}` or `\\arg\\max`."""
    t = toks[i]
    if t.text == "\\arg" and i + 1 < len(toks) and toks[i + 1].text in ("\\max", "\\min"):
        return toks[i + 1].text[1:], i + 2
    if t.text not in ("\\operatorname", "\\mathrm"):
        return None
    j = i + 2 if i + 1 < len(toks) and toks[i + 1].text == "*" else i + 1
    if j >= len(toks) or toks[j].text != "{":
        return None
    close = next((m for m in range(j, len(toks)) if toks[m].text == "}"), None)
    if close is None:
        return None
    word = "".join(x.text for x in toks[j + 1 : close])
    return (_WORDS[word], close + 1) if word in _WORDS else None


def emit_argmax(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """The argmax that starts at toks[i], emitted as one placeholder; None if none starts
    there."""
    found = arg_word(toks, i)
    if found is None:
        return None
    which, k = found
    scope = sk.scope
    if k >= len(toks) or toks[k].text != "_":
        raise _err(f"`arg{which}` needs its index: \\operatorname*{{arg{which}}}_j", scope,
                   toks[i])
    sub, after = _group(toks, k + 1, scope)
    sub = _strip_group(sub)
    if len(sub) != 1 or sub[0].kind != "letter":
        raise _err(f"the index of `arg{which}` is read as one letter, as in "
                   f"\\operatorname*{{arg{which}}}_j", scope, sub[0] if sub else toks[k])
    end = _term_end(toks, after)
    body = toks[after:end]
    if not body:
        raise _err(f"`arg{which}` needs something to choose by", scope, toks[i])
    hi = _implied_bound(toks[:end], after, sub[0].text, scope)
    if hi is None:
        raise _err(f"the range of the index of `arg{which}` is not read", scope, sub[0],
                   hint=f"no quantity after it is indexed by `{sub[0].text}`")
    node = ArgMax(sk.parse(body), Index(sub[0].text), 1, hi, which)
    sk.placeholder(node, (toks[i].start, toks[end - 1].end))
    return end
