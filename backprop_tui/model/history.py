"""The loss history: bounded memory however long training runs.

Every recorded step lands in a bucket holding the first value, the minimum and
the maximum of the steps it covers. When the buckets exceed ``capacity``,
neighbours merge pairwise, so memory, and the cost of thinning for a plot, stay
flat from a thousand to millions of steps. Up to ``capacity`` steps every value
is kept exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Thinned:
    """A thinned view of the history: one entry per group of steps."""

    step: np.ndarray
    """The first step of each group (an int array)."""
    first: np.ndarray
    """The loss at that step: a value that was really recorded."""
    low: np.ndarray
    """The smallest loss in the group."""
    high: np.ndarray
    """The largest loss in the group."""


class LossHistory:
    """Losses by step number, thinned on the fly to at most ``capacity`` buckets."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._span = 1  # steps per bucket for new values
        self._step = np.empty(0, dtype=np.int64)
        self._count = np.empty(0, dtype=np.int64)
        self._first = np.empty(0)
        self._low = np.empty(0)
        self._high = np.empty(0)
        self._pending = np.empty(0)  # values not yet filling a whole bucket
        self._pending_step = 0
        self._next_step = 0
        self._last: float | None = None

    def __len__(self) -> int:
        """The number of steps recorded (not the number of buckets)."""
        return self._next_step - self._start_step()

    def _start_step(self) -> int:
        return int(self._step[0]) if self._step.size else self._pending_step

    @property
    def next_step(self) -> int:
        """The step number the next recorded value belongs to."""
        return self._next_step

    @property
    def last(self) -> float | None:
        """The most recent value, or None when empty."""
        return self._last

    def clear(self, start_step: int = 0) -> None:
        """Forget everything; the next value belongs to ``start_step``."""
        self.__init__(self.capacity)
        self._pending_step = self._next_step = start_step

    def append(self, value: float) -> None:
        """Record the loss of the next step."""
        self.extend(np.array([value]))

    def extend(self, values: np.ndarray) -> None:
        """Record the losses of the next ``len(values)`` steps."""
        values = np.asarray(values, dtype=np.float64).ravel()
        if not values.size:
            return
        if not self._pending.size and not self._step.size:
            self._pending_step = self._next_step
        self._next_step += values.size
        self._last = float(values[-1])
        tail = np.concatenate((self._pending, values)) if self._pending.size else values
        span = self._span
        whole = tail.size // span * span
        if whole:
            groups = tail[:whole].reshape(-1, span)
            steps = self._pending_step + span * np.arange(groups.shape[0], dtype=np.int64)
            self._step = np.concatenate((self._step, steps))
            self._count = np.concatenate((self._count, np.full(groups.shape[0], span, np.int64)))
            self._first = np.concatenate((self._first, groups[:, 0]))
            self._low = np.concatenate((self._low, groups.min(axis=1)))
            self._high = np.concatenate((self._high, groups.max(axis=1)))
            self._pending_step += whole
        self._pending = tail[whole:].copy()
        while self._step.size > self.capacity:
            self._merge_pairs()

    def _merge_pairs(self) -> None:
        """Halve the number of buckets: bucket 2i absorbs bucket 2i+1."""
        even = self._step.size // 2 * 2
        keep = slice(even, None)
        self._step = np.concatenate((self._step[0:even:2], self._step[keep]))
        self._first = np.concatenate((self._first[0:even:2], self._first[keep]))
        self._count = np.concatenate(
            (self._count[0:even:2] + self._count[1:even:2], self._count[keep])
        )
        self._low = np.concatenate(
            (np.minimum(self._low[0:even:2], self._low[1:even:2]), self._low[keep])
        )
        self._high = np.concatenate(
            (np.maximum(self._high[0:even:2], self._high[1:even:2]), self._high[keep])
        )
        self._span *= 2

    def _buckets(self) -> Thinned:
        """All buckets, the pending values included as buckets of one step each."""
        if not self._pending.size:
            return Thinned(self._step, self._first, self._low, self._high)
        p = self._pending
        steps = self._pending_step + np.arange(p.size, dtype=np.int64)
        return Thinned(
            np.concatenate((self._step, steps)),
            np.concatenate((self._first, p)),
            np.concatenate((self._low, p)),
            np.concatenate((self._high, p)),
        )

    def thinned(self, points: int) -> Thinned:
        """At most ``points`` groups of consecutive steps, evenly spread over the steps.

        ``first`` of each group is a real recorded value at step ``step``; ``low``
        and ``high`` keep the spikes. The cost depends on ``capacity``, not on the
        number of steps recorded.
        """
        if points < 1:
            raise ValueError("points must be at least 1")
        buckets = self._buckets()
        if buckets.step.size <= points:
            return buckets
        start, stop = self._start_step(), self._next_step
        total = max(stop - start, 1)
        # Column c holds the buckets whose first step s has
        # (s − start)·points // total = c, that is s ≥ start + ⌈c·total/points⌉:
        # each column starts at the first such bucket, found by binary search
        # (cost by columns, not by buckets); empty columns vanish.
        first = start - (np.arange(points, dtype=np.int64) * -total // points)
        starts = np.searchsorted(buckets.step, first)
        keep = np.empty(points, dtype=bool)
        keep[0] = True
        np.not_equal(starts[1:], starts[:-1], out=keep[1:])
        keep &= starts < buckets.step.size
        starts = starts[keep]
        return Thinned(
            buckets.step[starts],
            buckets.first[starts],
            np.minimum.reduceat(buckets.low, starts),
            np.maximum.reduceat(buckets.high, starts),
        )
