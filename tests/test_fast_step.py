"""The fast training step, both ways (Python floats, numpy), held to the plain step."""

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    ACTIVATIONS,
    COSTS,
    CROSS_ENTROPY,
    SIGMOID,
    Network,
    NonFiniteError,
    Samples,
    Trainer,
    fast_step,
    trace,
)

from .plain import plain_steps
from .strategies import chains, samples

PAIRS = ["sigmoid/squared-error", "tanh/squared-error", "relu/squared-error",
         "sigmoid/cross-entropy"]
PATHS = {
    "floats": {"FLOAT_US_PER_SAMPLE_PARAMETER": 0.0, "FLOAT_US_PER_SAMPLE": 0.0},
    "numpy": {"NUMPY_US_PER_STEP": -1.0, "NUMPY_US_PER_LAYER": 0.0},
}
"""The two ways a chain trains, forced for every batch by fast_step's costs: the floats
cost nothing, or numpy less than nothing."""

zs = st.floats(allow_nan=False, allow_infinity=False) | st.floats(-50, 50) | st.sampled_from(
    [0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 40.0, -40.0, 709.0, -709.0, 745.0, -745.0,
     math.inf, -math.inf])


def run_scalar(template: str, **values: float) -> dict[str, float]:
    """Run a scalar template on floats; the names it sets."""
    names = {"exp": math.exp, "log1p": math.log1p, "tanh": math.tanh}
    lines = fast_step._fill(template, t="_t", **{k: k for k in ("z", "a", "y", "d", "c", "g")})
    exec("\n".join(lines), names, values)
    return values


def close(got: float, want: float, scale: float = 0.0) -> bool:
    """Equal, or a few units in the last place apart (numpy's and math's exp may differ).

    ``scale``: the size of the terms a difference was taken of, if larger.
    """
    if math.isnan(want):
        return math.isnan(got)
    return got == want or abs(got - want) <= 4 * math.ulp(max(abs(want), abs(got), scale))


@given(zs, st.sampled_from(list(ACTIVATIONS)))
def test_each_activation_one_number_at_a_time_is_its_numpy_rule(z, name):
    act = ACTIVATIONS[name]
    arr = np.array([z])
    with np.errstate(all="ignore"):
        a = act.forward(arr)
        d = act.derivative(arr, a)
        both = act.forward_and_derivative(arr)
    np.testing.assert_array_equal(both[0], a)  # one call: the same numbers as two
    np.testing.assert_array_equal(both[1], d)
    got = run_scalar(act.scalar, z=z)
    assert close(got["a"], float(a[0])), (got["a"], a)
    assert close(got["d"], float(d[0])), (got["d"], d)


@given(st.floats(-745, 745), st.floats(0, 1), st.sampled_from(list(COSTS)))
def test_each_cost_one_number_at_a_time_is_its_numpy_rule(z, y, name):
    cost = COSTS[name]
    a = float(SIGMOID.forward(np.array([z]))[0])
    arrays = (np.array([a]), np.array([y]), np.array([z]))
    with np.errstate(all="ignore"):
        value = float(cost.value(*arrays)[0])
    assert close(run_scalar(cost.scalar_value, a=a, y=y, z=z)["c"], value)
    if cost.scalar_gradient:
        gradient = float(cost.gradient(*arrays)[0])
        both = cost.scalar_value + cost.scalar_gradient  # the gradient may use the value's
        assert close(run_scalar(both, a=a, y=y, z=z)["g"], gradient)
    cancel = cost.cancels(SIGMOID)
    if cancel is not None:
        with np.errstate(all="ignore"):
            dz = float(cancel.dC_dz(*arrays)[0])
        # (1−y)·σ(z) − y·σ(−z): a difference of two terms, each at most 1.
        assert close(run_scalar(cancel.scalar, a=a, y=y, z=z)["g"], dz, scale=1.0)


def test_every_pair_trains_on_floats():
    for act in ACTIVATIONS.values():
        for cost in COSTS.values():
            if cost is not CROSS_ENTROPY or act is SIGMOID:
                assert fast_step.can_use_floats(act, cost), (act.name, cost.name)


def forced(path: str):
    return mock.patch.multiple("backprop_tui.model.fast_step", **PATHS[path])


@settings(max_examples=60)
@given(st.sampled_from(PAIRS), st.sampled_from(list(PATHS)), chains(max_layers=5),
       samples(max_size=6), st.integers(1, 6), st.integers(1, 8), st.floats(0.01, 1.0))
def test_both_ways_equal_repeated_plain_steps(pair, path, chain, data, batch, steps, lr):
    act, cost = (f(n) for f, n in zip((ACTIVATIONS.get, COSTS.get), pair.split("/")))
    chain = Network.chain(chain.flat_w, chain.flat_b, act, cost)
    if cost is CROSS_ENTROPY:
        data = Samples(data.x, np.clip(np.abs(data.y), 0, 1))
    batch = min(batch, len(data))
    with forced(path):
        trainer = Trainer(chain, data, lr, batch)
        trainer.run(steps)
    expected, losses = plain_steps(chain, data, lr, batch, steps)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-10, atol=1e-13)
    # A loss (a − y)² near 0 is a difference of near-equal numbers: one ulp of
    # a (math's and numpy's exp and tanh may differ there) moves it by ~1e-16.
    np.testing.assert_allclose(trainer.history.thinned(1000).first, losses, rtol=1e-12,
                               atol=1e-14)


