"""A quantity's scripts: layer tags in the quantity's tag style, the sample tag, its indices,
and the index expressions of tags, subscripts and sum bounds (`l+1`, `n_l`, `C_{l+1}`)."""

from __future__ import annotations

import sympy

from derive.errors import InputError
from derive.expr import Quantity, Width, to_latex
from derive.latex.groups import _scripts, _strip_group
from derive.latex.layersize import layer_size
from derive.latex.limits import _check_index
from derive.latex.scope import Index, Scope, Size, _err
from derive.latex.tokens import _GREEK, Tok
from derive.notation import QuantitySpec, lin_value

# why `h_\\theta(x)` was not read as the value of a hypothesis of its parameters
_PARAMETERS = ("a Greek subscript of a name applied to an input (`h_\\theta(x)`) is read as the "
               "parameters it depends on where the text (or its part) defines that hypothesis "
               "once, in a form the tool reads (not by the entries of a matrix), and writes the "
               "letter as a name of its own")


def _is_sample_tag(grp: list[Tok], scope: Scope) -> bool:
    """`^{(i)}` where i is the sample index: the sample a quantity belongs to."""
    g = _strip_group(grp)
    return (len(g) == 3 and g[0].text == "(" and g[2].text == ")"
            and g[1].text == scope.notation.sample)


_TAG_BRACKETS = {"paren": ("(", ")"), "bracket": ("[", "]")}


def without_sample(g: list[Tok]) -> list[Tok]:
    """A superscript's tokens without the sample index it may share with the layer tag:
    `^{x,l}` (the sample x, then the layer) and `^{[1](i)}` (the layer, then the sample)."""
    if len(g) >= 3 and g[1].text == "," and g[0].kind == "letter":
        g = g[2:]
    if len(g) >= 6 and g[-1].text == ")" and g[-3].text == "(" and g[-4].text == "]":
        g = g[:-3]
    if (len(g) >= 4 and g[-1].text == ")" and g[-3].text == "(" and g[-2].kind in ("letter", "num")
            and g[-3].start > g[-4].end and g[-4].kind in ("letter", "num")
            and g[0].kind in ("letter", "num")):
        g = g[:-3]  # ^{l\,(j)}: the layer, a space (dropped by the lexer), the sample
    return g


def _layer_tokens(spec: QuantitySpec, grp: list[Tok]) -> list[Tok] | None:
    """The layer inside a superscript written in the quantity's tag style (`^{(l)}`, `^{[l]}`,
    or a bare `^{l}`), or None when the superscript is not a layer tag (a power, a prime)."""
    g = without_sample(_strip_group(grp))
    if spec.tag == "sup":
        ok = bool(g) and all(t.kind in ("letter", "num") or t.text in "+-_{}" for t in g)
        return g if ok else None
    opener, closer = _TAG_BRACKETS[spec.tag]
    if len(g) >= 3 and g[0].text == opener and g[-1].text == closer:
        return g[1:-1]
    return None


