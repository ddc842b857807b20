"""An editable number: w, b, x, y or η."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from ...present.format import fitted, number

NUMBER_TEXT = r"[0-9.,+\-−eE_ ]*"
"""What a field takes as typed: digits, a sign, a point, an exponent (nothing else goes in,
so that a letter key is never lost into a field)."""


class NumberField(Input):
    """A one-line field holding one number of the lesson.

    ``target`` names what it edits: ``("w", layer)``, ``("b", layer)``,
    ``("x", None)``, ``("y", None)`` or ``("lr", None)``. Enter applies the
    text, escape restores the shown value; both leave the field. Leaving it
    with tab applies the text too. The app does the applying (through the
    lesson) and tells the field whether it was refused.
    """

    BINDINGS = [Binding("escape", "cancel", "cancel the edit", show=False)]

    class Edited(Message):
        """The user asks for ``text`` to become the field's number."""

        def __init__(self, field: NumberField, text: str) -> None:
            super().__init__()
            self.field = field
            self.text = text

    class KeyRefused(Message):
        """A key that is not part of a number was typed, and kept out."""

        def __init__(self, field: NumberField) -> None:
            super().__init__()
            self.field = field

    def restricted(self) -> None:
        self.post_message(self.KeyRefused(self))

    def __init__(self, target: tuple[str, int | None], *, id: str | None = None,
                 room: int = 11) -> None:
        super().__init__(compact=True, select_on_focus=True, id=id, restrict=NUMBER_TEXT)
        self.target = target
        self.room = room
        """Cells of the field: the number shown always fits them, whole."""
        self.cursor_blink = False
        self._shown = ""

    def show_value(self, value: float) -> None:
        """Show ``value``, unless the user is typing in the field."""
        self._shown = fitted(value, self.room) or number(value)
        if not self.has_focus:
            self.value = self._shown
            self.cursor_position = 0

    @property
    def shown(self) -> str:
        """The text of the number the lesson holds."""
        return self._shown

    def action_cancel(self) -> None:
        self.value = self._shown
        self.screen.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.set_focus(None)  # leaving the field applies the text

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()
        self._apply()

    def _apply(self) -> None:
        text = self.value.strip()
        if text and text != self._shown:
            self.post_message(self.Edited(self, text))
        else:
            self.value = self._shown

    def refuse(self) -> None:
        """The text was refused: show the number that was kept."""
        self.value = self._shown
        self.add_class("-refused")
