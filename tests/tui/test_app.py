"""The app, driven from the keyboard, for every shape (a chain, one neuron a layer, and
networks wider than that): the loop f, b, s and space, the backward pass layer by layer,
edits and refusals, samples, training, reset, the views and the terminal's size. Every
number shown is checked against the lesson (the model) or worked out by hand, never
copied from the screen."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tui.model import defaults
from backprop_tui.present.format import number
from backprop_tui.present.formulas import (
    a_sym,
    backward_rows,
    forward_rows,
    label,
    mean_gradient_row,
    step_rows,
)
from backprop_tui.tui import app as app_module
from backprop_tui.tui.app import FRAME, SPEEDS, WIDE_HEIGHT, WIDE_WIDTH, BackpropApp
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.view import View
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.grid import NetworkGrid
from backprop_tui.tui.widgets.loss_plot import LossPlot
from backprop_tui.tui.widgets.neuron import BLANK
from backprop_tui.tui.widgets.weight_derivation import WideDerivation

from .helpers import (
    DEEP_B,
    DEEP_SHAPE,
    DEEP_W,
    DEEP_X,
    DEEP_Y,
    SIZE,
    TEACHER_B,
    TEACHER_W,
    XOR_W,
    accuracy_by_hand,
    app_for,
    assert_grid_matches_lesson,
    by_hand,
    check_layer,
    deep_lesson,
    derivation_row,
    derivation_rows,
    derivation_text,
    edit_field,
    editing,
    field_value,
    lecture,
    lesson_by_hand,
    lesson_of,
    panel_line,
    refused,
    screen_of,
    shown,
    teacher_lesson,
    ten_layers,
    text_of,
    wait_until,
    xor_lesson,
)

WIDE = (120, 36)

CHAIN_AND_WIDE = [pytest.param(lecture, id="chain"), pytest.param(xor_lesson, id="2,2,1")]
"""The lecture's chain and XOR's 2,2,1: a test parametrized by these runs for each shape."""

BACKWARD_SHAPES = [
    pytest.param(lecture, SIZE, id="chain"),
    pytest.param(teacher_lesson, WIDE, id="2,2,1"),
    pytest.param(deep_lesson, WIDE, id="2,3,2,2"),
]
"""Lessons (and the terminal that shows their rows whole) for the backward pass: the
lecture's chain, the teacher's 2,2,1 and a deeper 2,3,2,2 of two samples."""


def field(app: BackpropApp, name: str) -> NumberField:
    return app.query_one(f"#field-{name}", NumberField)


def assert_panels_show_forward(app: BackpropApp, sample: int = 0) -> None:
    fwd = app.lesson.forward_pass
    assert fwd is not None
    for layer in range(1, app.lesson.layers + 1):
        i = layer - 1
        z, a = fwd.column("z")[sample, i], fwd.column("a")[sample, i]
        assert panel_line(app, f"#neuron-{layer}", "z") == f"z {number(z, signed=True)}"
        assert panel_line(app, f"#neuron-{layer}", "a") == f"a {number(a, signed=True)}"
    assert panel_line(app, "#target-panel", "cost") == f"C {number(fwd.cost[sample], signed=True)}"


def assert_current(app: BackpropApp, layer: int) -> None:
    """The panel of ``layer``, and no other neuron's, has the heavy border of the layer
    being explained."""
    borders = {n: app.query_one(f"#neuron-{n}").styles.border_top[0]
               for n in range(1, app.lesson.layers + 1)}
    assert borders == {n: "heavy" if n == layer else "round" for n in borders}


def assert_fields_show_lesson(app: BackpropApp, sample: int = 0) -> None:
    lesson = app.lesson
    for layer in range(1, lesson.layers + 1):
        assert field_value(app, f"w-{layer}") == number(lesson.network.flat_w[layer - 1])
        assert field_value(app, f"b-{layer}") == number(lesson.network.flat_b[layer - 1])
    assert field_value(app, "x") == number(lesson.samples.x[sample, 0])
    assert field_value(app, "y") == number(lesson.samples.y[sample, 0])
    assert field_value(app, "lr") == number(lesson.lr)


def assert_rows_shown(app: BackpropApp, rows) -> None:
    text = derivation_text(app)
    for row in rows:
        assert row.symbol in text
        assert row.value_text in text


def assert_shows_lesson(app: BackpropApp, sample: int = 0) -> None:
    """Every value shown is the lesson's: the chain's fields, or the grid's numbers."""
    if app.main.chain:
        assert_fields_show_lesson(app, sample)
    else:
        assert_grid_matches_lesson(app)


def assert_shows_forward(app: BackpropApp, sample: int = 0) -> None:
    """The forward pass is computed and shown: the chain's panels, or the grid's a_j."""
    assert app.lesson.forward_pass is not None
    if app.main.chain:
        assert_panels_show_forward(app, sample)
    else:
        assert app.main.sample == sample
        assert_grid_matches_lesson(app)


def assert_backward_layer_shown(app: BackpropApp, layer: int, factors) -> None:
    """The backward pass explains ``layer``: the chain's rows of the model's backward pass
    with that layer's panel marked, or the grid's derivation of the selected weight with
    the factors worked out by hand (:func:`~.helpers.by_hand`)."""
    lesson = app.lesson
    L = lesson.layers
    assert lesson.phase == "backward" and app.main.shown_layer == layer
    if app.main.chain:
        assert_rows_shown(app, backward_rows(lesson.backward_pass, app.main.sample, layer))
        assert_current(app, layer)
        assert f"layer ({label(layer, L)})" in app.query_one("#derivation").border_title
    else:
        check_layer(app, factors, layer, L, len(lesson.samples))


async def test_starts_with_nothing_focused_and_nothing_computed():
    app = app_for()
    async with app.run_test(size=SIZE):
        assert app.focused is None
        assert app.lesson.phase == "none"
        assert panel_line(app, "#neuron-1", "z") == f"z {BLANK}"
        assert panel_line(app, "#target-panel", "cost") == f"C {BLANK}"
        assert_fields_show_lesson(app)
        assert "phase: —" in shown(app, "#status")


async def test_f_shows_the_forward_pass():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        assert app.lesson.phase == "forward"
        assert_panels_show_forward(app)
        assert_rows_shown(app, forward_rows(app.lesson.forward_pass, 0))
        assert "phase: forward" in shown(app, "#status")


