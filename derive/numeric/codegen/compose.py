"""Stage 3: one network's straight-line programs (step, update, gradients, ...) from the templates.

The layer-generic array formulas composed for a network of a given depth: forward, output
error, the backward recursion, the document's update w <- w - (alpha/m) sum_x delta a; and the
trainer's in-place `update`, with the first weight held transposed and fused with its bias.
"""

from __future__ import annotations

import sympy as sp

from derive.numeric.codegen.derivation import ModelKind
from derive.numeric.codegen.negated import PREFIX, negated_forward
from derive.numeric.codegen.primitives import (
    BatchSum,
    Descend,
    Dot,
    OnesPerSample,
    RowMax,
    ShapedLike,
    Tr,
)
from derive.numeric.codegen.program import Program
from derive.numeric.codegen.vectorise import LayerTemplates, Slot


def network_programs(tpl: LayerTemplates, model: ModelKind, depth: int, *,
                     negate: bool = True) -> dict[str, Program]:
    """The programs of a network of `depth` layers: "step" (the document's update, pure),
    "update" (the same update in place, weights held transposed and the first bias fused,
    the parameters of a pre-activation read only negated held negated, `negated.py`),
    "update_wide" (`update` with every weight used both ways held twice, see
    `_weights_mirrored`; only when there is one), "gradients", "evaluate", "forward", and
    "scaled_step" when the deltas are linear (the step with c scaling each sample's delta,
    for the JAX epoch). See `CompiledNetwork`. `negate=False`: the updates without the
    negated parameters (to compare with)."""
    x, y, c = sp.symbols("x y c", real=True)
    params: list[sp.Symbol] = []
    for layer in range(1, depth + 1):
        params += sp.symbols(f"W{layer} b{layer}", real=True)
    a = [x]
    z: list[sp.Symbol | None] = [None]
    forward: list[tuple[sp.Symbol, sp.Expr]] = []
    plain_forward: list[tuple[sp.Symbol, sp.Expr]] = []  # g as written (the update's)
    for layer in range(1, depth + 1):
        w, b = params[2 * layer - 2 : 2 * layer]
        z_l, a_l = sp.symbols(f"z{layer} a{layer}", real=True)
        for out in (forward, plain_forward):
            out.append((z_l, tpl.preactivation.xreplace(
                {Slot.a_prev: a[-1], Slot.w: w, Slot.b: b})))
        z.append(z_l)
        if layer < depth or model.output_activation:
            forward.append((a_l, tpl.activation.xreplace({Slot.z: z_l})))
            plain_forward.append((a_l, tpl.plain_activation.xreplace({Slot.z: z_l})))
            a.append(a_l)
        else:
            a.append(z_l)  # no activation on the output: the loss sees z
    out_subs = {Slot.z: z[-1], Slot.a: a[-1], Slot.y: y}
    head: list[tuple[sp.Symbol, sp.Expr]] = []
    if tpl.shift_invariant:
        zs = sp.Symbol(f"zs{depth}", real=True)
        head.append((zs, z[-1] - RowMax(z[-1])))
        out_subs[Slot.zs] = zs
    output_error = tpl.output_error.xreplace(out_subs)
    if not output_error.free_symbols & {z[-1], a[-1], y, *out_subs.values()}:
        output_error = ShapedLike(output_error, z[-1])  # a constant error: one per unit

    def recursion(top: sp.Symbol, name: str) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list]:
        """The backward recursion from the output layer's delta `top` down to layer 1."""
        steps: list[tuple[sp.Symbol, sp.Expr]] = []
        ds: list = [None] * (depth + 1)
        ds[depth] = top
        for layer in range(depth, 1, -1):
            d_prev = sp.Symbol(f"{name}{layer - 1}", real=True)
            steps.append((d_prev, tpl.backward.xreplace(
                {Slot.delta: ds[layer], Slot.w: params[2 * layer - 2], Slot.a_prev: a[layer - 1],
                 Slot.z_prev: z[layer - 1]})))
            ds[layer - 1] = d_prev
        return steps, ds

    def gradients(ds: list) -> list[sp.Expr]:
        out: list[sp.Expr] = []
        for layer in range(1, depth + 1):
            subs = {Slot.delta: ds[layer], Slot.a_prev: a[layer - 1]}
            out += [tpl.grad_w.xreplace(subs), tpl.grad_b.xreplace(subs)]
        return out

    top = sp.Symbol(f"d{depth}", real=True)
    steps, deltas = recursion(top, "d")
    backward = [(top, output_error), *steps]
    grads = gradients(deltas)
    # The document's update: w <- w - (alpha/m) sum_x delta a, with c = alpha/m.
    updated = tuple(param - c * grad for param, grad in zip(params, grads))
    # The same update in place. When the recursion and the gradients are linear in delta
    # (checked on the templates), c * sum_x delta a = sum_x (c delta) a, and scaling the output
    # layer's delta once scales every delta below it: one operation on the smallest array
    # instead of two per layer, and no new parameter arrays.
    if (_linear_in(tpl.backward, Slot.delta) and _linear_in(tpl.grad_w, Slot.delta)
            and _linear_in(tpl.grad_b, Slot.delta)):
        scaled_top = sp.Symbol(f"e{depth}", real=True)
        steps, scaled = recursion(scaled_top, "e")
        ones = sp.Symbol("ones", real=True)
        update_body = [(top, output_error), (scaled_top, c * top), *steps,
                       (ones, OnesPerSample(x))]
        # The sums over the batch as products with one vector of ones (the same sums).
        changes = [change.replace(lambda e: isinstance(e, BatchSum),
                                  lambda e: Dot(ones, e.args[0]))
                   for change in gradients(scaled)]
        # The same update with c scaling each sample's delta: c may be a column (m, 1), a
        # rate per sample (the JAX epoch gives padding rows c = 0).
        scaled_step: Program | None = Program(
            (x, y, c, *params), tuple(forward + head + [(top, output_error),
                                                       (scaled_top, c * top), *steps]),
            tuple(param - change for param, change in zip(params, gradients(scaled))))
    else:
        update_body = backward
        changes = [c * grad for grad in grads]
        scaled_step = None
    in_place = tuple(Descend(param, change) for param, change in zip(params, changes))
    loss = tpl.loss.xreplace(out_subs)
    update = _first_bias_fused(_weights_transposed(
        Program((x, y, c, *params), tuple(plain_forward + head + update_body), in_place)))
    programs = {
        "step": Program((x, y, c, *params), tuple(forward + head + backward), updated),
        "update": update,
        "gradients": Program((x, y, *params), tuple(forward + head + backward), tuple(grads)),
        "evaluate": Program((x, y, *params), tuple(forward + head), (a[-1], loss)),
        "forward": Program((x, *params), tuple(forward), (a[-1],)),
    }
    wide = _weights_mirrored(update)
    if wide is not None:
        programs["update_wide"] = negated_forward(wide) if negate else wide
    if negate:
        programs["update"] = negated_forward(update)
    if scaled_step is not None:
        programs["scaled_step"] = scaled_step
    return programs


