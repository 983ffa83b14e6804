"""Definition lookup: which definition of the document covers a node (or names a function), and
what the nodes it reads are; a node without one is an input, or unknown."""

from __future__ import annotations

import re
from collections.abc import Iterator

import sympy

from derive.expr import BatchProduct, BatchSum, Call, Quantity, Vec, as_basic
from derive.functions import BY_SPELLING
from derive.latex import Index, Scalar, Size
from derive.model.algebra import _SymPy
from derive.model.data import Def, Key, OutOfRange, key_latex, label_name
from derive.model.dispatch import ByType
from derive.model.points import random_function
from derive.numbers import Unsupported


class Lookup:
    """The model's definitions as they apply to grounded nodes (a mixin of `Evaluator`)."""

    def is_given(self, key: Key) -> bool:
        """Whether a node is an input of the model (once for each node of the instance)."""
        given = self.structure.given
        found = given.get(key)
        if found is None:
            found = given[key] = self._is_given(key)
        return found

    def _is_given(self, key: Key) -> bool:
        name, layer, _, _ = key
        spec = self.model.spec(name)
        if spec is None:
            return self.definition(key) is None
        if spec.given:  # x_0 = 1 (Bishop's bias input): that entry is defined, not given
            return not (0 in key[2] and self._entry_zero(key))
        if spec.given_layers and layer is not None:
            lo, hi = self.given_range(spec)
            return lo <= layer <= hi and not self._pinned(key)
        return False

    def _pinned(self, key: Key) -> bool:
        """Whether a definition names this key's exact layer (e.g. a^{(n)}_i = z^{(n)}_i)."""
        d = self.definition(key)
        return d is not None and isinstance(d[0].lhs, Quantity) and d[0].lhs.layer is not None \
            and not any(isinstance(s, Index) for s in d[0].lhs.layer.free_symbols)

    def _entry_zero(self, key: Key) -> bool:
        """Whether the definition in force at `key` is one of an entry 0 (`z_0 = 1`)."""
        d = self.definition(key)
        return d is not None and at_entry_zero(d[0].lhs)

    def definition(self, key: Key) -> tuple[Def, dict] | None:
        """The newest definition that covers `key`, with the index values that match it.
        A definition naming an exact layer wins over a layer-generic one."""
        if key in self.structure.definitions:
            return self.structure.definitions[key]
        name, layer, indices, _ = key
        found = self._entry_def(key) if 0 in indices else None
        for d in () if found else reversed(self.model.defs):
            lhs = d.lhs
            if isinstance(lhs, Quantity) and lhs.name == name:
                env = self._match(lhs, layer, indices)
                if env is not None:
                    exact = lhs.layer is not None and not any(
                        isinstance(s, Index) for s in lhs.layer.free_symbols)
                    if exact:
                        found = (d, env)
                        break
                    if found is None:
                        found = (d, env)
            elif isinstance(lhs, Scalar) and lhs.name == name and not indices and layer is None:
                found = found or (d, {})
        if found is None:
            found = self._generic_loss(key)
        else:
            found = self._generic_applied(key, *found) or found
        self.structure.definitions[key] = found
        return found

    def _entry_def(self, key: Key) -> tuple[Def, dict] | None:
        """The definition of this very entry 0 (`z_0 = 1`), which beats `z_j = h(a_j)`."""
        for d in reversed(self.model.defs):
            if at_entry_zero(d.lhs) and d.lhs.name == key[0]:
                env = self._match(d.lhs, key[1], key[2])
                if env is not None:
                    return d, env
        return None

    def _generic_applied(self, key: Key, d: Def, env: dict) -> tuple[Def, dict] | None:
        """`L = l(\\mathbf{o}, y)`, a function named by a letter and never defined applied to
        whole vectors: a loss the text never gives, a random smooth function of every entry of
        its vectors and of its other arguments, times the model's `loss_scale` (so that a
        claim that fails for it is refuted only if it fails for every loss, as for the loss
        the text never defines). None for a definition without such a call."""
        calls = [c for c in sympy.preorder_traversal(d.rhs) if isinstance(c, Call)
                 and any(isinstance(a, Vec) for a in c.params)]
        if not calls or self.model.local:
            return None
        subs = {}
        for call in calls:
            stand_in = self._stand_in_of_vectors(call, env)
            if stand_in is None:
                return None
            subs[call] = stand_in
        self.structure.generic_losses.add(key)
        self.structure.generic_applied[key] = ", ".join(sorted({c.fname for c in calls}))
        body = d.rhs.xreplace(subs)
        return Def(d.lhs, body, d.line, f"{d.latex}: a generic smooth loss"), env

    def _stand_in_of_vectors(self, call: Call, env: dict) -> sympy.Basic | None:
        """The generic smooth function of all the entries of a call's vectors (and its other
        arguments), scaled by `loss_scale`; None when the function is defined or no letter."""
        if (self._function_def(call.fname) is not None or not _a_letter(call.fname)
                or self.model.notation.functions.get(call.fname) != len(call.params)):
            return None
        nodes: list[sympy.Basic] = []
        for a in call.params:
            if not isinstance(a, Vec):
                nodes.append(a)
                continue
            spec = self.model.spec(a.name)
            if spec is None or len(spec.shape) != 1:
                return None
            layer = self.ground_int(a.layer, env) if a.layer is not None else None
            tag = (sympy.Integer(layer),) if layer is not None else ()
            nodes += [Quantity(a.name, tag, (sympy.Integer(k),))
                      for k in range(1, self.index_size(spec, 0, layer) + 1)]
        fn = random_function(f"{call.fname} of vectors", len(nodes), 0)
        return sympy.Integer(self.model.loss_scale) * fn(*nodes)

    def _generic_loss(self, key: Key) -> tuple[Def, dict] | None:
        """The loss the text differentiates but never defines (or defines in a form the tool
        could not read): a random smooth function of the output layer's activations and the
        labels, per sample, times the model's `loss_scale`. None when the key is no such loss or
        the output layer's activation cannot be told."""
        name, layer, indices, _ = key
        spec = self.model.spec(name)
        if (name != self.model.notation.loss or layer is not None or indices or spec is None
                or spec.given or spec.layers or spec.shape):
            return None
        output = self._output_quantity()
        if output is None:
            return None
        q, top = output
        nodes = [Quantity(q, (sympy.Integer(top),), (sympy.Integer(k),))
                 for k in range(1, self.width(top) + 1)] if self._indexed(q) else [
                     Quantity(q, (sympy.Integer(top),), ())]  # z^{l+1} = f(z^l): one unit
        labels = label_name(self.model)
        if labels is not None and labels != q:
            nodes += [Quantity(labels, (), (sympy.Integer(k),))
                      for k in range(1, self.instance.widths[-1] + 1)]
        fn = random_function(f"loss {name}", len(nodes), 0)
        rhs = sympy.Integer(self.model.loss_scale) * fn(*nodes)
        self.structure.generic_losses.add(key)
        return Def(Quantity(name), rhs, 0, f"{name}: a generic smooth loss"), {}

    def _output_quantity(self) -> tuple[str, int] | None:
        """The output layer's activation: of the quantities defined in the last layer with one
        index (not through the loss, as an error term is), the one no other of them reads
        there. None when there is not exactly one."""
        top = self.instance.layers
        loss = self.model.notation.loss
        keys = {}
        for q, spec in self.model.notation.quantities.items():
            if spec.given or not spec.layers or len(spec.shape) > 1 or q == loss:
                continue
            lo, hi = self.layer_range(spec)
            k = (q, top, (1,) if spec.shape else (), None)
            if not lo <= top <= hi or self.definition(k) is None or self.is_given(k):
                continue
            try:
                reads = self.reads(k)
            except (Unsupported, OutOfRange):
                continue
            if any(r[0] == loss for r in reads):
                continue
            keys[q] = reads
        read = {r[0] for reads in keys.values() for r in reads if r[1] == top}
        unread = [q for q in keys if q not in read]
        return (unread[0], top) if len(unread) == 1 else None

    def _indexed(self, q: str) -> bool:
        """Whether the layer quantity `q` has a neuron index (`a^l_j`), or is one value per
        layer (`z^{l+1} = f(z^l)`, a layer of one element-wise function)."""
        return bool(self.model.notation.quantities[q].shape)

    def _match(self, pattern: Quantity, layer: int | None, indices: tuple) -> dict | None:
        if pattern.indices and not indices:
            return None  # g'(z) beside z_j: the bare letter is the function's variable (the
            # key of a scalar named as the quantity), which no entry's definition covers
        env: dict[sympy.Symbol, int] = {}
        pairs = list(zip(pattern.indices, indices))
        if pattern.layer is not None:
            if layer is None:
                return None
            pairs.insert(0, (pattern.layer, layer))
        n = Size(self.model.notation.layers)
        for pat, val in pairs:
            pat = as_basic(pat).xreplace({n: sympy.Integer(self.instance.layers)})
            pat = pat.xreplace({k: sympy.Integer(v) for k, v in env.items()})
            syms = [s for s in pat.free_symbols if isinstance(s, Index)]
            if not syms:
                if pat != val:
                    return None
                continue
            if len(syms) > 1:
                return None
            rest = pat - syms[0]  # patterns are `l`, `l + 1`, `n - 1`: solve without sympy.solve
            if rest.free_symbols or not rest.is_Integer:
                return None
            env[syms[0]] = int(val - rest)
        return env

    def _undefined(self, key: Key) -> None:
        """A quantity the notation says is defined (not given) but that has no definition in
        force at this key: its value is unknown, never a made-up input."""
        spec = self.model.spec(key[0])
        scalar = key[1] is None and not key[2] and bool(spec and (spec.layers or spec.shape))
        if spec is not None and not spec.given and not self.model.local and not scalar:
            if key[0] == self.model.notation.loss and key[1] is None and not key[2]:
                raise Unsupported(
                    f"`{key_latex(key)}` has no definition the tool could read, and no output "
                    "layer's activation was read to stand a generic smooth loss on (the "
                    "forward pass of the last layer is not defined in the text as read)")
            raise Unsupported(f"`{key_latex(key)}` has no definition the tool could read")

    def depends(self, key: Key, target: Key) -> bool:
        """Whether `key` is downstream of `target` in the model's definitions: by the nodes
        upstream of `key` (found once for all targets), else by a walk for this target."""
        if key == target:
            return True
        upstream = self._upstream(key)
        if upstream is not None:
            return target in upstream
        memo = self.structure.depends.setdefault(target, {})
        if key in memo:
            return memo[key]
        memo[key] = False  # a cycle reads as independent
        res = any(self.depends(k, target) for k in self.reads(key))
        memo[key] = res
        return res

    def _upstream(self, key: Key) -> frozenset | None:
        """Every node `key`'s definitions read, directly or not; None where that cannot be
        told by a complete walk (a cycle, or a node whose reads raise: the walk for one target
        decides then, as it stops at the first path it finds)."""
        memo = self.structure.upstream
        if key in memo:
            return memo[key]
        memo[key] = None  # met again inside its own walk: a cycle
        try:
            found: set = set()
            for k in self.reads(key):
                above = self._upstream(k)
                if above is None:
                    return None
                found.add(k)
                found |= above
        except (Unsupported, OutOfRange):
            return None
        memo[key] = out = frozenset(found)
        return out

    def reads(self, key: Key) -> tuple[Key, ...]:
        """The nodes a node's definition reads directly (none for an input)."""
        out = self.structure.reads.get(key)
        if out is None:
            out = ()
            if not self.is_given(key):
                found = self.definition(key)
                if found is not None:
                    d, env = found
                    out = tuple(dict.fromkeys(self.keys_of(d.rhs, env, key[3])))
                else:  # what it reads is unknown, so whether it depends on anything is too
                    self._undefined(key)
            self.structure.reads[key] = out
        return out

    def keys_of(self, expr: sympy.Basic, env: dict, sample: int | None) -> Iterator[Key]:
        """Every node an expression reads, with its indices grounded (sums enumerated): by the
        handler of each node type in `READS` (the subtrees of every node are visited too)."""
        # a limit's variable is bound by it (`h` in \\lim_{h \\to 0}): no node of the model
        bound = ({lim.args[1] for lim in expr.atoms(sympy.Limit)} - expr.free_symbols
                 if expr.has(sympy.Limit) else set())
        for node in sympy.preorder_traversal(expr):
            if node in bound:
                continue
            handler = READS.find(type(node))
            if handler is not None:
                yield from handler(self, node, env, sample)

    # -- one handler per node type that reads nodes (the table `READS` below) -----------------

    def _reads_quantity(self, node: Quantity, env: dict, sample: int | None) -> Iterator[Key]:
        for e in self._envs(node, env):
            try:
                yield self._key(node, e, sample)
            except (OutOfRange, Unsupported):
                continue

    def _reads_scalar(self, node: Scalar, env: dict, sample: int | None) -> Iterator[Key]:
        if node not in env:
            yield (node.name, None, (), None if self._is_parameter(node.name) else sample)

    def _reads_call(self, node: Call, env: dict, sample: int | None) -> Iterator[Key]:
        """The text's scalars the function's body reads (`\\alpha z` for z <= 0)."""
        if self._function_def(node.fname) is None:  # a stand-in or a local function: none
            return
        try:
            fn = self.function(node.fname)
        except (Unsupported, OutOfRange):
            return
        for s in sorted(fn.expr.free_symbols, key=str):
            if isinstance(s, Scalar):
                try:
                    yield self.body_scalar_key(s.name, (node.params, env), sample)
                except (OutOfRange, Unsupported):
                    continue

    def _reads_vec(self, node: Vec, env: dict, sample: int | None) -> Iterator[Key]:
        layer = self.ground_int(node.layer, env) if node.layer is not None else None
        spec = self.model.spec(node.name)
        if layer is None and spec is not None and len(spec.shape) == 1 and not spec.layers:
            size = self.index_size(spec, 0, None)  # o of C_3 in a network of letters
        else:
            size = self.width(layer) if layer else self.instance.widths[-1]
        for k in range(1, size + 1):
            yield (node.name, layer, (k,), sample)

    def _reads_batch_sum(self, node: BatchSum, env: dict, sample: int | None) -> Iterator[Key]:
        for s in range(1, self.instance.batch + 1):
            yield from self.keys_of(node.body, env, s)

    def _function_def(self, name: str) -> Def | None:
        return next((d for d in reversed(self.model.defs)
                     if isinstance(d.lhs, Call) and d.lhs.fname == name), None)

    def function(self, name: str) -> sympy.Lambda:
        fn = self.structure.functions.get(name)
        if fn is not None:
            return fn
        local = dict(self.model.functions)
        if name in local and self.generic:
            xs = sympy.symbols(f"s0:{local[name]}")
            fn = sympy.Lambda(xs, sympy.Function(name.replace("\\", ""))(*xs))
        elif name in local:
            fn = random_function(name, local[name], 0)
        else:
            d = self._function_def(name)
            if d is None:
                fn = self._generic_function(name)
                self.structure.functions[name] = fn
                return fn
            params = d.lhs.params
            if not all(isinstance(p, Scalar) for p in params):
                raise Unsupported(f"`{name}` takes a vector: applied where it is used")
            xs = tuple(sympy.Symbol(p.name, real=True) for p in params)
            body = self._eval(d.rhs, dict(zip(params, xs)), None, _SymPy(self))
            fn = sympy.Lambda(xs, body)
        self.structure.functions[name] = fn
        return fn

    def _generic_function(self, name: str) -> sympy.Lambda:
        """A function the notation declares and the text never defines (`a = f(z)`, no
        `f(t) = ...`): a random smooth stand-in, the same at every use, so what holds for every
        smooth f is checked. Functions the registry knows by name never come here: the parser
        reads them as themselves."""
        arity = self.model.notation.functions.get(name)
        if arity is None or self.model.local or not _a_letter(name):
            raise Unsupported(f"function `{name}` is used but never defined")
        self.structure.generic_functions.add(name)
        return random_function(name, arity, 0)

    def prime(self, name: str) -> tuple[sympy.Symbol, sympy.Expr]:
        """g' by sympy.diff of g's definition."""
        if name not in self.structure.primes:
            fn = self.function(name)
            if len(fn.variables) != 1:
                raise Unsupported(f"`{name}'` of a function of several arguments")
            t = sympy.Symbol("t_prime", real=True)
            self.structure.primes[name] = (t, sympy.diff(fn(t), t))
        return self.structure.primes[name]


def at_entry_zero(lhs: sympy.Basic) -> bool:
    """A definition of one entry 0 of a quantity (Bishop's `x_0 = 1`, `z_0 = 1`: an index
    that starts at 0, `from_zero`), its indices all numbers."""
    return isinstance(lhs, Quantity) and sympy.Integer(0) in lhs.indices and not any(
        isinstance(s, Index) for i in lhs.indices for s in as_basic(i).free_symbols)


def _a_letter(name: str) -> bool:
    """A function named by a letter (f, g, h, \\phi) stands for any function; a word
    (\\mathrm{softmax}) or a name the registry knows means that function."""
    return name not in BY_SPELLING and re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", name) is not None


# The nodes each node type reads, for `Lookup.keys_of`: one place to add a node type.
READS = ByType({
    Quantity: Lookup._reads_quantity,
    Scalar: Lookup._reads_scalar,
    Call: Lookup._reads_call,
    Vec: Lookup._reads_vec,
    BatchSum: Lookup._reads_batch_sum,
    BatchProduct: Lookup._reads_batch_sum,
})
