"""Plot cost against the length of the loss history: flat is the budget.

Run from the repository root::

    python benchmarks/history.py

For histories of 1e3 … 1e6 recorded steps this measures what the app pays per
refresh of the loss plot: recording the next chunk of losses
(``LossHistory.extend``) and thinning the whole history to one point per
column (``LossHistory.thinned(width)``), plus the memory the history holds.
Sizes are measured interleaved and the median of the repeats is reported.
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backprop_tui.model import LossHistory  # noqa: E402

LENGTHS = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
CHUNK = 100
"""Losses recorded per refresh (steps trained between two frames)."""
WIDTHS = (76, 200)
"""Plot widths in columns: an 80×24 terminal, and a wide one."""


def filled(length: int) -> LossHistory:
    history = LossHistory()
    rng = np.random.default_rng(length)
    values = np.exp(-np.linspace(0, 8, length)) + 0.01 * rng.random(length)
    for start in range(0, length, 10_000):
        history.extend(values[start : start + 10_000])
    return history


def held_bytes(length: int) -> int:
    """Bytes still allocated by a history of ``length`` steps once built."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    history = filled(length)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del history
    return after - before


def per_call_us(fn, calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def extend_us(history: LossHistory, chunk: np.ndarray, calls: int) -> float:
    """One ``extend`` on a fresh copy each time, so the history keeps its length."""
    gc.collect()
    total = 0.0
    for _ in range(calls):
        fresh = copy.deepcopy(history)
        start = time.perf_counter()
        fresh.extend(chunk)
        total += time.perf_counter() - start
    return total / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200, help="calls per timed run")
    args = parser.parse_args(argv)

    histories = {length: filled(length) for length in LENGTHS}
    chunk = np.linspace(0.5, 0.4, CHUNK)
    columns = [f"extend({CHUNK})"] + [f"thinned({w})" for w in WIDTHS]
    samples: dict[tuple[int, str], list[float]] = {
        (length, c): [] for length in LENGTHS for c in columns
    }
    for _ in range(args.repeats):
        for length, history in histories.items():
            samples[(length, columns[0])].append(extend_us(history, chunk, args.calls))
            for width, column in zip(WIDTHS, columns[1:]):
                samples[(length, column)].append(
                    per_call_us(lambda h=history, w=width: h.thinned(w), args.calls)
                )
    median = {key: statistics.median(v) for key, v in samples.items()}
    memory = {length: held_bytes(length) for length in LENGTHS}

    print(f"loss history: µs per call (median of {args.repeats} interleaved runs of "
          f"{args.calls} calls), ratio to the 1e3-step history, memory held\n")
    header = ["history (steps)"] + [f"{c} µs" for c in columns] + [
        f"{c} ratio" for c in columns] + ["memory KiB"]
    rows = []
    for length in LENGTHS:
        rows.append(
            [f"{length:,}"]
            + [f"{median[(length, c)]:.1f}" for c in columns]
            + [f"{median[(length, c)] / median[(LENGTHS[0], c)]:.2f}×" for c in columns]
            + [f"{memory[length] / 1024:.0f}"]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(wd) for h, wd in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (wd + 2) for wd in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.rjust(wd) for c, wd in zip(r, widths)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
