"""Chain-rule formulas in variables of their own: the local model their derivatives imply."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from derive.infer.fractions import _derivatives
from derive.infer.names import layer_symbols
from derive.infer.numeric_tags import chain_tag, fixed_chain
from derive.infer.scan import Occ, Row, _is_call, _strip
from derive.infer.tags import _sample_sup, _tag_form, entry_power
from derive.latex import Tok, ordinary_derivative


def _chain_rule(rows: list[Row]) -> dict[str, Any] | None:
    """The local model a chain-rule formula takes for granted, from the derivatives it writes:
    each name differentiated depends on what it is differentiated by; a dependence that runs
    through another name is indirect (z = g(y_1, y_2), y_k = f_k(x_1, x_2)), unless the formula
    writes both the partial and the total derivative (du/dx beside the partial du/dx: u depends on
    x directly as well). None when the formula is not of that kind (a function in it, a name that
    is neither)."""
    derivs = [d for r in rows for side in r.sides for d in _derivatives(side)]
    if not derivs or any(o.call is not None for r in rows for o in r.occs):
        return None
    deps: dict[str, set[str]] = defaultdict(set)
    partial: set[tuple[str, str]] = set()
    total: set[tuple[str, str]] = set()
    for a, b, is_total in derivs:
        if a != b:
            deps[a].add(b)
            (total if is_total else partial).add((a, b))
    names = set(deps) | {b for bs in deps.values() for b in bs}

    def reach(a: str, seen: frozenset = frozenset()) -> set[str]:
        out: set[str] = set()
        for b in deps.get(a, ()):
            if b not in seen:
                out |= {b} | reach(b, seen | {a})
        return out

    if any(a in reach(a) for a in deps):
        return None  # circular: not a chain rule
    written = _derivatives(rows[0].sides[0])
    top = written or _updated(rows, derivs)
    if not top or any(a != top[0][0] and a not in reach(top[0][0]) for a in deps):
        return None  # a name the left side does not depend on (u and f): how, the text says
    order = sorted(names, key=lambda a: (len(reach(a)), a))
    functions: dict[str, int] = {}
    given: list[str] = []
    coordinates: set[str] = set()
    for a in order:
        if a not in deps:
            continue
        indirect = {b for c in deps[a] for b in reach(c)}
        direct = sorted(b for b in deps[a] if b not in indirect or (
            (a, b) in partial and (a, b) in total))
        fname = f"F_{len(functions) + 1}"
        functions[fname] = len(direct)
        given.append(f"{a} = {fname}({', '.join(direct)})")
        if any(x == a for x, _ in total) and any(x == a for x, _ in partial):
            coordinates |= set(direct)  # its partials hold the other arguments fixed
    ann: dict[str, Any] = {"local": True, "functions": functions, "given": given}
    if not written:  # an update: its rate a scalar of the row
        ann["variables"] = sorted({o.name for o in rows[0].occs} - names)
    if coordinates:
        ann["coordinates"] = sorted(coordinates)
    return ann


def _local_formulas(per: dict[int, list[Row]]) -> set[int]:
    """Formulas of their own variables, such as a chain rule `\\partial z / \\partial x_1`
    between names the network uses with layer tags: no use in them has a layer tag, yet one of
    their names has one elsewhere. They are not read into the network's notation. A fixed
    chain's numbered layers (`z^1 = w^1 x + b^1`: derive.infer.numeric_tags) are tags."""
    rows = [r for rs in per.values() for r in rs]
    layers = layer_symbols(rows)
    samples = _sample_names(rows, layers)
    chain = fixed_chain(rows)
    names = {o.name for r in rows for o in r.occs}

    def tagged(o: Occ) -> bool:
        g = _strip(o.sup) if o.sup else []
        if o.name in samples:
            return False  # x^{(i)}: a sample, where no layer is written with i
        if g and g[0].text not in "([":
            form = _tag_form(g)
            if form is not None and entry_power(form[0], names, layers):
                return False  # \\hat{y}_k^{y_k}: a power
        return bool(g) and ((g[0].text in "([" and len(g) >= 3) or any(
            t.kind == "letter" for t in g) or chain_tag(o, chain))
    names_tagged = {o.name for rs in per.values() for r in rs for o in r.occs if tagged(o)}
    out = set()
    for k, rs in per.items():
        if any(r.sides and (_is_call(r.sides[0]) or _derivative_of_call(r.sides[0]))
               for r in rs) or _defines_function(rs):
            continue  # sigma(z) = ...: z is the function's own argument
        occs = [o for r in rs for o in r.occs]
        if names_tagged and occs and not any(tagged(o) for o in occs) and any(
                o.name in names_tagged and o.sup is None and o.call is None for o in occs):
            out.add(k)
    return out


def _updated(rows: list[Row], derivs: list) -> list:
    """`b = b - \\eta \\frac{\\partial L}{\\partial b}`: a step of gradient descent of a bare name,
    its left side the name the loss is differentiated by; the loss stands as the top of the
    chain (L = F(b)). Empty for any other row."""
    left = [t.text for t in _strip(rows[0].sides[0])] if len(rows) == 1 else []
    if len(left) != 1 or len(rows[0].sides) != 2:
        return []
    tops = {(a, b) for a, b, _ in derivs if b == left[0]}
    return [(*tops.pop(), False)] if len(tops) == 1 else []


