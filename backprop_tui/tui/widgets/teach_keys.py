"""A second key line with the teaching keys, shown where the terminal is wide enough."""

from __future__ import annotations

from textual.widgets import Static

from .status import key_text

TEACH_KEYS: tuple[tuple[str, str], ...] = (
    ("e", "nudge"), ("E", "ε÷10"), ("c", "w/b"), ("g", "plot"), ("u", "undo"), ("U", "redo"),
    ("z", "quiz"), ("o", "activation"), ("k", "cost"), ("h", "vanishing"),
)
"""The teaching keys, in the order of the help screen."""


class TeachKeyLine(Static):
    """The teaching keys, above the key line (only at wide sizes; ? lists them always)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(key_text(TEACH_KEYS), **kwargs)
