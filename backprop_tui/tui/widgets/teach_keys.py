"""A second key line with the teaching keys, shown where the terminal is wide enough."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

TEACH_KEYS: tuple[tuple[str, str], ...] = (
    ("e", "nudge"), ("E", "ε÷10"), ("c", "w/b"), ("g", "plot"), ("u", "undo"), ("U", "redo"),
    ("z", "quiz"), ("o", "activation"), ("k", "cost"), ("h", "vanishing"),
)
"""The teaching keys, in the order of the help screen."""


def teach_key_text() -> Text:
    """The teaching keys, keys in bold."""
    text = Text()
    for i, (key, what) in enumerate(TEACH_KEYS):
        if i:
            text.append("  ")
        text.append(key, style="bold reverse")
        text.append(f" {what}")
    return text


class TeachKeyLine(Static):
    """The teaching keys, above the key line (only at wide sizes; ? lists them always)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(teach_key_text(), **kwargs)
