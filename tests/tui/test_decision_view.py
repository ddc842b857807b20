"""The decision view, mounted in a small app: its cells follow the network's output, the
samples sit in the cells that hold them, and without colour it is shaded; in the app, on
D, redrawn while training, refused for a network of other than two inputs."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult

from backprop_tui.model import RELU, ModelError
from backprop_tui.model.network import Network, Samples, xor_samples
from backprop_tui.tui.widgets.decision import (
    MARK_0,
    MARK_1,
    MARK_BOTH,
    SCALE,
    SHADES,
    UPPER_HALF,
    DecisionView,
    colour_of,
    shade_of,
)

CONSOLE = Console()


class ViewApp(App):
    def compose(self) -> ComposeResult:
        yield DecisionView()


def step_at_half() -> Network:
    """σ(10·x1 − 5): above 0.5 exactly where x1 > 0.5."""
    return Network((2, 1), [10.0, 0.0], [-5.0])


def lines_of(view: DecisionView) -> list[Text]:
    return view.render().split("\n", allow_blank=True)


def style_at(line: Text, x: int):
    return line.get_style_at_offset(CONSOLE, x)


def red(colour) -> bool:
    """Nearer the colour of output 1 (red) than of output 0 (blue)."""
    r, _, b = colour.get_truecolor()
    return r > b


@pytest.fixture
def colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def no_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


async def drawn(samples: Samples, size: tuple[int, int]) -> tuple[DecisionView, list[Text]]:
    """The view of :func:`step_at_half` over ``samples`` in a terminal of ``size``, drawn:
    the view and its lines."""
    app = ViewApp()
    async with app.run_test(size=size) as pilot:
        view = app.query_one(DecisionView)
        view.update(step_at_half(), samples)
        await pilot.pause()
        return view, lines_of(view)


async def test_cells_follow_the_output(colour):
    app = ViewApp()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(DecisionView)
        view.update(step_at_half())
        await pilot.pause()
        lines = lines_of(view)
        plot, grid = view.plot, view.grid
        assert plot is not None and grid is not None
        # 40 × 12: "1.0000 " on the left, the axis and the legend below
        assert (plot.left, plot.columns, plot.rows, plot.grid_rows) == (7, 33, 10, 20)
        assert len(lines) == 12
        for row in range(plot.rows):
            line = lines[row]
            assert line.plain[plot.left:] == UPPER_HALF * plot.columns
            for column in range(plot.columns):
                style = style_at(line, plot.left + column)
                assert style.color == colour_of(grid.values[2 * row, column, 0])
                assert style.bgcolor == colour_of(grid.values[2 * row + 1, column, 0])
                x1 = (column + 0.5) / plot.columns  # the cell's centre, unit square
                assert red(style.color) == red(style.bgcolor) == (x1 > 0.5)
        assert lines[0].plain.startswith("1.0000 ")
        assert lines[plot.rows // 2].plain.startswith("    x2 ")
        assert lines[plot.rows - 1].plain.startswith("0.0000 ")
        axis = lines[plot.rows].plain
        assert axis.split() == ["0.0000", "x1", "1.0000"]
        assert axis.index("0.0000") == plot.left and axis.endswith("1.0000")
        assert lines[-1].plain.startswith("0 ") and f"{MARK_0} y=0 {MARK_1} y=1" in lines[-1].plain


async def test_the_colour_scale():
    assert colour_of(0.0) == SCALE[0] and colour_of(1.0) == SCALE[-1]
    assert colour_of(-3.0) == SCALE[0] and colour_of(7.0) == SCALE[-1]
    blue, grey, red_ = (c.get_truecolor() for c in (SCALE[0], SCALE[len(SCALE) // 2], SCALE[-1]))
    assert blue[2] > blue[0] and red_[0] > red_[2] and grey[0] == grey[1] == grey[2]
    reds = [c.get_truecolor()[0] - c.get_truecolor()[2] for c in SCALE]
    assert reds == sorted(reds)  # bluer to redder all the way


async def test_samples_sit_in_their_cells(colour):
    x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.25], [0.2, 0.6], [0.21, 0.61]]
    y = [[0.0], [1.0], [1.0], [0.0], [1.0], [0.0], [1.0]]
    view, lines = await drawn(Samples(x, y, inputs=2), (40, 12))
    left, last = 7, 7 + 32
    # the corners: (x1, x2) = (0, 0) bottom left … (1, 1) top right
    assert lines[9].plain[left] == MARK_0 and lines[0].plain[left] == MARK_1
    assert lines[9].plain[last] == MARK_1 and lines[0].plain[last] == MARK_0
    # (0.5, 0.25): column ⌊0.5·33⌋ = 16; grid row 19 − ⌊0.25·20⌋ = 14, terminal row 7
    assert lines[7].plain[left + 16] == MARK_1
    # (0.2, 0.6) and (0.21, 0.61): column 6, grid row 19 − 12 = 7: both in one cell
    assert lines[3].plain[left + 6] == MARK_BOTH
    marks = sum(line.plain.count(m) for line in lines[:10] for m in (MARK_0, MARK_1,
                                                                       MARK_BOTH))
    assert marks == 6
    # a marker stands on the colour of its own grid cell
    style = style_at(lines[7], left + 16)
    assert style.bgcolor == colour_of(view.grid.values[14, 16, 0])
    assert style.bold


async def test_bounds_widen_to_the_samples(colour):
    samples = Samples([[-1.0, 0.5], [2.0, 3.0]], [[0.0], [1.0]], inputs=2)
    _, lines = await drawn(samples, (44, 12))
    assert lines[0].plain.startswith("3.0000 ") and lines[9].plain.startswith("0.0000 ")
    assert lines[10].plain.split() == ["\u22121.0000", "x1", "2.0000"]
    # (−1, 0.5): the left column; grid row 19 − ⌊0.5/3·20⌋ = 16, terminal row 8
    assert lines[8].plain[7] == MARK_0 and lines[0].plain[-1] == MARK_1


async def test_no_color_shades_by_output(no_colour):
    app = ViewApp()
    async with app.run_test(size=(40, 12)) as pilot:
        assert app.no_color
        view = app.query_one(DecisionView)
        view.update(Network((2, 1), [1.0, 0.0], [0.0], RELU), xor_samples())
        await pilot.pause()
        lines = lines_of(view)
        plot, grid = view.plot, view.grid
        assert plot.grid_rows == plot.rows == 10  # one grid row a line
        for line in lines:
            for span in line.spans:
                assert span.style.color is None and span.style.bgcolor is None
        # output relu(x1) = x1: the shade steps up from blank to full along x1
        for row in range(plot.rows):
            for column in range(plot.columns):
                char = lines[row].plain[plot.left + column]
                if char in (MARK_0, MARK_1):
                    continue
                assert char == shade_of(grid.values[row, column, 0])
                assert char == SHADES[min(int((column + 0.5) / plot.columns * 5), 4)]
        assert lines[9].plain[plot.left] == MARK_0 and lines[0].plain[plot.left] == MARK_1
        assert SHADES in lines[-1].plain


async def test_adapts_to_its_size_and_draws_once_per_update(colour):
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(DecisionView)
        view.update(step_at_half(), xor_samples())
        await pilot.pause()
        assert (view.plot.columns, view.plot.rows) == (73, 22)
        assert len(lines_of(view)) == 24
        builds = view.builds
        view.render()
        view.render()
        assert view.builds == builds  # nothing new: the same text
        view.update(step_at_half(), xor_samples())
        view.render()
        assert view.builds == builds + 1
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        assert (view.plot.columns, view.plot.rows) == (23, 6)
        await pilot.resize_terminal(8, 3)
        await pilot.pause()
        assert "too small" in view.render().plain and view.plot is None


async def test_other_networks_get_a_note(colour):
    app = ViewApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(DecisionView)
        assert "shows a network's output" in view.render().plain
        view.update(Network((3, 1), [1.0, 1.0, 1.0], [0.0]))
        await pilot.pause()
        assert "needs 2 inputs" in view.render().plain and "has 3" in view.render().plain


async def test_several_outputs_show_the_chosen_one(colour):
    """Outputs σ(10·x1 − 5) and σ(10·x2 − 5): the second splits the square top from bottom."""
    net = Network((2, 2), [10.0, 0.0, 0.0, 10.0], [-5.0, -5.0])
    app = ViewApp()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(DecisionView)
        view.update(net, output=1)
        await pilot.pause()
        lines = lines_of(view)
        for row in range(10):
            style = style_at(lines[row], 7 + 3)
            x2 = 1 - (2 * row + 0.5) / 20  # the upper grid cell's centre
            assert red(style.color) == (x2 > 0.5)
        with pytest.raises(ModelError, match="output: 2"):
            view.update(net, output=2)
        with pytest.raises(ModelError, match="samples have 2 inputs and 1 targets"):
            view.update(net, xor_samples())


def test_snapshot_of_xor_solved(snap_compare, monkeypatch):
    """OR and NAND, then AND: the band between the two lines is XOR's 1."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    net = Network((2, 2, 1), [20.0, 20.0, -20.0, -20.0, 20.0, 20.0], [-10.0, 30.0, -30.0])

    async def show(pilot):
        pilot.app.query_one(DecisionView).update(net, xor_samples())
        await pilot.pause()

    assert snap_compare(ViewApp(), run_before=show, terminal_size=(40, 12))


async def test_decision_view_on_a_key_redrawn_while_training():
    from backprop_tui.tui import app as app_module
    from backprop_tui.tui.app import BackpropApp

    from .helpers import SIZE, lesson_of, shown, xor_lesson

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