@pytest.mark.parametrize("make, size", BACKWARD_SHAPES)
async def test_b_starts_at_the_output_layer_and_goes_down_one_layer_each_press(make, size):
    """f, then b shows the output layer (L) (the grid's first row ∂C/∂a₁(L) = 2(a−y)), each
    b the layer below (on the grid, its ∂C/∂a is the Σ the layer above passed down), and b
    after the first layer (L) again."""
    lesson = make()
    _, factors = lesson_by_hand(lesson)
    app = BackpropApp(lesson)
    n = lesson.layers
    async with app.run_test(size=size) as pilot:
        await pilot.press("f")
        await pilot.press("b")
        assert_backward_layer_shown(app, n, factors)
        assert "output layer (L) first" in shown(app, "#message")
        if not app.main.chain:
            assert derivation_rows(app)[0].symbol == "∂C/∂a₁(L)"
        for layer in range(n - 1, 0, -1):
            if not app.main.chain:  # what the layer above passed down to a_k
                below = a_sym(layer, app.main.weight, n)
                passed = derivation_row(app, f"∂C/∂{below}").value
            await pilot.press("b")
            assert_backward_layer_shown(app, layer, factors)
            if not app.main.chain:  # is what this layer starts from
                assert derivation_row(app, f"∂C/∂{below}").value == passed
        await pilot.press("b")  # after the first layer: from the output layer again
        assert_backward_layer_shown(app, n, factors)


@pytest.mark.parametrize("make, size", BACKWARD_SHAPES)
async def test_b_before_f_runs_the_forward_pass_first_and_starts_at_the_output(make, size):
    """b with nothing computed runs the forward pass, then shows the output layer; b goes
    on down; after a step the forward pass is stale, and b runs it again."""
    lesson = make()
    a, factors = lesson_by_hand(lesson)
    app = BackpropApp(lesson)
    n = lesson.layers
    async with app.run_test(size=size) as pilot:
        await pilot.press("b")
        assert app.lesson.phase == "backward"
        assert app.lesson.forward_pass is not None
        np.testing.assert_allclose(app.lesson.forward_pass.a[-1], a[n], rtol=1e-12)
        assert "forward, then backward" in shown(app, "#message")
        assert_shows_forward(app)
        assert_backward_layer_shown(app, n, factors)
        # b again follows the backward pass down.
        for layer in range(n - 1, 0, -1):
            await pilot.press("b")
            assert_backward_layer_shown(app, layer, factors)
        # After a step the forward pass is stale: b runs it again with the new numbers.
        await pilot.press("s", "b")
        assert app.lesson.backward_pass.forward.network is app.lesson.network
        _, again = lesson_by_hand(app.lesson)
        assert not np.allclose(again[n]["dC_dw"], factors[n]["dC_dw"])
        assert_backward_layer_shown(app, n, again)


@pytest.mark.parametrize("size", [SIZE, WIDE])
async def test_a_deeper_network_from_the_output_down_following_the_weight(size):
    """2,3,2,2 with two samples: b at (L), then (L−1), (L−2); moving down, the selected
    neuron is the k whose ∂C/∂a_k the layer above summed (c chose k = 2)."""
    lesson = deep_lesson()
    _, factors = by_hand(DEEP_SHAPE, DEEP_W, DEEP_B, DEEP_X, DEEP_Y)
    app = BackpropApp(lesson)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "b")
        assert (app.main.shown_layer, app.main.neuron) == (3, 1)
        await pilot.press("c")  # w₁₂(L): its Σ is ∂C/∂a₂(L−1)
        assert app.main.weight == 2
        if size == WIDE:
            check_layer(app, factors, 3, 3, 2)
        passed = derivation_row(app, "∂C/∂a₂(L−1)").value
        await pilot.press("b")
        assert (app.main.shown_layer, app.main.neuron) == (2, 2)
        assert derivation_row(app, "∂C/∂a₂(L−1)").value == passed
        if size == WIDE:
            check_layer(app, factors, 2, 3, 2)
            await pilot.press("n")  # the other sample: its own factors, the same mean
            check_layer(app, factors, 2, 3, 2)
        await pilot.press("b")
        assert app.main.shown_layer == 1 and app.main.neuron == 2
        if size == WIDE:
            check_layer(app, factors, 1, 3, 2)
        # The grid shows the selected layer's column.
        grid = app.query_one(NetworkGrid)
        assert grid.first <= app.main.shown_layer <= grid.last


async def test_the_current_panel_s_border_and_lines_follow_the_theme():
    from textual.color import Color

    from backprop_tui.tui.themes import HIGH_CONTRAST

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        panel = app.query_one(f"#neuron-{app.lesson.layers}")
        before = panel.styles.border_top
        assert before == ("heavy", Color.parse(app.get_css_variables()["accent"]))
        app.theme = HIGH_CONTRAST.name
        await pilot.pause()
        after = panel.styles.border_top
        assert after == ("heavy", Color.parse(app.get_css_variables()["accent"]))
        assert after != before  # the two themes' accents differ
        # The lines are drawn in the new theme's colours too (the panel keeps their styles).
        field = panel.get_component_rich_style("panel--field")
        drawn = panel.render()
        assert any(span.style == field for span in drawn.spans)


async def test_the_x_note_says_x_is_data():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "left_square_bracket", "left_square_bracket")
        assert "x is data, not a parameter" in app.query_one("#derivation").border_subtitle
        assert "data, not" in shown(app, "#input-panel")


async def test_s_steps_with_the_mean_gradient_and_shows_old_to_new():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        lesson = app.lesson
        step = lesson.last_step
        assert lesson.phase == "step" and lesson.steps_done == 1
        expected = step.old.forward(lesson.samples).backward()
        np.testing.assert_array_equal(step.new.flat_w, step.old.flat_w - lesson.lr * expected.mean_flat_dC_dw)
        assert_fields_show_lesson(app)
        assert_rows_shown(app, step_rows(step.old, step.backward, step.lr, step.new))
        assert "step 1" in shown(app, "#status")
        # The z, a of the old parameters are gone.
        assert panel_line(app, "#neuron-1", "z") == f"z {BLANK}"


