"""Training: equal to repeated steps, batches that wrap, a falling loss, divergence, history."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_tui.model import (
    LossHistory,
    ModelError,
    Network,
    Samples,
    Trainer,
    batch_indices,
    trace,
)

from .plain import plain_steps
from .strategies import chains, samples


@given(chains(max_layers=4), samples(max_size=5), st.integers(1, 5), st.integers(1, 12),
       st.floats(0.01, 1.0))
def test_train_equals_repeated_steps(chain, data, batch, steps, lr):
    batch = min(batch, len(data))
    trainer = Trainer(chain, data, lr, batch)
    trainer.run(steps)
    expected, losses = plain_steps(chain, data, lr, batch, steps)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-10, atol=1e-13)
    thinned = trainer.history.thinned(1000)
    np.testing.assert_array_equal(thinned.step, np.arange(steps))
    # Near 0 a loss (a − y)² is a difference of near-equal numbers: one ulp of a
    # (math's and numpy's exp may differ there) moves it by ~1e-16.
    np.testing.assert_allclose(thinned.first, losses, rtol=1e-12, atol=1e-14)


def test_runs_in_pieces_equal_one_run():
    chain, data = Network.chain([0.3, -0.2], [0.0, 0.1]), Samples([0.1, 0.4, 0.9], [0, 0, 1])
    whole = Trainer(chain, data, 0.7, 2)
    whole.run(10)
    pieces = Trainer(chain, data, 0.7, 2)
    for size in (3, 1, 6):
        pieces.run(size)
    np.testing.assert_array_equal(whole.network.flat_w, pieces.network.flat_w)
    assert pieces.steps_done == 10


def test_batches_are_consecutive_slices_that_wrap():
    assert batch_indices(0, 2, 5).tolist() == [0, 1]
    assert batch_indices(1, 2, 5).tolist() == [2, 3]
    assert batch_indices(2, 2, 5).tolist() == [4, 0]
    assert batch_indices(3, 2, 5).tolist() == [1, 2]
    assert batch_indices(7, 3, 4).tolist() == [1, 2, 3]
    data = Samples([0, 1, 2, 3, 4], [0, 0, 0, 0, 0])
    assert data.batch(2, 2).x[:, 0].tolist() == [4, 0]


def test_loss_falls_on_an_easy_dataset():
    x = np.linspace(0, 1, 8)
    data = Samples(x, (x > 0.5).astype(float))
    trainer = Trainer(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), data, 2.0)
    before = trainer.mean_cost()
    trainer.run(3000)
    assert trainer.mean_cost() < 0.25 * before
    thinned = trainer.history.thinned(10)
    assert thinned.first[-1] < thinned.first[0]


def test_divergence_stops_at_the_first_bad_step_and_keeps_finite_parameters():
    chain = Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1])
    trainer = Trainer(chain, Samples([0.7], [1e150]), 1e300)
    result = trainer.run(100)
    assert result.steps == 0
    assert result.divergence is not None and result.divergence.step == 1
    np.testing.assert_array_equal(trainer.network.flat_w, chain.flat_w)
    assert "step 1" in str(result.divergence)
    assert trainer.run(5).steps == 0  # it does not go on after diverging


def test_divergence_after_some_steps_keeps_the_last_finite_state():
    # Batch 1 is already fitted (zero gradient); batch 2's target is far out of reach.
    chain = Network.chain([0.5, -0.3], [0.1, 0.2])
    fitted = float(chain.forward(Samples([0.7], [0.0])).column("a")[0, -1])
    trainer = Trainer(chain, Samples([0.7, 0.7], [fitted, 1e150]), 1e300, batch_size=1)
    result = trainer.run(50)
    assert result.steps == 1
    assert result.divergence is not None and result.divergence.step == 2
    np.testing.assert_array_equal(trainer.network.flat_w, chain.flat_w)
    assert trainer.steps_done == 1 and len(trainer.history) == 1


@pytest.mark.parametrize(
    "lr, batch, message",
    [(float("nan"), None, "learning rate"), (float("inf"), None, "learning rate"),
     (0.1, 0, "less than 1"), (0.1, 4, "more than the 3 samples"), (0.1, 1.5, "whole number")],
)
def test_trainer_refuses_bad_settings(lr, batch, message):
    with pytest.raises(ModelError, match=message):
        Trainer(Network.chain([1.0], [0.0]), Samples([1, 2, 3], [0, 0, 1]), lr, batch)


def test_history_keeps_everything_up_to_capacity():
    history = LossHistory(capacity=64)
    values = np.random.default_rng(0).random(64)
    history.extend(values[:10])
    for v in values[10:]:
        history.append(v)
    thinned = history.thinned(1000)
    np.testing.assert_array_equal(thinned.first, values)
    np.testing.assert_array_equal(thinned.step, np.arange(64))
    assert len(history) == 64 and history.last == values[-1]


@given(st.lists(st.integers(1, 300), min_size=1, max_size=30), st.integers(1, 50))
def test_history_thinning_keeps_real_points_and_extremes(chunks, points):
    history = LossHistory(capacity=32)
    rng = np.random.default_rng(len(chunks))
    values = rng.random(sum(chunks))
    at = 0
    for size in chunks:
        history.extend(values[at : at + size])
        at += size
    thinned = history.thinned(points)
    assert thinned.step.size <= max(points, 1)
    assert len(history) == values.size
    # Every point shown is a value really recorded at that step.
    np.testing.assert_array_equal(thinned.first, values[thinned.step])
    # Spikes survive: the extremes of the whole run are in low/high.
    assert thinned.low.min() == values.min() and thinned.high.max() == values.max()
    # Each group's low/high bound the values of the steps it covers.
    bounds = np.r_[thinned.step, values.size]
    for i in range(thinned.step.size):
        part = values[bounds[i] : bounds[i + 1]]
        assert thinned.low[i] == part.min() and thinned.high[i] == part.max()


def test_history_memory_is_bounded():
    history = LossHistory(capacity=128)
    for _ in range(200):
        history.extend(np.ones(5000))
    assert len(history) == 1_000_000
    assert history._step.size <= 128
    assert history.thinned(80).step.size <= 80


def test_history_clear_restarts_at_a_step():
    history = LossHistory()
    history.extend(np.arange(5.0))
    history.clear(start_step=7)
    assert len(history) == 0 and history.last is None
    history.append(1.0)
    assert history.thinned(10).step.tolist() == [7]


@given(st.sampled_from(["sigmoid/squared-error", "tanh/squared-error", "relu/squared-error",
                        "sigmoid/cross-entropy"]),
       chains(max_layers=4), samples(max_size=4), st.integers(1, 4), st.floats(0.01, 1.0))
def test_train_equals_repeated_steps_for_every_activation_and_cost(pair, chain, data, batch, lr):
    from backprop_tui.model import activation_named, cost_named

    act, cost = pair.split("/")
    chain = Network.chain(chain.flat_w, chain.flat_b, activation_named(act), cost_named(cost))
    if cost == "cross-entropy":
        data = Samples(data.x, np.clip(np.abs(data.y), 0, 1))
    batch = min(batch, len(data))
    trainer = Trainer(chain, data, lr, batch)
    trainer.run(6)
    expected = chain
    for k in range(6):
        expected = expected.step(trace(expected, data.batch(k, batch)), lr)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-10, atol=1e-13)
