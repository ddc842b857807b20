"""Many training steps fast: the step of :meth:`Chain.forward`, ``backward`` and
:meth:`Chain.step`, without keeping every factor.

Two ways, chosen by the batch size (``benchmarks/train_step.py`` measures both
against the plain step and a hand-written numpy loop):

- up to :data:`PYTHON_BATCH_MAX` samples, plain Python floats: a loop written
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
from functools import lru_cache
from typing import Any

import numpy as np

from .chain import batch_indices
from .functions import Activation, Cost

PYTHON_BATCH_MAX = 32
"""Batches up to this size train on Python floats, larger ones with numpy."""

HUGE = 2.0**1022
"""Parameters up to this size cannot make z overflow past the first layer of a
bounded activation (|w| + |b| ≤ 2^1023 is finite)."""

HAND_OVER = "hand over"
"""What the float loop returns when parameters beyond :data:`HUGE` need the numpy steps."""

_BLAS_MAX = 8192
"""Largest per-sample gradient array (2·layers·batch numbers) summed through BLAS."""

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
    """The source of the float loop for ``layers`` layers (``single``: batches of one)."""
    cancel = cost.cancels(activation)
    ws = [f"w{l}" for l in range(1, layers + 1)]
    bs = [f"b{l}" for l in range(1, layers + 1)]
    grads = [f"gw{l}" for l in range(1, layers + 1)] + [f"gb{l}" for l in range(1, layers + 1)]
    news = [f"n{name}" for name in ws + bs]
    sample: list[str] = []
    for l in range(1, layers + 1):
        sample.append(f"z{l} = w{l} * a{l - 1} + b{l}")
        if l == 1 or not activation.bounded:
            sample.append(f"chk += z{l} - z{l}")  # 0, or NaN when z is not finite
        sample += _fill(activation.scalar, z=f"z{l}", a=f"a{l}", d=f"d{l}", t=f"_{l}")
    out = f"a{layers}"
    sample += _fill(cost.scalar_value, a=out, y="y", z=f"z{layers}", c="c", t="_c")
    sample.append("loss += c")
    if cancel is not None:
        sample += _fill(cancel.scalar, a=out, y="y", z=f"z{layers}", g="delta", t="_g")
    else:
        sample += _fill(cost.scalar_gradient, a=out, y="y", z=f"z{layers}", g="g", t="_c")
        sample.append(f"delta = g * d{layers}")
    for l in range(layers, 0, -1):
        sample.append(f"gw{l} += delta * a{l - 1}")
        sample.append(f"gb{l} += delta")
        if l > 1:
            sample.append(f"delta = delta * w{l} * d{l - 1}")
    now = f"[{', '.join(ws)}], [{', '.join(bs)}], losses"
    # A bounded activation keeps |a| ≤ 1, so z(l) past the first layer is
    # finite while |w(l)|, |b(l)| ≤ HUGE (their sum cannot overflow): only z(1)
    # is checked per sample. Beyond HUGE the numpy steps take over.
    bounded = activation.bounded and layers > 1

    def small(names: list[str]) -> str:
        return " and ".join(f"-HUGE <= {v} <= HUGE" for v in names)

    lines = [
        "def steps(w, b, xs, ys, n, size, lr, k0, count):",
        f"    {', '.join(ws)}, = w",
        f"    {', '.join(bs)}, = b",
        "    losses = array('d')",  # 8 bytes a loss, as in a numpy array
        "    append = losses.append",
        "    s = k0 * size % n",
    ]
    if bounded:
        lines += [f"    if not ({small(ws[1:] + bs[1:])}):", f"        return {now}, HAND_OVER"]
    lines += [
        "    for _ in range(count):",
        f"        {' = '.join(grads)} = 0.0",
        "        loss = 0.0",
        "        chk = 0.0",
    ]
    if single:
        lines += ["        a0 = xs[s]", "        y = ys[s]"]
        lines += ["        " + line for line in sample]
    else:
        lines.append("        for a0, y in zip(xs[s : s + size], ys[s : s + size]):")
        lines += ["            " + line for line in sample]
    lines += [
        "        if chk != 0.0:",
        f"            return {now}, 'z'",
        "        loss = loss / size",
        "        if loss - loss != 0.0:",
        f"            return {now}, 'the cost'",
    ]
    lines += [f"        {new} = {old} - lr * ({grad} / size)"
              for new, old, grad in zip(news, ws + bs, grads)]
    finite = f"{' + '.join(f'({v} - {v})' for v in news)} == 0.0"
    if bounded:
        first = f"({news[0]} - {news[0]}) + ({news[layers]} - {news[layers]}) == 0.0"
        rest = small(news[1:layers] + news[layers + 1 :])
        lines += [
            f"        if not ({first} and {rest}):",
            f"            if not ({finite}):",
            f"                return {now}, 'the updated parameters'",
            f"            return {now}, HAND_OVER",
        ]
    else:
        lines += [
            f"        if not ({finite}):",
            f"            return {now}, 'the updated parameters'",
        ]
    lines += [
        f"        {', '.join(ws + bs)} = {', '.join(news)}",
        "        append(loss)",
        "        s += size",
        "        if s >= n:",
        "            s -= n",
        f"    return {now}, None",
    ]
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=64)
def _compiled(layers: int, activation: Activation, cost: Cost, single: bool) -> Callable[..., Any]:
    source = float_source(layers, activation, cost, single)
    names: dict[str, Any] = {"exp": math.exp, "log1p": math.log1p, "tanh": math.tanh,
                             "array": array, "HUGE": HUGE, "HAND_OVER": HAND_OVER}
    exec(compile(source, f"<training step: {layers} layers, {activation.name}, {cost.name}>",
                 "exec"), names)
    return names["steps"]


def float_steps(activation: Activation, cost: Cost, w: np.ndarray, b: np.ndarray,
                xs: list[float], ys: list[float], size: int, lr: float, k0: int,
                steps: int) -> Steps:
    """``steps`` steps from step ``k0`` on Python floats.

    ``xs`` and ``ys`` are the samples twice over (a batch that wraps around is
    one slice). Needs :func:`can_use_floats`.
    """
    run = _compiled(w.size, activation, cost, size == 1)
    n = len(xs) // 2
    new_w, new_b, done, what = run(w.tolist(), b.tolist(), xs, ys, n, size, float(lr), k0, steps)
    losses = np.frombuffer(done, dtype=np.float64)
    w, b = np.array(new_w), np.array(new_b)
    if what != HAND_OVER:
        return w, b, losses, what
    x_all, y_all = np.array(xs[:n]), np.array(ys[:n])
    w, b, rest, what = numpy_steps(activation, cost, w, b, x_all, y_all, size, lr,
                                   k0 + losses.size, steps - losses.size)
    return w, b, np.concatenate((losses, rest)), what


def numpy_steps(activation: Activation, cost: Cost, w: np.ndarray, b: np.ndarray,
                x_all: np.ndarray, y_all: np.ndarray, size: int, lr: float, k0: int,
                steps: int) -> Steps:
    """``steps`` steps from step ``k0`` with numpy, on rows of the batch.

    Per step: z(l) = w(l)·a(l−1) + b(l) into a row per layer, a(l) and g'(z(l))
    in one call; the backward recursion ∂C/∂z(l) = ∂C/∂z(l+1)·w(l+1)·g'(z(l))
    into rows (∂C/∂b), ∂C/∂w = ∂C/∂b·a(l−1) into rows, then every batch mean at
    once by one matrix-vector product.
    """
    fwd = activation.forward_and_derivative
    cost_f, cost_g = cost.value, cost.gradient
    cancel = cost.cancels(activation)
    cancel_dz = cancel.dC_dz if cancel is not None else None
    layers = w.size
    n = x_all.size
    isfinite = math.isfinite
    dot = np.dot
    einsum = np.einsum
    multiply = np.multiply
    add = np.add

    params = np.concatenate((w, b))  # w(1..N), then b(1..N)
    # 0-d views of the parameters: they follow every in-place update, and
    # numpy multiplies an array by a 0-d array faster than by a float.
    wv = [params[l, ...] for l in range(layers)]
    bv = [params[layers + l, ...] for l in range(layers)]
    z_buf = np.empty((layers, size))  # z(l), one row per layer
    z_rows = list(z_buf)
    z_flat = z_buf.reshape(-1)
    zeros = np.zeros(z_flat.size)  # dot(z, zeros) is 0, or NaN when some z is ±inf
    g_buf = np.empty((2 * layers, size))  # rows ∂C/∂w(l) per sample, then ∂C/∂b(l)
    dw_rows = list(g_buf[:layers])
    db_rows = list(g_buf[layers:])
    # Sums as BLAS dot products only while BLAS does them on one thread: on
    # longer vectors it wakes threads, which on a busy machine costs far more
    # than the sum (numpy's own loops then, through einsum).
    blas = g_buf.size <= _BLAS_MAX
    mean_of = np.full(size, 1.0 / size)  # dot(v, mean_of) = (1/B) Σ v
    lr_0d = np.array(lr)  # 0-d, as the parameters
    forward = tuple(zip(z_rows, wv, bv))
    # Layers N−1 … 1: the ∂C/∂b row of the layer and w of the layer above.
    backward = tuple(zip(db_rows[-2::-1], wv[:0:-1]))
    weights_of = tuple(zip(dw_rows, db_rows))
    top_db = db_rows[-1]  # ∂C/∂b(N) = ∂C/∂z(N)
    z_top = z_rows[-1]
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
            for z, wl, bl in forward:
                multiply(a, wl, out=z)
                add(z, bl, out=z)
                a, da_dz = fwd(z)
                inputs.append(a)
                derivatives.append(da_dz)
            if not (isfinite(dot(z_flat, zeros)) if blas else np.isfinite(z_buf).all()):
                what = "z"
                break
            costs = cost_f(a, y, z_top)
            loss = float(dot(costs, mean_of) if blas else einsum("i,i", costs, mean_of))
            if not isfinite(loss):
                what = "the cost"
                break
            if cancel_dz is None:
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
            mean = dot(g_buf, mean_of) if blas else einsum("ij,j", g_buf, mean_of)
            multiply(mean, lr_0d, out=mean)
            new = params - mean
            if not all(map(isfinite, new.tolist())):
                what = "the updated parameters"
                break
            params[...] = new
            losses[done] = loss
            done += 1
    return params[:layers].copy(), params[layers:].copy(), losses[:done], what
