"""The sizes an objective in matrix form is checked at, a tree of derive.vecparse.objectives
computed at them (SymPy matrices, exactly), the tree printed back, and its one-edit variants.

Sizes: every letter is a matrix with two unknown sizes; products, sums and entry-wise
products unify them, and the objective is a number (its sizes are one). Every size left free
gets its own value (2, 3, 4, ...), so a transpose that is missing does not fit. `I` takes the
size its neighbours give it."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from derive.vecparse.objectives import Add, Had, Ident, Mul, Norm2, NotRead, Num, Scal, T, Var

FREE = (2, 3, 4, 5, 6, 7, 8)


class Mismatch(Exception):
    """Sizes that do not fit as the tree is written."""


@dataclass
class Shapes:
    vars: dict[str, tuple[int, int]] = field(default_factory=dict)
    scalars: set[str] = field(default_factory=set)

    def shown(self) -> str:
        return ", ".join(f"{v} {r}×{c}" for v, (r, c) in sorted(self.vars.items()))


class _Unify:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.value: dict[int, int] = {}
        self.count = 0

    def new(self) -> int:
        self.count += 1
        self.parent[self.count] = self.count
        return self.count

    def find(self, d: int) -> int:
        while self.parent[d] != d:
            d = self.parent[d]
        return d

    def same(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        va, vb = self.value.get(ra), self.value.get(rb)
        if va is not None and vb is not None and va != vb:
            raise NotRead("sizes that cannot fit")
        self.parent[rb] = ra
        if va is None and vb is not None:
            self.value[ra] = vb

    def fix(self, a: int, v: int) -> None:
        r = self.find(a)
        if self.value.get(r, v) != v:
            raise NotRead("sizes that cannot fit")
        self.value[r] = v


def sizes_for(trees: list, scalar: object | None = None, same: bool = False) -> Shapes:
    """The sizes of the letters of `trees` (`scalar`: the one that is a number; `same`: the
    trees are equal, so of one shape)."""
    u = _Unify()
    dims: dict[str, tuple[int, int]] = {}
    scalars: set[str] = set()
    shapes = [_shape(t, u, dims, scalars) for t in trees]
    if same:
        known = [s for s in shapes if s is not None and s != "I"]
        for s in known[1:]:
            u.same(known[0][0], s[0])
            u.same(known[0][1], s[1])
    if scalar is not None:
        s = shapes[trees.index(scalar)]
        if isinstance(s, tuple):
            u.fix(s[0], 1)
            u.fix(s[1], 1)
    free = iter(FREE)
    values: dict[int, int] = {}
    out = Shapes(scalars=scalars)
    for name, (r, c) in dims.items():
        got = []
        for d in (r, c):
            root = u.find(d)
            if root not in u.value:
                values.setdefault(root, next(free))
            got.append(u.value.get(root, values.get(root)))
        out.vars[name] = (got[0], got[1])
    return out


def _shape(node, u: _Unify, dims: dict, scalars: set):
    """A node's shape: None for a number, "I" for the identity, else two size variables."""
    if isinstance(node, Var):
        if node.name not in dims:
            dims[node.name] = (u.new(), u.new())
        return dims[node.name]
    if isinstance(node, Scal):
        scalars.add(node.name)
        return None
    if isinstance(node, Num | Norm2):
        if isinstance(node, Norm2):
            _shape(node.arg, u, dims, scalars)
        return None
    if isinstance(node, Ident):
        return "I"
    if isinstance(node, T):
        s = _shape(node.arg, u, dims, scalars)
        return (s[1], s[0]) if isinstance(s, tuple) else s
    if isinstance(node, Mul):
        return _product([_shape(a, u, dims, scalars) for a in node.args], u)
    parts = [_shape(a, u, dims, scalars) for a in
             ((node.left, node.right) if isinstance(node, Had) else [n for _s, n in node.terms])]
    known = [s for s in parts if isinstance(s, tuple)]
    if known and len(known) < len(parts):
        raise NotRead("a number or I added to a matrix")
    for s in known[1:]:
        u.same(known[0][0], s[0])
        u.same(known[0][1], s[1])
    return known[0] if known else parts[0]


def _product(shapes: list, u: _Unify):
    out = None
    for s in shapes:
        if not isinstance(s, tuple):
            continue
        if out is not None:
            u.same(out[1], s[0])
            out = (out[0], s[1])
        else:
            out = s
    return out if out is not None else ("I" if "I" in shapes else None)


def _size(m) -> str:
    return f"{m.rows}×{m.cols}" if isinstance(m, sympy.MatrixBase) else "a number"


class _I:
    """The identity, of the size its neighbour gives it."""


