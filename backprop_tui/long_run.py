"""A long ``train`` run: in chunks, with a progress bar, a day's limit and Ctrl+C.

The trainer's hot loop runs a chunk of steps at a time; between chunks the run
checks whether Ctrl+C was pressed and (on a terminal) redraws the progress bar,
at most :data:`REDRAWS_PER_SECOND` times a second. A chunk lasts about
:data:`CHUNK_SECONDS`, so Ctrl+C stops within about that long, always at the
end of a step: the parameters, the step count and the loss history agree.

The first chunks measure how many steps a second this chain, batch size and
machine manage; a run that would take longer than :data:`MAX_SECONDS` at that
rate is refused before the rest of it starts. rich (which comes with Textual)
is imported only when a bar is drawn.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from .model import Trainer
from .present.format import number

CHUNK_SECONDS = 0.05
"""How long one chunk of steps should last: Ctrl+C is answered within about this."""
REDRAWS_PER_SECOND = 10
"""The progress bar is redrawn at most this often."""
MEASURE_SECONDS = 0.1
"""How long the first chunks run before the rate is taken as measured."""
MAX_SECONDS = 24 * 60 * 60
"""A run that would take longer than a day at the measured rate is refused."""
FIRST_CHUNK = 16
"""Steps in the first chunk; each next measuring chunk is twice as long."""
MAX_CHUNK = 1 << 20
"""The largest chunk, whatever the rate."""


class TooLong(Exception):
    """The run would take longer than :data:`MAX_SECONDS` at the measured rate."""


def duration(seconds: float) -> str:
    """``seconds`` in words a person reads at a glance: 45 s, 12 minutes, 3.5 hours, 41 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    days = seconds / 86400
    if days < 3650:
        return f"{days:.0f} days"
    years = days / 365.25
    if years < 1e6:
        return f"{years:,.0f} years"
    return "more than a million years"


@dataclass
class LongRun:
    """``steps`` steps of ``trainer``, in chunks; :attr:`done` counts those taken."""

    trainer: Trainer
    steps: int
    done: int = 0
    interrupted: bool = False
    """Ctrl+C was pressed: the run stopped at the end of a chunk."""
    rate: float | None = None
    """Steps a second, as measured by the first chunks."""
    _chunk: int = FIRST_CHUNK

    @property
    def finished(self) -> bool:
        """Every step taken, or training stopped (diverged, or Ctrl+C)."""
        return self.done >= self.steps or self.interrupted or self.trainer.divergence is not None

    def _run_chunk(self, size: int) -> None:
        result = self.trainer.run(min(size, self.steps - self.done))
        self.done += result.steps

    def measure(self) -> None:
        """Run the first chunks for about :data:`MEASURE_SECONDS`, and set :attr:`rate`.

        These are steps of the run, not a rehearsal: nothing is done twice.
        """
        start = time.perf_counter()
        size = FIRST_CHUNK
        elapsed = 0.0
        while not self.finished and elapsed < MEASURE_SECONDS:
            before, began = self.done, time.perf_counter()
            self._run_chunk(size)
            now = time.perf_counter()
            elapsed = now - start
            size *= 2
            if self.done > before and now > began:
                # The last chunk, the longest, gives the rate: the first ones
                # are dominated by the cost of starting a chunk.
                self.rate = (self.done - before) / (now - began)
        if self.rate:
            self._chunk = max(FIRST_CHUNK, min(MAX_CHUNK, int(self.rate * CHUNK_SECONDS)))

    def check_length(self, limit: float = MAX_SECONDS) -> None:
        """Raise :class:`TooLong` when the steps left would take more than ``limit`` seconds."""
        if self.finished or not self.rate:
            return
        seconds = self.steps / self.rate
        if seconds > limit:
            trainer = self.trainer
            layers = trainer.network.layers
            raise TooLong(
                f"{self.steps} steps would take about {duration(seconds)} at the "
                f"{self.rate:,.0f} steps/s measured here ({layers} layer{'s' * (layers != 1)}, batch "
                f"size {trainer.batch_size}); at most {int(self.rate * limit):,} fit in "
                f"{'a day' if limit == 86400 else duration(limit)}"
            )

    def run(self, between: Callable[[LongRun], None] | None = None) -> None:
        """Take the remaining steps chunk by chunk; call ``between`` after each chunk."""
        while not self.finished:
            self._run_chunk(self._chunk)
            if between is not None:
                between(self)

    def interrupt(self) -> None:
        """Stop at the end of the chunk running now."""
        self.interrupted = True


class StopOnCtrlC:
    """While active, Ctrl+C (SIGINT) asks ``run`` to stop at the end of its chunk.

    A second Ctrl+C is not caught: it ends the program at once, as usual.
    """

    def __init__(self, run: LongRun) -> None:
        self.run = run
        self._old: object = None

    def _handle(self, signum: int, frame: object) -> None:
        self.run.interrupt()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __enter__(self) -> StopOnCtrlC:
        self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._old)  # type: ignore[arg-type]


class ProgressBar:
    """The progress of a run on a terminal (stderr): steps, steps/s, the cost, time left.

    Redrawn only by :meth:`update`, at most :data:`REDRAWS_PER_SECOND` times a
    second: no thread competes with the hot loop.
    """

    def __init__(self, run: LongRun, file: object) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._console = Console(file=file)  # type: ignore[arg-type]
        # Fits 80 columns: ━━━━━━━━━━ 1220058/1000000000 steps · 429170/s · cost 2.034e−6 · 0:38:45 left
        self._progress = Progress(
            BarColumn(bar_width=10),
            TextColumn("{task.fields[count]} steps · {task.fields[rate]}/s · "
                       "cost {task.fields[cost]} ·"),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=self._console,
            auto_refresh=False,
            transient=True,
        )
        self._steps = run.steps
        self._start_steps = run.done
        self._started = time.perf_counter()
        self._task = self._progress.add_task("train", total=run.steps, completed=run.done,
                                             count=self._count(run.done), rate="…", cost="…")
        self._next = 0.0

    def _count(self, done: int) -> str:
        return f"{done}/{self._steps}"

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, run: LongRun) -> None:
        """Redraw, unless the last redraw was less than 1/:data:`REDRAWS_PER_SECOND` s ago."""
        now = time.perf_counter()
        if now < self._next:
            return
        self._next = now + 1 / REDRAWS_PER_SECOND
        elapsed = now - self._started
        rate = (run.done - self._start_steps) / elapsed if elapsed > 0 else 0.0
        last = run.trainer.history.last
        self._progress.update(self._task, completed=run.done, count=self._count(run.done),
                              rate=f"{rate:.0f}",
                              cost="…" if last is None else number(last))
        self._progress.refresh()
