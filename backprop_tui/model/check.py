"""The nudge check: the chain rule against a numeric derivative.

Nudge one parameter θ by ±ε, rerun the forward pass, and compare

    (C(θ+ε) − C(θ−ε)) / 2ε

with the chain rule's batch-mean ∂C/∂θ. The divisor is the distance between
the two nudged values as the computer holds them, so (θ+ε) − (θ−ε) rounding
adds no error of its own. All 2N parameters are nudged in one vectorised pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .chain import BackwardPass, Chain, Samples
from .defaults import EPSILON
from .landscape import mean_costs, parameter_index, parameter_sets

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


def _numeric(chain: Chain, samples: Samples, which: np.ndarray, index: np.ndarray,
             eps: float) -> np.ndarray:
    """The central differences of the parameters (which[p], index[p]), p = 0..P−1."""
    count = which.size
    theta = np.where(which == "w", chain.w[index], chain.b[index])
    up, down = theta + eps, theta - eps
    cost = mean_costs(chain, samples, *parameter_sets(chain, np.r_[which, which],
                                                      np.r_[index, index], np.r_[up, down]))
    return (cost[:count] - cost[count:]) / (up - down)


@dataclass(frozen=True)
class Nudge:
    """One parameter nudged by ±ε: the numeric derivative beside the chain rule's."""

    which: str
    """``"w"`` or ``"b"``."""
    layer: int
    """1..N."""
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


def nudge(chain: Chain, samples: Samples, which: str, layer: int,
          epsilon: float = EPSILON) -> Nudge:
    """Nudge parameter ``which`` of layer ``layer`` (1..N) by ±ε and compare."""
    i = parameter_index(chain, which, layer)
    theta = float(getattr(chain, which)[i])
    up, down = mean_costs(chain, samples, *parameter_sets(
        chain, [which] * 2, [i] * 2, [theta + epsilon, theta - epsilon]))
    numeric = float((up - down) / ((theta + epsilon) - (theta - epsilon)))
    bp = chain.forward(samples).backward()
    analytic = float(getattr(bp, f"mean_dC_d{which}")[i])
    return Nudge(which, int(layer), float(epsilon), float(up), float(down), numeric, analytic,
                 float(relative_difference(analytic, numeric)))


@dataclass(frozen=True)
class GradientCheck:
    """Every parameter nudged: numeric batch-mean gradients beside the chain rule's."""

    epsilon: float
    dC_dw: np.ndarray
    """(C(w+ε) − C(w−ε)) / 2ε per layer, shape (N,)."""
    dC_db: np.ndarray
    """(C(b+ε) − C(b−ε)) / 2ε per layer, shape (N,)."""
    rel_error_w: np.ndarray
    """The relative difference to the chain rule's ∂C/∂w(l), per layer."""
    rel_error_b: np.ndarray
    """The relative difference to the chain rule's ∂C/∂b(l), per layer."""

    @property
    def max_rel_error(self) -> float:
        """The largest relative difference over all 2N parameters."""
        return float(max(self.rel_error_w.max(), self.rel_error_b.max()))


def check_gradients(bp: BackwardPass, epsilon: float = EPSILON) -> GradientCheck:
    """The nudge check of every parameter of ``bp``'s chain on ``bp``'s batch."""
    fwd = bp.forward
    chain, samples = fwd.chain, fwd.samples
    layers = chain.layers
    which = np.array(["w"] * layers + ["b"] * layers)
    index = np.tile(np.arange(layers), 2)
    numeric = _numeric(chain, samples, which, index, epsilon)
    dw, db = numeric[:layers], numeric[layers:]
    for arr in (dw, db):
        arr.flags.writeable = False
    return GradientCheck(
        float(epsilon),
        dw,
        db,
        np.asarray(relative_difference(bp.mean_dC_dw, dw)),
        np.asarray(relative_difference(bp.mean_dC_db, db)),
    )
