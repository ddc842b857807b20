"""The wide app's backward pass goes from the output layer down, one layer per b, and the
header shows an accuracy only once a forward pass has computed it.

Every expected number is computed here by hand with numpy (the forward pass, then the
δ recursion from the output down), never read from the app's model or its screen.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop_tui.model.lesson import Lesson
from backprop_tui.model.network import Network
from backprop_tui.present.format import number
from backprop_tui.present.formulas import a_sym, label, param_sym, sub
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.grid import NetworkGrid
from backprop_tui.tui.widgets.weight_derivation import WideDerivation

from .helpers import text_of

TEACHER_W = (0.5, -0.4, 0.3, 0.8, 1.2, -0.7)
TEACHER_B = (0.1, -0.2, 0.05)
"""``--shape 2,2,1 --w 0.5,-0.4,0.3,0.8,1.2,-0.7 --b 0.1,-0.2,0.05 --x 1:0 --y 1``"""

DEEP_SHAPE = (2, 3, 2, 2)
DEEP_W = (0.7, -0.3, 0.2, 0.9, -1.1, 0.4,  # (L−2): 3 × 2
          0.6, -0.8, 0.35, -0.45, 1.05, 0.15,  # (L−1): 2 × 3
          0.9, -0.6, -0.25, 1.3)  # (L): 2 × 2
DEEP_B = (0.1, -0.2, 0.3, 0.05, -0.15, 0.2, -0.1)
DEEP_X = [[1.0, 0.0], [0.3, -0.7]]
DEEP_Y = [[1.0, 0.0], [0.0, 1.0]]


def teacher_lesson() -> Lesson:
    net = Network((2, 2, 1), TEACHER_W, TEACHER_B)
    return Lesson(net, net.samples([[1.0, 0.0]], [[1.0]]), 0.5)


def deep_lesson() -> Lesson:
    net = Network(DEEP_SHAPE, DEEP_W, DEEP_B)
    return Lesson(net, net.samples(DEEP_X, DEEP_Y), 0.5)


def by_hand(shape, flat_w, flat_b, x, y):
    """Sigmoid, squared error: a(l) of every layer, and per layer l (1..L) ∂C/∂a(l),
    σ'(z(l)), ∂C/∂w(l) and ∂C/∂a(l−1), each per sample."""
    ws, bs, i, m = [], [], 0, 0
    for below, here in zip(shape, shape[1:]):
        ws.append(np.array(flat_w[i:i + here * below], dtype=float).reshape(here, below))
        bs.append(np.array(flat_b[m:m + here], dtype=float))
        i, m = i + here * below, m + here
    a = [np.array(x, dtype=float)]
    for w, b in zip(ws, bs):
        a.append(1.0 / (1.0 + np.exp(-(a[-1] @ w.T + b))))
    L = len(ws)
    upstream = 2.0 * (a[L] - np.array(y, dtype=float))
    factors = {}
    for l in range(L, 0, -1):
        prime = a[l] * (1.0 - a[l])
        delta = upstream * prime
        dC_dw = delta[:, :, None] * a[l - 1][:, None, :]
        passed = delta @ ws[l - 1]
        factors[l] = {"dC_da": upstream, "prime": prime, "dC_dw": dC_dw, "passed": passed}
        upstream = passed
    return a, factors


def row(app: BackpropApp, symbol: str):
    shown = app.query_one(WideDerivation).shown
    assert shown is not None
    found = [r for r in shown.rows if r.symbol == symbol]
    assert found, f"no row {symbol} in {[r.symbol for r in shown.rows]}"
    return found[0]


def check_layer(app: BackpropApp, factors, layer: int, L: int, samples: int) -> None:
    """The selection, the derivation's title and rows are those of ``layer``, its values
    the hand-computed ones, and those values are on screen."""
    j, k, s = app.main.neuron, app.main.weight, app.main.sample
    lab = label(layer, L)
    assert app.main.shown_layer == layer
    assert app.query_one(f"#neuron-{layer}-{j}").has_class("-selected")
    assert str(app.query_one("#editor").border_title) == f"neuron {j} of ({lab})"
    w = param_sym("w", layer, j, k, L)
    derivation = app.query_one(WideDerivation)
    assert str(derivation.border_title).startswith(f"∂C/∂{w}")
    assert f"({lab})" in text_of(app.query_one("#message"))
    f = factors[layer]
    a_here = a_sym(layer, j, L)
    below = f"x{sub(k)}" if layer == 1 else a_sym(layer - 1, k, L)
    expected = {
        f"∂C/∂{a_here}": f["dC_da"][s, j - 1],
        f"∂{a_here}/∂z{sub(j)}({lab})": f["prime"][s, j - 1],
        f"∂C/∂{w}": f["dC_dw"][s, j - 1, k - 1],
        f"∂C/∂{below}": f["passed"][s, k - 1],
    }
    text = text_of(derivation)
    for symbol, value in expected.items():
        assert row(app, symbol).value == pytest.approx(float(value), rel=1e-12, abs=1e-15)
        assert number(float(value), True) in text  # on screen, as the model formats it
    if samples > 1:  # the last row: the mean over the samples that the step uses
        mean = app.query_one(WideDerivation).shown.rows[-1]
        assert mean.symbol == f"∂C/∂{w}"
        assert mean.value == pytest.approx(float(f["dC_dw"][:, j - 1, k - 1].mean()), rel=1e-12)