def _tr(e: sp.Expr) -> sp.Expr:
    """The transpose of an array expression, pushed through products: (AB)^T = B^T A^T."""
    if isinstance(e, Tr):
        return e.args[0]
    if isinstance(e, Dot):
        return Dot(_tr(e.args[1]), _tr(e.args[0]))
    return Tr(e)


def _bare(program: Program) -> set[sp.Basic]:
    """The symbols the program reads other than transposed (Tr(p) of an argument p) and other
    than as the parameter a Descend writes into."""
    params = program.args[3:]
    bare: set[sp.Basic] = set()
    for e in [*(e for _, e in program.assignments), *program.outputs]:
        hidden = e.replace(lambda n: isinstance(n, Tr) and n.args[0] in params,
                           lambda n: sp.Integer(0))
        hidden = hidden.replace(lambda n: isinstance(n, Descend), lambda n: n.args[1])
        bare |= hidden.free_symbols
    return bare


def _weights_transposed(program: Program) -> Program:
    """The program with every weight W held as its transpose V = W.T (C-contiguous).

    The forward products a @ W.T are then a @ V, which OpenBLAS runs 1.3-1.7x faster at these
    sizes (a transposed operand takes a slower path); the backward delta @ W becomes
    delta @ V.T and the update V -= (e.T @ a).T = a.T @ e. The same sums of products, in
    another order of the terms: equal to rounding.
    """
    x, y, c, *params = program.args
    # Only a weight that the step uses nowhere but transposed (the first layer's: the
    # backward recursion stops above it): at batch 32 the other products are as fast or
    # faster with W as it is (delta @ W against delta @ V.T); `_weights_mirrored` holds
    # those twice for the large batches.
    bare = _bare(program)
    weights = {w: sp.Symbol(f"V{n // 2 + 1}", real=True)
               for n, w in enumerate(params) if n % 2 == 0 and w not in bare}

    def swap(e: sp.Expr) -> sp.Expr:
        e = e.replace(lambda n: isinstance(n, Descend) and n.args[0] in weights,
                      lambda n: Descend(weights[n.args[0]], _tr(n.args[1])))
        e = e.replace(lambda n: isinstance(n, Tr) and n.args[0] in weights,
                      lambda n: weights[n.args[0]])
        return e.xreplace({w: Tr(v) for w, v in weights.items()})

    args = (x, y, c, *(weights.get(p, p) for p in params))
    return Program(args, tuple((t, swap(e)) for t, e in program.assignments),
                   tuple(swap(e) for e in program.outputs))


