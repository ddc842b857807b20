"""Undo and redo for the lesson: a bounded timeline of snapshots.

The lesson's state is one frozen value (of immutable chains, samples and
passes), so a snapshot keeps that value itself, not a copy; only the loss
history, which grows in place, is copied, and a snapshot shares
the copy of the one before it when the history did not change. At most
:data:`UNDO_DEPTH` + 1 snapshots are kept: memory stays bounded however long a
lesson runs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from .history import LossHistory

S = TypeVar("S")
"""The type of the state kept: a frozen value."""

UNDO_DEPTH = 200
"""Undo reaches this many changes back (the timeline keeps one snapshot more)."""


@dataclass(frozen=True)
class Snapshot(Generic[S]):
    """Everything the lesson shows, at one moment."""

    state: S
    """The lesson's state then (a frozen value)."""
    history: LossHistory
    """A private copy of the loss history; never changed once taken."""
    history_key: tuple
    """What tells two histories of one lesson apart cheaply."""


def history_key(history: LossHistory) -> tuple:
    return (history.next_step, len(history), history.last)


class Timeline(Generic[S]):
    """Snapshots in order, and the one the lesson's state is at (``cursor``)."""

    def __init__(self, depth: int = UNDO_DEPTH) -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._items: deque[Snapshot[S]] = deque(maxlen=depth + 1)
        self.cursor = -1

    def __len__(self) -> int:
        return len(self._items)

    def record(self, state: S, history: LossHistory) -> None:
        """Add a snapshot after the cursor; the ones that were after it (redo) are dropped."""
        while len(self._items) > self.cursor + 1:
            self._items.pop()
        key = history_key(history)
        previous = self._items[-1] if self._items else None
        copy = (previous.history if previous is not None and previous.history_key == key
                else history.copy())
        self._items.append(Snapshot(state, copy, key))
        self.cursor = len(self._items) - 1

    @property
    def can_undo(self) -> int:
        """Snapshots before the cursor."""
        return max(self.cursor, 0)

    @property
    def can_redo(self) -> int:
        """Snapshots after the cursor."""
        return len(self._items) - 1 - self.cursor

    def back(self) -> Snapshot[S]:
        self.cursor -= 1
        return self._items[self.cursor]

    def forth(self) -> Snapshot[S]:
        self.cursor += 1
        return self._items[self.cursor]
