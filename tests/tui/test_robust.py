"""The app under abuse: random key storms, any text in any field, divergence, a long soak.

Each test runs in seconds. Nothing here measures time: the soak drives the app's
own training loop with a stepped clock and compares what the loss figure was
built from (its count and size), and memory with tracemalloc.
"""

from __future__ import annotations

import asyncio
import math
import tracemalloc
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import defaults
from backprop_tui.present.format import fitted, number
from backprop_tui.tui import app as app_module
from backprop_tui.tui.app import FRAME, PLOT_REDRAW, SPEEDS, BackpropApp
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.widgets import loss_plot
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.loss_plot import LossPlot
from backprop_tui.tui.widgets.neuron import BLANK, ChainView

from .helpers import (
    GARBAGE,
    app_for,
    edit_field,
    editing,
    field_value,
    lecture,
    panel_line,
    play_storm,
    refused,
    storm_actions,
    target_of,
    text_of,
)

SIZE = (80, 24)

KEYS = (
    "f", "b", "s", "space", "t", "r", "l", "a", "d", "n", "p", "left_square_bracket",
    "right_square_bracket", "plus", "minus", "v", "up", "down", "tab", "shift+tab", "enter",
    "escape", "question_mark",
    # the teaching keys: nudge, ε, w/b, plot view, undo, redo, quiz, activation, cost, vanishing
    "e", "E", "c", "g", "u", "U", "z", "o", "k", "h",
)
"""Every key of the app but q and those that write files, and the keys that move between
fields."""

actions = storm_actions(KEYS)


def shown(app: BackpropApp, selector: str) -> str:
    return text_of(app.query_one(selector))


def assert_screen_matches_lesson(app: BackpropApp) -> None:
    """Every number the panels and the status line show is the lesson's."""
    lesson, sample = app.lesson, app.main.sample
    assert 0 <= sample < len(lesson.samples)
    assert 1 <= app.main.shown_layer <= lesson.layers
    fields = {"x": lesson.samples.x[sample, 0], "y": lesson.samples.y[sample, 0], "lr": lesson.lr}
    for layer in range(1, lesson.layers + 1):
        fields[f"w-{layer}"] = lesson.network.flat_w[layer - 1]
        fields[f"b-{layer}"] = lesson.network.flat_b[layer - 1]
    chain = app.query_one(ChainView)
    for name, value in fields.items():
        target = target_of(name)
        text, cells = chain.shown(target), chain.panel_of(target).cells
        # Whole and correctly rounded in the field's cells (number() when it fits).
        assert text == fitted(float(value), cells) and len(text) <= cells, name
        if editing(app) != name:
            assert field_value(app, name) == text, name
    fwd = lesson.forward_pass
    for layer in range(1, lesson.layers + 1):
        i = layer - 1
        for kind, values in (("z", None if fwd is None else fwd.column("z")),
                             ("a", None if fwd is None else fwd.column("a"))):
            expected = BLANK if values is None else number(float(values[sample, i]), signed=True)
            assert panel_line(app, f"#neuron-{layer}", kind) == f"{kind} {expected}"
    cost = BLANK if fwd is None else fitted(float(fwd.cost[sample]), 10, signed=True)
    assert panel_line(app, "#target-panel", "cost") == f"C {cost}"
    status = shown(app, "#status")
    assert f"step {lesson.steps_done}" in status
    assert f"η={number(lesson.lr)}" in status


async def storm(steps: list[tuple[str, object]]) -> None:
    lesson = lecture()
    app = app_for(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await play_storm(pilot, steps, HelpScreen, assert_screen_matches_lesson)
        await pilot.press("q")
    assert app.return_code == 0


@settings(max_examples=10, deadline=None)
@given(st.lists(actions, min_size=1, max_size=20))
def test_random_key_storms_never_break_the_app_and_q_always_quits(steps):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(storm(steps))
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


FIELDS = ("x", "y", "lr", "w-1", "w-2", "w-3", "b-1", "b-2", "b-3")

texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=16),
    st.text(GARBAGE, max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1e6, 1e6).map(lambda v: f"{v:.6g}".replace("-", "\u2212")),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "1e-400", " 2 ", "0x10", "1_000", "−0.5",
                     "--1", "1e", ".", "", " ", "0", "-0", "1e308", "infinity", "NaN"]),
)


def value_of(app: BackpropApp, name: str) -> float:
    lesson, sample = app.lesson, app.main.sample
    if name == "x":
        return float(lesson.samples.x[sample, 0])
    if name == "y":
        return float(lesson.samples.y[sample, 0])
    if name == "lr":
        return lesson.lr
    kind, layer = name.split("-")
    return float((lesson.network.flat_w if kind == "w" else lesson.network.flat_b)[int(layer) - 1])


