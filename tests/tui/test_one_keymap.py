"""One set of keys for every shape (docs/design: "the same keys mean the same thing"): one
app, one screen, one registry; the screen binds every key of it to its action, and a key
whose feature a shape lacks says so in one line instead of doing something else; the keys
every shape has (u U undo and redo, o k another activation and cost, e E the nudge check,
m the handout …) do it for a chain and for a wider network."""

from __future__ import annotations

import re

import numpy as np
import pytest

from backprop_tui.model.functions import ACTIVATIONS, COSTS
from backprop_tui.model.lesson import SYMMETRIC_B, SYMMETRIC_W
from backprop_tui.model.network import Network
from backprop_tui.present.format import number
from backprop_tui.present.formulas import param_sym
from backprop_tui.present.keys import KEYS
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.network_screen import NetworkScreen, absent_keys
from backprop_tui.tui.view import View
from backprop_tui.tui.widgets.decision import DecisionView
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.weight_derivation import WideDerivation

from ..test_cli_files import as_float, shows, tables
from .helpers import (
    SIZE,
    XOR_B,
    XOR_W,
    assert_grid_matches_lesson,
    by_hand,
    lecture,
    lesson_of,
    shown,
    text_of,
    xor_lesson,
)


def bound(screen_class) -> dict[str, str]:
    """Each Textual key name a screen binds, and its action (the app's own bindings, q and
    ctrl+c, included)."""
    return {name.strip(): binding.action
            for binding in [*BackpropApp.BINDINGS, *screen_class.BINDINGS]
            for name in binding.key.split(",")}


def registry_names() -> dict[str, str]:
    """Each Textual key name of the registry, and the key (as the registry writes it)."""
    return {name: key.shown for key in KEYS for names, _, _ in key.bindings
            for name in names.split(",")}


def test_the_one_screen_binds_every_key_of_the_one_registry_to_its_action():
    names, actions = registry_names(), {
        name: action for key in KEYS for names_, action, _ in key.bindings
        for name in names_.split(",")}
    got = bound(NetworkScreen)
    assert set(names) <= set(got), sorted(set(names) - set(got))
    for name in names:
        assert got[name] == actions[name], (name, got[name], actions[name])
    assert set(got) - set(names) == {"tab", "shift+tab"}  # through the values shown


@pytest.mark.parametrize("shape, lacks", [
    ((1, 1, 1), {"{ }", "M", "S", "D"}),
    ((1, 1, 1, 1, 1, 1), {"{ }", "M", "S", "D"}),
    ((1, 4, 1), {"D"}),
    ((2, 2, 1), set()),
    ((2, 3, 2), set()),
    ((3, 1, 1), {"D"}),
])
def test_a_shape_lacks_only_the_keys_whose_feature_needs_what_it_has_not(shape, lacks):
    absent = absent_keys(shape)
    assert set(absent) == lacks
    assert set(absent) <= {key.shown for key in KEYS}
    # every shape has these
    assert {"u", "U", "o", "k", "e", "E", "m", "g", "h", "x", "z", "d", "l", "c", "[ ]",
            "← →"}.isdisjoint(absent)


async def test_a_chains_screen_says_in_one_line_what_its_shape_lacks():
    app = BackpropApp(lecture())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        before = app.lesson.state
        for key, name in (("{ }", "left_curly_bracket"), ("{ }", "right_curly_bracket"),
                          ("M", "M"), ("D", "D"), ("S", "S")):
            await pilot.press(name)
            assert_not_available(app, key)
            assert app.lesson.state is before  # nothing changed
        await pilot.press("right", "left")  # ← → move through the layers as [ ] do
        assert app.main.shown_layer == app.lesson.layers - 1


def assert_not_available(app: BackpropApp, key: str) -> None:
    message = shown(app, "#message")
    assert message.startswith(f"{key}: {app.main.absent[key][:20]}"), message
    assert "\n" not in message.strip() and len(message.strip()) < SIZE[0], message
    assert app.query_one("#message").has_class("-error")


