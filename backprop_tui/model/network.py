"""The model: a network of layers of neurons, its forward pass and its backward pass.

A network of shape N0, N1, …, NL has N0 inputs and N_l neurons in layer l
(l = 1..L, the output layer L). Neuron j of layer l has one weight w_jk(l) for
each neuron k of layer l−1 and one bias b_j(l). Layers are numbered 1..L inside
the program; in arrays, layer l is index l−1. The screen shows the lecture
note's labels instead, (L) for the output, (L−1), … (see ``formulas``).

The chain of the first half of the lesson is the network of width 1 (every
N_l = 1), made by :meth:`Network.chain`; its factors, read with
:meth:`BackwardPass.column`, are the note's, without indices.

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
from .functions import SIGMOID, SQUARED_ERROR, Activation, Cancellation, Cost
from .limits import MAX_LAYERS, Shape, check_shape, plural

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
"""The names of the chain-rule factors, per sample and layer, in display order
(:meth:`BackwardPass.factor`; ``dC_dz`` is kept too)."""


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


def _as_rows(values: Iterable[Iterable[float]] | Iterable[float] | np.ndarray, width: int, name: str,
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
class Samples:
    """The data: n samples, each with N0 inputs x and NL targets y (never trained)."""

    x: np.ndarray
    """(n, N0)."""
    y: np.ndarray
    """(n, NL)."""

    def __init__(self, x: Iterable[Iterable[float]] | Iterable[float] | np.ndarray,
                 y: Iterable[Iterable[float]] | Iterable[float] | np.ndarray, inputs: int = 1,
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

    def batch(self, step: int, size: int) -> Samples:
        """The samples step ``step`` trains on: kB, kB+1, …, kB+B−1 (mod n)."""
        idx = batch_indices(step, size, len(self))
        return Samples(self.x[idx], self.y[idx], self.x.shape[1], self.y.shape[1])


def xor_samples() -> Samples:
    """XOR: inputs 00, 01, 10, 11 and targets 0, 1, 1, 0 (for shape 2,…,1)."""
    return Samples([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
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
    flat_w: np.ndarray = field(init=False)
    """Every weight, layer by layer, row by row (as ``--w`` takes them); a chain's w(l)."""
    flat_b: np.ndarray = field(init=False)
    """Every bias, layer by layer; a chain's b(l)."""

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
        for name, arrays in (("flat_w", weights), ("flat_b", biases)):
            flat = np.concatenate([arr.ravel() for arr in arrays])
            flat.flags.writeable = False
            object.__setattr__(self, name, flat)

    @classmethod
    def chain(cls, w: Iterable[float] | np.ndarray, b: Iterable[float] | np.ndarray,
              activation: Activation = SIGMOID, cost: Cost = SQUARED_ERROR) -> Network:
        """The chain of the first half of the lesson: one input and N one-neuron layers,
        w(l) and b(l) the weight and bias of layer l (the network of shape 1,1,…,1)."""
        weights = as_finite_vector(w, "w")
        biases = as_finite_vector(b, "b")
        if weights.shape != biases.shape:
            raise ModelError(
                f"w has {weights.size} value{'s' * (weights.size != 1)} but b has "
                f"{biases.size}: give one bias per weight (one of each per layer)"
            )
        if weights.size > MAX_LAYERS:
            raise ModelError(f"w: {weights.size} layers, but a chain has at most {MAX_LAYERS}")
        return cls((1,) * (weights.size + 1), weights, biases, activation, cost)

    @property
    def is_chain(self) -> bool:
        """Whether every layer, and the input, has width 1: the chain of the first half."""
        return all(n == 1 for n in self.shape)

    def with_functions(self, activation: Activation, cost: Cost) -> Network:
        """The same parameters with another activation or cost (refused if they do not fit)."""
        return Network(self.shape, self.flat_w, self.flat_b, activation, cost)

    def parameter_index(self, which: str, layer: int, neuron: int = 1, input: int = 1) -> int:
        """The index in ``flat_w`` (``which`` = "w") or ``flat_b`` ("b") of w_jk(layer)
        or b_j(layer), j = ``neuron`` and k = ``input`` counted from 1; checked."""
        if which not in ("w", "b"):
            raise ModelError(f"parameter: {which!r} is neither 'w' nor 'b'")
        if isinstance(layer, bool) or int(layer) != layer or not 1 <= layer <= self.layers:
            raise ModelError(f"layer: {layer!r} is not one of 1..{self.layers}")
        layer = int(layer)
        if not 1 <= neuron <= self.shape[layer]:
            raise ModelError(f"neuron {neuron}: the layer has neurons 1 to {self.shape[layer]}")
        if which == "b":
            return sum(self.shape[1:layer]) + neuron - 1
        if not 1 <= input <= self.shape[layer - 1]:
            raise ModelError(f"weight {input}: the neuron has weights 1 to "
                             f"{self.shape[layer - 1]}")
        before = weight_count(self.shape[:layer])
        return before + (neuron - 1) * self.shape[layer - 1] + input - 1

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

    def with_params(self, w: Iterable[float] | Sequence[np.ndarray],
                    b: Iterable[float] | Sequence[np.ndarray]) -> Network:
        """The same network with other parameters."""
        return Network(self.shape, w, b, self.activation, self.cost)

    def samples(self, x: Iterable[Iterable[float]] | np.ndarray,
                y: Iterable[Iterable[float]] | np.ndarray) -> Samples:
        """Samples shaped for this network's inputs and outputs."""
        return Samples(x, y, self.inputs, self.outputs)

    def check_samples(self, samples: Samples) -> None:
        """Refuse samples of the wrong shape, or targets the cost cannot take."""
        if samples.x.shape[1] != self.inputs or samples.y.shape[1] != self.outputs:
            raise ModelError(f"the samples have {samples.x.shape[1]} inputs and "
                             f"{samples.y.shape[1]} targets, but shape "
                             f"{shape_text(self.shape)} takes {self.inputs} and {self.outputs}")
        self.cost.check_targets(samples.y.ravel())

    def forward(self, samples: Samples) -> ForwardPass:
        """z and a of every neuron and the cost, for every sample at once."""
        self.check_samples(samples)
        sets_z, sets_a, costs = forward_sets(self, self.flat_w[np.newaxis],
                                             self.flat_b[np.newaxis], samples.x, samples.y)
        assert costs is not None
        zs, as_, cost = [z[0] for z in sets_z], [a[0] for a in sets_a], costs[0]
        for z in zs:
            check_finite("z", z)
        check_finite("the cost C", cost)
        for arr in (*zs, *as_, cost):
            arr.flags.writeable = False
        return ForwardPass(self, samples, tuple(zs), tuple(as_), cost)

    def step(self, gradients: BackwardPass, lr: float) -> Network:
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
class ForwardPass:
    """A forward pass over a batch: per layer l (index l−1), arrays (n, N_l)."""

    network: Network
    samples: Samples
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

    def column(self, name: str) -> np.ndarray:
        """``z``, ``a`` or ``a_prev`` of a chain as one (n, L) array: sample k, layer l+1."""
        layers = range(self.network.layers)
        per_layer = {"z": self.z, "a": self.a, "a_prev": [self.a_prev(l) for l in layers]}
        return _columns(self.network, name, per_layer[name])

    def backward(self) -> BackwardPass:
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
        return BackwardPass(self, tuple(dC_da), tuple(da_dz), tuple(dC_dz), tuple(dC_dw),
                               tuple(dC_db), tuple(terms), tuple(dC_da_prev))


