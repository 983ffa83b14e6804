"""Function notation: `|x|`, `(x)_+`, indicators (`\\mathbb{1}\\{c\\}`, `[y = k]`) and the
functions known by name in `derive.functions` (`\\max(0, x)`, `\\mathrm{ReLU}(z)`), applied."""

from __future__ import annotations

import sympy

from derive.functions import BY_SPELLING, INDICATORS, indicator
from derive.latex.arithmetic import _Skeleton
from derive.latex.conditions import _RELATION_TOKENS, _condition
from derive.latex.groups import (
    _close_bracket,
    _depth_split,
    _group,
    _read_name,
    _scripts,
    _strip_group,
)
from derive.latex.scope import Scope, _err
from derive.latex.tokens import _DELIM_SIZES, _FONTS, _GREEK, Tok

_BARS = {"|", "\\vert", "\\lvert", "\\rvert"}
_OPEN_SIZES = {"\\left", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl", "\\big", "\\Big", "\\bigg",
               "\\Bigg"}


def _emit_function_notation(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """The function notation starting at toks[i], emitted; the index after it, or None when
    toks[i] starts none of it."""
    t = toks[i]
    x = t.text
    nxt_text = toks[i + 1].text if i + 1 < len(toks) else ""
    scope = sk.scope
    if x in ("|", "\\vert", "\\lvert") or (x == "\\left" and nxt_text in _BARS):
        return _emit_abs(toks, i, sk)
    if x in ("(", "[") or (x in _OPEN_SIZES and nxt_text in ("(", "[")):
        return _emit_bracket_function(toks, i, sk)
    if t.kind == "num" and x == "1" and (nxt_text == "\\{" or (
            nxt_text == "\\left" and i + 2 < len(toks) and toks[i + 2].text == "\\{")):
        return _emit_indicator(toks, i + 1, sk, t)
    if x in ("\\text", "\\textrm") and nxt_text == "{":  # \text{ReLU}(z): a known name only
        grp, nxt = _group(toks, i + 1, scope)
        name = "\\mathrm{" + "".join(g.text for g in grp) + "}"
        if name in BY_SPELLING and scope.lookup(name) is None:
            return _emit_named(toks, i, nxt, name, sk)
        return None
    if x in _FONTS or x in _GREEK or x in BY_SPELLING:
        name, nxt = _read_name(toks, i, scope)
        after = toks[nxt].text if nxt < len(toks) else ""
        if name in INDICATORS and after in ("\\{", "_", "(", "[", "\\left"):
            return _emit_indicator(toks, nxt, sk, t)
        fn = BY_SPELLING.get(name)
        if fn is not None and scope.lookup(name) is None:
            return _emit_named(toks, i, nxt, name, sk)
    return None


def _closing_bar(toks: list[Tok], i: int) -> int | None:
    depth = 0
    for j in range(i + 1, len(toks)):
        x = toks[j].text
        if x in ("(", "[", "{", "\\{"):
            depth += 1
        elif x in (")", "]", "}", "\\}"):
            depth -= 1
            if depth < 0:
                return None
        elif x in ("|", "\\vert", "\\rvert") and depth == 0 and toks[j - 1].text != "\\right":
            return j
    return None


def _closing_right(toks: list[Tok], i: int) -> int | None:
    """toks[i] is `\\left`: the index of its `\\right`."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "\\left":
            depth += 1
        elif toks[j].text == "\\right":
            depth -= 1
            if depth == 0:
                return j
    return None


def _closing_set_brace(toks: list[Tok], i: int) -> int | None:
    """toks[i] is `\\{`: the index of its `\\}`, or None."""
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == "\\{") - (toks[j].text == "\\}")
        if depth == 0:
            return j
    return None


def _emit_abs(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    if toks[i].text == "\\left":
        r = _closing_right(toks, i)
        if r is None or r + 1 >= len(toks) or toks[r + 1].text not in _BARS:
            raise _err("`\\left|` needs a matching `\\right|`", scope, toks[i], toks[i + 1].end)
        inner, end = toks[i + 2 : r], r + 2
    else:
        j = _closing_bar(toks, i)
        if j is None:
            raise _err(f"no closing `{toks[i].text}` for this absolute value", scope, toks[i])
        inner, end = toks[i + 1 : j], j + 1
    if not inner:
        raise _err("an absolute value needs something between its bars", scope, toks[i],
                   toks[end - 1].end)
    sk.placeholder(sympy.Abs(sk.parse(inner)), (toks[i].start, toks[end - 1].end))
    return end


def _plus_subscript(toks: list[Tok], k: int) -> int | None:
    """`_+` or `_{+}` at toks[k]: the index after it."""
    texts = [t.text for t in toks[k : k + 4]]
    if texts[:2] == ["_", "+"]:
        return k + 2
    if texts[:4] == ["_", "{", "+", "}"]:
        return k + 4
    return None


def _emit_bracket_function(toks: list[Tok], i: int, sk: _Skeleton) -> int | None:
    """`(x)_+` (the positive part, max(0, x)) and the Iverson bracket `[y = k]`."""
    key = id(toks)
    if key not in sk.bracket_notation:  # one scan per token list, not one per bracket
        texts = [t.text for t in toks]
        sk.bracket_notation[key] = (toks, any(
            a == "_" and (b == "+" or b == "{") for a, b in zip(texts, texts[1:]))
            or ("[" in texts and any(x in _RELATION_TOKENS for x in texts)))
    if not sk.bracket_notation[key][1]:
        return None
    k = i + 1 if toks[i].text in _OPEN_SIZES else i
    close = _close_bracket(toks, k)
    if close is None:
        return None
    inner = toks[k + 1 : close]
    if inner and inner[-1].text in _DELIM_SIZES:
        inner = inner[:-1]
    if not inner:
        return None
    end = _plus_subscript(toks, close + 1)
    src = (toks[i].start, toks[(end or close + 1) - 1].end)
    if end is not None:
        sk.placeholder(sympy.Max(0, sk.parse(inner)), src)
        return end
    if toks[k].text == "[" and len(_depth_split(inner, set(_RELATION_TOKENS))) == 2:
        sk.placeholder(indicator(_condition(inner, sk)), src)
        return close + 1
    return None


def _emit_indicator(toks: list[Tok], k: int, sk: _Skeleton, start: Tok) -> int:
    """An indicator `\\mathbb{1}\\{c\\}` (or `_{c}`, `(c)`, `1\\{c\\}`) from its argument at
    toks[k]: 1 where the condition holds, else 0."""
    scope = sk.scope
    x = toks[k].text
    if x == "_":
        inner, end = _group(toks, k + 1, scope)
    elif x == "\\left":
        r = _closing_right(toks, k)
        if r is None:
            raise _err("`\\left` needs a matching `\\right`", scope, toks[k])
        inner, end = toks[k + 2 : r], r + 2
    elif x == "\\{":
        close = _closing_set_brace(toks, k)
        if close is None:
            raise _err("unbalanced `\\{`: no matching `\\}`", scope, toks[k])
        inner, end = toks[k + 1 : close], close + 1
    else:
        close = _close_bracket(toks, k)
        if close is None:
            raise _err(f"unbalanced `{x}`", scope, toks[k])
        inner, end = toks[k + 1 : close], close + 1
    if not inner:
        raise _err("an indicator needs a condition, as in \\mathbb{1}\\{y = k\\}", scope, start,
                   toks[end - 1].end)
    entry = _label_entry(inner, scope)
    if entry is not None:  # 1\{y^{(i)} = k\}: the entry k of the one-hot label y^{(i)}
        scope.one_hot = True
        scope.readings.append(
            f"${sk.scope.formula.text[start.start:toks[end - 1].end]}$ read as the entry "
            f"${entry[-2].text}$ of the label: the labels are one-hot over the classes")
        sk.placeholder(sk.parse(entry), (start.start, toks[end - 1].end))
        return end
    sk.placeholder(indicator(_condition(inner, sk)), (start.start, toks[end - 1].end))
    return end


def _label_entry(inner: list[Tok], scope: Scope) -> list[Tok] | None:
    """`y^{(i)} = k` (or `k = y^{(i)}`) in an indicator, where y is the labels (a given vector
    of one entry per class, written without its index) and k an index letter or a number: the
    tokens of the entry `y^{(i)}_{k}`; None for any other condition."""
    parts = _depth_split(inner, {"="})
    if len(parts) != 2:
        return None
    for name_side, index_side in ((parts[0][0], parts[1][0]), (parts[1][0], parts[0][0])):
        if len(index_side) != 1 or index_side[0].kind not in ("letter", "num"):
            continue
        if not name_side or scope.lookup(name_side[0].text) != "quantity":
            continue
        name, nxt = _read_name(name_side, 0, scope)
        scripts, k = _scripts(name_side, nxt, scope)
        spec = scope.notation.quantities.get(name)
        labels = scope.notation.labels
        if (k != len(name_side) or "_" in scripts or spec is None or len(spec.shape) != 1
                or not spec.given or spec.layers or (labels is not None and name != labels)):
            continue
        t = index_side[0]
        return [*name_side, Tok("sym", "_", t.start, t.start), Tok("sym", "{", t.start, t.start),
                t, Tok("sym", "}", t.end, t.end)]
    return None


def _emit_named(toks: list[Tok], i: int, nxt: int, name: str, sk: _Skeleton) -> int | None:
    """A function known by name (`\\max(0, x)`, `\\mathrm{ReLU}(z)`, `\\Phi(x)`,
    `\\operatorname{erf}(x)`), applied: its SymPy form from the registry. Its derivative
    `f^{\\prime}(x)` is sympy.diff of that form. Not applied: None (the name is then read as
    any other name)."""
    scope = sk.scope
    fn = BY_SPELLING[name]
    scripts, k = _scripts(toks, nxt, scope)
    prime = False
    if "_" in scripts:
        if fn.arity is None:
            raise _err(f"`{name}` over an index is not supported: write `{name}(a, b)`", scope,
                       scripts["_"][1])
        return None
    if "^" in scripts:
        if [t.text for t in _strip_group(scripts["^"][0])] != ["\\prime"]:
            return None
        prime = True
    j = k + 1 if k < len(toks) and toks[k].text in _OPEN_SIZES else k
    if j >= len(toks) or toks[j].text not in ("(", "[", "\\{"):
        if fn.arity is None:
            raise _err(f"`{name}` must be applied to its arguments, as in `{name}(0, x)`", scope,
                       toks[i])
        return None
    close = _closing_set_brace(toks, j) if toks[j].text == "\\{" else _close_bracket(toks, j)
    if close is None:
        raise _err(f"unbalanced `{toks[j].text}`", scope, toks[j])
    inner = toks[j + 1 : close]
    if inner and inner[-1].text in _DELIM_SIZES:
        inner = inner[:-1]
    args_toks = [a for a, _ in _depth_split(inner, {","})]
    if any(not a for a in args_toks):
        raise _err(f"empty argument in `{name}(...)`", scope, toks[j])
    want = fn.arity
    if (want is None and len(args_toks) < 2) or (want is not None and len(args_toks) != want):
        what = "at least 2 arguments" if want is None else (
            f"{want} argument{'s' if want != 1 else ''}")
        raise _err(f"`{name}` ({fn.name}) takes {what}, got {len(args_toks)}", scope, toks[i],
                   toks[close].end)
    args = [sk.parse(a) for a in args_toks]
    if prime:
        if want != 1:
            raise _err("`^{\\prime}` is understood only for one-argument functions", scope,
                       toks[i])
        value = fn.derivative(args[0])
    else:
        value = fn.apply(*args)
    sk.placeholder(value, (toks[i].start, toks[close].end))
    return close + 1
