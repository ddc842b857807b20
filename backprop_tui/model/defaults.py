"""The documented start values: the lecture note's worked example."""

from __future__ import annotations

W: tuple[float, ...] = (0.5, -0.3, 0.8)
"""Weights, input to output: w(L−2), w(L−1), w(L)."""
B: tuple[float, ...] = (0.1, 0.2, -0.1)
"""Biases, input to output."""
X: tuple[float, ...] = (0.7,)
"""Inputs, one per sample."""
Y: tuple[float, ...] = (1.0,)
"""Targets, one per sample."""
LR: float = 0.5
"""The learning rate η."""
STEPS: int = 1000
"""Steps ``train`` takes."""
DATASET_X: tuple[float, ...] = (0.0, 0.125, 0.25, 0.375, 0.625, 0.75, 0.875, 1.0)
"""The built-in dataset's inputs: eight points spread evenly over [0, 1] (0.5 left out)."""
DATASET_Y: tuple[float, ...] = tuple(1.0 if x > 0.5 else 0.0 for x in DATASET_X)
"""The built-in dataset's targets: a threshold, y = 1 when x > 0.5, else 0."""

XOR_SHAPE: tuple[int, ...] = (2, 2, 1)
"""The shape ``--xor`` gives unless ``--shape`` says otherwise: the smallest network that
can learn XOR."""

EPSILON: float = 1e-5
"""The default nudge ε: C is computed at θ ± ε for the nudge check."""

SEED: int = 0
"""The seed of the random start values ``--layers N`` draws when none is given."""


def random_start(layers: int, seed: int = SEED) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Reproducible start values (w, b) for ``layers`` layers, input to output.

    Each weight is ±(0.2 … 1.2) with a random sign (never near 0, which would cut
    the chain), each bias is in [−0.5, 0.5]; both rounded to 2 decimals so they
    read well and can be typed back. The same (layers, seed) always gives the
    same values.
    """
    return random_start_counts(layers, layers, seed)


def random_start_counts(weights: int, biases: int,
                        seed: int = SEED) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """:func:`random_start` for ``weights`` weights and ``biases`` biases (a network with
    several neurons a layer has more weights than biases); with one of each per layer
    the very same values."""
    import numpy as np  # here, not above: the defaults are read before numpy is needed

    rng = np.random.default_rng(seed)
    sign = rng.choice((-1.0, 1.0), size=weights)
    w = np.round(sign * rng.uniform(0.2, 1.2, size=weights), 2)
    b = np.round(rng.uniform(-0.5, 0.5, size=biases), 2) + 0.0  # no −0.0
    return tuple(float(v) for v in w), tuple(float(v) for v in b)
