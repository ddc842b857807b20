"""Layers with several neurons: the second half of the lesson, written with its indices.

A network of shape N0, N1, …, NL has N0 inputs and N_l neurons in layer l
(l = 1..L, the output layer L). Neuron j of layer l has one weight w_jk(l) for
each neuron k of layer l−1 and one bias b_j(l). Layers are numbered 1..L as in
:mod:`chain`; in arrays, layer l is index l−1. A width-1 network (every N_l = 1)
is the chain, and gives the chain's numbers.

Forward, with a(0) = x (n samples at once, a(l) of shape (n, N_l))::

    z_j(l) = Σ_k w_jk(l)·a_k(l−1) + b_j(l)        a_j(l) = g(z_j(l))
    C      = Σ_j cost(a_j(L), y_j)                (summed over the outputs)

Backward, every factor kept by name and index, per sample::

    ∂C/∂a_j(L)     = cost'(a_j(L), y_j)
    ∂a_j(l)/∂z_j(l) = g'(z_j(l))
    ∂C/∂z_j(l)     = ∂C/∂a_j(l)·g'(z_j(l))            (δ_j(l); a_j(L) − y_j where the
                                                       cost cancels g', as in the chain)
    ∂C/∂w_jk(l)    = ∂C/∂z_j(l)·a_k(l−1)
    ∂C/∂b_j(l)     = ∂C/∂z_j(l)·1
    ∂C/∂a_k(l−1)   = Σ_j w_jk(l)·g'(z_j(l))·∂C/∂a_j(l)   (one term per neuron j of layer l)

The one new idea over the chain is that sum: a neuron of layer l−1 feeds every
neuron of layer l, so its ∂C/∂a gathers one term from each. The terms are kept
(``dC_da_prev_terms``) and ``dC_da_prev`` is their sum, added left to right.

The batch gradient is the mean of the per-sample gradients, as in the chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import defaults
from .arrays import as_finite_vector, batch_indices, check_finite
from .errors import ModelError
from .fast_step import FloatSamples, float_samples
from .functions import SIGMOID, SQUARED_ERROR, Activation, Cancellation, Cost
from .history import LossHistory
from .limits import Shape, check_shape, plural
from .network_step import network_steps, uses_floats
from .trainer import Training


def shape_text(shape: Sequence[int]) -> str:
    """``2,2,1``: a shape as the command line writes it."""
    return ",".join(str(n) for n in shape)


def weight_count(shape: Shape) -> int:
    """How many weights a network of ``shape`` has: Σ_l N_l·N_(l−1)."""
    return sum(shape[l] * shape[l - 1] for l in range(1, len(shape)))


def bias_count(shape: Shape) -> int:
    """How many biases a network of ``shape`` has: Σ_l N_l."""
    return sum(shape[1:])


def _count_text(shape: Shape, name: str) -> str:
    """``6 weights (2·2 + 1·2)``: how many values of ``name`` the shape needs, and why."""
    if name == "weight":
        parts = [f"{shape[l]}·{shape[l - 1]}" for l in range(1, len(shape))]
        total = weight_count(shape)
    else:
        parts = [str(n) for n in shape[1:]]
        total = bias_count(shape)
    why = f" ({' + '.join(parts)})" if len(parts) > 1 or name == "weight" else ""
    return f"{plural(total, name)}{why}"


def split_weights(shape: Shape, values: Iterable[float] | np.ndarray,
                  name: str = "w") -> tuple[np.ndarray, ...]:
    """Flat weights (layer by layer, row j by row j, k along a row) as one (N_l, N_(l−1))
    array per layer, refusing the wrong count with how many were expected."""
    flat = as_finite_vector(values, name)
    if flat.size != weight_count(shape):
        raise ModelError(f"{name}: shape {shape_text(shape)} needs "
                         f"{_count_text(shape, 'weight')}, got {flat.size}")
    out, at = [], 0
    for l in range(1, len(shape)):
        size = shape[l] * shape[l - 1]
        out.append(_frozen(flat[at:at + size].reshape(shape[l], shape[l - 1])))
        at += size
    return tuple(out)


def split_biases(shape: Shape, values: Iterable[float] | np.ndarray,
                 name: str = "b") -> tuple[np.ndarray, ...]:
    """Flat biases (layer by layer) as one (N_l,) array per layer; the wrong count is refused."""
    flat = as_finite_vector(values, name)
    if flat.size != bias_count(shape):
        raise ModelError(f"{name}: shape {shape_text(shape)} needs "
                         f"{_count_text(shape, 'bias').replace('biass', 'biases')}, "
                         f"got {flat.size}")
    out, at = [], 0
    for n in shape[1:]:
        out.append(_frozen(flat[at:at + n].copy()))
        at += n
    return tuple(out)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, dtype=np.float64)
    arr.flags.writeable = False
    return arr


def _as_rows(values: Iterable[Iterable[float]] | np.ndarray, width: int, name: str,
             what: str) -> np.ndarray:
    """Samples as an (n, width) array: rows of ``width`` numbers, or a flat list when width = 1."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: not a list of numbers (each sample needs {what})") from None
    if arr.ndim == 1 and width == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != width:
        got = arr.shape[1] if arr.ndim == 2 else "not" if arr.ndim != 1 else 1
        raise ModelError(f"{name}: each sample needs {what}, got {got}")
    if arr.shape[0] == 0:
        raise ModelError(f"{name}: the list is empty")
    as_finite_vector(arr.ravel(), name)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class NetworkSamples:
    """The data: n samples, each with N0 inputs x and NL targets y (never trained)."""

    x: np.ndarray
    """(n, N0)."""
    y: np.ndarray
    """(n, NL)."""

    def __init__(self, x: Iterable[Iterable[float]] | np.ndarray,
                 y: Iterable[Iterable[float]] | np.ndarray, inputs: int = 1,
                 outputs: int = 1) -> None:
        xs = _as_rows(x, inputs, "x", plural(inputs, "input"))
        ys = _as_rows(y, outputs, "y", plural(outputs, "target"))
        if xs.shape[0] != ys.shape[0]:
            raise ModelError(f"x has {plural(xs.shape[0], 'sample')} but y has "
                             f"{ys.shape[0]}: give targets for every sample")
        object.__setattr__(self, "x", xs)
        object.__setattr__(self, "y", ys)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def batch(self, step: int, size: int) -> NetworkSamples:
        """The samples step ``step`` trains on: kB, kB+1, …, kB+B−1 (mod n)."""
        idx = batch_indices(step, size, len(self))
        return NetworkSamples(self.x[idx], self.y[idx], self.x.shape[1], self.y.shape[1])