NUDGE = re.compile(r"\((\S+)−(\S+)\)/\(2·(\S+)\)")
"""The numbers of the nudge check's first row: C⁺, C⁻, ε."""


def hand_cost(net: Network, samples, layer: int, j: int, k: int, delta: float) -> float:
    """The batch-mean squared error, by hand (numpy, sigmoid), with w_jk(layer) + delta."""
    w = [arr.copy() for arr in net.w]
    w[layer - 1][j - 1, k - 1] += delta
    flat_w = np.concatenate([arr.ravel() for arr in w])
    a, _ = by_hand(net.shape, flat_w, net.flat_b, samples.x, samples.y)
    return float(((a[-1] - samples.y) ** 2).sum(axis=1).mean())


def assert_shown_to_its_digits(text: str, value: float) -> None:
    """``text`` is ``value`` rounded to the decimals it shows."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(as_float(text) - value) <= 0.5 * 10.0 ** -decimals + 4 * np.spacing(value), (
        text, value)


def assert_nudge_of_the_selection(app: BackpropApp, symbol: str, epsilon: float) -> None:
    """The nudge check (e) shows the selected w_jk: C at w_jk ± ε and their central
    difference, computed here by hand, beside the chain rule's batch-mean ∂C/∂w_jk of the
    lesson's trace (and the hand-made backward pass); the two agree."""
    from backprop_tui.present.formulas import nudge_rows

    lesson, l, j, k = app.lesson, app.main.shown_layer, app.main.neuron, app.main.weight
    view = app.query_one("#nudge")
    assert view.display
    text = text_of(view)
    result = app.main.nudge_result
    assert (result.which, result.layer, result.neuron, result.input) == ("w", l, j, k)
    rows = nudge_rows(result, lesson.network)
    assert f"∂C/∂{symbol}" in text and rows[1].symbol == f"∂C/∂{symbol}", text
    found = NUDGE.search(re.sub(r"\s*\n\s*", "", text))  # a long row wraps
    assert found, text
    up_text, down_text, eps = found.groups()
    assert eps == number(epsilon)
    numeric_text, chain_text, rel_text = (row.value_text for row in rows)
    assert all(value in text for value in (numeric_text, chain_text, rel_text)), text
    up = hand_cost(lesson.network, lesson.samples, l, j, k, epsilon)
    down = hand_cost(lesson.network, lesson.samples, l, j, k, -epsilon)
    assert_shown_to_its_digits(up_text, up)
    assert_shown_to_its_digits(down_text, down)
    numeric = (up - down) / (2 * epsilon)
    assert as_float(numeric_text) == pytest.approx(numeric, rel=5e-4)
    analytic = float(lesson.current_trace().mean_dC_dw[l - 1][j - 1, k - 1])
    _, factors = by_hand(lesson.shape, lesson.network.flat_w, lesson.network.flat_b,
                         lesson.samples.x, lesson.samples.y)
    assert analytic == pytest.approx(float(factors[l]["dC_dw"][:, j - 1, k - 1].mean()),
                                     rel=1e-12)
    shows(chain_text, analytic)
    assert numeric == pytest.approx(analytic, rel=1e-5)
    assert 0 <= as_float(rel_text) < 1e-5


async def test_symmetry_demo_is_on_S_and_e_checks_the_selected_weight_by_nudging():
    """e: the nudge check of the selected weight w_jk (c: another k, ← → { }: another
    neuron), E: ε ÷ 10; nothing changes. The symmetry demo stays on S."""
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        version = app.lesson.version
        await pilot.press("e")
        assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (2, 1, 1)  # b: at the output
        assert_nudge_of_the_selection(app, "w₁₁(L)", 1e-5)
        await pilot.press("E")
        assert_nudge_of_the_selection(app, "w₁₁(L)", 1e-6)
        await pilot.press("c")  # the check follows the selection
        assert app.main.weight == 2
        assert_nudge_of_the_selection(app, "w₁₂(L)", 1e-6)
        await pilot.press("left", "right_curly_bracket")
        assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (1, 2, 2)
        assert_nudge_of_the_selection(app, "w₂₂(L−1)", 1e-6)
        await pilot.press("E")
        assert_nudge_of_the_selection(app, "w₂₂(L−1)", 1e-7)
        await pilot.press("c")  # after its last weight, the neuron's bias
        assert app.main.parameter == "b" and "∂C/∂b₂(L−1)" in text_of(app.query_one("#nudge"))
        await pilot.press("c")  # w₂₁, not w₁₂: row j = 2, column k = 1
        assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (1, 2, 1)
        assert_nudge_of_the_selection(app, "w₂₁(L−1)", 1e-7)
        # e and E changed nothing: the parameters, the phase, the results
        assert np.array_equal(app.lesson.network.flat_w, XOR_W)
        assert app.lesson.phase == "backward" and app.lesson.version == version
        await pilot.press("S")
        net = app.lesson.network
        assert (net.flat_w == SYMMETRIC_W).all() and (net.flat_b == SYMMETRIC_B).all()
        assert shown(app, "#message").startswith("symmetry")


