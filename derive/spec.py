"""The document's network definitions at the index level, for code generation.

`NetworkSpec` is what the model layer hands to the numeric trainer: the document's own
definitions (the forward pass, the activation g, the losses), written with layer-generic
`IndexedBase` objects. The trainer derives everything it runs from these by differentiation.

Index conventions (fixed, so generated code can rely on them):

    W[i, j]   weight from neuron j of a layer to neuron i of the next
    B[i]      bias of neuron i of the next layer
    A[j]      activation of neuron j of a layer (for a loss: of the output layer)
    Z[i]      pre-activation of neuron i of the next layer (for a loss: of the output layer)
    Y[j]      label j
    K         width of the layer the sum runs over;  N  width of the output layer
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import sympy

from derive.errors import InputError
from derive.expr import Call, Quantity, Vec, Width, to_latex
from derive.numbers import Unsupported
from derive.updates import PLAIN, UpdateRule, update_rule

I, J, Kd = sympy.symbols("i j k", integer=True, positive=True)  # noqa: E741 (the index i)
K = sympy.Symbol("K", integer=True, positive=True)
N = sympy.Symbol("N", integer=True, positive=True)
W = sympy.IndexedBase("W")
B = sympy.IndexedBase("B")
A = sympy.IndexedBase("A")
Z = sympy.IndexedBase("Z")
Y = sympy.IndexedBase("Y")
T = sympy.Symbol("t", real=True)


@dataclass(frozen=True)
class NetworkSpec:
    activation: sympy.Lambda  # g, from the document's `g(t) = ...`
    preactivation: sympy.Expr  # Z[i] in terms of B[i], W[i, j], A[j], summed over j = 1..K
    losses: tuple[tuple[str, sympy.Expr], ...]  # (name, loss of one sample in Y[j] and A[j])
    update: UpdateRule = PLAIN  # the document's update rule (plain gradient descent if none)

    def loss(self, name: str) -> sympy.Expr:
        for key, value in self.losses:
            if key == name:
                return value
        kind = "with a logarithm" if name == "ce" else "without a logarithm"
        have = ", ".join(key for key, _ in self.losses) or "none"
        raise SpecError(f"the document defines no {name} loss (a loss {kind}); it defines: {have}")


DEFAULT_FORMULAS = "formulas/backprop.md"


def default_formulas() -> str:
    """The shipped chapter: `formulas/backprop.md` in the current folder (a checkout), else the
    one beside the package (an editable install run from elsewhere)."""
    if Path(DEFAULT_FORMULAS).is_file():
        return DEFAULT_FORMULAS
    beside = Path(__file__).resolve().parent.parent / DEFAULT_FORMULAS
    if beside.is_file():
        return str(beside)
    raise InputError(f"no {DEFAULT_FORMULAS} here (the default formulas file); name one with "
                     "--formulas FILE")


class SpecError(InputError):
    """The document's definitions do not describe a layered network the trainer can run.

    Bad input, not a bug: the command line prints it as an error and exits 2.
    """


def load_spec(path: object = None) -> NetworkSpec:
    """The document's own definitions, read through the notation layer, at the index level.

    The forward pass (z from b, w and the previous a), the activation a = g(z), g itself, and
    every loss the document defines (each definition of the loss quantity, in order; one with a
    logarithm is the cross-entropy "ce", one without is "mse"), with predictions and softmax
    inlined from their definitions. Editing g(t) in the formulas file changes what is trained.

    A definition the tool cannot read is an `InputError` placed at it (the trainer would
    otherwise run a model without it, or report only the consequence, a missing loss); a
    document whose definitions do not make a network is a `SpecError` naming the file.
    """
    from derive.check import read_network

    where = str(path) if path else default_formulas()
    try:
        mode = os.stat(where).st_mode
    except FileNotFoundError:
        raise InputError(f"no such file: {where}") from None
    except OSError as exc:
        raise InputError(f"cannot read {where}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):  # a FIFO would block the read, /dev/zero never end it
        raise InputError(f"{where}: not a regular file; --formulas reads only regular files")
    errors = definition_errors(where)
    if errors:
        first = errors[0]
        if len(errors) > 1:
            more = f"{len(errors) - 1} more definition(s) cannot be read either"
            first.hint = f"{first.hint}; {more}" if first.hint else more
            first.hint += f" (`derive check {where}` lists every error)"
        raise first
    network = read_network(where)
    try:
        return spec_from_model(network.model, network.updates)
    except SpecError as exc:
        raise SpecError(f"{where}: cannot train from its definitions: {exc.message}",
                        exc.span, exc.hint) from None
    except (Unsupported, KeyError, StopIteration) as exc:
        raise SpecError(f"{where}: cannot train from its definitions: {exc}") from None


def definition_errors(path: str) -> list[InputError]:
    """The placed errors of the rows the document marks as definitions (file order).

    `collect_model` builds the model from the rows it can read and drops the others without a
    word, so the trainer reads the marked rows once more here to report what it could not use.
    Local formulas (generic functions, a model of their own) never reach the trainer.
    """
    from derive.document import read_document
    from derive.latex import RowError, Scope, parse_formula
    from derive.notation import notation_from_front

    doc = read_document(path)
    notation = notation_from_front(doc.front, doc.file)
    errors: list[InputError] = []
    for formula in doc.formulas:
        marked = formula.annotation.get("definitions")
        if marked is None or formula.annotation.get("local"):
            continue
        try:
            rows = parse_formula(formula, Scope(notation, formula))
        except InputError as err:
            errors.append(err.at(formula.span(0)))
            continue
        for row in rows:
            if isinstance(row, RowError) and (
                    marked == "all" or (isinstance(marked, list) and row.number in marked)):
                errors.append(row.error)
    return errors


def spec_from_model(model: object, updates: tuple = ()) -> NetworkSpec:  # type: ignore[type-arg]
    """The network of a built model, at the index level of the conventions above.

    The activation is the last definition a = g(z) whose z sums the a of the layer below; the
    pre-activation is z's last definition, and its structure gives the parameters their roles
    (the weight multiplies the activation below, the bias is added); every definition of the
    loss quantity is a loss ("ce" when it holds a logarithm, else "mse"; a later one of a
    kind replaces an earlier); `updates` (`Network.updates`) give the update rule.
    """
    from derive.latex import Index, Scalar, Size
    from derive.model import Evaluator, Instance

    defs = list(model.defs)  # type: ignore[attr-defined]
    notation = model.notation  # type: ignore[attr-defined]
    act = next((d for d in reversed(defs) if _links_layers(d, defs)), None)
    if act is None:
        raise SpecError("no activation definition of the form a = g(z)")
    z_of_act = _applied(act)
    assert z_of_act is not None
    a_name, z_name = act.lhs.name, z_of_act.name
    pre = _definition_of(defs, z_name)
    if pre is None:
        raise SpecError(f"no definition of the pre-activation {z_name}")
    ev = Evaluator(model, Instance(3, (2, 2, 2)), 0)  # type: ignore[arg-type]
    constants = _constants(defs)
    if isinstance(act.rhs, Call):
        g = ev.function(act.rhs.fname)
        if act.rhs.fname in ev.structure.generic_functions:  # no training on a stand-in
            raise SpecError(f"the activation {act.rhs.fname} is used but never defined")
        body = g.expr.xreplace({g.variables[0]: T})
        body = body.xreplace({s: constants[s.name] for s in body.free_symbols
                              if isinstance(s, Scalar) and s.name in constants})
        loose = sorted(str(s) for s in body.free_symbols if isinstance(s, Scalar) and s != T)
        if loose:
            raise SpecError(f"the activation holds the scalar {loose[0]}, which has no value "
                            f"here: give it one in the text, as in {loose[0]} = 1")
        activation = sympy.Lambda(T, body)
    else:
        activation = sympy.Lambda(T, _inline_activation(act.rhs, z_of_act, ev, constants))
    labels = next((n for n, s in notation.quantities.items()
                   if s.given and not s.parameter and not s.layers and len(s.shape) == 1), None)
    weight, bias = _parameter_roles(pre, a_name, notation)
    reader = _IndexLevel(defs, notation, ev, a_name, z_name, labels, Size(notation.layers),
                         weight, bias, constants)
    pre_free = [i for i in pre.lhs.indices if isinstance(i, Index)]
    preactivation = reader.convert(pre.rhs, pre_free)
    losses: list[tuple[str, sympy.Expr]] = []
    for d in defs:
        if isinstance(d.lhs, Quantity) and d.lhs.name == notation.loss:
            body = reader.convert(reader.inline(d.rhs), [])
            name = "ce" if body.has(sympy.log) else "mse"
            losses = [x for x in losses if x[0] != name] + [(name, body)]
    if not losses:
        raise SpecError(f"no definition of the loss {notation.loss} (mark one with "
                        "`<!-- derive: definitions = ... -->`)")
    rule = update_rule(updates, notation, defs, [n for n in (weight, bias) if n])
    return NetworkSpec(activation=activation, preactivation=preactivation, losses=tuple(losses),
                       update=rule)


def _parameter_roles(pre: object, a_name: str, notation: object) -> tuple[str, str | None]:
    """(the weight, the bias) of the pre-activation's definition z = Σ w a + b: the parameter
    that multiplies the activation of the layer below, and the one added (None without)."""
    quantities = notation.quantities  # type: ignore[attr-defined]
    rhs = pre.rhs  # type: ignore[attr-defined]

    def parameter(q: sympy.Basic) -> bool:
        return isinstance(q, Quantity) and q.name in quantities and quantities[q.name].parameter

    weights = {q.name for m in sympy.preorder_traversal(rhs) if isinstance(m, sympy.Mul)
               and any(isinstance(a, Quantity) and a.name == a_name for a in m.args)
               for q in m.args if parameter(q)}
    found = {q.name: q for q in sympy.preorder_traversal(rhs) if parameter(q)}
    biases = sorted(set(found) - weights)
    if len(weights) != 1 or len(biases) > 1:
        raise SpecError(f"the pre-activation {to_latex(pre.lhs)} = {to_latex(rhs)} "  # type: ignore[attr-defined]
                        "is not one weight times the activation below plus a bias")
    (weight,) = weights
    bias = biases[0] if biases else None
    if len(found[weight].indices) != 2 or (bias and len(found[bias].indices) != 1):
        raise SpecError(f"the weight {weight} must take two indices and the bias one (a "
                        "layer's units), as in z_i = \\sum_j w_{ij} a_j + b_i")
    return weight, bias


def _applied(d: object) -> Quantity | None:
    """z when the definition is a = g(z), or a = an expression of z alone written inline
    (`h = \\max(0, s)`, a `cases` block, a function known by name such as σ)."""
    if not isinstance(d.lhs, Quantity):  # type: ignore[attr-defined]
        return None
    rhs = d.rhs  # type: ignore[attr-defined]
    if isinstance(rhs, Call) and len(rhs.params) == 1 and isinstance(rhs.params[0], Quantity):
        return rhs.params[0]
    if isinstance(rhs, Call) or rhs.has(sympy.Sum):
        return None
    found = {x for x in sympy.preorder_traversal(rhs) if isinstance(x, Quantity)}
    if len(found) != 1:
        return None
    (z,) = found
    if z.name == d.lhs.name or z.indices != d.lhs.indices:  # type: ignore[attr-defined]
        return None
    return z


def _links_layers(d: object, defs: list) -> bool:  # type: ignore[type-arg]
    """a = g(z) where z's own definition sums the a of the layer below (z = b + Σ w a):
    not an alias such as ŷ = a^{(n)} or an output probability of a."""
    z = _applied(d)
    return z is not None and any(
        isinstance(p.lhs, Quantity) and p.lhs.name == z.name and p.rhs.has(sympy.Sum)
        and any(isinstance(x, Quantity) and x.name == d.lhs.name  # type: ignore[attr-defined]
                for x in sympy.preorder_traversal(p.rhs))
        for p in defs)


def _definition_of(defs: list, name: str) -> object | None:  # type: ignore[type-arg]
    """The last definition of the quantity `name`, or None."""
    return next((d for d in reversed(defs) if isinstance(d.lhs, Quantity)
                 and d.lhs.name == name), None)


class _IndexLevel:
    """The document's expressions rewritten in the index conventions of `NetworkSpec`: each
    quantity by its role (A, Z, Y, W, B), predictions and vector functions inlined."""

    def __init__(self, defs: list, notation: object,  # type: ignore[type-arg]
                 ev: object, a_name: str, z_name: str, labels: str | None,
                 layers: object, weight: str, bias: str | None,
                 constants: dict[str, sympy.Expr]) -> None:
        self.defs, self.notation, self.ev = defs, notation, ev
        self.a_name, self.z_name, self.labels, self.layers = a_name, z_name, labels, layers
        self.weight, self.bias, self.constants = weight, bias, constants

    def role(self, q: Quantity) -> sympy.IndexedBase:
        spec = self.notation.quantities.get(q.name)  # type: ignore[attr-defined]
        if q.name == self.a_name:
            return A
        if q.name == self.z_name:
            return Z
        if q.name == self.labels:
            return Y
        if q.name == self.weight:
            return W
        if q.name == self.bias:
            return B
        if spec is not None and spec.parameter:
            raise SpecError(f"the parameter {q.name} is neither the weight nor the bias of the "
                            "pre-activation")
        raise SpecError(f"{q.name} has no role in a layer's definition")

    def inline(self, e: sympy.Basic) -> sympy.Basic:
        """Replace predictions (ŷ) and vector functions (softmax) by their definitions."""
        for _ in range(8):
            e, quantities = self._inline_quantities(e)
            e, calls = self._inline_calls(e)
            if not (quantities or calls):
                return e
        raise SpecError("definitions refer to each other in a cycle")

    def _inline_quantities(self, e: sympy.Basic) -> tuple[sympy.Basic, bool]:
        quantities = self.notation.quantities  # type: ignore[attr-defined]
        changed = False
        for q in [x for x in sympy.preorder_traversal(e) if isinstance(x, Quantity)]:
            if q.name in (self.a_name, self.z_name, self.labels) or quantities.get(q.name, None) \
                    and quantities[q.name].parameter:
                continue
            d = _definition_of(self.defs, q.name)
            if d is None:
                raise SpecError(f"{q.name} is used but never defined")
            sub = dict(zip(d.lhs.indices, q.indices))  # type: ignore[attr-defined]
            e = e.xreplace({q: d.rhs.xreplace(sub)})  # type: ignore[attr-defined]
            changed = True
        return e, changed

    def _inline_calls(self, e: sympy.Basic) -> tuple[sympy.Basic, bool]:
        from derive.latex import Index

        changed = False
        for c in [x for x in sympy.preorder_traversal(e)
                  if isinstance(x, Call) and any(isinstance(p, Vec) for p in x.params)]:
            d = next((d for d in reversed(self.defs) if isinstance(d.lhs, Call)
                      and d.lhs.fname == c.fname), None)
            if d is None:
                raise SpecError(f"the function {c.fname} is used but never defined")
            formals: dict = {}  # type: ignore[type-arg]
            for formal, actual in zip(d.lhs.params, c.params):
                if isinstance(formal, Index):
                    formals[formal] = actual
            body = d.rhs.xreplace(formals)
            e = e.xreplace({c: body})
            changed = True
        return e, changed

    def convert(self, e: sympy.Basic, free: list) -> sympy.Expr:  # type: ignore[type-arg]
        """e with its free index (`free`, at most one) as I, its summation indices as J, k,
        p, ... in order of appearance, and every quantity, width and function resolved."""
        names = iter([J, Kd] + list(sympy.symbols("p q r s", integer=True, positive=True)))
        mapping: dict = {f: s for f, s in zip(free, [I])}  # type: ignore[type-arg]
        for s in sympy.preorder_traversal(e):
            if isinstance(s, sympy.Sum):
                for var, *_ in s.limits:
                    if var not in mapping:
                        mapping[var] = next(names)
        return self._convert(e, mapping)  # type: ignore[return-value]

    def _convert(self, x: sympy.Basic, mapping: dict) -> sympy.Basic:  # type: ignore[type-arg]
        from derive.latex import Index, Scalar

        if isinstance(x, Quantity):
            fixed = [i for i in x.indices if i not in mapping]
            if fixed:
                raise SpecError(f"{to_latex(x)} has the fixed index {to_latex(fixed[0])}: the "
                                "trainer runs a network whose layers are all written by one "
                                "definition with their own indices (z_i = b_i + Σ_j w_ij a_j), "
                                "not one whose layers or units are written one by one")
            return self.role(x)[tuple(mapping[i] for i in x.indices)]
        if isinstance(x, Width):
            return N if x.layer == self.layers else K
        if isinstance(x, Index):
            return mapping[x]
        if isinstance(x, Scalar):
            if x.name in self.constants:
                return self.constants[x.name]
            raise SpecError(f"the scalar {x} in a network definition has no value: give it one "
                            f"in the text, as in {x} = 1")
        if isinstance(x, Call):
            fn = self.ev.function(x.fname)  # type: ignore[attr-defined]
            return fn(*[self._convert(p, mapping) for p in x.params])
        if not x.args:
            return x
        return x.func(*[self._convert(a, mapping) for a in x.args])


def _constants(defs: list) -> dict[str, sympy.Expr]:  # type: ignore[type-arg]
    """The scalars the text gives a number (`\\alpha = 1`, `\\lambda = \\frac{1}{2}`): the
    last such definition of each, a rational or float the trainer can use."""
    from derive.latex import Scalar

    out: dict[str, sympy.Expr] = {}
    for d in defs:
        if isinstance(d.lhs, Scalar):
            value = d.rhs
            if value.is_number and value.is_real and value.is_finite:
                out[d.lhs.name] = value
            else:
                out.pop(d.lhs.name, None)  # a later definition that is not a number replaces it
    return out


def _inline_activation(rhs: sympy.Basic, z: sympy.Basic, ev: object,
                       constants: dict[str, sympy.Expr]) -> sympy.Expr:
    """The activation written inline, as an expression of T (its functions from the document,
    the text's numbers for its scalars)."""
    from derive.latex import Scalar

    def go(x: sympy.Basic) -> sympy.Basic:
        if x == z:
            return T
        if isinstance(x, Scalar):
            if x.name in constants:
                return constants[x.name]
            raise SpecError(f"the activation holds the scalar {x}, which has no value here: "
                            f"give it one in the text, as in {x} = 1")
        if isinstance(x, Call):
            fn = ev.function(x.fname)  # type: ignore[attr-defined]
            return fn(*[go(p) for p in x.params])
        if not x.args:
            return x
        return x.func(*[go(a) for a in x.args])

    return go(rhs)  # type: ignore[return-value]
