"""From the document's definitions to NumPy code: differentiate, vectorise, lambdify.

Three stages, each a pure function of the one before, each a module of this package:

1. `derivation.derive(spec, model)` differentiates the document's index-level definitions
   (`NetworkSpec`) with `sympy.diff`, once per layer *shape* (layer-generic IndexedBase
   expressions), never once per weight.
2. `vectorise.templates(spec, model)` turns those index expressions into array expressions over
   plain Symbols that stand for NumPy arrays (rows = samples of the batch, columns = units of
   the layer); the contractions and reductions the Sums describe become the small opaque
   functions of `primitives.py` (`Dot`, `Tr`, `RowSum`, `BatchSum`, `RowMax`, ...). Nothing is
   looped over neurons or samples, so network size never grows an expression.
3. `compose.network_programs(...)` composes the layer-generic array formulas into straight-line
   programs for a network of a given depth (forward, output error, the backward recursion, the
   document's update w <- w - (alpha/m) sum_x delta a), and `program.lambdify_program` hands
   each to `sympy.lambdify` through its `cse` hook, so one Python call runs a whole training
   step (`inplace.py` prints the trainer's `update` into buffers it owns). Before lambdify,
   every free symbol must be one of our own argument or temporary symbols and every function
   must be on an allowlist: lambdify prints names into source code and execs it.

`compile_network` (here) runs the three stages under one time budget, once per depth.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from derive.numeric.codegen.compose import mirrored_layout, network_programs, update_layout
from derive.numeric.codegen.derivation import (
    MODELS,
    Derivation,
    ModelKind,
    _activation_facts,
    derive,
)
from derive.numeric.codegen.errors import (
    BudgetExceeded,
    CodegenError,
    TranslationError,
    UnsafeExpressionError,
    deadline,
)
from derive.numeric.codegen.negated import negated_layout
from derive.numeric.codegen.primitives import (
    ARRAY_FUNCTIONS,
    BatchSum,
    Descend,
    Dot,
    Maximum,
    Minimum,
    OnesPerSample,
    RowMax,
    RowSum,
    ShapedLike,
    Step,
    Tr,
    Where,
)
from derive.numeric.codegen.program import Program, lambdify_program, prepare_program
from derive.numeric.codegen.vectorise import LayerTemplates, templates
from derive.spec import NetworkSpec
from derive.updates import PLAIN, UpdateRule

# The whole derivation and generation of one network: the chapter's takes about 1 s; a loss
# such as (sum_j (y_j - a_j)^2)^100 makes sympy.expand run for hours. (The budget of each
# optional rewrite is `derivation.REWRITE_SECONDS`.)
CODEGEN_SECONDS = 60.0
# From this many samples a step, the trainer runs `update_wide` (see compose._weights_mirrored).
WIDE_BATCH = 128

__all__ = [
    "ARRAY_FUNCTIONS",
    "MODELS",
    "BatchSum",
    "CodegenError",
    "CompiledNetwork",
    "Derivation",
    "Descend",
    "Dot",
    "LayerTemplates",
    "Maximum",
    "Minimum",
    "ModelKind",
    "OnesPerSample",
    "Program",
    "RowMax",
    "RowSum",
    "ShapedLike",
    "Step",
    "Tr",
    "TranslationError",
    "UnsafeExpressionError",
    "WIDE_BATCH",
    "Where",
    "clear_caches",
    "compile_network",
    "derive",
    "lambdify_program",
    "network_programs",
    "prepare_program",
    "templates",
]


@dataclass(frozen=True)
class CompiledNetwork:
    """Generated functions for a network of a given depth (any widths: arrays carry the sizes).

    step(x, y, c, W1, b1, ..., Wn, bn) -> (W1', b1', ...), c = step_size(lr, batch size)
    update(hold_inputs(x), y, c, *hold(params)) -> the numbers of step (to rounding),
        written in place into the held arrays (`release` gives W1, b1, ... back): the first
        weight held transposed, V1 = W1.T, or fused with its bias, P1 = [W1.T; b1], with x
        given a column of ones; g as the document writes it (see trainer.run_epoch)
    gradients(x, y, W1, b1, ...) -> (dW1, db1, ...), sums over the batch of dL/dparameter
    update_wide(hold_inputs(x), y, c, *hold(params, wide=True)): `update` with the weights
        in `mirrored` held twice, as they are and transposed (`updater` says which to run)
    evaluate(x, y, W1, b1, ...) -> (output, loss per sample (m, 1))
    forward(x, W1, b1, ...) -> (output,)
    """

    model: ModelKind
    depth: int
    step: Callable[..., tuple[np.ndarray, ...]]
    update: Callable[..., tuple[np.ndarray, ...]]
    gradients: Callable[..., tuple[np.ndarray, ...]]
    evaluate: Callable[..., tuple[np.ndarray, ...]]
    forward: Callable[..., tuple[np.ndarray, ...]]
    sources: tuple[tuple[str, str], ...]  # (function name, generated source) for inspection
    seconds: float  # time to derive and generate
    transposed: tuple[int, ...] = ()  # parameters `update` takes transposed (Vk = Wk.T)
    fused_bias: bool = False  # `update` takes P1 = [W1.T; b1] and x with a column of ones
    update_rule: UpdateRule = PLAIN  # the document's: c = update_rule.step_size(lr, m)
    update_wide: Callable[..., tuple[np.ndarray, ...]] | None = None
    mirrored: tuple[int, ...] = ()  # held positions update_wide also takes transposed
    # the positions, among what `update` (and `update_wide`) take, of the parameters they
    # take negated (codegen.negated: -z from the product itself, for a g that reads only -z)
    negated: tuple[int, ...] = ()
    negated_wide: tuple[int, ...] = ()

    def step_size(self, lr: float, batch: int) -> float:
        """c of `step` and `update` for a minibatch of `batch` samples: the document's factor
        of the summed gradient (alpha/m in the chapter's w <- w - (alpha/m) sum_x ...)."""
        return self.update_rule.step_size(lr, batch)

    def updater(self, batch: int) -> tuple[Callable[..., tuple[np.ndarray, ...]], bool]:
        """The in-place update for steps of `batch` samples, and whether it is `update_wide`
        (to pass as `wide` to `hold` and `release`)."""
        if self.update_wide is not None and batch >= WIDE_BATCH:
            return self.update_wide, True
        return self.update, False

    def hold(self, params: Sequence[np.ndarray], wide: bool = False) -> tuple[np.ndarray, ...]:
        """New arrays holding `params` (W1, b1, W2, ...) as `update` (or `update_wide`)
        takes them."""
        held = [np.ascontiguousarray(p.T) if n in self.transposed else p.copy()
                for n, p in enumerate(params)]
        if self.fused_bias:
            held[0:2] = [np.vstack([held[0], held[1]])]
        if wide:
            for n in reversed(self.mirrored):
                held.insert(n + 1, np.ascontiguousarray(held[n].T))
        for n in self.negated_wide if wide else self.negated:
            held[n] = np.negative(held[n])  # a new array: hold never writes into `params`
        return tuple(held)

    def release(self, held: Sequence[np.ndarray], wide: bool = False
                ) -> tuple[np.ndarray, ...]:
        """The parameters W1, b1, W2, ... (new arrays) from what `hold` made."""
        negated = self.negated_wide if wide else self.negated
        params = [np.negative(p) if n in negated else p for n, p in enumerate(held)]
        if wide:  # the copy of the k-th mirrored weight, after k other copies
            for k in reversed(range(len(self.mirrored))):
                del params[self.mirrored[k] + k + 1]
        if self.fused_bias:
            params[0:1] = [params[0][:-1], params[0][-1].copy()]
        return tuple(np.ascontiguousarray(p.T) if n in self.transposed else p
                     for n, p in enumerate(params))

    def hold_inputs(self, x: np.ndarray) -> np.ndarray:
        """The inputs as `update` takes them: with a column of ones when the bias is fused."""
        if not self.fused_bias:
            return x
        out = np.empty((len(x), x.shape[1] + 1))
        out[:, :-1] = x
        out[:, -1] = 1.0
        return out


@functools.lru_cache(maxsize=32)
def _compile_cached(spec: NetworkSpec, model_name: str, depth: int) -> CompiledNetwork:
    start = time.perf_counter()
    model = MODELS[model_name]
    tpl = templates(spec, model_name)
    programs = network_programs(tpl, model, depth)
    functions = {name: lambdify_program(program, name, in_place=name.startswith("update"))
                 for name, program in programs.items() if name != "scaled_step"}
    seconds = time.perf_counter() - start
    sources = tuple((name, inspect.getsource(fn)) for name, fn in functions.items())
    transposed, fused = update_layout(programs["update"])
    wide = programs.get("update_wide")
    mirrored = mirrored_layout(wide) if wide is not None else ()
    return CompiledNetwork(model=model, depth=depth, sources=sources, seconds=seconds,
                           transposed=transposed, fused_bias=fused, update_rule=spec.update,
                           mirrored=mirrored, negated=negated_layout(programs["update"]),
                           negated_wide=negated_layout(wide) if wide is not None else (),
                           **functions)


def compile_network(spec: NetworkSpec, model_name: str, layers: Sequence[int]) -> CompiledNetwork:
    """Generated code for the network with the given layer widths (input first)."""
    if model_name not in MODELS:
        raise CodegenError(f"unknown model {model_name!r}; choose from {', '.join(MODELS)}")
    if len(layers) < 2 or any(int(n) < 1 for n in layers):
        raise CodegenError("a network needs at least two layers of positive width")
    try:
        with deadline(CODEGEN_SECONDS):
            return _compile_cached(spec, model_name, len(layers) - 1)
    except BudgetExceeded:
        raise CodegenError(f"deriving the {model_name} code ran past its time budget "
                           f"({CODEGEN_SECONDS:g} s): the definitions are too large for the "
                           "generator") from None


def clear_caches() -> None:
    """Forget every derivation and generated network (the benchmark times a cold generation)."""
    for fn in (_activation_facts, derive, templates, _compile_cached):
        fn.cache_clear()
