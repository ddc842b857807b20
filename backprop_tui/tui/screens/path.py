"""A small dialog asking for one line (a file name, a sample's values): enter uses it,
escape cancels.

The dialog hands the line to a function that does the work (load a CSV file, save a
session, add a sample). When that function returns a message, the dialog stays open
and shows it under the line, so nothing typed is lost and it can be corrected; when it
returns None, the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class PathScreen(ModalScreen[str | None]):
    """Ask for a line (a file name unless ``empty`` says what else); ``use(text)`` returns
    an error message or None when done."""

    AUTO_FOCUS = "#path-input"
    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
    ]

    def __init__(self, title: str, value: str, use: Callable[[str], str | None],
                 empty: str = "give a file name") -> None:
        super().__init__()
        self.empty = empty
        """What the dialog says to enter on an empty line."""
        self.title_text = title
        self.value = value
        self.use = use

    def compose(self) -> ComposeResult:
        with Vertical(id="path-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "enter: go on · escape: cancel"
            yield Input(self.value, id="path-input", select_on_focus=False)
            yield Static("", id="path-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        problem = self.empty if not name else self.use(name)
        error = self.query_one("#path-error", Static)
        if problem is not None:
            error.update(Text(problem))  # plain text: it may quote the name typed
            error.add_class("-error")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
