"""A class training at once: key to screen with 30 apps training on one machine.

    python benchmarks/many_apps.py               # 30 apps, about a minute
    python benchmarks/many_apps.py --apps 10 --rounds 2

The way a class uses the app over SSH: every student's app is its own process,
all of them training (``t``, default speed) on the same cores. Each app runs in
its own 80×24 pseudo-terminal (as sshd gives it one). Measured: seconds from
typing ``−`` or ``+`` (the training speed, which the app confirms on its
message line) until the screen shows it, for

- one app training alone (the baseline, in the same run), and
- each of N apps in turn while all N train (several rounds),

reported as median, 90th percentile and worst, with the ratio of the medians.
Also reported: the cores the N apps use together while training (from /proc),
and the steps per second each reaches (from its status line).

Before timing, the package is compiled to bytecode, as installing it does. This
process reads every terminal (one thread each), so it takes a share of the
cores too. Linux only. Nothing here is part of the tests.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from terminal import OURS, OURS_READY, Terminal, compile_package

TRAINING = "training on batches"
SPEED_SAID = "training speed: {:,} steps/s at most"
FAST, SLOW = 1000, 500
"""The default speed and the one below it: ``−`` and ``+`` switch between them."""
RATE = re.compile(r"training ([0-9,]+)/s")


def started(count: int) -> list[Terminal]:
    """``count`` apps, each shown its first frame and training."""
    terms = [Terminal(OURS) for _ in range(count)]
    try:
        for term in terms:
            term.wait_for(OURS_READY, timeout=180)
        for term in terms:
            since = term.mark()
            term.press("t")
            term.wait_for(TRAINING, since, timeout=60)
    except BaseException:
        for term in terms:
            term.quit()
        raise
    return terms


def key_to_screen(term: Terminal, slow: bool) -> float:
    """Seconds from ``−`` (``slow``) or ``+`` to the speed said on screen."""
    since = term.mark()
    sent = term.press("-" if slow else "+")
    return term.wait_for(SPEED_SAID.format(SLOW if slow else FAST), since, timeout=60) - sent


def measured(terms: list[Terminal], rounds: int, pause: float) -> list[float]:
    """Key to screen for every app in turn, ``rounds`` times (``−`` then ``+`` each)."""
    times: list[float] = []
    for _ in range(rounds):
        for slow in (True, False):
            for term in terms:
                times.append(key_to_screen(term, slow))
                time.sleep(pause)
    return times


def steps_per_second(term: Terminal) -> int | None:
    """The rate the app's status line shows last."""
    rates = RATE.findall(term.text[-20000:])
    return int(rates[-1].replace(",", "")) if rates else None


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (f"  {name:<24} median {statistics.median(times) * 1e3:7.1f} ms   "
            f"90% {p90 * 1e3:7.1f} ms   worst {ordered[-1] * 1e3:7.1f} ms   ({len(times)} keys)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=30, help="apps training at once (30)")
    parser.add_argument("--rounds", type=int, default=3, help="keys per app: 2 a round (3)")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds of training before the keys (3)")
    opts = parser.parse_args()
    print(f"backprop_tui from {compile_package()} (compiled to bytecode first)")

    (alone,) = started(1)
    try:
        time.sleep(opts.settle)
        baseline = measured([alone], opts.rounds * 3, 0.2)
    finally:
        alone.quit()

    terms = started(opts.apps)
    try:
        time.sleep(opts.settle)
        cpu0, wall0 = sum(t.cpu_seconds() for t in terms), time.perf_counter()
        loaded = measured(terms, opts.rounds, 0.02)
        cpu1, wall1 = sum(t.cpu_seconds() for t in terms), time.perf_counter()
        rates = [r for r in (steps_per_second(t) for t in terms) if r is not None]
    finally:
        for term in terms:
            term.quit()

    print(f"key to screen (− or + while training, 80×24 ptys, {len(terms)} apps):")
    print(summary("one app alone", baseline))
    print(summary(f"{len(terms)} apps training", loaded))
    ratio = statistics.median(loaded) / statistics.median(baseline)
    print(f"  ratio of the medians {ratio:.1f}×   budget: median ≤ 100 ms with "
          f"{len(terms)} apps")
    print(f"  the {len(terms)} apps used {(cpu1 - cpu0) / (wall1 - wall0):.2f} cores together; "
          f"steps/s each (status line): median {statistics.median(rates):,.0f}, "
          f"lowest {min(rates):,}" if rates else "")


if __name__ == "__main__":
    main()
