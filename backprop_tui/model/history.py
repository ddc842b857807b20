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

from .errors import ModelError
from .fields import Fields

HISTORY_FIELDS = ("capacity", "span", "start", "count", "first", "low", "high", "pending", "last")
"""The keys of :meth:`LossHistory.to_dict`."""


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
        LossHistory.__init__(self, self.capacity)
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

    # -- saving and loading ---------------------------------------------------

    def to_dict(self) -> dict:
        """The whole history as plain JSON-ready values (floats at full precision).

        ``start`` is the first step recorded (or the step the next value belongs
        to when nothing is recorded), ``count`` the steps each bucket covers,
        ``pending`` the values not yet filling a bucket of ``span`` steps.
        :meth:`from_dict` rebuilds a history that continues exactly as this one.
        """
        return {
            "capacity": int(self.capacity),
            "span": int(self._span),
            "start": int(self._start_step()),
            "count": [int(c) for c in self._count],
            "first": [float(v) for v in self._first],
            "low": [float(v) for v in self._low],
            "high": [float(v) for v in self._high],
            "pending": [float(v) for v in self._pending],
            "last": self._last,
        }

    @classmethod
    def from_dict(cls, data: object) -> LossHistory:
        """The history :meth:`to_dict` described.

        Everything is checked first: a :class:`ModelError` names the field that is
        wrong (``history.count``, …) and no history is built.
        """
        fields = Fields(data, "history")
        fields.only(HISTORY_FIELDS)
        capacity = fields.integer("capacity", minimum=2)
        span = fields.integer("span", minimum=1)
        if span & (span - 1):
            raise ModelError(f"{fields.name('span')}: {span} is not a power of 2")
        start = fields.integer("start", minimum=0)
        count = fields.integers("count", minimum=1)
        first = fields.numbers("first")
        low = fields.numbers("low")
        high = fields.numbers("high")
        pending = fields.numbers("pending")
        last = fields.optional_number("last")
        for key, values in (("first", first), ("low", low), ("high", high)):
            if len(values) != len(count):
                raise ModelError(f"{fields.name(key)}: {len(values)} values for "
                                 f"{len(count)} buckets ({fields.name('count')})")
        if len(count) > capacity:
            raise ModelError(f"{fields.name('count')}: {len(count)} buckets, more than the "
                             f"capacity {capacity}")
        if any(c > span for c in count):
            raise ModelError(f"{fields.name('count')}: a bucket covers more than "
                             f"{span} steps ({fields.name('span')})")
        if len(pending) >= span:
            raise ModelError(f"{fields.name('pending')}: {len(pending)} values, but a bucket "
                             f"of {span} steps is full at {span}")
        for i, (f, lo, hi) in enumerate(zip(first, low, high)):
            if not lo <= f <= hi:
                raise ModelError(f"{fields.name('first')}: bucket {i + 1} has its first value "
                                 "outside its low…high range")
        recorded = bool(count) or bool(pending)
        if recorded and last is None:
            raise ModelError(f"{fields.name('last')}: missing, but values are recorded")
        if not recorded and last is not None:
            raise ModelError(f"{fields.name('last')}: set, but no values are recorded")
        if pending and last != pending[-1]:
            raise ModelError(f"{fields.name('last')}: not the last pending value")
        if count and not pending and last is not None and not low[-1] <= last <= high[-1]:
            raise ModelError(f"{fields.name('last')}: outside the range of the last bucket")

        history = cls(capacity)
        counts = np.array(count, dtype=np.int64)
        history._span = span
        history._count = counts
        history._step = start + np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        if not counts.size:
            history._step = np.empty(0, dtype=np.int64)
        history._first = np.array(first, dtype=np.float64)
        history._low = np.array(low, dtype=np.float64)
        history._high = np.array(high, dtype=np.float64)
        history._pending = np.array(pending, dtype=np.float64)
        history._pending_step = start + int(counts.sum())
        history._next_step = history._pending_step + history._pending.size
        history._last = last
        return history

    def copy(self) -> LossHistory:
        """An independent history in the same state."""
        return LossHistory.from_dict(self.to_dict())

    def coarse(self, buckets: int) -> LossHistory:
        """An independent copy with at most ``buckets`` buckets (besides the values still
        pending), neighbours merged as training merges them: the same first, lowest and
        highest values over the same steps, in fewer groups (what a class is sent)."""
        copy = self.copy()
        while copy._step.size > max(buckets, 1):
            copy._merge_pairs()
        return copy
