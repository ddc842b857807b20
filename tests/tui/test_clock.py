"""The apps time themselves by one clock, :attr:`BackpropApp.clock`, so that a test that
sets it holds all of the app's time: training's pace, the redraw rates while training,
the loss curve's. Nothing under ``backprop_tui.tui`` reads another clock.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import backprop_tui.tui
from backprop_tui.tui.app import FRAME, PLOT_REDRAW, SPEEDS, BackpropApp
from backprop_tui.tui.widgets.batch_table import BatchTable
from backprop_tui.tui.widgets.loss_plot import LossPlot

from .helpers import lecture, xor_lesson

WAIT = 20.0
"""Seconds at most to wait for the app's own timer to fire (a busy machine)."""

CLOCK_MODULES = ("time", "datetime", "textual._time")
"""Where a clock could come from: a module reading one of them has a clock of its own."""


def clocks_read(path: Path) -> list[str]:
    """What in the source at ``path`` reads a clock other than the app's: imports from
    the clock modules, and calls of a ``.time()`` method (an event loop's clock)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names
                      if a.name.split(".")[0] in ("time", "datetime") or a.name in CLOCK_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            if node.module in CLOCK_MODULES or node.module == "textual" and any(
                    a.name == "_time" for a in node.names):
                found += [f"from {node.module} import {a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "time":
            found.append(f"{ast.unparse(node.func)}()")
    return found


def test_no_module_of_the_app_reads_a_clock_but_the_one_default():
    package = Path(backprop_tui.tui.__file__).parent
    read = {path.relative_to(package).as_posix(): clocks_read(path)
            for path in sorted(package.rglob("*.py"))}
    assert {name: found for name, found in read.items() if found} \
        == {"app.py": ["from time import monotonic"]}
    # … and app.py uses it only as the default of BackpropApp.clock.
    tree = ast.parse((package / "app.py").read_text(encoding="utf-8"))
    uses = [node for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id == "monotonic"]
    assert len(uses) == 1
    defaults = [node for node in ast.walk(tree) if isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name) and node.target.id == "DEFAULT_CLOCK"]
    assert len(defaults) == 1 and defaults[0].value is uses[0]


def test_the_clock_check_sees_each_way_of_reading_a_clock(tmp_path):
    source = tmp_path / "clocks.py"
    source.write_text("import time\nimport datetime as dt\nfrom time import perf_counter\n"
                      "from textual._time import get_time\nfrom textual import _time\n"
                      "from .time import fine\nimport asyncio\n"
                      "asyncio.get_running_loop().time()\nself.app.clock()\n")
    assert clocks_read(source) == [
        "import time", "import datetime", "from time import perf_counter",
        "from textual._time import get_time", "from textual import _time",
        "asyncio.get_running_loop().time()"]


def _chain_app(clock) -> BackpropApp:
    return BackpropApp(lecture(), clock=clock)


def _wide_app(clock) -> BackpropApp:
    return BackpropApp(xor_lesson(lr=2.0), clock=clock)


@pytest.mark.parametrize("make", [_chain_app, _wide_app], ids=["chain", "wide"])
async def test_training_moves_only_when_the_apps_clock_moves(make, monkeypatch):
    """With the app's clock standing still, the training timer fires (real time passes)
    and nothing moves: no step, no redraw, and the loss curve stays as drawn however long
    ago that was (the batch table alike); one frame of the app's clock takes one
    frame's steps."""
    clock = [1000.0]
    app = make(lambda: clock[0])
    ticks, redraws = [0], [0]
    tick, redraw = app.main._tick, app.main._redraw
    monkeypatch.setattr(app.main, "_tick", lambda: (ticks.__setitem__(0, ticks[0] + 1), tick()))
    monkeypatch.setattr(app.main, "_redraw",
                        lambda: (redraws.__setitem__(0, redraws[0] + 1), redraw()))

    async def timer_fires(times: int) -> None:
        """Until the app's own training timer has fired ``times`` more times."""
        until, deadline = ticks[0] + times, time.monotonic() + WAIT
        while ticks[0] < until:
            assert time.monotonic() < deadline, "the training timer did not fire"
            await pilot.pause(FRAME)
        await pilot.pause()

    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert app.main._timer is not None
        lesson = app.lesson
        redrawn = redraws[0]
        await timer_fires(5)
        assert lesson.steps_done == 0 and redraws[0] == redrawn

        clock[0] += FRAME  # one frame: its steps, and a redraw
        await timer_fires(1)
        steps = lesson.steps_done
        assert steps == int(SPEEDS[app.main.speed] * FRAME)
        assert redraws[0] == redrawn + 1

        # The clock stands again: more than PLOT_REDRAW of real time passes, the history
        # changes (steps taken outside the clock) and the screen is asked to redraw. The
        # curve, drawn less than PLOT_REDRAW ago by the app's clock, is not redrawn, nor
        # the chain's batch table (its live numbers are redrawn once a LIVE_TABLE_REDRAW).
        plot = app.query_one(LossPlot)
        tables = app.query(BatchTable)
        assert [str(t.border_title).endswith(f"at step {steps}") for t in tables] \
            == [True]
        drawn = plot._drawn
        since = time.monotonic()
        await timer_fires(3)
        while time.monotonic() - since < 1.5 * PLOT_REDRAW:
            await timer_fires(1)
        assert lesson.steps_done == steps and redraws[0] == redrawn + 1
        lesson.train(5)
        app.main._redraw()
        await pilot.pause()
        assert lesson.steps_done == steps + 5
        assert plot._drawn == drawn != (lesson.history.next_step, len(lesson.history),
                                        plot.log_scale)
        assert [str(t.border_title).endswith(f"at step {steps}") for t in tables] \
            == [True]
        app.main.stop_training()


async def test_the_header_gives_no_rate_until_one_is_measured():
    """Training has just started: the header says "training", not "training 0/s" (which
    would say it stands still); the rate shows once two ticks have measured one."""
    from backprop_tui.tui.widgets.status import StatusLine

    from .helpers import text_of

    clock = [1000.0]
    app = _chain_app(lambda: clock[0])
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        header = text_of(app.query_one(StatusLine))
        assert header.endswith("training") and "/s" not in header, header
        for _ in range(3):
            clock[0] += FRAME
            app.main._tick()
            await pilot.pause()
        app.main._redraw()
        await pilot.pause()
        header = text_of(app.query_one(StatusLine))
        rate = int(header.rsplit("training ", 1)[1].removesuffix("/s").replace(",", ""))
        assert abs(rate - SPEEDS[app.main.speed]) <= 0.02 * SPEEDS[app.main.speed], header  # whole steps
        app.main.stop_training()


async def test_the_loss_curve_is_drawn_at_once_until_it_is_a_curve():
    """The redraw rate holds the curve back only once there is one: a placeholder (fewer
    than two points) is replaced as soon as the history has two, whatever the rate, so it
    never stays beside a step count that moved on; then the rate holds again."""
    clock = [0.0]
    app = BackpropApp(xor_lesson(), clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")  # the loss curve in front
        plot, lesson = app.query_one(LossPlot), app.lesson
        lesson.step()
        plot.show(0.0)
        assert plot._drawn[1] == 1  # one point: the placeholder
        lesson.train(3)
        plot.show(1e9)  # a redraw rate that never allows one by the clock
        assert plot._drawn[1] == 4
        await pilot.pause()
        builds = plot.builds
        lesson.train(3)
        plot.show(1e9)
        await pilot.pause()
        assert plot._drawn[1] == 4 and plot.builds == builds
