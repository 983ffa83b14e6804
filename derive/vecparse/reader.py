"""Reading a side in vector form into a `derive.tensor` tree: sums of products of factors, each
factor a quantity, a norm, a gradient, a function applied entry-wise, or a scalar part."""

from __future__ import annotations

from dataclasses import replace

import sympy

from derive.errors import InputError
from derive.functions import BY_LATEX
from derive.latex import (
    _DELIM_SIZES,
    ELLIPSES,
    ELLIPSIS_NOT_READ,
    LIMIT_NOT_READ,
    Index,
    Scope,
    Size,
    Tok,
    _check_layer,
    _err,
    _group,
    _is_sample_tag,
    _layer_tokens,
    _match,
    _read_name,
    _scripts,
    _skip_arguments,
    _strip_group,
    batch_of,
    layer_number,
    of_parameters,
    parse_expression,
    starts_name,
)
from derive.notation import QuantitySpec
from derive.tensor import (
    BatchTotal,
    Entry,
    Hadamard,
    IndexSum,
    Leaf,
    MatMul,
    Norm2,
    Plus,
    Scalar,
    Tensor,
    Transpose,
)
from derive.tensor.shapes import ONE
from derive.tensor.zero import Ones, Zero, sized_ones, sized_terms, times
from derive.vecparse.applications import _Applications
from derive.vecparse.classes import _bounds, _column, _indicator_end
from derive.vecparse.components import Components, components
from derive.vecparse.derivatives import NOT_ALONE, chain, chained
from derive.vecparse.ellipsis import read_chain
from derive.vecparse.entries import entrywise_square, fixed_dims, one_row, spec_dims
from derive.vecparse.form import (
    _ELEMENTWISE,
    _MATRIX,
    _NORM_OPEN,
    _bars,
    _one_unit,
    _transpose_mark,
    squared_norm,
    vector_form,
)
from derive.vecparse.indicator import indicator_at
from derive.vecparse.literal import begins_matrix, read_literal
from derive.vecparse.prod import prod_at, read_prod
from derive.vecparse.quotients import _Quotients, scalar_valued
from derive.vecparse.slices import column_slice
from derive.vecparse.trace import (
    identity_name,
    matrix_power,
    powered_leaf,
    read_identity,
    read_trace,
    trace_name,
)


def parse_tensor(toks: list[Tok], scope: Scope) -> Tensor:
    if not toks:
        raise InputError("empty expression")
    toks = _bars(toks)
    return _Reader(toks, scope).sum(0, len(toks))


