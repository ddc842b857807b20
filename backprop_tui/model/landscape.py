"""The cost as a function of one parameter, and the output as a function of x.

Plain functions returning arrays, for the slope view (C over a range of one
parameter, with the tangent line whose slope is ∂C/∂θ) and the fit view (a(L)
over the range of the data). Everything is vectorised: many parameter sets, or
many inputs, in one pass through the layers: the model's one forward pass,
:func:`~backprop_tui.model.chain.forward_sets`.

A parameter is named by ``which`` (``"w"`` or ``"b"``) and ``layer`` (1..N, 1
the first neuron after the input, N the output), as the formulas number layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import check_finite
from .chain import Chain, Samples, forward_sets
from .errors import ModelError


def parameter_index(chain: Chain, which: str, layer: int) -> int:
    """The array index of parameter ``which`` of layer ``layer`` (1..N), checked."""
    if which not in ("w", "b"):
        raise ModelError(f"parameter: {which!r} is neither 'w' nor 'b'")
    if isinstance(layer, bool) or int(layer) != layer or not 1 <= layer <= chain.layers:
        raise ModelError(f"layer: {layer!r} is not one of 1..{chain.layers}")
    return int(layer) - 1


def parameter_sets(chain: Chain, which: Sequence[str], index: Sequence[int] | np.ndarray,
                   values: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P copies of the chain's parameters, w and b each (P, N), copy p with one changed.

    In copy p, parameter ``which[p]`` (``"w"`` or ``"b"``) at array index
    ``index[p]`` is ``values[p]``; every other parameter is the chain's.
    """
    count = len(values)
    params = {"w": np.tile(chain.w, (count, 1)), "b": np.tile(chain.b, (count, 1))}
    for p, (name, i, value) in enumerate(zip(which, index, values)):
        params[name][p, i] = value
    return params["w"], params["b"]


def mean_costs(chain: Chain, samples: Samples, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The batch-mean cost for each of P parameter sets at once.

    ``w`` and ``b`` are (P, N) arrays (row p is one chain's parameters); the
    activation and cost are ``chain``'s. Returns shape (P,). Refuses results that
    are not finite.
    """
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if w.ndim != 2 or w.shape != b.shape or w.shape[1] != chain.layers:
        raise ModelError(f"w and b: expected two (P, {chain.layers}) arrays")
    chain.cost.check_targets(samples.y)
    costs = forward_sets(w, b, samples.x, chain.activation, chain.cost, samples.y)[2]
    assert costs is not None
    with np.errstate(all="ignore"):
        result = costs.mean(axis=1)
    check_finite("the cost C", result)
    return result


def outputs(chain: Chain, x: np.ndarray) -> np.ndarray:
    """a(L) for every input in ``x`` (any shape), the chain's forward pass without a cost."""
    inputs = np.asarray(x, dtype=np.float64)
    a = forward_sets(chain.w[np.newaxis], chain.b[np.newaxis], inputs.reshape(-1),
                     chain.activation)[1][0, :, -1].reshape(inputs.shape)
    check_finite("a(L)", a)
    return a


@dataclass(frozen=True)
class CostSlice:
    """C as a function of one parameter θ, the others held, with the tangent at θ₀."""

    which: str
    """``"w"`` or ``"b"``."""
    layer: int
    """The parameter's layer, 1..N."""
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
    chain: Chain,
    samples: Samples,
    which: str,
    layer: int,
    half_width: float = 2.0,
    points: int = 81,
) -> CostSlice:
    """C over θ₀ − half_width … θ₀ + half_width for parameter ``which`` of ``layer``.

    ``points`` is odd so that θ₀ is the middle point exactly.
    """
    i = parameter_index(chain, which, layer)
    if not (np.isfinite(half_width) and half_width > 0):
        raise ModelError(f"half width: {half_width!r} is not a positive number")
    if points < 3:
        raise ModelError("points: at least 3")
    points += 1 - points % 2
    theta0 = float(getattr(chain, which)[i])
    theta = theta0 + half_width * np.linspace(-1.0, 1.0, points)
    theta[points // 2] = theta0
    cost = mean_costs(chain, samples, *parameter_sets(chain, [which] * points, [i] * points, theta))
    bp = chain.forward(samples).backward()
    slope = float(getattr(bp, f"mean_dC_d{which}")[i])
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


def fit_curve(chain: Chain, samples: Samples, points: int = 81, margin: float = 0.1) -> Fit:
    """a(L) over [min x − m, max x + m], m = ``margin``·(max x − min x) (±1 for one x)."""
    if points < 2:
        raise ModelError("points: at least 2")
    lo, hi = float(samples.x.min()), float(samples.x.max())
    pad = margin * (hi - lo) if hi > lo else 1.0
    x = np.linspace(lo - pad, hi + pad, points)
    return Fit(x, outputs(chain, x), samples.x, samples.y, outputs(chain, samples.x))
