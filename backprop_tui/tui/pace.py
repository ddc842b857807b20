"""The pace of training in an app: how many steps each tick of the timer takes, within a
time budget, and how often the screen is redrawn (the chain's app and the wide one)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model.trainer import RunResult


MAX_SLOWDOWN = 8.0
"""Redraws while training are spread out at most this much when the machine is busy."""

LAG_WEIGHT = 0.2
"""The weight of the newest tick in the running mean of how late ticks come."""


class Pace:
    """Steps owed by the clock at ``speed`` steps a second, taken ``chunk`` at a time for
    at most ``budget`` seconds a tick (so that keys are always answered), and the rate
    measured over the last second.

    When the ticks come late (many apps training on the same cores: the process waits
    for its turn), the redraws are spread out by :attr:`slowdown`, so that a busy
    machine draws less and keys are still answered quickly; the steps owed are taken
    all the same.
    """

    def __init__(self, frame: float, budget: float, chunk: int, redraw: float) -> None:
        self.frame, self.budget, self.chunk, self.redraw = frame, budget, chunk, redraw
        self.owed = 0.0
        self.last_tick = 0.0
        self.shown_at = 0.0
        self.lag = 0.0
        """Running mean of the seconds by which ticks come later than one frame apart."""
        self.rate: deque[tuple[float, int]] = deque()

    @property
    def slowdown(self) -> float:
        """1 on an idle machine; up to :data:`MAX_SLOWDOWN` as the ticks come later."""
        return min(1.0 + self.lag / self.frame, MAX_SLOWDOWN)

    def start(self, now: float) -> None:
        """Training starts at ``now``: nothing owed, nothing measured yet."""
        self.owed = 0.0
        self.last_tick = now
        self.lag = 0.0
        self.rate.clear()

    def tick(self, clock: Callable[[], float], speed: int,
             train: Callable[[int], RunResult]) -> tuple[RunResult | None, bool]:
        """Take the steps owed since the last tick with ``train``; returns the run that
        diverged (None if none did) and whether the screen is due for a redraw."""
        now = clock()
        if now - self.last_tick < 0.8 * self.frame:
            return None, False  # a late timer catching up: keep the redraw rate bounded
        self.owed = min(self.owed + speed * (now - self.last_tick), speed * 4 * self.frame + 1)
        late = max(now - self.last_tick - self.frame, 0.0)
        self.last_tick = now
        todo, done = int(self.owed), 0
        deadline = now + self.budget
        diverged = None
        while done < todo:
            result = train(min(self.chunk, todo - done))
            done += result.steps
            if result.divergence is not None:
                diverged = result
                break
            if clock() > deadline:
                self.owed = 0.0
                break
        self.owed = max(self.owed - done, 0.0)
        self.rate.append((now, done))
        while self.rate and now - self.rate[0][0] > 1.0:
            self.rate.popleft()
        # Due by the lag so far: this tick's own lateness spreads out the next redraws.
        due = diverged is not None or now - self.shown_at >= self.redraw * self.slowdown
        self.lag += LAG_WEIGHT * (late - self.lag)
        if due:
            self.shown_at = now
        return diverged, due

    def measured(self) -> int | None:
        """Steps a second over the last second's ticks (None until there are two: no rate
        is known yet, and 0/s would say training stands still)."""
        if len(self.rate) < 2:
            return None
        span = self.rate[-1][0] - self.rate[0][0]
        steps = sum(n for _, n in list(self.rate)[1:])
        return int(round(steps / span)) if span > 0 else None


def training_text(rate: int | None) -> str:
    """What the header says while training: the measured rate once there is one."""
    return "training" if rate is None else f"training {rate:,}/s"


def started_text(speed: int) -> str:
    """What the message line says when training starts at up to ``speed`` steps a second."""
    return f"training on batches at up to {speed:,} steps/s; t stops, + and − change the speed"


def stopped_text(steps: int) -> str:
    """What the message line says when t stops training at step ``steps``."""
    return (f"training stopped at step {steps}: the forward pass of the final numbers; "
            "b: backward")


def paused_text(why: str) -> str:
    """What the message line says when training stops because a number diverged."""
    return f"{why}; training paused"
