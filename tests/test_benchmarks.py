"""The benchmark's competitors compute what ours computes (no timing here)."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "train_step.py"
_spec = importlib.util.spec_from_file_location("bench_train_step", _PATH)
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)

# (layers, batch, steps): batch 24 of 1024 samples wraps around at the end.
CASES = [(1, 1, 30), (3, 16, 50), (3, 24, 60), (10, 1024, 3)]


def _assert_same(got, want):
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=bench.TOLERANCE, atol=bench.TOLERANCE)


@pytest.mark.parametrize("layers, batch, steps", CASES)
def test_numpy_loop_ends_with_our_parameters(layers, batch, steps):
    w, b, x, y = bench.make_problem(layers)
    want = bench.run_ours(w, b, x, y, batch, steps)
    _assert_same(bench.run_numpy(w, b, x, y, batch, steps), want)
    # The start parameters really moved: the comparison is not trivially true.
    assert np.abs(want[0] - w).max() > 1e-6


@pytest.mark.parametrize("layers, batch, steps", CASES)
def test_torch_ends_with_our_parameters(layers, batch, steps):
    pytest.importorskip("torch")
    w, b, x, y = bench.make_problem(layers)
    want = bench.run_ours(w, b, x, y, batch, steps)
    _assert_same(bench.torch_runner()(w, b, x, y, batch, steps), want)


@pytest.mark.parametrize("layers, batch, steps", [(1, 1, 10), (3, 16, 5), (3, 24, 3)])
def test_micrograd_ends_with_our_parameters(layers, batch, steps):
    pytest.importorskip("micrograd")
    w, b, x, y = bench.make_problem(layers)
    want = bench.run_ours(w, b, x, y, batch, steps)
    _assert_same(bench.micrograd_runner()(w, b, x, y, batch, steps), want)


def test_the_table_prints_without_torch_or_micrograd(capsys, monkeypatch):
    monkeypatch.setattr(bench, "torch_runner", lambda: None)
    monkeypatch.setattr(bench, "micrograd_runner", lambda: None)
    monkeypatch.setattr(bench, "CASES", [bench.Case(3, 16, 40, 1)])
    assert bench.main(["--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "| layers |" in out and "skipped" in out
    assert "torch: not installed" in out and "micrograd: not installed" in out


@pytest.mark.parametrize("shape, batch, steps", [((2, 2, 1), 16, 40), ((3, 4, 2), 24, 30)])
def test_the_wide_numpy_loop_ends_with_our_network_parameters(shape, batch, steps):
    w, b, x, y = bench.make_wide_problem(shape)
    want = bench.run_wide_ours(shape, w, b, x, y, batch, steps)
    _assert_same(bench.run_wide_numpy(shape, w, b, x, y, batch, steps), want)
    assert np.abs(want[0] - w).max() > 1e-6
    torch_fn = bench.wide_torch_runner()
    if torch_fn is not None:
        _assert_same(torch_fn(shape, w, b, x, y, batch, steps), want)