async def test_matrix_form_is_on_M_and_m_writes_the_handout(tmp_path, monkeypatch):
    """m: the Markdown handout, the trace then the update step of every w_jk and b_j,
    old − η·∂C/∂p = new, the numbers the step s then takes. The matrix form stays on M."""
    monkeypatch.chdir(tmp_path)
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        version = app.lesson.version
        await pilot.press("m")
        await pilot.pause()
        assert shown(app, "#message") == "step 0: handout written to backprop-handout-1.md"
        assert not app.query_one("#message").has_class("-error")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["backprop-handout-1.md"]
        assert app.lesson.version == version and not app.main.matrix  # m changed nothing
        await pilot.press("M")
        assert app.main.matrix
        assert app.query_one(WideDerivation).shown.title[0] == "matrix form"
        await pilot.press("M")
        assert not app.main.matrix
        lesson = app.lesson
        net, lr = lesson.network, lesson.lr
        bp = net.forward(lesson.samples).backward()
        _, factors = by_hand(net.shape, net.flat_w, net.flat_b, lesson.samples.x,
                             lesson.samples.y)
        found = tables((tmp_path / "backprop-handout-1.md").read_text())
        assert len(found) > 1  # the trace's tables come first
        heading, rows = found[-1]
        assert heading.startswith("Update step") and f"η = {number(lr)}" in heading
        assert rows[0] == ["quantity", "formula", "numbers", "value"]
        # input to output, a neuron's weights then its bias
        params = []
        for l in (1, 2):
            for j in range(1, net.shape[l] + 1):
                params += [("w", l, j, k) for k in range(1, net.shape[l - 1] + 1)]
                params.append(("b", l, j, None))
        assert len(rows) == 1 + len(params) == 1 + 9
        await pilot.press("s")  # the step the handout wrote out
        stepped = lesson.network
        for row, (which, l, j, k) in zip(rows[1:], params):
            assert row[0] == param_sym(which, l, j, k, 2), row
            if which == "w":
                old, new = net.w[l - 1][j - 1, k - 1], stepped.w[l - 1][j - 1, k - 1]
                grad = bp.mean_dC_dw[l - 1][j - 1, k - 1]
                by_hand_grad = factors[l]["dC_dw"][:, j - 1, k - 1].mean()
            else:
                old, new = net.b[l - 1][j - 1], stepped.b[l - 1][j - 1]
                grad = bp.mean_dC_db[l - 1][j - 1]
                by_hand_grad = (factors[l]["dC_da"][:, j - 1] * factors[l]["prime"][:, j - 1]).mean()
            assert float(grad) == pytest.approx(float(by_hand_grad), rel=1e-12)
            assert float(new) == pytest.approx(float(old) - lr * float(grad), rel=1e-12)
            numbers = [number(float(v)) if v >= 0 else f"({number(float(v))})"
                       for v in (old, grad)]
            assert row[2].removesuffix(" ≈") == f"{numbers[0]} − {number(lr)}·{numbers[1]}"
            shows(row[3], float(new))


