"""The vanishing-gradient view: per layer |∂C/∂w(l)| and the running product of g'.

The same lines ``trace`` prints (:func:`backprop_tui.present.report.vanishing_lines`),
built from the lesson's backward pass of the current parameters: log-scale
bars, so that a student sees ∏σ' ≤ 4^(−k) starve the early layers.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...model import ModelError
from ...model.lesson import Lesson
from ...present.formulas import BAR_DECADES
from ...present.report import vanishing_lines


class Vanishing(Widget):
    """Shown in place of the derivation while ``h`` has it on."""

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.lines: list[str] = []
        self._state: object = None

    def show(self) -> None:
        """Rebuild the lines when the lesson changed."""
        lesson = self.lesson
        if self._state is lesson.state:  # a new value with every change of the lesson
            return
        self._state = lesson.state
        try:
            lines = vanishing_lines(lesson.current_trace())
        except ModelError as exc:
            lines = ["", str(exc)]
        self.border_title = lines[1] if len(lines) > 1 else "vanishing gradient"
        self.border_subtitle = (f"bars: log scale, empty at 1e−{BAR_DECADES} · "
                                "h: back to the derivation")
        self.lines = [line[2:] if line.startswith("  ") else line for line in lines[2:]]
        self.refresh()

    def render(self) -> Text:
        """The lines; when they do not all fit, the two explaining lines go first (into the
        border), then the last rows give way to a line saying how many are left out."""
        lines = list(self.lines)
        height = self.content_size.height
        notes = lines[:2]  # the law ∏g' ≤ …, and what the bars mean
        body = lines[2:]
        if height > 0 and len(lines) > height:
            lines = notes[:1] + body if len(body) + 1 <= height else body
        if height > 1 and len(lines) > height:
            hidden = len(lines) - height + 1
            lines = lines[:height - 1] + [f"… {hidden} more layers below: a taller terminal "
                                          "shows them"]
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")
