"""The plot area's other views: the cost against one parameter with its tangent, and the fit.

The slope view draws C as a function of the selected parameter θ over a range
around its value, the current point marked, and the tangent line whose slope is
∂C/∂θ. The fit view draws a(L) against x across the data's range, the samples
as points. The lesson computes both (the model's ``cost_slice`` and
``fit_curve``); this widget only draws them, with plotext 6 as the loss curve is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from ...model.errors import ModelError
from ...present.format import number, short
from ...present.formulas import fit_title, parameter_name, slope_title
from ..view import View
from .loss_plot import Y_AXIS, cost_ticks, new_figure

if TYPE_CHECKING:
    import numpy as np

    from ...model import CostSlice, Fit
    from ...model.lesson import Lesson
else:  # loaded with the lesson, after the first frame
    from ...model.lazy_numpy import numpy_on_first_use

    np = numpy_on_first_use()


def _ticks(lo: float, hi: float, count: int) -> list[float]:
    return [float(v) for v in np.linspace(lo, hi, max(count, 2))]


def tick_label(value: float) -> str:
    """A short label for an x tick: three significant digits, a real minus sign."""
    return short(value)


FLAT = 0.01
"""A curve whose costs spread less than this fraction of their size is drawn flat,
in a range of ± this fraction around it (at least ±:data:`FLAT_LEAST`)."""
FLAT_LEAST = 5e-4


def flat_range(low: float, high: float) -> tuple[float, float] | None:
    """The cost range to draw a curve from ``low`` to ``high`` in when it is (nearly)
    flat: a small one around it, not below 0 when no cost is; None for a curve that
    plotext's own ticks show (they would give a flat one ±1, in one-decimal ticks)."""
    centre = (low + high) / 2
    half = max(abs(centre) * FLAT, FLAT_LEAST)
    if high - low >= half:
        return None
    bottom = centre - half
    return (max(bottom, 0.0) if low >= 0.0 else bottom), centre + half


def slope_figure(cut: CostSlice, width: int, height: int, colour: bool = True) -> str:
    """C(θ) as a line, the tangent at θ₀ (kept within the curve's height) and the point θ₀."""
    fig = new_figure(width, height, colour)
    theta = cut.theta.tolist()
    curve = fig.signal(theta, cut.cost.tolist())
    curve.lines()
    fig.draw(curve)
    low, high = float(cut.cost.min()), float(cut.cost.max())
    flat = flat_range(low, high)
    pad = 0.1 * (high - low) if flat is None else 0.0
    if flat is not None:
        low, high = flat
    inside = (cut.tangent >= low - pad) & (cut.tangent <= high + pad)
    if inside.sum() >= 2:
        tangent = fig.signal(cut.theta[inside].tolist(), cut.tangent[inside].tolist(),
                             marker="·")
        tangent.lines()
        fig.draw(tangent)
    point = fig.signal([cut.theta0], [cut.cost0], marker="●")
    fig.draw(point)
    if flat is not None:
        rows = max(height - 3, 2)  # the frame's top, the θ axis and its labels take three
        ticks, labels = cost_ticks(low, high, max(2, min(6, rows // 2 + 1)))
        fig.ruler(1, 0).lim(ticks[0], ticks[-1]).ticks(ticks, labels)
    positions = _ticks(float(cut.theta[0]), float(cut.theta[-1]), max(2, width // 12))
    fig.ruler(0, 0).ticks(positions, [tick_label(p) for p in positions])
    return fig.build().string()


def fit_figure(fit: Fit, width: int, height: int, colour: bool = True) -> str:
    """a(L) against x as a line, the samples (x, y) as points."""
    fig = new_figure(width, height, colour)
    curve = fig.signal(fit.x.tolist(), fit.output.tolist())
    curve.lines()
    fig.draw(curve)
    points = fig.signal(fit.sample_x.tolist(), fit.sample_y.tolist(), marker="●")
    fig.draw(points)
    positions = _ticks(float(fit.x[0]), float(fit.x[-1]), max(2, width // 12))
    fig.ruler(0, 0).ticks(positions, [tick_label(p) for p in positions])
    return fig.build().string()


class SlopePlot(Widget):
    """The slope or the fit view of the lesson's current parameters; redrawn on change."""

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.mode = View.SLOPE
        self.which = "w"
        self.param_layer = lesson.layers
        self.data: CostSlice | Fit | None = None
        self.error = ""
        self._key: tuple | None = None

    def show(self, mode: View, which: str, layer: int, neuron: int, input: int,
             hint: str) -> None:
        """Show ``mode`` (slope or fit) for w_jk or b_j (``which``) of ``layer``, j =
        ``neuron``, k = ``input`` (a chain's w or b), if anything changed; ``hint`` says
        which keys choose the parameter."""
        lesson = self.lesson
        key = (mode, which, layer, neuron, input)  # and the lesson's state, new with every change
        if self._key is not None and self._key[0] == key and self._key[1] is lesson.state:
            return
        self._key = (key, lesson.state)
        self.mode, self.which, self.param_layer = mode, which, layer
        self.error = ""
        try:
            self.data = (lesson.cost_slice(which, layer, neuron, input) if mode is View.SLOPE
                         else lesson.fit())
        except ModelError as exc:
            self.data, self.error = None, str(exc)
        if mode is View.SLOPE:
            from ...model.landscape import CostSlice  # with the lesson, after the first frame

            theta = parameter_name(lesson.network, which, layer, neuron, input)
            if isinstance(self.data, CostSlice):
                self.border_title = slope_title(theta, self.data.slope)
                self.border_subtitle = f"● {theta} = {number(self.data.theta0)} · {hint}"
            else:
                self.border_title = f"C against {theta}"
                self.border_subtitle = ""
        else:
            self.border_title = fit_title(lesson.network)
            self.border_subtitle = "● (x, y) of each sample · g: next view"
        self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if self.data is None:
            return Text(self.error or "nothing to draw", style="italic")
        if width < Y_AXIS + 5 or height < 4:
            return Text(self.border_title or "", style="italic")
        colour = not self.app.no_color
        from ...model.landscape import CostSlice

        if isinstance(self.data, CostSlice):
            figure = slope_figure(self.data, width, height, colour)
        else:
            figure = fit_figure(self.data, width, height, colour)
        return Text.from_ansi(figure, no_wrap=True)
