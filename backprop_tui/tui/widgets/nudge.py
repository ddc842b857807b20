"""The nudge check of the selected parameter: (C(θ+ε) − C(θ−ε))/2ε beside the chain rule.

The lesson runs the nudged forward passes (the model's ``nudge``); the rows and
their text come from :func:`backprop_tui.present.formulas.nudge_rows`, laid out as the
derivation lays out its rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from ...present.formulas import nudge_rows
from .derivation import lay_out, table

if TYPE_CHECKING:
    from ...model import Network, Nudge


class NudgeView(Widget):
    """Three rows: the numeric derivative, the chain rule's value, their relative difference."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.result: Nudge | None = None
        self.network: Network | None = None

    def show(self, result: Nudge | None, network: Network) -> None:
        """Show ``result`` for ``network`` (None hides the view); redraw only on change."""
        if result == self.result and network is self.network:
            return
        self.result, self.network = result, network
        self.display = result is not None
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The lines its rows take at ``width`` cells (a long symbol wraps them)."""
        if self.result is None or self.network is None:
            return 0
        return sum(item.lines for item in lay_out(nudge_rows(self.result, self.network), width))

    def render(self) -> RenderableType:
        if self.result is None or self.network is None:
            return Text("")
        rows = nudge_rows(self.result, self.network)
        laid = lay_out(rows, self.content_size.width or 80)
        return table(laid, [row.key == "nudge" for row in rows])
