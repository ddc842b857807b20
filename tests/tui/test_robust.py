"""The app under abuse, for every shape: random key storms (every key of the registry),
any text in any field, divergence, a long soak.

Each test runs in seconds. Nothing here measures time: the soak drives the app's
own training loop with a stepped clock and compares what the loss figure was
built from (its count and size), and memory with tracemalloc.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import tracemalloc
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import defaults
from backprop_tui.model.files import Folder
from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import random_network
from backprop_tui.present.format import fitted, number
from backprop_tui.present.keys import KEYS as REGISTRY
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
    assert_grid_matches_lesson,
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

KEYS = tuple(sorted({names.split(",")[0] for key in REGISTRY if not key.priority
                     for names, _, _ in key.bindings})) + ("tab", "shift+tab", "enter",
                                                           "escape")
"""Every key of the one registry but q (and ctrl+c), on every screen alike, and the keys
that move between fields. The keys that write files (i, m, ctrl+s) write into a folder of
the storm's own."""

actions = storm_actions(KEYS)

SHAPES = [(1, 1, 1, 1), (2, 2, 1), (3, 4, 2), (1, 3, 3, 1), (2, 2, 2, 2, 2, 2, 1)]
"""The note's chain (the chain's screen), then networks with a layer wider than one."""


def wide_lesson(shape) -> Lesson:
    net = random_network(shape)
    x = [[0.1 * (k + 1) * (-1) ** s for k in range(shape[0])] for s in range(3)]
    y = [[float((s + j) % 2) for j in range(shape[-1])] for s in range(3)]
    return Lesson(net, net.samples(x, y), 0.5)


def assert_wide_consistent(app: BackpropApp) -> None:
    """The network's screen: the selection is a neuron that exists; the grid shows the
    lesson's numbers."""
    shape = app.lesson.shape
    assert 1 <= app.main.shown_layer < len(shape)
    assert 1 <= app.main.neuron <= shape[app.main.shown_layer]
    assert 1 <= app.main.weight <= shape[app.main.shown_layer - 1]
    assert 0 <= app.main.sample < len(app.lesson.samples)
    assert_grid_matches_lesson(app)


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


async def storm(shape, steps: list[tuple[str, object]]) -> None:
    chain = all(width == 1 for width in shape)
    with tempfile.TemporaryDirectory() as folder:
        app = BackpropApp(lecture() if chain else wide_lesson(shape), folder=Folder(folder))
        check = assert_screen_matches_lesson if chain else assert_wide_consistent
        async with app.run_test(size=SIZE) as pilot:
            await play_storm(pilot, steps, HelpScreen, check)
            for w in app.lesson.network.w:
                assert all(math.isfinite(v) for v in w.ravel())
            await pilot.press("q")
        assert app.return_code == 0


@settings(max_examples=16, deadline=None)
@given(st.sampled_from(SHAPES), st.lists(actions, min_size=1, max_size=20))
def test_random_key_storms_never_break_the_app_of_any_shape_and_q_always_quits(shape, steps):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(storm(shape, steps))
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


def assert_taken_or_refused(app: BackpropApp, text: str, version: int, before: float,
                            after: float, old_shown: str, now_shown: str,
                            refused: bool) -> None:
    """A text typed into a field and entered: taken as exactly the finite number it
    writes, or refused with the old value kept and shown, and the message saying so."""
    assert app.focused is None
    if app.lesson.version != version:  # taken: exactly the finite number typed
        assert math.isfinite(after)
        assert after == float(text.strip().replace("\u2212", "-").replace(",", "."))
        assert not refused
    else:  # refused (or nothing to apply): the old value kept and shown
        assert after == before or (math.isnan(after) and math.isnan(before))
        assert now_shown == old_shown
        if text.strip() not in ("", old_shown):
            assert refused
            assert f"kept {old_shown}" in shown(app, "#message")


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
            assert_taken_or_refused(app, text, version, before, after, old_shown,
                                    chain.shown(target), refused(app, name))
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


# -- a network with a layer wider than one: divergence, its neuron's fields


async def test_divergence_in_a_wide_network_pauses_training_and_warns_nothing():
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
            assert_wide_consistent(app)
            await pilot.press("t")  # refused until a reset
            assert not app.main.training and "r to reset" in text_of(app.query_one("#message"))
            await pilot.press("r")  # a reset clears it
            assert app.lesson.divergence is None and app.lesson.steps_done == 0
            await pilot.press("q")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


NEURON_FIELDS = ("w-1", "w-2", "b", "lr")


def neuron_value(app: BackpropApp, name: str) -> float:
    net, l, j = app.lesson.network, app.main.shown_layer, app.main.neuron
    if name == "lr":
        return app.lesson.lr
    if name == "b":
        return float(net.b[l - 1][j - 1])
    return float(net.w[l - 1][j - 1, int(name[2:]) - 1])


async def neuron_edits(pairs) -> None:
    app = BackpropApp(wide_lesson((2, 2, 1)))
    async with app.run_test(size=(80, 24)) as pilot:
        for name, text in pairs:
            field = app.query_one(f"#field-{name}", NumberField)
            before, version = neuron_value(app, name), app.lesson.version
            old_shown = field.shown
            field.focus()
            await pilot.pause()
            field.value = text
            await pilot.press("enter")
            await pilot.pause()
            after = neuron_value(app, name)
            assert_taken_or_refused(app, text, version, before, after, old_shown,
                                    field.shown, field.has_class("-refused"))
            assert_wide_consistent(app)


@settings(max_examples=6, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NEURON_FIELDS), texts), min_size=1, max_size=6))
def test_any_text_in_a_neurons_field_is_taken_as_a_finite_number_or_refused(pairs):
    asyncio.run(neuron_edits(pairs))