@dataclass(frozen=True, eq=False)
class BackwardPass:
    """Every factor of a backward pass; per layer index l (layer l+1), the first axis the sample."""

    forward: ForwardPass
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
    mean_flat_dC_dw: np.ndarray = field(init=False)
    """The batch gradient of every weight, in ``flat_w``'s order (a chain's: one a layer)."""
    mean_flat_dC_db: np.ndarray = field(init=False)
    """The batch gradient of every bias, in ``flat_b``'s order."""
    _columns: dict[str, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        # The means of every parameter's per-sample gradients at once, from one (n, P)
        # array: the samples are added in their order whatever the shape.
        n = len(self.forward.samples)
        shape = self.network.shape
        for name, split in (("dC_dw", split_weights), ("dC_db", split_biases)):
            rows = np.concatenate([arr.reshape(n, -1) for arr in getattr(self, name)], axis=1)
            flat = rows.mean(axis=0)
            flat.flags.writeable = False
            object.__setattr__(self, "mean_flat_" + name, flat)
            object.__setattr__(self, "mean_" + name, split(shape, flat))

    @property
    def network(self) -> Network:
        return self.forward.network

    def dz_dw(self, l: int) -> np.ndarray:
        """∂z_j(l+1)/∂w_ji(l+1) = a_i(l), (n, N_l), for layer index ``l``."""
        return self.forward.a_prev(l)

    def dz_da_prev(self, l: int) -> np.ndarray:
        """∂z_j(l+1)/∂a_i(l) = w_ji(l+1), (N_(l+1), N_l)."""
        return self.network.w[l]

    def factor(self, name: str, l: int) -> np.ndarray:
        """Factor ``name`` (one of :data:`FACTOR_NAMES`, or ``dC_dz``) of layer index ``l``,
        with the sample first: (n, N_l) for the neurons' factors, (n, N_l, N_(l−1)) for
        ∂C/∂w and ∂z/∂a(l−1) = w(l) (the same for every sample), (n, N_(l−1)) for a(l−1)
        and ∂C/∂a(l−1)."""
        if name in ("dC_da", "da_dz", "dC_dz", "dC_dw", "dC_db", "dC_da_prev"):
            return getattr(self, name)[l]
        if name == "dz_dw":
            return self.dz_dw(l)
        if name == "dz_db":
            return np.ones_like(self.dC_db[l])
        if name == "dz_da_prev":  # the same for every sample: a view with the sample axis
            w = self.dz_da_prev(l)
            return np.broadcast_to(w, (len(self.forward.samples), *w.shape))
        raise KeyError(name)

    def column(self, name: str) -> np.ndarray:
        """Factor ``name`` of a chain (every layer one neuron) as one (n, L) array,
        sample k and layer l+1, as the note writes them without indices; cached."""
        cached = self._columns.get(name)
        if cached is None:
            per_layer = [self.factor(name, l) for l in range(self.network.layers)]
            cached = self._columns[name] = _columns(self.network, name, per_layer)
        return cached

    @property
    def prime_product(self) -> np.ndarray:
        """The running product of a chain's activation derivatives from the output down,
        (n, L). Column l−1 holds ∂a(L)/∂z(L)·…·∂a(l)/∂z(l): the k = L−l+1 factors a
        gradient passes on its way from the output to layer l. With a sigmoid every
        factor is at most 1/4, so the product is at most 4^(−k)."""
        product = np.cumprod(self.column("da_dz")[:, ::-1], axis=1)[:, ::-1]
        product.flags.writeable = False
        return product

    @property
    def mean_prime_product(self) -> np.ndarray:
        """:attr:`prime_product` averaged over the batch, shape (L,)."""
        return self.prime_product.mean(axis=0)

    def prime_bound(self) -> np.ndarray:
        """(max g')^k per layer, shape (L,): the bound on :attr:`prime_product` (4^(−k) for σ)."""
        k = np.arange(self.network.layers, 0, -1, dtype=np.float64)
        return self.network.activation.derivative_max ** k


def _columns(network: Network, name: str, per_layer: Sequence[np.ndarray]) -> np.ndarray:
    """One (n, L) array of per-layer (n, 1, …) arrays: the chain's view of them."""
    if not network.is_chain:
        raise ModelError(f"{name}: one column per layer needs a chain (every layer one "
                         f"neuron), not shape {shape_text(network.shape)}")
    out = np.column_stack([arr.reshape(arr.shape[0], -1)[:, 0] for arr in per_layer])
    out.flags.writeable = False
    return out


def trace(network: Network, samples: Samples) -> BackwardPass:
    """Forward then backward: the whole trace of one batch."""
    return network.forward(samples).backward()


def forward_sets(network: Network, w: np.ndarray, b: np.ndarray, x: np.ndarray,
                 y: np.ndarray | None = None,
                 ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray | None]:
    """The forward pass of P parameter sets of ``network``'s shape over the same n inputs.

    ``w`` (P, weights) and ``b`` (P, biases) are flat, row p one set's (in
    ``flat_w``'s order); ``x`` is (n, N0). Returns z and a per layer, each
    (P, n, N_l), and, given the targets ``y`` (n, NL), the cost C per set and
    sample (P, n), else None. Nothing is checked for finiteness: each caller
    refuses what it must. The nudge check, the cost over one parameter and the
    fit run it; :meth:`Network.forward` is the same pass for one set.
    """
    shape = network.shape
    sets = w.shape[0]
    zs, as_ = [], []
    a_prev = x[np.newaxis]
    at_w = at_b = 0
    with np.errstate(all="ignore"):
        for l in range(1, len(shape)):
            rows, cols = shape[l], shape[l - 1]
            weights = w[:, at_w:at_w + rows * cols].reshape(sets, rows, cols)
            z = a_prev @ weights.transpose(0, 2, 1) + b[:, np.newaxis, at_b:at_b + rows]
            at_w, at_b = at_w + rows * cols, at_b + rows
            a = network.activation.forward(z)
            zs.append(z)
            as_.append(a)
            a_prev = a
        c = None if y is None else network.cost.value(as_[-1], y, zs[-1]).sum(axis=2)
    return zs, as_, c


def mean_cost(network: Network, samples: Samples) -> float:
    """The batch-mean cost, without keeping the factors; NaN/inf where it would overflow."""
    costs = forward_sets(network, network.flat_w[np.newaxis], network.flat_b[np.newaxis],
                         samples.x, samples.y)[2]
    assert costs is not None
    with np.errstate(all="ignore"):
        return float(costs[0].mean())


# -- start values -----------------------------------------------------------------


def random_network(shape: Iterable[int], seed: int = defaults.SEED,
                   activation: Activation = SIGMOID, cost: Cost = SQUARED_ERROR) -> Network:
    """A network of ``shape`` with the reproducible start values of
    :func:`defaults.random_start` (for a width-1 shape, the very same values)."""
    sizes = check_shape(shape)
    w, b = defaults.random_start_counts(weight_count(sizes), bias_count(sizes), seed)
    return Network(sizes, w, b, activation, cost)