class _Reader(_Applications, _Quotients):
    def __init__(self, toks: list[Tok], scope: Scope) -> None:
        self.toks = toks
        self.scope = scope
        self.text = scope.formula.text

    def tex(self, lo: int, hi: int) -> str:
        return self.text[self.toks[lo].start : self.toks[hi - 1].end]

    # sums ---------------------------------------------------------------------------------

    def sum(self, lo: int, hi: int) -> Tensor:
        terms: list[Tensor] = []
        signs: list[int] = []
        pending = 1
        start = lo
        depth = 0
        norm_open: list[str] = []
        for k in range(lo, hi + 1):
            t = self.toks[k].text if k < hi else None
            if t in ("(", "[", "{", "\\{", "\\begin"):  # \\{: an indicator's set brace
                depth += 1
            elif t in (")", "]", "}", "\\}", "\\end"):  # a matrix's entries: inside it
                depth -= 1
            elif t in _NORM_OPEN or t == "\\rVert":
                if norm_open and t == norm_open[-1]:
                    norm_open.pop()
                elif t != "\\rVert":
                    norm_open.append(_NORM_OPEN[t])
            if not (k == hi or (t in ("+", "-") and depth == 0 and not norm_open)):
                continue
            if k > start:
                terms.append(self.product(start, k))
                signs.append(pending)
                pending = 1
            if k < hi:
                pending *= 1 if t == "+" else -1
            start = k + 1
        if not terms:
            raise _err("expected an expression", self.scope, self.toks[lo] if lo < hi else 0)
        if self.toks[hi - 1].text in ("+", "-"):
            raise _err("the expression ends with a sign", self.scope, self.toks[hi - 1])
        sized = sized_terms(terms)
        if sized is None:
            raise _err("a zero vector added to terms of no one shape: its size is not read",
                       self.scope, self.toks[lo])
        terms = sized
        if len(terms) == 1 and signs[0] == 1:
            return terms[0]
        if len(terms) == 1:
            return MatMul(Scalar(sympy.Integer(-1), "-1"), terms[0], self.tex(lo, hi))
        return Plus(tuple(terms), tuple(signs), self.tex(lo, hi))

    # products -----------------------------------------------------------------------------

    def product(self, lo: int, hi: int) -> Tensor:
        out: Tensor | None = None
        op = None
        written_op = False
        k = lo
        first = lo
        while k < hi:
            t = self.toks[k].text
            if t in _ELEMENTWISE or t in _MATRIX:
                if out is None or op is not None:
                    raise _err(f"`{t}` needs something on each side", self.scope, self.toks[k])
                op = t
                written_op = True
                k += 1
                continue
            if t in ELLIPSES and out is not None and op is None and not written_op:
                return read_chain(self, lo, k, hi)  # a product over layers, or why not
            if t == "\\sum":
                factor = self.batch_sum(k, hi)
                nxt = hi
            else:
                factor, nxt = self.factor(k, hi)
            if out is not None:
                out, factor = sized_ones(out, factor, op in _ELEMENTWISE)
            zero = times(out, factor, self.tex(first, nxt)) if out is not None else None
            if out is None:
                out = factor
            elif zero is not None and op not in _ELEMENTWISE:
                out = zero  # \vec{0}^\top x: the zero of the product's shape
            elif op != "\\odot" and chained(out, factor):
                out = chain(out, factor, self.tex(first, nxt))
            elif op in _ELEMENTWISE:
                out = Hadamard(out, factor, self.tex(first, nxt))
            else:
                out = MatMul(out, factor, self.tex(first, nxt), dot=op == "\\cdot")
            op = None
            k = nxt
        if out is None or op is not None:
            raise _err("expected a factor here", self.scope, self.toks[hi - 1])
        return out

    def batch_sum(self, k: int, hi: int) -> Tensor:
        """`\\sum_x body` over the samples, with a body in vector form."""
        scope = self.scope
        if k + 1 >= hi or self.toks[k + 1].text != "_":
            raise _err("a sum needs its index: \\sum_{j=1}^{C}", scope, self.toks[k])
        sub, j = _group(self.toks, k + 2, scope)
        sup = None
        if j < hi and self.toks[j].text == "^":
            sup, j = _group(self.toks, j + 1, scope)
        sub = _strip_group(sub)
        n = scope.notation
        texts = [t.text for t in sub]
        over_batch = texts == [n.sample] and sup is None or (
            texts == [n.sample, "=", "1"] and sup is not None
            and [t.text for t in _strip_group(sup)] == [n.batch])
        if not over_batch:
            bounds = _bounds(sub, sup, scope)
            if bounds is None and len(texts) > 2 and texts[1] == "\\in":
                named = "".join(t.text for t in sub[2:])
                raise _err(f"a sum over the set `{named}` (`{texts[0]} \\in {named}`) is not read: "
                           f"write its bounds, as \\sum_{{{texts[0]}=1}}^{{K}}", scope,
                           self.toks[k], self.toks[j - 1].end)
            body = self.toks[j:hi]
            if bounds is not None and not vector_form(body, scope):
                return self.scalar(k, hi)  # \sum_k 1\{y = k\} \log P_k: a sum of numbers
            if bounds is None or not (scalar_valued(body, scope)
                                      or any(t.text in _NORM_OPEN for t in body)
                                      or any(_indicator_end(body, p, len(body))
                                             for p in range(len(body)))):
                raise _err("a sum of vectors or matrices is read only over the samples of the "
                           f"minibatch (\\sum_{n.sample})", scope, self.toks[k],
                           self.toks[j - 1].end)
            return IndexSum(self.sum(j, hi), *bounds, self.tex(k, hi))
        return BatchTotal(self.sum(j, hi), self.tex(k, hi))

    # factors ------------------------------------------------------------------------------

    def factor(self, k: int, hi: int) -> tuple[Tensor, int]:
        base, nxt = self.primary(k, hi)
        if nxt < hi and self.toks[nxt].text == "_" and not isinstance(base, (Leaf, Scalar)):
            grp, after = _group(self.toks, nxt + 1, self.scope)  # (W^T \delta)_j: an entry
            at = []
            for t in _strip_group(grp):
                if t.text == ",":
                    continue
                if t.kind != "letter" and t.kind != "num":
                    raise _err("an entry is written with index letters, as in (W a)_j",
                               self.scope, t)
                at.append(Index(t.text) if t.kind == "letter" else sympy.Integer(t.text))
            base, nxt = Entry(base, tuple(at), self.tex(k, after)), after
        while nxt < hi and self.toks[nxt].text in ("^", "'"):
            if self.toks[nxt].text == "'":
                raise _err("`'` after an expression: write the transpose as ^T", self.scope,
                           self.toks[nxt])
            grp, after = _group(self.toks, nxt + 1, self.scope)
            rest, transposed = _transpose_mark(grp, self.scope)
            if transposed and not rest:
                base = Transpose(base, self.tex(k, after))
            elif isinstance(base, Scalar):
                power = parse_expression(grp, self.scope)
                base = Scalar(base.expr ** power, self.tex(k, after))
            elif entrywise_square(base, grp, self.toks):  # (a^{[1]})^2 beside `*`: entry by entry
                base = Hadamard(base, base, self.tex(k, after))
            elif matrix_power(base, grp, self.tex(k, after)) is not None:
                base = matrix_power(base, grp, self.tex(k, after))  # X^2 = X X, X square
            else:
                raise _err("a power of a vector or matrix: the tool reads only a transpose "
                           "(^T) here", self.scope, self.toks[nxt], self.toks[after - 1].end)
            nxt = after
        return base, nxt

    def primary(self, k: int, hi: int) -> tuple[Tensor, int]:
        toks, scope = self.toks, self.scope
        t = toks[k]
        x = t.text
        found = indicator_at(self, k, hi)
        if found is not None:  # \mathbb{1}[W x + b > 0]: the step of every entry
            return found
        opened = 1 if x in _DELIM_SIZES and k + 1 < hi and toks[k + 1].text in ("(", "[") \
            else 0 if x in ("(", "[", "{") else None
        if opened is not None:  # (...), \left( ... \right)
            close = _match(toks, k + opened, scope)
            inner_hi = close - 1 if toks[close - 1].text in _DELIM_SIZES else close
            return self.grouped(k, k + opened + 1, inner_hi, close + 1)
        sized = x in _DELIM_SIZES and k + 1 < hi and toks[k + 1].text in _NORM_OPEN
        if x in _NORM_OPEN or sized:  # \\|x\\|, \\left\\| x \\right\\|
            return self.norm(k, hi, sized)
        if prod_at(toks, k, hi):
            return read_prod(self, k, hi)
        if x in ("\\frac", "\\dfrac", "\\tfrac"):
            return self.frac(k, hi)
        if x == "\\nabla":
            return self.nabla(k, hi)
        found = self.number_or_function(k, hi)
        if found is not None:
            return found
        if x in _ZERO_FONTS and [u.text for u in toks[k + 1:k + 4]] == ["{", "0", "}"]:
            return Zero(self.tex(k, k + 4)), k + 4  # \vec{0}: the zero vector
        if x in _ZERO_FONTS and [u.text for u in toks[k + 1:k + 4]] == ["{", "1", "}"] and not (
                k + 4 < hi and toks[k + 4].text in ("\\{", "[", "(", "_")):
            return Ones(self.tex(k, k + 4)), k + 4  # \mathbf{1}: the vector of ones
        if starts_name(t):
            return self.name(k, hi)
        return self.literal(k)

    def number_or_function(self, k: int, hi: int) -> tuple[Tensor, int] | None:
        """A number (an indicator `1\\{y = k\\}` among them), `\\max(0, W x + b)` or an
        elementary function at k; None for anything else."""
        toks, scope = self.toks, self.scope
        t = toks[k]
        x = t.text
        if t.kind == "num" and x == "1":
            end = _indicator_end(toks, k, hi)
            if end is not None:  # 1\{y = k\}: an indicator, a number
                return self.scalar(k, end), end
        if t.kind == "num":
            return Scalar(parse_expression([t], scope), t.text), k + 1
        if x in ("\\max", "\\min"):
            extreme = self.extreme(k, hi)
            if extreme is not None:  # \\max(0, W x + b): the ReLU of every entry
                return extreme
        if x in BY_LATEX:
            return self.elementary(k, hi)
        return None

    def literal(self, k: int) -> tuple[Tensor, int]:
        """A matrix written by its entries, or why what starts at k is not read."""
        toks, scope = self.toks, self.scope
        t = toks[k]
        if t.text == "\\lim":
            raise _err(LIMIT_NOT_READ, scope, t)
        if t.text in ELLIPSES:
            raise _err(ELLIPSIS_NOT_READ.format(t.text), scope, t)
        if begins_matrix(toks, k):  # \begin{bmatrix} 1 \\ 2 \end{bmatrix}: its entries
            return read_literal(toks, k, scope)
        raise _err(f"unexpected `{t.text}` in a vector expression", scope, t)

    def norm(self, k: int, hi: int, sized: bool) -> tuple[Tensor, int]:
        """`\\|x\\|^2` (or with `\\left`/`\\right`): the squared norm, a number."""
        toks, scope = self.toks, self.scope
        t = toks[k]
        x = t.text
        opener = toks[k + 1].text if sized else x
        first = k + 2 if sized else k + 1
        closer = _NORM_OPEN[opener]
        end = next((p for p in range(first, hi) if toks[p].text == closer), None)
        if end is None:
            raise _err(f"`{opener}` is not closed", scope, t)
        inner_end = end - 1 if toks[end - 1].text in _DELIM_SIZES else end
        inner = self.sum(first, inner_end)
        nxt = squared_norm(toks, inner, end + 1, hi, scope)
        if nxt is not None:
            return Norm2(inner, self.tex(k, nxt)), nxt
        raise _err("a norm is read when it is squared: \\|x\\|^2", scope, t, toks[end].end)

    def grouped(self, k: int, lo: int, hi: int, after: int) -> tuple[Tensor, int]:
        listed = components(self.toks[lo:hi], self.scope)
        if listed is not None:
            return self.listed(listed, k, lo, after), after
        if not vector_form(self.toks[lo:hi], self.scope):
            return self.scalar(k, after), after
        return self.sum(lo, hi), after

    def listed(self, c: Components, k: int, lo: int, after: int) -> Tensor:
        """`(x_1, \\ldots, x_n)`: the vector x written as a row of its entries."""
        spec = self.scope.notation.quantities[c.name]
        leaf = self.leaf(c.name, spec, c.scripts, lo + c.first, lo + c.end, False)
        if self.scope.notation.vectors == "row":
            return leaf
        return Transpose(leaf, self.tex(k, after))

    def scalar(self, lo: int, hi: int) -> Scalar:
        return Scalar(parse_expression(self.toks[lo:hi], self.scope), self.tex(lo, hi))

    def leaf_alone(self, toks: list[Tok], output: bool = False) -> Leaf:
        leaf, end = _Reader(toks, self.scope).name(0, len(toks), output=output)
        if end != len(toks) or not isinstance(leaf, Leaf):
            raise _err(NOT_ALONE,
                       self.scope, toks[0], toks[-1].end)
        return leaf

    def name(self, k: int, hi: int, output: bool = False) -> tuple[Tensor, int]:
        toks, scope = self.toks, self.scope
        name, j = _read_name(toks, k, scope)
        scripts, end = _scripts(toks, j, scope)
        kind = scope.lookup(name)
        if trace_name(name) and not scripts:
            return read_trace(self, k, end, hi)
        if identity_name(name, scripts, scope):
            return read_identity(self, k, end)
        if kind == "function":
            return self.call(name, scripts, k, end, hi)
        single = batch_of(name, scope) if kind is None else None
        if single is not None:  # A^{l-1} beside a^{l-1}: the samples' vectors, one per column
            spec = scope.notation.quantities[single]
            leaf = self.leaf(single, spec, scripts, k, end, output)
            if isinstance(leaf, Leaf) and (not spec.shape or _one_unit(spec, scripts, scope)):
                leaf = replace(leaf, dims=() if not spec.shape else (ONE,))  # Y; Z^{[2]} of one unit
            if _names_sample(scripts, scope):  # dZ^{[l](i)}: the column of the sample i
                return leaf, _after_sample(toks, end, hi, scope)
            return _batched(leaf, scope), _after_sample(toks, end, hi, scope)
        spec = scope.notation.quantities.get(name) if kind == "quantity" else None
        sliced = column_slice(spec, scripts["_"][0], scope) if spec is not None and "_" in (
            scripts) else None
        if sliced is not None:  # w^{l+1}_{.j}: the column j
            leaf = self.leaf(name, spec, {s: v for s, v in scripts.items() if s != "_"}, k, end,
                             output, sliced)
            return leaf, end
        if spec is None or not spec.shape or "_" in scripts or _one_unit(spec, scripts, scope):
            if spec is not None and not spec.shape and "_" not in scripts and "^" not in scripts:
                end = _skip_arguments(toks, end, scope)
            return self.scalar(k, end), end
        powered = powered_leaf(self, name, spec, scripts, k, end, output)
        if powered is not None:
            return powered, end
        leaf = self.leaf(name, spec, scripts, k, end, output)
        if of_parameters(toks, j, scope):  # h_{W,b}(x): the value, its argument skipped
            end = _skip_arguments(toks, end, scope)
        return leaf, _after_sample(toks, end, hi, scope)

    def leaf(self, name: str, spec: QuantitySpec, scripts: dict, k: int, end: int,
             output: bool, sliced: sympy.Expr | None = None) -> Tensor:
        scope = self.scope
        sup = scripts.get("^")
        transposed = False
        layer: sympy.Expr | None = None
        column = sliced
        if sup is not None:
            rest, transposed = _transpose_mark(sup[0], scope)
            column = column if column is not None else _column(spec, rest, scope)
            if column is not None and sliced is None:
                rest = []
            if rest and not _is_sample_tag(rest, scope):
                inner = _layer_tokens(spec, rest)
                if inner is None or not spec.layers:
                    raise _err(f"`{name}`: this superscript is not a layer tag", scope, sup[1])
                layer = layer_number(inner, scope)
                _check_layer(name, spec, layer, scope, rest[0], rest[-1])
        if spec.layers and layer is None:
            if not output or spec.layer_range is None:
                example = {"paren": "^{(l)}", "bracket": "^{[l]}", "sup": "^{l}"}[spec.tag]
                raise _err(f"`{name}` needs a layer tag, as in {name}{example}", scope,
                           self.toks[k], self.toks[end - 1].end)
            # \nabla_a C: the gradient with respect to the output layer's activations
            c, a, _b = spec.layer_range[1]
            layer = c + a * Size(scope.notation.layers)
        tex = self.tex(k, end)
        dims = spec_dims(spec, layer if layer is not None else sympy.Integer(0), scope.notation)
        dims = one_row(spec, layer, dims, scope.notation, scope)
        dims = fixed_dims(dims, scope.formula, scope.notation)
        if column is not None:
            dims = dims[:1]
        leaf = Leaf(name, layer, dims, tex, row=scope.notation.vectors == "row", column=column)
        return Transpose(leaf, tex) if transposed else leaf


_ZERO_FONTS = {"\\vec", "\\mathbf", "\\boldsymbol", "\\bm", "\\mathbb"}


def _names_sample(scripts: dict, scope: Scope) -> bool:
    """Whether a superscript names the sample (`^{[l](i)}`, `^{l\\,(j)}`)."""
    sup = [t.text for t in scripts["^"][0]] if "^" in scripts else []
    return any(sup[k:k + 3] == ["(", scope.notation.sample, ")"] for k in range(len(sup)))


def _batched(t: Tensor, scope: Scope) -> Tensor:
    """A leaf (or its transpose) as the minibatch of its samples' vectors."""
    batch = Size(scope.notation.batch)
    if isinstance(t, Transpose):
        return replace(t, x=replace(t.x, batch=batch))
    return replace(t, batch=batch)


def _after_sample(toks: list[Tok], end: int, hi: int, scope: Scope) -> int:
    """After `y(x)`, `a^L(x)`: the sample a quantity belongs to, written as its argument."""
    if end + 2 < hi and [t.text for t in toks[end:end + 3]] == ["(", scope.notation.sample, ")"]:
        return end + 3
    return end