async def test_u_and_U_undo_and_redo_phases_steps_and_edits():
    """u takes back the last change (a phase, a step, an edit), U brings it back; the
    screen shows the lesson after each."""
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lesson
        await pilot.press("u")  # nothing yet
        assert "nothing to undo" in shown(app, "#message")
        assert app.query_one("#message").has_class("-error")
        await pilot.press("f")
        assert lesson.phase == "forward"
        await pilot.press("u")
        assert lesson.phase == "none" and lesson.forward_pass is None
        assert shown(app, "#message").startswith("undone: step 0")
        assert_grid_matches_lesson(app)  # the grid's a_j are blank again
        await pilot.press("U")
        assert lesson.phase == "forward"
        expected = Network((2, 2, 1), XOR_W, XOR_B).forward(lesson.samples)
        for got, want in zip(lesson.forward_pass.a, expected.a):
            assert np.array_equal(got, want)
        assert shown(app, "#message").startswith("redone: step 0, phase forward")
        assert_grid_matches_lesson(app)
        # a step: u returns to the parameters and the backward pass before it
        await pilot.press("b", "s")
        assert lesson.steps_done == 1
        step = lesson.last_step
        assert not np.array_equal(lesson.network.flat_w, XOR_W)
        await pilot.press("u")
        assert lesson.steps_done == 0 and lesson.phase == "backward"
        assert np.array_equal(lesson.network.flat_w, XOR_W)
        assert np.array_equal(lesson.network.flat_b, XOR_B)
        assert_grid_matches_lesson(app)  # and the selected neuron's fields show them
        await pilot.press("U")
        assert lesson.steps_done == 1
        assert np.array_equal(lesson.network.flat_w, step.new.flat_w)
        assert_grid_matches_lesson(app)
        # an edit of a weight (after the step: nothing runs again), taken back by one u
        await pilot.press("left")
        field = app.query_one("#field-w-2", NumberField)
        before = float(lesson.network.w[0][0, 1])
        field.focus()
        await pilot.pause()
        field.value = "−0.25"
        await pilot.press("enter")
        await pilot.pause()
        assert lesson.network.w[0][0, 1] == -0.25 and lesson.phase == "none"
        await pilot.press("u")
        assert lesson.network.w[0][0, 1] == before and lesson.steps_done == 1
        assert lesson.phase == "step"
        assert field.shown == number(before)
        assert_grid_matches_lesson(app)


async def test_o_and_k_switch_the_activation_and_the_cost_and_clear_the_results():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lesson
        names = list(ACTIVATIONS)
        after = names[(names.index("sigmoid") + 1) % len(names)]
        await pilot.press("f", "b", "o")
        assert lesson.network.activation.name == after == "tanh"
        assert lesson.phase == "none" and lesson.forward_pass is None
        assert lesson.backward_pass is None
        assert np.array_equal(lesson.network.flat_w, XOR_W)  # the parameters stay
        assert shown(app, "#message").startswith("activation: tanh; results of the old")
        assert "tanh" in shown(app, "#status")
        assert_grid_matches_lesson(app)  # blank again
        await pilot.press("f")
        a = np.asarray(lesson.samples.x)
        for w, b in zip(lesson.network.w, lesson.network.b):
            a = np.tanh(a @ w.T + b)
        assert np.allclose(lesson.forward_pass.a[-1], a, rtol=1e-14, atol=0)
        assert_grid_matches_lesson(app)
        # cross-entropy takes a sigmoid output: refused after tanh, nothing changes
        version = lesson.version
        await pilot.press("k")
        assert lesson.network.cost.name == "squared-error" and lesson.version == version
        assert lesson.phase == "forward"
        assert "refused" in shown(app, "#message") and "sigmoid" in shown(app, "#message")
        assert app.query_one("#message").has_class("-error")
        await pilot.press("o", "o")  # relu, then sigmoid again
        assert lesson.network.activation.name == "sigmoid"
        costs = list(COSTS)
        await pilot.press("f", "k")
        assert lesson.network.cost.name == costs[1] == "cross-entropy"
        assert lesson.phase == "none" and lesson.forward_pass is None
        assert shown(app, "#message").startswith("cost: cross-entropy; results of the old")
        await pilot.press("f")
        a, _ = by_hand(lesson.shape, lesson.network.flat_w, lesson.network.flat_b,
                       lesson.samples.x, lesson.samples.y)
        y, out = np.asarray(lesson.samples.y), a[-1]
        cross_entropy = -(y * np.log(out) + (1 - y) * np.log(1 - out)).sum(axis=1)
        assert lesson.forward_pass.mean_cost == pytest.approx(cross_entropy.mean(), rel=1e-12)
        assert_grid_matches_lesson(app)
        await pilot.press("u", "u")  # the forward pass, then the switch of cost
        assert lesson.network.cost.name == "squared-error" and lesson.phase == "forward"


