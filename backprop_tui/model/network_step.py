"""Many training steps of a network fast: :meth:`Network.forward`, ``backward`` and
:meth:`Network.step`, without keeping every factor.

As for the chain (:mod:`fast_step`), two ways chosen by the size of the work
(``benchmarks/train_step.py`` measures both against a hand-written numpy loop):

- small batches of small networks, plain Python floats: the loop of
  :func:`fast_step.loop_source`, written for the shape, the activation and the
  cost (every neuron, weight and sum spelled out), compiled once and kept;
- larger ones, numpy: per step the matrix form, z(l) = a(l−1)·W(l)ᵀ + b(l)
  forward and δ(l) = (δ(l+1)·W(l+1)) ⊙ g'(z(l)) backward, on the rows of the batch.

Both take the plain step's operations in the plain step's order (only the
sums over the batch, and the matrix products, may add in another order, and
``exp`` may differ in the last bit between numpy and :mod:`math`). Both stop
where the plain step would refuse a number (z, the cost or an updated parameter
not finite) and keep the last finite parameters; ∂C/∂x, which no step uses, is
not computed. Tests hold both to the plain step (tests/test_network_step.py).
"""

from __future__ import annotations

import numpy as np

from .chain import batch_indices
from .fast_step import HAND_OVER, FloatSamples, Steps, can_use_floats, float_samples, loop_steps
from .functions import Activation, Cost

FLOAT_WORK_PER_LAYER = 300
"""Batches train on Python floats while batch size × parameters is at most this
many per layer, larger ones with numpy. The float loop's time grows with batch
size × parameters (about 0.055 µs each), a numpy step's with the layers (about
15 µs each, whatever the batch): at shape 2,2,1 the floats are the faster up to
64 samples, at ten layers of four up to 8."""

Shape = tuple[int, ...]


def uses_floats(shape: Shape, activation: Activation, cost: Cost, size: int) -> bool:
    """Whether steps of ``size`` samples for ``shape`` run on Python floats."""
    params = sum(shape[l] * (shape[l - 1] + 1) for l in range(1, len(shape)))
    return size * params <= FLOAT_WORK_PER_LAYER * (len(shape) - 1) and can_use_floats(
        activation, cost)


def network_steps(shape: Shape, activation: Activation, cost: Cost, w: np.ndarray,
                  b: np.ndarray, x: np.ndarray, y: np.ndarray, size: int, lr: float, k0: int,
                  steps: int, samples: FloatSamples | None = None) -> Steps:
    """``steps`` steps from step ``k0`` on: (w, b, the losses of the steps taken,
    what would not have been finite or None).

    ``w``, ``b``: every weight and bias, flat (as ``Network.flat_w``, ``flat_b``).
    ``samples``: :func:`fast_step.float_samples` of ``x`` and ``y``, when the
    floats are used (made here when not given).
    """
    if not uses_floats(shape, activation, cost, size):
        return numpy_network_steps(shape, activation, cost, w, b, x, y, size, lr, k0, steps)
    if samples is None:
        samples = float_samples(x, y)
    w, b, losses, what = loop_steps(shape, activation, cost, w, b, samples, size, lr, k0, steps)
    if what != HAND_OVER:
        return w, b, losses, what
    w, b, rest, what = numpy_network_steps(shape, activation, cost, w, b, x, y, size, lr,
                                           k0 + losses.size, steps - losses.size)
    return w, b, np.concatenate((losses, rest)), what


def _layers(shape: Shape, w: np.ndarray, b: np.ndarray) -> tuple[list[np.ndarray],
                                                                  list[np.ndarray]]:
    """Views of flat parameters: (N_l, N_(l−1)) weights and (N_l,) biases per layer."""
    ws, bs, at, bt = [], [], 0, 0
    for l in range(1, len(shape)):
        ws.append(w[at:at + shape[l] * shape[l - 1]].reshape(shape[l], shape[l - 1]))
        bs.append(b[bt:bt + shape[l]])
        at += shape[l] * shape[l - 1]
        bt += shape[l]
    return ws, bs


def numpy_network_steps(shape: Shape, activation: Activation, cost: Cost, w: np.ndarray,
                        b: np.ndarray, xs: np.ndarray, ys: np.ndarray, size: int, lr: float,
                        k0: int, steps: int) -> Steps:
    """``steps`` steps from step ``k0`` with numpy, on the rows of the batch.

    The same numbers as :meth:`Network.step` on the traced batch, with
    δ(l) = (δ(l+1)·W(l+1)) ⊙ g'(z(l)) for the sums over j.
    """
    w, b = np.array(w, dtype=np.float64), np.array(b, dtype=np.float64)
    ws, bs = _layers(shape, w, b)
    forward = activation.forward_and_derivative
    cancellation = cost.cancels(activation)
    layers = len(ws)
    losses = np.empty(steps)
    n = xs.shape[0]
    x, y = xs, ys
    with np.errstate(all="ignore"):
        for s in range(steps):
            if size != n:
                start = (k0 + s) * size % n
                if start + size <= n:
                    x, y = xs[start:start + size], ys[start:start + size]
                else:
                    idx = batch_indices(k0 + s, size, n)
                    x, y = xs[idx], ys[idx]
            zs, as_, primes = [], [], []
            a = x
            for wl, bl in zip(ws, bs):
                z = a @ wl.T + bl
                a, prime = forward(z)
                zs.append(z)
                as_.append(a)
                primes.append(prime)
            if not all(np.isfinite(z).all() for z in zs):
                return w, b, losses[:s], "z"
            c = cost.value(a, y, z).sum(axis=1).mean()
            if not np.isfinite(c):
                return w, b, losses[:s], "the cost"
            new_w, new_b = [], []
            upstream = cost.gradient(a, y, z)
            for l in range(layers - 1, -1, -1):
                if l == layers - 1 and cancellation is not None:
                    delta = cancellation.dC_dz(as_[l], y, zs[l])
                else:
                    delta = upstream * primes[l]
                a_prev = x if l == 0 else as_[l - 1]
                new_w.append(ws[l] - lr * ((delta.T @ a_prev) / size))
                new_b.append(bs[l] - lr * delta.mean(axis=0))
                upstream = delta @ ws[l]
            if not all(np.isfinite(p).all() for p in (*new_w, *new_b)):
                return w, b, losses[:s], "the updated parameters"
            for l in range(layers):
                ws[l][...] = new_w[layers - 1 - l]
                bs[l][...] = new_b[layers - 1 - l]
            losses[s] = c
    return w, b, losses, None