async def test_f_b_s_and_space_on_a_grid_show_the_models_numbers():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        assert app.lesson.phase == "none"
        assert_grid_matches_lesson(app)
        await pilot.press("f")
        assert app.lesson.phase == "forward"
        fwd = app.lesson.forward_pass
        assert_grid_matches_lesson(app)
        assert f"C = {number(float(fwd.cost[0]), True)}" in shown(app, "#sample-line")
        assert f"C̄ = {number(fwd.mean_cost, True)}" in shown(app, "#sample-line")
        assert [r.symbol for r in derivation_rows(app)][:2] == ["z₁(L−1)", "a₁(L−1)"]
        await pilot.press("b")  # the output layer first
        bp = app.lesson.backward_pass
        assert app.lesson.phase == "backward" and bp is not None and app.main.shown_layer == 2
        assert derivation_rows(app)[0].symbol == "∂C/∂a₁(L)"
        await pilot.press("b")  # then the layer below
        rows = derivation_rows(app)
        # The selected weight w₁₁(L−1): its factors, the Σ over j of (L−1), the mean.
        symbols = [r.symbol for r in rows]
        assert symbols == ["∂C/∂a₁(L−1)", "∂a₁(L−1)/∂z₁(L−1)", "∂C/∂w₁₁(L−1)", "term j=1",
                           "term j=2", "∂C/∂x₁", "∂C/∂w₁₁(L−1)"]
        assert rows[2].value == float(bp.dC_dw[0][0, 0, 0])
        assert rows[5].value == float(bp.dC_da_prev[0][0, 0])
        assert rows[5].formula.startswith("Σⱼ")
        assert rows[6].value == float(bp.mean_dC_dw[0][0, 0])
        # The Σ row is on screen at 80×24, its terms added.
        text = text_of(app.query_one(WideDerivation))
        assert "∂C/∂x₁" in text and "term j=1" in text and "term j=2" in text
        old = app.lesson.network
        await pilot.press("s")
        new = app.lesson.network
        assert app.lesson.phase == "step" and app.lesson.steps_done == 1
        expected = old.step(bp, 0.5)
        assert np.array_equal(new.flat_w, expected.flat_w)
        assert np.array_equal(new.flat_b, expected.flat_b)
        assert_grid_matches_lesson(app)
        assert "step 1" in shown(app, "#message")
        # space: forward → backward, (L) then (L−1) → step
        await pilot.press("space")
        assert app.lesson.phase == "forward"
        await pilot.press("space")
        assert app.lesson.phase == "backward" and app.main.shown_layer == 2
        await pilot.press("space")
        assert app.lesson.phase == "backward" and app.main.shown_layer == 1
        await pilot.press("space")
        assert app.lesson.phase == "step" and app.lesson.steps_done == 2


@pytest.mark.parametrize("make", [
    pytest.param(lecture, id="chain"),
    pytest.param(xor_lesson, id="2,2,1"),
    pytest.param(deep_lesson, id="2,3,2,2"),
])
async def test_space_goes_forward_then_backward_layer_by_layer_then_steps(make):
    app = BackpropApp(make())
    async with app.run_test(size=SIZE) as pilot:
        n = app.lesson.layers
        seen = []
        for _ in range(n + 3):
            await pilot.press("space")
            seen.append((app.lesson.phase, app.main.shown_layer))
        backward = [("backward", layer) for layer in range(n, 0, -1)]
        if app.main.chain:  # the chain explains the output layer forward, the first at a step
            assert seen == [("forward", n), *backward, ("step", 1), ("forward", n)]
        else:  # the grid keeps its selection outside the backward pass
            assert [(phase, layer if phase == "backward" else None) for phase, layer in seen] \
                == [("forward", None), *backward, ("step", None), ("forward", None)]
        assert app.lesson.steps_done == 1


async def test_layer_keys_choose_the_layer_explained():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "left_square_bracket")
        assert app.main.shown_layer == 2
        assert_rows_shown(app, backward_rows(app.lesson.backward_pass, 0, 2))
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert app.main.shown_layer == 3


async def test_editing_a_weight_applies_it_and_recomputes_what_was_shown():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.press("tab")  # x
        assert editing(app) == "x"
        await pilot.press("tab")  # w of the first neuron
        assert editing(app) == "w-1"
        await pilot.press(*"0.25", "enter")
        assert app.focused is None
        lesson = app.lesson
        assert lesson.network.flat_w[0] == 0.25
        # Live: the backward pass shown before the edit runs again with the new w.
        assert lesson.phase == "backward"
        assert lesson.backward_pass.forward.network is lesson.network
        assert field_value(app, "w-1") == number(0.25)
        before = lecture().network.forward(lecture().samples).mean_cost
        assert shown(app, "#message") == (
            f"w({label(1, 3)}) = {number(0.25)}: the forward and backward pass again; "
            f"C̄ {number(before)} → {number(lesson.forward_pass.mean_cost)}")
        assert_panels_show_forward(app)
        assert lesson.forward_pass.column("z")[0, 0] == pytest.approx(0.25 * 0.7 + 0.1)
        assert_rows_shown(app, backward_rows(lesson.backward_pass, 0, 3))
        await pilot.press("r", "tab", "tab", *"0.5", "enter")  # nothing computed: none redone
        assert lesson.phase == "none" and lesson.network.flat_w[0] == 0.5
        for layer in (1, 2, 3):
            assert panel_line(app, f"#neuron-{layer}", "z") == f"z {BLANK}"
        assert "Nothing is computed" in text_of(app.query_one("#derivation"))


async def test_letters_typed_in_a_field_neither_act_nor_go_into_the_field():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "tab", "f", "b", "s")
        assert app.lesson.phase == "none"
        assert field_value(app, "w-1") == number(defaults.W[0])
        assert shown(app, "#message").startswith(f"w({label(1, 3)}): only a number goes in")
        await pilot.press("minus", "2", "e", "1")
        assert field_value(app, "w-1") == "-2e1"
        await pilot.press("escape")
        assert app.focused is None
        assert field_value(app, "w-1") == number(defaults.W[0])
        assert app.lesson.network.flat_w[0] == defaults.W[0]
        await pilot.press("f")
        assert app.lesson.phase == "forward"


@pytest.mark.parametrize("text", ["nan", "inf", "abc", "1e999", "1e", "--1"])
async def test_a_non_finite_value_is_refused_with_a_message(text):
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "tab", "tab", "tab")  # x, w-1, b-1
        assert editing(app) == "b-1"
        field(app, "b-1").value = text  # as if pasted: letters cannot be typed in
        await pilot.press("enter")
        lesson = app.lesson
        assert lesson.network.flat_b[0] == defaults.B[0]
        assert field_value(app, "b-1") == number(defaults.B[0])
        assert refused(app, "b-1")
        assert app.query_one("#neuron-1").border_subtitle == "refused"
        message = shown(app, "#message")
        assert message.startswith(f"b({label(1, 3)}): ") and "number" in message
        assert "kept" in message
        # Nothing computed was lost.
        assert lesson.phase == "forward"
        assert_panels_show_forward(app)


