"""The header line and the key line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from ...model.errors import ModelError
from ...present.format import BLANK, number
from ...present.formulas import cost_text
from ...present.keys import Key, on_line

if TYPE_CHECKING:
    from ...model.lesson import Lesson
    from ...model.network import ForwardPass


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
    """The shape (of a network wider than one), activation, cost, η, step count, the
    accuracy (targets all 0 or 1, a network wider than one), the phase, and the training
    speed while training; shortened (never cut) to fit the width: the phase and the speed
    always stay."""

    def show(self, lesson: Lesson, training: str = "",
             fwd: ForwardPass | None = None) -> None:
        """``fwd``: the forward pass shown (the lesson's, or while training the live one);
        the accuracy is its own, ``—`` while there is none (before f, after an edit or a
        step)."""
        net = lesson.network
        phase = training or f"phase: {lesson.phase if lesson.phase != 'none' else '—'}"
        tail = [f"η={number(lesson.lr)}", f"step {lesson.steps_done}", phase]
        if net.is_chain:
            cost = cost_text(net)
            heads = [["backprop-tui", f"{net.activation.name} · {cost}"],
                     [f"{net.activation.name} · {cost}"],
                     [f"{net.activation.name} · {net.cost.name}"],
                     [net.activation.name], []]
        else:
            from ...model.network import shape_text

            self._accuracy(lesson, fwd, tail)
            shape = f"shape {shape_text(net.shape)}"
            heads = [["backprop-tui", shape, f"{net.activation.name} · {net.cost.name}"],
                     [shape, f"{net.activation.name} · {net.cost.name}"],
                     [shape, net.activation.name], [shape], []]
        width = max(self.app.size.width - 1, 20)
        text = ""
        for head in heads:
            text = "  ".join(head + tail)
            if len(text) <= width:
                break
        if text != self.content:
            self.update(text, layout=False)  # always one line: no new layout

    @staticmethod
    def _accuracy(lesson: Lesson, fwd: ForwardPass | None, tail: list[str]) -> None:
        """The samples right, before the phase, when the targets are all 0 or 1."""
        from ...model.decision import accuracy, binary_targets

        if not binary_targets(lesson.samples):
            return
        right = None
        if fwd is not None:
            try:
                right = accuracy(fwd.network, fwd.samples)
            except ModelError:
                right = None
        tail.insert(2, f"accuracy {BLANK if right is None else right}")


class KeyLine(Static):
    """The main keys (of those ``keys`` the screen lists), always at the bottom."""

    def __init__(self, keys: tuple[Key, ...] | None = None, **kwargs) -> None:
        super().__init__(key_text(on_line("main") if keys is None else on_line("main", keys)),
                         **kwargs)
