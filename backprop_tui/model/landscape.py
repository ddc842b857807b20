"""The cost as a function of one parameter, and the output as a function of x.

Plain functions returning arrays, for the slope view (C over a range of one
parameter, with the tangent line whose slope is ∂C/∂θ) and the fit view (a(L)
over the range of the data). Everything is vectorised: many parameter sets, or
many inputs, in one pass through the layers: the model's one forward pass,
:func:`~backprop_tui.model.network.forward_sets`.

A parameter is named by ``which`` (``"w"`` or ``"b"``) and ``layer`` (1..L, 1
the first layer after the input, L the output), as the formulas number layers,
and in a layer of several neurons by its neuron j and input k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import check_finite
from .errors import ModelError
from .network import Network, Samples, forward_sets


def parameter_sets(network: Network, which: Sequence[str], index: Sequence[int] | np.ndarray,
                   values: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P copies of the network's flat parameters, w (P, weights) and b (P, biases), copy p
    with one changed: parameter ``which[p]`` (``"w"`` or ``"b"``) at flat index
    ``index[p]`` is ``values[p]``; every other parameter is the network's."""
    count = len(values)
    params = {"w": np.tile(network.flat_w, (count, 1)), "b": np.tile(network.flat_b, (count, 1))}
    for p, (name, i, value) in enumerate(zip(which, index, values)):
        params[name][p, i] = value
    return params["w"], params["b"]


def mean_costs(network: Network, samples: Samples, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The batch-mean cost for each of P parameter sets at once.

    ``w`` (P, weights) and ``b`` (P, biases) are flat parameter sets of the
    network's shape; the activation and cost are ``network``'s. Returns shape
    (P,). Refuses results that are not finite.
    """
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if (w.ndim != 2 or b.ndim != 2 or w.shape[0] != b.shape[0]
            or w.shape[1] != network.flat_w.size or b.shape[1] != network.flat_b.size):
        raise ModelError(f"w and b: expected (P, {network.flat_w.size}) and "
                         f"(P, {network.flat_b.size}) arrays")
    network.check_samples(samples)
    costs = forward_sets(network, w, b, samples.x, samples.y)[2]
    assert costs is not None
    with np.errstate(all="ignore"):
        result = costs.mean(axis=1)
    check_finite("the cost C", result)
    return result


def outputs(network: Network, x: np.ndarray) -> np.ndarray:
    """a(L) of a network of one input and one output for every input in ``x`` (any shape)."""
    inputs = np.asarray(x, dtype=np.float64)
    if (network.inputs, network.outputs) != (1, 1):
        raise ModelError("the fit plots a(L) over x: it needs one input and one output")
    a = forward_sets(network, network.flat_w[np.newaxis], network.flat_b[np.newaxis],
                     inputs.reshape(-1, 1))[1][-1][0, :, 0].reshape(inputs.shape)
    check_finite("a(L)", a)
    return a


@dataclass(frozen=True)
class CostSlice:
    """C as a function of one parameter θ, the others held, with the tangent at θ₀."""

    which: str
    """``"w"`` or ``"b"``."""
    layer: int
    """The parameter's layer, 1..L."""
    theta: np.ndarray
    """The values of θ, evenly spaced, θ₀ among them."""
    cost: np.ndarray
    """The batch-mean cost at each θ."""
    theta0: float
    """The parameter's current value."""
    cost0: float
    """The batch-mean cost at θ₀."""
    slope: float
    """∂C/∂θ at θ₀, by the chain rule (the batch gradient)."""
    tangent: np.ndarray
    """C(θ₀) + ∂C/∂θ·(θ − θ₀) at each θ: the line touching the curve at θ₀."""


def cost_slice(
    network: Network,
    samples: Samples,
    which: str,
    layer: int,
    half_width: float = 2.0,
    points: int = 81,
    neuron: int = 1,
    input: int = 1,
) -> CostSlice:
    """C over θ₀ − half_width … θ₀ + half_width for w_jk or b_j of ``layer``
    (j = ``neuron``, k = ``input``).

    ``points`` is odd so that θ₀ is the middle point exactly.
    """
    i = network.parameter_index(which, layer, neuron, input)
    if not (np.isfinite(half_width) and half_width > 0):
        raise ModelError(f"half width: {half_width!r} is not a positive number")
    if points < 3:
        raise ModelError("points: at least 3")
    points += 1 - points % 2
    theta0 = float(getattr(network, f"flat_{which}")[i])
    theta = theta0 + half_width * np.linspace(-1.0, 1.0, points)
    theta[points // 2] = theta0
    cost = mean_costs(network, samples,
                      *parameter_sets(network, [which] * points, [i] * points, theta))
    bp = network.forward(samples).backward()
    slope = float(getattr(bp, f"mean_flat_dC_d{which}")[i])
    cost0 = bp.forward.mean_cost
    with np.errstate(all="ignore"):
        tangent = cost0 + slope * (theta - theta0)
    check_finite("the tangent", tangent)
    return CostSlice(which, int(layer), theta, cost, theta0, cost0, slope, tangent)


@dataclass(frozen=True)
class Fit:
    """a(L) as a function of x over the data's range, and the data."""

    x: np.ndarray
    """Evenly spaced inputs covering the samples' x, with a margin."""
    output: np.ndarray
    """a(L) at each of those inputs."""
    sample_x: np.ndarray
    """The samples' inputs."""
    sample_y: np.ndarray
    """The samples' targets."""
    sample_output: np.ndarray
    """a(L) at each sample's input."""


def fit_curve(network: Network, samples: Samples, points: int = 81,
              margin: float = 0.1) -> Fit:
    """a(L) over [min x − m, max x + m], m = ``margin``·(max x − min x) (±1 for one x),
    for a network of one input and one output."""
    if points < 2:
        raise ModelError("points: at least 2")
    xs = samples.x[:, 0]
    lo, hi = float(xs.min()), float(xs.max())
    pad = margin * (hi - lo) if hi > lo else 1.0
    x = np.linspace(lo - pad, hi + pad, points)
    return Fit(x, outputs(network, x), xs, samples.y[:, 0], outputs(network, xs))
