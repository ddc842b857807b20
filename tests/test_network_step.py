"""The network's fast training step, both ways (Python floats, numpy), held to the plain step."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    COSTS,
    SIGMOID,
    TANH,
    Network,
    NonFiniteError,
    Trainer,
    fast_step,
)
from backprop_tui.model.fast_step import uses_floats
from backprop_tui.model.network import bias_count, trace, weight_count

from .plain import plain_steps
from .strategies import networks

PATHS = {
    "floats": {"FLOAT_US_PER_SAMPLE_PARAMETER": 0.0, "FLOAT_US_PER_SAMPLE": 0.0},
    "numpy": {"NUMPY_US_PER_STEP": -1.0, "NUMPY_US_PER_LAYER": 0.0},
}
"""fast_step's costs forcing one way: every batch on floats (they cost nothing), or none
(numpy costs less than nothing)."""


def forced(path: str):
    return mock.patch.multiple("backprop_tui.model.fast_step", **PATHS[path])


def wide_cases(values=None):
    """A network of 1 to 10 layers of 1 to 4 neurons (1 to 4 inputs), any activation
    and cost, and 1 to 6 samples for it."""
    return networks(max_layers=10, max_width=4, max_inputs=4, max_samples=6, values=values)


@settings(max_examples=150)
@given(wide_cases(), st.sampled_from(list(PATHS)), st.integers(1, 6), st.integers(1, 6),
       st.floats(0.01, 1.0))
def test_both_ways_equal_repeated_plain_steps(case, path, batch, steps, lr):
    net, samples = case
    batch = min(batch, len(samples))
    try:
        expected, losses = plain_steps(net, samples, lr, batch, steps)
    except NonFiniteError:
        assume(False)  # a ReLU network can overflow; the next test covers stopping
    with forced(path):
        trainer = Trainer(net, samples, lr, batch)
        result = trainer.run(steps)
    assert result.divergence is None and result.steps == steps
    got = trainer.network
    np.testing.assert_allclose(got.flat_w, expected.flat_w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.flat_b, expected.flat_b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trainer.history.thinned(1000).first, losses, rtol=1e-10,
                               atol=1e-13)


values = st.sampled_from([0.0, 1e-3, 0.5, 3.0, 1e5, 1e100, 1e200, 1e300, 1.7e308]).flatmap(
    lambda m: st.sampled_from([m, -m]))


@settings(max_examples=150)
@given(wide_cases(values=values), st.sampled_from(list(PATHS)),
       st.sampled_from([1e-3, 0.5, 1e10, 1e300]), st.integers(1, 3), st.integers(1, 4))
def test_both_ways_stop_where_the_plain_step_refuses(case, path, lr, batch, steps):
    net, samples = case
    batch = min(batch, len(samples))
    with forced(path):
        trainer = Trainer(net, samples, lr, batch)
        result = trainer.run(steps)  # a RuntimeWarning here fails the test suite
    kept = trainer.network  # Network() refuses non-finite parameters
    assert result.steps == trainer.steps_done == len(trainer.history)
    expected = net
    for k in range(result.steps):
        try:
            bp = trace(expected, samples.batch(k, batch))
        except NonFiniteError as exc:
            # A factor no step uses overflowed, so training goes on: ∂C/∂x, or
            # ∂C/∂a at an output whose cost cancels g' (∂C/∂z is taken directly).
            unused = ("∂C/∂a(l−1) ",) + (("∂C/∂a is",) if net.cancellation else ())
            assert str(exc).startswith(unused), exc
            assume(False)
        expected = expected.step(bp, lr)
    event("diverged" if result.divergence else "finished")
    if result.divergence is None:
        assert result.steps == steps
    else:
        assert result.divergence.step == result.steps + 1
        with pytest.raises(NonFiniteError):
            kept.step(trace(kept, samples.batch(result.steps, batch)), lr)
    scale = max(1.0, *np.abs(expected.flat_w), *np.abs(expected.flat_b))
    np.testing.assert_allclose(kept.flat_w, expected.flat_w, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(kept.flat_b, expected.flat_b, rtol=1e-9, atol=1e-12 * scale)


def test_parameters_past_the_limit_hand_the_steps_to_numpy():
    # |w| of layer 2 beyond limit(): the float loop cannot vouch for z(2), numpy takes over.
    shape = (2, 4, 1)
    big = 2.0 * fast_step.limit(shape)
    net = Network(shape, [0.1] * 8 + [big, -big, 0.0, 0.0], [0.0] * 5, TANH)
    samples = net.samples([[0.5, 0.2], [0.1, 0.3]], [[0.0], [1.0]])
    assert uses_floats(shape, TANH, net.cost, 1)
    with mock.patch.object(fast_step, "numpy_network_steps",
                           wraps=fast_step.numpy_network_steps) as numpy_way:
        trainer = Trainer(net, samples, 1e-3, 1)
        result = trainer.run(3)
    assert numpy_way.called
    expected, _ = plain_steps(net, samples, 1e-3, 1, result.steps)
    assert result.divergence is None or "z" not in result.divergence.what
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-12)


def test_the_limit_keeps_every_z_past_the_first_layer_finite():
    for fan_in in range(1, 5):
        shape = (1, fan_in, 1)
        top = fast_step.limit(shape)
        assert np.isfinite(fan_in * top + top)  # every |w|·|a| ≤ limit, |a| ≤ 1, and the bias
    assert fast_step.limit((1, 1, 1)) == fast_step.HUGE  # the chain's


def test_the_float_loop_spells_out_every_sum():
    source = fast_step.loop_source((2, 2, 1), SIGMOID, COSTS["squared-error"], single=False)
    assert "z1_1 = w1_1_0 * a0_0 + w1_1_1 * a0_1 + b1_1" in source
    assert "z2 = w2_0_0 * a1_0 + w2_0_1 * a1_1 + b2" in source
    assert "delta1_1 = delta * w2_0_1 * d1_1" in source
    source = fast_step.loop_source((1, 3, 2), SIGMOID, COSTS["squared-error"], single=True)
    assert "delta1_2 = (delta2_0 * w2_0_2 + delta2_1 * w2_1_2) * d1_2" in source
    assert "loss += c0 + c1" in source
    compile(source, "<test>", "exec")


def test_small_work_runs_on_floats_large_on_numpy():
    shape = (2, 2, 1)
    assert uses_floats(shape, SIGMOID, COSTS["squared-error"], 16)
    assert not uses_floats(shape, SIGMOID, COSTS["squared-error"], 1024)
    assert not uses_floats((4,) * 11, SIGMOID, COSTS["squared-error"], 32)


@pytest.mark.parametrize("shape, batch", [((3, 4, 2), 200), ((2, 2, 1), 1000)])
def test_large_batches_on_numpy_equal_repeated_plain_steps(shape, batch):
    rng = np.random.default_rng(len(shape) + batch)
    net = Network(shape, rng.normal(0, 1, weight_count(shape)),
                  rng.normal(0, 0.5, bias_count(shape)))
    x = rng.uniform(-2, 2, (batch + 37, shape[0]))  # batches wrap around the end
    samples = net.samples(x, 0.5 + 0.4 * np.sin(x.sum(axis=1, keepdims=True)
                                                * np.arange(1, shape[-1] + 1)))
    assert not uses_floats(shape, net.activation, net.cost, batch)
    trainer = Trainer(net, samples, 0.5, batch)
    trainer.run(12)
    expected, losses = plain_steps(net, samples, 0.5, batch, 12)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.history.thinned(100).first, losses, rtol=1e-12)
    assert np.abs(expected.flat_w - net.flat_w).max() > 1e-4  # the steps moved something
