"""The vanishing-gradient view: per layer |∂C/∂w(l)| and the running product of g'.

The same table ``trace`` prints (:func:`backprop_tui.present.tables.vanishing_table`),
built from the lesson's backward pass of the current parameters: log-scale
bars, so that a student sees ∏σ' ≤ 4^(−k) starve the early layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from ...model.errors import ModelError
from ...present.tables import BARS_NOTE, CellTable, vanishing_table

if TYPE_CHECKING:
    from ...model.lesson import Lesson


class Vanishing(Widget):
    """Shown in place of the derivation while ``h`` has it on."""

    def __init__(self, lesson: Lesson, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.table: CellTable | None = None
        self.message = ""
        """Why there is no table (the pass does not compute), when there is none."""
        self._state: object = None

    def show(self) -> None:
        """Rebuild the table when the lesson changed."""
        lesson = self.lesson
        if self._state is lesson.state:  # a new value with every change of the lesson
            return
        self._state = lesson.state
        try:
            self.table, self.message = vanishing_table(lesson.current_trace()), ""
        except ModelError as exc:
            self.table, self.message = None, str(exc)
        self.border_title = self.table.title if self.table is not None else "vanishing gradient"
        self.border_subtitle = f"{BARS_NOTE} · h: back to the derivation"
        self.refresh()

    def render(self) -> Group | Text:
        """The notes, then the table; when they do not all fit, the notes give way first
        (the law ∏g' ≤ … last), then the last rows to a line saying how many are left out."""
        table = self.table
        if table is None:
            return Text(self.message, no_wrap=True, overflow="ellipsis")
        notes = list(table.notes)
        rows = list(table.rows)
        height = self.content_size.height
        if height > 0 and len(notes) + 1 + len(rows) > height:
            notes = notes[:1] if len(rows) + 2 <= height else []
        more = ""
        if height > 1 and len(notes) + 1 + len(rows) > height:
            shown = max(height - len(notes) - 2, 0)
            more = (f"… {len(rows) - shown} more layers below: a taller terminal "
                    "shows them")
            rows = rows[:shown]
        grid = Table(box=None, padding=(0, 0, 0, 2), pad_edge=False, show_edge=False,
                     collapse_padding=True, header_style="")
        for head in table.head:
            grid.add_column(head, no_wrap=True, overflow="ellipsis")
        for row in rows:
            grid.add_row(*row)
        parts: list[Text | Table] = [Text(note, no_wrap=True, overflow="ellipsis")
                                     for note in notes]
        parts.append(grid)
        if more:
            parts.append(Text(more, no_wrap=True, overflow="ellipsis"))
        return Group(*parts)
