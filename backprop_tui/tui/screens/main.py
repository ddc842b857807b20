"""The base of the lesson's screens: a screen that repaints no more than it must."""

from __future__ import annotations

from textual import events
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget


class MainScreen(Screen):
    """The app's screen.

    - Moving the focus (tab into a field, leaving it) repaints the widgets whose focus
      changed, not the whole screen: a few bytes instead of a frame.
    - A resize to the size the screen already has is not laid out and drawn again. At
      start-up the terminal's size arrives twice after the first frame, and each time
      Textual redrew the whole screen: two frames (7 KB at 80×24) sent for nothing.
    """

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def on_resize(self, event: events.Resize) -> None:
        if event.size == self.outer_size and self.is_attached:
            event.prevent_default()  # Screen's own handler: a layout at the same size
