"""Many training steps fast: :meth:`Network.forward`, ``backward`` and
:meth:`Network.step`, without keeping every factor.

Two ways, chosen by which costs less for the shape and the batch size
(:func:`uses_floats`; ``benchmarks/train_step.py`` measures both against a
hand-written numpy loop):

- small batches of small networks, plain Python floats: a loop written for the
  shape, the activation and the cost (every neuron, weight and sum spelled out,
  from their ``scalar`` statements, see :mod:`functions`), compiled once and
  kept. On a handful of numbers a numpy call costs far more than the arithmetic
  it does.
- larger ones, numpy: per step the matrix form, z(l) = a(l−1)·W(l)ᵀ + b(l)
  forward and δ(l) = (δ(l+1)·W(l+1)) ⊙ g'(z(l)) backward, on the rows of the batch;
  for a chain, flat rows times one weight each, and one matrix-vector product a
  layer for both sums over the batch; with the sigmoid and the squared error, the
  batch in columns and the biases in the matrix products
  (:func:`numpy_plain_network_steps`).

Both take the plain step's operations in the plain step's order (only the sums
over the batch, and the matrix products, may add in another order, a bias too
where it is in the product, and ``exp`` may differ in the last bit between numpy
and :mod:`math`), but for one thing: on numpy, the sigmoid with the squared error
takes σ(z) = 1/(1 + e^(−z)) for z < 0 while every |z| is within a bound, a few
units in the last place from the rule's e^z/(1 + e^z) (:func:`plain_sigmoid_rows`).
Both stop where the plain step would refuse a number (z, the cost or an updated
parameter not finite) and keep the last finite parameters; ∂C/∂x, which no step
uses, is not computed, so a step whose only overflow would be there is taken.
Tests hold both to the plain step.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .arrays import batch_indices
from .functions import SIGMOID, SQUARED_ERROR, Activation, Cost

# What a step costs, in µs (sigmoid and squared error on a 2-core AMD EPYC;
# benchmarks/train_step.py): on floats about 0.06 per sample and parameter plus
# 0.035 per sample, with numpy about 4.7 + 9·L whatever the batch below a few
# hundred samples, and for a chain (numpy_chain_steps, on flat rows) about
# 3.4 + 3.6·L. By these the floats are the cheaper up to about 36 samples for a
# chain of three layers, 39 for shape 2,2,1 and 1 for 2,16,16,1.
FLOAT_US_PER_SAMPLE_PARAMETER = 0.06
FLOAT_US_PER_SAMPLE = 0.035
NUMPY_US_PER_LAYER = 9.0
NUMPY_US_PER_STEP = 4.7
NUMPY_CHAIN_US_PER_LAYER = 3.6
NUMPY_CHAIN_US_PER_STEP = 3.4

Shape = tuple[int, ...]


def uses_floats(shape: Shape, activation: Activation, cost: Cost, size: int) -> bool:
    """Whether steps of ``size`` samples for ``shape`` run on Python floats: while they
    cost less there than with numpy (by the costs above), so that the cost of a step
    grows smoothly with the batch."""
    params = sum(shape[l] * (shape[l - 1] + 1) for l in range(1, len(shape)))
    floats = size * (FLOAT_US_PER_SAMPLE_PARAMETER * params + FLOAT_US_PER_SAMPLE)
    return floats <= numpy_us(shape) and can_use_floats(activation, cost)


def numpy_us(shape: Shape) -> float:
    """What a numpy step of ``shape`` costs, in µs, whatever the batch below a few
    hundred samples (by the costs above; a chain has its own step)."""
    layers = len(shape) - 1
    if all(width == 1 for width in shape):
        return NUMPY_CHAIN_US_PER_STEP + NUMPY_CHAIN_US_PER_LAYER * layers
    return NUMPY_US_PER_STEP + NUMPY_US_PER_LAYER * layers



HUGE = 2.0**1022
"""Parameters up to this size cannot make z overflow past the first layer of a
bounded activation (|w| + |b| ≤ 2^1023 is finite)."""

HAND_OVER = "hand over"
"""What the float loop returns when parameters beyond :func:`limit` need the numpy steps."""

LONG_ROWS = 256
"""Batches from this size on compute the sigmoid and the squared error into rows
allocated once (fewer passes over the batch), smaller ones by their rules."""

Steps = tuple[np.ndarray, np.ndarray, np.ndarray, "str | None"]
"""(w, b, the losses of the steps taken, what would not have been finite or None)."""


def can_use_floats(activation: Activation, cost: Cost) -> bool:
    """Whether the activation and cost have the statements the float loop needs."""
    cancel = cost.cancels(activation)
    gradient = cancel.scalar if cancel is not None else cost.scalar_gradient
    return bool(activation.scalar and cost.scalar_value and gradient)


def _fill(template: str, **names: str) -> list[str]:
    """The lines of ``template`` with ``{name}`` replaced, the temporaries' prefix first."""
    text = template.replace("{t}", names.pop("t"))
    for key, value in names.items():
        text = text.replace("{" + key + "}", value)
    return text.rstrip("\n").split("\n")


