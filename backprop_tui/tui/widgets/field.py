"""An editable number: w, b, x, y or η, mounted over its panel's line while it is edited."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from ...present.format import fitted, number

Target = tuple[str, int | None]
"""What a field edits: ``("w", layer)``, ``("b", layer)``, ``("x", None)``, ``("y", None)``
or ``("lr", None)``."""

NUMBER_TEXT = r"[0-9.,+\-−eE_ ]*"
"""What a field takes as typed: digits, a sign, a point, an exponent (nothing else goes in,
so that a letter key is never lost into a field)."""


class NumberField(Input):
    """A one-line field holding one number of the lesson.

    ``target`` names what it edits (:data:`Target`). Enter applies the text,
    escape restores the shown value; both leave the field. Leaving it with tab
    applies the text too. The app does the applying (through the lesson) and
    shows whether it was refused. A ``transient`` field (the chain's panels
    mount one over the value being edited) is focused as it is mounted and
    removed as it loses focus.
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

    def __init__(self, target: Target, *, id: str | None = None, room: int = 11,
                 shown: str = "", transient: bool = False) -> None:
        super().__init__(shown, compact=True, select_on_focus=True, id=id,
                         restrict=NUMBER_TEXT)
        self.target = target
        self.room = room
        """Cells of the field: the number shown always fits them, whole."""
        self.transient = transient
        """Focused as it is mounted, removed as it loses focus."""
        self.cursor_blink = False
        self._shown = shown

    def on_mount(self) -> None:
        if self.transient:
            self.focus()

    def show_value(self, value: float) -> None:
        """Show ``value``, unless the user is typing in the field."""
        self.set_shown(fitted(value, self.room) or number(value))

    def set_shown(self, text: str) -> None:
        """The lesson's number is now ``text``; shown unless the user is typing."""
        self._shown = text
        if not self.has_focus:
            self.value = text
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
        if self.transient and self.screen.focused is not self:  # not the terminal's blur
            self.remove()

    def _apply(self) -> None:
        text = self.value.strip()
        if text and text != self._shown:
            edited = self.Edited(self, text)
            if self.transient:  # to its screen: the field is gone when it is handled
                self.screen.post_message(edited)
            else:
                self.post_message(edited)
        else:
            self.value = self._shown

    def refuse(self) -> None:
        """The text was refused: show the number that was kept."""
        self.value = self._shown
        self.add_class("-refused")
