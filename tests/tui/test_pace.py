"""The pace of training: steps owed by the clock, redraws spread out when ticks come late."""

from __future__ import annotations

from backprop_tui.model.trainer import RunResult
from backprop_tui.tui.pace import MAX_SLOWDOWN, Pace

FRAME, REDRAW, SPEED = 0.125, 0.25, 80
"""Binary fractions, so that the clock adds up exactly; 10 steps a frame."""


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting_trainer(taken: list[int]):
    def train(steps: int) -> RunResult:
        taken.append(steps)
        return RunResult(steps=steps, divergence=None)
    return train


def run(gap: float, ticks: int) -> tuple[Pace, list[int], int]:
    """``ticks`` ticks ``gap`` seconds apart at SPEED steps/s: the pace, the steps taken per
    call, and how many ticks were due for a redraw."""
    clock, taken, due = Clock(), [], 0
    pace = Pace(FRAME, budget=1.0, chunk=1000, redraw=REDRAW)
    pace.start(clock.now)
    for _ in range(ticks):
        clock.now += gap
        diverged, redraw = pace.tick(clock, SPEED, counting_trainer(taken))
        assert diverged is None
        due += redraw
    return pace, taken, due


def test_ticks_on_time_redraw_every_quarter_second():
    pace, taken, due = run(FRAME, 80)  # 10 s
    assert pace.slowdown == 1.0
    assert sum(taken) == 800  # SPEED steps a second for 10 s
    assert due == 40  # every second tick: 0.25 s after the last redraw


def test_late_ticks_spread_the_redraws_out_and_still_take_every_step():
    on_time = run(FRAME, 80)[2]
    pace, taken, due = run(4 * FRAME, 20)  # the same 10 s, each tick 3 frames late
    assert 3.9 < pace.slowdown < 4.0  # the lag settles near 3 frames: a slowdown near 4
    assert due <= on_time / 3
    assert sum(taken) == 800  # every step owed is taken all the same


def test_the_slowdown_is_bounded_and_forgotten_when_training_starts_again():
    pace, _, _ = run(100 * FRAME, 30)  # ticks 12 s apart
    assert pace.slowdown == MAX_SLOWDOWN
    pace.start(0.0)
    assert pace.slowdown == 1.0