values = st.sampled_from([0.0, 1e-3, 0.5, 3.0, 1e5, 1e100, 1e200, 1e300, 1.7e308]).flatmap(
    lambda m: st.sampled_from([m, -m]))


@settings(max_examples=100)
@given(st.sampled_from(PAIRS[:3]), st.sampled_from(list(PATHS)),
       st.integers(1, 3).flatmap(lambda n: st.tuples(
           st.lists(values, min_size=n, max_size=n), st.lists(values, min_size=n, max_size=n))),
       st.lists(values, min_size=1, max_size=3),
       st.sampled_from([1e-3, 0.5, 1e10, 1e300]), st.integers(1, 3))
def test_both_ways_stop_where_the_plain_step_refuses(pair, path, params, x, lr, steps):
    act = ACTIVATIONS[pair.split("/")[0]]
    chain, data = Network.chain(*params, act), Samples(x, [0.5] * len(x))
    with forced(path):
        trainer = Trainer(chain, data, lr, 1)
        result = trainer.run(steps)
    if result.divergence is None:
        return
    kept = trainer.network
    with pytest.raises(NonFiniteError):
        kept.step(trace(kept, data.batch(result.steps, 1)), lr)
    expected = chain
    for k in range(result.steps):
        try:
            bp = trace(expected, data.batch(k, 1))
        except NonFiniteError as exc:
            # ∂C/∂x alone overflowed: no step uses it, so training goes on.
            assert str(exc).startswith("∂C/∂a(l−1) "), exc
            assume(False)
        expected = expected.step(bp, lr)
    np.testing.assert_allclose(kept.flat_w, expected.flat_w, rtol=1e-9)
    np.testing.assert_allclose(kept.flat_b, expected.flat_b, rtol=1e-9)


def test_the_float_loop_is_written_for_the_chain():
    source = fast_step.loop_source((1,) * 4, SIGMOID, COSTS["squared-error"], single=False)
    assert "z3 = w3 * a2 + b3" in source and "z4" not in source
    assert "exp(-z1)" in source and "for a0, y, in rows[s : s + size]:" in source
    compile(source, "<test>", "exec")


@given(st.lists(zs, min_size=1, max_size=40))
def test_the_sigmoid_into_rows_is_the_sigmoids_rule_bit_for_bit(values):
    z = np.array(values)
    with np.errstate(all="ignore"):
        want_a, want_d = SIGMOID.forward_and_derivative(z)
        a, d = fast_step.SigmoidScratch(z.size).rows(z, np.empty(z.size), np.empty(z.size))
    np.testing.assert_array_equal(a.view(np.int64), want_a.view(np.int64))
    np.testing.assert_array_equal(d.view(np.int64), want_d.view(np.int64))


def test_the_floats_run_while_they_cost_less_than_numpy():
    sq = COSTS["squared-error"]
    for layers in (1, 3, 10):
        shape = (1,) * (layers + 1)
        chosen = [fast_step.uses_floats(shape, SIGMOID, sq, size) for size in range(1, 200)]
        last = chosen.index(False)  # floats up to a batch size, numpy from there on
        assert all(chosen[:last]) and not any(chosen[last:])
        # Where the two cost the same by fast_step's measured costs: a float step
        # costs so much per sample and parameter (a chain has 2L) and per sample, a
        # numpy step so much and so much a layer.
        per_sample = (fast_step.FLOAT_US_PER_SAMPLE_PARAMETER * 2 * layers
                      + fast_step.FLOAT_US_PER_SAMPLE)
        numpy = fast_step.NUMPY_US_PER_STEP + fast_step.NUMPY_US_PER_LAYER * layers
        assert last * per_sample <= numpy < (last + 1) * per_sample, (layers, last)
        # A chain's numpy step is the network's (matrix form), dearer than the old
        # chain-only one: the floats now win up to 76 to 88 samples, not 41 to 60.
        assert 40 <= last <= 100, (layers, last)


@pytest.mark.parametrize("pair", PAIRS)
def test_long_rows_equal_repeated_plain_steps(pair):
    # From fast_step.LONG_ROWS samples on, the sigmoid and the squared error
    # run into rows allocated once; the last bias of the second chain is beyond
    # HUGE, so that every z is checked there (where the plain step can take it).
    act, cost = (f(n) for f, n in zip((ACTIVATIONS.get, COSTS.get), pair.split("/")))
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 700)
    data = Samples(x, 0.5 + 0.4 * np.sin(2 * x))
    starts = [[0.1, -0.2, 0.3]] + [[0.1, -0.2, 5e307]] * (
        act.bounded and cost is not CROSS_ENTROPY)
    for b in starts:
        chain = Network.chain([0.7, -1.3, 0.9], b, act, cost)
        assert not fast_step.uses_floats(chain.shape, act, cost, 300)  # numpy's rows
        trainer = Trainer(chain, data, 0.5, 300)
        trainer.run(5)  # batches 3 and 5 wrap around the 700 samples
        expected, losses = plain_steps(chain, data, 0.5, 300, 5)
        np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-12,
                                   atol=1e-14)
        np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-12,
                                   atol=1e-14)
        np.testing.assert_allclose(trainer.history.thinned(10).first, losses, rtol=1e-12)
