"""Standalone objectives in matrix form and their gradients, each checked by differentiating
the objective's own definition (`F(A; s) = \\lVert As - x \\rVert_2^2 + ...`, then
`\\nabla_s F = 2A^T(As - x)`), in variables of its own, at concrete sizes that are all
different (a missing transpose or a product in the wrong order does not fit there).

The sizes come from unifying the products and sums of the definition and the claim; the
objective itself is a number. The derived side is SymPy's derivative of the objective by each
entry of the variable, in the variable's shape; each step is compared with it at random
rational points, exactly. A step that is refuted is searched for one edit (a transpose, the
order of two factors, a constant factor, a sign) that makes it hold.

A gradient whose variable the objective does not have, a gradient of an objective another
section defines, or a step written in another notation (a network's deltas) is not checked,
with the reason; a step after it is checked against the step before it."""

from __future__ import annotations

import random

import sympy

from derive.check.objscope import Found, Objective, Target, find, in_scope
from derive.check.objshapes import Mismatch, Shapes, evaluate, repairs, show, sizes_for
from derive.document import Document, Formula
from derive.numbers import import_symengine
from derive.results import Counterexample, Kind, Result, Status
from derive.vecparse.objectives import (
    Add,
    Had,
    Mul,
    Norm2,
    NotRead,
    Row,
    T,
    Var,
    gradient_of,
    parse,
)

POINTS = 3


def check(doc: Document, found: Found) -> list[Result]:
    """The results of the formulas `find` claimed, in document order."""
    out: list[Result] = []
    for f in doc.formulas:
        rs = found.claimed.get(f.number)
        if rs is None:
            continue
        own = next((o for o in found.objectives if o.formula is f), None)
        if own is not None:
            out.append(_definition(f, own))
            continue
        out += _gradient_rows(f, rs, in_scope(doc, found.objectives, f,
                                               gradient_of(rs[0].lhs)))
    return out



def _definition(f: Formula, obj: Objective) -> Result:
    try:
        dims = sizes_for([obj.tree], scalar=obj.tree)
        shown = ", ".join(f"{v} {r}×{c}" for v, (r, c) in sorted(dims.vars.items()))
    except NotRead:
        shown = ""
    return Result(
        file=f.file, line=obj.row.line, col=obj.row.col, latex=obj.row.latex,
        kind=Kind.DEFINITION, status=Status.DEFINITION,
        message=(f"taken as the definition of the objective {obj.name}, in variables of its "
                 f"own (read as matrices, checked at sizes {shown}; a squared norm is the sum "
                 "of the squares of the entries): its gradients are checked against it"),
        section=f.section, formula=f.number)


def _gradient_rows(f: Formula, rs: list[Row], obj: Target | str) -> list[Result]:
    out: list[Result] = []
    chain: list[tuple[Row, int, tuple]] = []  # (row, step number, the step's tokens)
    for r in rs:
        if r.lhs:
            chain.append((r, 0, r.lhs))
        for s in r.steps:
            chain.append((r, len([c for c in chain if c[1]]) + 1, s))
    steps = [c for c in chain if c[1]]
    previous = None  # the tree of the step before, when read
    for r, k, toks in steps:
        try:
            tree = parse(toks)
        except NotRead as err:
            tree = None
            reason = _unread(toks, err)
        if tree is None:
            out.append(_result(f, r, k, len(steps), Status.UNCHECKED, reason, toks))
        elif isinstance(obj, Target):
            out.append(_against(f, r, k, len(steps), obj, tree, toks))
        elif previous is not None:
            out.append(_against_previous(f, r, k, len(steps), previous, tree, toks, obj))
        else:
            out.append(_result(f, r, k, len(steps), Status.UNCHECKED, obj, toks))
        previous = tree
    return out


def _latex(f: Formula, toks: tuple) -> str:
    return f.text[toks[0].start:toks[-1].end] if toks else ""


def _result(f: Formula, r: Row, k: int, n: int, status: Status, message: str, toks: tuple,
            **extra) -> Result:
    span = f.span(toks[0].start) if toks else None
    latex = (_latex(f, r.lhs) + " " if k <= 1 and r.lhs else "") + "= " + _latex(f, toks)
    return Result(file=f.file, line=span.line if span else r.line,
                  col=span.col if span else r.col, latex=latex,
                  kind=Kind.STEP if n > 1 else Kind.EQUATION, status=status, message=message,
                  section=f.section, formula=f.number, step=k if n > 1 else None, **extra)


