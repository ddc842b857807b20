"""What one training frame of the app costs: the loss figure and the training steps.

    python benchmarks/tui_frame.py

Prints the time to build the loss figure from a thinned history (for several
history lengths, to show it does not grow with the steps taken) and the steps
the lesson takes per millisecond on the built-in dataset.
"""

from __future__ import annotations

import time

import numpy as np

from backprop_tui.model import LossHistory, Network, Samples, defaults
from backprop_tui.model.lesson import Lesson
from backprop_tui.tui.widgets.loss_plot import Y_AXIS, loss_figure


def best_of(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    print("loss figure (thinning and the plotext 6 build), per build, "
          "ratio to 1,000 steps:")
    base: dict[tuple[int, int], float] = {}
    for steps in (1_000, 10_000, 100_000, 1_000_000):
        history = LossHistory()
        history.extend(np.exp(-np.arange(steps) / (steps / 5)) + 0.01 * rng.random(steps))
        for width, height in ((78, 9), (58, 10)):
            seconds = best_of(lambda h=history, w=width, ht=height: loss_figure(h.thinned(w - Y_AXIS), w, ht))
            ratio = seconds / base.setdefault((width, height), seconds)
            print(f"  {steps:>9,} steps  {width}×{height}: {seconds * 1e3:6.2f} ms  "
                  f"ratio {ratio:4.2f}")
    lesson = Lesson(Network.chain(defaults.W, defaults.B), Samples(defaults.DATASET_X, defaults.DATASET_Y),
                    defaults.LR)
    steps = 250
    seconds = best_of(lambda: lesson.train(steps))
    print(f"training: {steps / seconds / 1e3:.1f} steps per ms "
          f"({seconds / steps * 1e6:.1f} µs a step, 8 samples, 3 layers)")


if __name__ == "__main__":
    main()