async def test_a_neurons_fields_take_numbers_refuse_anything_else_and_tab_through():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b")
        field = app.query_one("#field-w-2", NumberField)
        field.focus()
        await pilot.pause()
        await pilot.press("a")  # not part of a number: kept out, said why
        assert "only a number goes in" in shown(app, "#message")
        field.value = "abc"
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson.network.w[0][0, 1] == 1.01
        assert field.shown == "1.0100" and field.value == "1.0100"
        assert field.has_class("-refused") and "kept 1.0100" in shown(app, "#message")
        field.focus()
        await pilot.pause()
        field.value = "−0.25"
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson.network.w[0][0, 1] == -0.25
        assert app.lesson.phase == "backward"  # run again with the new number
        assert app.lesson.backward_pass.network.w[0][0, 1] == -0.25
        assert "again" in shown(app, "#message")
        field = app.query_one("#field-b", NumberField)
        field.focus()
        await pilot.pause()
        field.value = "1e400"
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson.network.b[0][0] == 0.44 and "kept 0.4400" in shown(app, "#message")
        assert app.focused is None
        assert_grid_matches_lesson(app)
        # tab goes through the selected neuron's fields; escape restores and leaves
        await pilot.press("tab")
        assert app.focused is app.query_one("#field-w-1")
        await pilot.press("tab")
        assert app.focused is app.query_one("#field-w-2")
        await pilot.press("shift+tab")
        assert app.focused is app.query_one("#field-w-1")
        await pilot.press("9", "escape")
        assert app.focused is None and app.lesson.network.w[0][0, 0] == 0.22
        assert_grid_matches_lesson(app)


async def test_editing_x_y_and_eta():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", *"0.2", "tab")  # x, then on to w-1 (leaving applies)
        assert app.lesson.samples.x[0, 0] == 0.2
        await pilot.press("escape")
        await edit_field(pilot, "y")
        await pilot.press(*"0", "enter")
        assert app.lesson.samples.y[0, 0] == 0.0
        await edit_field(pilot, "lr")
        await pilot.press(*"1.5", "enter")
        assert app.lesson.lr == 1.5
        assert "η=1.5000" in shown(app, "#status")
        assert_fields_show_lesson(app)