async def test_a_adds_a_sample_typed_in_a_dialog_and_bad_values_keep_it_open():
    app = BackpropApp(lesson_of((3, 2, 2), [[0.1, 0.2, 0.3]], [[1.0, 0.0]]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "a")
        field = app.screen.query_one("#path-input")
        assert field.value == "0.1 0.2 0.3 ; 1 0"  # the sample shown's, to start with
        for bad, says in (("0.1 0.2 ; 1 0", "x: 2 values, but the network takes 3 inputs"),
                          ("1 2 3 ; abc 0", "y"), ("1 2 3 4", "semicolon"),
                          ("1 2 nan ; 1 0", "x")):
            field.value = bad
            await pilot.press("enter")
            error = text_of(app.screen.query_one("#path-error"))
            assert says in error, (bad, error)
            assert len(app.lesson.samples) == 1 and app.lesson.phase == "forward"
        field.value = "0.5, 1e-3, -2 ; 0 : 1"
        await pilot.press("enter")
        await pilot.pause()
        samples = app.lesson.samples
        assert samples.x.tolist() == [[0.1, 0.2, 0.3], [0.5, 1e-3, -2.0]]
        assert samples.y.tolist() == [[1.0, 0.0], [0.0, 1.0]]
        assert app.main.sample == 1 and shown(app, "#message").startswith("sample 2 added")
        assert app.lesson.phase == "none"  # results of the old samples cleared
        assert_grid_matches_lesson(app)
        await pilot.press("a", "escape")  # escape adds nothing
        assert len(app.lesson.samples) == 2
        await pilot.press("u")  # undo takes the sample back
        assert len(app.lesson.samples) == 1


async def test_decision_view_is_on_D_and_d_deletes_the_sample_shown():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=(120, 36)) as pilot:
        assert len(app.lesson.samples) == 4 and not app.query(DecisionView)
        await pilot.press("f", "n", "d")  # the second sample, (0, 1) → 1, leaves the batch
        await pilot.pause()
        samples = app.lesson.samples
        assert samples.x.tolist() == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]
        assert samples.y.tolist() == [[0.0], [1.0], [0.0]]
        assert app.lesson.phase == "none" and shown(app, "#message").startswith(
            "sample 2 deleted; 3 left")
        assert_grid_matches_lesson(app)
        for _ in range(2):
            await pilot.press("d")
        assert len(app.lesson.samples) == 1
        await pilot.press("d")  # the last one stays
        assert len(app.lesson.samples) == 1 and app.query_one("#message").has_class("-error")
        await pilot.press("u")  # undo brings the last deleted one back
        await pilot.pause()
        assert len(app.lesson.samples) == 2
        await pilot.press("D")
        view = app.query_one(DecisionView)
        assert app.main.plot_view is View.DECISION and view.display
        await pilot.press("D")
        assert app.main.plot_view is View.LOSS and not view.display


async def test_brackets_select_the_layer_as_the_arrows_do():
    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        start = app.main.shown_layer
        await pilot.press("right_square_bracket")
        assert app.main.shown_layer == start + 1
        await pilot.press("left_square_bracket")
        assert app.main.shown_layer == start


