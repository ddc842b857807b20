"""The lesson a class follows: the teacher's state sent as JSON rebuilds the same numbers
in a student's lesson, a following lesson refuses changes, and the tally of answers."""

import json
import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import ModelError, Network, Samples, defaults
from backprop_tui.model.follow import Shared
from backprop_tui.model.history import LossHistory
from backprop_tui.model.lesson import Lesson
from backprop_tui.model.quiz import ANSWER_MOST, Tally, clean_text, tolerance

from .strategies import finite, networks


def chain_lesson() -> Lesson:
    return Lesson(Network.chain(defaults.W, defaults.B), Samples(defaults.X, defaults.Y),
                  defaults.LR)


def shared_of(lesson: Lesson, view: dict | None = None) -> Shared:
    step = lesson.last_step
    return Shared(lesson.to_session(), lesson.phase, None if step is None else step.old,
                  view or {})


def sent(shared: Shared) -> Shared:
    """Through JSON, as the class is sent it."""
    return Shared.from_dict(json.loads(json.dumps(shared.to_dict())))


def same_results(a: Lesson, b: Lesson) -> None:
    assert a.phase == b.phase
    assert a.steps_done == b.steps_done
    np.testing.assert_array_equal(a.network.flat_w, b.network.flat_w)
    np.testing.assert_array_equal(a.network.flat_b, b.network.flat_b)
    assert (a.forward_pass is None) == (b.forward_pass is None)
    if a.forward_pass is not None:
        assert a.forward_pass.mean_cost == b.forward_pass.mean_cost
    assert (a.backward_pass is None) == (b.backward_pass is None)
    if a.backward_pass is not None:
        np.testing.assert_array_equal(a.backward_pass.mean_flat_dC_dw,
                                      b.backward_pass.mean_flat_dC_dw)
        np.testing.assert_array_equal(a.backward_pass.mean_flat_dC_db,
                                      b.backward_pass.mean_flat_dC_db)
    assert (a.last_step is None) == (b.last_step is None)
    if a.last_step is not None:
        np.testing.assert_array_equal(a.last_step.old.flat_w, b.last_step.old.flat_w)
        np.testing.assert_array_equal(a.last_step.new.flat_w, b.last_step.new.flat_w)
        np.testing.assert_array_equal(a.last_step.backward.mean_flat_dC_dw,
                                      b.last_step.backward.mean_flat_dC_dw)


@settings(max_examples=40, deadline=None)
@given(networks(), st.lists(st.sampled_from("fbsn"), max_size=7))
def test_a_student_sees_the_teachers_numbers_for_any_shape_and_phase(case, keys):
    network, data = case
    teacher = Lesson(network, data, 0.1)
    student = Lesson(network, data, 0.1)
    for key in keys:
        try:
            {"f": teacher.forward, "b": teacher.backward, "s": teacher.step,
             "n": teacher.next_phase}[key]()
        except ModelError:  # a diverging network: the teacher's screen says so
            return
    student.follow(*_parts(sent(shared_of(teacher))))
    same_results(teacher, student)


def _parts(shared: Shared):
    return shared.session, shared.phase, shared.before


def test_the_default_chain_after_f_shows_the_teachers_cost():
    teacher, student = chain_lesson(), chain_lesson()
    student.set_w(3, 0.9)  # the student had changed something: following replaces it
    teacher.forward()
    student.follow(*_parts(sent(shared_of(teacher))))
    assert student.forward_pass.mean_cost == teacher.forward_pass.mean_cost
    assert f"{student.forward_pass.mean_cost:.4f}" == "0.1804"


def test_training_reaches_the_class_with_its_steps_and_a_coarse_history():
    teacher, student = chain_lesson(), chain_lesson()
    teacher.train(5000)
    shared = sent(shared_of(teacher))
    student.follow(*_parts(shared))
    assert student.steps_done == teacher.steps_done == 5000
    assert len(student.history) == len(teacher.history)
    assert student.history.last == teacher.history.last
    assert len(shared.to_dict()["session"]["history"]["count"]) <= 512
    # the coarse history keeps the same extremes over the same steps
    a, b = teacher.history.thinned(100), student.history.thinned(100)
    assert a.low.min() == b.low.min() and a.high.max() == b.high.max()


