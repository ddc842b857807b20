"""Activations and costs: each one small piece, its rule, its derivative and its text.

An activation or a cost is a value object holding vectorised numpy functions and
the formula templates the screen and the trace print. Adding one is adding one
instance here and registering it; nothing else in the program names them.

Templates use ``{z}``, ``{a}`` and ``{y}`` placeholders, filled either with
symbols (``a(L)``) or with numbers (``0.5753``) by :mod:`backprop_tui.formulas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import ModelError

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """An activation function a = g(z) and its derivative ∂a/∂z."""

    name: str
    """Name on the command line and in JSON (``sigmoid``)."""
    symbol: str
    """The letter the formulas use for it (``σ``)."""
    forward: Callable[[Array], Array]
    """a = g(z), elementwise, never overflowing for a finite z."""
    derivative: Callable[[Array, Array], Array]
    """∂a/∂z given (z, a), elementwise."""
    definition: str
    """g(z) as text, e.g. ``1/(1+e^(−{z}))``."""
    derivative_text: str
    """∂a/∂z as text in the placeholders, e.g. ``{a}·(1−{a})``."""


@dataclass(frozen=True)
class Cost:
    """A per-sample cost C(a, y) of the output a and target y, and ∂C/∂a."""

    name: str
    """Name on the command line and in JSON (``squared-error``)."""
    value: Callable[[Array, Array], Array]
    """C per sample, elementwise."""
    gradient: Callable[[Array, Array], Array]
    """∂C/∂a per sample, elementwise."""
    value_text: str
    """C as text in the placeholders ``{a}``, ``{y}``."""
    gradient_text: str
    """∂C/∂a as text in the placeholders ``{a}``, ``{y}``."""
    check_targets: Callable[[Array], None] = lambda y: None
    """Raises :class:`ModelError` for targets this cost cannot take."""


def _sigmoid(z: Array) -> Array:
    # σ(z) = exp(−log(1 + e^(−z))): logaddexp never overflows, and the result
    # keeps its relative precision in both tails (σ(−40) ≈ 4.2e−18, not 0).
    return np.exp(-np.logaddexp(0.0, -z))


def _sigmoid_derivative(z: Array, a: Array) -> Array:
    return a * (1.0 - a)


SIGMOID = Activation(
    name="sigmoid",
    symbol="σ",
    forward=_sigmoid,
    derivative=_sigmoid_derivative,
    definition="1/(1+e^(−{z}))",
    derivative_text="{a}·(1−{a})",
)


def _squared_error(a: Array, y: Array) -> Array:
    d = a - y
    return d * d


def _squared_error_gradient(a: Array, y: Array) -> Array:
    return 2.0 * (a - y)


SQUARED_ERROR = Cost(
    name="squared-error",
    value=_squared_error,
    gradient=_squared_error_gradient,
    value_text="({a}−{y})²",
    gradient_text="2({a}−{y})",
)

ACTIVATIONS: dict[str, Activation] = {act.name: act for act in (SIGMOID,)}
"""Every activation, by name."""

COSTS: dict[str, Cost] = {cost.name: cost for cost in (SQUARED_ERROR,)}
"""Every cost, by name."""


def activation_named(name: str) -> Activation:
    """The activation called ``name``, or a :class:`ModelError` listing the choices."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ModelError(
            f"unknown activation {name!r} (choose from {', '.join(ACTIVATIONS)})"
        ) from None


def cost_named(name: str) -> Cost:
    """The cost called ``name``, or a :class:`ModelError` listing the choices."""
    try:
        return COSTS[name]
    except KeyError:
        raise ModelError(f"unknown cost {name!r} (choose from {', '.join(COSTS)})") from None
