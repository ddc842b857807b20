"""Training: many gradient-descent steps on mini-batches, with the loss history.

A run takes the steps of ``Network.forward``, ``ForwardPass.backward`` and
``Network.step`` without keeping every factor, through :mod:`fast_step` (Python
floats for small batches, numpy for large ones). It stops where the plain step
would refuse a number (z, the cost or an updated parameter not finite), keeping
the last finite parameters. Tests check it against repeated plain steps, and
``benchmarks/train_step.py`` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ModelError
from .fast_step import FloatSamples, float_samples, network_steps, uses_floats
from .history import LossHistory
from .limits import check_batch_size, check_learning_rate
from .network import Network, Samples

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


class Trainer:
    """Gradient descent on a network, batch after batch, recording the loss.

    Step k (0-based, counted from the trainer's start) trains on the samples
    kB, kB+1, …, kB+B−1 (mod n). The loss recorded for step k is the batch-mean
    cost before that step's update. The steps are :mod:`fast_step`'s: Python
    floats for small batches of small networks, numpy above.
    """

    def __init__(self, network: Network, samples: Samples, lr: float,
                 batch_size: int | None = None, history: LossHistory | None = None,
                 steps_done: int = 0) -> None:
        network.check_samples(samples)
        self.lr = check_learning_rate(lr)
        self.batch_size = check_batch_size(batch_size, len(samples))
        self.history = history if history is not None else LossHistory()
        self.steps_done = steps_done
        """Steps taken so far; the next step uses batch ``steps_done``."""
        self.divergence: Divergence | None = None
        """Set when a step would have left finite numbers; training then refuses to go on."""
        self.samples = samples
        self._network = network
        self._w = np.array(network.flat_w)
        self._b = np.array(network.flat_b)
        self._floats: FloatSamples | None = None

    @property
    def network(self) -> Network:
        """The network with the current parameters."""
        return self._network.with_params(self._w.copy(), self._b.copy())

    def mean_cost(self) -> float:
        """The mean cost over all samples with the current parameters."""
        return self.network.forward(self.samples).mean_cost

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

    def _steps(self, steps: int) -> tuple[np.ndarray, str | None]:
        """``steps`` steps from ``steps_done`` on: the losses of those taken and, if it
        stopped early, what would not have been finite. The same numbers as repeated
        plain steps."""
        net, size = self._network, self.batch_size
        if self._floats is None and uses_floats(net.shape, net.activation, net.cost, size):
            self._floats = float_samples(self.samples.x, self.samples.y)
        self._w, self._b, losses, what = network_steps(
            net.shape, net.activation, net.cost, self._w, self._b, self.samples.x,
            self.samples.y, size, self.lr, self.steps_done, steps, self._floats)
        return losses, what
