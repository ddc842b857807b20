"""The wide app under abuse: random key storms and any text in its fields.

As tests/tui/test_robust.py for the chain: after every key, whatever was pressed, the
grid and the selected neuron's panel show the lesson's numbers, the selection is a
neuron that exists, and q always quits.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model.files import Folder
from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import random_network
from backprop_tui.tui.app import FRAME, BackpropApp
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.widgets.field import NumberField

from .helpers import play_storm, storm_actions, text_of
from .test_robust import texts
from .test_wide import assert_grid_matches_lesson

KEYS = (
    "f", "b", "s", "space", "t", "r", "v", "question_mark", "escape", "left", "right",
    "left_curly_bracket", "right_curly_bracket", "c", "M", "n", "p", "l", "D", "S", "plus",
    "minus", "up", "down", "j", "tab", "shift+tab", "enter", "e", "E", "m", "u", "U", "o",
    "k", "G", "a", "d",
)
"""Every key of the wide screen but q, ctrl+s and i (m writes its handouts into a folder
of the storm's own), and the chain's keys that here only say they are not available."""

actions = storm_actions(KEYS)

SHAPES = [(2, 2, 1), (3, 4, 2), (1, 3, 3, 1), (2, 2, 2, 2, 2, 2, 1)]


def lesson_for(shape) -> Lesson:
    net = random_network(shape)
    x = [[0.1 * (k + 1) * (-1) ** s for k in range(shape[0])] for s in range(3)]
    y = [[float((s + j) % 2) for j in range(shape[-1])] for s in range(3)]
    return Lesson(net, net.samples(x, y), 0.5)


def assert_consistent(app: BackpropApp) -> None:
    shape = app.lesson.shape
    assert 1 <= app.main.shown_layer < len(shape)
    assert 1 <= app.main.neuron <= shape[app.main.shown_layer]
    assert 1 <= app.main.weight <= shape[app.main.shown_layer - 1]
    assert 0 <= app.main.sample < len(app.lesson.samples)
    assert_grid_matches_lesson(app)


async def storm(shape, steps) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = BackpropApp(lesson_for(shape), folder=Folder(folder))
        async with app.run_test(size=(80, 24)) as pilot:
            await play_storm(pilot, steps, HelpScreen, assert_consistent)
            for w in app.lesson.network.w:
                assert all(math.isfinite(v) for v in w.ravel())
            await pilot.press("q")
        assert app.return_code == 0


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(SHAPES), st.lists(actions, min_size=1, max_size=25))
def test_random_key_storms_never_break_the_wide_app_and_q_always_quits(shape, steps):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(storm(shape, steps))
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


async def test_divergence_pauses_training_says_the_step_and_warns_nothing():
    net = random_network((2, 2, 1))
    lesson = Lesson(net, net.samples([[1.0, 0.5]], [[1e150]]), 1e300)
    app = BackpropApp(lesson)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("t")
            for _ in range(200):
                if not app.main.training:
                    break
                await pilot.pause(FRAME)
            assert not app.main.training
            divergence = app.lesson.divergence
            assert divergence is not None
            message = text_of(app.query_one("#message"))
            assert f"step {divergence.step}" in message and "paused" in message
            assert app.lesson.steps_done == divergence.step - 1
            assert all(math.isfinite(v) for v in app.lesson.network.flat_w)
            assert_consistent(app)
            await pilot.press("t")  # refused until a reset
            assert not app.main.training and "r resets" in text_of(app.query_one("#message"))
            await pilot.press("r")  # a reset clears it
            assert app.lesson.divergence is None and app.lesson.steps_done == 0
            await pilot.press("q")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


FIELDS = ("w-1", "w-2", "b")


def value_of(app: BackpropApp, name: str) -> float:
    net, l, j = app.lesson.network, app.main.shown_layer, app.main.neuron
    if name == "b":
        return float(net.b[l - 1][j - 1])
    return float(net.w[l - 1][j - 1, int(name[2:]) - 1])


async def edits(pairs) -> None:
    app = BackpropApp(lesson_for((2, 2, 1)))
    async with app.run_test(size=(80, 24)) as pilot:
        for name, text in pairs:
            field = app.query_one(f"#field-{name}", NumberField)
            before, version = value_of(app, name), app.lesson.version
            old_shown = field.shown
            field.focus()
            await pilot.pause()
            field.value = text
            await pilot.press("enter")
            await pilot.pause()
            after = value_of(app, name)
            assert app.focused is None
            if app.lesson.version != version:  # taken: exactly the finite number typed
                assert math.isfinite(after)
                assert after == float(text.strip().replace("\u2212", "-").replace(",", "."))
            else:  # refused (or nothing to apply): the old value kept and shown
                assert after == before and field.shown == old_shown
                if text.strip() not in ("", old_shown):
                    assert field.has_class("-refused")
                    assert f"kept {old_shown}" in text_of(app.query_one("#message"))
            assert_consistent(app)


@settings(max_examples=6, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FIELDS), texts), min_size=1, max_size=6))
def test_any_text_in_a_neurons_field_is_taken_as_a_finite_number_or_refused(pairs):
    asyncio.run(edits(pairs))