@pytest.mark.parametrize("make", [
    pytest.param(lambda: lecture(x=defaults.DATASET_X, y=defaults.DATASET_Y), id="chain"),
    pytest.param(lambda: xor_lesson(lr=2.0), id="2,2,1"),
])
async def test_training_runs_draws_the_loss_curve_and_stops(make):
    """t trains on the app's clock (here one the test steps): the app's own timer takes a
    frame's steps, then frame after frame; the header says training and its rate, the loss
    curve is in front, + and − change the speed; t again stops, nothing moves after, and
    every number shown is the lesson's."""
    clock = [1000.0]
    app = BackpropApp(make(), clock=lambda: clock[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert app.main.training and app.main.view is View.LOSS
        clock[0] += FRAME  # the app's own timer takes this frame's steps
        await wait_until(pilot, lambda: app.lesson.steps_done > 0)
        for _ in range(60):
            clock[0] += FRAME
            app.main._tick()
            await pilot.pause()
        steps = app.lesson.steps_done
        assert steps > 1000 and len(app.lesson.history) == steps
        assert "training" in shown(app, "#status")
        assert "/s" in shown(app, "#status")  # a rate measured
        assert app.query_one(LossPlot).display
        before = app.main.speed
        await pilot.press("minus")
        assert app.main.speed == before - 1
        await pilot.press("plus")
        assert app.main.speed == before
        await pilot.press("t")
        assert not app.main.training and app.lesson.phase == "forward"
        stopped = app.lesson.steps_done
        clock[0] += 10 * FRAME  # time passes: no timer takes steps any more
        await pilot.pause(2 * FRAME)
        assert app.lesson.steps_done == stopped
        assert len(app.lesson.history) == stopped
        assert f"step {stopped}" in shown(app, "#status")
        assert_shows_lesson(app)
        assert "/s" not in shown(app, "#status")
        plot = app.query_one("#loss")
        assert plot.border_subtitle == f"last {app.lesson.history.last:.4g}".replace("-", "−")


@pytest.mark.parametrize("size", [SIZE, (120, 36)])
async def test_the_first_frame_of_training_agrees_on_the_step_everywhere(size):
    """The header, the batch table's title and the loss curve show the same step in the
    first frame with steps trained (not the placeholder, not the step t was pressed at)."""
    import re

    app = app_for(lecture(x=defaults.DATASET_X, y=defaults.DATASET_Y))
    frames: list[tuple[str, str, str, str]] = []
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "b")
        update = app.main._update_screen

        def recorded() -> None:  # every frame: what the header, table and curve show
            update()
            loss = app.query_one("#loss")
            frames.append((shown(app, "#status"), str(app.query_one("#batch").border_title),
                           text_of(loss), str(loss.border_subtitle)))

        app.main._update_screen = recorded  # type: ignore[method-assign]
        await pilot.press("t")
        for _ in range(200):  # at most 10 s
            if any("step 0 " not in header for header, *_ in frames):
                break
            await pilot.pause(0.05)
        await pilot.press("t")
    header, table, curve, last = next(f for f in frames if "step 0 " not in f[0])
    step = re.search(r"step (\d+)", header)
    assert step is not None and int(step[1]) > 0, header
    assert table.endswith(f"at step {int(step[1]):,}"), (header, table)
    assert "grows here" not in curve and last.startswith("last "), curve


async def test_q_quits_at_once_while_training():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_until(pilot, lambda: app.lesson.steps_done > 0)  # training, a tick taken
        await pilot.press("q")
    assert app.return_code == 0
    assert not app.main.training


async def test_speed_keys():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        start = app.main.speed
        await pilot.press("plus")
        assert app.main.speed == start + 1
        await pilot.press("minus", "minus")
        assert app.main.speed == start - 1
        for _ in range(len(SPEEDS) + 2):
            await pilot.press("minus")
        assert SPEEDS[app.main.speed] == 1
        assert "1 steps/s" in shown(app, "#message")


async def test_divergence_pauses_training_with_the_message():
    lesson = lecture(y=(1e150,), lr=1e300)
    app = app_for(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_until(pilot, lambda: not app.main.training)
        assert "diverged" in shown(app, "#message")
        assert np.isfinite(app.lesson.network.flat_w).all()


@pytest.mark.parametrize("make, keys, start_w", [
    # the chain's l keeps its network and loads the dataset (the start's samples from then on)
    pytest.param(lambda: lecture(w=(0.9, -0.6, 1.3), b=(0, 0, 0), lr=1.5),
                 ("f", "b", "s", "s", "l"), (0.9, -0.6, 1.3), id="chain"),
    pytest.param(xor_lesson, ("f", "b", "s", "s"), XOR_W, id="2,2,1"),
])
async def test_reset_returns_to_the_start_values_and_clears_the_history(make, keys, start_w):
    app = app_for(make())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        before = app.lesson.steps_done
        await pilot.press("t")
        await wait_until(pilot, lambda: app.lesson.steps_done > before)  # trained a tick
        await pilot.press("r")
        lesson = app.lesson
        assert not app.main.training
        assert lesson.network is lesson.start.network and lesson.samples is lesson.start.samples
        assert lesson.steps_done == 0 and len(lesson.history) == 0
        assert lesson.phase == "none"
        assert np.array_equal(lesson.network.flat_w, start_w)
        assert_shows_lesson(app)
        assert "step 0" in shown(app, "#status")


async def test_the_built_in_dataset_and_the_batch_table():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        lesson = app.lesson
        assert list(lesson.samples.x[:, 0]) == list(defaults.DATASET_X)
        await pilot.press("b", "v")
        table = text_of(app.query_one("#batch"))
        bp = lesson.backward_pass
        assert number(bp.mean_flat_dC_dw[-1], signed=True) in table
        assert number(bp.forward.mean_cost) in table
        assert "mean" in table
        assert "the mean of all 8" in app.query_one("#derivation").border_subtitle
        await pilot.press("n", "n")
        assert app.main.sample == 2
        assert field_value(app, "x") == number(defaults.DATASET_X[2])
        assert_panels_show_forward(app, sample=2)


async def test_n_and_p_show_each_samples_numbers_and_the_mean_of_all():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b")
        bp = app.lesson.backward_pass
        for expected in (1, 2, 3, 0, 3):
            await pilot.press("n" if expected != 3 or app.main.sample == 2 else "p")
            assert app.main.sample == expected
            assert_grid_matches_lesson(app)
            rows = derivation_rows(app)
            assert rows[2].value == float(bp.dC_dw[0][expected, 0, 0])
            assert rows[-1].value == float(bp.mean_dC_dw[0][0, 0])  # the mean: all samples
            assert f"sample {expected + 1}/4" in shown(app, "#sample-line")


async def test_xor_key_and_accuracy_in_the_header():
    lesson = lesson_of((3, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        assert "accuracy" in shown(app, "#status")
        await pilot.press("l")
        assert app.lesson.shape == (2, 2, 1) and len(app.lesson.samples) == 4
        assert np.array_equal(app.lesson.samples.y.ravel(), [0, 1, 1, 0])
        assert app.query_one("#input-2") is not None
        assert not app.query("#input-3")
        out = app.lesson.network.forward(app.lesson.samples).a[-1].ravel()
        right = sum((o >= 0.5) == (y == 1) for o, y in zip(out, [0, 1, 1, 0]))
        assert "accuracy —" in shown(app, "#status")  # new samples: not computed yet
        await pilot.press("f")
        assert f"accuracy {right}/4" in shown(app, "#status")
        assert_grid_matches_lesson(app)
    # Targets not all 0 or 1: no accuracy.
    app = BackpropApp(lesson_of((2, 2, 1), [[0.1, 0.2]], [[0.3]]))
    async with app.run_test(size=SIZE):
        assert "accuracy" not in shown(app, "#status")


async def test_the_header_shows_no_accuracy_until_a_forward_pass_computed_it():
    lesson = deep_lesson()
    a, _ = by_hand(DEEP_SHAPE, DEEP_W, DEEP_B, DEEP_X, DEEP_Y)
    app = BackpropApp(lesson)

    def header() -> str:
        return text_of(app.query_one("#status"))

    def expected() -> str:
        net = app.lesson.network
        a, _ = by_hand(DEEP_SHAPE, net.flat_w, net.flat_b, DEEP_X, DEEP_Y)
        return f"accuracy {accuracy_by_hand(a[-1], DEEP_Y)}"

    async def edit_b(text: str) -> None:
        field = app.query_one("#field-b", NumberField)
        field.focus()
        await pilot.pause()
        field.value = text
        await pilot.press("enter")
        await pilot.pause()

    async with app.run_test(size=WIDE) as pilot:
        assert "accuracy —" in header()
        await pilot.press("f")
        assert f"accuracy {accuracy_by_hand(a[-1], DEEP_Y)}" in header()
        await pilot.press("s")  # new numbers, nothing computed with them yet
        assert app.lesson.phase == "step" and "accuracy —" in header()
        await pilot.press("f")
        assert expected() in header()
        await edit_b("-6")  # after f the forward pass runs again: the new accuracy
        assert app.lesson.phase == "forward" and expected() in header()
        await pilot.press("s")
        await edit_b("6")  # after s nothing runs again: no accuracy
        assert app.lesson.phase == "none" and "accuracy —" in header()
        await pilot.press("f", "r")  # a reset: back to nothing computed
        assert "accuracy —" in header()


async def test_the_teachers_header_before_and_after_f():
    app = BackpropApp(teacher_lesson())
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one("#status")
        assert "accuracy 1/1" not in text_of(status) and "accuracy —" in text_of(status)
        await pilot.press("f")
        a, _ = by_hand((2, 2, 1), TEACHER_W, TEACHER_B, [[1.0, 0.0]], [[1.0]])
        assert f"accuracy {accuracy_by_hand(a[-1], [[1.0]])}" in text_of(status)


async def test_add_edit_and_delete_samples():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert len(app.lesson.samples) == 2 and app.main.sample == 1
        assert editing(app) == "x"
        await pilot.press(*"0.3", "enter")
        assert list(app.lesson.samples.x[:, 0]) == [0.7, 0.3]
        await pilot.press("d")
        assert list(app.lesson.samples.x[:, 0]) == [0.7]
        await pilot.press("d")
        assert "at least one sample" in shown(app, "#message")


async def test_tab_after_adding_a_sample_goes_on_to_its_y_as_the_message_says():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert "type its x, tab, then its y" in shown(app, "#message")
        await pilot.press(*"0.2", "tab")
        await pilot.pause()
        assert editing(app) == "y"
        await pilot.press("ctrl+u", "0", "enter")
        await pilot.pause()
        assert list(app.lesson.samples.x[:, 0]) == [0.7, 0.2]
        assert list(app.lesson.samples.y[:, 0]) == [1.0, 0.0]
        assert list(app.lesson.network.flat_w) == list(lecture().network.flat_w)
        # Only once: tab from x otherwise goes on along the chain, as before.
        await edit_field(pilot, "x")
        await pilot.press("tab")
        await pilot.pause()
        assert editing(app) == "w-1"


@pytest.mark.parametrize("make, gradient", [
    pytest.param(lecture, "∂C/∂w(L)", id="chain"),
    pytest.param(xor_lesson, "∂C/∂w₁₁(L)", id="2,2,1"),
])
async def test_help_screen_lists_every_key_and_closes(make, gradient):
    app = app_for(make())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = text_of(app.screen.query_one("#help-text"))
        assert "dataset" in help_text and gradient in help_text
        for key in app.main.screen_keys():
            assert key.help[:30] in help_text.replace("\n", " ") or key.shown in help_text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f")
        assert app.lesson.phase == "forward"


@pytest.mark.parametrize("make", CHAIN_AND_WIDE)
async def test_j_pages_the_key_line_and_q_quits(make):
    app = app_for(make())
    async with app.run_test(size=SIZE) as pilot:
        page = app.query_one("#teach-keys").page
        await pilot.press("j")
        assert app.query_one("#teach-keys").page != page
        await pilot.press("q")
    assert app.return_code == 0


@pytest.mark.parametrize("make", CHAIN_AND_WIDE)
async def test_too_small_a_terminal_shows_the_size_needed_and_recovers(make):
    app = app_for(make())
    async with app.run_test(size=(60, 20)) as pilot:
        assert app.screen.has_class("-too-small")
        notice = shown(app, "#too-small")
        assert notice == app_module.too_small_text(60, 20)
        assert "80×24" in notice and "60×20" in notice
        assert app.query_one("#too-small").display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert not app.query_one("#too-small").display
        assert app.query_one("#main").display
        await pilot.press("f")
        assert_shows_forward(app)


async def test_ten_layers_at_80_columns_every_neuron_is_reachable():
    w = tuple(np.linspace(-1, 1, 10))
    app = app_for(lecture(w=w, b=(0.0,) * 10))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        chain = app.query_one("#chain")
        await pilot.pause()

        def whole_panels() -> list[int]:
            """The neurons shown, each whole: a panel is shown entirely or not at all."""
            shown_ = []
            for layer in range(1, 11):
                panel = app.query_one(f"#neuron-{layer}")
                if panel.display:
                    assert chain.region.contains_region(panel.region), layer
                    shown_.append(layer)
            assert shown_ == list(range(shown_[0], shown_[-1] + 1))
            return shown_

        layers = whole_panels()
        assert 10 in layers and len(layers) < 10
        first = app.query_one(f"#neuron-{layers[0]}")
        assert first.border_subtitle == f"◀ {layers[0] - 1} more"
        assert_panels_show_forward(app)
        for _ in range(9):
            await pilot.press("left_square_bracket")
        await pilot.pause()
        layers = whole_panels()
        assert 1 in layers
        last = app.query_one(f"#neuron-{layers[-1]}")
        assert last.border_subtitle == f"{10 - layers[-1]} more ▶"


@pytest.mark.parametrize("make", CHAIN_AND_WIDE)
async def test_at_a_large_terminal_the_loss_curve_shows_with_the_derivation(make):
    app = app_for(make())
    async with app.run_test(size=WIDE) as pilot:
        for keys in (("f", "b"), ("s",)):
            await pilot.press(*keys)
            assert app.screen.has_class("-wide")
            derivation, plot = app.query_one("#derivation"), app.query_one(LossPlot)
            assert derivation.display and plot.display
            assert derivation.region.area > 0 and plot.region.area > 0
            if app.main.chain:  # below the chain's derivation, the batch table beside it
                batch = app.query_one("#batch")
                assert batch.region.area > 0
                assert plot.region.y >= derivation.region.bottom
                assert batch.region.x >= plot.region.right
            else:  # beside the grid's
                assert plot.region.x >= derivation.region.right
        await pilot.press("v")  # both stay: nothing to switch at this size
        assert derivation.display and plot.display
        assert "shown together" in shown(app, "#message")


@pytest.mark.parametrize("make", CHAIN_AND_WIDE)
async def test_v_switches_between_the_loss_curve_and_the_derivation(make):
    app = app_for(make())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "s")
        await pilot.press("v")
        assert app.main.view is View.LOSS and app.query_one(LossPlot).display
        await pilot.press("v")
        assert app.main.view is View.DERIVATION


def coloured_cells(widget) -> int:
    """Cells of the widget's own rendering (its content, before Textual's filters) that
    carry a foreground or background colour."""
    from rich.style import Style

    rendered = widget.render()
    count = 0
    for span in rendered.spans:
        style = Style.parse(span.style) if isinstance(span.style, str) else span.style
        if style.color is not None or style.bgcolor is not None:
            count += span.end - span.start
    return count


@pytest.mark.parametrize("no_color", [False, True])
async def test_no_color(monkeypatch, no_color):
    """With NO_COLOR the loss curve is drawn without colours; without it, in colour
    (so that the check can fail)."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color == no_color
        await pilot.press("s", "s", "v")
        await pilot.pause()
        assert app.lesson.steps_done == 2
        loss = app.query_one("#loss")
        assert loss.region.area > 0 and "\x1b" not in text_of(loss)
        assert (coloured_cells(loss) == 0) == no_color


async def test_rows_that_do_not_fit_can_be_scrolled_to():
    app = app_for(lecture(x=(0.1, 0.4, 0.6, 0.9), y=(0.0, 0.0, 1.0, 1.0)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "b")
        await pilot.pause()
        derivation = app.query_one("#derivation")
        assert derivation.rows_hidden
        rows = backward_rows(app.lesson.backward_pass, 0, 2)
        rows += [mean_gradient_row(app.lesson.backward_pass, "b", 2)]
        first, last = rows[0].symbol + " ", rows[-1].value_text
        # The backward pass opens at its last rows (what the layer computed, the means the
        # step uses) and says that more is above.
        assert last in text_of(derivation) and first not in text_of(derivation)
        assert "↑ more above" in text_of(derivation)
        stop = derivation._start
        await pilot.press("down")  # no further than the last row
        assert derivation._start == stop
        for _ in range(12):
            await pilot.press("up")
        assert first in text_of(derivation) and last not in text_of(derivation)
        assert "↓ more below" in text_of(derivation)
        for _ in range(12):
            await pilot.press("down")
        assert last in text_of(derivation)
        await pilot.press("b")  # a new view opens at its last rows again
        assert derivation.first_row is None


async def test_a_weights_rows_that_do_not_fit_scroll_with_the_arrows():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b")
        derivation = app.query_one(WideDerivation)
        assert derivation.rows_hidden  # 80×24: the rows of w₁₁(L−1) scroll
        start = derivation._start
        await pilot.press("down")
        assert derivation._start == start + 1
        await pilot.press("up", "up")
        assert derivation._start == start - 1


def screen_lines(app: BackpropApp) -> list[str]:
    """The terminal's lines as a person sees them."""
    cols, rows = app.size
    frame = app.screen._compositor.render_full_update().render_segments(app.console)
    return ["".join(cell[0] for cell in line).rstrip() for line in screen_of(frame, cols, rows)]


async def test_at_80x24_the_rows_the_step_uses_and_whole_messages_are_shown():
    """With the 8 samples: at (L) every row and the two means the step uses, at (L−1) the
    pass-down ∂C/∂a(L−2) and the means, without scrolling; a long message is wrapped
    between words, never cut."""
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "f", "b")
        await pilot.pause()
        bp = app.lesson.backward_pass
        for layer, computed in ((3, backward_rows(bp, 0, 3)), (2, backward_rows(bp, 0, 2)[-3:])):
            means = [mean_gradient_row(bp, name, layer) for name in ("w", "b")]
            screen = "\n".join(screen_lines(app))
            for row in computed + means:
                assert f"{row.value_text}" in screen and row.symbol in screen, row.text()
            for row in means:  # on one line each: the formula, the value
                line = next(line for line in screen.splitlines()
                            if row.formula in line and row.value_text in line)
                assert line.split("│")[1].lstrip("▸ ").startswith(row.symbol), line
            if layer == 3:
                assert not app.query_one("#derivation").rows_hidden
            await pilot.press("b")
            await pilot.pause()
        before = app.lesson.steps_done
        await pilot.press("t")
        await wait_until(pilot, lambda: app.lesson.steps_done > before)
        await pilot.press("t")
        await pilot.pause()
        said = shown(app, "#message")
        assert said.startswith("training stopped at step") and said.endswith("b: backward")
        screen = " ".join(" ".join(screen_lines(app)).split())
        assert said in screen, screen


def test_long_formulas_wrap_between_numbers_never_inside_one():
    from backprop_tui.tui.widgets.derivation import wrap_formula

    formula = "(" + "+".join(["(−0.1043)", "0.1437"] * 6) + ")/12"
    for width in range(12, 60):
        lines = wrap_formula(formula, width)
        assert "".join(lines) == formula
        assert all(len(line) <= width for line in lines)
        for line in lines[:-1]:
            assert line.endswith(("+", "·")), line
    # a formula of words breaks between them: "|nudge|" is never cut
    from backprop_tui.present.formulas import REL_FORMULA

    rel = REL_FORMULA.replace("θ", "w₁₁(L−1)")
    for width in range(max(len(word) for word in rel.split()), len(rel)):
        lines = wrap_formula(rel, width)
        assert " ".join(lines) == rel and all(len(line) <= width for line in lines)


async def test_batch_table_says_which_samples_it_shows_when_not_all_fit():
    from backprop_tui.tui.widgets.batch_table import BatchTable

    async with app_for(lecture()).run_test(size=(120, 36)) as pilot:
        app = pilot.app
        await pilot.press("l", "f")
        await pilot.pause()
        table = app.query_one(BatchTable)
        n = len(app.lesson.samples)
        shown = table.content_size.height - 3
        assert 1 <= shown < n  # the situation under test: not every sample fits

        def note() -> str:
            return str(table.render().renderables[1])

        assert f"samples 1–{shown} of {n} (n/p move)" in note()
        for _ in range(n - 1):
            await pilot.press("n")
        await pilot.pause()
        assert app.main.sample == n - 1
        assert f"samples {n - shown + 1}–{n} of {n}" in note()


async def test_numbers_in_the_panels_are_whole_and_signed():
    """No number is cut: the tiniest x whole, a C too long for its cells shown shorter
    but correctly rounded, every minus sign there."""
    from backprop_tui.present.format import fitted

    w = (-1.02, -0.2, -1.06, -0.23, 0.93)
    app = app_for(lecture(w=w, b=(-0.47, -0.38, 0.17, 0.15, 0.12), x=(-1.5e-100,),
                          y=(1.0,)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert field_value(app, "x") == "−1.500e−100"
        # The field's cells (the panel's, less the name) hold it whole.
        assert app.query_one("#input-panel").content_size.width - 2 >= len("−1.500e−100")
        fwd = app.lesson.forward_pass
        for layer in range(1, 6):
            panel = app.query_one(f"#neuron-{layer}")
            if panel.display:
                assert panel_line(app, f"#neuron-{layer}", "z") == (
                    f"z {number(fwd.column('z')[0, layer - 1], signed=True)}")
                assert field_value(app, f"w-{layer}") == number(w[layer - 1])
                assert field_value(app, f"w-{layer}").startswith("−") == (w[layer - 1] < 0)
    assert fitted(1.234e-100, 10, signed=True) == "+1.23e−100"


async def test_bad_but_finite_settings_are_explained_on_the_message_line():
    from backprop_tui.model import RELU, Network
    from backprop_tui.present.formulas import lr_warning, zero_gradient_note

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        await edit_field(pilot, "lr")
        await pilot.pause()
        field(app, "lr").value = "-0.5"
        await pilot.press("enter")
        await pilot.pause()
        assert shown(app, "#message") == lr_warning(-0.5)
        await pilot.press("s")
        assert shown(app, "#message") == lr_warning(-0.5)
    lesson = lecture()
    lesson.network = Network.chain(defaults.W, defaults.B, RELU)
    app = app_for(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert shown(app, "#message") == zero_gradient_note(app.lesson.backward_pass)


async def test_ctrl_c_quits_and_q_quits_from_the_help():
    for keys in (["ctrl+c"], ["question_mark", "q"]):
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*keys)
            await pilot.pause()
            assert app.return_code == 0 and not app.is_running


async def test_the_message_after_a_layer_key_names_the_parameter_the_nudge_shows():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "c", "left_square_bracket")
        await pilot.pause()
        symbol = f"b({label(2, 3)})"
        assert app.main.nudge_result.which == "b" and app.main.nudge_result.layer == 2
        assert symbol in shown(app, "#message")


async def test_editing_eta_keeps_the_forward_and_backward_results():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        bp = app.lesson.backward_pass
        await edit_field(pilot, "lr")
        await pilot.pause()
        field(app, "lr").value = "0.1"
        await pilot.press("enter")
        assert app.lesson.lr == 0.1 and app.lesson.backward_pass is bp
        assert_panels_show_forward(app)
        assert_rows_shown(app, backward_rows(bp, 0, 3))


async def test_training_shows_live_numbers_and_keeps_the_last_forward_pass():
    from backprop_tui.tui.widgets.batch_table import BatchTable
    from backprop_tui.tui.widgets.derivation import Derivation

    app = app_for(lecture(x=defaults.DATASET_X, y=defaults.DATASET_Y))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        for _ in range(200):  # at most 10 s
            if app.lesson.steps_done >= 50 and app.query_one(Derivation).live is not None:
                break
            await pilot.pause(0.05)
        assert app.main.training
        app.main.stop_training()  # freeze the parameters; show what the screen holds now
        app.main.show()
        live = app.query_one(Derivation).live
        app.main._timer = object()  # as if still training, for show()
        app.main.training = True
        app.main.show()
        live = app.query_one(Derivation).live
        assert live is not None and live.forward.network is app.lesson.network
        expected = app.lesson.network.forward(app.lesson.samples)
        for layer in (1, 2, 3):
            z = number(float(expected.column("z")[0, layer - 1]), signed=True)
            assert panel_line(app, f"#neuron-{layer}", "z") == f"z {z}"
        assert panel_line(app, "#target-panel", "mean-cost") == f"C̄ {number(expected.mean_cost, signed=True)}"
        table = app.query_one(BatchTable)
        assert table.bp is live and BLANK not in text_of(table)
        step = step_rows(app.lesson.network, live, app.lesson.lr,
                         app.lesson.network.step(live, app.lesson.lr))
        assert_rows_shown(app, step)
        app.main._timer, app.main.training = None, False
        await pilot.press("t")  # (not training: starts) then stop again
        await pilot.press("t")
        await pilot.pause()
        assert not app.main.training and app.lesson.phase == "forward"
        assert app.lesson.forward_pass.network is app.lesson.network
        assert_panels_show_forward(app)


def test_loss_ticks_are_round_and_evenly_stepped():
    from backprop_tui.tui.widgets.loss_plot import cost_ticks, decade_ticks

    for low, high, count in ((0.0066, 0.25, 3), (0.1801, 0.1804, 4), (0.0, 3.7, 6),
                             (1e-9, 2e-9, 5), (0.5, 0.5, 3)):
        positions, labels = cost_ticks(low, high, count)
        steps = np.diff(positions)
        assert positions[0] <= low and positions[-1] >= high, (low, high, positions)
        assert np.allclose(steps, steps[0]) and steps[0] > 0
        assert [float(t.replace("−", "-")) for t in labels] == pytest.approx(positions)
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]) + 1e-6)
        assert any(np.isclose(mantissa, u, rtol=1e-6) for u in (1, 2, 2.5, 5)), steps[0]
    positions, labels = decade_ticks(-12.3, -0.2, rows=10)
    assert np.allclose(np.diff(positions), 3.0) and labels[-1] == "1" and "1e−12" in labels
    assert len(decade_ticks(-3.5, -0.1, rows=3)[0]) <= 3