async def test_b_starts_at_the_output_layer_and_goes_down_one_layer_each_press():
    """The teacher's 2,2,1: f, then b shows (L) (∂C/∂a₁(L) = 2(a−y) first), b again
    (L−1), whose ∂C/∂a₁(L−1) is the Σ (L) passed down; b after the first layer: (L)."""
    lesson = teacher_lesson()
    _, factors = by_hand((2, 2, 1), TEACHER_W, TEACHER_B, [[1.0, 0.0]], [[1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f")
        await pilot.press("b")
        assert app.lesson.phase == "backward"
        check_layer(app, factors, 2, 2, 1)
        assert app.query_one(WideDerivation).shown.rows[0].symbol == "∂C/∂a₁(L)"
        passed = row(app, "∂C/∂a₁(L−1)").value
        assert "output layer (L) first" in text_of(app.query_one("#message"))
        await pilot.press("b")
        check_layer(app, factors, 1, 2, 1)
        # What (L) passed down is what (L−1) starts from.
        assert row(app, "∂C/∂a₁(L−1)").value == passed
        await pilot.press("b")  # after the first layer: from the output layer again
        check_layer(app, factors, 2, 2, 1)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
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
        if size == (120, 36):
            check_layer(app, factors, 3, 3, 2)
        passed = row(app, "∂C/∂a₂(L−1)").value
        await pilot.press("b")
        assert (app.main.shown_layer, app.main.neuron) == (2, 2)
        assert row(app, "∂C/∂a₂(L−1)").value == passed
        if size == (120, 36):
            check_layer(app, factors, 2, 3, 2)
            await pilot.press("n")  # the other sample: its own factors, the same mean
            check_layer(app, factors, 2, 3, 2)
        await pilot.press("b")
        assert app.main.shown_layer == 1 and app.main.neuron == 2
        if size == (120, 36):
            check_layer(app, factors, 1, 3, 2)
        # The grid shows the selected layer's column.
        grid = app.query_one(NetworkGrid)
        assert grid.first <= app.main.shown_layer <= grid.last


async def test_b_before_f_runs_the_forward_pass_first_and_starts_at_the_output():
    lesson = teacher_lesson()
    a, factors = by_hand((2, 2, 1), TEACHER_W, TEACHER_B, [[1.0, 0.0]], [[1.0]])
    app = BackpropApp(lesson)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("b")
        assert app.lesson.forward_pass is not None
        assert float(app.lesson.forward_pass.a[-1][0, 0]) == pytest.approx(float(a[2][0, 0]))
        assert "forward, then backward" in text_of(app.query_one("#message"))
        check_layer(app, factors, 2, 2, 1)
        # After a step the forward pass is stale: b runs it again with the new numbers.
        await pilot.press("b", "s", "b")
        net = app.lesson.network
        _, again = by_hand((2, 2, 1), net.flat_w, net.flat_b, [[1.0, 0.0]], [[1.0]])
        assert not np.allclose(again[2]["dC_dw"], factors[2]["dC_dw"])
        check_layer(app, again, 2, 2, 1)


async def test_space_goes_forward_then_backward_layer_by_layer_then_steps():
    lesson = deep_lesson()
    app = BackpropApp(lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = []
        for _ in range(6):
            await pilot.press("space")
            seen.append((app.lesson.phase, app.main.shown_layer if app.lesson.phase == "backward" else None))
        assert seen == [("forward", None), ("backward", 3), ("backward", 2), ("backward", 1),
                        ("step", None), ("forward", None)]
        assert app.lesson.steps_done == 1


def accuracy_by_hand(outputs, y) -> str:
    right = ((np.asarray(outputs) >= 0.5) == (np.asarray(y) == 1.0)).all(axis=1)
    return f"{int(right.sum())}/{len(right)}"


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

    async with app.run_test(size=(120, 36)) as pilot:
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
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.query_one("#status")
        assert "accuracy 1/1" not in text_of(status) and "accuracy —" in text_of(status)
        await pilot.press("f")
        a, _ = by_hand((2, 2, 1), TEACHER_W, TEACHER_B, [[1.0, 0.0]], [[1.0]])
        assert f"accuracy {accuracy_by_hand(a[-1], [[1.0]])}" in text_of(status)


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
