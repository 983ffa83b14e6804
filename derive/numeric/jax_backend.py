"""`--backend jax`: the same generated step, printed by lambdify's JAX printer, a whole epoch
compiled into one XLA function (`jax.lax.scan` over the minibatches).

Nothing here is written by hand about the network: the step program is the one
`codegen.network_programs` composes from the derivation (forward, output error, the backward
recursion, the document's update), and lambdify prints it for `jax.numpy` instead of NumPy.
JAX is optional (`pip install jax jaxlib`); importing this module without it raises
ImportError, which the commands turn into a usage error.

float64 throughout (`jax_enable_x64`), so the numbers match the NumPy backend to rounding.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

# One thread for XLA's CPU backend, like BLAS in the benchmark; must precede importing jax.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.scipy.special  # noqa: E402, F401 (erf, printed as jax.scipy.special.erf)
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from sympy.printing.numpy import JaxPrinter  # noqa: E402

from derive.numeric import codegen  # noqa: E402
from derive.spec import NetworkSpec  # noqa: E402
from derive.updates import PLAIN, UpdateRule  # noqa: E402

jax.config.update("jax_enable_x64", True)

__all__ = ["JaxNetwork", "compile_jax"]


class _Printer(JaxPrinter):
    """The array primitives (Dot, Tr, RowSum, ...) print as `@`, `.T` and `.sum(...)`, which
    jax arrays share with NumPy's (Dot is `numpy.dot` in NumPy code); elementwise functions print as jax.numpy calls."""


for _cls in codegen.ARRAY_FUNCTIONS:
    setattr(_Printer, f"_print_{_cls.__name__}",
            lambda self, expr: type(expr)._numpycode(expr, self))
# numpy.dot in NumPy code; jax arrays' own `@` here
_Printer._print_Dot = lambda self, expr: "({} @ {})".format(*map(self._print, expr.args))
# erf is SciPy's in NumPy code; JAX has its own
_Printer._print_Erf = lambda self, expr: f"jax.scipy.special.erf({self._print(expr.args[0])})"


class JaxNetwork:
    """A compiled epoch: `epoch(x, y, order, batch, lr, params) -> params` (new arrays).

    The data go to the device once (`x` and `y` are kept there while the same arrays are
    passed, as `trainer.EpochRunner` keeps its prepared inputs) and each epoch sends only its
    sample order: the batches are gathered inside the compiled epoch. Sending the gathered
    batches every epoch instead cost about as much as the epoch's steps at batch 256.

    With `per_sample` (the step scales each sample's delta by its own rate c, a column), the
    last, shorter batch is padded with zero rows whose rate is 0, and the whole epoch is
    one compiled scan; otherwise the last batch is one more compiled call (about as long as a
    whole scan step at batch 32). Compilation happens at the first epoch of each batch size.
    """

    def __init__(self, step: Callable[..., tuple], source: str, per_sample: bool = False,
                 rule: UpdateRule = PLAIN) -> None:
        self._step = step
        self.source = source
        self.rule = rule  # the document's update: c = rule.step_size(lr, batch size)
        self.per_sample = per_sample
        self._host: tuple[np.ndarray, np.ndarray] | None = None
        self._device: tuple = ()

        def scan_epoch(x, y, order, c, params):  # type: ignore[no-untyped-def]
            # order: (steps, batch) sample indices; c: a number, or (steps, batch, 1) rates.
            # One gather for the whole epoch (a gather inside each step is slower).
            steps, batch = order.shape
            rows = order.reshape(-1)
            # (a padding row's index is len(x): out of bounds, filled with zeros)
            xs = jnp.take(x, rows, axis=0, mode="fill", fill_value=0).reshape(steps, batch, -1)
            ys = jnp.take(y, rows, axis=0, mode="fill", fill_value=0).reshape(steps, batch, -1)

            def body(carry, batch):  # type: ignore[no-untyped-def]
                xb, yb, cb = batch
                return tuple(step(xb, yb, cb, *carry)), None

            cs = c if jnp.ndim(c) else jnp.broadcast_to(c, (steps,))
            params, _ = jax.lax.scan(body, tuple(params), (xs, ys, cs))
            return params

        self._scan = jax.jit(scan_epoch)
        self._one = jax.jit(lambda x, y, rows, c, params: tuple(
            step(jnp.take(x, rows, axis=0), jnp.take(y, rows, axis=0), c, *params)))

    def _on_device(self, x: np.ndarray, y: np.ndarray) -> tuple:
        if self._host is None or self._host[0] is not x or self._host[1] is not y:
            self._host, self._device = (x, y), (jax.device_put(x), jax.device_put(y))
        return self._device

    def epoch(self, x: np.ndarray, y: np.ndarray, order: np.ndarray, batch: int, lr: float,
              params: tuple) -> tuple:
        """One pass in the given order: the full batches in one compiled scan, then the last,
        shorter batch (if any) in one compiled step, each with c the document's step size for
        its size (`UpdateRule.step_size`: lr / m for the chapter's update)."""
        m = len(order)
        params = tuple(params)
        dx, dy = self._on_device(x, y)
        order = np.asarray(order, dtype=np.int64)
        if self.per_sample and m % batch:
            steps = -(-m // batch)
            rows = np.full(steps * batch, len(x), dtype=np.int64)  # padding: zero rows
            rows[:m] = order
            cs = np.zeros((steps * batch, 1))
            cs[: m - m % batch] = self.rule.step_size(lr, batch)
            cs[m - m % batch : m] = self.rule.step_size(lr, m % batch)
            return self._scan(dx, dy, rows.reshape(steps, batch),
                              cs.reshape(steps, batch, 1), params)
        full = (m // batch) * batch
        if full:
            params = self._scan(dx, dy, order[:full].reshape(full // batch, batch),
                                self.rule.step_size(lr, batch), params)
        if full < m:
            params = self._one(dx, dy, order[full:], self.rule.step_size(lr, m - full),
                               params)
        return params

    def run_epoch(self, x: np.ndarray, y: np.ndarray, order: np.ndarray, batch: int,
                  lr: float, params: tuple) -> tuple[np.ndarray, ...]:
        """`epoch`, finished (block_until_ready) and returned as NumPy arrays."""
        out = self.epoch(x, y, order, batch, lr, params)
        return tuple(np.asarray(jax.block_until_ready(p)) for p in out)


@functools.lru_cache(maxsize=16)
def _compile(spec: NetworkSpec, model_name: str, depth: int) -> JaxNetwork:
    tpl = codegen.templates(spec, model_name)
    programs = codegen.network_programs(tpl, codegen.MODELS[model_name], depth)
    per_sample = "scaled_step" in programs
    program = programs["scaled_step" if per_sample else "step"]
    program = codegen.prepare_program(program)
    fn = sp.lambdify(program.args, program.outputs,
                     modules=[{"numpy": jnp}, "jax"], printer=_Printer,
                     cse=lambda exprs: (list(program.assignments), exprs), docstring_limit=0)
    import inspect

    return JaxNetwork(fn, inspect.getsource(fn), per_sample, spec.update)


def compile_jax(spec: NetworkSpec, model_name: str, layers: tuple[int, ...]) -> JaxNetwork:
    """The JAX epoch for the network with these widths (checked like compile_network)."""
    codegen.compile_network(spec, model_name, layers)  # the same checks and errors
    return _compile(spec, model_name, len(layers) - 1)