async def test_the_nudge_works_for_a_deep_wide_network():
    app = BackpropApp(lesson_of((2, 4, 4, 4, 4, 4, 4, 4, 1), [[0.1, 0.2]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        # e works for this shape too: the nudge of w₁₁ of the first layer
        await pilot.press("e")
        assert_nudge_of_the_selection(app, "w₁₁(L−7)", 1e-5)


async def test_braces_select_a_neuron_and_the_arrows_scroll_the_derivation():
    app = BackpropApp(lesson_of((3, 4, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b", "left", "left")
        assert (app.main.shown_layer, app.main.neuron) == (1, 1)
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        assert app.main.neuron == 3
        await pilot.press("left_curly_bracket")
        assert app.main.neuron == 2
        derivation = app.query_one(WideDerivation)
        assert derivation.rows_hidden  # 80×24: the rows scroll
        start = derivation._start
        assert start > 0  # it opens at the Σ row, further down
        await pilot.press("up")  # the chain's ↑: scroll, not the neuron above
        assert derivation._start == start - 1 and app.main.neuron == 2
        await pilot.press("down")
        assert derivation._start == start and app.main.neuron == 2


async def test_l_and_c_mean_one_thing_in_both_apps():
    """l: the lesson's dataset (XOR for a network, 8 samples for a chain); c: the parameter
    the derivation explains (the next w_jk; w or b in a chain)."""
    app = BackpropApp(lesson_of((3, 2, 1), [[0.1, 0.2, 0.3]], [[1.0]]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert app.lesson.shape == (2, 2, 1) and len(app.lesson.samples) == 4
        await pilot.press("f", "b", "c")
        assert app.main.weight == 2


async def test_i_writes_a_screenshot_in_the_wide_app_too(tmp_path):
    from backprop_tui.model.files import Folder

    app = BackpropApp(xor_lesson(), folder=Folder(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "i")
        await pilot.pause()
        svg = (tmp_path / "backprop-screenshot-1.svg").read_text()
        assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "shape" in svg and "2,2,1" in svg
        assert "screenshot written to backprop-screenshot-1.svg" in shown(app, "#message")


async def test_G_switches_the_wide_apps_loss_curve_to_a_log_axis():
    from backprop_tui.tui.widgets.loss_plot import LossPlot

    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G")
        plot = app.query_one(LossPlot)
        assert plot.log_scale and app.main.view is View.LOSS
        assert shown(app, "#message").startswith("loss curve: cost axis logarithmic")
        await pilot.press("G")
        assert not plot.log_scale
        assert shown(app, "#message").startswith("loss curve: cost axis linear")


async def test_g_plots_the_cost_against_the_selected_weight_with_the_chain_rules_slope():
    """g: C against the selected w_jk, the others held, every point a forward pass of its
    own (by hand here), and the tangent at its value of slope ∂C/∂w_jk (the chain rule's,
    against a central difference by hand); c and the arrows choose another weight; g again:
    the loss curve."""
    from backprop_tui.tui.widgets.loss_plot import LossPlot
    from backprop_tui.tui.widgets.slope_plot import SlopePlot

    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        for keys, (l, j, k) in ((("g",), (1, 1, 1)), (("c",), (1, 1, 2)),
                                (("right", "right", "left", "right_curly_bracket"), (1, 2, 2))):
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            assert (app.main.shown_layer, app.main.neuron, app.main.weight) == (l, j, k)
            plot = app.query_one(SlopePlot)
            assert plot.display and not app.query_one(LossPlot).display
            cut = plot.data
            lesson = app.lesson
            net, samples = lesson.network, lesson.samples
            w0 = float(net.w[l - 1][j - 1, k - 1])
            assert cut.theta0 == w0
            for theta, cost in list(zip(cut.theta, cut.cost))[::20]:
                assert cost == pytest.approx(hand_cost(net, samples, l, j, k, theta - w0),
                                             rel=1e-12, abs=1e-15)
            slope = float(lesson.current_trace().mean_dC_dw[l - 1][j - 1, k - 1])
            assert cut.slope == slope
            eps = 1e-6
            numeric = (hand_cost(net, samples, l, j, k, eps)
                       - hand_cost(net, samples, l, j, k, -eps)) / (2 * eps)
            assert slope == pytest.approx(numeric, rel=1e-5, abs=1e-9)
            symbol = param_sym("w", l, j, k, net.layers)
            assert plot.border_title.startswith(f"C against {symbol} · tangent slope")
            assert number(slope, signed=True) in plot.border_title
        await pilot.press("g")
        await pilot.pause()
        assert app.query_one(LossPlot).display and not app.query_one(SlopePlot).display
        assert shown(app, "#message").startswith("plot: the loss curve")


async def test_h_shows_each_layers_mean_gradient_and_delta_in_place_of_the_derivation():
    """h with several neurons a layer: per layer, output first, the mean |∂C/∂w_jk| of the
    batch gradients and the mean |∂C/∂z_j| over neurons and samples, from a backward pass
    by hand (plain numpy, checked here against a central difference); h again: back."""
    from backprop_tui.tui.widgets.vanishing import Vanishing

    shape = (2, 3, 3, 1)
    net = Network(shape, [0.3, -0.8, 1.1, 0.4, -0.5, 0.9, 0.7, -1.2, 0.2, 0.6, -0.3, 1.0,
                          0.8, -0.4, 0.5, -0.9, 1.3, 0.1], [0.1, -0.2, 0.05, 0.3, -0.1, 0.2, -0.3])
    from backprop_tui.model.lesson import Lesson

    app = BackpropApp(Lesson(net, net.samples([[0.5, -0.2], [1.0, 0.3]], [[1.0], [0.0]]), 0.5))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await pilot.pause()
        view = app.query_one(Vanishing)
        assert view.display and not app.query_one(WideDerivation).display
        samples = app.lesson.samples
        # by hand: forward, then δ(l) = (δ(l+1)·W(l+1)) ⊙ σ'(z(l)), per sample
        a, z = [samples.x], []
        for w, b in zip(net.w, net.b):
            z.append(a[-1] @ w.T + b)
            a.append(1.0 / (1.0 + np.exp(-z[-1])))
        deltas = [2.0 * (a[-1] - samples.y) * a[-1] * (1.0 - a[-1])]
        for layer in range(len(net.w) - 1, 0, -1):
            deltas.insert(0, (deltas[0] @ net.w[layer]) * a[layer] * (1.0 - a[layer]))
        grads = [np.einsum("kj,ki->ji", d, a[layer]) / len(samples.x)
                 for layer, d in enumerate(deltas)]
        eps = 1e-6
        for i, w_jk in ((0, (1, 1)), (2, (0, 2))):  # two weights against a central difference
            moved = [arr.copy() for arr in net.w]
            costs = []
            for sign in (1, -1):
                moved[i][w_jk] = net.w[i][w_jk] + sign * eps
                out = samples.x
                for w, b in zip(moved, net.b):
                    out = 1.0 / (1.0 + np.exp(-(out @ w.T + b)))
                costs.append(float(((out - samples.y) ** 2).sum(axis=1).mean()))
            assert grads[i][w_jk] == pytest.approx((costs[0] - costs[1]) / (2 * eps), rel=1e-6)
        table = view.table
        assert table is not None and [row[0] for row in table.rows] == ["(L)", "(L−1)", "(L−2)"]
        for row, layer in zip(table.rows, range(3, 0, -1)):
            assert row[1] == str(3 - layer + 1)
            assert row[2] == number(float(np.abs(grads[layer - 1]).mean()))
            assert row[4] == number(float(np.abs(deltas[layer - 1]).mean()))
        assert shown(app, "#message").startswith("vanishing gradient: |∂C/∂w|")
        await pilot.press("h")
        await pilot.pause()
        assert app.query_one(WideDerivation).display and not view.display


async def test_x_reveals_the_selected_weights_factors_one_b_at_a_time():
    """x, then f b: the derivation shows its first factor's formula with its value hidden;
    each b shows the next value (the message says it, the model's number) and asks for the
    next; once every row is shown, b goes on to the layer below as without reveal mode."""
    from backprop_tui.tui.widgets.weight_derivation import weight_rows

    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "f", "b")
        await pilot.pause()
        lesson = app.lesson
        rows = weight_rows(lesson.backward_pass, app.main.selection).rows
        assert app.main.shown_layer == lesson.layers and len(rows) >= 3
        for revealed in range(len(rows)):
            shown_rows = app.query_one(WideDerivation).shown.rows
            assert len(shown_rows) == revealed + 1
            assert shown_rows[-1].value_text == "?"
            assert [r.value_text for r in shown_rows[:-1]] == [r.value_text for r in rows[:revealed]]
            await pilot.press("b")
            await pilot.pause()
            row = rows[revealed]
            assert shown(app, "#message").startswith(
                f"{row.symbol} {row.relation} {row.formula} {row.equals} {row.value_text}")
            assert app.main.shown_layer == lesson.layers
        assert [r.value_text for r in app.query_one(WideDerivation).shown.rows] == [
            r.value_text for r in rows]
        await pilot.press("b")  # all shown: the layer below, its first factor hidden
        await pilot.pause()
        assert app.main.shown_layer == lesson.layers - 1
        assert app.query_one(WideDerivation).shown.rows[-1].value_text == "?"
        await pilot.press("x")  # off: every row at once
        await pilot.pause()
        below = weight_rows(lesson.backward_pass, app.main.selection).rows
        assert [r.value_text for r in app.query_one(WideDerivation).shown.rows] == [
            r.value_text for r in below]


async def test_z_quizzes_the_selected_weights_factors_in_the_wide_app():
    """z, f, b: the derivation hides its first factor and the quiz line asks for it; a value
    within 1% is right, a wrong one says how far off and which formula gives it, an empty
    enter reveals; the score counts each; once all are answered b goes on below."""
    from backprop_tui.tui.widgets.quiz import AnswerField
    from backprop_tui.tui.widgets.weight_derivation import weight_rows

    app = BackpropApp(xor_lesson())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "f", "b")
        await pilot.pause()
        lesson = app.lesson
        rows = weight_rows(lesson.backward_pass, app.main.selection).rows
        field = app.query_one("#quiz-answer", AnswerField)
        assert app.focused is field
        answers = [f"{rows[0].value * 1.001:.6g}", "0.123456e3", ""]
        for i, typed in enumerate(answers):
            shown_rows = app.query_one(WideDerivation).shown.rows
            assert len(shown_rows) == i + 1 and shown_rows[-1].value_text == "?"
            assert shown(app, "#quiz-prompt").endswith(f"{rows[i].symbol} =")
            field.value = typed
            await pilot.press("enter")
            await pilot.pause()
            message = shown(app, "#message")
            if i == 0:
                assert message.startswith(f"right: {rows[0].symbol} = {rows[0].value_text}")
            elif i == 1:
                assert "is off by" in message and rows[1].formula in message
                field.value = ""
                await pilot.press("enter")
                await pilot.pause()
                assert shown(app, "#message").startswith(f"revealed {rows[1].symbol}")
            else:
                assert message.startswith(f"revealed {rows[2].symbol} = {rows[2].value_text}")
        # row 1 right, row 2 wrong once then shown, row 3 shown
        assert shown(app, "#quiz-prompt").startswith("quiz · 1/3 right · 1 wrong · 2 shown")
        while lesson.quiz.position(app.main.quiz_key) < len(rows):
            field.value = ""
            await pilot.press("enter")
            await pilot.pause()
        assert shown(app, "#quiz-prompt").endswith("all answered, b: the layer below")
        assert [r.value_text for r in app.query_one(WideDerivation).shown.rows] == [
            r.value_text for r in rows]
        app.screen.set_focus(None)
        await pilot.press("b")
        await pilot.pause()
        assert app.main.shown_layer == lesson.layers - 1
        assert app.query_one(WideDerivation).shown.rows[-1].value_text == "?"
        await pilot.press("z")
        await pilot.pause()
        assert shown(app, "#message").startswith("quiz off")
        assert not app.query_one("#quiz").display


async def test_the_wide_app_opens_in_quiz_mode_as_the_chains_does():
    app = BackpropApp(xor_lesson(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "b")
        await pilot.pause()
        assert app.main.quizzing and shown(app, "#quiz-prompt").endswith("∂C/∂a₁(L) =")
