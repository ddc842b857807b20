"""The loss curve: the batch-mean cost against the step, drawn with plotext 6.

The figure is rebuilt in ``render()`` from the history thinned to the plot's
width (never the raw history), so its cost does not grow with the steps taken.
:func:`loss_figure` is a plain function so that it can be measured on its own.
"""

from __future__ import annotations

from time import monotonic

from rich.text import Text
from textual.widget import Widget

from ...model import LossHistory, Thinned
from ...model.lesson import Lesson

Y_AXIS = 9
"""Columns plotext uses for the y ticks and the frame, roughly."""


def loss_figure(thinned: Thinned, width: int, height: int, colour: bool = True) -> str:
    """The loss curve as text with ANSI colours, ``width`` × ``height`` characters.

    The line goes through the first recorded value of each group of steps; when
    the values within groups differ visibly, a second line shows each group's
    highest value, so spikes are not hidden by the thinning.
    """
    fig = new_figure(width, height, colour)
    steps = thinned.step.astype(float).tolist()
    line = fig.signal(steps, thinned.first.tolist())
    line.lines()
    fig.draw(line)
    spread = thinned.high - thinned.low
    extent = float(thinned.high.max() - thinned.low.min()) if spread.size else 0.0
    if extent > 0 and float(spread.max()) > 0.05 * extent:
        # Groups whose steps differ visibly: show their highest values too.
        peak = fig.signal(steps, thinned.high.tolist())
        peak.lines()
        fig.draw(peak)
    first, last = int(thinned.step[0]), int(thinned.step[-1])
    positions = step_ticks(first, last, max(2, width // 12))
    fig.ruler(0, 0).ticks(positions, [str(p) for p in positions])
    return fig.build().string()


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

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self._drawn: tuple[int, int] | None = None
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
        key = (history.next_step, len(history))
        now = monotonic()
        if key != self._drawn and now - self._drawn_at >= every:
            self._drawn = key
            self._drawn_at = now
            last = history.last
            self.border_title = "loss (batch mean)"
            self.border_subtitle = "" if last is None else f"last {last:.4g}".replace("-", "−")
            self.refresh()

    def render(self) -> Text:
        history = self.history
        width, height = self.content_size.width, self.content_size.height
        if len(history) < 2:
            return Text("The loss curve grows here with every step\n(s: one step, t: train).",
                        style="italic")
        if width < Y_AXIS + 5 or height < 4:
            return Text(f"loss {history.last:.4g}")
        thinned = history.thinned(max(width - Y_AXIS, 2))
        self.builds += 1
        colour = not self.app.no_color
        return Text.from_ansi(loss_figure(thinned, width, height, colour), no_wrap=True)


def new_figure(width: int, height: int, colour: bool = True):
    """A cleared plotext figure of ``width`` × ``height``, themed as the loss curve is."""
    import plotext as plt  # here, not at the top: the first frame has no curve to draw

    fig = plt.figure
    fig.clear()
    fig.plot_size(width, height)
    fig.theme("simple" if colour else "colorless")
    return fig
