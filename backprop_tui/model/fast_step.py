"""Many training steps fast: the step of :meth:`Chain.forward`, ``backward`` and
:meth:`Chain.step`, without keeping every factor.

Two ways, chosen by which costs less for the batch size and the number of
layers (:func:`uses_floats`; ``benchmarks/train_step.py`` measures both against
the plain step and hand-written numpy loops):

- small batches, plain Python floats: a loop written
  for the number of layers, the activation and the cost (from their ``scalar``
  statements, see :mod:`functions`), compiled once and kept. On a handful of
  numbers a numpy call costs far more than the arithmetic it does.
- larger batches, numpy: per step one pass through the layers on rows of the
  batch, the activation and its derivative in one call, every batch gradient
  from one matrix-vector product.

Both take the plain step's operations in the plain step's order; only the sums
over the batch may add in another order and ``exp`` may differ in the last bit
between numpy and :mod:`math`. Both stop where the plain step would refuse a
number (z, the cost or an updated parameter not finite) and keep the last
finite parameters; ∂C/∂x, which no step uses, is not computed, so a step whose
only overflow would be there is taken. Tests hold both to the plain step.
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

# What a step of a chain of L layers on B samples costs, in µs (medians on a
# 2-core AMD EPYC, sigmoid and squared error; benchmarks/train_step.py): on
# floats about (0.12·L + 0.035)·B, with numpy about 4.7·(L + 1) whatever the
# batch below a few hundred samples. They cost the same at about 60 samples
# for one layer, 49 for three, 46 for ten.
FLOAT_US_PER_SAMPLE_LAYER = 0.12
FLOAT_US_PER_SAMPLE = 0.035
NUMPY_US_PER_LAYER = 4.7
NUMPY_US_PER_STEP = 4.7


def uses_floats(layers: int, size: int, activation: Activation, cost: Cost) -> bool:
    """Whether steps of a chain of ``layers`` layers on ``size`` samples run on
    Python floats: while they cost less there than with numpy (by the costs
    above), so that the cost of a step grows smoothly with the batch."""
    floats = size * (FLOAT_US_PER_SAMPLE_LAYER * layers + FLOAT_US_PER_SAMPLE)
    return (floats <= NUMPY_US_PER_STEP + NUMPY_US_PER_LAYER * layers
            and can_use_floats(activation, cost))

HUGE = 2.0**1022
"""Parameters up to this size cannot make z overflow past the first layer of a
bounded activation (|w| + |b| ≤ 2^1023 is finite)."""

HAND_OVER = "hand over"
"""What the float loop returns when parameters beyond :func:`limit` need the numpy steps."""

_BLAS_MAX = 8192
"""Largest per-sample gradient array (2·layers·batch numbers) summed through BLAS."""

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


def float_steps(activation: Activation, cost: Cost, w: np.ndarray, b: np.ndarray,
                samples: FloatSamples, x: np.ndarray, y: np.ndarray, size: int, lr: float,
                k0: int, steps: int) -> Steps:
    """``steps`` steps of a chain from step ``k0`` on Python floats (``samples``:
    :func:`float_samples` of ``x`` and ``y``). Needs :func:`can_use_floats`."""
    chain = (1,) * (w.size + 1)
    w, b, losses, what = loop_steps(chain, activation, cost, w, b, samples, size, lr, k0, steps)
    if what != HAND_OVER:
        return w, b, losses, what
    w, b, rest, what = numpy_steps(activation, cost, w, b, x, y, size, lr, k0 + losses.size,
                                   steps - losses.size)
    return w, b, np.concatenate((losses, rest)), what


def _row_sums(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``rows @ weights`` (rows: 1-D or 2-D, the batch along the last axis) through
    BLAS on one thread: longer products go in pieces of at most :data:`_BLAS_MAX`
    numbers, since BLAS wakes threads for longer ones, which on a busy machine costs
    far more than the sum. The pieces add in another order than one product would."""
    size = weights.size
    pieces = -(-rows.size // _BLAS_MAX)
    if pieces == 1:
        return np.dot(rows, weights)
    cols = -(-size // pieces)
    total = np.dot(rows[..., :cols], weights[:cols])
    for at in range(cols, size, cols):
        total += np.dot(rows[..., at : at + cols], weights[at : at + cols])
    return total


def numpy_steps(activation: Activation, cost: Cost, w: np.ndarray, b: np.ndarray,
                x_all: np.ndarray, y_all: np.ndarray, size: int, lr: float, k0: int,
                steps: int) -> Steps:
    """``steps`` steps from step ``k0`` with numpy, on rows of the batch.

    Per step: z(l) = w(l)·a(l−1) + b(l) into a row per layer, a(l) and g'(z(l))
    into rows of their own; the backward recursion ∂C/∂z(l) =
    ∂C/∂z(l+1)·w(l+1)·g'(z(l)) into rows (∂C/∂b), ∂C/∂w = ∂C/∂b·a(l−1) into
    rows, then every batch mean at once by one matrix-vector product. Every
    array is allocated once, before the steps.

    The sigmoid and the squared error, the lessons' own, run here as numpy calls
    into those rows (:class:`SigmoidScratch`), the same operations as their rules in
    :mod:`functions` in the same order: the same numbers, bit for bit. With a
    bounded activation z is not checked per sample: as in the float loop, z of
    the first layer is finite while |w|·max|x| + |b| is, and past it while the
    parameters are within :data:`HUGE`; only a step where that bound fails checks
    every z.
    """
    fwd = activation.forward_and_derivative
    cost_f, cost_g = cost.value, cost.gradient
    cancel = cost.cancels(activation)
    cancel_dz = cancel.dC_dz if cancel is not None else None
    # On short rows a numpy call costs its overhead, which out= arguments add
    # to; on long ones the passes over the batch, which the kernels save.
    long_rows = size >= LONG_ROWS
    sigmoid = activation is SIGMOID and long_rows
    squared = cost is SQUARED_ERROR and cancel is None and long_rows
    layers = w.size
    n = x_all.size
    isfinite = math.isfinite
    multiply = np.multiply
    subtract = np.subtract

    params = np.concatenate((w, b))  # w(1..N), then b(1..N)
    # 0-d views of the parameters: they follow every in-place update, and
    # numpy multiplies an array by a 0-d array faster than by a float.
    wv = [params[l, ...] for l in range(layers)]
    bv = [params[layers + l, ...] for l in range(layers)]
    z_buf = np.empty((layers, size))  # z(l), one row per layer
    z_rows = list(z_buf)
    a_rows = list(np.empty((layers, size)))  # a(l) and g'(z(l)), for the sigmoid
    d_rows = list(np.empty((layers, size)))
    scratch = SigmoidScratch(size) if sigmoid else None
    diff = np.empty(size)  # a(N) − y, for the squared error
    costs_buf = np.empty(size)
    g_buf = np.empty((2 * layers, size))  # rows ∂C/∂w(l) per sample, then ∂C/∂b(l)
    dw_rows = list(g_buf[:layers])
    db_rows = list(g_buf[layers:])
    mean_of = np.full(size, 1.0 / size)  # v·mean_of = (1/B) Σ v
    lr_0d = np.array(lr)  # 0-d, as the parameters
    forward = tuple(zip(z_rows, wv, bv, a_rows, d_rows))
    # Layers N−1 … 1: the ∂C/∂b row of the layer and w of the layer above.
    backward = tuple(zip(db_rows[-2::-1], wv[:0:-1]))
    weights_of = tuple(zip(dw_rows, db_rows))
    top_db = db_rows[-1]  # ∂C/∂b(N) = ∂C/∂z(N)
    z_top = z_rows[-1]
    # Bounded: z is finite while the parameters keep within the bound (checked
    # from the list of parameters each step, not per sample).
    bounded = activation.bounded
    x_scale = float(np.abs(x_all).max())

    def within(values: list[float]) -> bool:
        # Every parameter within HUGE (the first layer's need not be, but then
        # checking every z is the rare case), and the first layer's bound.
        return (abs(values[0]) * x_scale + abs(values[layers]) < math.inf
                and min(values) >= -HUGE and max(values) <= HUGE)

    safe = bounded and within(params.tolist())
    whole = size == n
    x, y = x_all, y_all
    losses = np.empty(steps)
    done = 0
    what = None
    with np.errstate(all="ignore"):
        for k in range(k0, k0 + steps):
            if not whole:
                start = k * size % n
                if start + size <= n:
                    x, y = x_all[start : start + size], y_all[start : start + size]
                else:
                    idx = batch_indices(k, size, n)
                    x, y = x_all[idx], y_all[idx]
            a = x
            inputs = [x]  # a(l−1) per layer
            derivatives = []  # g'(z(l)) per layer
            for z, wl, bl, a_row, d_row in forward:
                multiply(a, wl, out=z)
                z += bl
                if scratch is not None:
                    a, da_dz = scratch.rows(z, a_row, d_row)
                else:
                    a, da_dz = fwd(z)
                inputs.append(a)
                derivatives.append(da_dz)
            if not safe and not np.isfinite(z_buf).all():
                what = "z"
                break
            if squared:
                subtract(a, y, out=diff)
                costs = multiply(diff, diff, out=costs_buf)
            else:
                costs = cost_f(a, y, z_top)
            loss = float(_row_sums(costs, mean_of))
            if not isfinite(loss):
                what = "the cost"
                break
            if squared:
                multiply(diff, 2.0, out=top_db)  # 2(a − y), then ·g'
                multiply(top_db, derivatives[-1], out=top_db)
            elif cancel_dz is None:
                multiply(cost_g(a, y, z_top), derivatives[-1], out=top_db)  # ∂C/∂a(N)·g'
            else:
                top_db[...] = cancel_dz(a, y, z_top)  # g' cancels: ∂C/∂z(N) directly
            delta = top_db
            for (below, wl), da_dz in zip(backward, derivatives[-2::-1]):
                upstream = delta * wl  # ∂C/∂a(l) = ∂C/∂z(l+1)·w(l+1)
                multiply(upstream, da_dz, out=below)  # ∂C/∂b(l)
                delta = below
            for (dw, db), a_prev in zip(weights_of, inputs):
                multiply(db, a_prev, out=dw)  # ∂C/∂w(l)
            # The batch means ∂C/∂w, ∂C/∂b, then w − η·∂C/∂w, b − η·∂C/∂b, as the
            # plain step does (η times each sample first could overflow).
            mean = _row_sums(g_buf, mean_of)
            multiply(mean, lr_0d, out=mean)
            new = params - mean
            values = new.tolist()
            if not all(map(isfinite, values)):
                what = "the updated parameters"
                break
            params[...] = new
            safe = bounded and within(values)
            losses[done] = loss
            done += 1
    return params[:layers].copy(), params[layers:].copy(), losses[:done], what


_SIGN = np.int64(-(2**63))
"""The sign bit of a float64, as an int64: x | _SIGN is −|x|, x & _SIGN the sign of x."""


class SigmoidScratch:
    """The sigmoid and its derivative into rows, with scratch rows of one batch.

    The operations of :data:`functions.SIGMOID`'s rule in its order, with
    e = e^(−|z|) and t = 1/(1 + e): σ' = (e·t)·t, and σ = t for z ≥ 0, e·t for
    z < 0. Two steps are done on the bits instead, giving the same numbers with
    fewer passes over the batch: −|z| is z with its sign bit set, and the choice
    between t and e·t is max(e·t, ±t) with t carrying the sign of z (t ≥ 1/2 ≥ e·t,
    so +t wins for z ≥ 0 and e·t for z < 0; at z = −0, e = 1 and e·t = t; a NaN
    stays NaN). tests/test_fast_step.py holds this to the rule bit for bit.
    """

    def __init__(self, shape: int | tuple[int, ...]) -> None:
        self.e = np.empty(shape)
        self.t = np.empty(shape)
        self.et = np.empty(shape)
        self.sign = np.empty(shape, dtype=np.int64)
        self.e_bits = self.e.view(np.int64)
        self.t_bits = self.t.view(np.int64)

    def rows(self, z: np.ndarray, a: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """σ(z) into ``a`` and σ'(z) into ``d`` (contiguous, of the scratch's shape); (a, d)."""
        e, t, et = self.e, self.t, self.et
        z_bits = z.view(np.int64)
        np.bitwise_or(z_bits, _SIGN, out=self.e_bits)  # −|z|
        np.exp(e, out=e)
        np.add(e, 1.0, out=t)
        np.divide(1.0, t, out=t)
        np.multiply(e, t, out=et)
        np.multiply(et, t, out=d)
        np.bitwise_and(z_bits, _SIGN, out=self.sign)
        np.bitwise_or(self.t_bits, self.sign, out=a.view(np.int64))  # t with the sign of z
        np.maximum(et, a, out=a)
        return a, d
