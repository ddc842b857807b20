"""The decision view: what a two-input network outputs over the (x1, x2) square.

Use::

    view = DecisionView(id="decision")     # mount it anywhere; it fills its size
    view.update(network, samples)          # after every change (cheap: a few times a second
                                           # while training is fine)
    view.update(network, samples, output=1)  # a network with several outputs: which one

``update`` takes a :class:`~backprop_tui.model.network.Network` with two inputs
and, optionally, its :class:`~backprop_tui.model.network.Samples`; a
network with another number of inputs shows a one-line note instead.

The square (the unit square widened to every sample, :mod:`model.decision`) is
drawn with half blocks: each terminal cell is ``▀`` with the foreground the
upper grid cell's colour and the background the lower one's, so a plot of R
rows shows 2R grid rows. The colour runs from blue (output 0) through grey
(0.5) to red (1); the legend below shows the scale and the markers: ``○`` a
sample with target 0, ``●`` target 1, ``◐`` both in one cell. With ``NO_COLOR``
every cell is one grid cell shaded `` ░▒▓█`` by the output (blank for 0, full
for 1), the markers bold.

The whole view is one rich :class:`Text`, built again only when ``update`` gave
a new network or the size changed: one forward pass over every cell
(:func:`~backprop_tui.model.decision.decision_grid`) and one line per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ...model import ModelError
from ...model.decision import DecisionGrid, bounds, decision_grid
from ...model.network import Network, Samples
from ...present.format import number

UPPER_HALF = "\u2580"
"""▀: the upper half of the cell in the foreground colour, the lower in the background."""
SHADES = " ░▒▓█"
"""Output 0 to 1 without colour, lightest to darkest."""
MARK_0, MARK_1, MARK_BOTH = "○", "●", "◐"
"""A sample with target 0, target 1, and a cell with samples of both."""
LEVELS = 33
"""Colours in the scale from output 0 to 1 (an odd number, so that 0.5 has its own)."""

_LOW = (59, 76, 192)
_MID = (221, 221, 221)
_HIGH = (180, 4, 38)


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> Color:
    return Color.from_rgb(*(round(x + (y - x) * t) for x, y in zip(a, b)))


SCALE: tuple[Color, ...] = tuple(
    _blend(_LOW, _MID, 2 * i / (LEVELS - 1)) if i <= LEVELS // 2
    else _blend(_MID, _HIGH, 2 * i / (LEVELS - 1) - 1) for i in range(LEVELS))
"""The colour of each level, output 0 (blue) to 1 (red)."""


def _unit(values: np.ndarray) -> np.ndarray:
    """Outputs clipped to 0..1 (NaN read as 0.5)."""
    return np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.5), 0.0, 1.0)


def colour_levels(values: np.ndarray) -> np.ndarray:
    """Each output as its colour's index in :data:`SCALE`: the nearest of the levels."""
    return np.rint(_unit(values) * (LEVELS - 1)).astype(int)


def shade_levels(values: np.ndarray) -> np.ndarray:
    """Each output as its index in :data:`SHADES`: five equal bins of 0..1."""
    return np.minimum((_unit(values) * len(SHADES)).astype(int), len(SHADES) - 1)


def colour_of(value: float) -> Color:
    """The colour output ``value`` is drawn in."""
    return SCALE[int(colour_levels(np.array([value]))[0])]


def shade_of(value: float) -> str:
    """The shading character output ``value`` is drawn with, without colour."""
    return SHADES[int(shade_levels(np.array([value]))[0])]


