"""The header line and the key line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from ...present.format import number
from ...present.formulas import cost_text
from ...present.keys import Key, on_line

if TYPE_CHECKING:
    from ...model.lesson import Lesson


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
    """Activation, cost, η, step count, phase, and the training speed while training;
    shortened (never cut) to fit the width: the phase and the speed always stay."""

    def show(self, lesson: Lesson, training: str = "") -> None:
        chain = lesson.network
        phase = training or f"phase: {lesson.phase if lesson.phase != 'none' else '—'}"
        tail = [f"η={number(lesson.lr)}", f"step {lesson.steps_done}", phase]
        cost = cost_text(chain)
        width = max(self.app.size.width - 1, 20)
        text = ""
        for head in (["backprop-tui", f"{chain.activation.name} · {cost}"],
                     [f"{chain.activation.name} · {cost}"],
                     [f"{chain.activation.name} · {chain.cost.name}"],
                     [chain.activation.name], []):
            text = "  ".join(head + tail)
            if len(text) <= width:
                break
        if text != self.content:
            self.update(text, layout=False)  # always one line: no new layout


class KeyLine(Static):
    """The main keys, always at the bottom."""

    def __init__(self, **kwargs) -> None:
        super().__init__(key_text(on_line("main")), **kwargs)
