"""A chain of one-neuron layers: parameters, the forward pass and the backward pass.

Layers are numbered 1..N inside the program (array index 0..N−1): layer 1 is the
first neuron after the input, layer N the output. The screen shows the lecture
note's labels instead, (L) for the output, (L−1), … (see ``formulas``).

For a batch of n samples every per-sample quantity is an array of shape (n, N):
row k is sample k, column l is layer l+1. Nothing loops over samples in Python.

Forward, with a(0) = x::

    z(l) = w(l)·a(l−1) + b(l)        a(l) = g(z(l))        C = cost(a(N), y)

Backward, from the output down, every chain-rule factor kept by name::

    ∂C/∂a(N)      = cost'(a(N), y)
    ∂a(l)/∂z(l)   = g'(z(l))
    ∂z(l)/∂w(l)   = a(l−1)
    ∂z(l)/∂b(l)   = 1
    ∂z(l)/∂a(l−1) = w(l)
    ∂C/∂w(l)      = ∂C/∂a(l) · ∂a(l)/∂z(l) · ∂z(l)/∂w(l)
    ∂C/∂b(l)      = ∂C/∂a(l) · ∂a(l)/∂z(l) · 1
    ∂C/∂a(l−1)    = ∂C/∂a(l) · ∂a(l)/∂z(l) · ∂z(l)/∂a(l−1)   (→ ∂C/∂a of layer l−1)

∂C/∂z(l) = ∂C/∂a(l)·∂a(l)/∂z(l) is kept too. Where the cost cancels the output's
derivative (cross-entropy after a sigmoid: ∂C/∂z(N) = a(N) − y), the output's
∂C/∂z is computed from the simplified form, and the gradients from it.

The batch gradient is the mean of the per-sample gradients.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .arrays import as_finite_vector, batch_indices, check_finite
from .errors import ModelError
from .functions import SIGMOID, SQUARED_ERROR, Activation, Cancellation, Cost
from .limits import MAX_LAYERS

FACTOR_NAMES: tuple[str, ...] = (
    "dC_da",
    "da_dz",
    "dz_dw",
    "dz_db",
    "dz_da_prev",
    "dC_dw",
    "dC_db",
    "dC_da_prev",
)
"""The names of the chain-rule factors, per sample and layer, in display order."""


@dataclass(frozen=True)
class Samples:
    """The data: inputs x and targets y, one pair per sample (never trained)."""

    x: np.ndarray
    y: np.ndarray

    def __init__(self, x: Iterable[float] | np.ndarray, y: Iterable[float] | np.ndarray):
        xs = as_finite_vector(x, "x")
        ys = as_finite_vector(y, "y")
        if xs.shape != ys.shape:
            raise ModelError(
                f"x has {xs.size} value{'s' * (xs.size != 1)} but y has {ys.size}: "
                "give one target per input"
            )
        object.__setattr__(self, "x", xs)
        object.__setattr__(self, "y", ys)

    def __len__(self) -> int:
        return int(self.x.size)

    def batch(self, step: int, size: int) -> Samples:
        """The samples step ``step`` trains on: kB, kB+1, …, kB+B−1 (mod n)."""
        idx = batch_indices(step, size, len(self))
        return Samples(self.x[idx], self.y[idx])


@dataclass(frozen=True, eq=False)
class Chain:
    """The parameters of a chain of N one-neuron layers, with its activation and cost.

    Immutable: a step returns a new chain. ``w[l]``, ``b[l]`` belong to layer l+1.
    """

    w: np.ndarray
    b: np.ndarray
    activation: Activation = SIGMOID
    cost: Cost = SQUARED_ERROR

    def __init__(self, w: Iterable[float] | np.ndarray, b: Iterable[float] | np.ndarray,
                 activation: Activation = SIGMOID, cost: Cost = SQUARED_ERROR) -> None:
        weights = as_finite_vector(w, "w")
        biases = as_finite_vector(b, "b")
        if weights.shape != biases.shape:
            raise ModelError(
                f"w has {weights.size} value{'s' * (weights.size != 1)} but b has "
                f"{biases.size}: give one bias per weight (one of each per layer)"
            )
        if weights.size > MAX_LAYERS:
            raise ModelError(f"w: {weights.size} layers, but a chain has at most {MAX_LAYERS}")
        cost.check_activation(activation)
        object.__setattr__(self, "w", weights)
        object.__setattr__(self, "b", biases)
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "cost", cost)

    @property
    def cancellation(self) -> Cancellation | None:
        """How the cost cancels the output activation's derivative, if it does."""
        return self.cost.cancels(self.activation)

    @property
    def layers(self) -> int:
        """N, the number of neurons (layers)."""
        return int(self.w.size)

    def with_params(self, w: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> Chain:
        """The same chain with other parameters."""
        return Chain(np.asarray(w), np.asarray(b), self.activation, self.cost)

    def forward(self, samples: Samples) -> ForwardPass:
        """z, a of every layer and the cost, for every sample at once."""
        self.cost.check_targets(samples.y)
        zs, as_, costs = forward_sets(self.w[np.newaxis], self.b[np.newaxis], samples.x,
                                      self.activation, self.cost, samples.y)
        assert costs is not None
        z, a, cost = zs[0], as_[0], costs[0]
        check_finite("z", z)
        check_finite("the cost C", cost)
        for arr in (z, a, cost):
            arr.flags.writeable = False
        return ForwardPass(self, samples, z, a, cost)

    def step(self, gradients: BackwardPass, lr: float) -> Chain:
        """Gradient descent: every parameter moves by −η·(batch-mean gradient).

        All gradients were computed before any parameter moved.
        """
        with np.errstate(all="ignore"):
            w = self.w - lr * gradients.mean_dC_dw
            b = self.b - lr * gradients.mean_dC_db
        check_finite("the updated parameters", w, b)
        return self.with_params(w, b)


@dataclass(frozen=True, eq=False)
class ForwardPass:
    """The result of a forward pass over a batch. Arrays are (n, N) unless noted."""

    chain: Chain
    samples: Samples
    z: np.ndarray
    """z(l) = w(l)·a(l−1) + b(l) per sample and layer."""
    a: np.ndarray
    """a(l) = g(z(l)) per sample and layer (x excluded)."""
    cost: np.ndarray
    """C per sample, shape (n,)."""

    @property
    def mean_cost(self) -> float:
        """The batch-mean cost (1/n) Σ C_k."""
        return float(self.cost.mean())

    @property
    def a_prev(self) -> np.ndarray:
        """a(l−1) per sample and layer: column 0 is x."""
        return np.column_stack((self.samples.x, self.a[:, :-1]))

    def backward(self) -> BackwardPass:
        """Every chain-rule factor, per sample and layer, and the batch gradient."""
        chain = self.chain
        n, layers = self.a.shape
        shape = (n, layers)
        factors = {name: np.empty(shape) for name in FACTOR_NAMES}
        dC_dz = np.empty(shape)
        a_prev = self.a_prev
        a_out, y, z_out = self.a[:, -1], self.samples.y, self.z[:, -1]
        cancellation = chain.cancellation
        with np.errstate(all="ignore"):
            upstream = chain.cost.gradient(a_out, y, z_out)
            for l in range(layers - 1, -1, -1):
                da_dz = chain.activation.derivative(self.z[:, l], self.a[:, l])
                if l == layers - 1 and cancellation is not None:
                    delta = cancellation.dC_dz(a_out, y, z_out)
                else:
                    delta = upstream * da_dz
                dC_dz[:, l] = delta
                factors["dC_da"][:, l] = upstream
                factors["da_dz"][:, l] = da_dz
                factors["dz_dw"][:, l] = a_prev[:, l]
                factors["dz_db"][:, l] = 1.0
                factors["dz_da_prev"][:, l] = chain.w[l]
                factors["dC_dw"][:, l] = delta * a_prev[:, l]
                factors["dC_db"][:, l] = delta
                upstream = delta * chain.w[l]
                factors["dC_da_prev"][:, l] = upstream
        factors["dC_dz"] = dC_dz
        for name, arr in factors.items():
            check_finite(name, arr)
            arr.flags.writeable = False
        return BackwardPass(forward=self, **factors)


@dataclass(frozen=True, eq=False)
class BackwardPass:
    """Every chain-rule factor of a backward pass, each (n, N): sample k, layer l+1."""

    forward: ForwardPass
    dC_da: np.ndarray
    """∂C/∂a(l): the cost's derivative at the output, else ∂C/∂a(l) handed down."""
    da_dz: np.ndarray
    """∂a(l)/∂z(l) = g'(z(l))."""
    dz_dw: np.ndarray
    """∂z(l)/∂w(l) = a(l−1)."""
    dz_db: np.ndarray
    """∂z(l)/∂b(l) = 1."""
    dz_da_prev: np.ndarray
    """∂z(l)/∂a(l−1) = w(l)."""
    dC_dw: np.ndarray
    """∂C/∂w(l) = ∂C/∂a(l) · ∂a(l)/∂z(l) · ∂z(l)/∂w(l)."""
    dC_db: np.ndarray
    """∂C/∂b(l) = ∂C/∂a(l) · ∂a(l)/∂z(l) · 1."""
    dC_da_prev: np.ndarray
    """∂C/∂a(l−1) = ∂C/∂a(l) · ∂a(l)/∂z(l) · w(l); for layer 1 it is ∂C/∂x."""
    dC_dz: np.ndarray
    """∂C/∂z(l) = ∂C/∂a(l) · ∂a(l)/∂z(l); at the output a(N) − y where the cost
    cancels the activation's derivative (cross-entropy after a sigmoid)."""
    mean_dC_dw: np.ndarray = field(init=False)
    """The batch gradient ∂C/∂w(l) = (1/n) Σ_k ∂C_k/∂w(l), shape (N,)."""
    mean_dC_db: np.ndarray = field(init=False)
    """The batch gradient ∂C/∂b(l), shape (N,)."""

    def __post_init__(self) -> None:
        for name in ("dC_dw", "dC_db"):
            mean = getattr(self, name).mean(axis=0)
            mean.flags.writeable = False
            object.__setattr__(self, "mean_" + name, mean)

    @property
    def prime_product(self) -> np.ndarray:
        """The running product of the activation derivatives from the output down, (n, N).

        Column l−1 holds ∂a(N)/∂z(N)·∂a(N−1)/∂z(N−1)·…·∂a(l)/∂z(l): the k = N−l+1
        factors a gradient passes on its way from the output to layer l. With a
        sigmoid every factor is at most 1/4, so the product is at most 4^(−k).
        """
        product = np.cumprod(self.da_dz[:, ::-1], axis=1)[:, ::-1]
        product.flags.writeable = False
        return product

    @property
    def mean_prime_product(self) -> np.ndarray:
        """:attr:`prime_product` averaged over the batch, shape (N,)."""
        return self.prime_product.mean(axis=0)

    @property
    def abs_mean_dC_dw(self) -> np.ndarray:
        """|∂C/∂w(l)| of the batch gradient, per layer, shape (N,)."""
        return np.abs(self.mean_dC_dw)

    def prime_bound(self) -> np.ndarray:
        """(max g')^k per layer, shape (N,): the bound on :attr:`prime_product` (4^(−k) for σ)."""
        layers = self.dC_dw.shape[1]
        k = np.arange(layers, 0, -1, dtype=np.float64)
        return self.forward.chain.activation.derivative_max ** k

    def factor(self, name: str) -> np.ndarray:
        """The factor called ``name`` (one of :data:`FACTOR_NAMES`)."""
        if name not in FACTOR_NAMES:
            raise KeyError(name)
        return getattr(self, name)


def forward_sets(
    w: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    activation: Activation,
    cost: Cost | None = None,
    y: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The forward pass of P parameter sets over the same n inputs, all at once.

    ``w`` and ``b`` are (P, N): row p is one chain's parameters. ``x`` is (n,).
    Returns z and a, each (P, n, N) (set p, sample k, layer l+1), and, given a
    cost and the targets ``y`` (n,), the cost C per set and sample, (P, n); else
    None. Nothing is checked for finiteness: each caller refuses what it must.
    This is the one forward pass of the model: :meth:`Chain.forward` (P = 1),
    the nudge check, the cost over one parameter and the fit all run it.
    """
    sets, layers = w.shape
    n = x.shape[0]
    z = np.empty((sets, n, layers))
    a = np.empty((sets, n, layers))
    a_prev = x
    with np.errstate(all="ignore"):
        for l in range(layers):
            z[:, :, l] = w[:, l, np.newaxis] * a_prev + b[:, l, np.newaxis]
            a[:, :, l] = activation.forward(z[:, :, l])
            a_prev = a[:, :, l]
        c = None if cost is None or y is None else cost.value(a[:, :, -1], y, z[:, :, -1])
    return z, a, c


def trace(chain: Chain, samples: Samples) -> BackwardPass:
    """Forward then backward: the whole trace of one batch."""
    return chain.forward(samples).backward()