def _quantity(name: str, scripts: dict, scope: Scope, first: Tok, last: Tok,
              lend: bool = True) -> Quantity:
    spec = scope.notation.quantities[name]
    sup = scripts.get("^")
    sub = scripts.get("_")
    layer = None
    sample = sup is not None and _is_sample_tag(sup[0], scope)
    inner = _layer_tokens(spec, sup[0]) if sup is not None and not (
        sample and not spec.layers) else None
    if inner is not None:
        layer = layer_number(inner, scope)
        _check_layer(name, spec, layer, scope, sup[0][0] if sup[0] else sup[1], sup[0][-1]
                     if sup[0] else sup[1])
    if (spec.layers and layer is None and sup is None and scope.left_layer is not None
            and lend):
        layer = scope.left_layer  # δ^l = ... exp(-z): z at the left side's layer
        line = scope.formula.span(first.start).line
        scope.lent.append((name, first.start, last.end))
        scope.readings.append(
            f"line {line}: ${name}$ is written without its layer tag in a derivation whose "
            f"left side is at layer ${to_latex(layer)}$: read as ${name}$ of that layer")
    if spec.layers and layer is None:
        example = {"paren": "^{(l)}", "bracket": "^{[l]}", "sup": "^{l}"}[spec.tag]
        raise _err(f"`{name}` needs a layer tag, as in {name}{example}", scope, first, last.end)
    if not spec.layers and layer is not None and sup is not None:
        raise _err(f"`{name}` has no layers, but a layer tag is given", scope, sup[1])
    # y^{(i)}: the sample's own index (inner is None): each sample's quantities are its own
    indices: list[sympy.Expr] = []
    if (sub is not None and not spec.shape
            and [t.text for t in _strip_group(sub[0])] == [scope.notation.sample]):
        sub = None  # C_x: the loss of the sample x
    if sub is not None:
        for t in _strip_group(sub[0]):
            if t.text == ",":
                continue
            if t.kind == "letter":
                indices.append(Index(t.text))
            elif t.kind == "num":
                _check_index(t, scope)
                indices.append(sympy.Integer(t.text))
            else:
                raise _err(f"an index must be a letter or a number, not `{t.text}`", scope, t,
                           hint=_PARAMETERS if t.text in _GREEK else None)
    if (len(indices) == 1 and len(spec.shape) > 1 and sub is not None
            and [t.kind for t in _strip_group(sub[0])] == ["num"]
            and len(str(indices[0])) == len(spec.shape) and "0" not in str(indices[0])):
        indices = [sympy.Integer(c) for c in str(indices[0])]  # W_{12}: the entry (1, 2)
    if (not indices and spec.shape in (("?", "?"), spec.shape[:1]) and spec.shape
            and unit_layer(spec, layer, scope)):
        # z^{[2]}: the one unit of the output layer (("?", "?"): a shape being read, in
        # derive.infer.vectors, where the unit is a number)
        indices = [sympy.Integer(1)] * len(spec.shape)
    if len(indices) != len(spec.shape):
        want = len(spec.shape)
        raise _err(
            f"`{name}` takes {want} ind{'ex' if want == 1 else 'ices'}, got {len(indices)}",
            scope, first, last.end,
        )
    return Quantity(name, (layer,) if layer is not None else (), tuple(indices))


def _check_layer(name: str, spec: QuantitySpec, layer: sympy.Expr, scope: Scope, first: Tok,
                 last: Tok) -> None:
    """A layer tag in no network's layers of the quantity (`a^{(0)}`, `\\delta^{(n+1)}` where
    the layers are 1..n) is an error at the tag: there is nothing it could mean."""
    rng = spec.layer_range
    n_name = scope.notation.layers
    if rng is None or any(str(x) != n_name for x in layer.free_symbols):
        return
    for nv in range(2, 9):
        k = layer.xreplace({x: sympy.Integer(nv) for x in layer.free_symbols})
        if not k.is_Integer or lin_value(rng[0], nv) <= int(k) <= lin_value(rng[1], nv):
            return
    raise _err(f"layer {sympy.sstr(layer)} of `{name}` is outside its layers {spec.layers}",
               scope, first, last.end, hint=f"the layers of `{name}` are {spec.layers} "
               f"({n_name}: the number of layers)")


def unit_layer(spec: QuantitySpec, layer: sympy.Expr | None, scope: Scope) -> bool:
    """Whether a quantity's layer is one of its layers of one unit (`unit_layers`): a fixed
    layer in their range (`z^{[2]}`), or the one layer they name in the depth (`a^{[L]}` where
    the output layer is one unit)."""
    if spec.unit_range is None or layer is None:
        return False
    lo, hi = spec.unit_range
    if layer.is_Integer:
        return lo[0] <= int(layer) <= hi[0]
    c, a, b = lo
    return (lo == hi and b == 0 and a != 0
            and sympy.expand(layer - (c + a * Size(scope.notation.layers))) == 0)


def layer_number(toks: list[Tok], scope: Scope) -> sympy.Expr:
    """A layer tag's layer as the model numbers it (from 1). A text that numbers its layers
    from 0 (the input `a^0`) has a fixed layer one higher inside (`z^1` is the model's layer
    2); a layer written in the layer variable or the depth (`l-1`, `L`) keeps its form, the
    variable and the depth being numbered the same way (l + 1 - 1 = l)."""
    layer = _index_expr(toks, scope)
    if scope.notation.first_layer == 0 and not layer.free_symbols:
        layer += 1
    return layer


