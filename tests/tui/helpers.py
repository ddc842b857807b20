"""Reading what the app shows, as plain text."""

from __future__ import annotations

import os

from rich.console import Console
from textual.widgets import Static

from backprop_tui.model import Chain, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.tui.app import BackpropApp


def lecture(**changes) -> Lesson:
    values = dict(w=defaults.W, b=defaults.B, x=defaults.X, y=defaults.Y, lr=defaults.LR)
    values.update(changes)
    return Lesson(Chain(values["w"], values["b"]), Samples(values["x"], values["y"]),
                  values["lr"])


TEN_W = (1.11, 0.81, 0.93, -0.74, 0.35, -1.02, -0.2, -1.06, -0.23, 0.93)
TEN_B = (-0.32, 0.36, 0.04, -0.2, 0.28, -0.47, -0.38, 0.17, 0.15, 0.12)
"""A chain of ten neurons with many negative numbers (signs must all show)."""


def ten_layers() -> Lesson:
    return lecture(w=TEN_W, b=TEN_B)


def app_for(lesson: Lesson | None = None) -> BackpropApp:
    return BackpropApp(lesson or lecture())


def text_of(widget) -> str:
    """The plain text a widget shows (a Static's content, or any widget's render())."""
    renderable = widget.content if isinstance(widget, Static) else widget.render()
    if isinstance(renderable, str):
        return renderable
    if hasattr(renderable, "plain"):
        return renderable.plain
    with open(os.devnull, "w") as sink:
        console = Console(width=max(widget.content_size.width, 20), record=True,
                          color_system=None, file=sink)
        console.print(renderable)
    return console.export_text()


def derivation_text(app: BackpropApp) -> str:
    """Every row the derivation shows, scrolling (↓) through it when not all fit at once."""
    derivation = app.query_one("#derivation")
    text = text_of(derivation)
    seen = derivation.first_row
    for _ in range(50):
        if not derivation.rows_hidden or derivation._start >= derivation._last_start:
            break
        derivation.scroll_rows(1)
        text += text_of(derivation)
    derivation.first_row = seen
    return text