def _unread(toks: tuple, err: NotRead) -> str:
    text = "".join(t.text for t in toks)
    if "\\nabla" in text:
        return ("a sum of gradients, written with the gradients themselves (the text adds "
                "the gradients of one variable's instances): not checked")
    if "^{(" in text or "_{(" in text:
        return (f"written in the notation of the network (layer tags: {err}), not in the "
                "objective's variables: not checked")
    return f"not read in matrix form ({err}): not checked"


def _against(f, r, k, n, target: Target, tree, toks) -> Result:
    obj = target.obj
    shapes = sizes_for([obj.tree], scalar=obj.tree)
    witness = _compare(shapes, target, tree)
    if witness is None:
        return _result(f, r, k, n, Status.VERIFIED, (
            f"equal to {target.label} derived from the definition at line "
            f"{obj.formula.line} (sizes {shapes.shown()}, {POINTS} random points, exact)"),
            toks, derivation=f"the derivative of {obj.name} by each entry, SymPy")
    return _refuted(f, r, k, n, target, tree, toks, shapes, witness)


def _points(shapes: Shapes, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(POINTS):
        values = {}
        for v, (rr, cc) in sorted(shapes.vars.items()):
            values[v] = sympy.Matrix(rr, cc, [sympy.Rational(rng.randint(-9, 9) or 1,
                                                             rng.randint(1, 4))
                                              for _ in range(rr * cc)])
        for s in sorted(shapes.scalars):
            values[s] = sympy.Rational(rng.randint(1, 9), rng.randint(1, 4))
        out.append(values)
    return out


_DERIVED: dict[tuple, sympy.Matrix] = {}


def _derived(obj: Objective, var: str, shapes: Shapes, values: dict,
             instance: str | None = None) -> sympy.Matrix:
    """The gradient of the objective by `var` (by one instance of it: "T" the occurrences
    written `var^T`, as a matrix of their own; "plain" the others), at the point (each
    computed once: the repairs and the factor search ask again at the same points)."""
    key = (obj.tree, var, instance, shapes.shown(),
           tuple(sorted((str(k), str(v)) for k, v in values.items())))
    if key not in _DERIVED:
        if len(_DERIVED) > 4096:
            _DERIVED.clear()
        _DERIVED[key] = _gradient(obj, var, shapes, values, instance)
    return _DERIVED[key]


def _gradient(obj: Objective, var: str, shapes: Shapes, values: dict,
              instance: str | None) -> sympy.Matrix:
    rr, cc = shapes.vars[var]
    if instance == "T":
        rr, cc = cc, rr
    tree = obj.tree if instance is None else _split(obj.tree, var, instance)
    name = var if instance is None else "@" + var
    at = values[var].T if instance == "T" else values[var]
    entries = sympy.Matrix(rr, cc, lambda i, j: sympy.Symbol(f"@{var}_{i}_{j}"))
    value = evaluate(tree, {**values, name: entries}, shapes)
    value = value[0, 0] if isinstance(value, sympy.MatrixBase) else value
    point = {entries[i, j]: at[i, j] for i in range(rr) for j in range(cc)}
    symengine = import_symengine()  # without NumPy on the cold path (derive.numbers)
    value = symengine.sympify(value)  # a SymPy expression (never formula text) in SymEngine
    at_point = {symengine.sympify(k): symengine.sympify(v) for k, v in point.items()}
    return sympy.Matrix(rr, cc, lambda i, j: value.diff(symengine.sympify(entries[i, j]))
                        .subs(at_point)._sympy_())


def _split(node, var: str, instance: str):
    """The tree with the occurrences of one instance of `var` renamed `@var`."""
    if isinstance(node, T) and isinstance(node.arg, Var) and node.arg.name == var:
        return Var("@" + var, node.pos) if instance == "T" else node
    if isinstance(node, Var) and node.name == var:
        return Var("@" + var, node.pos) if instance == "plain" else node
    if isinstance(node, T):
        return T(_split(node.arg, var, instance), node.pos)
    if isinstance(node, Norm2):
        return Norm2(_split(node.arg, var, instance))
    if isinstance(node, Mul):
        return Mul(tuple(_split(a, var, instance) for a in node.args))
    if isinstance(node, Had):
        return Had(_split(node.left, var, instance), _split(node.right, var, instance))
    if isinstance(node, Add):
        return Add(tuple((sg, _split(n, var, instance)) for sg, n in node.terms))
    return node


def _compare(shapes: Shapes, target: Target, tree) -> dict | None:
    """None when the tree equals the derived gradient at every point; else the witness."""
    for values in _points(shapes, 7):
        derived = _derived(target.obj, target.var, shapes, values, target.instance)
        try:
            written = evaluate(tree, values, shapes)
        except Mismatch as err:
            return {"values": values, "derived": derived, "written": None, "why": str(err)}
        if not isinstance(written, sympy.MatrixBase) or written.shape != derived.shape:
            return {"values": values, "derived": derived, "written": written,
                    "why": f"its value is {_size(written)}, the gradient {_size(derived)}"}
        if written != derived:
            return {"values": values, "derived": derived, "written": written, "why": ""}
    return None


def _size(m) -> str:
    return f"{m.rows}×{m.cols}" if isinstance(m, sympy.MatrixBase) else "a number"


def _factor(witness: dict, shapes: Shapes, target: Target, tree) -> str | None:
    """A constant factor the written side is off by, the same at every point."""
    ratio = None
    for values in [witness["values"], *_points(shapes, 13)]:
        derived = _derived(target.obj, target.var, shapes, values, target.instance)
        try:
            written = evaluate(tree, values, shapes)
        except Mismatch:
            return None
        if not isinstance(written, sympy.MatrixBase) or written.shape != derived.shape:
            return None
        for w, d in zip(written, derived):
            if d == 0 and w == 0:
                continue
            if d == 0 or ratio is not None and w / d != ratio:
                return None
            ratio = w / d
    if ratio is None or ratio == 1:
        return None
    if ratio == -1:
        return "the sign: the written side is the negative of the gradient"
    return f"a factor: the written side is {ratio} times the gradient"


def _refuted(f, r, k, n, target: Target, tree, toks, shapes, witness) -> Result:
    obj = target.obj
    edit = _factor(witness, shapes, target, tree) if witness["written"] is not None else None
    for name, variant in ([] if edit else repairs(tree)):
        if _compare(shapes, target, variant) is None:
            edit = name
            break
    derived, written, values = witness["derived"], witness["written"], witness["values"]
    cx = Counterexample(
        instance=f"sizes {shapes.shown()}", indices={},
        point={str(k2): str(v.tolist() if isinstance(v, sympy.MatrixBase) else v)
               for k2, v in sorted(values.items(), key=lambda kv: str(kv[0]))},
        lhs=str(derived.tolist()),
        rhs=str(written.tolist() if isinstance(written, sympy.MatrixBase) else
                "no value (its sizes do not fit)" if written is None else written))
    what = edit or ("no single edit (a transpose, the order of two factors, a factor, a "
                    "sign) makes it hold")
    fit = f"as written it does not fit at these sizes ({witness['why']}); " if witness["why"] \
        else ""
    return _result(f, r, k, n, Status.REFUTED, (
        f"not equal to {target.label}, {obj.name} = {show(obj.tree)} (line "
        f"{obj.formula.line}) differentiated, at sizes {shapes.shown()}: {fit}{what}"), toks,
        diagnosis=edit, counterexample=cx,
        derivation=f"the derivative of {obj.name} by each entry, SymPy",
        evidence=f"sizes {shapes.shown()}, exact rational points")


def _against_previous(f, r, k, n, previous, tree, toks, why: str) -> Result:
    try:
        shapes = sizes_for([previous, tree], same=True)
    except NotRead as err:
        return _result(f, r, k, n, Status.UNCHECKED, f"{why}; the sizes of this step and the "
                       f"one before it do not fit: {err}", toks)
    for values in _points(shapes, 11):
        try:
            a, b = evaluate(previous, values, shapes), evaluate(tree, values, shapes)
        except Mismatch as err:
            return _result(f, r, k, n, Status.UNCHECKED, f"{why}; the step before it or this "
                           f"step does not fit at sizes {shapes.shown()}: {err}", toks)
        if _size(a) != _size(b) or a != b:
            return _result(f, r, k, n, Status.REFUTED, (
                f"not equal to the step before it, at sizes {shapes.shown()} (the left side "
                f"is not checked: {why})"), toks, evidence=f"sizes {shapes.shown()}, exact "
                "rational points")
    return _result(f, r, k, n, Status.VERIFIED, (
        f"equal to the step before it (sizes {shapes.shown()}, {POINTS} random points, exact); "
        f"the left side is not checked: {why}"), toks)


__all__ = ["Found", "check", "find"]
