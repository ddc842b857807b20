"""Training: many gradient-descent steps on mini-batches, with the loss history.

The hot loop below does exactly what ``Chain.forward``, ``ForwardPass.backward``
and ``Chain.step`` do, without keeping every factor: the same arithmetic in the
same order, on preallocated arrays, with no per-sample Python loop. Tests check
that it equals repeated steps of the full-factor path.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import numpy as np

from .chain import Chain, Samples, batch_indices
from .errors import ModelError
from .history import LossHistory


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


def check_learning_rate(lr: float) -> float:
    """η as a float, refusing NaN and ±inf."""
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ModelError("learning rate: not a number") from None
    if not math.isfinite(value):
        raise ModelError(f"learning rate: {value!r} is not a finite number")
    return value


def check_batch_size(batch_size: int | None, n: int) -> int:
    """The batch size B (all n samples when None), refusing B < 1 and B > n."""
    if batch_size is None:
        return n
    if isinstance(batch_size, bool) or int(batch_size) != batch_size:
        raise ModelError(f"batch size: {batch_size!r} is not a whole number")
    size = int(batch_size)
    if size < 1:
        raise ModelError(f"batch size: {size} is less than 1")
    if size > n:
        raise ModelError(f"batch size: {size} is more than the {n} sample{'s' * (n != 1)}")
    return size


class Trainer:
    """Runs gradient descent on a chain, batch after batch, recording the loss.

    Step k (0-based, counted from the trainer's start) trains on the samples
    kB, kB+1, …, kB+B−1 (mod n). The loss recorded for step k is the batch-mean
    cost before that step's update.
    """

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
        self.samples = samples
        self.lr = check_learning_rate(lr)
        self.batch_size = check_batch_size(batch_size, len(samples))
        self.history = history if history is not None else LossHistory()
        self.steps_done = steps_done
        """Steps taken so far; the next step uses batch ``steps_done``."""
        self.divergence: Divergence | None = None
        """Set when a step would have left finite numbers; training then refuses to go on."""
        self._activation = chain.activation
        self._cost = chain.cost
        self._w = np.array(chain.w)
        self._b = np.array(chain.b)

    @property
    def chain(self) -> Chain:
        """The chain with the current parameters."""
        return Chain(self._w.copy(), self._b.copy(), self._activation, self._cost)

    def run(self, steps: int) -> RunResult:
        """Take up to ``steps`` steps; stop before the first one that would diverge."""
        if steps < 0:
            raise ModelError("steps: must not be negative")
        if self.divergence is not None or steps == 0:
            return RunResult(0, self.divergence)
        act_f, act_d = self._activation.forward, self._activation.derivative
        cost_f, cost_g = self._cost.value, self._cost.gradient
        w, b, lr = self._w, self._b, self.lr
        layers = w.size
        x_all, y_all = self.samples.x, self.samples.y
        n, size = x_all.size, self.batch_size
        inv = 1.0 / size
        losses = np.empty(steps)
        gw = np.empty(layers)
        gb = np.empty(layers)
        a = [None] * (layers + 1)
        z = [None] * layers
        isfinite = np.isfinite
        done = 0
        divergence = None
        with np.errstate(all="ignore"):
            for k in range(self.steps_done, self.steps_done + steps):
                if size == n:
                    x, y = x_all, y_all
                else:
                    start = k * size % n
                    if start + size <= n:
                        x, y = x_all[start : start + size], y_all[start : start + size]
                    else:
                        idx = batch_indices(k, size, n)
                        x, y = x_all[idx], y_all[idx]
                a[0] = x
                for l in range(layers):
                    z[l] = w[l] * a[l] + b[l]
                    a[l + 1] = act_f(z[l])
                loss = cost_f(a[layers], y, z[layers - 1]).mean()
                upstream = cost_g(a[layers], y, z[layers - 1])
                for l in range(layers - 1, -1, -1):
                    delta = upstream * act_d(z[l], a[l + 1])
                    gw[l] = np.dot(delta, a[l]) * inv
                    gb[l] = delta.sum() * inv
                    upstream = delta * w[l]
                new_w = w - lr * gw
                new_b = b - lr * gb
                if not (isfinite(loss) and isfinite(new_w).all() and isfinite(new_b).all()):
                    what = "the cost" if not isfinite(loss) else "the updated parameters"
                    divergence = Divergence(k + 1, what)
                    break
                w[:] = new_w
                b[:] = new_b
                losses[done] = loss
                done += 1
        self.steps_done += done
        self.history.extend(losses[:done])
        self.divergence = divergence
        return RunResult(done, divergence)

    def mean_cost(self) -> float:
        """The mean cost over all samples with the current parameters."""
        return self.chain.forward(self.samples).mean_cost