def _ink(colour: Color) -> Color:
    """Black or white, whichever reads better on ``colour``."""
    r, g, b = colour.get_truecolor()
    return Color.from_rgb(0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else \
        Color.from_rgb(255, 255, 255)


@dataclass(frozen=True)
class Plot:
    """Where the square is drawn in the view: ``columns`` × ``rows`` cells from
    (``left``, 0), and ``grid_rows`` grid rows in them (two a cell with colour)."""

    left: int
    columns: int
    rows: int
    grid_rows: int


def plot_of(width: int, height: int, square: tuple[float, ...], colour: bool) -> Plot | None:
    """The plot's place in a view of ``width`` × ``height`` cells; None if it cannot fit."""
    margin = max(len(number(square[2])), len(number(square[3])), 2) + 1
    rows = height - 2  # the x1 axis and the legend below
    if rows < 2 or width - margin < 4:
        return None
    return Plot(margin, width - margin, rows, rows * (2 if colour else 1))


def _markers(grid: DecisionGrid, samples: Samples | None, output: int
             ) -> dict[tuple[int, int], str]:
    """(grid row, column) → the marker of the samples in that cell."""
    marks: dict[tuple[int, int], str] = {}
    if samples is None:
        return marks
    for (x1, x2, *_), y in zip(samples.x.tolist(), samples.y[:, output].tolist()):
        cell = grid.cell(x1, x2)
        mark = MARK_1 if y >= 0.5 else MARK_0
        marks[cell] = mark if marks.get(cell, mark) == mark else MARK_BOTH
    return marks


class _Line:
    """One line of the view, its runs of equal style joined."""

    def __init__(self, text: Text) -> None:
        self.text = text
        self.run = ""
        self.style: Style | None = None

    def add(self, chars: str, style: Style | None = None) -> None:
        if style is not self.style and self.run:
            self.flush()
        self.run += chars
        self.style = style

    def flush(self) -> None:
        if self.run:
            self.text.append(self.run, self.style)
        self.run = ""


def decision_text(grid: DecisionGrid, plot: Plot, samples: Samples | None = None,
                  output: int = 0, colour: bool = True) -> Text:
    """The view: the plot with its bound labels, the x1 axis and the legend, as one Text.

    ``grid`` has ``plot.columns`` × ``plot.grid_rows`` cells (the values of output
    ``output`` are drawn).
    """
    values = grid.values[:, :, output]
    marks = _markers(grid, samples, output)
    text = Text(no_wrap=True, overflow="crop", end="")
    lo1, hi1, lo2, hi2 = grid.bounds
    labels = {0: number(hi2), plot.rows - 1: number(lo2)}
    if plot.rows >= 3:
        labels[plot.rows // 2] = "x2"
    bold = Style(bold=True)
    if colour:
        level = colour_levels(values)
        styles: dict[tuple[int, int], Style] = {}
    else:
        shade = shade_levels(values)
    for row in range(plot.rows):
        line = _Line(text)
        line.add(labels.get(row, "").rjust(plot.left - 1) + " ")
        for column in range(plot.columns):
            if colour:
                upper, lower = 2 * row, 2 * row + 1
                top, bottom = int(level[upper, column]), int(level[lower, column])
                mark = marks.get((upper, column)) or marks.get((lower, column))
                if mark is not None:
                    behind = top if (upper, column) in marks else bottom
                    style = styles.get((-1, behind))  # a marker on the level behind it
                    if style is None:
                        style = styles[-1, behind] = Style(
                            color=_ink(SCALE[behind]), bgcolor=SCALE[behind], bold=True)
                    line.add(mark, style)
                    continue
                style = styles.get((top, bottom))
                if style is None:
                    style = styles[top, bottom] = Style(color=SCALE[top], bgcolor=SCALE[bottom])
                line.add(UPPER_HALF, style)
            else:
                mark = marks.get((row, column))
                if mark is not None:
                    line.add(mark, bold)
                else:
                    line.add(SHADES[int(shade[row, column])])
        line.flush()
        text.append("\n")
    text.append(" " * plot.left + _axis(number(lo1), number(hi1), plot.columns) + "\n")
    text.append_text(legend(plot.left + plot.columns, colour))
    return text


def _axis(low: str, high: str, width: int) -> str:
    """``0.0000   x1   1.0000`` in ``width`` cells (only what fits)."""
    if len(low) + len(high) + 4 <= width:
        gap = width - len(low) - len(high)
        left = (gap - 2) // 2
        return low + " " * left + "x1" + " " * (gap - 2 - left) + high
    return "x1".center(width)[:width]


def legend(width: int, colour: bool) -> Text:
    """The scale from output 0 to 1 and the markers, cut to ``width`` cells."""
    text = Text(no_wrap=True, overflow="crop", end="")
    text.append("0 ")
    if colour:
        for i in range(0, LEVELS, LEVELS // 8):
            text.append(" ", Style(bgcolor=SCALE[i]))
    else:
        text.append(SHADES)
    text.append(f" 1  {MARK_0} y=0 {MARK_1} y=1")
    text.truncate(width)
    return text


class DecisionView(Widget):
    """A two-input network's output over the (x1, x2) square, the samples on top."""

    DEFAULT_CSS = """
    DecisionView { height: 1fr; min-height: 4; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.network: Network | None = None
        self.samples: Samples | None = None
        self.output = 0
        """Which output is drawn (0: the first)."""
        self._text: Text | None = None
        self._drawn: tuple | None = None
        self.builds = 0
        """Views drawn so far (each update, or a new size, draws one)."""
        self.grid: DecisionGrid | None = None
        """The values drawn last."""
        self.plot: Plot | None = None
        """Where they were drawn."""

    def update(self, network: Network, samples: Samples | None = None,
               output: int = 0) -> None:
        """Show ``network`` (and ``samples`` on top, when given): the view is drawn again at
        the next frame. Samples of another shape than the network's, or an output it does
        not have, are a :class:`ModelError`."""
        if not 0 <= output < network.outputs:
            raise ModelError(f"output: {output} is not one of 0..{network.outputs - 1}")
        if samples is not None:
            network.check_samples(samples)
        self.network, self.samples, self.output = network, samples, output
        self._drawn = None
        self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        colour = not self.app.no_color
        key = (width, height, colour)
        if self._drawn == key and self._text is not None:
            return self._text
        self._drawn = key
        self._text = self._draw(width, height, colour)
        return self._text

    def _draw(self, width: int, height: int, colour: bool) -> Text:
        network, samples = self.network, self.samples
        self.grid = self.plot = None
        if network is None:
            return Text("The decision view shows a network's output here.", style="italic")
        if network.inputs != 2:
            return Text(f"The decision view needs 2 inputs (x1, x2); this network has "
                        f"{network.inputs}.", style="italic")
        square = bounds(samples)
        plot = plot_of(width, height, square, colour)
        if plot is None:
            return Text("decision view: too small here", no_wrap=True, overflow="crop")
        self.builds += 1
        self.grid = decision_grid(network, plot.columns, plot.grid_rows, square)
        self.plot = plot
        return decision_text(self.grid, plot, samples, self.output, colour)
