"""What the progress bar and the chunks of ``train`` cost, as ratios in one run:

    python benchmarks/train_progress.py [--steps K] [--rounds R]

The same training (same chain, samples, batch size and steps) three ways,
interleaved round after round so that a busy machine slows each alike:

* ``one call``: ``Trainer.run(K)``, what ``train`` did before it had chunks;
* ``chunks``: ``LongRun`` with its measured chunks, no bar (``train`` piped or ``--json``);
* ``chunks + bar``: the same with the progress bar drawn (into memory, as a
  terminal would get it, with colours) at most 10 times a second.

Reported: the best time of each over the rounds, and the ratios chunks/one call
and bar/chunks. Each layout (batch size 1, 4 and 64) is measured separately.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backprop_tui.long_run import LongRun, ProgressBar  # noqa: E402
from backprop_tui.model import Network, Samples, Trainer  # noqa: E402


def trainer(batch: int) -> Trainer:
    xs = [i / batch for i in range(batch)]
    ys = [float(i >= batch / 2) for i in range(batch)]
    return Trainer(Network.chain([0.9, -0.6, 1.3], [0.0, 0.0, 0.0]), Samples(xs, ys), 0.5, batch)


class Terminal(io.StringIO):
    """Memory that says it is a terminal, so rich draws the bar as it would on one."""

    def isatty(self) -> bool:
        return True


def one_call(batch: int, steps: int) -> float:
    t = trainer(batch)
    start = time.perf_counter()
    t.run(steps)
    return time.perf_counter() - start


def chunks(batch: int, steps: int, bar: bool) -> tuple[float, int]:
    """Seconds for the run, and the number of redraws of the bar."""
    run = LongRun(trainer(batch), steps)
    start = time.perf_counter()
    run.measure()
    if not bar:
        run.run()
        return time.perf_counter() - start, 0
    out = Terminal()
    with ProgressBar(run, out) as progress:
        run.run(progress.update)
    return time.perf_counter() - start, out.getvalue().count("\r")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.steps} steps, 3 layers, best of {args.rounds} rounds")
    print(f"{'batch':>5}  {'one call':>9}  {'chunks':>9}  {'chunks+bar':>10}  "
          f"{'chunks/one':>10}  {'bar/chunks':>10}  redraws")
    for batch in (1, 4, 64):
        steps = args.steps if batch < 64 else args.steps // 10
        best = {"one": float("inf"), "chunks": float("inf"), "bar": float("inf")}
        redraws = 0
        for _ in range(args.rounds):
            best["one"] = min(best["one"], one_call(batch, steps))
            best["chunks"] = min(best["chunks"], chunks(batch, steps, bar=False)[0])
            seconds, redraws = chunks(batch, steps, bar=True)
            best["bar"] = min(best["bar"], seconds)
        print(f"{batch:>5}  {best['one']:>8.3f}s  {best['chunks']:>8.3f}s  {best['bar']:>9.3f}s  "
              f"{best['chunks'] / best['one']:>10.3f}  {best['bar'] / best['chunks']:>10.3f}  "
              f"{redraws}  ({steps} steps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
