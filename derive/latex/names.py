"""Names in an expression: quantities, sizes, widths and scalars looked up in the notation,
function calls and their arguments, and the Kronecker delta."""

from __future__ import annotations

import difflib
import re

import sympy

from derive.errors import InputError
from derive.expr import Call, FuncRef, Partial, Prime, Quantity, Vec, Width, to_latex
from derive.functions import BY_SPELLING, KRONECKER, kronecker
from derive.latex.arithmetic import _Skeleton
from derive.latex.batch import batch_of
from derive.latex.groups import _depth_split, _match, _read_name, _scripts, _strip_group
from derive.latex.indices import (
    _index_expr,
    _is_sample_tag,
    _layer_tokens,
    _quantity,
    layer_number,
)
from derive.latex.limits import _check_index
from derive.latex.scope import Index, Scalar, Scope, Size, _err
from derive.latex.tokens import _FONTS, _GREEK, _VECTOR_FONTS, VECTOR_FUNCTIONS, Tok


def _kronecker(name: str, scripts: dict, scope: Scope, first: Tok, last: Tok) -> sympy.Basic | None:
    """`\\delta_{ij}` as the Kronecker delta: two indices and no layer tag, where the
    notation's own quantity of that name (the error δ) is not one with two indices and no
    layers. When the error takes two indices and a layer, the two readings clash: said so."""
    sub = scripts.get("_")
    kind = scope.lookup(name)
    if name not in KRONECKER or sub is None or "^" in scripts or kind not in (None, "quantity"):
        return None
    idx = [t for t in _strip_group(sub[0]) if t.text != ","]
    if len(idx) != 2 or not all(t.kind in ("letter", "num") for t in idx):
        return None
    spec = scope.notation.quantities.get(name) if kind == "quantity" else None
    if spec is not None and len(spec.shape) == 2:
        if not spec.layers:
            return None  # the document's own two-index δ_{ij}
        raise _err(f"`{name}_{{{''.join(t.text for t in idx)}}}` is ambiguous: the quantity "
                   f"`{name}` takes two indices and a layer tag, and the Kronecker delta is "
                   "written the same way without the tag", scope, first, last.end, hint=f"write the layer tag for the quantity, or the indicator "
                   f"[{idx[0].text} = {idx[1].text}] for the Kronecker delta")
    args = []
    for t in idx:
        if t.kind == "num":
            _check_index(t, scope)
            args.append(sympy.Integer(t.text))
        else:
            args.append(Index(t.text))
    return kronecker(*args)


