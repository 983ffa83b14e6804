"""Derivative fractions (`\\frac{\\partial X}{\\partial Y}`, operator form, `d`) and sums
(`\\sum_{j=1}^{C}`, `\\sum_x` over the batch, a bound implied by the summed quantity)."""

from __future__ import annotations

import sympy

from derive.errors import InputError
from derive.expr import Partial, Quantity, Width
from derive.latex.arithmetic import _Skeleton
from derive.latex.groups import _group, _read_name, _scripts, _strip_group, starts_name
from derive.latex.indices import _index_expr, _layer_tokens, layer_number
from derive.latex.scope import ELLIPSES, Index, Scalar, Scope, Size, _err
from derive.latex.tokens import Tok


def _emit_frac(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    num, j = _group(toks, i + 1, scope)
    den, k = _group(toks, j, scope)
    num_s, den_s = _strip_group(num), _strip_group(den)
    src = (toks[i].start, toks[k - 1].end)
    kind = _derivative_kind(num_s, den_s, scope)
    if kind is None:
        sk.emit("\\frac{", toks[i])
        sk.sequence(num)
        sk.emit("}{", toks[j - 1])
        sk.sequence(den)
        sk.emit("}", toks[k - 1])
        return k
    total = kind == "d"
    top = _strip_group(num_s[1:])
    bottom = _strip_group(den_s[1:])
    if not top:  # operator form, \frac{\partial}{\partial W} J: what follows, to the term's end
        end = _term_end(toks, k)
        top = _strip_group(toks[k:end])
        if top and top[0].text in (r"\sum", r"\prod") and end < len(toks):
            raise _err("where this derivative ends is ambiguous: it is followed by a sum, and "
                       f"then by `{toks[end].text}`", scope, toks[i], toks[end].end,
                       hint="write what it differentiates in brackets: "
                       "\\frac{\\partial}{\\partial x} \\left( \\sum_p ... + b \\right)")
        if top:
            src = (toks[i].start, toks[end - 1].end)
            k = end
    if not top:
        raise _err("a derivative needs something to differentiate: \\frac{\\partial X}{...}",
                   scope, toks[i])
    if not bottom:
        raise _err("a derivative needs a variable: \\frac{...}{\\partial Y}", scope, den_s[0])
    x = sk.parse(top)
    y = sk.parse(bottom)
    if not isinstance(y, (Quantity, Scalar, Index)):
        raise _err("the tool differentiates only with respect to a single quantity or variable",
                   scope, bottom[0], bottom[-1].end)
    if isinstance(y, Index):
        raise _err(f"`{y}` is not a variable that can be differentiated by", scope, bottom[0])
    renamed = shadowed_renamed(x, y)
    if renamed != x:
        line = scope.formula.span(toks[i].start).line
        for old in sorted({str(s.limits[0][0]) for s in x.atoms(sympy.Sum)}
                          & {str(s) for s in y.free_symbols}):
            scope.readings.append(
                f"line {line}: the sum over ${old}$ inside what a derivative differentiates "
                f"binds a ${old}$ of its own (a dummy, read as ${old}'$): the ${old}$ of the "
                "variable it is differentiated by stays free")
    sk.placeholder(Partial(renamed, y, total), src)
    return k


def shadowed_renamed(x: sympy.Basic, y: sympy.Basic) -> sympy.Basic:
    """What a derivative differentiates, with the index of every sum in it that is also an
    index of the variable renamed (alpha-conversion): in `\\frac{\\partial (\\sum_j (y_j -
    a_j)^2)}{\\partial a_j}` the sum's j is a dummy of its own, bound inside the bracket, and
    the variable's j is the free one. The dummy becomes j' (j'' when j' is taken)."""
    free = {s for s in y.free_symbols if isinstance(s, Index)}
    if not free or not x.has(sympy.Sum):
        return x
    taken = {str(s) for s in x.atoms(Index) | y.atoms(Index)}

    def fresh(name: str) -> Index:
        new = name + "'"
        while new in taken:
            new += "'"
        taken.add(new)
        return Index(new)

    def walk(e: sympy.Basic) -> sympy.Basic:
        if isinstance(e, sympy.Sum):
            body, limits = walk(e.function), list(e.limits)
            for k, (var, lo, hi) in enumerate(limits):
                if var in free:
                    new = fresh(str(var))
                    body = body.xreplace({var: new})
                    limits[k] = (new, lo, hi)
            return sympy.Sum(body, *limits)
        if not e.args:
            return e
        args = tuple(walk(a) for a in e.args)
        return e if args == e.args else e.func(*args)

    return walk(x)


def _term_end(toks: list[Tok], k: int) -> int:
    """Where the term that starts at k ends: at a `+` or `-` outside brackets, or the end."""
    depth = 0
    for p in range(k, len(toks)):
        t = toks[p].text
        if t in ("(", "[", "{", "\\{") or (t == "\\left" and p + 1 < len(toks)):
            depth += 1 if t != "\\left" else 0
        elif t in (")", "]", "}", "\\}"):
            depth -= 1
            if depth < 0:  # the bracket around the term closes: `\right]` is not in it
                return p - 1 if p > k and toks[p - 1].text == "\\right" else p
        elif t in ("+", "-") and depth == 0 and p > k:
            return p
    return len(toks)


def _derivative_kind(num: list[Tok], den: list[Tok], scope: Scope) -> str | None:
    if num and den and num[0].text == "\\partial":
        if den[0].text != "\\partial":
            raise _err("a `\\partial` numerator needs a `\\partial` denominator", scope, den[0])
        return "partial"
    if (len(num) >= 1 and len(den) >= 2 and num[0].text == "d" and den[0].text == "d"
            and scope.lookup("d") is None):
        return "d"
    return None


def _emit_sum(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    t = toks[i]
    if i + 1 >= len(toks) or toks[i + 1].text != "_":
        what = "product" if t.text == "\\prod" else "sum"
        raise _err(f"a {what} needs its index: {t.text}_{{j=1}}^{{C}}", scope, t)
    sub, j = _group(toks, i + 2, scope)
    sup: list[Tok] | None = None
    if j < len(toks) and toks[j].text == "^":
        sup, j = _group(toks, j + 1, scope)
    sub = _strip_group(sub)
    sample = scope.notation.sample
    over_batch = (len(sub) == 3 and sub[0].text == sample and sub[1].text == "="
                  and sub[2].text == "1" and sup is not None
                  and [t.text for t in _strip_group(sup)] == [scope.notation.batch])
    if (len(sub) == 1 and sub[0].text == sample or over_batch) and not scope.local:
        if sup is not None and not over_batch:
            raise _err("`\\sum_x` over the minibatch takes no upper bound", scope, toks[j - 1])
        record: tuple = (None, None, None, None, True)  # \sum_x, \sum_{i=1}^{m}: the batch
    else:
        if not sub or sub[0].kind != "letter":
            raise _err("a sum index must be a letter, as in \\sum_{j=1}^{C}", scope, sub[0] if sub else t)
        var = Index(sub[0].text)
        excl = None
        lo: sympy.Expr = sympy.Integer(1)
        if len(sub) >= 3 and sub[1].text == "=":
            lo = _index_expr(sub[2:], scope)
        elif len(sub) == 3 and sub[1].text in ("\\ne", "\\neq"):
            excl = _index_expr(sub[2:], scope)
        elif len(sub) != 1:
            dots = next((x.text for x in sub if x.text in ELLIPSES), None)
            if dots is not None:
                raise _err(f"a sum over the indices `{''.join(x.text + ' ' * x.text.startswith(chr(92)) for x in sub).strip()}`, written "
                           f"with an ellipsis (`{dots}`): a sum over a number of indices the "
                           "text does not fix is not checked as written", scope, sub[0],
                           sub[-1].end)
            raise _err("a sum index is written j=1, or j \\ne i", scope, sub[0], sub[-1].end)
        if sup:
            hi = _index_expr(sup, scope)
        else:  # \sum_k w_{jk} a_k: k runs over the range of the first index it is used in
            implied = None if sup is not None else _implied_bound(toks, j, sub[0].text, scope)
            if implied is None:
                raise _err("this sum has no upper bound" + _over_arguments(toks, j, sub[0].text),
                           scope, toks[j - 1] if sup is not None else t,
                           hint=f"no quantity after it is indexed by `{sub[0].text}`, so its "
                           "range cannot be read from its use")
            hi = implied
        if (scope.notation.first_layer == 0 and lo.is_Integer and sup
                and hi.free_symbols == {Size(scope.notation.layers)} and not hi.has(Width)):
            # \\sum_{k=1}^{n} W^{(k)} in a text whose input is layer 0: a sum up to the depth
            # runs over layers, a fixed one numbered as layer_number numbers it (its layer 1
            # is the model's 2); the depth keeps its form. A sum up to a width (the units of
            # the last layer, \\sum_{j=1}^{n_L}) runs over units and is left as written.
            lo += 1
        record = (var, lo, hi, excl, False)
    sk.sum_bound(record, (t.start, toks[j - 1].end), t.text)  # \\sum or \\prod
    return j


def _over_arguments(toks: list[Tok], j: int, letter: str) -> str:
    """Why a sum's range is not read when its letter is a function's argument after it (the
    entropy `H[P] = \\sum_j - P(j) \\log P(j)`): it runs over the support of what is applied
    to it, which is no quantity's slot; '' otherwise."""
    for p in range(j, len(toks) - 3):
        if (starts_name(toks[p]) and toks[p + 1].text == "(" and toks[p + 2].text == letter
                and toks[p + 3].text == ")"):
            name = toks[p].text
            return (f": `{letter}` is the argument of `{name}({letter})`, so the sum runs over "
                    f"the values {name} is defined at (a distribution's support), which the text "
                    "gives no range for")
    return ""


def _implied_bound(toks: list[Tok], j: int, letter: str, scope: Scope) -> sympy.Expr | None:
    """The range of an unbounded sum's index, read from its use: the range of the slot of a
    quantity after the sum indexed by it (`\\sum_k w^{(l)}_{jk} a^{(l)}_k`: the width of layer l).
    A defined quantity's slot is preferred to a given one's (weights are where index slips are
    made), then the first."""
    notation = scope.notation
    found: list[tuple[bool, sympy.Expr]] = []
    p = j
    while p < len(toks):
        t = toks[p]
        if not starts_name(t):
            p += 1
            continue
        try:
            name, nxt = _read_name(toks, p, scope)
            scripts, end = _scripts(toks, nxt, scope)
        except InputError:
            break
        spec = notation.quantities.get(name)
        sub = scripts.get("_")
        p = max(end if spec is not None else nxt, p + 1)  # e^{z_c}: look inside the exponent
        if spec is None or sub is None:
            continue
        letters = [x.text for x in _strip_group(sub[0]) if x.text != ","]
        if letter not in letters or len(letters) != len(spec.dims):
            continue
        kind, (c, a, b) = spec.dims[letters.index(letter)]
        layer: sympy.Expr = sympy.Integer(0)
        if b:
            inner = _layer_tokens(spec, scripts["^"][0]) if "^" in scripts else None
            if inner is None:
                continue
            layer = layer_number(inner, scope)  # as the model numbers it (the input 0: 1)
        value = c + a * Size(notation.layers) + b * layer
        found.append((spec.given, Width(notation.width, value) if kind == "width" else value))
    if not found:
        return None
    return sorted(found, key=lambda f: f[0])[0][1]  # stable: the first defined one, else the first


def _operator_at(seg: list[Tok], scope: Scope) -> tuple[list[str], int] | None:
    """`\\frac{\\partial}{\\partial x} ...` at the start of a side: the variable's tokens (as
    text) and where the operand starts; None for any other side."""
    if len(seg) < 2 or seg[0].text != "\\frac":
        return None
    num, j = _group(seg, 1, scope)
    den, k = _group(seg, j, scope)
    num_s, den_s = _strip_group(num), _strip_group(den)
    if [t.text for t in num_s] != ["\\partial"] or len(den_s) < 2 or den_s[0].text != "\\partial":
        return None
    return [t.text for t in _strip_group(den_s[1:])], k


def _another_operator(seg: list[Tok], start: int, scope: Scope) -> bool:
    """Whether the side applies the operator again after `start` (`\\frac{\\partial}{\\partial b}
    w a + \\frac{\\partial}{\\partial b} b`): each term has its own, none takes the whole side."""
    return any(t.text == "\\frac" and _operator_at(seg[p:], scope) is not None
               for p, t in enumerate(seg[start:], start))


def _one_name(toks: list[Tok], scope: Scope) -> bool:
    toks = _strip_group(toks)
    if not toks or not starts_name(toks[0]):
        return False
    _, j = _read_name(toks, 0, scope)
    return _scripts(toks, j, scope)[1] == len(toks)


def _derivative_of_one(seg: list[Tok], var: list[str], scope: Scope) -> bool:
    """`\\frac{\\partial q}{\\partial x}` or `\\frac{\\partial}{\\partial x} q`: the derivative
    of one quantity by the variable `var`, and nothing else on the side."""
    seg = _strip_group(seg)
    op = _operator_at(seg, scope)
    if op is not None:
        return op[0] == var and _one_name(seg[op[1]:], scope)
    if len(seg) < 2 or seg[0].text != "\\frac":
        return False
    num, j = _group(seg, 1, scope)
    den, k = _group(seg, j, scope)
    num_s, den_s = _strip_group(num), _strip_group(den)
    return (k == len(seg) and len(num_s) > 1 and num_s[0].text == "\\partial"
            and _one_name(num_s[1:], scope) and len(den_s) > 1 and den_s[0].text == "\\partial"
            and [t.text for t in _strip_group(den_s[1:])] == var)


def operands_written_out(segments: list[list[Tok]], scope: Scope) -> list[list[Tok]]:
    """`\\frac{\\partial z_k}{\\partial w} = \\frac{\\partial}{\\partial w} \\sum_p w_{kp} a_p
    + b_k`: a side that applies the derivative operator to terms, right after a side that is
    the derivative of one quantity by the same variable, writes that quantity out; the operator
    differentiates the whole side (its operand bracketed, with tokens of no width). Said in the
    readings. Any other side is left as written."""
    out = [segments[0]]
    for prev, seg in zip(segments, segments[1:]):
        op = _operator_at(seg, scope)
        if op is None or _term_end(seg, op[1]) >= len(seg) or not _derivative_of_one(
                prev, op[0], scope) or _another_operator(seg, op[1], scope):
            out.append(seg)
            continue
        k = op[1]
        at, end = seg[k].start, seg[-1].end
        out.append([*seg[:k], Tok("sym", "(", at, at), *seg[k:], Tok("sym", ")", end, end)])
        line = scope.formula.span(seg[0].start).line
        scope.readings.append(
            f"line {line}: the derivative by ${''.join(op[0])}$ read as taken of all that "
            "follows it on the side, which writes out the quantity the side before differentiates")
    return out