def evaluate(node, values: dict, shapes: Shapes):
    """The tree's value: a SymPy matrix or number; Mismatch when its sizes do not fit."""
    if isinstance(node, Var):
        return values[node.name]
    if isinstance(node, Scal):
        return values[node.name]
    if isinstance(node, Num):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Ident):
        return _I()
    if isinstance(node, T):
        v = evaluate(node.arg, values, shapes)
        return v.T if isinstance(v, sympy.MatrixBase) else v
    if isinstance(node, Norm2):
        v = evaluate(node.arg, values, shapes)
        if isinstance(v, _I):
            raise Mismatch("the norm of I")
        return sum(e**2 for e in v) if isinstance(v, sympy.MatrixBase) else v**2
    if isinstance(node, Mul):
        return _times([evaluate(a, values, shapes) for a in node.args])
    if isinstance(node, Had):
        a, b = evaluate(node.left, values, shapes), evaluate(node.right, values, shapes)
        if not (isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase)):
            return _times([a, b])
        if a.shape != b.shape:
            raise Mismatch(f"an entry-wise product of {_size(a)} and {_size(b)}")
        return a.multiply_elementwise(b)
    total = None
    for sign, n in node.terms:
        v = evaluate(n, values, shapes)
        if isinstance(v, _I):
            raise Mismatch("I added to a matrix")
        if total is not None and isinstance(v, sympy.MatrixBase) != isinstance(
                total, sympy.MatrixBase) or isinstance(v, sympy.MatrixBase) and \
                total is not None and v.shape != total.shape:
            raise Mismatch(f"a sum of {_size(total)} and {_size(v)}")
        total = sign * v if total is None else total + sign * v
    return total


def _times(values: list):
    out = sympy.Integer(1)
    matrix = None
    for v in values:
        if isinstance(v, _I):
            continue
        if isinstance(v, sympy.MatrixBase):
            if matrix is not None and matrix.cols != v.rows:
                raise Mismatch(f"a product of {_size(matrix)} by {_size(v)}")
            matrix = v if matrix is None else matrix * v
        else:
            out = out * v
    if matrix is None:
        if any(isinstance(v, _I) for v in values):
            raise Mismatch("I alone")
        return out
    return matrix * out if out != 1 else matrix


def show(node) -> str:
    """The tree as LaTeX."""
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Scal):
        return node.name
    if isinstance(node, Num):
        v = node.value
        return str(v.numerator) if v.denominator == 1 else f"\\frac{{{v.numerator}}}{{{v.denominator}}}"
    if isinstance(node, Ident):
        return "I"
    if isinstance(node, T):
        inner = show(node.arg)
        return (inner if isinstance(node.arg, Var | Ident) else f"({inner})") + "^T"
    if isinstance(node, Norm2):
        return f"\\lVert {show(node.arg)} \\rVert^2"
    if isinstance(node, Mul):
        return " ".join(f"({show(a)})" if isinstance(a, Add) else show(a) for a in node.args)
    if isinstance(node, Had):
        return f"{show(node.left)} \\odot {show(node.right)}"
    text = ""
    for k, (sign, n) in enumerate(node.terms):
        text += ("-" if sign < 0 else "+" if k else "") + (" " if k else "") + show(n) + " "
    return text.strip()


def repairs(node):
    """(what the edit is, the tree edited): one transpose added or dropped, two factors of a
    product in the other order, a term's sign."""
    for path, sub in _nodes(node, ()):
        if isinstance(sub, T):
            yield (f"an extra transpose: `{show(sub)}` should be `{show(sub.arg)}`",
                   _replace(node, path, sub.arg))
        elif isinstance(sub, Var | Add):
            new = T(sub, -1)
            yield (f"a transpose is missing: `{show(sub)}` should be `{show(new)}`",
                   _replace(node, path, new))
        if isinstance(sub, Mul):
            for k in range(len(sub.args) - 1):
                args = list(sub.args)
                args[k], args[k + 1] = args[k + 1], args[k]
                new = Mul(tuple(args))
                yield (f"the product is in the wrong order: `{show(sub)}` should be "
                       f"`{show(new)}`"), _replace(node, path, new)
        if isinstance(sub, Add):
            for k, (sign, n) in enumerate(sub.terms):
                terms = list(sub.terms)
                terms[k] = (-sign, n)
                new = Add(tuple(terms))
                yield f"the sign of `{show(n)}` (`{show(sub)}` should be `{show(new)}`)", \
                    _replace(node, path, new)


def _kids(node) -> list:
    if isinstance(node, T | Norm2):
        return [node.arg]
    if isinstance(node, Mul):
        return list(node.args)
    if isinstance(node, Had):
        return [node.left, node.right]
    if isinstance(node, Add):
        return [n for _s, n in node.terms]
    return []


def _nodes(node, path):
    yield path, node
    for k, child in enumerate(_kids(node)):
        yield from _nodes(child, (*path, k))


def _replace(node, path, new):
    if not path:
        return new
    k, rest = path[0], path[1:]
    if isinstance(node, T):
        return T(_replace(node.arg, rest, new), node.pos)
    if isinstance(node, Norm2):
        return Norm2(_replace(node.arg, rest, new))
    if isinstance(node, Mul):
        args = list(node.args)
        args[k] = _replace(args[k], rest, new)
        return Mul(tuple(args))
    if isinstance(node, Had):
        return Had(_replace(node.left, rest, new), node.right) if k == 0 else \
            Had(node.left, _replace(node.right, rest, new))
    terms = list(node.terms)
    terms[k] = (terms[k][0], _replace(terms[k][1], rest, new))
    return Add(tuple(terms))


__all__ = ["NotRead", "Shapes", "evaluate", "repairs", "show", "sizes_for"]