def _emit_name(toks: list[Tok], i: int, sk: _Skeleton) -> int:
    scope = sk.scope
    start_tok = toks[i]
    name, j = _read_name(toks, i, scope)
    scripts, k = _scripts(toks, j, scope)
    src = (start_tok.start, toks[k - 1].end)
    kron = _kronecker(name, scripts, scope, start_tok, toks[k - 1])
    if kron is not None:  # \delta_{ij}
        sk.placeholder(kron, src)
        return k
    # a subscripted scalar name such as x_1 or y_2 (chain-rule variables)
    sub = scripts.get("_")
    if sub is not None:
        full = f"{name}_{''.join(t.text for t in sub[0])}"
        if scope.lookup(full) in ("scalar", "function"):
            name = full
            scripts.pop("_")
    name = _overall(toks, name, scripts, k, scope)
    kind = scope.lookup(name)
    # a plain capital with an entry index (`\\Delta^{(n)}_i` beside `\\delta`) is no minibatch
    # matrix: most likely the lowercase mistyped, which the unknown-symbol hint says
    if kind is None and _batch_of(name, scope) and (
            "_" not in scripts or _BATCH.fullmatch(name) is not None):
        raise _batch_error(name, _batch_of(name, scope), scope, start_tok, toks[j - 1].end)
    if (kind is None and scope.local and "^" not in scripts
            and scope.notation.kind(name) == "quantity"):
        raise _err(f"`{name}` is a quantity of the network, written here without its layer "
                   "tag in a formula read in variables of its own: which of its entries it "
                   "stands for is not read", scope, start_tok, toks[j - 1].end,
                   "write the tags, as in \\frac{\\partial C}{\\partial b^l_j} = \\delta^l_j")
    if kind is None:
        close = difflib.get_close_matches(name, scope.known(), n=1)
        hint = f"did you mean `{close[0]}`?" if close else (
            "declare it in the front matter (quantities, functions or scalars)")
        raise _err(f"unknown symbol `{name}`", scope, start_tok, toks[j - 1].end, hint)
    if kind == "function":
        return _emit_call(toks, name, scripts, k, sk, start_tok)
    if (kind == "quantity" or kind == "scalar" and scope.local) and _loss_prime(
            name, scripts, toks, k, scope):
        return _emit_loss_prime(toks, name, k, sk, start_tok, kind)
    power: tuple[list[Tok], Tok] | None = scripts.get("^")
    value: sympy.Basic
    if kind == "quantity":
        # `g(Z^l)` where g is a layer quantity: applied, not a value at the left side's layer
        applied = k < len(toks) and toks[k].text in ("(", "\\left")
        value = _quantity(name, scripts, scope, start_tok, toks[k - 1], lend=not applied)
        if not value.indices and not value.layer:
            end = _skip_arguments(toks, k, scope)  # J(W, b; x, y): the loss J, with its arguments
            _one_sample(toks[k:end], name, scope)
            k = end
        if power is not None and (_layer_tokens(scope.notation.quantities[name], power[0])
                                  is not None or _is_sample_tag(power[0], scope)):
            power = None  # the superscript is the quantity's layer or sample tag
    else:
        if kind == "scalar" and scope.local:
            k = _local_function_value(toks, name, scripts, k, scope)
        value = _symbol(kind, name, scripts.get("_"), scope, start_tok)
    sk.placeholder(value, src)
    if power is not None:
        sk.emit("^{", power[1])
        sk.sequence(power[0])
        sk.emit("}", power[1])
    return k


def _loss_prime(name: str, scripts: dict, toks: list[Tok], k: int, scope: Scope) -> bool:
    """`C'(a^L)`: the loss, a quantity (not a function), written with a prime and applied."""
    sup = scripts.get("^")
    return (name == scope.notation.loss and "_" not in scripts and sup is not None
            and [t.text for t in _strip_group(sup[0])] == ["\\prime"]
            and k < len(toks) and toks[k].text == "(")


def _emit_loss_prime(toks: list[Tok], name: str, k: int, sk: _Skeleton, start_tok: Tok,
                     kind: str = "quantity") -> int:
    """`C'(a^L)` beside `\\frac{\\partial C}{\\partial w^l}`: the derivative of the loss C by
    its argument, read as `\\frac{\\partial C}{\\partial a^L}`; in a local model, where C and
    a are variables of its own, `\\frac{\\partial C}{\\partial a}`."""
    scope = sk.scope
    close = _match(toks, k, scope)
    y = sk.parse(toks[k + 1:close])
    if not isinstance(y, Scalar if kind == "scalar" else Quantity):
        raise _err(f"`{name}'(...)`: the loss's derivative is read by a single quantity, as "
                   f"in {name}'(a^L)", scope, start_tok, toks[close].end)
    c = (_symbol(kind, name, None, scope, start_tok) if kind == "scalar"
         else _quantity(name, {}, scope, start_tok, start_tok))
    line = scope.formula.span(start_tok.start).line
    scope.readings.append(f"line {line}: ${name}'({to_latex(y)})$ read as the derivative of "
                          f"the loss ${name}$ by ${to_latex(y)}$")
    sk.placeholder(Partial(c, y, False), (start_tok.start, toks[close].end))
    return close + 1