async def test_the_loss_curve_is_drawn_in_braille_and_switches_to_a_log_axis():
    from backprop_tui.tui.widgets.loss_plot import LossPlot

    app = app_for(lecture(x=defaults.DATASET_X, y=defaults.DATASET_Y))
    async with app.run_test(size=SIZE) as pilot:
        app.lesson.train(500)
        await pilot.press("v")
        await pilot.pause()
        plot = app.query_one(LossPlot)
        text = text_of(plot)
        assert any(0x2800 < ord(c) <= 0x28FF for c in text)  # braille dots
        await pilot.press("G")
        await pilot.pause()
        assert plot.log_scale and "log scale" in plot.border_title
        assert "G switches it" in shown(app, "#message")


async def test_the_derivation_says_approx_where_the_shown_factors_do_not_give_the_value():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        text = derivation_text(app)
        for row in backward_rows(app.lesson.backward_pass, 0, app.lesson.layers):
            if row.numbers is not None:
                assert f"{row.equals} {row.value_text}" in text, row.text()
        assert "≈ −0.1047" in text and "= −0.1660" in text


async def test_a_refused_target_says_the_whole_reason():
    """A refusal that is not about the text (cross-entropy wants y in [0, 1]) reaches the
    screen whole: the field's name, the model's reason, the value kept."""
    from backprop_tui.model import CROSS_ENTROPY, SIGMOID, Network, Samples
    from backprop_tui.model.lesson import Lesson

    app = app_for(Lesson(Network.chain([0.5], [0.0], SIGMOID, CROSS_ENTROPY), Samples([0.7], [1.0]), 0.5))
    async with app.run_test(size=SIZE) as pilot:
        await edit_field(pilot, "y")
        await pilot.press("ctrl+u", "2", "enter")
        assert app.lesson.samples.y[0, 0] == 1.0
        message = shown(app, "#message")
        assert "cross-entropy needs targets y in [0, 1]: y value 1 is 2.0" in message, message
        assert message.endswith("kept 1.0000"), message


