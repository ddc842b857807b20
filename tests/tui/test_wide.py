"""The app for networks of several neurons a layer: every key of its screen, driven by
the pilot, checked against the model's numbers (never against numbers copied from the
screen)."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tui import cli
from backprop_tui.model.lesson import SYMMETRIC_B, SYMMETRIC_W, Lesson
from backprop_tui.model.network import Network, xor_samples
from backprop_tui.present import formulas as W
from backprop_tui.present.format import fitted, number
from backprop_tui.tui import app as app_module
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.network_screen import NetworkScreen
from backprop_tui.tui.screens.help import HelpScreen
from backprop_tui.tui.view import View
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.grid import NetworkGrid
from backprop_tui.tui.widgets.loss_plot import LossPlot
from backprop_tui.tui.widgets.weight_derivation import WideDerivation

from ..test_formula_values import check_remultiplied, check_rows
from .helpers import text_of

SIZE = (80, 24)
XOR_W = (0.22, 1.01, 1.11, -0.81, -0.93, -0.74)
XOR_B = (0.44, 0.32, -0.5)


def xor_lesson(lr: float = 0.5) -> Lesson:
    net = Network((2, 2, 1), XOR_W, XOR_B)
    return Lesson(net, xor_samples(), lr)


def lesson_of(shape, x, y, seed_w=None, lr=0.5) -> Lesson:
    from backprop_tui.model.network import random_network

    net = random_network(shape)
    return Lesson(net, net.samples(x, y), lr)


def shown(app, selector: str) -> str:
    return text_of(app.query_one(selector))


def derivation_rows(app):
    shown_ = app.query_one(WideDerivation).shown
    assert shown_ is not None
    return shown_.rows


def assert_grid_matches_lesson(app: BackpropApp) -> None:
    """Every number of the grid and the selected neuron's panel is the lesson's."""
    lesson, s = app.lesson, app.main.sample
    fwd = lesson.forward_pass
    shape = lesson.shape
    grid = app.query_one(NetworkGrid)
    for k in range(1, shape[0] + 1):
        value = fitted(float(lesson.samples.x[s, k - 1]), 7 if grid.dense else 8)
        assert shown(app, f"#input-{k}") == (f"x{W.sub(k)} {value}" if grid.dense else value)
    for l in range(1, len(shape)):
        for j in range(1, shape[l] + 1):
            room = 8 if grid.dense else 11
            expected = "—" if fwd is None else fitted(float(fwd.a[l - 1][s, j - 1]), room, True)
            cell = app.query_one(f"#neuron-{l}-{j}")
            if grid.dense:
                mark = "▸" if (l, j) == (app.main.shown_layer, app.main.neuron) else " "
                expected = f"{mark}a{W.sub(j)} {expected}"
            assert text_of(cell) == expected
            assert cell.has_class("-selected") == ((l, j) == (app.main.shown_layer, app.main.neuron))
    net = lesson.network
    for k in range(1, shape[app.main.shown_layer - 1] + 1):
        field = app.query_one(f"#field-w-{k}", NumberField)
        assert field.shown == fitted(float(net.w[app.main.shown_layer - 1][app.main.neuron - 1, k - 1]), 9)
    b = app.query_one("#field-b", NumberField)
    assert b.shown == fitted(float(net.b[app.main.shown_layer - 1][app.main.neuron - 1]), 9)
    assert f"step {lesson.steps_done}" in shown(app, "#status")


async def test_forward_backward_step_show_the_models_numbers():
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


async def test_every_row_shown_is_its_formulas_value():
    """Every view's rows (forward, each weight term by term, matrix form, step) re-evaluated
    from the numbers they show."""
    lesson = lesson_of((2, 3, 2), [[0.1, 0.9], [0.5, -0.4]], [[1.0, 0.0], [0.0, 1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=(120, 36)) as pilot:
        checked = 0
        await pilot.press("f")
        checked += check_rows(derivation_rows(app)) + check_remultiplied(derivation_rows(app))
        await pilot.press("b")
        for layer in (1, 2):
            for j in range(1, lesson.shape[layer] + 1):
                for k in range(1, lesson.shape[layer - 1] + 1):
                    app.main.shown_layer, app.main.neuron, app.main.weight = layer, j, k
                    for matrix in (False, True):
                        app.main.matrix = matrix
                        app.main.show()
                        await pilot.pause()
                        rows = derivation_rows(app)
                        checked += check_rows(rows) + check_remultiplied(rows)
        await pilot.press("s")
        checked += check_rows(derivation_rows(app)) + check_remultiplied(derivation_rows(app))
        assert checked > 100


async def test_arrows_and_braces_select_a_neuron_and_c_its_weight():
    lesson = lesson_of((3, 4, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (3, 1, 1)  # the output layer first
        await pilot.press("left", "left")
        assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (1, 1, 1)
        await pilot.press(*["right_curly_bracket"] * 4)  # no further than the last neuron
        assert app.main.neuron == 4
        await pilot.press("right")  # layer 2 has two neurons: the selection stays inside
        assert (app.main.shown_layer, app.main.neuron) == (2, 2)
        assert app.query_one("#neuron-2-2").has_class("-selected")
        assert "neuron 2 of (L−1)" in str(app.query_one("#editor").border_title)
        await pilot.press("c", "c", "c")  # four weights into it: w₂₁ → w₂₂ → w₂₃ → w₂₄
        assert app.main.weight == 4
        assert derivation_rows(app)[-1].symbol == "∂C/∂w₂₄(L−1)" or any(
            r.symbol == "∂C/∂w₂₄(L−1)" for r in derivation_rows(app))
        await pilot.press("c")  # after its last weight, its bias b₂
        assert app.main.parameter == "b" and "b₂(L−1)" in shown(app, "#message")
        await pilot.press("c")
        assert app.main.weight == 1 and app.main.parameter == "w"
        await pilot.press("left_curly_bracket", "right", "right")
        assert (app.main.shown_layer, app.main.neuron) == (3, 1)
        await pilot.press("left", "left", "left", "left")
        assert app.main.shown_layer == 1
        assert_grid_matches_lesson(app)
        # b again: the layer below (from the first layer back to the output layer).
        await pilot.press("b")
        assert app.main.shown_layer == 3 and app.lesson.phase == "backward"


async def test_matrix_form_shows_the_same_sum():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "b")
        term_by_term = {r.symbol: r.value for r in derivation_rows(app)[:-1]}  # not the mean
        await pilot.press("M")
        assert app.main.matrix
        rows = derivation_rows(app)
        assert [r.symbol for r in rows] == ["δ₁(L−1)", "∂C/∂w₁₁(L−1)", "∂C/∂x₁"]
        assert rows[2].value == term_by_term["∂C/∂x₁"]
        assert rows[1].value == term_by_term["∂C/∂w₁₁(L−1)"]
        text = text_of(app.query_one(WideDerivation))
        assert "δ(L−1) = W(L)ᵀ·δ(L) ⊙ σ'(z(L−1))" in text
        await pilot.press("M")
        assert not app.main.matrix and derivation_rows(app)[5].formula.startswith("Σⱼ")


async def test_samples_and_the_mean():
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


async def test_symmetry_demo_gradients_identical_and_stay_equal():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        net = app.lesson.network
        assert (net.flat_w == SYMMETRIC_W).all() and (net.flat_b == SYMMETRIC_B).all()
        assert "symmetry" in shown(app, "#message")
        await pilot.press("f", "b")
        bp = app.lesson.backward_pass
        assert np.array_equal(bp.mean_dC_dw[0][0], bp.mean_dC_dw[0][1])
        message = shown(app, "#message")
        assert "identical" in message and "(L−1)" in message
        assert number(float(bp.mean_dC_dw[0][0, 0]), True) in message
        for _ in range(3):
            await pilot.press("s", "f", "b")
        w = app.lesson.network.w[0]
        assert np.array_equal(w[0], w[1]) and app.lesson.symmetric_layers() == [1]


async def test_edits_take_numbers_and_refuse_anything_else():
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


async def test_at_a_large_terminal_the_loss_curve_is_beside_the_derivation():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f", "b", "s")
        assert app.screen.has_class("-wide")
        derivation, plot = app.query_one(WideDerivation), app.query_one(LossPlot)
        assert derivation.display and plot.display
        assert plot.region.x >= derivation.region.right
        await pilot.press("v")
        assert "beside" in shown(app, "#message") and derivation.display and plot.display


class _Frozen:
    def stop(self) -> None:
        pass


async def test_training_runs_draws_the_loss_curve_and_stops():
    clock = [1000.0]
    app = BackpropApp(xor_lesson(lr=2.0), clock=lambda: clock[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert app.main.training and app.main.view is View.LOSS
        for _ in range(60):
            clock[0] += app_module.FRAME
            app.main._tick()
            await pilot.pause()
        steps = app.lesson.steps_done
        assert steps > 1000 and len(app.lesson.history) == steps
        assert "training" in shown(app, "#status")
        assert app.query_one(LossPlot).display
        before = app.main.speed
        await pilot.press("minus")
        assert app.main.speed == before - 1
        await pilot.press("plus")
        assert app.main.speed == before
        await pilot.press("t")
        assert not app.main.training and app.lesson.phase == "forward"
        assert_grid_matches_lesson(app)


async def test_reset_view_scroll_help_save_more_keys_and_quit():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "s")
        await pilot.press("r")
        assert app.lesson.steps_done == 0 and app.lesson.phase == "none"
        assert np.array_equal(app.lesson.network.flat_w, XOR_W)
        await pilot.press("v")
        assert app.main.view is View.LOSS and app.query_one(LossPlot).display
        await pilot.press("v")
        assert app.main.view is View.DERIVATION
        await pilot.press("f", "b", "b")
        derivation = app.query_one(WideDerivation)
        assert derivation.rows_hidden  # 80×24: the rows of w₁₁(L−1) scroll
        start = derivation._start
        await pilot.press("down")
        assert derivation._start == start + 1
        await pilot.press("up", "up")
        assert derivation._start == start - 1
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = text_of(app.screen.query_one("#help-text"))
        for key in app.main.screen_keys():
            assert key.help[:30] in help_text.replace("\n", " ") or key.shown in help_text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        page = app.query_one("#teach-keys").page
        await pilot.press("j")
        assert app.query_one("#teach-keys").page != page
        await pilot.press("q")
    assert app.return_code == 0


async def test_below_the_minimum_size_the_chains_notice():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=(60, 20)) as pilot:
        assert app.screen.has_class("-too-small")
        assert shown(app, "#too-small") == app_module.too_small_text(60, 20)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")


async def test_a_deep_network_pages_its_columns_around_the_selection():
    lesson = lesson_of((2, 2, 2, 2, 2, 1), [[0.1, 0.2]], [[1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(NetworkGrid)
        assert grid.first == 1 and grid.last < 5
        for _ in range(4):
            await pilot.press("right")
        assert grid.first <= app.main.shown_layer == 5 <= grid.last
        assert app.query_one("#column-5").display and not app.query_one("#column-1").display
        assert shown(app, "#arrow-0") == "…"


@pytest.mark.parametrize("argv, shape", [
    (["--shape", "2,2,1", "--xor"], (2, 2, 1)),
    (["--xor"], (2, 2, 1)),
    (["--shape", "2,3,2", "--x", "0.1:0.9", "--y", "1:0", "--lr", "0.1"], (2, 3, 2)),
])
def test_the_command_line_opens_the_wide_app(monkeypatch, argv, shape):
    started = []
    monkeypatch.setattr(app_module, "run_app", lambda lesson, **kw: started.append(lesson) or 0)
    assert cli.main(argv) == 0
    assert started[0].shape == shape


async def test_one_app_shows_each_shape_on_its_one_screen():
    """One app class, one screen: a network one neuron wide (whatever way it was written)
    with the chain's panels, any other with the grid of neurons."""
    for lesson, chain in ((lesson_of((1, 1, 1, 1), [[0.5]], [[1.0]]), True),
                          (xor_lesson(), False)):
        app = BackpropApp(lesson)
        async with app.run_test(size=SIZE) as pilot:
            assert type(app.screen) is NetworkScreen and app.main is app.screen
            assert app.main.chain is chain
            assert bool(app.query("#chain")) is chain and bool(app.query("#grid")) is not chain
            await pilot.press("f")
            assert app.lesson.phase == "forward"