def _overall(toks: list[Tok], name: str, scripts: dict, k: int, scope: Scope) -> str:
    """`J(W,b)` beside `J(W,b;x,y)` (UFLDL): the loss's name applied without a sample after
    `;` is the overall cost, `roles.overall`; any other name as it is."""
    overall = scope.notation.overall
    if (overall is None or scripts
            or name != scope.notation.loss and overall != f"\\bar{{{name}}}"):
        return name
    end = _skip_arguments(toks, k, scope)
    if end == k:
        return name
    depth = 0
    for t in toks[k:end]:
        depth += (t.text == "(") - (t.text == ")")
        if t.text == ";" and depth == 1:
            return name
    return overall


def _one_sample(args: list[Tok], name: str, scope: Scope) -> None:
    """`J(W,b; x^{(k)}, y^{(k)})`: the sample after `;` is one sample (the tool reads one
    sample's cost at its own sample); arguments tagged with different samples
    (`x^{(k)}, y^{(i)}`) are not read."""
    semi = next((p for p, t in enumerate(args) if t.text == ";"), None)
    if semi is None:
        return
    tags: dict[str, Tok] = {}
    for p in range(semi + 1, len(args) - 1):
        if args[p].text == "^":
            grp = args[p + 1:_match(args, p + 1, scope) + 1] if args[p + 1].text == "{" else [args[p + 1]]
            tags.setdefault("".join(t.text for t in grp).strip("{}"), args[p])
    if len(tags) > 1:
        second = list(tags.values())[1]
        raise _err(f"the sample of `{name}` after `;` is not one sample: its arguments are "
                   f"tagged {', '.join(f'`{t}`' for t in tags)}; the tool reads one sample's "
                   f"cost at one sample only", scope, second,
                   hint="tag every argument after `;` with the same sample")


def _local_function_value(toks: list[Tok], name: str, scripts: dict, k: int, scope: Scope
                          ) -> int:
    """In a local model, `f(x, y)` or `f_a(x)` for the variable f its `given` defines: the value
    of f at its arguments (a subscript that is one of the model's variables is f's parameter,
    `f_a(x) = a x`). Where the name ends."""
    sub = scripts.get("_")
    if sub is not None and [t.text for t in _strip_group(sub[0])] in ([v] for v in scope.scalars):
        scripts.pop("_")
    return k if "^" in scripts else _skip_arguments(toks, k, scope)


def _symbol(kind: str, name: str, sub: tuple[list[Tok], Tok] | None, scope: Scope,
            start_tok: Tok) -> sympy.Basic:
    """A width, a size, a size the text names on its own (an alias) or a scalar; only a width
    takes a subscript, its layer."""
    if kind == "width":
        if sub is None:
            raise _err(f"`{name}` needs the layer as a subscript, as in {name}_l", scope, start_tok)
        return Width(name, _index_expr(_strip_group(sub[0]), scope))
    if kind == "alias":
        c, a, _b = scope.notation.aliases[name]
        return Width(scope.notation.width, c + a * Size(scope.notation.layers))
    if sub is not None:  # a size or a scalar
        raise _err(f"`{name}` takes no subscript", scope, sub[1])
    return Size(name) if kind == "size" else Scalar(name)


def _skip_arguments(toks: list[Tok], k: int, scope: Scope) -> int:
    """After a quantity without indices, `(W, b; x, y)`: the arguments a text writes for the
    loss. Only names, commas and semicolons (and their scripts) count as such a list."""
    j = k + 1 if k < len(toks) and toks[k].text == "\\left" else k
    if j >= len(toks) or toks[j].text != "(":
        return k
    depth = 0
    saw_separator = False
    for p in range(j, len(toks)):
        t = toks[p]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
            if depth == 0:
                end = p + 1
                if p > j and toks[p - 1].text == "\\right":
                    pass
                return end if saw_separator or p == j + 2 else k
        elif t.text in (",", ";"):
            saw_separator = True
        elif not (t.kind in ("letter", "num") or t.text in _GREEK or t.text in _FONTS
                  or t.text in ("^", "_", "{", "}", "\\right")):
            return k
        if t.kind == "letter" and scope.lookup(t.text) not in ("quantity", None, "scalar"):
            return k
    return k


