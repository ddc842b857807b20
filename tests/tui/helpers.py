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