def _derivative_of_call(side: list[Tok]) -> bool:
    """`\\frac{d}{dz} f(z)`: an ordinary derivative of one function applied to the variable it
    is taken in; that variable is the function's own argument, as in `f'(z)`."""
    rest, var = ordinary_derivative(_strip(side))
    return var is not None and _is_call(rest) and var in {t.text for t in rest[1:]}


def _sample_names(rows: list[Row], symbols: set[str]) -> set[str]:
    """Names written with a sample's superscript only (`x^{(i)}`, `y^{(i)}`): always the same
    one letter in brackets, never a number (theta^{(1)} .. theta^{(K)} enumerate something) nor
    a letter the text writes layers with (`symbols`). Such a superscript is no layer tag."""
    letters: dict[str, set[str]] = defaultdict(set)
    for o in (o for r in rows for o in r.occs if o.sup is not None):
        g = _strip(o.sup)
        if len(g) == 1 and g[0].kind == "num":
            continue  # h_j^2 beside h^{(i)}_j: a power, not a superscript of another kind
        letters[o.name].add(g[1].text if _sample_sup(o) else "")
    return {name for name, ls in letters.items()
            if len(ls) == 1 and "" not in ls and not ls & symbols}


_WORD_FONTS = ("\\text", "\\textrm", "\\mathrm", "\\operatorname", "\\mbox")


def _defines_function(rows: list[Row]) -> bool:
    """`\\text{ReLU}'(z) = ...`: a formula of one row defining a function (named by a word,
    perhaps primed) whose free letters are exactly its parameters, bare letters: its
    variables are the definition's own."""
    if len(rows) != 1 or len(rows[0].sides) < 2 or rows[0].relation not in ("=", ":="):
        return False
    toks = _strip(rows[0].sides[0])
    if len(toks) < 6 or toks[0].text not in _WORD_FONTS or toks[1].text != "{":
        return False
    close = next((k for k in range(2, len(toks)) if toks[k].text == "}"), None)
    if close is None or not all(t.kind == "letter" for t in toks[2:close]):
        return False
    k = close + 1
    while k < len(toks) and toks[k].text in ("'", "^", "{", "\\prime", "}"):
        k += 1
    if k >= len(toks) or toks[k].text != "(" or toks[-1].text != ")":
        return False
    params = [t for t in toks[k + 1 : -1] if t.text != ","]
    if not params or not all(t.kind == "letter" for t in params):
        return False
    names = {t.text for t in params}
    letters = [t.text for side in rows[0].sides[1:] for t in _outside_words(side)
               if t.kind == "letter"]
    return bool(letters) and set(letters) <= names


def _outside_words(toks: list[Tok]) -> list[Tok]:
    """The tokens outside `\\text{...}` groups and environment names (`\\begin{cases}`)."""
    out: list[Tok] = []
    skip_to = -1
    depth = 0
    for k, t in enumerate(toks):
        if k <= skip_to:
            continue
        if t.text in (*_WORD_FONTS, "\\begin", "\\end") and k + 1 < len(toks) and (
                toks[k + 1].text == "{"):
            depth = 0
            for skip_to in range(k + 1, len(toks)):
                depth += (toks[skip_to].text == "{") - (toks[skip_to].text == "}")
                if depth == 0:
                    break
            continue
        out.append(t)
    return out


def stated_dependencies(text: str) -> dict[str, Any] | None:
    """`u = f(x, y(x,t), z(x,t))`, stated in the prose before a chain rule: u = f(x, y, z) with
    y and z functions of (x, t) of their own. None when the text is not of that form."""
    m = re.fullmatch(r"\s*([A-Za-z](?:_\{?\w+\}?)?)\s*=\s*([A-Za-z])\s*\((.*)\)\s*", text)
    if not m:
        return None
    name, fname, inner = m.group(1), m.group(2), m.group(3)
    args: list[str] = []
    given: list[str] = []
    if fname == name:  # C = C(w): the value named after its function; the function is F_0
        fname = "F_0"
    functions: dict[str, int] = {fname: 0}
    depth, cur = 0, ""
    parts: list[str] = []
    for ch in inner + ",":
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        depth += (ch == "(") - (ch == ")")
        cur += ch
    for part in parts:
        inner_call = re.fullmatch(r"([A-Za-z])\s*\(([A-Za-z](?:\s*,\s*[A-Za-z])*)\)", part)
        if re.fullmatch(r"[A-Za-z](?:_\{?\w+\}?)?", part):
            args.append(part)
        elif inner_call:
            var, params = inner_call.group(1), [p.strip() for p in inner_call.group(2).split(",")]
            helper = f"F_{len(functions)}"
            functions[helper] = len(params)
            given.append(f"{var} = {helper}({', '.join(params)})")
            args.append(var)
        else:
            return None
    if not args or fname in args or name in args:
        return None
    functions[fname] = len(args)
    return {"local": True, "functions": functions,
            "given": [f"{name} = {fname}({', '.join(args)})", *given]}