async def edits(pairs: list[tuple[str, str]]) -> None:
    app = app_for(lecture())
    async with app.run_test(size=SIZE) as pilot:
        chain = app.query_one(ChainView)
        for name, text in pairs:
            target = target_of(name)
            before, version = value_of(app, name), app.lesson.version
            old_shown = chain.shown(target)
            await edit_field(pilot, name)
            assert isinstance(app.focused, NumberField)
            app.focused.value = text
            await pilot.press("enter")
            await pilot.pause()
            after = value_of(app, name)
            assert app.focused is None
            if app.lesson.version != version:  # taken: exactly the finite number typed
                assert math.isfinite(after)
                assert after == float(text.strip().replace("\u2212", "-").replace(",", "."))
                assert not refused(app, name)
            else:  # refused (or nothing to apply): the old value kept and shown
                assert after == before or (math.isnan(after) and math.isnan(before))
                assert chain.shown(target) == old_shown
                if text.strip() not in ("", old_shown):
                    assert refused(app, name)
                    assert f"kept {old_shown}" in shown(app, "#message")
            cells = chain.panel_of(target).cells
            assert field_value(app, name) == chain.shown(target) == fitted(after, cells)
            assert_screen_matches_lesson(app)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FIELDS), texts), min_size=1, max_size=8))
def test_any_text_in_any_field_is_taken_as_a_finite_number_or_refused(pairs):
    asyncio.run(edits(pairs))


async def test_divergence_in_the_app_pauses_training_says_the_step_and_warns_nothing():
    app = app_for(lecture(y=(1e150,), lr=1e300))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            for _ in range(200):
                if not app.main.training:
                    break
                await pilot.pause(FRAME)
            assert not app.main.training
            lesson = app.lesson
            divergence = lesson.divergence
            assert divergence is not None
            message = shown(app, "#message")
            assert f"step {divergence.step}" in message and "paused" in message
            assert lesson.steps_done == divergence.step - 1
            assert np.isfinite(lesson.network.flat_w).all() and np.isfinite(lesson.network.flat_b).all()
            assert_screen_matches_lesson(app)
            await pilot.press("t")  # refused until η changes or r resets
            await pilot.pause()
            assert not app.main.training and "change η" in shown(app, "#message")
            await pilot.press("f", "b", "s")
            await pilot.pause()
            await pilot.press("q")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


async def test_soak_thousands_of_steps_memory_and_figure_size_stay_flat(monkeypatch):
    clock = [1000.0]
    builds: list[tuple[int, int, int]] = []
    figure = loss_plot.loss_figure

    def recorded(thinned, width, height, colour=True, log=False):
        text = figure(thinned, width, height, colour, log)
        builds.append((len(thinned.step), width, len(text)))
        return text

    monkeypatch.setattr(loss_plot, "loss_figure", recorded)
    lesson = lecture()
    lesson.set_samples(defaults.DATASET_X, defaults.DATASET_Y)
    app = app_for(lesson, clock=lambda: clock[0])
    speed = SPEEDS.index(5000)
    ticks_per_plot = round(PLOT_REDRAW / FRAME)

    async def run(ticks: int) -> None:
        for _ in range(ticks):
            clock[0] += FRAME
            app.main._tick()  # the app's own training step (its timer never fires: time stands)
            await pilot.pause()

    async with app.run_test(size=SIZE) as pilot:
        while app.main.speed < speed:
            await pilot.press("plus")
        await pilot.press("t")
        assert app.main.training and app.main.speed == speed
        await run(2 * ticks_per_plot)
        warm_steps, warm_builds = lesson.steps_done, len(builds)
        tracemalloc.start()
        try:
            await run(ticks_per_plot)
            base, _ = tracemalloc.get_traced_memory()
            await run(2 * ticks_per_plot)
            grown, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        steps = lesson.steps_done - warm_steps
        await pilot.press("t")
        await pilot.pause()
        assert_screen_matches_lesson(app)
        plot = app.query_one(LossPlot)
        await pilot.press("q")

    # Every step the clock asked for was taken.
    assert abs(steps - SPEEDS[speed] * 3 * ticks_per_plot * FRAME) <= 1
    assert lesson.steps_done >= 20_000
    assert grown - base < 512 * 1024, f"memory grew by {grown - base} bytes"
    # The curve is redrawn once per PLOT_REDRAW while training, from at most a plot's
    # width of points however many steps lie behind it, into a figure of the same size.
    during = builds[warm_builds:]
    assert 2 <= len(during) <= 4
    assert plot.builds == len(builds)
    for points, width, _size in during:
        assert points <= width
    sizes = [size for _, _, size in during]
    assert max(sizes) <= 1.5 * min(sizes)


async def test_training_redraws_the_screen_at_a_calm_rate(monkeypatch):
    clock = [1000.0]
    app = app_for(lecture(), clock=lambda: clock[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        shows = []
        real_update = app.main._update_screen
        monkeypatch.setattr(app.main, "_update_screen",
                            lambda: (shows.append(clock[0]), real_update()))
        plot = app.query_one(LossPlot)
        builds = plot.builds
        seconds = 3
        for _ in range(round(seconds / FRAME)):
            clock[0] += FRAME
            app.main._tick()
            await pilot.pause()
        assert app.main.training and app.lesson.steps_done > 0
        # Numbers at most every TRAINING_REDRAW, the curve at most every PLOT_REDRAW.
        redraws = seconds / app_module.TRAINING_REDRAW
        assert redraws - 1 <= len(shows) <= redraws + 1
        assert seconds / PLOT_REDRAW - 1 <= plot.builds - builds <= seconds / PLOT_REDRAW + 1
        await pilot.press("t")
        await pilot.pause()
        assert_screen_matches_lesson(app)
        assert plot._drawn[:2] == (app.lesson.history.next_step, len(app.lesson.history))
