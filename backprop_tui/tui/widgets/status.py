"""The header line and the key line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...formulas import cost_text, number
from ...model.lesson import Lesson

KEYS: tuple[tuple[str, str], ...] = (
    ("f", "fwd"), ("b", "back"), ("s", "step"), ("space", "next"), ("t", "train"),
    ("r", "reset"), ("l", "dataset"), ("?", "help"), ("q", "quit"),
)
"""The key line at the bottom: the phase keys, the built-in dataset, help and quit."""


def key_text(keys: tuple[tuple[str, str], ...] = KEYS) -> Text:
    """A key line: each key in bold, then what it does."""
    text = Text()
    for i, (key, what) in enumerate(keys):
        if i:
            text.append("  ")
        text.append(key, style="bold reverse")
        text.append(f" {what}")
    return text


class StatusLine(Static):
    """Activation, cost, η, step count, phase, and the training speed while training."""

    def show(self, lesson: Lesson, training: str = "") -> None:
        chain = lesson.chain
        phase = lesson.phase if lesson.phase != "none" else "—"
        parts = [
            "backprop-tui",
            f"{chain.activation.name} · {cost_text(chain)}",
            f"η={number(lesson.lr)}",
            f"step {lesson.steps_done}",
            f"phase: {phase}",
        ]
        if training:
            parts[-1] = training
        text = "  ".join(parts)
        if text != self.content:
            self.update(text, layout=False)  # always one line: no new layout


class KeyLine(Static):
    """The keys, always at the bottom."""

    def __init__(self, **kwargs) -> None:
        super().__init__(key_text(), **kwargs)
