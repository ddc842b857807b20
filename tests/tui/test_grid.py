"""The network's layout and its sums: one screen for every shape, a network wider than one
neuron drawn as a grid of neurons (its columns and neurons paged around the selection),
the selected weight's derivation with its Σ over j (term by term, or in matrix form), every
row the value of its formula. Checked against the model's numbers, never against numbers
copied from the screen."""

from __future__ import annotations

from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import Network, xor_samples
from backprop_tui.present import formulas as W
from backprop_tui.present.format import number
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.network_screen import NetworkScreen
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.grid import NetworkGrid
from backprop_tui.tui.widgets.weight_derivation import WideDerivation

from ..test_formula_values import check_remultiplied, check_rows
from .helpers import (
    SIZE,
    XOR_B,
    XOR_W,
    assert_grid_matches_lesson,
    derivation_rows,
    lesson_of,
    shown,
    text_of,
    xor_lesson,
)


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


async def test_the_grid_marks_only_the_last_shown_column_as_cut():
    """A deep network paged to the output and back: ``…`` only after the last column
    shown when more layers follow, ``▶`` between columns shown."""
    net = Network((2, 2, 2, 2, 2, 1), tuple(0.1 * i for i in range(1, 19)), (0.0,) * 9)
    lesson = Lesson(net, net.samples([[0.1, 0.2]], [[1.0]]), 0.5)
    app = BackpropApp(lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.query_one(NetworkGrid)
        for keys in ((), ("right",) * 4, ("left",) * 4, ("f", "b"), ("b",), ("b",)):
            await pilot.press(*keys)
            for l in range(grid.first, grid.last + 1):
                arrow = text_of(app.query_one(f"#arrow-{l}"))
                assert arrow == ("…" if l == grid.last < 5 else "▶"), (keys, l, arrow)
            assert text_of(app.query_one("#arrow-0")) == ("…" if grid.first > 1 else "▶")


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


def test_the_sum_row_on_screen_is_the_formulas_row():
    """The rows the screen shows come from formulas (no arithmetic in the app)."""
    lesson = xor_lesson()
    bp = lesson.backward()
    from backprop_tui.tui.widgets.weight_derivation import Selection, weight_rows

    rows = weight_rows(bp, Selection(1, 2, 2, 3)).rows
    assert W.sum_row(bp, 3, 1, 2) in rows
    assert W.term_rows(bp, 3, 1, 2)[1] in rows


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
