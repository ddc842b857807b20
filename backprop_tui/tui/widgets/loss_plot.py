"""The loss curve: the batch-mean cost against the step, drawn with plotext 6.

The figure is rebuilt in ``render()`` from the history thinned to the plot's
width (never the raw history), so its cost does not grow with the steps taken.
:func:`loss_figure` is a plain function so that it can be measured on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from rich.text import Text
from textual.reactive import var
from textual.widget import Widget

from ...present.format import fixed, short, with_minus

if TYPE_CHECKING:
    import numpy as np

    from ...model import LossHistory, Thinned
else:  # loaded with the lesson, after the first frame
    from ...model.lazy_numpy import numpy_on_first_use

    np = numpy_on_first_use()


class HasHistory(Protocol):
    """What the plot reads: a loss history (the chain's lesson, or the wide screen's)."""

    @property
    def history(self) -> LossHistory: ...


class HasClock(Protocol):
    """What the plot reads of its app: the app's one clock
    (:attr:`~backprop_tui.tui.app.BackpropApp.clock`), for its redraw rate."""

    clock: Callable[[], float]


Y_AXIS = 9
"""Columns plotext uses for the y ticks and the frame, roughly."""


def loss_figure(thinned: Thinned, width: int, height: int, colour: bool = True,
                log: bool = False) -> str:
    """The loss curve as text with ANSI colours, ``width`` × ``height`` characters, drawn in
    braille (2×4 dots a cell), with round, evenly stepped cost ticks; ``log``: the cost
    axis logarithmic (ticks at powers of ten).

    The line goes through the first recorded value of each group of steps; when
    the values within groups differ visibly, a second line shows each group's
    highest value, so spikes are not hidden by the thinning.
    """
    fig = new_figure(width, height, colour)
    steps = thinned.step.astype(float).tolist()
    first, high = thinned.first, thinned.high
    if log:
        first, high = log_cost(first), log_cost(high)
    line = fig.signal(steps, first.tolist(), marker="braille")
    line.lines()
    fig.draw(line)
    spread = high - (log_cost(thinned.low) if log else thinned.low)
    lowest = float(first.min())
    extent = float(high.max() - lowest) if spread.size else 0.0
    if extent > 0 and float(spread.max()) > 0.05 * extent:
        # Groups whose steps differ visibly: show their highest values too.
        peak = fig.signal(steps, high.tolist(), marker="braille")
        peak.lines()
        fig.draw(peak)
    top = float(high.max())
    rows = max(height - 3, 2)  # the frame's top, the step axis and its labels take three
    if log:
        positions, labels = decade_ticks(lowest, top, rows)
    else:
        positions, labels = cost_ticks(lowest, top, max(2, min(6, rows // 2 + 1)))
    fig.ruler(1, 0).lim(positions[0], positions[-1]).ticks(positions, labels)
    start, last = int(thinned.step[0]), int(thinned.step[-1])
    ticks = step_ticks(start, last, max(2, width // 12))
    fig.ruler(0, 0).ticks(ticks, [str(p) for p in ticks])
    return fig.build().string()


LOG_FLOOR = 1e-300
"""The least cost a logarithmic axis draws (a cost of exactly 0 is drawn there)."""


def log_cost(values: np.ndarray) -> np.ndarray:
    """log10 of the costs, for a logarithmic cost axis."""
    return np.log10(np.maximum(np.asarray(values, dtype=float), LOG_FLOOR))


def cost_ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    """About ``count`` round, evenly stepped values from at most ``low`` to at least
    ``high`` (1, 2, 2.5 or 5 times a power of ten apart), and their labels."""
    span = high - low if high > low else (abs(high) or 1.0)
    raw = span / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    unit = next(u for u in (1.0, 2.0, 2.5, 5.0, 10.0) if u * magnitude >= raw * (1 - 1e-9))
    step = unit * magnitude
    first = math.floor(low / step + 1e-9) * step
    count = max(int(round((high - first) / step + 0.5 - 1e-9)), 1) + 1
    positions = [first + i * step for i in range(count)]
    decimals = max(0, -math.floor(math.log10(step)) + (1 if unit == 2.5 else 0))
    labels = [fixed(p, decimals) for p in positions]
    return positions, labels


def decade_ticks(low: float, high: float, rows: int = 6) -> tuple[list[float], list[str]]:
    """Ticks at the powers of ten around log10 values ``low`` to ``high`` (1e−3, 0.01, …),
    evenly strided, at most one for every other of ``rows`` rows."""
    first, last = math.floor(low), max(math.ceil(high), math.floor(low) + 1)
    stride = max(1, math.ceil((last - first) / max((rows + 1) // 2, 1)))
    count = math.ceil((last - first) / stride)
    positions = [float(last - stride * i) for i in range(count, -1, -1)]  # down from 10^last
    labels = [with_minus(f"{10.0 ** k:g}" if -3 <= k <= 3 else f"1e{int(k)}")
              for k in positions]
    return positions, labels


def step_ticks(first: int, last: int, count: int) -> list[int]:
    """At most ``count`` round step numbers between ``first`` and ``last``."""
    span = max(last - first, 1)
    raw = span / max(count, 1)
    magnitude = 10 ** max(len(str(int(raw))) - 1, 0)
    unit = next(u * magnitude for u in (1, 2, 5, 10) if u * magnitude >= raw)
    start = -(-first // unit) * unit
    return list(range(start, last + 1, unit)) or [first]


class LossPlot(Widget):
    """The lesson's loss history as a line plot; redrawn only when the history grew."""

    log_scale: var[bool] = var(False, init=False)
    """Whether the cost axis is logarithmic (G switches it)."""

    def watch_log_scale(self) -> None:
        self.show()

    def __init__(self, lesson: HasHistory, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self._drawn: tuple | None = None
        self._drawn_at = float("-inf")
        self.builds = 0
        """Figures drawn so far (each redraw builds one)."""

    @property
    def history(self) -> LossHistory:
        return self.lesson.history

    def show(self, every: float = 0.0) -> None:
        """Redraw if the history changed since the last frame and, while training, at most
        once in ``every`` seconds: the whole figure is rewritten each time, which is most
        of what an SSH link carries."""
        history = self.history
        key = (history.next_step, len(history), self.log_scale)
        now = cast("HasClock", self.app).clock()
        # Until there is a curve (two points), no wait: the placeholder never stays beside
        # a step count that has moved on.
        curve = self._drawn is not None and self._drawn[1] >= 2
        if key != self._drawn and (now - self._drawn_at >= every or not curve):
            self._drawn = key
            self._drawn_at = now
            last = history.last
            self.border_title = "loss (batch mean)" + (" · log scale" if self.log_scale else "")
            self.border_subtitle = "" if last is None else f"last {short(last, 4)}"
            self.refresh()

    def render(self) -> Text:
        history = self.history
        width, height = self.content_size.width, self.content_size.height
        if len(history) < 2:
            return Text("The loss curve grows here with every step\n(s: one step, t: train).",
                        style="italic")
        if width < Y_AXIS + 5 or height < 4:
            last = history.last
            return Text("loss" if last is None else f"loss {short(last, 4)}")
        thinned = history.thinned(max(width - Y_AXIS, 2))
        self.builds += 1
        colour = not self.app.no_color
        return Text.from_ansi(loss_figure(thinned, width, height, colour, self.log_scale),
                              no_wrap=True)


def new_figure(width: int, height: int, colour: bool = True):
    """A cleared plotext figure of ``width`` × ``height``, themed as the loss curve is."""
    import plotext as plt  # here, not at the top: the first frame has no curve to draw

    fig = plt.figure
    fig.clear()
    fig.plot_size(width, height)
    fig.theme("simple" if colour else "colorless")
    return fig


def log_axis_text(log_scale: bool) -> str:
    """What the message line says when G switches the loss curve's cost axis."""
    return ("loss curve: cost axis " + ("logarithmic (powers of ten)" if log_scale
                                        else "linear") + "; G switches it")
