"""Training: many gradient-descent steps on mini-batches, with the loss history.

The hot loop below computes what ``Chain.forward``, ``ForwardPass.backward``
and ``Chain.step`` compute, without keeping every factor: the same products,
on preallocated arrays, with no per-sample Python loop; only the order of the
additions in the batch sums differs. It stops where the full-factor path would
refuse a number (z, the cost or an updated parameter not finite), keeping the
last finite parameters. Tests check it against repeated full-factor steps, and
``benchmarks/train_step.py`` measures it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .chain import Chain, Samples, batch_indices
from .errors import ModelError
from .history import LossHistory

_PIECE = 4096
"""Steps per call of the hot loop within one :meth:`Trainer.run`."""

_BLAS_MAX = 8192
"""Largest per-sample gradient array (2·layers·batch numbers) summed through BLAS."""


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
        done = 0
        divergence = None
        while done < steps and divergence is None:
            # In pieces, so that a run of millions of steps holds no more than
            # one piece of losses before they go into the bounded history.
            losses, divergence = self._steps(min(steps - done, _PIECE))
            done += losses.size
            self.steps_done += losses.size
            self.history.extend(losses)
        self.divergence = divergence
        return RunResult(done, divergence)

    def _steps(self, steps: int) -> tuple[np.ndarray, Divergence | None]:
        """The hot loop: ``steps`` steps from ``steps_done`` on; the losses of those taken.

        Per step this is one forward pass layer by layer into preallocated rows,
        the activation's derivative for all layers in one call, the backward
        recursion ∂C/∂a(l−1) = ∂C/∂a(l)·g'(z(l))·w(l) into rows, and then every
        batch gradient at once: the rows of ∂C/∂b = ∂C/∂a·g' and of
        ∂C/∂w = ∂C/∂b·a(l−1) summed over the samples by one matrix-vector product.
        The numbers are those of the full-factor path (only the order of the
        additions in the sums may differ).
        """
        act_f, act_d = self._activation.forward, self._activation.derivative
        cost_f, cost_g = self._cost.value, self._cost.gradient
        layers = self._w.size
        x_all, y_all = self.samples.x, self.samples.y
        n, size = x_all.size, self.batch_size
        isfinite = math.isfinite
        dot = np.dot
        einsum = np.einsum
        multiply = np.multiply
        add = np.add

        params = np.concatenate((self._w, self._b))  # w(1..N), then b(1..N)
        # 0-d views of the parameters: they follow every in-place update, and
        # numpy multiplies an array by a 0-d array faster than by a float.
        w = [params[l, ...] for l in range(layers)]
        b = [params[layers + l, ...] for l in range(layers)]
        z_buf = np.empty((layers, size))  # z(l), one row per layer
        z_rows = list(z_buf)
        z_flat = z_buf.reshape(-1)
        zeros = np.zeros(z_flat.size)  # dot(z, zeros) is 0, or NaN when some z is ±inf
        a_buf = np.empty((layers + 1, size))  # row 0: x; row l: a(l)
        a_rows = list(a_buf)
        a_prev = a_buf[:layers]
        a_out = a_buf[1:]
        g_buf = np.empty((2 * layers, size))  # rows ∂C/∂w(l) per sample, then ∂C/∂b(l)
        dw_buf = g_buf[:layers]
        db_buf = g_buf[layers:]
        db_rows = list(db_buf)
        # Sums as BLAS dot products only while BLAS does them on one thread: on
        # longer vectors it wakes threads, which on a busy machine costs far
        # more than the sum (numpy's own loops then, through einsum).
        blas = g_buf.size <= _BLAS_MAX
        mean_of = np.full(size, 1.0 / size)  # dot(v, mean_of) = (1/B) Σ v
        lr = np.array(self.lr)  # 0-d, as the parameters
        # Per layer, input to output: z row, w, b, a row.
        forward = tuple(zip(z_rows, w, b, a_rows[1:]))
        # Layers N−1 … 1: ∂C/∂b row of the layer, w of the layer above, g' row.
        # (Layer 1 hands down no ∂C/∂x.)
        backward = tuple(zip(db_rows[-2::-1], w[:0:-1]))
        top_db = db_rows[-1]  # ∂C/∂b(N) = ∂C/∂z(N)
        z_top = z_rows[-1]
        cancel = self._cost.cancels(self._activation)
        cancel_dz = cancel.dC_dz if cancel is not None else None
        whole = size == n
        if whole:
            a_rows[0][...] = x_all
            y = y_all
        losses = np.empty(steps)
        done = 0
        divergence = None
        with np.errstate(all="ignore"):
            for k in range(self.steps_done, self.steps_done + steps):
                if not whole:
                    start = k * size % n
                    if start + size <= n:
                        a_rows[0][...] = x_all[start : start + size]
                        y = y_all[start : start + size]
                    else:
                        idx = batch_indices(k, size, n)
                        np.take(x_all, idx, out=a_rows[0])
                        y = y_all[idx]
                a = a_rows[0]
                for z, wl, bl, a_row in forward:
                    multiply(a, wl, out=z)
                    add(z, bl, out=z)
                    a = act_f(z)
                    a_row[...] = a
                if not (isfinite(dot(z_flat, zeros)) if blas else np.isfinite(z_buf).all()):
                    divergence = Divergence(k + 1, "z")
                    break
                cost = cost_f(a, y, z_top)
                loss = float(dot(cost, mean_of) if blas else einsum("i,i", cost, mean_of))
                if not isfinite(loss):
                    divergence = Divergence(k + 1, "the cost")
                    break
                da_dz = act_d(z_buf, a_out)[::-1]  # rows: layer N first
                if cancel_dz is None:
                    multiply(cost_g(a, y, z_top), da_dz[0], out=top_db)  # ∂C/∂a(N)·g'
                else:
                    top_db[...] = cancel_dz(a, y, z_top)  # g' cancels: ∂C/∂z(N) directly
                delta = top_db
                for (below, wl), da_dz_l in zip(backward, da_dz[1:]):
                    upstream = delta * wl  # ∂C/∂a(l) = ∂C/∂z(l+1)·w(l+1)
                    multiply(upstream, da_dz_l, out=below)  # ∂C/∂b(l)
                    delta = below
                multiply(db_buf, a_prev, out=dw_buf)  # ∂C/∂w(l)
                # The batch means ∂C/∂w, ∂C/∂b, then w − η·∂C/∂w, b − η·∂C/∂b, as the
                # full path does (η times each sample first could overflow).
                mean = dot(g_buf, mean_of) if blas else einsum("ij,j", g_buf, mean_of)
                multiply(mean, lr, out=mean)
                new = params - mean
                if not all(map(isfinite, new.tolist())):
                    divergence = Divergence(k + 1, "the updated parameters")
                    break
                params[...] = new
                losses[done] = loss
                done += 1
        self._w[:] = params[:layers]
        self._b[:] = params[layers:]
        return losses[:done], divergence

    def mean_cost(self) -> float:
        """The mean cost over all samples with the current parameters."""
        return self.chain.forward(self.samples).mean_cost
