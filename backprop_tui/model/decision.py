"""What a network with two inputs decides: its output over the (x1, x2) square, and accuracy.

The square is the unit square widened to include every sample. It is cut into
``columns`` × ``rows`` equal cells, and the network is evaluated at the centre
of each, all cells in one forward pass (an (rows·columns, 2) array through the
layers). Row 0 is the top of the square (the highest x2), column 0 its left
(the lowest x1), as a screen draws it.

A network with several outputs has one value per output in every cell
(``values[row, column, j]`` is output j); a view shows one of them.

Accuracy counts, for targets that are all 0 or 1, the samples whose every
output is on the target's side of 0.5 (an output ≥ 0.5 is read as 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .errors import ModelError
from .network import Network, Samples, forward_sets, shape_text

THRESHOLD = 0.5
"""An output at or above this is read as 1, below it as 0."""


class Bounds(NamedTuple):
    """The square drawn: x1 from ``x1_low`` to ``x1_high``, x2 likewise."""

    x1_low: float
    x1_high: float
    x2_low: float
    x2_high: float


def bounds(samples: Samples | None = None) -> Bounds:
    """The unit square, widened to include every sample's (x1, x2)."""
    if samples is None or len(samples) == 0:
        return Bounds(0.0, 1.0, 0.0, 1.0)
    _check_two(samples.x.shape[1], "the samples have")
    x1, x2 = samples.x[:, 0], samples.x[:, 1]
    return Bounds(min(0.0, float(x1.min())), max(1.0, float(x1.max())),
                  min(0.0, float(x2.min())), max(1.0, float(x2.max())))


def _check_two(inputs: int, what: str) -> None:
    if inputs != 2:
        raise ModelError(f"the decision view needs 2 inputs (x1, x2), but {what} {inputs}")


def network_outputs(network: Network, x: np.ndarray) -> np.ndarray:
    """a(L) for every row of ``x`` (n, N0) at once: (n, NL). Values that overflow stay
    as they come out (±inf or NaN); nothing here refuses them."""
    rows = np.asarray(x, dtype=np.float64)
    a = forward_sets(network, network.flat_w[np.newaxis], network.flat_b[np.newaxis], rows)[1]
    return a[-1][0]


def cell_centres(low: float, high: float, count: int) -> np.ndarray:
    """The centres of ``count`` equal cells from ``low`` to ``high``."""
    return low + (np.arange(count) + 0.5) * ((high - low) / count)


@dataclass(frozen=True, eq=False)
class DecisionGrid:
    """The network's outputs at the centres of ``rows`` × ``columns`` cells of ``bounds``."""

    bounds: Bounds
    values: np.ndarray
    """(rows, columns, NL): row 0 at the top (highest x2), column 0 at the left."""

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def columns(self) -> int:
        return int(self.values.shape[1])

    def cell(self, x1: float, x2: float) -> tuple[int, int]:
        """(row, column) of the cell that holds point (x1, x2); points on the edge of the
        square belong to the edge cells."""
        lo1, hi1, lo2, hi2 = self.bounds
        column = math.floor((x1 - lo1) / (hi1 - lo1) * self.columns)
        up = math.floor((x2 - lo2) / (hi2 - lo2) * self.rows)
        column = min(max(column, 0), self.columns - 1)
        up = min(max(up, 0), self.rows - 1)
        return self.rows - 1 - up, column


def decision_grid(network: Network, columns: int, rows: int,
                  square: Bounds | Sequence[float] | None = None) -> DecisionGrid:
    """The network's outputs over ``square`` (default: the unit square), ``columns`` ×
    ``rows`` cells, in one forward pass."""
    _check_two(network.inputs, f"shape {shape_text(network.shape)} has")
    for name, count in (("columns", columns), ("rows", rows)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ModelError(f"{name}: {count!r} is not a whole number ≥ 1")
    box = Bounds(*(bounds() if square is None else square))
    if not all(math.isfinite(v) for v in box) or not (box.x1_low < box.x1_high
                                                       and box.x2_low < box.x2_high):
        raise ModelError(f"bounds: {tuple(box)} is not a square of finite, increasing sides")
    x1 = cell_centres(box.x1_low, box.x1_high, columns)
    x2 = cell_centres(box.x2_low, box.x2_high, rows)[::-1]  # row 0 at the top
    grid = np.empty((rows, columns, 2))
    grid[:, :, 0] = x1[np.newaxis, :]
    grid[:, :, 1] = x2[:, np.newaxis]
    values = network_outputs(network, grid.reshape(-1, 2))
    values = values.reshape(rows, columns, network.outputs)
    values.flags.writeable = False
    return DecisionGrid(box, values)


class Accuracy(NamedTuple):
    """``right`` of ``total`` samples classified right."""

    right: int
    total: int

    @property
    def fraction(self) -> float:
        return self.right / self.total

    def __str__(self) -> str:
        return f"{self.right}/{self.total}"


def binary_targets(samples: Samples) -> bool:
    """Whether every target is 0 or 1 (so that accuracy means something)."""
    return bool(np.isin(samples.y, (0.0, 1.0)).all())


def predictions(network: Network, samples: Samples) -> np.ndarray:
    """Each output read as 0 or 1 (≥ 0.5 is 1): (n, NL) of bools."""
    return network_outputs(network, samples.x) >= THRESHOLD


def accuracy(network: Network, samples: Samples) -> Accuracy | None:
    """How many samples the network gets right, when every target is 0 or 1 (else None).

    A sample is right when each of its outputs, read as 1 at ≥ 0.5 and 0 below, equals
    its target: with several outputs, all of them must be right. An output that is
    NaN is read as 0.
    """
    network.check_samples(samples)
    if not binary_targets(samples):
        return None
    right = (predictions(network, samples) == (samples.y == 1.0)).all(axis=1)
    return Accuracy(int(right.sum()), len(samples))