def xor_samples() -> NetworkSamples:
    """XOR: inputs 00, 01, 10, 11 and targets 0, 1, 1, 0 (for shape 2,…,1)."""
    return NetworkSamples([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                          [[0.0], [1.0], [1.0], [0.0]], inputs=2, outputs=1)


@dataclass(frozen=True, eq=False)
class Network:
    """The parameters of a network of shape N0, N1, …, NL, with its activation and cost.

    Immutable: a step returns a new network. ``w[l]`` (N_(l+1), N_l) and ``b[l]``
    (N_(l+1),) belong to layer l+1; ``w[l][j, k]`` is w_jk(l+1).
    """

    shape: Shape
    w: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    activation: Activation = SIGMOID
    cost: Cost = SQUARED_ERROR

    def __init__(self, shape: Iterable[int], w: Iterable[float] | Sequence[np.ndarray],
                 b: Iterable[float] | Sequence[np.ndarray], activation: Activation = SIGMOID,
                 cost: Cost = SQUARED_ERROR) -> None:
        sizes = check_shape(shape)
        weights = split_weights(sizes, _flatten(w))
        biases = split_biases(sizes, _flatten(b))
        cost.check_activation(activation)
        if cost.cancellation is not None and sizes[-1] != 1:
            raise ModelError(f"{cost.name} takes one sigmoid output, but shape "
                             f"{shape_text(sizes)} has {sizes[-1]} outputs: use "
                             f"{SQUARED_ERROR.name}")
        object.__setattr__(self, "shape", sizes)
        object.__setattr__(self, "w", weights)
        object.__setattr__(self, "b", biases)
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "cost", cost)

    @property
    def layers(self) -> int:
        """L, the number of layers (after the inputs)."""
        return len(self.shape) - 1

    @property
    def inputs(self) -> int:
        return self.shape[0]

    @property
    def outputs(self) -> int:
        return self.shape[-1]

    @property
    def cancellation(self) -> Cancellation | None:
        """How the cost cancels the output activation's derivative, if it does."""
        return self.cost.cancels(self.activation)

    @property
    def flat_w(self) -> np.ndarray:
        """Every weight, layer by layer, row by row (as ``--w`` takes them)."""
        return np.concatenate([w.ravel() for w in self.w])

    @property
    def flat_b(self) -> np.ndarray:
        """Every bias, layer by layer."""
        return np.concatenate(self.b)

    def with_params(self, w: Iterable[float] | Sequence[np.ndarray],
                    b: Iterable[float] | Sequence[np.ndarray]) -> Network:
        """The same network with other parameters."""
        return Network(self.shape, w, b, self.activation, self.cost)

    def samples(self, x: Iterable[Iterable[float]] | np.ndarray,
                y: Iterable[Iterable[float]] | np.ndarray) -> NetworkSamples:
        """Samples shaped for this network's inputs and outputs."""
        return NetworkSamples(x, y, self.inputs, self.outputs)

    def check_samples(self, samples: NetworkSamples) -> None:
        """Refuse samples of the wrong shape, or targets the cost cannot take."""
        if samples.x.shape[1] != self.inputs or samples.y.shape[1] != self.outputs:
            raise ModelError(f"the samples have {samples.x.shape[1]} inputs and "
                             f"{samples.y.shape[1]} targets, but shape "
                             f"{shape_text(self.shape)} takes {self.inputs} and {self.outputs}")
        self.cost.check_targets(samples.y.ravel())

    def forward(self, samples: NetworkSamples) -> NetworkForward:
        """z and a of every neuron and the cost, for every sample at once."""
        self.check_samples(samples)
        zs, as_ = [], []
        a_prev = samples.x
        with np.errstate(all="ignore"):
            for w, b in zip(self.w, self.b):
                z = a_prev @ w.T + b
                a = self.activation.forward(z)
                zs.append(z)
                as_.append(a)
                a_prev = a
            cost = self.cost.value(as_[-1], samples.y, zs[-1]).sum(axis=1)
        for z in zs:
            check_finite("z", z)
        check_finite("the cost C", cost)
        for arr in (*zs, *as_, cost):
            arr.flags.writeable = False
        return NetworkForward(self, samples, tuple(zs), tuple(as_), cost)

    def step(self, gradients: NetworkBackward, lr: float) -> Network:
        """Gradient descent: every w and b moves by −η·(batch-mean gradient)."""
        with np.errstate(all="ignore"):
            w = [w - lr * g for w, g in zip(self.w, gradients.mean_dC_dw)]
            b = [b - lr * g for b, g in zip(self.b, gradients.mean_dC_db)]
        check_finite("the updated parameters", *w, *b)
        return self.with_params(w, b)