def _index_expr(toks: list[Tok], scope: Scope) -> sympy.Expr:
    """Index arithmetic in layer tags, subscripts and sum bounds: `l+1`, `n`, `C_{l+1}`, `2`."""
    toks = _strip_group(toks)
    if not toks:
        raise InputError("empty index expression")
    total: sympy.Expr = sympy.Integer(0)
    sign = 1
    i = 0
    expect_term = True
    while i < len(toks):
        t = toks[i]
        if t.text in ("+", "-"):
            if expect_term and t.text == "-":
                sign = -sign
            elif not expect_term:
                sign = 1 if t.text == "+" else -1
                expect_term = True
            i += 1
            continue
        if not expect_term:
            raise _err(f"unexpected `{t.text}` in an index expression", scope, t)
        term, i = _index_term(toks, i, scope)
        total += sign * term
        sign = 1
        expect_term = False
    if expect_term:
        raise _err("index expression ends with an operator", scope, toks[-1])
    return total


def _index_term(toks: list[Tok], i: int, scope: Scope) -> tuple[sympy.Expr, int]:
    """One term of an index expression at toks[i]: an integer, the number of layers, a size
    the text names, a width with its layer, a size or an index; and the index after it."""
    t = toks[i]
    if t.kind == "num":
        if "." in t.text:
            raise _err("an index must be an integer", scope, t)
        _check_index(t, scope)
        return sympy.Integer(t.text), i + 1
    if t.text == "(":
        return _bracketed(toks, i, scope)
    size = layer_size(toks, i, scope, _index_expr)
    if size is not None:
        return size
    if t.kind != "letter":
        raise _err(f"unexpected `{t.text}` in an index expression", scope, t)
    if _size_name_at(toks, i, scope.notation.layers):
        # n_l, the number of layers in UFLDL's notes
        return Size(scope.notation.layers), _size_name_at(toks, i, scope.notation.layers)
    alias = _alias_at(toks, i, scope)
    if alias:
        name, nxt = alias  # D, n_x: the width of the layer it names
        c, a, _b = scope.notation.aliases[name]
        return Width(scope.notation.width, c + a * Size(scope.notation.layers)), nxt
    kind = scope.lookup(t.text)
    if kind == "width":
        scripts, nxt = _scripts(toks, i + 1, scope)
        if "_" not in scripts:
            raise _err(f"`{t.text}` needs the layer as a subscript", scope, t)
        return Width(t.text, _index_expr(scripts["_"][0], scope)), nxt
    if kind == "size":
        return Size(t.text), i + 1
    return Index(t.text), i + 1


def _bracketed(toks: list[Tok], i: int, scope: Scope) -> tuple[sympy.Expr, int]:
    """A bracketed term `(l+1)` of an index expression (UFLDL's `s_{(l+1)}`): its value and
    the index after its closing bracket."""
    depth = 0
    for j in range(i, len(toks)):
        depth += {"(": 1, ")": -1}.get(toks[j].text, 0)
        if depth == 0:
            if j == i + 1:
                raise _err("empty brackets in an index expression", scope, toks[i])
            return _index_expr(toks[i + 1:j], scope), j + 1
    raise _err("`(` without its `)` in an index expression", scope, toks[i])


def _alias_at(toks: list[Tok], i: int, scope: Scope) -> tuple[str, int] | None:
    """A size the text names on its own (`D`, `n_x`) starting at i: its name and the end."""
    for name in scope.notation.aliases:
        if name == toks[i].text:
            return name, i + 1
        end = _size_name_at(toks, i, name)
        if end:
            return name, end
    return None


def _size_name_at(toks: list[Tok], i: int, name: str) -> int:
    """When a subscripted size name (`n_l`, `n_{l}`) starts at i, the index after it; else 0."""
    if "_" not in name:
        return 0
    base, sub = name.split("_", 1)
    sub = sub.strip("{}")
    if toks[i].text != base or i + 2 >= len(toks) or toks[i + 1].text != "_":
        return 0
    if toks[i + 2].text == sub:
        return i + 3
    if (toks[i + 2].text == "{" and i + 4 < len(toks) and toks[i + 3].text == sub
            and toks[i + 4].text == "}"):
        return i + 5
    return 0
