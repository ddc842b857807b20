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