def _flatten(values: Iterable[float] | Sequence[np.ndarray]) -> np.ndarray | Iterable[float]:
    """Flat values, or per-layer arrays joined (layer by layer, row by row)."""
    if isinstance(values, (tuple, list)) and values and isinstance(values[0], np.ndarray):
        return np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in values])
    return values  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class NetworkForward:
    """A forward pass over a batch: per layer l (index l−1), arrays (n, N_l)."""

    network: Network
    samples: NetworkSamples
    z: tuple[np.ndarray, ...]
    """z[l][k, j] = z_j(l+1) of sample k."""
    a: tuple[np.ndarray, ...]
    """a[l][k, j] = a_j(l+1) of sample k."""
    cost: np.ndarray
    """C per sample (summed over the outputs), shape (n,)."""

    @property
    def mean_cost(self) -> float:
        return float(self.cost.mean())

    def a_prev(self, l: int) -> np.ndarray:
        """a(l−1) of layer index ``l`` (0-based): x for the first layer, (n, N_(l−1))."""
        return self.samples.x if l == 0 else self.a[l - 1]

    def backward(self) -> NetworkBackward:
        """Every factor, per sample, neuron and layer, and the batch gradient."""
        net = self.network
        L = net.layers
        y = self.samples.y
        dC_da: list[np.ndarray] = [np.empty(0)] * L
        da_dz: list[np.ndarray] = [np.empty(0)] * L
        dC_dz: list[np.ndarray] = [np.empty(0)] * L
        dC_dw: list[np.ndarray] = [np.empty(0)] * L
        dC_db: list[np.ndarray] = [np.empty(0)] * L
        terms: list[np.ndarray] = [np.empty(0)] * L
        dC_da_prev: list[np.ndarray] = [np.empty(0)] * L
        cancellation = net.cancellation
        with np.errstate(all="ignore"):
            upstream = net.cost.gradient(self.a[-1], y, self.z[-1])
            for l in range(L - 1, -1, -1):
                z, a = self.z[l], self.a[l]
                prime = net.activation.derivative(z, a)
                if l == L - 1 and cancellation is not None:
                    delta = cancellation.dC_dz(a, y, z)
                else:
                    delta = upstream * prime
                a_prev = self.a_prev(l)
                dC_da[l], da_dz[l], dC_dz[l] = upstream, prime, delta
                dC_dw[l] = delta[:, :, np.newaxis] * a_prev[:, np.newaxis, :]
                dC_db[l] = delta
                # term [k, j, i] = w_ji·δ_j: neuron j's share of ∂C/∂a_i(l−1)
                term = net.w[l][np.newaxis, :, :] * delta[:, :, np.newaxis]
                total = term[:, 0, :].copy()
                for j in range(1, term.shape[1]):
                    total = total + term[:, j, :]
                terms[l], dC_da_prev[l] = term, total
                upstream = total
        for name, arrays in (("∂C/∂a", dC_da), ("∂a/∂z", da_dz), ("∂C/∂z", dC_dz),
                             ("∂C/∂w", dC_dw), ("∂C/∂b", dC_db), ("∂C/∂a(l−1)", dC_da_prev),
                             ("∂C/∂a(l−1) terms", terms)):
            check_finite(name, *arrays)
            for arr in arrays:
                arr.flags.writeable = False
        return NetworkBackward(self, tuple(dC_da), tuple(da_dz), tuple(dC_dz), tuple(dC_dw),
                               tuple(dC_db), tuple(terms), tuple(dC_da_prev))