def test_a_locked_lesson_refuses_every_change_in_one_line_and_keeps_its_state():
    lesson = chain_lesson()
    lesson.forward()
    lesson.locked = "following ann: F goes your own way"
    before = (lesson.state, lesson.version)
    changes = [lesson.forward, lesson.backward, lesson.step, lesson.next_phase, lesson.reset,
               lesson.undo, lesson.redo, lambda: lesson.train(10), lambda: lesson.set_w(1, 0.2),
               lambda: lesson.set_b(1, 0.2), lambda: lesson.set_x(0, 0.2),
               lambda: lesson.set_y(0, 0.2), lambda: lesson.set_lr(0.2),
               lambda: lesson.set_activation("tanh"), lambda: lesson.set_cost("cross-entropy"),
               lambda: lesson.add_sample(0.3, 1), lesson.use_xor]
    for change in changes:
        with pytest.raises(ModelError, match="following ann"):
            change()
    assert (lesson.state, lesson.version) == before
    teacher = chain_lesson()
    teacher.forward()
    teacher.backward()
    lesson.follow(*_parts(sent(shared_of(teacher))))  # following still changes it
    assert lesson.phase == "backward" and lesson.locked is not None


def test_follow_starts_undo_again_and_a_reset_returns_to_the_teachers_start():
    teacher, student = chain_lesson(), chain_lesson()
    teacher.set_w(1, 0.25)
    teacher.step()
    student.follow(*_parts(sent(shared_of(teacher))))
    assert student.can_undo == 0
    student.reset()
    np.testing.assert_array_equal(student.network.flat_w, teacher.start.network.flat_w)


def test_a_shared_value_with_a_wrong_field_is_refused_naming_it():
    teacher = chain_lesson()
    data = shared_of(teacher).to_dict()
    data["before"] = {"w": [1.0], "b": [0.0, 0.0, 0.0]}
    with pytest.raises(ModelError):
        Shared.from_dict(json.loads(json.dumps(data)))
    data = shared_of(teacher).to_dict()
    data["view"] = [1]
    with pytest.raises(ModelError, match="view"):
        Shared.from_dict(data)
    with pytest.raises(ModelError, match="phase"):
        Lesson.follow(chain_lesson(), teacher.to_session(), "sideways")


@settings(max_examples=50, deadline=None)
@given(st.lists(finite(-1e3, 1e3), min_size=1, max_size=3000), st.integers(2, 600))
def test_a_coarse_history_covers_the_same_steps_within_its_buckets(values, buckets):
    history = LossHistory()
    history.extend(np.array(values))
    coarse = history.coarse(buckets)
    assert len(coarse) == len(history) and coarse.last == history.last
    assert len(coarse.to_dict()["count"]) <= buckets
    whole, few = history.thinned(10**6), coarse.thinned(10**6)
    assert whole.low.min() == few.low.min() and whole.high.max() == few.high.max()
    assert few.step[0] == whole.step[0]


def test_the_tally_counts_each_students_last_answer_against_the_quizs_tolerance():
    truth = 0.1437
    tally = Tally(truth)
    assert tally.answer("ann", "0.1437")
    assert not tally.answer("bob", "0.5")
    assert not tally.answer("cy", "0.5")
    assert tally.answer("cy", "0.144")  # cy's second answer replaces the first
    assert not tally.answer("dee", "-1")
    assert tally.answered == 4 and tally.right_count == 2
    assert tally.median == statistics.median([0.1437, 0.5, 0.144, -1.0])
    assert tally.common_wrong() == [(-1.0, 1), (0.5, 1)]
    with pytest.raises(ModelError):
        tally.answer("eve", "abc")
    with pytest.raises(ModelError, match="printable"):
        tally.answer("eve", "\x1b[31m1")
    with pytest.raises(ModelError, match="printable"):
        tally.answer("eve", "1" * (ANSWER_MOST + 1))
    assert tally.answered == 4


@given(finite(-10, 10), st.lists(finite(-10, 10), min_size=1, max_size=30))
def test_the_tally_agrees_with_the_tolerance_for_any_answers(truth, guesses):
    tally = Tally(truth)
    for i, guess in enumerate(guesses):
        tally.answer(f"s{i}", repr(guess))
    expected = sum(abs(g - truth) <= tolerance(truth) for g in guesses)
    assert tally.right_count == expected
    assert tally.answered == len(guesses)
    assert math.isclose(tally.median, statistics.median(guesses))
    assert sum(n for _, n in tally.common_wrong(len(guesses))) == len(guesses) - expected


def test_clean_text_refuses_control_characters_and_length():
    assert clean_text("ann") == "ann"
    assert clean_text("") is None
    assert clean_text("a\x1b]0;x\x07") is None
    assert clean_text("x" * 25, 24) is None
    assert clean_text("[b]bold[/b]") == "[b]bold[/b]"  # kept as text; shown as text
