"""The header line and the key line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...formulas import cost_text, number
from ...model.lesson import Lesson
from ..keys import Key, on_line


def key_text(keys: list[Key], tail: str = "") -> Text:
    """A key line: each key in bold, then what it does; ``tail`` (bold) at the end."""
    text = Text()
    for i, key in enumerate(keys):
        if i:
            text.append("  ")
        text.append(key.shown, style="bold reverse")
        text.append(f" {key.label}")
    if tail:
        text.append("  ")
        text.append(tail, style="bold")
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
    """The main keys, always at the bottom."""

    def __init__(self, **kwargs) -> None:
        super().__init__(key_text(on_line("main")), **kwargs)