def _weights_mirrored(program: Program) -> Program | None:
    """`update` with every weight W that it reads both as it is and transposed also held as
    Wt = W.T (C-contiguous, the argument after W): the forward a @ W.T becomes a @ Wt, the
    backward delta @ W stays, and both copies take the same change G (one product):
    W -= G, Wt -= G.T, the same subtractions of the same numbers, so Wt stays W.T exactly.

    From 128 rows on, OpenBLAS leaves its small-matrix kernel for a @ W.T and runs it about
    2x slower than a @ Wt (8.4 against 4.6 us at 256 x 32 @ 32 x 10 here), while below that
    the second subtraction costs more than the product gains: the trainer uses this program
    from `WIDE_BATCH` samples on. None when no weight is read both ways.
    """
    x, y, c, *params = program.args
    bare = _bare(program)
    transposed = {n.args[0] for e in [*(e for _, e in program.assignments), *program.outputs]
                  for n in sp.preorder_traversal(e) if isinstance(n, Tr)}
    mirror = {w: sp.Symbol(f"{w.name}t", real=True) for w in params
              if w.name.startswith("W") and w in bare and w in transposed}
    if not mirror:
        return None

    def swap(e: sp.Expr) -> sp.Expr:
        return e.replace(lambda n: isinstance(n, Tr) and n.args[0] in mirror,
                         lambda n: mirror[n.args[0]])

    assignments = [(t, swap(e)) for t, e in program.assignments]
    outputs: list[sp.Expr] = []
    for out in program.outputs:
        target = out.args[0] if isinstance(out, Descend) else None
        if target not in mirror:
            outputs.append(swap(out))
            continue
        change = sp.Symbol(f"_g{target.name}", real=True)
        assignments.append((change, swap(out.args[1])))
        outputs += [Descend(target, change), Descend(mirror[target], Tr(change))]
    args = (x, y, c, *(q for p in params for q in ((p, mirror[p]) if p in mirror else (p,))))
    return Program(args, tuple(assignments), tuple(outputs))