def chain_rows(app: BackpropApp, cols: int, rows: int) -> tuple[str, str]:
    """The chain's top border row and its row of arrows, as the terminal shows them."""
    frame = app.screen._compositor.render_full_update().render_segments(app.console)
    text = ["".join(cell[0] for cell in line) for line in screen_of(frame, cols, rows)]
    top = app.query_one("#chain").region.y
    return text[top], text[top + 2]  # the panels' top border; ▶ two rows below it


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (130, 30), (200, 40)])
async def test_an_arrow_stands_between_each_two_panels_shown(size):
    # Ten layers: at these sizes 3, 4, 6 and 10 neurons fit; b walks the window down the
    # chain, and the terminal is resized once.
    app = app_for(ten_layers())
    async with app.run_test(size=size) as pilot:
        for keys in (["f", "b"], ["b"] * 4, ["b"] * 5, ["resize"]):
            if keys == ["resize"]:
                size = (size[0] + 17, size[1])
                await pilot.resize_terminal(*size)
            else:
                await pilot.press(*keys)
            await pilot.pause()
            top, arrows = chain_rows(app, *size)
            panels = top.count("╭") + top.count("┏")
            assert arrows.count("▶") == panels - 1 >= 2
            for at in [i for i, c in enumerate(arrows) if c == "▶"]:
                # Between the right border of one panel and the left border of the next.
                assert arrows[at - 1] in "│┃" and arrows[at + 1] in "│┃", (arrows, at)
                assert top[at - 1] in "╮┓" and top[at + 1] in "╭┏", (top, at)


async def test_views_mounted_when_first_shown_take_their_places_as_the_terminal_grows():
    # At 80×24 the lower half holds the derivation alone; the vanishing view, then a
    # wider terminal (the curve and the batch beside it) mount the rest, each in its place.
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        await pilot.pause()
        assert [w.id for w in app.query_one("#lower").children] == ["derivation"]
        await pilot.press("h")  # the vanishing-gradient view
        await pilot.pause()
        assert [w.id for w in app.query_one("#lower").children] == ["derivation", "vanishing"]
        await pilot.resize_terminal(WIDE_WIDTH, WIDE_HEIGHT)
        await pilot.pause()
        assert [w.id for w in app.query_one("#lower").children] == [
            "derivation", "vanishing", "bottom"]
        assert [w.id for w in app.query_one("#bottom").children] == ["loss", "batch"]
        assert app.query_one("#loss").display and app.query_one("#batch").display
        assert app.query_one("#vanishing").display and not app.query_one("#derivation").display
