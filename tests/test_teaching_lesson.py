"""The lesson's teaching features: undo/redo, quiz checking, switching activation and cost,
the nudge and the slope, checked against the model and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import ModelError, Network, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.model.quiz import ABS_FLOOR, check_answer, parse_guess, tolerance
from backprop_tui.model.undo import UNDO_DEPTH
from backprop_tui.present.formulas import backward_rows


def lecture(**changes) -> Lesson:
    values = dict(w=defaults.W, b=defaults.B, x=defaults.X, y=defaults.Y, lr=defaults.LR)
    values.update(changes)
    return Lesson(Network.chain(values["w"], values["b"]), Samples(values["x"], values["y"]),
                  values["lr"])


def state(lesson: Lesson) -> tuple:
    """Everything the screen shows, as plain values."""
    history = lesson.history
    thinned = history.thinned(64) if len(history) else None
    return (
        tuple(lesson.network.flat_w), tuple(lesson.network.flat_b),
        lesson.network.activation.name, lesson.network.cost.name,
        tuple(lesson.samples.x[:, 0]), tuple(lesson.samples.y[:, 0]), lesson.lr,
        lesson.batch_size, lesson.steps_done, lesson.phase,
        None if lesson.forward_pass is None else lesson.forward_pass.mean_cost,
        None if lesson.backward_pass is None else tuple(lesson.backward_pass.mean_flat_dC_dw),
        None if lesson.last_step is None else tuple(lesson.last_step.new.flat_w),
        len(history), history.next_step, history.last,
        None if thinned is None else tuple(thinned.first),
    )


OPERATIONS = {
    "forward": lambda lesson: lesson.forward(),
    "backward": lambda lesson: lesson.backward(),
    "step": lambda lesson: lesson.step(),
    "train": lambda lesson: lesson.train(7),
    "w": lambda lesson: lesson.set_w(1, float(lesson.network.flat_w[0]) + 0.25),
    "lr": lambda lesson: lesson.set_lr(lesson.lr * 0.9),
    "add": lambda lesson: lesson.add_sample(0.3, 0.0),
    "tanh": lambda lesson: lesson.set_activation("tanh"),
    "sigmoid": lambda lesson: lesson.set_activation("sigmoid"),
    "reset": lambda lesson: lesson.reset(),
}


@settings(max_examples=40)
@given(st.lists(st.sampled_from(sorted(OPERATIONS)), min_size=1, max_size=14))
def test_undo_walks_back_through_every_state_and_redo_forward_again(names):
    lesson = lecture()
    states = [state(lesson)]
    previous = None
    for name in names:
        OPERATIONS[name](lesson)
        if name == "train" and previous == "train":
            states[-1] = state(lesson)  # one training run is one change
        else:
            states.append(state(lesson))
        previous = name
    assert lesson.can_undo == len(states) - 1
    for expected in reversed(states[:-1]):
        lesson.undo()
        assert state(lesson) == expected
    with pytest.raises(ModelError, match="nothing to undo"):
        lesson.undo()
    for expected in states[1:]:
        lesson.redo()
        assert state(lesson) == expected
    with pytest.raises(ModelError, match="nothing to redo"):
        lesson.redo()


def test_a_change_after_undo_drops_the_redo_branch():
    lesson = lecture()
    lesson.step()
    lesson.step()
    lesson.undo()
    assert lesson.can_redo == 1
    lesson.set_lr(0.1)
    assert lesson.can_redo == 0
    with pytest.raises(ModelError):
        lesson.redo()
    lesson.undo()
    assert lesson.lr == defaults.LR and lesson.steps_done == 1


def test_undo_reaches_far_back_with_bounded_memory():
    lesson = lecture()
    for _ in range(300):
        lesson.step()
    assert len(lesson._timeline) <= UNDO_DEPTH + 1
    undone = 0
    while lesson.can_undo:
        lesson.undo()
        undone += 1
    assert undone == UNDO_DEPTH >= 100
    assert lesson.steps_done == 300 - undone
    assert len(lesson.history) == lesson.steps_done
    # The history restored is the one recorded then: the loss before each step taken.
    replay = lecture()
    for _ in range(lesson.steps_done):
        replay.step()
    assert state(lesson)[:-1] == state(replay)[:-1]
    assert np.allclose(lesson.history.thinned(64).first, replay.history.thinned(64).first)


def test_undo_brings_back_a_history_the_live_one_changed_since():
    lesson = lecture()
    lesson.step()
    lesson.step()
    lesson.undo()  # history of one step
    lesson.step()  # the live history grows again: the stored copy must not
    lesson.undo()
    lesson.undo()
    assert len(lesson.history) == 0 and lesson.steps_done == 0
    lesson.redo()
    assert len(lesson.history) == 1


def test_a_training_run_is_one_undo():
    lesson = lecture()
    lesson.forward()
    for _ in range(5):
        lesson.train(20)
    assert lesson.steps_done == 100
    lesson.undo()
    assert lesson.steps_done == 0 and lesson.phase == "forward"
    assert len(lesson.history) == 0
    lesson.redo()
    assert lesson.steps_done == 100 and len(lesson.history) == 100


def test_refused_edits_and_switches_change_nothing_and_record_nothing():
    lesson = lecture()
    lesson.set_cost("cross-entropy")
    before, version, undo = state(lesson), lesson.version, lesson.can_undo
    for bad in (lambda: lesson.set_activation("tanh"), lambda: lesson.set_activation("relu"),
                lambda: lesson.set_w(1, "nan"), lambda: lesson.set_y(0, 2.0),
                lambda: lesson.set_activation("softmax")):
        with pytest.raises(ModelError):
            bad()
    assert state(lesson) == before and lesson.version == version
    assert lesson.can_undo == undo


def test_cross_entropy_is_refused_for_targets_outside_0_1_and_for_tanh():
    lesson = lecture(y=(2.0,))
    with pytest.raises(ModelError, match=r"targets y in \[0, 1\]"):
        lesson.set_cost("cross-entropy")
    assert lesson.network.cost.name == "squared-error"
    lesson = lecture()
    lesson.set_activation("tanh")
    with pytest.raises(ModelError, match="use the sigmoid activation"):
        lesson.set_cost("cross-entropy")
    assert lesson.network.cost.name == "squared-error"


def test_switching_clears_results_and_the_formulas_follow():
    lesson = lecture()
    lesson.backward()
    lesson.set_activation("tanh")
    assert lesson.phase == "none" and lesson.backward_pass is None
    rows = backward_rows(lesson.backward(), 0, lesson.layers)
    assert any("1−tanh²(z(L))" in row.formula for row in rows)
    lesson.set_activation("sigmoid")
    lesson.set_cost("cross-entropy")
    rows = backward_rows(lesson.backward(), 0, lesson.layers)
    cancel = [row for row in rows if row.key == "dC_dz"]
    assert cancel and cancel[0].formula.endswith("a(L)−y")
    fwd = lesson.forward_pass
    assert cancel[0].value == pytest.approx(fwd.column("a")[0, -1] - fwd.samples.y[0, 0])


@settings(max_examples=25)
@given(which=st.sampled_from(["w", "b"]), layer=st.integers(1, 3),
       activation=st.sampled_from(["sigmoid", "tanh"]))
def test_the_nudge_agrees_with_the_chain_rule(which, layer, activation):
    lesson = lecture(x=(0.7, -0.4, 1.2), y=(1.0, 0.0, 0.5))
    lesson.set_activation(activation)
    result = lesson.nudge(which, layer)
    analytic = getattr(lesson.current_trace(), f"mean_dC_d{which}")[layer - 1]
    assert result.analytic == analytic
    assert result.numeric == pytest.approx(analytic, rel=1e-5, abs=1e-9)
    assert result.rel_error < 1e-5


def test_the_slice_goes_through_the_current_point_with_the_gradient_as_slope():
    lesson = lecture(x=(0.7, 0.2), y=(1.0, 0.0))
    for which in ("w", "b"):
        cut = lesson.cost_slice(which, 2)
        assert cut.theta0 == getattr(lesson.network, f"flat_{which}")[1]
        assert cut.cost0 == pytest.approx(lesson.network.forward(lesson.samples).mean_cost)
        assert cut.slope == getattr(lesson.current_trace(), f"mean_flat_dC_d{which}")[1]
        # the slope of the curve itself, by finite differences of the drawn points
        mid = len(cut.theta) // 2
        h = cut.theta[mid + 1] - cut.theta[mid - 1]
        secant = (cut.cost[mid + 1] - cut.cost[mid - 1]) / h
        assert secant == pytest.approx(cut.slope, rel=0.05, abs=1e-3)
    fit = lesson.fit()
    assert fit.x.min() < 0.2 and fit.x.max() > 0.7
    assert np.allclose(fit.sample_output,
                       lesson.network.forward(lesson.samples).column("a")[:, -1])


# -- the quiz ---------------------------------------------------------------------


@settings(max_examples=200)
@given(truth=st.floats(-1e3, 1e3).filter(lambda v: abs(v) >= 1e-4),
       r=st.floats(-0.0099, 0.0099))
def test_a_guess_within_one_percent_is_accepted(truth, r):
    assert check_answer(truth * (1 + r), truth).accepted


@settings(max_examples=200)
@given(truth=st.floats(-1e3, 1e3).filter(lambda v: abs(v) >= 1e-4),
       r=st.floats(0.0101, 10.0), sign=st.sampled_from([-1, 1]))
def test_a_guess_further_off_is_rejected_and_says_how_far(truth, r, sign):
    guess = truth * (1 + sign * r)
    verdict = check_answer(guess, truth)
    assert not verdict.accepted
    assert verdict.difference == pytest.approx(guess - truth)
    assert abs(verdict.relative) == pytest.approx(r)


def test_near_zero_an_absolute_floor_applies():
    assert tolerance(0.0) == ABS_FLOOR
    assert check_answer(0.0, 3e-7).accepted
    assert check_answer(0.0, 0.0).accepted
    assert not check_answer(0.0, 3e-6).accepted
    assert check_answer(1.0004e-6, 1e-6).accepted
    assert check_answer(0.0, 0.0).relative is None


def test_answers_are_read_as_numbers():
    assert parse_guess(" −0.25 ") == -0.25
    assert parse_guess("1e-3") == 0.001
    assert parse_guess("0,5") == 0.5
    for bad in ("abc", "nan", "inf", ""):
        with pytest.raises(ModelError, match="answer"):
            parse_guess(bad)


def test_the_quiz_keeps_a_score_and_moves_on_after_right_answers_and_reveals():
    lesson = lecture()
    quiz = lesson.quiz
    bp = lesson.backward()
    rows = backward_rows(bp, 0, lesson.layers)
    key = (lesson.version, lesson.layers, 0)
    assert quiz.position(key) == 0
    assert not quiz.answer(key, str(rows[0].value * 1.5 + 1), rows[0].value).accepted
    assert quiz.position(key) == 0 and quiz.wrong == 1
    assert quiz.answer(key, repr(rows[0].value), rows[0].value).accepted
    assert quiz.position(key) == 1 and quiz.right == 1
    quiz.reveal(key)
    assert quiz.position(key) == 2 and quiz.revealed == 1
    with pytest.raises(ModelError):
        quiz.answer(key, "x", rows[2].value)
    assert (quiz.right, quiz.wrong, quiz.revealed) == (1, 1, 1)
    assert quiz.score == "1/2 right · 1 wrong · 1 shown"
    # another layer (or a new pass) starts at its first factor again
    assert quiz.position((lesson.version, lesson.layers - 1, 0)) == 0


@pytest.mark.parametrize("epsilon", [1e-1, 1e-5, 1e-10])
def test_the_nudge_row_shows_the_two_costs_apart_however_small_the_nudge(epsilon):
    from backprop_tui.present.formulas import nudge_rows

    lesson = lecture()
    result = lesson.nudge("w", 3, epsilon)
    row = nudge_rows(result, lesson.network)[0]
    up, down = row.numbers.split("/")[0].strip("()").split("\u2212")
    assert up != down
    assert float(up) == pytest.approx(result.cost_up, rel=1e-8)
    assert float(down) == pytest.approx(result.cost_down, rel=1e-8)
    assert row.value == result.numeric


def test_the_state_is_one_frozen_value_and_undo_brings_back_the_very_same_one():
    import dataclasses

    lesson = Lesson(Network.chain(defaults.W, defaults.B), Samples(defaults.X, defaults.Y),
                    defaults.LR)
    states = [lesson.state]
    for change in (lesson.forward, lesson.backward, lesson.step,
                   lambda: lesson.set_w(1, 0.25), lambda: lesson.train(3)):
        change()
        assert lesson.state is not states[-1]  # a new value, the old one untouched
        states.append(lesson.state)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lesson.state.lr = 1.0  # type: ignore[misc]
    assert states[1].phase == "forward" and states[3].phase == "step"
    assert states[3].steps_done == 1 and states[4].network.flat_w[0] == 0.25
    for before in reversed(states[:-1]):
        lesson.undo()
        assert lesson.state is before
    assert (lesson.network, lesson.phase) == (states[0].network, "none")
