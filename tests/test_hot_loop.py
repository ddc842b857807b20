"""The training hot loop at the edges: huge numbers, divergence, no warnings."""

import numpy as np
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from backprop_tui.model import Network, NonFiniteError, Samples, Trainer, trace

from .plain import plain_steps

# Magnitudes far apart, so that an overflow is never a matter of the last bit.
values = st.sampled_from([0.0, 1e-3, 0.5, 3.0, 1e5, 1e100, 1e200, 1e300]).flatmap(
    lambda m: st.sampled_from([m, -m])
)
rates = st.sampled_from([1e-3, 0.5, 1e10, 1e150, 1e300, -1e300])


@settings(max_examples=150)
# Per-sample gradients ±5e99 that cancel in the mean: η = 1e300 times each one
# first would overflow (inf − inf), the full path takes the step.
@example(params=([0.0], [0.0]), data=([0.0, 0.0], [1e100, -1e100]), lr=1e300, batch=2, steps=1)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(values, min_size=n, max_size=n), st.lists(values, min_size=n, max_size=n))),
    st.integers(1, 4).flatmap(lambda n: st.tuples(
        st.lists(values, min_size=n, max_size=n), st.lists(values, min_size=n, max_size=n))),
    rates, st.integers(1, 4), st.integers(1, 6))
def test_huge_numbers_stop_at_a_step_the_full_path_refuses(params, data, lr, batch, steps):
    chain, samples = Network.chain(*params), Samples(*data)
    batch = min(batch, len(samples))
    trainer = Trainer(chain, samples, lr, batch)
    result = trainer.run(steps)  # a RuntimeWarning here fails the test suite
    kept = trainer.network  # Network.chain() refuses non-finite parameters
    assert result.steps == trainer.steps_done == len(trainer.history)
    event("diverged" if result.divergence else "finished")
    if result.divergence is None:
        assert result.steps == steps
        return
    assert result.steps < steps and result.divergence.step == result.steps + 1
    # The step the trainer refused: the full-factor path refuses it too.
    with pytest.raises(NonFiniteError):
        kept.step(trace(kept, samples.batch(result.steps, batch)), lr)
    # And the steps before it are the full path's steps, to rounding: relative
    # to the largest number a subtraction w − η·∂C/∂w met on the way.
    expected, largest = chain, 1.0
    for k in range(result.steps):
        bp = trace(expected, samples.batch(k, batch))
        largest = max(largest, *np.abs(expected.flat_w), *np.abs(expected.flat_b),
                      *np.abs(lr * bp.mean_flat_dC_dw), *np.abs(lr * bp.mean_flat_dC_db))
        expected = expected.step(bp, lr)
    np.testing.assert_allclose(kept.flat_w, expected.flat_w, rtol=1e-9, atol=1e-9 * largest)
    np.testing.assert_allclose(kept.flat_b, expected.flat_b, rtol=1e-9, atol=1e-9 * largest)


def test_an_overflowing_z_stops_training_like_the_forward_pass():
    chain, data = Network.chain([1e300, 1.0], [0.0, 0.0]), Samples([1e10], [1.0])
    with pytest.raises(NonFiniteError, match="z"):
        chain.forward(data)
    result = Trainer(chain, data, 0.1).run(3)
    assert result.steps == 0 and result.divergence.step == 1
    assert "z would not be finite" in str(result.divergence)


def test_a_long_run_in_pieces_equals_short_runs():
    x = np.linspace(-1.0, 1.0, 7)
    data = Samples(x, 0.5 + 0.3 * x)
    chain = Network.chain([0.4, -0.7, 1.1], [0.0, 0.1, -0.2])
    one = Trainer(chain, data, 0.8, batch_size=3)
    one.run(10_000)  # more than one piece of the hot loop
    many = Trainer(chain, data, 0.8, batch_size=3)
    for _ in range(100):
        many.run(100)
    np.testing.assert_array_equal(one.network.flat_w, many.network.flat_w)
    np.testing.assert_array_equal(one.network.flat_b, many.network.flat_b)
    np.testing.assert_array_equal(one.history.thinned(50).first, many.history.thinned(50).first)


@pytest.mark.parametrize("layers, batch", [(3, 1000), (5, 1000)])  # 6,000 and 10,000 sums
def test_large_batches_equal_repeated_full_steps(layers, batch):
    # Thousands of per-sample gradients summed over the batch (numpy's matrix products):
    # the full path's numbers still.
    rng = np.random.default_rng(layers)
    chain = Network.chain(rng.normal(0, 1, layers), rng.normal(0, 0.5, layers))
    x = rng.uniform(-2, 2, 1500)
    data = Samples(x, 0.5 + 0.4 * np.sin(2 * x))
    trainer = Trainer(chain, data, 0.5, batch)
    trainer.run(4)  # batches 2 and 4 wrap around the 1,500 samples
    expected, losses = plain_steps(chain, data, 0.5, batch, 4)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trainer.history.thinned(10).first, losses, rtol=1e-12)
    # An overflowing z stops it the same way.
    huge = Network.chain(np.r_[1e300, chain.flat_w[1:]], chain.flat_b)
    wide = Samples(np.r_[x[:-1], 1e10], data.y)
    result = Trainer(huge, wide, 0.5, batch).run(4)
    assert result.divergence is not None and result.divergence.what == "z"