@dataclass(frozen=True, eq=False)
class NetworkBackward:
    """Every factor of a backward pass; per layer index l (layer l+1), the first axis the sample."""

    forward: NetworkForward
    dC_da: tuple[np.ndarray, ...]
    """dC_da[l][k, j] = ∂C/∂a_j(l+1): the cost's derivative at the output, else the sum below."""
    da_dz: tuple[np.ndarray, ...]
    """da_dz[l][k, j] = g'(z_j(l+1))."""
    dC_dz: tuple[np.ndarray, ...]
    """dC_dz[l][k, j] = δ_j(l+1) = ∂C/∂a_j·g'(z_j) (a_j − y_j at a cancelling output)."""
    dC_dw: tuple[np.ndarray, ...]
    """dC_dw[l][k, j, i] = ∂C/∂w_ji(l+1) = δ_j·a_i(l)."""
    dC_db: tuple[np.ndarray, ...]
    """dC_db[l][k, j] = ∂C/∂b_j(l+1) = δ_j."""
    dC_da_prev_terms: tuple[np.ndarray, ...]
    """dC_da_prev_terms[l][k, j, i] = w_ji(l+1)·g'(z_j(l+1))·∂C/∂a_j(l+1)."""
    dC_da_prev: tuple[np.ndarray, ...]
    """dC_da_prev[l][k, i] = ∂C/∂a_i(l) = Σ_j of the terms (for the first layer ∂C/∂x_i)."""
    mean_dC_dw: tuple[np.ndarray, ...] = field(init=False)
    """The batch gradient per layer, (N_l, N_(l−1))."""
    mean_dC_db: tuple[np.ndarray, ...] = field(init=False)
    """The batch gradient per layer, (N_l,)."""

    def __post_init__(self) -> None:
        for name in ("dC_dw", "dC_db"):
            means = tuple(arr.mean(axis=0) for arr in getattr(self, name))
            for mean in means:
                mean.flags.writeable = False
            object.__setattr__(self, "mean_" + name, means)

    @property
    def network(self) -> Network:
        return self.forward.network

    def dz_dw(self, l: int) -> np.ndarray:
        """∂z_j(l+1)/∂w_ji(l+1) = a_i(l), (n, N_l), for layer index ``l``."""
        return self.forward.a_prev(l)

    def dz_da_prev(self, l: int) -> np.ndarray:
        """∂z_j(l+1)/∂a_i(l) = w_ji(l+1), (N_(l+1), N_l)."""
        return self.network.w[l]

    @property
    def mean_flat_dC_dw(self) -> np.ndarray:
        """The batch gradient of every weight, in ``flat_w``'s order."""
        return np.concatenate([g.ravel() for g in self.mean_dC_dw])

    @property
    def mean_flat_dC_db(self) -> np.ndarray:
        return np.concatenate(self.mean_dC_db)


def trace_network(network: Network, samples: NetworkSamples) -> NetworkBackward:
    """Forward then backward: the whole trace of one batch."""
    return network.forward(samples).backward()


