"""The cold check's shortcuts give what the long way gives: cut expressions composed from
per-node templates are the walked ones, the upstream sets decide `depends` as the walk does,
kinks are looked for once a Piecewise exists, the versions read from dist-info folders are
importlib.metadata's, the direct Gruntz limit is sympy.limit's; and a check imports neither
NumPy nor importlib.metadata. Correctness only: timings are benchmarks/check.py's job."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import sympy

from derive.arithcache import dist_version
from derive.check import collect_model
from derive.evaluate import Engine
from derive.model import INSTANCES

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"


@pytest.fixture(scope="module")
def chapter_model():
    return collect_model(CHAPTER)


def _cuts(ev):
    """Every weight, bias and pre-activation of the instance, as keys (sample 1 where a
    quantity has one)."""
    inst = ev.instance
    out = []
    for layer, (rows, cols) in enumerate(zip(inst.widths[1:], inst.widths), start=1):
        for i in range(1, rows + 1):
            out.append(("b", layer, (i,), None))
            out += [("w", layer, (i, j), None) for j in range(1, cols + 1)]
    for layer in range(2, inst.layers + 1):
        out += [("z", layer, (i,), 1) for i in range(1, inst.widths[layer - 1] + 1)]
    return out


def test_templates_compose_the_expressions_the_walk_builds(chapter_model, monkeypatch):
    import derive.model.interpret as interpret

    loss = ("\\mathcal{L}", None, (), 1)
    composed_ev = Engine().evaluator(chapter_model, INSTANCES[1], 0)
    composed = {cut: composed_ev.build(loss, cut, "partial") for cut in _cuts(composed_ev)}
    monkeypatch.setattr(interpret, "uses_templates", lambda engine: False)
    walked_ev = Engine().evaluator(chapter_model, INSTANCES[1], 0)
    assert walked_ev.structure is not composed_ev.structure
    walked = {cut: walked_ev.build(loss, cut, "partial") for cut in _cuts(walked_ev)}
    assert len(composed) == (2 * 4 + 4 * 3 + 3 * 2) + (4 + 3 + 2) + (4 + 3 + 2)
    tau = composed_ev.structure.tau
    for cut, expr in composed.items():
        assert expr.has(tau), cut  # the loss depends on every one of them
        # the leaves are numbered in the order met, which may differ: compare in the keys
        a = expr.xreplace({s: sympy_key(k) for k, s in composed_ev.structure.leaves.items()})
        b = walked[cut].xreplace({s: sympy_key(k) for k, s in
                                  walked_ev.structure.leaves.items()})
        assert a == b, cut


def sympy_key(key):
    import symengine

    return symengine.Symbol(repr(key))


def test_a_template_is_built_once_for_every_cut(chapter_model):
    ev = Engine().evaluator(chapter_model, INSTANCES[0], 0)
    loss = ("\\mathcal{L}", None, (), 1)
    for cut in _cuts(ev):
        ev.build(loss, cut, "partial")
    templates = ev.structure.cuts[("templates",)]
    assert loss in templates
    expr, met = templates[loss]
    # the chapter's last loss, the cross-entropy, reads the predictions and the labels: its
    # template is in their leaves only
    assert {k[0] for k in met} == {"\\hat{y}", "y"}
    assert expr.free_symbols == {ev.structure.leaf(k) for k in met}


def test_upstream_nodes_decide_as_the_walk_for_each_target(chapter_model, monkeypatch):
    from derive.model.lookup import Lookup

    ev = Engine().evaluator(chapter_model, INSTANCES[2], 1)
    loss = ("\\mathcal{L}", None, (), 1)
    ev.build(loss, ("z", 2, (1,), 1), "partial")
    keys = sorted(ev.structure.reads, key=repr)
    fast = {(k, t): ev.depends(k, t) for k in keys for t in keys}
    assert any(fast.values()) and not all(fast.values())
    monkeypatch.setattr(Lookup, "_upstream", lambda self, key: None)
    slow_ev = Engine().evaluator(chapter_model, INSTANCES[2], 1)
    slow = {(k, t): slow_ev.depends(k, t) for k in keys for t in keys}
    assert fast == slow


def test_kinks_are_looked_for_once_a_piecewise_was_built():
    from derive.numbers import _SymEngineBackend

    engine = _SymEngineBackend()
    x = engine.symbol("x")
    smooth = engine.add([engine.func(sympy.exp, [x]), engine.convert(sympy.Integer(2))])
    assert not engine.kinked and engine.kinks(smooth) == []
    kinked = engine.func(sympy.Abs, [engine.add([x, engine.convert(sympy.Integer(-1))])])
    assert engine.kinked
    (kink,) = engine.kinks(engine.mul([smooth, kinked]))
    assert engine.se.expand(kink ** 2 - (x - 1) ** 2) == 0  # zero at x = 1, its sign aside
    # a function body with a `cases` block, converted from SymPy, sets it too
    other = _SymEngineBackend()
    t = sympy.Symbol("t", real=True)
    other.convert(sympy.Piecewise((t, t > 0), (0, True)))
    assert other.kinked
    third = _SymEngineBackend()
    third.piecewise([(x, third.relation(sympy.StrictGreaterThan, x, third.convert(
        sympy.Integer(0)))), (x * 0, True)])
    assert third.kinked


def _env():
    import os

    return {k: v for k, v in os.environ.items() if k != "DERIVE_NO_CACHE"} | {
        "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("name", ["sympy", "symengine", "mpmath", "latex2sympy2_extended",
                                  "antlr4-python3-runtime", "antlr4_python3_runtime",
                                  "SymPy"])
def test_versions_are_importlib_metadatas(name):
    assert dist_version(name) == metadata.version(name)


def test_a_missing_distribution_has_no_version():
    assert dist_version("no-such-distribution-of-derive") is None


@pytest.mark.parametrize("body", [
    lambda t: 1 / (1 + sympy.exp(-t)),
    sympy.tanh,
    lambda t: sympy.atan(t) / sympy.pi,
    lambda t: t / sympy.sqrt(1 + t ** 2),
])
def test_the_direct_limit_is_sympy_limit(body):
    from derive.check.compare import _limit

    t = sympy.Symbol("t", real=True)
    for to in (sympy.oo, -sympy.oo):
        assert _limit(body(t), t, to) == sympy.limit(body(t), t, to)


def test_an_unbounded_activation_has_no_finite_limit():
    from derive.check.compare import _limit

    t = sympy.Symbol("t", real=True)
    assert _limit(sympy.Max(0, t), t, sympy.oo) == sympy.oo
    assert _limit(t * sympy.sin(t), t, sympy.oo) == sympy.limit(t * sympy.sin(t), t, sympy.oo)


def test_a_check_imports_neither_numpy_nor_importlib_metadata():
    probe = ("import json, sys, runpy\n"
             f"sys.argv = ['derive', 'check', {str(CHAPTER)!r}]\n"
             "try:\n    runpy.run_module('derive', run_name='__main__', alter_sys=True)\n"
             "except SystemExit:\n    pass\n"
             "loaded = {m: m in sys.modules for m in ('numpy', 'importlib.metadata', 'email', "
             "'symengine', 'latex2sympy2_extended')}\n"
             "import numpy, symengine\n"
             "x = symengine.Symbol('x')\n"
             "loaded['numpy works'] = float(numpy.float64(2) * 2) == 4.0\n"
             "loaded['symengine works'] = str((x ** 2).diff(x)) == '2*x'\n"
             "print('LOADED' + json.dumps(loaded))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**_env(), "DERIVE_NO_CACHE": "1"})
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.rpartition("LOADED")[2])
    assert loaded == {"numpy": False, "importlib.metadata": False, "email": False,
                      "symengine": True, "latex2sympy2_extended": False, "numpy works": True,
                      "symengine works": True}
