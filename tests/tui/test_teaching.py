"""The teaching keys, driven from the keyboard; every number shown is checked
against the lesson (the model), never against numbers copied from the screen."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tui.model import CostSlice, Fit
from backprop_tui.present.format import number
from backprop_tui.present.formulas import backward_rows, label, nudge_rows, quiz_hint
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.teaching import EPSILONS
from backprop_tui.tui.widgets.derivation import rows_for
from backprop_tui.tui.widgets.quiz import AnswerField
from backprop_tui.tui.widgets.slope_plot import SlopePlot

from .helpers import app_for, derivation_text, lecture, shown, text_of, xor_lesson
from .test_app import assert_fields_show_lesson, assert_panels_show_forward

SIZE = (80, 24)
WIDE = (120, 36)


def message(app: BackpropApp) -> str:
    return shown(app, "#message")


# -- the nudge ----------------------------------------------------------------------


async def test_e_nudges_the_selected_parameter_and_shows_it_beside_the_chain_rule():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        lesson, n = app.lesson, app.lesson.layers
        view = app.query_one("#nudge")
        assert view.display
        result = lesson.nudge("w", n)
        text = text_of(view)
        for row in nudge_rows(result, lesson.network):
            assert row.symbol in text and row.value_text in text
        assert f"∂C/∂w({label(n, n)})" in text
        assert number(lesson.current_trace().mean_flat_dC_dw[n - 1], signed=True) in text
        assert result.rel_error < 1e-6
        # c selects b, [ the layer below: the nudge follows the selection.
        await pilot.press("c", "left_square_bracket")
        result = lesson.nudge("b", n - 1)
        text = text_of(view)
        assert f"∂C/∂b({label(n - 1, n)})" in text
        assert number(result.numeric, signed=True) in text
        # a step changes the parameters: the nudge shown is that of the new ones.
        await pilot.press("s")
        after = lesson.nudge("b", n - 1)
        assert after.numeric != result.numeric
        assert number(after.numeric, signed=True) in text_of(view)
        # E: ε ten times smaller.
        await pilot.press("E")
        assert app.main.epsilon == EPSILONS[EPSILONS.index(1e-5) + 1]
        assert app.main.nudge_result.epsilon == app.main.epsilon
        assert number(app.main.epsilon) in text_of(view)
        await pilot.press("e")
        assert not view.display


# -- the slope and fit views --------------------------------------------------------


async def test_g_cycles_loss_slope_and_fit_and_the_slope_follows_steps_and_selection():
    app = app_for(lecture(x=(0.2, 0.7, 0.9), y=(0.0, 1.0, 1.0)))
    async with app.run_test(size=SIZE) as pilot:
        lesson, n = app.lesson, app.lesson.layers
        assert not app.query(SlopePlot)  # not shown: not even mounted yet
        await pilot.press("g")
        plot = app.query_one(SlopePlot)
        loss = app.query_one("#loss")
        assert plot.display and not loss.display
        cut = plot.data
        assert isinstance(cut, CostSlice)
        assert cut.which == "w" and cut.layer == n
        assert cut.theta0 == lesson.network.flat_w[n - 1]
        assert cut.slope == lesson.current_trace().mean_flat_dC_dw[n - 1]
        assert number(cut.slope, signed=True) in plot.border_title
        assert "●" in text_of(plot)
        await pilot.press("s")
        moved = plot.data
        assert moved.theta0 == lesson.network.flat_w[n - 1] != cut.theta0
        assert moved.slope == lesson.current_trace().mean_flat_dC_dw[n - 1]
        await pilot.press("c", "left_square_bracket")
        assert (plot.data.which, plot.data.layer) == ("b", n - 1)
        assert plot.data.theta0 == lesson.network.flat_b[n - 2]
        await pilot.press("g")
        fit = plot.data
        assert isinstance(fit, Fit)
        assert fit.x.min() < 0.2 and fit.x.max() > 0.9
        np.testing.assert_allclose(fit.sample_output,
                                   lesson.network.forward(lesson.samples).column("a")[:, -1])
        # the fit follows training
        app.lesson.train(200)
        app.main.show()
        await pilot.pause()
        assert not np.array_equal(plot.data.output, fit.output)
        await pilot.press("g")
        assert loss.display and not plot.display


async def test_the_slope_view_at_a_wide_terminal_shows_beside_the_batch():
    app = app_for()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("g")
        plot = app.query_one(SlopePlot)
        assert plot.display and app.query_one("#batch").display
        assert plot.region.width > 20 and plot.region.height > 5


# -- the quiz -----------------------------------------------------------------------


async def test_quiz_right_wrong_and_reveal():
    app = BackpropApp(lecture(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        lesson = app.lesson
        field = app.query_one(AnswerField)
        assert app.focused is field
        rows = backward_rows(lesson.backward_pass, 0, lesson.layers)
        derivation = text_of(app.query_one("#derivation"))
        assert rows[0].symbol in derivation and rows[0].value_text not in derivation
        assert rows[1].symbol not in derivation  # later rows use the hidden value
        assert f"{rows[0].symbol} =" in shown(app, "#quiz-prompt")
        # wrong: how far off, and which formula
        wrong = rows[0].value + 0.5
        field.value = repr(wrong)
        await pilot.press("enter")
        assert "off by" in message(app) and number(0.5, signed=True) in message(app)
        assert quiz_hint(rows[0]) in message(app)
        assert lesson.quiz.wrong == 1 and lesson.quiz.right == 0
        assert field.value == ""
        # right, typed key by key (within 1%)
        await pilot.press(*number(rows[0].value).replace("−", "-"))
        await pilot.press("enter")
        assert message(app).startswith("right")
        assert lesson.quiz.right == 1
        derivation = text_of(app.query_one("#derivation"))
        assert rows[0].value_text in derivation and rows[1].symbol in derivation
        # reveal: enter on an empty answer
        await pilot.press("enter")
        assert lesson.quiz.revealed == 1
        assert rows[1].value_text in message(app)
        assert "1/2 right" in shown(app, "#quiz-prompt")
        # not a number: said, nothing counted
        field.value = "abc"
        await pilot.press("enter")
        assert "not a number" in message(app)
        assert (lesson.quiz.right, lesson.quiz.wrong, lesson.quiz.revealed) == (1, 1, 1)


async def test_quiz_keys_outside_a_number_still_work_while_typing():
    app = BackpropApp(lecture(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        field = app.query_one(AnswerField)
        assert app.focused is field
        await pilot.press("b")  # the next layer, not a letter in the field
        assert field.value == "" and app.main.shown_layer == app.lesson.layers - 1
        title, rows, _ = rows_for(app.lesson, app.main.shown_layer, 0)
        assert f"{rows[0].symbol} =" in shown(app, "#quiz-prompt")
        await pilot.press("z")  # quiz off: every row back, the field gone
        assert not app.main.quizzing and app.focused is None
        assert not app.query_one("#quiz").display
        text = derivation_text(app)
        for row in rows:
            assert row.value_text in text


async def test_a_layer_answered_through_says_what_comes_next():
    app = BackpropApp(lecture(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        _, rows, _ = rows_for(app.lesson, app.main.shown_layer, 0)
        for _ in rows:
            await pilot.press("enter")
        assert app.lesson.quiz.revealed == len(rows)
        assert "all answered" in shown(app, "#quiz-prompt")
        assert not app.query_one(AnswerField).display and app.focused is None


# -- the symmetry demo ---------------------------------------------------------------

async def test_symmetry_demo_gradients_identical_and_stay_equal():
    from backprop_tui.model.lesson import SYMMETRIC_B, SYMMETRIC_W

    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        net = app.lesson.network
        assert (net.flat_w == SYMMETRIC_W).all() and (net.flat_b == SYMMETRIC_B).all()
        assert "symmetry" in shown(app, "#message")
        await pilot.press("f", "b")
        bp = app.lesson.backward_pass
        assert np.array_equal(bp.mean_dC_dw[0][0], bp.mean_dC_dw[0][1])
        said = shown(app, "#message")
        assert "identical" in said and "(L−1)" in said
        assert number(float(bp.mean_dC_dw[0][0, 0]), True) in said
        for _ in range(3):
            await pilot.press("s", "f", "b")
        w = app.lesson.network.w[0]
        assert np.array_equal(w[0], w[1]) and app.lesson.symmetric_layers() == [1]


# -- undo and redo ------------------------------------------------------------------


async def test_undo_and_redo_through_phases_and_steps():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lesson
        await pilot.press("v")  # the loss page once: the curve is there from now on
        await pilot.press("f", "b", "s", "s")
        after_two = (tuple(lesson.network.flat_w), lesson.history.last)
        await pilot.press("u")
        assert lesson.steps_done == 1 and len(lesson.history) == 1
        last = f"last {lesson.history.last:.4g}".replace("-", "−")
        assert app.query_one("#loss").border_subtitle == last
        assert lesson.phase == "step"
        assert_fields_show_lesson(app)
        assert "step 1" in shown(app, "#status")
        await pilot.press("u")  # back before the first step, to the backward pass
        assert lesson.steps_done == 0 and lesson.phase == "backward"
        assert_panels_show_forward(app)
        assert_fields_show_lesson(app)
        text = text_of(app.query_one("#derivation"))
        for row in backward_rows(lesson.backward_pass, 0, app.main.shown_layer):
            assert row.value_text in text
        assert len(lesson.history) == 0
        assert app.query_one("#loss").border_subtitle == ""
        await pilot.press("U", "U")
        assert (tuple(lesson.network.flat_w), lesson.history.last) == after_two
        last = f"last {lesson.history.last:.4g}".replace("-", "−")
        assert app.query_one("#loss").border_subtitle == last
        assert "step 2" in shown(app, "#status")
        await pilot.press("U")
        assert "nothing to redo" in message(app)


async def test_undo_takes_back_an_edit_and_a_training_run():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lesson
        lesson.set_w(1, 2.0)
        app.main.show()
        await pilot.pause()
        lesson.train(500)
        app.main.show()
        await pilot.press("u")
        assert lesson.steps_done == 0 and len(lesson.history) == 0
        assert lesson.network.flat_w[0] == 2.0
        await pilot.press("u")
        assert lesson.network.flat_w[0] == lecture().network.flat_w[0]
        assert_fields_show_lesson(app)


# -- activation and cost ------------------------------------------------------------


async def test_o_switches_the_activation_and_the_formulas_follow():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "o")
        lesson = app.lesson
        assert lesson.network.activation.name == "tanh" and lesson.phase == "none"
        assert "tanh" in shown(app, "#status")
        await pilot.press("b")
        text = text_of(app.query_one("#derivation"))
        assert "1−tanh²" in text
        for row in backward_rows(lesson.backward_pass, 0, lesson.layers):
            assert row.value_text in text
        await pilot.press("o")
        assert lesson.network.activation.name == "relu"
        await pilot.press("o")
        assert lesson.network.activation.name == "sigmoid"


async def test_k_refuses_cross_entropy_after_tanh_and_o_refuses_tanh_after_cross_entropy():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lesson
        await pilot.press("o", "f")
        version = lesson.version
        await pilot.press("k")
        assert lesson.network.cost.name == "squared-error" and lesson.version == version
        assert lesson.phase == "forward"
        assert "refused" in message(app) and "sigmoid" in message(app)
        assert app.query_one("#message").has_class("-error")
        await pilot.press("o", "o", "k")  # relu → sigmoid, then cross-entropy
        assert lesson.network.cost.name == "cross-entropy"
        await pilot.press("b")
        text = text_of(app.query_one("#derivation"))
        assert "cancels" in app.query_one("#derivation").border_subtitle
        assert "a(L)−y" in text
        await pilot.press("o")
        assert lesson.network.activation.name == "sigmoid"
        assert "refused" in message(app)


async def test_k_refuses_cross_entropy_for_targets_outside_0_1():
    app = app_for(lecture(y=(1.5,)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        assert app.lesson.network.cost.name == "squared-error"
        assert "[0, 1]" in message(app)


# -- the vanishing gradient ---------------------------------------------------------


@pytest.mark.parametrize("size", [SIZE, WIDE])
async def test_h_shows_the_vanishing_gradient_per_layer(size):
    app = app_for()
    async with app.run_test(size=size) as pilot:
        await pilot.press("h")
        view = app.query_one("#vanishing")
        assert view.display and not app.query_one("#derivation").display
        bp = app.lesson.current_trace()
        text = text_of(view)
        for l in range(1, app.lesson.layers + 1):
            assert number(abs(bp.mean_flat_dC_dw[l - 1])) in text
            assert number(bp.mean_prime_product[l - 1]) in text
        await pilot.press("s")  # follows the step
        bp = app.lesson.current_trace()
        assert number(abs(bp.mean_flat_dC_dw[0])) in text_of(view)
        await pilot.press("h")
        assert app.query_one("#derivation").display and not view.display


# -- --quiz on the command line -----------------------------------------------------


@pytest.mark.parametrize("argv, quiz", [(["--quiz"], True), ([], False)])
def test_quiz_option_opens_the_app_in_quiz_mode(monkeypatch, argv, quiz):
    import backprop_tui.tui.app as app_module
    from backprop_tui.cli import main

    seen = {}

    def fake_run(lesson, session_path=None, quiz=False, theme=None, folder=None, link=None):
        seen["quiz"] = quiz
        seen["layers"] = lesson.layers
        return 0

    monkeypatch.setattr(app_module, "run_app", fake_run)
    assert main(argv + ["--layers", "2"]) == 0
    assert seen == {"quiz": quiz, "layers": 2}


async def test_the_app_started_in_quiz_mode_hides_the_first_factor():
    app = BackpropApp(lecture(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        assert app.main.quizzing and app.query_one("#quiz").display
        await pilot.press("space", "space")  # forward, then the backward pass
        assert app.lesson.phase == "backward"
        assert app.query_one("#derivation").quiz_index == 0
        assert isinstance(app.focused, AnswerField)


async def test_the_quiz_waits_while_the_vanishing_view_covers_the_derivation():
    app = BackpropApp(lecture(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "h")
        assert not app.query_one(AnswerField).display and app.focused is None
        assert "h: back to the derivation" in shown(app, "#quiz-prompt")
        await pilot.press("h")
        assert app.query_one(AnswerField).display
        assert app.query_one("#derivation").quiz_index == 0


async def test_every_key_is_on_a_key_line_at_every_size():
    """The main line at the bottom, the second line above it in pages (j turns them):
    every key of the registry that a line shows is found without the help screen."""
    from backprop_tui.present.keys import on_line

    for size in (SIZE, WIDE):
        app = app_for()
        async with app.run_test(size=size) as pilot:
            keys = app.main.listed_keys()
            main = shown(app, "#keys")
            for key in on_line("main", keys):
                assert f"{key.shown} {key.label}" in main, (size, key.shown)
            assert "v view" in main
            line = app.query_one("#teach-keys")
            assert line.region.height == 1 and line.region.width == size[0]
            seen = ""
            for _ in range(len(on_line("more", keys))):
                text = shown(app, "#teach-keys")
                assert len(text) <= size[0]
                seen += text
                if "j more" not in text:
                    break
                await pilot.press("j")
            for key in on_line("more", keys):
                assert f"{key.shown} {key.label}" in seen, (size, key.shown)


async def test_reveal_mode_shows_one_factor_at_a_time_without_scoring():
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "f", "b")
        rows = rows_for(app.lesson, app.lesson.layers, 0)[1]
        derivation = app.query_one("#derivation")
        assert derivation.reveal == 0
        text = text_of(derivation)
        assert rows[0].symbol in text and rows[0].value_text not in text  # asked, not told
        for k in range(1, len(rows) + 1):
            await pilot.press("b")
            assert app.main.shown_layer == app.lesson.layers and derivation.reveal == k
            assert rows[k - 1].value_text in shown(app, "#message")
        assert app.lesson.quiz.score == lecture().quiz.score  # no scoring
        await pilot.press("b")  # all shown: the next layer, from its first factor
        assert app.main.shown_layer == app.lesson.layers - 1 and derivation.reveal == 0
        await pilot.press("x")
        assert derivation.reveal is None
