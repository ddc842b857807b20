"""The quiz line: the running score, the hidden factor, and the field to type a value in."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

ANSWER_CHARACTERS = set("0123456789.,+-−eE")
"""What the answer field takes; every other key goes to the app (b, space, z …)."""


class AnswerField(Input):
    """A value for the hidden factor. Enter checks it; enter with nothing typed reveals."""

    BINDINGS = [Binding("escape", "leave", "leave the answer field", show=False)]

    class Answered(Message):
        """The student typed ``text`` (empty: reveal) and pressed enter."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, placeholder="value", **kwargs)
        self.cursor_blink = False

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in ANSWER_CHARACTERS

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character not in ANSWER_CHARACTERS:
            event.prevent_default()  # not part of a number: leave it to the app's keys

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Answered(event.value))

    def action_leave(self) -> None:
        self.screen.set_focus(None)


class QuizBar(Horizontal):
    """``quiz 2/3 right · ∂C/∂a(L) = ?`` and the answer field."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prompt = Static("", id="quiz-prompt")
        self.answer = AnswerField(id="quiz-answer")

    def compose(self) -> ComposeResult:
        yield self.prompt
        yield self.answer

    def show(self, prompt: str | None, asking: bool) -> None:
        """Show ``prompt``, with the answer field when ``asking``; None hides the line."""
        self.display = prompt is not None
        self.answer.display = asking
        label = self.prompt
        if prompt is not None and prompt != str(label.content):
            label.update(Text(prompt))  # plain text, never markup
