"""The baseline for the terminal benchmarks: a minimal Textual app.

A header, one line of text and a footer, started the same way as backprop-tui
(``python FILE`` in a pseudo-terminal). ``x`` replaces the line of text, so the
time from a key to the screen can be compared with the app's. With ``--numpy``
it imports numpy first, as backprop-tui must: the floor for the first frame of an
app built on numpy.
"""

from __future__ import annotations

import sys

if "--numpy" in sys.argv:
    import numpy  # noqa: F401

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

TEXT = "a minimal Textual app"


class MinimalApp(App[None]):
    BINDINGS = [("x", "press", "press"), ("q", "quit", "quit")]

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(TEXT, id="text")
        yield Footer()

    def action_press(self) -> None:
        self.presses += 1
        self.query_one("#text", Static).update(f"pressed {self.presses} times")


if __name__ == "__main__":
    MinimalApp().run()
