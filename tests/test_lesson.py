"""The lesson: the app's state, its phases, its refusals and its stale-value clearing."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import ModelError, Network, Samples, Trainer, defaults
from backprop_tui.model.lesson import Lesson, finite_number

from .strategies import chains, finite, samples


def lecture() -> Lesson:
    return Lesson(Network.chain(defaults.W, defaults.B), Samples(defaults.X, defaults.Y),
                  defaults.LR)


def batch(n: int = 4) -> Lesson:
    x = np.linspace(0, 1, n)
    return Lesson(Network.chain(defaults.W, defaults.B), Samples(x, (x > 0.5).astype(float)),
                  0.5)


def test_starts_with_nothing_computed():
    lesson = lecture()
    assert lesson.phase == "none"
    assert lesson.forward_pass is None and lesson.backward_pass is None
    assert lesson.last_step is None and lesson.steps_done == 0 and len(lesson.history) == 0


def test_backward_runs_the_missing_forward():
    lesson = lecture()
    bp = lesson.backward()
    assert lesson.phase == "backward"
    assert lesson.forward_pass is bp.forward
    expected = lesson.network.forward(lesson.samples).backward()
    np.testing.assert_array_equal(bp.column("dC_dw"), expected.column("dC_dw"))


def test_step_runs_the_missing_phases_and_uses_the_batch_mean():
    lesson = batch(5)
    before = lesson.network
    result = lesson.step()
    bp = before.forward(lesson.samples).backward()
    np.testing.assert_allclose(result.new.flat_w,
                               before.flat_w - 0.5 * bp.column("dC_dw").mean(axis=0),
                               rtol=0, atol=0)
    np.testing.assert_allclose(result.new.flat_b,
                               before.flat_b - 0.5 * bp.column("dC_db").mean(axis=0),
                               rtol=0, atol=0)
    assert result.old is before and lesson.network is result.new
    assert lesson.phase == "step" and lesson.steps_done == 1
    # The cost recorded is the batch mean before the step.
    assert lesson.history.last == pytest.approx(bp.forward.mean_cost)
    # The old passes belong to the old parameters: they are gone.
    assert lesson.forward_pass is None and lesson.backward_pass is None


@settings(max_examples=30)
@given(chains(max_layers=4), samples(max_size=4), finite(0.01, 2))
def test_a_step_equals_chain_step_with_the_mean_gradient(chain, data, lr):
    lesson = Lesson(chain, data, lr)
    try:
        expected = chain.step(chain.forward(data).backward(), lr)
    except ModelError:
        return
    lesson.step()
    np.testing.assert_array_equal(lesson.network.flat_w, expected.flat_w)
    np.testing.assert_array_equal(lesson.network.flat_b, expected.flat_b)


def test_next_phase_cycles_forward_backward_step():
    lesson = lecture()
    assert [lesson.next_phase() for _ in range(7)] == [
        "forward", "backward", "step", "forward", "backward", "step", "forward"]
    assert lesson.steps_done == 2


@pytest.mark.parametrize("edit", [
    lambda l: l.set_w(3, 0.1),
    lambda l: l.set_b(1, -0.4),
    lambda l: l.set_x(0, 0.2),
    lambda l: l.set_y(0, 0.0),
    lambda l: l.add_sample(0.3, 1.0),
])
def test_every_edit_clears_every_result(edit):
    lesson = lecture()
    lesson.step()
    lesson.backward()
    version = lesson.version
    edit(lesson)
    assert lesson.phase == "none"
    assert lesson.forward_pass is None and lesson.backward_pass is None
    assert lesson.last_step is None
    assert lesson.version > version


def test_an_edit_of_eta_keeps_the_forward_and_backward_results():
    """z, a, C and every gradient do not depend on η; the next step uses the new η."""
    lesson = lecture()
    bp = lesson.backward()
    version = lesson.version
    lesson.set_lr(0.1)
    assert lesson.version > version
    assert lesson.phase == "backward" and lesson.backward_pass is bp
    step = lesson.step()
    assert step.lr == 0.1 and step.backward is bp
    np.testing.assert_array_equal(step.new.flat_w, step.old.flat_w - 0.1 * bp.mean_flat_dC_dw)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "", "abc", "1e400", float("nan")])
@pytest.mark.parametrize("edit", [
    lambda l, v: l.set_w(1, v),
    lambda l, v: l.set_b(2, v),
    lambda l, v: l.set_x(0, v),
    lambda l, v: l.set_y(0, v),
    lambda l, v: l.set_lr(v),
    lambda l, v: l.add_sample(v, 1.0),
])
def test_non_finite_values_are_refused_and_nothing_changes(edit, bad):
    lesson = lecture()
    lesson.backward()
    state = (lesson.network, lesson.samples, lesson.lr, lesson.backward_pass,
             lesson.version)
    with pytest.raises(ModelError) as info:
        edit(lesson, bad)
    assert "number" in str(info.value)
    assert state == (lesson.network, lesson.samples, lesson.lr, lesson.backward_pass,
                     lesson.version)


def test_out_of_range_layer_and_sample_are_refused():
    lesson = lecture()
    with pytest.raises(ModelError, match=r"layer: 4 is not one of 1\.\.3"):
        lesson.set_w(4, 1.0)
    with pytest.raises(ModelError, match="sample 2"):
        lesson.set_x(1, 1.0)
    with pytest.raises(ModelError, match="at least one sample"):
        lesson.remove_sample(0)


def test_the_minus_sign_is_accepted():
    lesson = lecture()
    lesson.set_w(1, "\u22120.25")
    assert lesson.network.flat_w[0] == -0.25
    assert finite_number(" 2 ", "w") == 2.0


def test_add_and_remove_samples():
    lesson = lecture()
    k = lesson.add_sample("0.2", "0")
    assert k == 1 and lesson.samples.x.tolist() == [[0.7], [0.2]]
    assert lesson.samples.y.tolist() == [[1.0], [0.0]]
    lesson.remove_sample(0)
    assert lesson.samples.x.tolist() == [[0.2]]


@pytest.mark.parametrize("x, y, says", [
    ((0.1, 0.2), (1.0,), "x: 2 values, but the network takes 3 inputs"),
    ((0.1, 0.2, 0.3), (1.0, 0.0, 1.0), "y: 3 values, but the network takes 2 targets"),
    ((), (1.0, 0.0), "x: 0 values"),
])
def test_a_sample_of_the_wrong_size_is_refused_and_nothing_changes(x, y, says):
    net = Network((3, 2, 2), [0.1] * 6 + [0.2] * 4, [0.0] * 4)
    lesson = Lesson(net, Samples([[0.5, 0.5, 0.5]], [[1.0, 0.0]], 3, 2), 0.5)
    lesson.forward()
    state = lesson.state
    with pytest.raises(ModelError, match=says.replace("(", r"\(")):
        lesson.add_sample(x, y)
    assert lesson.state is state and len(lesson.samples) == 1
    assert lesson.add_sample((0.0, 1.0, 2.0), (0.0, 1.0)) == 1


def test_removing_samples_shrinks_a_batch_size_that_no_longer_fits():
    lesson = batch(4)
    lesson.set_batch_size(4)
    lesson.remove_sample(3)
    assert lesson.batch_size == 3


@settings(max_examples=15)
@given(chains(max_layers=4), samples(max_size=5), finite(0.01, 1.5), st.integers(1, 60),
       st.integers(0, 4))
def test_training_equals_the_trainer(chain, data, lr, steps, size_choice):
    size = min(size_choice, len(data)) or None
    lesson = Lesson(chain, data, lr, size)
    trainer = Trainer(chain, data, lr, size)
    expected = trainer.run(steps)
    # The lesson may be asked in several pieces: the result is the same.
    first = lesson.train(steps // 2)
    second = lesson.train(steps - steps // 2)
    assert first.steps + second.steps == expected.steps
    assert lesson.steps_done == trainer.steps_done
    np.testing.assert_array_equal(lesson.network.flat_w, trainer.network.flat_w)
    np.testing.assert_array_equal(lesson.network.flat_b, trainer.network.flat_b)
    assert len(lesson.history) == len(trainer.history)
    np.testing.assert_array_equal(lesson.history.thinned(1000).first,
                                  trainer.history.thinned(1000).first)
    assert (lesson.divergence is None) == (expected.divergence is None)


def test_training_after_single_steps_continues_the_count_and_history():
    lesson = batch(4)
    lesson.step()
    lesson.step()
    lesson.train(10)
    assert lesson.steps_done == 12 and len(lesson.history) == 12
    assert lesson.phase == "none" and lesson.forward_pass is None


def test_divergence_is_reported_and_keeps_finite_parameters():
    lesson = Lesson(Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1]), Samples([0.7], [1e150]),
                    1e300)
    result = lesson.train(50)
    assert result.divergence is not None and lesson.divergence is result.divergence
    assert np.isfinite(lesson.network.flat_w).all() and np.isfinite(lesson.network.flat_b).all()
    lesson.set_lr(0.1)
    assert lesson.divergence is None


def test_reset_returns_to_the_start_and_clears_the_history():
    lesson = batch(4)
    start = lesson.network
    lesson.set_lr(2.0)
    lesson.add_sample(0.1, 0.0)
    lesson.train(100)
    lesson.forward()
    lesson.reset()
    assert lesson.network is start and lesson.lr == 0.5 and len(lesson.samples) == 4
    assert lesson.steps_done == 0 and len(lesson.history) == 0 and lesson.phase == "none"


def test_the_built_in_dataset_is_learned_visibly_at_the_default_rate():
    lesson = lecture()
    lesson.set_samples(defaults.DATASET_X, defaults.DATASET_Y)
    before = lesson.network.forward(lesson.samples).mean_cost
    lesson.train(4000)
    after = lesson.network.forward(lesson.samples).mean_cost
    assert lesson.divergence is None
    assert after < before / 10
    outputs = lesson.network.forward(lesson.samples).column("a")[:, -1]
    assert ((outputs > 0.5) == (lesson.samples.y[:, 0] > 0.5)).all()


def test_the_built_in_dataset_is_a_threshold_on_0_1():
    x, y = np.array(defaults.DATASET_X), np.array(defaults.DATASET_Y)
    assert x.size == 8 and x.min() == 0.0 and x.max() == 1.0
    assert ((x > 0.5) == (y == 1.0)).all() and set(y) == {0.0, 1.0}


def test_lesson_does_not_import_the_interface():
    import subprocess
    import sys

    code = ("import sys, backprop_tui.model.lesson; "
            "print(any(m.split('.')[0] in ('textual', 'plotext', 'rich') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_finite_number_message_names_the_field():
    with pytest.raises(ModelError, match=r"^η: 'nan' is not a finite number: "):
        finite_number("nan", "η")
    assert math.isclose(finite_number("1e-3", "w"), 1e-3)