def float_source(layers: int, activation: Activation, cost: Cost, single: bool) -> str:
    """The source of the float loop for a chain of ``layers`` layers (``single``: batches of one)."""
    return loop_source((1,) * (layers + 1), activation, cost, single)


def limit(shape: tuple[int, ...]) -> float:
    """How large parameters past the first layer may be for a bounded activation's z
    to stay finite there: with fan-in k, |z| ≤ Σ|w| + |b| ≤ (k + 1)·limit < 2^1024
    (:data:`HUGE` for the chain, k = 1)."""
    terms = max(shape[1:-1], default=1) + 1
    return 2.0 ** (1023 - math.ceil(math.log2(terms)))


class _Names:
    """The loop's names for a shape: the chain's (``w2``, ``z2``, ``delta``) where a
    layer has one neuron, with indices (``w2_1_0``, ``z2_1``, ``delta2_1``) where it has more."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def neuron(self, what: str, l: int, j: int) -> str:
        return f"{what}{l}" if self.shape[l] == 1 else f"{what}{l}_{j}"

    def weight(self, l: int, j: int, k: int) -> str:
        return f"w{l}" if self.shape[l] == self.shape[l - 1] == 1 else f"w{l}_{j}_{k}"

    def delta(self, l: int, j: int) -> str:
        return "delta" if self.shape[l] == 1 else f"delta{l}_{j}"

    def output(self, what: str, j: int) -> str:
        return what if self.shape[-1] == 1 else f"{what}{j}"


def loop_source(shape: tuple[int, ...], activation: Activation, cost: Cost,
                single: bool) -> str:
    """The source of the float loop for a network of ``shape`` (N0, N1, …, NL).

    Neuron j of layer l: z_j = Σ_k w_jk·a_k + b_j (k left to right, then the
    bias); backward ∂C/∂z_k(l−1) = (Σ_j ∂C/∂z_j(l)·w_jk)·g'(z_k) (j left to
    right), the plain step's operations in its order. The samples come as rows
    (inputs, then targets) with the largest |x| of each input (:class:`FloatSamples`).
    ``single``: batches of one.
    """
    cancel = cost.cancels(activation)
    names = _Names(shape)
    layers = len(shape) - 1
    neurons = [(l, j) for l in range(1, layers + 1) for j in range(shape[l])]
    ws = [names.weight(l, j, k) for l, j in neurons for k in range(shape[l - 1])]
    bs = [names.neuron("b", l, j) for l, j in neurons]
    first_w = shape[1] * shape[0]  # the weights of layer 1, then the rest
    grads = [f"g{name}" for name in ws + bs]
    news = [f"n{name}" for name in ws + bs]
    inputs = [names.neuron("a", 0, k) for k in range(shape[0])]
    targets = [names.output("y", j) for j in range(shape[-1])]

    def a(l: int, k: int) -> str:
        return names.neuron("a", l, k)

    sample: list[str] = []
    for l, j in neurons:
        z = names.neuron("z", l, j)
        terms = " + ".join(f"{names.weight(l, j, k)} * {a(l - 1, k)}" for k in range(shape[l - 1]))
        sample.append(f"{z} = {terms} + {names.neuron('b', l, j)}")
        if l > 1 and not activation.bounded:
            sample.append(f"chk += {z} - {z}")  # 0, or NaN when z is not finite
        sample += _fill(activation.scalar, z=z, a=a(l, j), d=names.neuron("d", l, j),
                        t=names.neuron("_", l, j))
    top = [(a(layers, j), targets[j], names.neuron("z", layers, j), names.output("_c", j))
           for j in range(shape[-1])]
    costs = [names.output("c", j) for j in range(shape[-1])]
    for (out, y, z, t), c in zip(top, costs):
        sample += _fill(cost.scalar_value, a=out, y=y, z=z, c=c, t=t)
    sample.append(f"loss += {' + '.join(costs)}")
    for j, (out, y, z, t) in enumerate(top):
        delta = names.delta(layers, j)
        if cancel is not None:
            sample += _fill(cancel.scalar, a=out, y=y, z=z, g=delta, t=names.output("_g", j))
        else:
            g = names.output("g", j)
            sample += _fill(cost.scalar_gradient, a=out, y=y, z=z, g=g, t=t)
            sample.append(f"{delta} = {g} * {names.neuron('d', layers, j)}")
    for l in range(layers, 0, -1):
        for j in range(shape[l]):
            delta = names.delta(l, j)
            for k in range(shape[l - 1]):
                sample.append(f"g{names.weight(l, j, k)} += {delta} * {a(l - 1, k)}")
            sample.append(f"g{names.neuron('b', l, j)} += {delta}")
        for k in range(shape[l - 1] if l > 1 else 0):
            terms = " + ".join(f"{names.delta(l, j)} * {names.weight(l, j, k)}"
                               for j in range(shape[l]))
            if shape[l] > 1:
                terms = f"({terms})"
            sample.append(f"{names.delta(l - 1, k)} = {terms} * {names.neuron('d', l - 1, k)}")
    now = f"[{', '.join(ws)}], [{', '.join(bs)}], losses"
    # z of layer 1 is finite for every sample while Σ_k |w_jk|·X_k + |b_j| is,
    # X_k the largest |x_k| of the samples (rounding is monotonic): checked once
    # a step, not per sample. A bounded activation keeps |a| ≤ 1, so z(l) past
    # the first layer is finite while its parameters are within LIMIT (see
    # limit()); an unbounded one has z(l) checked per sample (``chk``). Where a
    # bound fails but the numbers may still be finite, the numpy steps take over.
    scales = [f"X{k}" for k in range(shape[0])]
    later = ws[first_w:] + bs[shape[1]:]
    checked = not activation.bounded and layers > 1

    def first_bound(prefix: str) -> str:
        terms = [f"abs({prefix}{names.weight(1, j, k)}) * {scales[k]}" for j in range(shape[1])
                 for k in range(shape[0])] + [f"abs({prefix}{v})" for v in bs[:shape[1]]]
        return f"{' + '.join(terms)} < INF"

    def small(values: list[str]) -> list[str]:
        return [f"-LIMIT <= {v} <= LIMIT" for v in values] if activation.bounded else []

    def finite(values: list[str]) -> str:
        return f"{' + '.join(f'({v} - {v})' for v in values)} == 0.0"

    lines = [
        "def steps(w, b, rows, scales, n, size, lr, k0, count):",
        f"    {', '.join(ws)}, = w",
        f"    {', '.join(bs)}, = b",
        f"    {', '.join(scales)}, = scales",
        "    losses = array('d')",  # 8 bytes a loss, as in a numpy array
        "    append = losses.append",
        "    s = k0 * size % n",
        f"    if not ({' and '.join([first_bound(''), *small(later)])}):",
        f"        return {now}, HAND_OVER",
        "    for _ in range(count):",
        f"        {' = '.join(grads)} = 0.0",
        "        loss = 0.0",
    ]
    if checked:
        lines.append("        chk = 0.0")
    unpack = ", ".join(inputs + targets)
    if single:
        lines += [f"        {unpack}, = rows[s]"]
        lines += ["        " + line for line in sample]
    else:
        lines.append(f"        for {unpack}, in rows[s : s + size]:")
        lines += ["            " + line for line in sample]
    if checked:
        lines += ["        if chk != 0.0:", f"            return {now}, 'z'"]
    lines += [
        "        loss = loss / size",
        "        if loss - loss != 0.0:",
        f"            return {now}, 'the cost'",
    ]
    lines += [f"        {new} = {old} - lr * ({grad} / size)"
              for new, old, grad in zip(news, ws + bs, grads)]
    new_later = [f"n{v}" for v in later]
    go_on = [first_bound("n"), *(small(new_later) if activation.bounded or not new_later
                                 else [finite(new_later)])]
    lines += [
        f"        if not ({' and '.join(go_on)}):",
        f"            if not ({finite(news)}):",
        f"                return {now}, 'the updated parameters'",
        f"            return {now}, HAND_OVER",
        f"        {', '.join(ws + bs)} = {', '.join(news)}",
        "        append(loss)",
        "        s += size",
        "        if s >= n:",
        "            s -= n",
        f"    return {now}, None",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FloatSamples:
    """Samples as the float loop takes them."""

    rows: list[tuple[float, ...]]
    """(x_1, …, x_N0, y_1, …, y_NL) per sample, the samples twice over (a batch
    that wraps around is one slice)."""
    n: int
    """How many samples."""
    scales: tuple[float, ...]
    """The largest |x_k| of the samples, per input."""


def float_samples(x: np.ndarray, y: np.ndarray) -> FloatSamples:
    """``x`` and ``y`` (one row or one number per sample) as the float loop takes them."""
    xs, ys = x.reshape(len(x), -1), y.reshape(len(y), -1)
    rows = list(map(tuple, np.hstack((xs, ys)).tolist()))
    return FloatSamples(rows + rows, len(rows), tuple(np.abs(xs).max(axis=0).tolist()))


@lru_cache(maxsize=64)
def _compiled(shape: tuple[int, ...], activation: Activation, cost: Cost,
              single: bool) -> Callable[..., Any]:
    source = loop_source(shape, activation, cost, single)
    names: dict[str, Any] = {"exp": math.exp, "log1p": math.log1p, "tanh": math.tanh,
                             "array": array, "LIMIT": limit(shape), "INF": math.inf,
                             "HAND_OVER": HAND_OVER}
    where = ",".join(map(str, shape))
    exec(compile(source, f"<training step: shape {where}, {activation.name}, {cost.name}>",
                 "exec"), names)
    return names["steps"]


def loop_steps(shape: tuple[int, ...], activation: Activation, cost: Cost, w: np.ndarray,
               b: np.ndarray, samples: FloatSamples, size: int, lr: float, k0: int,
               steps: int) -> Steps:
    """``steps`` steps of a network of ``shape`` from step ``k0`` on Python floats.

    ``w``, ``b``: every weight and bias, flat (layer by layer, row by row).
    Needs :func:`can_use_floats`. What would not be finite may be
    :data:`HAND_OVER`: the steps from ``k0`` plus those taken are then the
    numpy steps' to take.
    """
    run = _compiled(shape, activation, cost, size == 1)
    new_w, new_b, done, what = run(w.tolist(), b.tolist(), samples.rows, samples.scales,
                                   samples.n, size, float(lr), k0, steps)
    return np.array(new_w), np.array(new_b), np.frombuffer(done, dtype=np.float64), what


def _constant(value: float | int, dtype: type = np.float64) -> np.ndarray:
    """``value`` as a read-only 0-d array: a ufunc takes one faster than a Python number."""
    array: np.ndarray = np.array(value, dtype=dtype)
    array.flags.writeable = False
    return array


_SIGN = _constant(-(2**63), np.int64)
"""The sign bit of a float64, as an int64: x | _SIGN is −|x|."""
_ONE, _TWO = _constant(1.0), _constant(2.0)


class SigmoidScratch:
    """The sigmoid and its derivative into rows, with scratch rows of one batch.

    The operations of :data:`functions.SIGMOID`'s rule in its order, with
    e = e^(−|z|) and t = 1/(1 + e): σ' = (e·t)·t, and σ = t for z ≥ 0, e·t for
    z < 0. Two steps are done otherwise, giving the same numbers with fewer passes
    over the batch: −|z| is z with its sign bit set, and σ is t put into the row
    with e·t written over it where z has its sign bit set (z < 0, or z = −0, where
    e = 1 and e·t = t; a NaN stays NaN). tests/test_fast_step.py holds this to the
    rule bit for bit.
    """

    def __init__(self, shape: int | tuple[int, ...]) -> None:
        self.e = np.empty(shape)  # e, then e·t
        self.negative = np.empty(shape, dtype=bool)
        self.e_bits = self.e.view(np.int64)

    def rows(self, z: np.ndarray, a: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """σ(z) into ``a`` and σ'(z) into ``d`` (contiguous, of the scratch's shape); (a, d)."""
        e = self.e  # (the outputs given by position: a keyword costs more on short rows)
        np.bitwise_or(z.view(np.int64), _SIGN, self.e_bits)  # −|z|
        np.exp(e, e)
        np.add(e, _ONE, a)
        np.divide(_ONE, a, a)  # t
        np.multiply(e, a, e)  # e·t
        np.multiply(e, a, d)
        np.signbit(z, self.negative)
        np.putmask(a, self.negative, e)
        return a, d


PLAIN_SIGMOID_Z = 700.0
"""For |z| up to this the sigmoid on numpy takes the plain formula (:func:`plain_sigmoid_rows`):
e^(−z) is finite and so are 1/(1 + e^(−z)) and its derivative, all normal floats."""


def plain_sigmoid_rows(minus_z: np.ndarray, a: np.ndarray, d: np.ndarray) -> None:
    """σ(z) into ``a`` and σ'(z) into ``d`` from −z, for |z| ≤ :data:`PLAIN_SIGMOID_Z`.

    With E = e^(−z): σ = 1/(1 + E) and σ' = (E·σ)·σ, five passes where
    :class:`SigmoidScratch` takes eight. For z ≥ 0 these are the rule's
    operations (E = e^(−|z|), σ = t), the same numbers bit for bit; for z < 0
    the rule takes e^z, and the two differ by a few units in the last place,
    each keeping its relative precision (σ(−40) ≈ 4.2e−18, σ'(40) too, where
    a(1−a) would give 0). Beyond the bound E would overflow (σ' = ∞·0) or σ
    would lose bits below the normal floats: the caller takes the rule there.
    """
    np.exp(minus_z, d)  # E, until σ' is written over it
    np.add(d, _ONE, a)
    np.divide(_ONE, a, a)
    np.multiply(d, a, d)
    np.multiply(d, a, d)


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
                        k0: int, steps: int, plain: bool = True) -> Steps:
    """``steps`` steps from step ``k0`` with numpy, on the rows of the batch.

    The same numbers as :meth:`Network.step` on the traced batch, with
    δ(l) = (δ(l+1)·W(l+1)) ⊙ g'(z(l)) for the sums over j. Every array is allocated
    once, before the steps; a layer of one neuron fed by one (a chain's) multiplies by
    its weight instead of a matrix product of one number. Every gradient goes into one
    flat array, updated and checked at once. A chain's steps are
    :func:`numpy_chain_steps`'; with the sigmoid and the squared error (and ``plain``),
    a network's are :func:`numpy_plain_network_steps`', which hand the steps back
    here (``plain`` False) where their bound fails.
    """
    if set(shape) == {1}:
        return numpy_chain_steps(activation, cost, w, b, xs, ys, size, lr, k0, steps)
    if plain and activation is SIGMOID and cost is SQUARED_ERROR and cost.cancels(activation) is None:
        return numpy_plain_network_steps(shape, w, b, xs, ys, size, lr, k0, steps)
    params = np.concatenate((w, b)).astype(np.float64)  # every weight, then every bias
    ws, bs = _layers(shape, params)
    grad = np.empty_like(params)
    gws, gbs = _layers(shape, grad)
    # A 1×1 weight as a 0-d view of the parameters: it follows every update, and numpy
    # multiplies an array by a 0-d array faster than it takes a product of matrices.
    weights = [wl.reshape(()) if wl.shape == (1, 1) else wl.T for wl in ws]
    back = [wl.reshape(()) if wl.shape == (1, 1) else wl for wl in ws]
    forward = activation.forward_and_derivative
    cancellation = cost.cancels(activation)
    squared = cost is SQUARED_ERROR and cancellation is None
    layers = len(ws)
    losses = np.empty(steps)
    n = xs.shape[0]
    x, y = xs, ys
    widths = shape[1:]
    z_rows = [np.empty((size, width)) for width in widths]
    deltas = [np.empty((size, width)) for width in widths]
    handed = [np.empty((size, width)) for width in widths]  # ∂C/∂a(l), from the layer above
    diff = np.empty((size, widths[-1]))
    zeros = [np.zeros(size * width) for width in widths]  # z·0 is 0, or NaN if z is ±inf
    never = np.zeros(params.size)
    dot, isfinite, multiply, matmul = np.dot, math.isfinite, np.multiply, np.matmul
    # The sigmoid into arrays allocated once on long batches (fewer passes over
    # them, the same numbers: fast_step.SigmoidScratch), by its rule on short ones.
    kernels = None
    if activation is SIGMOID and size >= LONG_ROWS:
        kernels = [(SigmoidScratch((size, width)), np.empty((size, width)),
                    np.empty((size, width))) for width in widths]
    with np.errstate(all="ignore"):
        for s in range(steps):
            if size != n:
                start = (k0 + s) * size % n
                if start + size <= n:
                    x, y = xs[start:start + size], ys[start:start + size]
                else:
                    idx = batch_indices(k0 + s, size, n)
                    x, y = xs[idx], ys[idx]
            as_, primes = [], []
            a = x
            for l in range(layers):
                z, wl = z_rows[l], weights[l]
                if wl.ndim:
                    matmul(a, wl, out=z)
                else:
                    multiply(a, wl, out=z)
                z += bs[l]
                if kernels is None:
                    a, prime = forward(z)
                else:
                    scratch, a_out, d_out = kernels[l]
                    a, prime = scratch.rows(z, a_out, d_out)
                as_.append(a)
                primes.append(prime)
            if not all(isfinite(dot(z.reshape(-1), zero)) for z, zero in zip(z_rows, zeros)):
                return params[:w.size].copy(), params[w.size:].copy(), losses[:s], "z"
            if squared:  # (a − y)² summed over the outputs, averaged over the batch
                np.subtract(a, y, out=diff)
                flat = diff.reshape(-1)
                c = float(dot(flat, flat)) / size
            else:
                c = float(cost.value(a, y, z).sum(axis=1).mean())
            if not isfinite(c):
                return params[:w.size].copy(), params[w.size:].copy(), losses[:s], "the cost"
            upstream = None
            if squared:
                upstream = multiply(diff, 2.0, out=handed[-1])  # 2(a − y)
            elif cancellation is None:
                upstream = cost.gradient(a, y, z)
            for l in range(layers - 1, -1, -1):
                delta = deltas[l]
                if upstream is None:
                    assert cancellation is not None
                    delta[...] = cancellation.dC_dz(as_[l], y, z_rows[l])
                else:
                    multiply(upstream, primes[l], out=delta)
                matmul(delta.T, x if l == 0 else as_[l - 1], out=gws[l])
                np.sum(delta, axis=0, out=gbs[l])
                if l:
                    wl = back[l]
                    upstream = (matmul(delta, wl, out=handed[l - 1]) if wl.ndim
                                else multiply(delta, wl, out=handed[l - 1]))
            grad /= size  # the batch means, then η times them, as the plain step
            grad *= lr
            new = params - grad
            if not isfinite(dot(new, never)):
                return (params[:w.size].copy(), params[w.size:].copy(), losses[:s],
                        "the updated parameters")
            params[...] = new
            losses[s] = c
    return params[:w.size].copy(), params[w.size:].copy(), losses, None


def numpy_plain_network_steps(shape: Shape, w: np.ndarray, b: np.ndarray, xs: np.ndarray,
                               ys: np.ndarray, size: int, lr: float, k0: int,
                               steps: int) -> Steps:
    """:func:`numpy_network_steps` for the sigmoid and the squared error: the batch in
    columns, the biases in the matrix products, and the plain sigmoid while a bound on
    the parameters allows it.

    Layer l keeps [W(l) | b(l)], its weights with its biases as one more column, and the
    activations a(l−1) are the columns of the batch above a row of ones, so that one
    matrix product gives z(l) = [W | b]·[a; 1] (an N(l) × batch array, each neuron's z
    in one row) and one more both sums over the batch, [∂C/∂W | ∂C/∂b] = δ(l)·[a; 1]ᵀ;
    backward ∂C/∂a(l−1) = W(l)ᵀ·δ(l) (an outer product when layer l has one neuron).
    With the batch along the rows, nothing is broadcast along a short axis.

    While every |z| is within :data:`PLAIN_SIGMOID_Z` the sigmoid is the plain formula
    from −z (:func:`plain_sigmoid_rows`; −z = [−W | −b]·[a; 1], the parameters negated
    once a step). This is checked on the parameters before each step: for each neuron
    of layer 1, Σ_k |w_jk|·X_k + |b_j| (X_k the largest |x_k| of the samples), past it
    Σ_k |w_jk| + |b_j| (0 < a < 1), all within the bound (summed in another order than
    the products, which moves them by a few units in the last place: e^700 is far from
    overflowing). Then z is finite and so are a and the cost, and only the updated
    parameters are checked; where the bound fails, the steps from there on are
    :func:`numpy_network_steps`' by the sigmoid's rule.
    """
    layers = len(shape) - 1
    counts = [shape[l] * (shape[l - 1] + 1) for l in range(1, layers + 1)]
    starts = np.cumsum([0, *counts])
    params = np.empty(int(starts[-1]))  # [W(1) | b(1)] row by row, then [W(2) | b(2)], …
    grad, new, minus, spare = (np.empty_like(params) for _ in range(4))
    rows = [params[starts[l]:starts[l + 1]].reshape(shape[l + 1], shape[l] + 1)
            for l in range(layers)]
    grads = [grad[starts[l]:starts[l + 1]].reshape(rows[l].shape) for l in range(layers)]
    minus_rows = [minus[starts[l]:starts[l + 1]].reshape(rows[l].shape) for l in range(layers)]
    ws, bs = _layers(shape, np.concatenate((w, b)).astype(np.float64))
    for l in range(layers):
        rows[l][:, :-1], rows[l][:, -1] = ws[l], bs[l]
    # W(l)ᵀ, a view of the parameters: a column of N(l−1) when layer l has one neuron,
    # which multiplies a row of δ(l) into their outer product.
    back = [rows[l][:, :-1].T for l in range(layers)]
    n = xs.shape[0]
    inputs = np.ones((shape[0] + 1, n))  # every x as a column, above a one
    inputs[:-1] = xs.T
    targets = np.ascontiguousarray(ys.T)
    # What the bound multiplies each |parameter| by (X_k for layer 1's weights, else 1),
    # and where each neuron's row starts, for its sum.
    scales = np.ones_like(params)
    rows_of_scales = scales[:counts[0]].reshape(rows[0].shape)
    rows_of_scales[:, :-1] = np.abs(inputs[:-1]).max(axis=1)  # X_k, along each row of x_k
    row_starts = np.array([starts[l] + j * (shape[l] + 1) for l in range(layers)
                           for j in range(shape[l + 1])], dtype=np.intp)
    row_sums = np.empty(row_starts.size)
    widths = shape[1:]
    # a(l) for l < L above a row of ones (what layer l+1 takes); the top a(L) on its own.
    above = [np.ones((width + 1, size)) for width in widths[:-1]]
    outs = [rows_above[:-1] for rows_above in above] + [np.empty((widths[-1], size))]
    primes = [np.empty((width, size)) for width in widths]  # −z, then σ'(z)
    handed = [np.empty((width, size)) for width in widths]  # ∂C/∂a(l), then δ(l)
    top, diff = outs[-1], np.empty((widths[-1], size))
    after = [*above, top]  # what the next layer takes: the a just computed, above ones
    never = np.zeros(params.size)
    losses = np.empty(steps)
    count, rate = _constant(float(size)), _constant(float(lr))
    dot, isfinite, multiply, matmul = np.dot, math.isfinite, np.multiply, np.matmul
    batch, y = inputs, targets

    def kept() -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([r[:, :-1].reshape(-1) for r in rows]),
                np.concatenate([r[:, -1] for r in rows]))

    def within(values: np.ndarray) -> bool:
        np.abs(values, spare)
        multiply(spare, scales, spare)
        np.add.reduceat(spare, row_starts, out=row_sums)
        return bool(row_sums.max() <= PLAIN_SIGMOID_Z)  # not for inf (or NaN)

    with np.errstate(all="ignore"):
        np.negative(params, minus)
        go_on = within(params)
        for s in range(steps):
            if not go_on:
                w_now, b_now = kept()
                w_now, b_now, rest, what = numpy_network_steps(
                    shape, SIGMOID, SQUARED_ERROR, w_now, b_now, xs, ys, size, lr, k0 + s,
                    steps - s, plain=False)
                return w_now, b_now, np.concatenate((losses[:s], rest)), what
            if size != n:
                start = (k0 + s) * size % n
                if start + size <= n:
                    batch, y = inputs[:, start:start + size], targets[:, start:start + size]
                else:
                    idx = batch_indices(k0 + s, size, n)
                    batch, y = inputs[:, idx], targets[:, idx]
            a = batch
            for minus_wb, out, prime, a_above in zip(minus_rows, outs, primes, after):
                matmul(minus_wb, a, out=prime)  # −z
                plain_sigmoid_rows(prime, out, prime)  # a into the rows above the ones
                a = a_above
            np.subtract(top, y, diff)  # (a − y)² summed over the outputs, averaged
            flat = diff.reshape(-1)
            c = float(dot(flat, flat)) / size
            if not isfinite(c):
                return (*kept(), losses[:s], "the cost")
            delta = multiply(diff, _TWO, handed[-1])  # 2(a − y)
            for l in range(layers - 1, -1, -1):
                multiply(delta, primes[l], delta)  # δ(l)
                matmul(delta, (batch if l == 0 else above[l - 1]).T, out=grads[l])
                if l:
                    if widths[l] == 1:
                        delta = multiply(back[l], delta, handed[l - 1])
                    else:
                        delta = matmul(back[l], delta, out=handed[l - 1])
            np.divide(grad, count, grad)  # the batch means, then η times them, as the plain step
            multiply(grad, rate, grad)
            np.subtract(params, grad, new)
            if not isfinite(dot(new, never)):
                return (*kept(), losses[:s], "the updated parameters")
            params[...] = new
            np.negative(params, minus)
            go_on = within(params)
            losses[s] = c
    return (*kept(), losses, None)


def numpy_chain_steps(activation: Activation, cost: Cost, w: np.ndarray, b: np.ndarray,
                      xs: np.ndarray, ys: np.ndarray, size: int, lr: float, k0: int,
                      steps: int) -> Steps:
    """:func:`numpy_network_steps` for a chain (one neuron a layer): the same numbers,
    on flat rows of the batch.

    Each row of a(l−1) (x for the first layer) sits above a row of ones, so that
    one matrix-vector product gives both sums over the batch, ∂C/∂w(l) = Σ δ·a(l−1)
    and ∂C/∂b(l) = Σ δ; the parameters are kept as w1, b1, w2, b2, … for it. Every
    other product is a row times a weight, and the way back (2(a − y), then δ and
    ∂C/∂a layer by layer) stays in one row. The sigmoid goes into the rows
    (:class:`SigmoidScratch`, one scratch for every layer); with the squared error,
    in a step where the parameters keep every |z| within :data:`PLAIN_SIGMOID_Z`
    (by the bounds below), by the plain formula from −z (:func:`plain_sigmoid_rows`;
    −z is the rows times −w plus −b, the parameters negated once a step). A bounded
    activation's z is checked on the parameters, as the float loop does: z(1) is
    finite while |w1|·X + |b1| is (X the largest |x|), z(l) past it while every
    later parameter is within :data:`HUGE`; the rows are checked only where these
    bounds fail.
    """
    layers = w.size
    params = np.empty(2 * layers)  # w1, b1, w2, b2, …
    params[0::2], params[1::2] = w, b
    grad, new = np.empty_like(params), np.empty_like(params)
    x_all, y_all = xs.reshape(-1), ys.reshape(-1)
    n = x_all.size
    inputs = np.ones((2, n))  # every x above a row of ones
    inputs[0] = x_all
    below, y = inputs, y_all
    # a(l) above ones for l < L (what layer l+1 takes), the top's a(L) on its own.
    rows = [inputs] + [np.ones((2, size)) for _ in range(layers - 1)]
    top, z_low, z_top, back = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    layer = [(params[2 * l:2 * l + 1].reshape(()),  # w(l) and b(l) as 0-d views, which
              params[2 * l + 1:2 * l + 2].reshape(()),  # follow every update
              z_top if l == layers - 1 else z_low,
              top if l == layers - 1 else rows[l + 1][0],
              np.empty(size),  # g'(z(l))
              grad[2 * l:2 * l + 2])  # ∂C/∂w(l), ∂C/∂b(l)
             for l in range(layers)]
    zero = np.zeros(size)  # z·0 is 0, or NaN if z is ±inf
    dot, isfinite, multiply, add = np.dot, math.isfinite, np.multiply, np.add
    sigmoid = SigmoidScratch(size).rows if activation is SIGMOID else None
    forward = activation.forward_and_derivative
    cancellation = cost.cancels(activation)
    squared = cost is SQUARED_ERROR and cancellation is None
    # The sigmoid with the squared error takes −z = a·(−w) + (−b) (negating is exact,
    # and rounding is symmetric: −z bit for bit) into the plain formula while every
    # |z| is within PLAIN_SIGMOID_Z; z itself is then never needed.
    plain = sigmoid is not None and squared
    minus = np.negative(params)  # −w1, −b1, −w2, …
    minus_layer = [(minus[2 * l:2 * l + 1].reshape(()), minus[2 * l + 1:2 * l + 2].reshape(()))
                   for l in range(layers)]
    losses = np.empty(steps)
    scale = float(np.abs(x_all).max())
    count, rate = _constant(float(size)), _constant(float(lr))
    p = params.tolist()

    def kept() -> tuple[np.ndarray, np.ndarray]:
        return params[0::2].copy(), params[1::2].copy()

    with np.errstate(all="ignore"):
        for s in range(steps):
            if size != n:
                start = (k0 + s) * size % n
                if start + size <= n:
                    below, y = inputs[:, start:start + size], y_all[start:start + size]
                else:
                    idx = batch_indices(k0 + s, size, n)
                    below, y = inputs[:, idx], y_all[idx]
                rows[0] = below
            first = abs(p[0]) * scale + abs(p[1])  # |z(1)| at most (rounding is monotonic)
            later = max(map(abs, p[2:]), default=0.0)  # past it |z| ≤ 2·this (|a| ≤ 1)
            a = below[0]
            if plain and first <= PLAIN_SIGMOID_Z and 2.0 * later <= PLAIN_SIGMOID_Z:
                for (_, _, z, out, prime, _), (minus_w, minus_b) in zip(layer, minus_layer):
                    multiply(a, minus_w, z)
                    add(z, minus_b, z)  # −z
                    plain_sigmoid_rows(z, out, prime)
                    a = out
            else:
                check = not first < math.inf  # for z(1)
                check_later = not (activation.bounded and later <= HUGE)
                for wl, bl, z, out, prime, _ in layer:
                    multiply(a, wl, z)
                    add(z, bl, z)
                    if check and not isfinite(dot(z, zero)):
                        return (*kept(), losses[:s], "z")
                    check = check_later
                    if sigmoid is not None:
                        sigmoid(z, out, prime)
                    else:
                        out[...], prime[...] = forward(z)
                    a = out
            if squared:  # (a − y)², averaged over the batch
                np.subtract(top, y, back)
                c = float(dot(back, back)) / size
            else:
                c = float(cost.value(top, y, z_top).mean())
            if not isfinite(c):
                return (*kept(), losses[:s], "the cost")
            if squared:
                multiply(back, _TWO, back)  # 2(a − y)
            elif cancellation is None:
                back[...] = cost.gradient(top, y, z_top)
            for l in range(layers - 1, -1, -1):
                wl, _, _, _, prime, sums = layer[l]
                if l == layers - 1 and cancellation is not None:
                    back[...] = cancellation.dC_dz(top, y, z_top)
                else:
                    multiply(back, prime, back)  # δ(l)
                dot(rows[l], back, sums)
                if l:
                    multiply(back, wl, back)  # ∂C/∂a(l−1)
            np.divide(grad, count, grad)  # the batch means, then η times them, as the plain step
            multiply(grad, rate, grad)
            np.subtract(params, grad, new)
            p = new.tolist()
            if not all(map(isfinite, p)):
                return (*kept(), losses[:s], "the updated parameters")
            params[...] = new
            if plain:
                np.negative(params, minus)
            losses[s] = c
    return (*kept(), losses, None)
