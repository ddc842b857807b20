"""The second key line: every other key, in pages when the terminal is narrow (j turns)."""

from __future__ import annotations

from textual.widgets import Static

from ...present.keys import KEYS, Key, on_line
from ..keys import pages
from .status import key_text


class TeachKeyLine(Static):
    """The teaching keys and the rest, above the main key line; ``j`` shows the next page
    when they do not fit on one line."""

    page = 0

    def __init__(self, keys: tuple[Key, ...] = KEYS, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys = keys
        """The keys whose ``more`` line this shows: those of the screen it is on."""

    def show(self, width: int, turn: int = 0) -> None:
        """Draw the page that fits ``width`` cells (``turn`` pages further)."""
        tail = "j more (9/9)"
        groups = pages(on_line("more", self.keys), width - 1, tail)
        self.page = (self.page + turn) % len(groups)
        more = f"j more ({self.page + 1}/{len(groups)})" if len(groups) > 1 else ""
        text = key_text(groups[self.page], more)
        if text.plain != self._plain:
            self._plain = text.plain
            self.update(text)

    _plain = ""