def test_bad_input_for_the_wide_app_is_one_line(capsys, tmp_path, monkeypatch):
    many = tmp_path / "many.csv"
    many.write_text("x1,x2,y\n" + "0.5,0.5,1\n" * 65)
    assert cli.main(["--shape", "2,2,1", "--data", str(many)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--data" in err and "at most 64" in err
    assert cli.main(["--shape", "2,2,1", "--w", "1,2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--w" in err and "6 weights" in err
    # --quiz opens the wide app in quiz mode, as it does the chain's (no longer refused)
    opened = {}
    monkeypatch.setattr(app_module, "run_app", lambda lesson, **kw: opened.update(kw) or 0)
    assert cli.main(["--shape", "2,2,1", "--xor", "--quiz"]) == 0
    assert opened["quiz"] is True and capsys.readouterr().err == ""


def test_the_sum_row_on_screen_is_the_formulas_row():
    """The rows the screen shows come from formulas (no arithmetic in the app)."""
    lesson = xor_lesson()
    bp = lesson.backward()
    from backprop_tui.tui.widgets.weight_derivation import Selection, weight_rows

    rows = weight_rows(bp, Selection(1, 2, 2, 3)).rows
    assert W.sum_row(bp, 3, 1, 2) in rows
    assert W.term_rows(bp, 3, 1, 2)[1] in rows


async def test_decision_view_on_a_key_redrawn_while_training():
    from backprop_tui.tui.widgets.decision import DecisionView

    clock = [1000.0]
    for size in (SIZE, (120, 36)):
        app = BackpropApp(xor_lesson(lr=2.0), clock=lambda: clock[0])
        async with app.run_test(size=size) as pilot:
            assert not app.query(DecisionView)  # made when first shown
            await pilot.press("D")
            view = app.query_one(DecisionView)
            assert view.display and view.network is app.lesson.network
            assert view.samples is app.lesson.samples
            await pilot.press("t")  # training keeps it in front
            assert view.display
            drawn = []
            for _ in range(10):
                clock[0] += app_module.FRAME
                app.main._tick()
                await pilot.pause()
                drawn.append(view.network)
            assert app.main.training and app.lesson.steps_done > 0
            # Redrawn with the network as training goes: the last one drawn is current.
            assert len({id(n) for n in drawn}) > 1
            clock[0] += app_module.TRAINING_REDRAW  # a tick that redraws: the current network
            app.main._tick()
            await pilot.pause()
            assert view.network is app.lesson.network
            await pilot.press("t", "D")
            assert not view.display
    # Three inputs: no square to draw; the key says why.
    app = BackpropApp(lesson_of((3, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        assert "needs 2 inputs" in shown(app, "#message")
        assert not app.query(DecisionView)


async def test_ctrl_s_saves_the_session_and_it_opens_again(tmp_path, monkeypatch):
    from backprop_tui.model import load_session

    monkeypatch.chdir(tmp_path)
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "s", "s", "ctrl+s")
        path = tmp_path / "backprop-session.json"
        assert "step 2: session saved to backprop-session.json" in shown(app, "#message")
        saved = load_session(path)
        assert saved.steps == 2 and len(saved.history) == 2
        assert np.array_equal(saved.network.flat_w, app.lesson.network.flat_w)
        assert np.array_equal(saved.start.flat_w, XOR_W)
        assert np.array_equal(saved.samples.y, app.lesson.samples.y)
        await pilot.press("s", "ctrl+s")  # the same file again
        assert load_session(path).steps == 3
        assert sorted(p.name for p in tmp_path.iterdir()) == ["backprop-session.json"]
    # --session opens it in the wide app, going on from step 3; a reset returns to the start.
    opened = []
    monkeypatch.setattr(app_module, "run_app",
                        lambda lesson, **kw: opened.append((lesson, kw)) or 0)
    assert cli.main(["--session", str(path)]) == 0
    lesson, kw = opened[0]
    assert lesson.steps_done == 3 and len(lesson.history) == 3
    assert str(kw["session_path"]) == str(path)
    app = BackpropApp(lesson, session_path=kw["session_path"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "ctrl+s")
        assert load_session(path).steps == 4
        await pilot.press("r")
        assert np.array_equal(app.lesson.network.flat_w, XOR_W) and app.lesson.steps_done == 0


async def test_a_session_that_cannot_be_written_is_reported_and_nothing_is_lost(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    app = BackpropApp(xor_lesson(), session_path=folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "ctrl+s")
        assert app.query_one("#message").has_class("-error")
        assert "a-folder" in shown(app, "#message")
        assert folder.is_dir() and not any(folder.iterdir())
        assert app.lesson.steps_done == 1


def test_while_training_the_derivation_says_how_many_samples_a_step_uses():
    from backprop_tui.tui.widgets.weight_derivation import Selection, training_view

    net = Network((2, 2, 1), XOR_W, XOR_B)
    for size, words in ((2, "a training step uses 2 of the 4 samples"),
                        (None, "the mean over the 4 samples")):
        lesson = Lesson(net, xor_samples(), 0.5, size)
        lesson.train(3)
        shown_ = training_view(lesson, lesson.current_trace(), Selection(1, 1, 1, 0))
        assert words in shown_.remark
        assert check_rows(shown_.rows) == len(shown_.rows) - 1  # every row but the mean C


async def test_a_layer_wider_than_the_screen_shows_the_neurons_around_the_selection():
    """A network wider than four neurons a layer opens in the app: each column shows four
    panels, those around the selected neuron (in the layer below it, around the selected
    weight's neuron k), and says which of how many; the selected neuron's panel shows four
    of its weights around the selected one, and editing one changes that weight."""
    from backprop_tui.model.network import random_network
    from backprop_tui.present.formulas import sub

    net = random_network((6, 16, 8, 2))
    samples = net.samples([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]], [[0.0, 1.0]])
    app = BackpropApp(Lesson(net, samples, 0.5))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert shown(app, "#more-0") == "1–4 of 6" and shown(app, "#more-1") == "1–4 of 16"
        assert shown(app, "#more-2") == "1–4 of 8" and not app.query_one("#more-3").display
        for _ in range(9):  # neuron 10 of the first layer
            await pilot.press("right_curly_bracket")
        await pilot.press("c", "c", "c", "c")  # its weight from x₅
        await pilot.pause()
        assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (1, 10, 5)
        # the selected neuron second where it can be; the last four when near the end
        assert shown(app, "#more-1") == "9–12 of 16" and shown(app, "#more-0") == "3–6 of 6"
        fwd = app.lesson.forward_pass
        for slot, j in zip(range(1, 5), range(9, 13)):
            cell = shown(app, f"#neuron-1-{slot}")
            assert number(float(fwd.a[0][0, j - 1]), signed=True) in cell
            assert app.query_one(f"#neuron-1-{slot}").has_class("-selected") == (j == 10)
        for slot, k in zip(range(1, 5), range(3, 7)):
            assert f"x{sub(k)}" in app.query_one(f"#input-{slot}").border_title
            assert number(0.1 * k) in shown(app, f"#input-{slot}")
        assert shown(app, "#edit-more").strip() == "w: 3–6 of 6"
        field = app.query_one("#field-w-3", NumberField)  # the third shown: w₁₀,₅
        assert field.target == ("w", 5)
        assert str(app.query_one("#edit-w-3 .name").content) == "▸w₁₀,₅"
        field.focus()
        field.value = "0.125"
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson.network.w[0][9, 4] == 0.125
        assert app.lesson.network.w[0][9, 3] == net.w[0][9, 3]


def test_a_wide_layers_sum_shows_a_few_terms_and_says_how_many_it_leaves_out():
    """64 neurons a layer: the derivation fits the screen, and says what it leaves out."""
    from backprop_tui.model.network import random_network
    from backprop_tui.tui.widgets.weight_derivation import MOST_TERMS, Selection, weight_rows

    net = random_network((2, 64, 64, 1), seed=3)
    lesson = Lesson(net, net.samples([[0.3, 0.7]], [[1.0]]), 0.5)
    bp = lesson.backward()
    shown = weight_rows(bp, Selection(2, 40, 30, 0))
    terms = [row for row in shown.rows if row.key == "dC_da_prev_term"]
    assert len(terms) == MOST_TERMS  # the first three, the last two and the selected j
    assert "term j=40" in [row.symbol for row in terms]
    assert "not shown: 58 of the 64 terms of ∂C/∂a₃₀(L−2)" in shown.remark
    total = next(row for row in shown.rows if row.key == "dC_da_prev")
    assert "…" in total.numbers and total.numbers.count("+") == 5  # 3, …, 2
    assert total.value == float(bp.dC_da_prev[1][0, 29])  # the exact sum all the same
    full = W.sum_row(bp, 0, 2, 30)
    assert full.numbers.count("+") == 63 and full.value == total.value  # trace's, whole