def mean_cost(network: Network, samples: NetworkSamples) -> float:
    """The batch-mean cost, without keeping the factors; NaN/inf where it would overflow."""
    a = samples.x
    with np.errstate(all="ignore"):
        for w, b in zip(network.w, network.b):
            z = a @ w.T + b
            a = network.activation.forward(z)
        return float(network.cost.value(a, samples.y, z).sum(axis=1).mean())


# -- the nudge check, per weight ------------------------------------------------


@dataclass(frozen=True)
class NetworkCheck:
    """Every parameter nudged by ±ε: numeric batch-mean gradients beside the chain rule's."""

    epsilon: float
    dC_dw: tuple[np.ndarray, ...]
    """(C(w+ε) − C(w−ε)) / 2ε per weight, shaped as the weights."""
    dC_db: tuple[np.ndarray, ...]
    rel_error_w: tuple[np.ndarray, ...]
    rel_error_b: tuple[np.ndarray, ...]

    @property
    def max_rel_error(self) -> float:
        return float(max(max(float(r.max()) for r in self.rel_error_w),
                         max(float(r.max()) for r in self.rel_error_b)))


def check_network_gradients(bp: NetworkBackward, epsilon: float | None = None) -> NetworkCheck:
    """The nudge check (:mod:`check`) of every weight and bias of ``bp``'s network."""
    from .check import EPSILON, relative_difference

    eps = EPSILON if epsilon is None else epsilon
    net, samples = bp.network, bp.forward.samples
    flat_w, flat_b = net.flat_w, net.flat_b

    def numeric(values: np.ndarray, which: str) -> np.ndarray:
        out = np.empty(values.size)
        for i in range(values.size):
            costs = []
            for theta in (values[i] + eps, values[i] - eps):
                moved = values.copy()
                moved[i] = theta
                other = net.with_params(moved, flat_b) if which == "w" else \
                    net.with_params(flat_w, moved)
                costs.append(mean_cost(other, samples))
            out[i] = (costs[0] - costs[1]) / ((values[i] + eps) - (values[i] - eps))
        return out

    dw = split_weights(net.shape, numeric(flat_w, "w"))
    db = split_biases(net.shape, numeric(flat_b, "b"))
    rel_w = tuple(np.asarray(relative_difference(a, n)) for a, n in zip(bp.mean_dC_dw, dw))
    rel_b = tuple(np.asarray(relative_difference(a, n)) for a, n in zip(bp.mean_dC_db, db))
    return NetworkCheck(float(eps), dw, db, rel_w, rel_b)


# -- start values -----------------------------------------------------------------


def random_network(shape: Iterable[int], seed: int = defaults.SEED,
                   activation: Activation = SIGMOID, cost: Cost = SQUARED_ERROR) -> Network:
    """A network of ``shape`` with the reproducible start values of
    :func:`defaults.random_start` (for a width-1 shape, the very same values)."""
    sizes = check_shape(shape)
    w, b = defaults.random_start_counts(weight_count(sizes), bias_count(sizes), seed)
    return Network(sizes, w, b, activation, cost)


# -- training ------------------------------------------------------------------------


class NetworkTrainer(Training):
    """Gradient descent on a network, batch after batch, recording the loss.

    Step k trains on samples kB … kB+B−1 (mod n), as the chain's trainer does;
    the loss recorded for a step is the batch-mean cost before its update. The
    steps are :mod:`network_step`'s: Python floats for small batches of small
    networks, numpy above.
    """

    def __init__(self, network: Network, samples: NetworkSamples, lr: float,
                 batch_size: int | None = None, history: LossHistory | None = None,
                 steps_done: int = 0) -> None:
        network.check_samples(samples)
        super().__init__(samples, lr, batch_size, history, steps_done)
        self.samples = samples
        self._network = network
        self._w = network.flat_w
        self._b = network.flat_b
        self._floats: FloatSamples | None = None

    @property
    def network(self) -> Network:
        """The network with the current parameters."""
        return self._network.with_params(self._w.copy(), self._b.copy())

    def mean_cost(self) -> float:
        return self.network.forward(self.samples).mean_cost

    def _steps(self, steps: int) -> tuple[np.ndarray, str | None]:
        net, size = self._network, self.batch_size
        if self._floats is None and uses_floats(net.shape, net.activation, net.cost, size):
            self._floats = float_samples(self.samples.x, self.samples.y)
        self._w, self._b, losses, what = network_steps(
            net.shape, net.activation, net.cost, self._w, self._b, self.samples.x,
            self.samples.y, size, self.lr, self.steps_done, steps, self._floats)
        return losses, what
