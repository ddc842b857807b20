"""The nudge check: the chain rule against a numeric derivative.

Nudge one parameter θ by ±ε, rerun the forward pass, and compare

    (C(θ+ε) − C(θ−ε)) / 2ε

with the chain rule's batch-mean ∂C/∂θ. The divisor is the distance between
the two nudged values as the computer holds them, so (θ+ε) − (θ−ε) rounding
adds no error of its own. Every weight and bias is nudged in one vectorised pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .defaults import EPSILON
from .landscape import mean_costs, parameter_sets
from .network import BackwardPass, Network, Samples, split_biases, split_weights

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def relative_difference(analytic: ArrayLike, numeric: ArrayLike) -> np.ndarray | float:
    """|analytic − numeric| / max(|analytic|, |numeric|); 0 where both are 0."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(all="ignore"):
        rel = np.where(scale > 0, np.abs(a - n) / np.where(scale > 0, scale, 1.0), 0.0)
    return float(rel) if rel.ndim == 0 else rel


def _numeric(network: Network, samples: Samples, which: np.ndarray, index: np.ndarray,
             eps: float) -> np.ndarray:
    """The central differences of the parameters (which[p], index[p]), p = 0..P−1,
    ``index`` into ``flat_w`` or ``flat_b``."""
    count = which.size
    theta = np.array([getattr(network, f"flat_{name}")[i] for name, i in zip(which, index)])
    up, down = theta + eps, theta - eps
    cost = mean_costs(network, samples, *parameter_sets(
        network, np.r_[which, which], np.r_[index, index], np.r_[up, down]))
    return (cost[:count] - cost[count:]) / (up - down)


@dataclass(frozen=True)
class Nudge:
    """One parameter nudged by ±ε: the numeric derivative beside the chain rule's."""

    which: str
    """``"w"`` or ``"b"``."""
    layer: int
    """1..L."""
    epsilon: float
    cost_up: float
    """C(θ+ε), the batch-mean cost."""
    cost_down: float
    """C(θ−ε)."""
    numeric: float
    """(C(θ+ε) − C(θ−ε)) / 2ε."""
    analytic: float
    """∂C/∂θ by the chain rule (the batch gradient)."""
    rel_error: float
    """|analytic − numeric| / max(|analytic|, |numeric|)."""
    neuron: int = 1
    """j: the neuron of ``layer`` (1-based)."""
    input: int = 1
    """k: for a weight w_jk, the neuron of the layer below it reads (1-based)."""


def nudge(network: Network, samples: Samples, which: str, layer: int,
          epsilon: float = EPSILON, neuron: int = 1, input: int = 1) -> Nudge:
    """Nudge w_jk or b_j of layer ``layer`` (1..L; j = ``neuron``, k = ``input``) by ±ε
    and compare."""
    i = network.parameter_index(which, layer, neuron, input)
    theta = float(getattr(network, f"flat_{which}")[i])
    up, down = mean_costs(network, samples, *parameter_sets(
        network, [which] * 2, [i] * 2, [theta + epsilon, theta - epsilon]))
    numeric = float((up - down) / ((theta + epsilon) - (theta - epsilon)))
    bp = network.forward(samples).backward()
    analytic = float(getattr(bp, f"mean_flat_dC_d{which}")[i])
    return Nudge(which, int(layer), float(epsilon), float(up), float(down), numeric, analytic,
                 float(relative_difference(analytic, numeric)), int(neuron), int(input))


@dataclass(frozen=True)
class GradientCheck:
    """Every parameter nudged: numeric batch-mean gradients beside the chain rule's.

    Flat, in ``Network.flat_w`` / ``flat_b`` order (a chain's: one per layer);
    :meth:`layer_w` and :meth:`layer_b` give them per layer."""

    epsilon: float
    dC_dw: np.ndarray
    """(C(w+ε) − C(w−ε)) / 2ε per weight."""
    dC_db: np.ndarray
    """(C(b+ε) − C(b−ε)) / 2ε per bias."""
    rel_error_w: np.ndarray
    """The relative difference to the chain rule's ∂C/∂w, per weight."""
    rel_error_b: np.ndarray
    """The relative difference to the chain rule's ∂C/∂b, per bias."""
    shape: tuple[int, ...]

    @property
    def max_rel_error(self) -> float:
        """The largest relative difference over every parameter."""
        return float(max(self.rel_error_w.max(), self.rel_error_b.max()))

    def layer_w(self, values: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per-weight ``values`` (``dC_dw`` or ``rel_error_w``) as one (N_l, N_(l−1)) array a layer."""
        return split_weights(self.shape, values)

    def layer_b(self, values: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per-bias ``values`` as one (N_l,) array a layer."""
        return split_biases(self.shape, values)


def check_gradients(bp: BackwardPass, epsilon: float = EPSILON) -> GradientCheck:
    """The nudge check of every parameter of ``bp``'s network on ``bp``'s batch."""
    fwd = bp.forward
    network, samples = fwd.network, fwd.samples
    weights, biases = network.flat_w.size, network.flat_b.size
    which = np.array(["w"] * weights + ["b"] * biases)
    index = np.r_[np.arange(weights), np.arange(biases)]
    numeric = _numeric(network, samples, which, index, epsilon)
    dw, db = numeric[:weights], numeric[weights:]
    for arr in (dw, db):
        arr.flags.writeable = False
    return GradientCheck(
        float(epsilon),
        dw,
        db,
        np.asarray(relative_difference(bp.mean_flat_dC_dw, dw)),
        np.asarray(relative_difference(bp.mean_flat_dC_db, db)),
        network.shape,
    )