def layer_of_function(sup: list[Tok], scope: Scope) -> bool:
    """`g^l(z^l)` beside `g(z^l)`: the superscript of a function is the layer variable, the
    depth, or a layer written in them (the activation of layer l, which the text also writes
    `g`)."""
    inner = [t for t in _strip_group(sup) if t.text not in ("(", ")", "[", "]")]
    words = {scope.notation.layer_var, scope.notation.layers}
    # a number alone is a power (\\tanh^2(z)), never read as a layer here
    return all(t.kind == "num" or t.text in ("+", "-") or t.text in words
               for t in inner) and any(t.text in words for t in inner)


def primed_layer_of_function(sup: list[Tok], scope: Scope) -> bool:
    """`g^{[l]\\prime}(z^{[l]})`, `g'^{[l]}(z^{[l]})`: the derivative of the activation
    written with its layer tag, the one function's derivative."""
    inner = _strip_group(sup)
    return (len(inner) > 1 and inner[-1].text in ("\\prime", "'")
            and layer_of_function(inner[:-1], scope))


def _call_script(name: str, sup: tuple | None, scope: Scope, start_tok: Tok
                 ) -> tuple[bool, int]:
    """(primed, power) of a function's superscript: `g^{\\prime}`, a layer tag (`g^{[l]}`, the
    one function, said), or a power of a function known by name (`\\mathrm{sech}^2`)."""
    prime, power = False, 1
    if sup is not None and layer_of_function(sup[0], scope):
        line = scope.formula.span(start_tok.start).line
        scope.readings.append(f"line {line}: ${name}$ written with a layer tag is read as the "
                              f"one function ${name}$ the text also writes without it")
    elif sup is not None and primed_layer_of_function(sup[0], scope):
        line = scope.formula.span(start_tok.start).line
        scope.readings.append(f"line {line}: ${name}$ written with a layer tag is read as the "
                              f"one function ${name}$ the text also writes without it")
        prime = True
    elif sup is not None:
        inner = [t.text for t in _strip_group(sup[0])]
        if len(inner) == 1 and inner[0].isdigit() and int(inner[0]) > 1 and name in BY_SPELLING:
            power = int(inner[0])  # \mathrm{sech}^2(x): a power of a function known by name
        elif inner != ["\\prime"]:
            raise _err(f"`{name}` is a function: only `^{{\\prime}}` may follow it", scope, sup[1])
        else:
            prime = True
    return prime, power


def _emit_call(toks: list[Tok], name: str, scripts: dict, k: int, sk: _Skeleton,
               start_tok: Tok) -> int:
    scope = sk.scope
    prime, power = _call_script(name, scripts.get("^"), scope, start_tok)
    if "_" in scripts:
        raise _err(f"function `{name}` takes no subscript", scope, scripts["_"][1])
    # \left( ... \right) or ( ... )
    j = k
    if j < len(toks) and toks[j].text == "\\left":
        j += 1
    if j >= len(toks) or toks[j].text != "(":
        if prime:
            raise _err(f"`{name}^{{\\prime}}` must be applied to an argument", scope, start_tok)
        sk.placeholder(FuncRef(name), (start_tok.start, toks[k - 1].end))
        return k
    close = _match(toks, j, scope)
    inner = toks[j + 1 : close]
    if inner and inner[-1].text == "\\right":
        inner = inner[:-1]
    args_toks = [a for a, _ in _depth_split(inner, {","})]
    if any(not a for a in args_toks):
        raise _err(f"empty argument in `{name}(...)`", scope, toks[j])
    arity = scope.arity(name)
    if name in VECTOR_FUNCTIONS and len(args_toks) == arity - 1:
        for a in args_toks:
            _argument(a, sk)  # what is wrong inside is said first
        raise _err(f"`{name}(...)` here is the whole vector: the tool reads its entries, "
                   f"written `{name}(...)_j`, not an equation between vectors", scope,
                   start_tok, toks[close].end)
    if len(args_toks) != arity:
        raise _err(f"`{name}` takes {arity} argument{'s' if arity > 1 else ''}, got "
                   f"{len(args_toks)}", scope, start_tok, toks[close].end)
    args = [_vector_argument(a, sk) if name in VECTOR_FUNCTIONS else _argument(a, sk)
            for a in args_toks]
    value = Prime(name, args[0]) if prime else Call(name, *args)
    if prime and arity != 1:
        raise _err("`^{\\prime}` is understood only for one-argument functions", scope, start_tok)
    sk.placeholder(value if power == 1 else value**power, (start_tok.start, toks[close].end))
    return close + 1