def _first_bias_fused(program: Program) -> Program:
    """The first layer's bias folded into its weights: z1 = [x, 1] @ [V1; b1].

    The first layer's input is the data, so a column of ones can be appended once per epoch
    (the trainer does it, see `CompiledNetwork.hold_inputs`); the weights and the bias are then
    one matrix P1 = [W1.T; b1], the broadcast bias addition (as slow as the product at batch
    32) disappears, and the bias gradient ones @ e1 is the last row of the one product
    [x, 1].T @ e1. Applied only when the program has exactly that shape (z1 = b1 + x @ V1, the
    updates V1 -= x.T @ E and b1 -= ones @ E with the same E, x used nowhere else); otherwise
    the program is returned as it is.
    """
    x, y, c, *params = program.args
    if len(params) < 2 or params[0].name != "V1" or not program.outputs:
        return program
    v, b = params[0], params[1]
    target = b + Dot(x, v)
    hits = [n for n, (_, e) in enumerate(program.assignments) if e == target]
    ones = {t for t, e in program.assignments if e == OnesPerSample(x)}
    first, second, *rest = program.outputs
    if (len(hits) != 1 or not isinstance(first, Descend) or not isinstance(second, Descend)
            or first.args[0] != v or second.args[0] != b):
        return program
    change_v, change_b = first.args[1], second.args[1]
    if not (isinstance(change_v, Dot) and isinstance(change_b, Dot)
            and change_v.args[0] == Tr(x) and change_b.args[0] in ones
            and change_v.args[1] == change_b.args[1]):
        return program
    xa, fused = sp.Symbol("xa", real=True), sp.Symbol("P1", real=True)
    assignments = []
    for n, (t, e) in enumerate(program.assignments):
        if n == hits[0]:
            e = Dot(xa, fused)
        elif b in e.free_symbols or v in e.free_symbols:
            return program
        elif x in e.free_symbols:
            if e != OnesPerSample(x):
                return program
            e = OnesPerSample(xa)
        assignments.append((t, e))
    if any({x, v, b} & e.free_symbols for e in rest):
        return program
    outputs = (Descend(fused, Dot(Tr(xa), change_v.args[1])), *rest)
    return Program((xa, y, c, fused, *params[2:]), tuple(assignments), outputs)


def mirrored_layout(wide: Program) -> tuple[int, ...]:
    """The positions, among the parameters `update` takes, of the weights `update_wide` also
    takes transposed (each copy right after its weight)."""
    names = [p.name.removeprefix(PREFIX) for p in wide.args[3:]]
    copies = [n for n, name in enumerate(names) if n and name == names[n - 1] + "t"]
    return tuple(n - 1 - k for k, n in enumerate(copies))


def update_layout(program: Program) -> tuple[tuple[int, ...], bool]:
    """How `update` holds the parameters: the positions (among W1, b1, W2, ...) of the weights
    it takes transposed, and whether the first weight and bias are fused into P1."""
    names = [p.name.removeprefix(PREFIX) for p in program.args[3:]]
    if names and names[0] == "P1":
        return (0,), True
    return tuple(n for n, name in enumerate(names) if name.startswith("V")), False


def _linear_in(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    """True when expr is visibly linear in the array `symbol`: symbol itself, or a product
    with exactly one factor holding it, that factor being Dot/Tr/BatchSum of a linear
    expression (these are linear in each argument)."""
    if expr == symbol:
        return True
    if symbol not in expr.free_symbols:
        return False
    if isinstance(expr, sp.Mul):
        holding = [f for f in expr.args if symbol in f.free_symbols]
        return len(holding) == 1 and _linear_in(holding[0], symbol)
    if isinstance(expr, (Tr, BatchSum)):
        return _linear_in(expr.args[0], symbol)
    if isinstance(expr, Dot):
        holding = [f for f in expr.args if symbol in f.free_symbols]
        return len(holding) == 1 and _linear_in(holding[0], symbol)
    return False
