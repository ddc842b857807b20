"""A class training at once: key to screen with many apps training on one machine.

    python benchmarks/class_load.py               # 30 apps, about a minute
    python benchmarks/class_load.py --apps 10     # fewer apps

Starts ``--apps`` copies of ``python -m backprop_tui`` in 80×24 pseudo-terminals
(as a class on one server would), waits for each first frame, then in each
loads the built-in dataset (``l``) and starts training (``t``, the default
speed). While they all train, it types ``+`` and ``−`` into the apps one after
the other and times each key until the speed it set is on that app's screen.
The floor is a minimal Textual app (benchmarks/minimal_app.py) started beside
them, under the same load: its ``x`` key against its screen.

Reports the median and the 90th percentile of key to screen, and the load
average at the start and the end (the machine may be shared: the load says
how much). Linux only (pty, /proc). Nothing here is part of the tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from terminal import MINIMAL, MINIMAL_READY, OURS, OURS_READY, Terminal, compile_package

SPEED_TEXT = {"+": "training speed: 2,000 steps/s", "-": "training speed: 1,000 steps/s"}
"""What the screen says after ``+`` and ``−`` from the default speed."""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def cpu_seconds(apps: list[Terminal]) -> float:
    """The CPU time (user and system) the apps' processes have used, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for term in apps:
        try:
            with open(f"/proc/{term.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=30, help="apps training at once (30)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="keys typed into each app (default 3)")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds of training before the first key (default 3)")
    parser.add_argument("--measure", type=float, default=5.0,
                        help="seconds over which the apps' CPU is measured while they "
                             "train (default 5)")
    opts = parser.parse_args()
    compile_package()
    load_before = os.getloadavg()
    print(f"{os.cpu_count()} cores; load average before: "
          + " ".join(f"{v:.2f}" for v in load_before))
    started = time.perf_counter()
    apps = [Terminal(OURS) for _ in range(opts.apps)]
    try:
        for term in apps:
            term.wait_for(OURS_READY, timeout=180)
        drawn = time.perf_counter() - started
        print(f"{opts.apps} apps started; every first frame after {drawn:.1f} s")
        for term in apps:
            since = term.mark()
            term.press("l")
            term.wait_for("built-in dataset", since, timeout=60)
            since = term.mark()
            term.press("t")
            term.wait_for("training on batches", since, timeout=60)
        time.sleep(opts.settle)
        # CPU of the apps while they only train (no key typed yet): cores per app.
        before, at = cpu_seconds(apps), time.perf_counter()
        time.sleep(opts.measure)
        per_app = (cpu_seconds(apps) - before) / (time.perf_counter() - at) / len(apps)
        print(f"CPU while training, no key typed: {per_app:.4f} cores per app "
              f"(budget ≤ 0.015 at 80×24); load average "
              + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        floor = Terminal(MINIMAL)
        ours: list[float] = []
        minimal: list[float] = []
        late = 0
        try:
            floor.wait_for(MINIMAL_READY, timeout=120)
            presses = 0
            for round_ in range(opts.rounds):
                key = "+" if round_ % 2 == 0 else "-"
                for term in apps:
                    since = term.mark()
                    sent = term.press(key)
                    try:
                        ours.append(term.wait_for(SPEED_TEXT[key], since, timeout=10) - sent)
                    except TimeoutError:
                        late += 1
                        ours.append(10.0)
                    time.sleep(0.05)
                    if len(ours) % 5 == 0:  # the floor, a key now and then among them
                        presses += 1
                        since = floor.mark()
                        sent = floor.press("x")
                        minimal.append(floor.wait_for(f"pressed {presses} times", since,
                                                      timeout=10) - sent)
        finally:
            floor.quit()
        if opts.rounds % 2:  # back to the default speed, so that every app ends alike
            for term in apps:
                term.press("-")
        load_after = os.getloadavg()
    finally:
        for term in apps:
            term.quit()
    med = statistics.median
    print(f"key to screen while {opts.apps} apps train, {len(ours)} keys:")
    print(f"  backprop-tui (+ and −)  median {med(ours) * 1e3:6.0f} ms   "
          f"90% {percentile(ours, 0.9) * 1e3:6.0f} ms   (budget: median ≤ 100 ms)"
          + (f"   {late} never shown within 10 s" if late else ""))
    print(f"  minimal app beside them median {med(minimal) * 1e3:6.0f} ms   "
          f"90% {percentile(minimal, 0.9) * 1e3:6.0f} ms   ({len(minimal)} keys)")
    print("load average after: " + " ".join(f"{v:.2f}" for v in load_after))


if __name__ == "__main__":
    main()