_BATCH = re.compile(r"(\\(?:hat|tilde|bar)\{)?\\(?:mathbf|boldsymbol)\{([A-Z])\}(\})?")


def _batch_of(name: str, scope: Scope) -> str | None:
    """`\\mathbf{X}`, `\\hat{\\mathbf{Y}}` beside the quantities x, \\hat{y}: a matrix named after
    the quantity (of its entries, or a minibatch of the samples' vectors), as that quantity."""
    m = _BATCH.fullmatch(name)
    if m is None or bool(m.group(1)) != bool(m.group(3)):
        return batch_of(name, scope)
    accent = m.group(1)[:-1] if m.group(1) else ""
    single = f"{accent}{{{m.group(2).lower()}}}" if accent else m.group(2).lower()
    return single if scope.lookup(single) == "quantity" else None


def _batch_error(name: str, single: str, scope: Scope, first: Tok, end: int
                 ) -> InputError:
    return _err(f"`{name}` is not read: a matrix named after the quantity `{single}` (of its "
                f"entries, or of the samples' `{single}` one per row, as in a minibatch), which "
                f"the text relates to `{single}`'s entries in no way the tool reads", scope, first,
                end, hint=f"the formulas in `{single}`'s entries are what is checked")


def _vector_argument(toks: list[Tok], sk: _Skeleton) -> sympy.Basic:
    """An argument of a vector function (`softmax(s)_k`): a quantity of one index written as a
    bare letter is the whole vector, as `\\mathbf{s}` is."""
    spec = sk.scope.notation.quantities.get(toks[0].text) if len(toks) == 1 else None
    if (spec is not None and toks[0].kind == "letter" and len(spec.shape) == 1
            and not spec.layers and sk.scope.lookup(toks[0].text) == "quantity"):
        return Vec(toks[0].text, ())
    return _argument(toks, sk)


def _argument(toks: list[Tok], sk: _Skeleton) -> sympy.Basic:
    scope = sk.scope
    if toks[0].text in _VECTOR_FONTS:
        name, nxt = _read_name(toks, 0, scope)
        base = name[len(toks[0].text) + 1 : -1] if name.startswith(toks[0].text) else name
        if scope.lookup(base) != "quantity" and _batch_of(name, scope):
            raise _batch_error(name, _batch_of(name, scope), scope, toks[0], toks[-1].end)
        if scope.lookup(base) != "quantity":
            raise _err(f"unknown vector `{base}`", scope, toks[0])
        scripts, end = _scripts(toks, nxt, scope)
        if end != len(toks) or "_" in scripts:
            raise _err("a vector argument is written \\mathbf{a}^{(l)}", scope, toks[0])
        layer: tuple = ()
        if "^" in scripts:
            inner = _layer_tokens(scope.notation.quantities[base], scripts["^"][0])
            if inner is None:
                raise _err("a vector argument is written \\mathbf{a}^{(l)}", scope, toks[0])
            layer = (layer_number(inner, scope),)
        return Vec(base, layer)
    if len(toks) == 1 and toks[0].kind == "letter" and scope.lookup(toks[0].text) is None:
        return Index(toks[0].text)  # softmax(a, j): an index argument
    return sk.parse(toks)
