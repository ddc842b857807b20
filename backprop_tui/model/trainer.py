"""Training: many gradient-descent steps on mini-batches, with the loss history.

A run takes the steps of ``Chain.forward``, ``ForwardPass.backward`` and
``Chain.step`` without keeping every factor, through :mod:`fast_step` (Python
floats for small batches, numpy for large ones). It stops where the plain step
would refuse a number (z, the cost or an updated parameter not finite), keeping
the last finite parameters. Tests check it against repeated plain steps, and
``benchmarks/train_step.py`` measures it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sized
from dataclasses import dataclass

import numpy as np

from .chain import Chain, Samples
from .errors import ModelError
from .fast_step import FloatSamples, float_samples, float_steps, numpy_steps, uses_floats
from .history import LossHistory
from .limits import check_batch_size, check_learning_rate

_PIECE = 4096
"""Steps per call of the fast step within one :meth:`Trainer.run`."""


@dataclass(frozen=True)
class Divergence:
    """Training stopped because step ``step`` (1-based) would leave finite numbers."""

    step: int
    what: str

    def __str__(self) -> str:
        return (
            f"training diverged at step {self.step}: {self.what} would not be finite; "
            f"kept the parameters from step {self.step - 1}"
        )


@dataclass(frozen=True)
class RunResult:
    """What one call of :meth:`Trainer.run` did."""

    steps: int
    """Steps actually taken."""
    divergence: Divergence | None
    """Why it stopped early, if it did."""


class Training(ABC):
    """What every trainer shares: the checked learning rate and batch size, the
    loss history, the step count, and runs in pieces that stop before a step
    that would diverge. A subclass takes the steps (:meth:`_steps`).

    Step k (0-based, counted from the trainer's start) trains on the samples
    kB, kB+1, …, kB+B−1 (mod n). The loss recorded for step k is the batch-mean
    cost before that step's update.
    """

    def __init__(self, samples: Sized, lr: float, batch_size: int | None,
                 history: LossHistory | None, steps_done: int) -> None:
        self.lr = check_learning_rate(lr)
        self.batch_size = check_batch_size(batch_size, len(samples))
        self.history = history if history is not None else LossHistory()
        self.steps_done = steps_done
        """Steps taken so far; the next step uses batch ``steps_done``."""
        self.divergence: Divergence | None = None
        """Set when a step would have left finite numbers; training then refuses to go on."""

    def run(self, steps: int) -> RunResult:
        """Take up to ``steps`` steps; stop before the first one that would diverge."""
        if steps < 0:
            raise ModelError("steps: must not be negative")
        if self.divergence is not None or steps == 0:
            return RunResult(0, self.divergence)
        done = 0
        divergence = None
        while done < steps and divergence is None:
            # In pieces, so that a run of millions of steps holds no more than
            # one piece of losses before they go into the bounded history.
            losses, what = self._steps(min(steps - done, _PIECE))
            done += losses.size
            self.steps_done += losses.size
            self.history.extend(losses)
            if what is not None:
                divergence = Divergence(self.steps_done + 1, what)
        self.divergence = divergence
        return RunResult(done, divergence)

    @abstractmethod
    def _steps(self, steps: int) -> tuple[np.ndarray, str | None]:
        """``steps`` steps from ``steps_done`` on: the losses of those taken and,
        if it stopped early, what would not have been finite."""


class Trainer(Training):
    """Runs gradient descent on a chain, batch after batch, recording the loss."""

    def __init__(
        self,
        chain: Chain,
        samples: Samples,
        lr: float,
        batch_size: int | None = None,
        history: LossHistory | None = None,
        steps_done: int = 0,
    ) -> None:
        chain.cost.check_targets(samples.y)
        super().__init__(samples, lr, batch_size, history, steps_done)
        self.samples = samples
        self._activation = chain.activation
        self._cost = chain.cost
        self._w = np.array(chain.w)
        self._b = np.array(chain.b)
        self._floats: FloatSamples | None = None

    @property
    def chain(self) -> Chain:
        """The chain with the current parameters."""
        return Chain(self._w.copy(), self._b.copy(), self._activation, self._cost)

    def _steps(self, steps: int) -> tuple[np.ndarray, str | None]:
        """``steps`` steps from ``steps_done`` on; the losses of those taken.

        On Python floats for small batches, with numpy for large ones, whichever
        costs less (:func:`fast_step.uses_floats`); the same numbers as repeated
        plain steps.
        """
        act, cost, size = self._activation, self._cost, self.batch_size
        if uses_floats(self._w.size, size, act, cost):
            if self._floats is None:
                self._floats = float_samples(self.samples.x, self.samples.y)
            w, b, losses, what = float_steps(act, cost, self._w, self._b, self._floats,
                                             self.samples.x, self.samples.y, size, self.lr,
                                             self.steps_done, steps)
        else:
            w, b, losses, what = numpy_steps(act, cost, self._w, self._b, self.samples.x,
                                             self.samples.y, size, self.lr, self.steps_done,
                                             steps)
        self._w[:] = w
        self._b[:] = b
        return losses, what

    def mean_cost(self) -> float:
        """The mean cost over all samples with the current parameters."""
        return self.chain.forward(self.samples).mean_cost
