"""The in-place printing of the trainer's update (`lambdify_program(..., in_place=True)`): same numbers, bit for bit,
as the same program printed as expressions; nothing written but the step's own buffers and
the parameters."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.numeric.codegen import (
    MODELS,
    Dot,
    Program,
    RowMax,
    RowSum,
    Tr,
    compile_network,
    lambdify_program,
    network_programs,
    templates,
)
from derive.spec import load_spec
from tests.conftest import random_problem


@pytest.fixture(scope="module")
def spec():
    return load_spec()


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("layers", [(6, 5, 3), (7, 5, 4, 3)])
def test_the_in_place_update_is_the_printed_update_bit_for_bit(spec, model, layers):
    tpl = templates(spec, model)
    program = network_programs(tpl, MODELS[model], len(layers) - 1)["update"]
    plain = lambdify_program(program, "update")
    net = compile_network(spec, model, layers)
    fast = net.update
    assert "_np_" in dict(net.sources)["update"]
    for batch in (1, 4, 9):  # the last batch of an epoch is shorter
        x, y, params = random_problem(layers, batch, batch)
        x = net.hold_inputs(x)  # the update's own layout (a column of ones, P1 = [W1.T; b1])
        want = list(net.hold(params))
        got = list(net.hold(params))
        x0, y0 = x.copy(), y.copy()
        plain(x, y, 0.25, *want)
        returned = fast(x, y, 0.25, *got)
        assert len(returned) == len(got)
        for a, b, r in zip(got, want, returned):
            assert r is a and np.array_equal(a, b)
        assert np.array_equal(x, x0) and np.array_equal(y, y0)


X, Y, C = sp.symbols("x y c", real=True)
W, B = sp.symbols("W1 b1", real=True)
T, U = sp.symbols("t u", real=True)
# x (m, 3), y (m, 3), W (3, 3), b (3,): every operation the printer splits, and a temporary t
# that is read again after its first use (so its buffer must not be reused early)
CASES = {
    "sum and difference": (X + Y - 2 * X * Y) / (1 + X**2),
    "all negative": -X - Y * C,
    "negated product": -X * Y,
    "powers": X**3 + sp.sqrt(X**2 + 1) - 1 / (X**2 + 2),
    "functions": sp.exp(-X) * sp.tanh(Y) + sp.log(1 + sp.exp(X)) - sp.Abs(X) * sp.sign(Y),
    "broadcasts": B + Dot(X, Tr(W)) * C + RowSum(Y) - RowMax(X),
    "matrix": W - C * Dot(Tr(X), Y),  # (3, 3): combined with t through a product
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_operation_prints_in_place_with_the_same_result(case):
    expr = CASES[case]
    use = expr + Dot(Tr(T), T) if case == "matrix" else expr * T + T**2
    program = Program((X, Y, C, W, B), ((T, sp.exp(X) + Y), (U, use)), (U, T))
    plain = lambdify_program(program, "f")
    fast = lambdify_program(program, "f", in_place=True)
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), 0.3, rng.normal(size=(3, 3)),
            rng.normal(size=3)]
    before = [np.copy(a) for a in args]
    with np.errstate(all="ignore"):
        want = plain(*args)
        got = fast(*args)
    for a, b in zip(got, want):
        assert np.array_equal(a, b, equal_nan=True), case
    for a, b in zip(args, before):  # no argument written
        assert np.array_equal(a, b)


def test_a_copied_name_keeps_its_array():
    """u = t makes two names for one array: t's last use must not write into it."""
    V = sp.Symbol("v", real=True)
    program = Program((X, Y, C, W, B), ((T, sp.exp(X) + Y), (U, T), (V, T * X + 1)), (U, V))
    fast = lambdify_program(program, "f", in_place=True)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    u, v = fast(x, y, 0.5, rng.normal(size=(3, 3)), rng.normal(size=3))
    assert np.array_equal(u, np.exp(x) + y)
    assert np.array_equal(v, (np.exp(x) + y) * x + 1)


@pytest.mark.parametrize("model", list(MODELS))
def test_the_update_passes_no_python_number_to_a_ufunc(spec, model):
    """Every number of the in-place update is a read-only float64 0-d array of its namespace
    (a ufunc converts a Python number at every call), and `c` given as a 0-d array (as the
    trainer gives it) or as a float gives the same bits."""
    import re

    net = compile_network(spec, model, (6, 5, 3))
    source = dict(net.sources)["update"]
    assert not re.search(r"_np_\w+\([^)]*\b\d", source), source
    constants = {name: value for name, value in net.update.__globals__.items()
                 if re.fullmatch(r"_k\d+", name)}
    assert constants and all(f"{name}" in source for name in constants)
    for value in constants.values():
        assert value.shape == () and value.dtype == np.float64 and not value.flags.writeable
    x, y, params = random_problem((6, 5, 3), 7, 3)
    x = net.hold_inputs(x)
    as_float, as_array = list(net.hold(params)), list(net.hold(params))
    net.update(x, y, 0.25, *as_float)
    net.update(x, y, np.array(0.25), *as_array)
    assert all(np.array_equal(a, b) for a, b in zip(as_float, as_array))


def test_products_print_as_numpy_dot_and_as_the_matmul_operator_for_jax():
    """NumPy code calls `numpy.dot` (less dispatch than `@` for 2-D arrays); JAX code `@`."""
    program = Program((X, Y, C, W, B), ((T, Dot(X, Tr(W)) + B),), (Dot(Tr(T), Y),))
    plain = lambdify_program(program, "f")
    rng = np.random.default_rng(2)
    x, y, w = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(3, 3))
    b = rng.normal(size=3)
    (got,) = plain(x, y, 0.5, w, b)
    assert np.array_equal(got, np.dot((np.dot(x, w.T) + b).T, y))
    jax_backend = pytest.importorskip("derive.numeric.jax_backend")
    printed = jax_backend._Printer().doprint(Dot(X, Tr(W)))
    assert printed == "(x @ (W1).T)"
