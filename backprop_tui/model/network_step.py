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

import math

import numpy as np

from .arrays import batch_indices
from .fast_step import (
    HAND_OVER,
    LONG_ROWS,
    FloatSamples,
    SigmoidScratch,
    Steps,
    can_use_floats,
    float_samples,
    loop_steps,
)
from .functions import SIGMOID, Activation, Cost

FLOAT_WORK_PER_LAYER = 200
"""Batches train on Python floats while batch size × parameters is at most this
many per layer, larger ones with numpy. The float loop's time grows with batch
size × parameters (about 0.05 µs each), a numpy step's with the layers (about
10 µs each, whatever the batch): at shape 2,2,1 the floats are the faster up to
about 50 samples, at ten layers of four up to about 8."""


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


def _layers(shape: Shape, params: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Views of flat parameters (every weight, then every bias): (N_l, N_(l−1))
    weights and (N_l,) biases per layer."""
    ws, bs, at = [], [], 0
    for l in range(1, len(shape)):
        ws.append(params[at:at + shape[l] * shape[l - 1]].reshape(shape[l], shape[l - 1]))
        at += shape[l] * shape[l - 1]
    for l in range(1, len(shape)):
        bs.append(params[at:at + shape[l]])
        at += shape[l]
    return ws, bs


def numpy_network_steps(shape: Shape, activation: Activation, cost: Cost, w: np.ndarray,
                        b: np.ndarray, xs: np.ndarray, ys: np.ndarray, size: int, lr: float,
                        k0: int, steps: int) -> Steps:
    """``steps`` steps from step ``k0`` with numpy, on the rows of the batch.

    The same numbers as :meth:`Network.step` on the traced batch, with
    δ(l) = (δ(l+1)·W(l+1)) ⊙ g'(z(l)) for the sums over j. Every gradient goes
    into one flat array, updated and checked at once.
    """
    params = np.concatenate((w, b)).astype(np.float64)  # every weight, then every bias
    ws, bs = _layers(shape, params)
    grad = np.empty_like(params)
    gws, gbs = _layers(shape, grad)
    wts = [wl.T for wl in ws]
    forward = activation.forward_and_derivative
    cancellation = cost.cancels(activation)
    layers = len(ws)
    losses = np.empty(steps)
    n = xs.shape[0]
    x, y = xs, ys
    zeros = [np.zeros(size * width) for width in shape[1:]]  # z·0 is 0, or NaN if z is ±inf
    never = np.zeros(params.size)
    dot, isfinite = np.dot, math.isfinite
    # The sigmoid into arrays allocated once on long batches (fewer passes over
    # them, the same numbers: fast_step.SigmoidScratch), by its rule on short ones.
    kernels = None
    if activation is SIGMOID and size >= LONG_ROWS:
        kernels = [(SigmoidScratch((size, width)), np.empty((size, width)),
                    np.empty((size, width))) for width in shape[1:]]
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
            for l, (wt, bl) in enumerate(zip(wts, bs)):
                z = a @ wt
                z += bl
                if kernels is None:
                    a, prime = forward(z)
                else:
                    scratch, a_out, d_out = kernels[l]
                    a, prime = scratch.rows(z, a_out, d_out)
                zs.append(z)
                as_.append(a)
                primes.append(prime)
            if not all(isfinite(dot(z.reshape(-1), zero)) for z, zero in zip(zs, zeros)):
                return params[:w.size].copy(), params[w.size:].copy(), losses[:s], "z"
            c = float(cost.value(a, y, z).sum(axis=1).mean())
            if not isfinite(c):
                return params[:w.size].copy(), params[w.size:].copy(), losses[:s], "the cost"
            upstream = cost.gradient(a, y, z) if cancellation is None else None
            for l in range(layers - 1, -1, -1):
                if upstream is None:
                    assert cancellation is not None
                    delta = cancellation.dC_dz(as_[l], y, zs[l])
                else:
                    delta = upstream * primes[l]
                np.matmul(delta.T, x if l == 0 else as_[l - 1], out=gws[l])
                np.sum(delta, axis=0, out=gbs[l])
                if l:
                    upstream = delta @ ws[l]
            grad /= size  # the batch means, then η times them, as the plain step
            grad *= lr
            new = params - grad
            if not isfinite(dot(new, never)):
                return (params[:w.size].copy(), params[w.size:].copy(), losses[:s],
                        "the updated parameters")
            params[...] = new
            losses[s] = c
    return params[:w.size].copy(), params[w.size:].copy(), losses, None
