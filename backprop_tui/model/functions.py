"""Activations and costs: each one small piece, its rule, its derivative and its text.

An activation or a cost is a value object holding vectorised numpy functions and
the formula templates the screen and the trace print. Adding one is adding one
instance here and registering it; nothing else in the program names them.

Templates use ``{z}``, ``{a}`` and ``{y}`` placeholders, filled either with
symbols (``a(L)``) or with numbers (``0.5753``) by :mod:`backprop_tui.formulas`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    output_range: str = "(−∞, ∞)"
    """The values a = g(z) can take, as text: ``(0, 1)`` for the sigmoid."""
    derivative_max: float = 1.0
    """The largest value of g'(z): through k layers the product of g' is at most this^k."""
    derivative_max_text: str = "1"
    """``derivative_max`` as the formulas print it (``1/4``)."""


@dataclass(frozen=True)
class Cancellation:
    """A cost whose ∂C/∂a cancels the output activation's derivative.

    With this cost and the activation ``activation`` at the output,
    ∂C/∂z(L) = ∂C/∂a(L)·g'(z(L)) simplifies, and is computed directly from the
    simplified form (stable where the two factors are huge and tiny).
    """

    activation: str
    """The name of the activation the cancellation needs (``sigmoid``)."""
    dC_dz: Callable[[Array, Array, Array], Array]
    """∂C/∂z(L) given (a, y, z), elementwise."""
    text: str
    """∂C/∂z(L) as text in the placeholders ``{a}``, ``{y}`` (``{a}−{y}``)."""


@dataclass(frozen=True)
class Cost:
    """A per-sample cost C(a, y) of the output a and target y, and ∂C/∂a.

    ``value`` and ``gradient`` take (a, y, z): z is the output's z(L), for the
    costs that need it to stay exact where a rounds to 0 or 1.
    """

    name: str
    """Name on the command line and in JSON (``squared-error``)."""
    value: Callable[[Array, Array, Array], Array]
    """C per sample given (a, y, z), elementwise."""
    gradient: Callable[[Array, Array, Array], Array]
    """∂C/∂a per sample given (a, y, z), elementwise."""
    value_text: str
    """C as text in the placeholders ``{a}``, ``{y}``."""
    gradient_text: str
    """∂C/∂a as text in the placeholders ``{a}``, ``{y}``."""
    check_targets: Callable[[Array], None] = lambda y: None
    """Raises :class:`ModelError` for targets this cost cannot take."""
    check_activation: Callable[[Activation], None] = lambda activation: None
    """Raises :class:`ModelError` for an output activation this cost cannot take."""
    cancellation: Cancellation | None = None
    """The simplification of ∂C/∂z(L) with one particular output activation, if any."""

    def cancels(self, activation: Activation) -> Cancellation | None:
        """The cancellation that applies with ``activation`` at the output, if any."""
        c = self.cancellation
        return c if c is not None and c.activation == activation.name else None


def _softplus(z: Array) -> Array:
    """ln(1 + e^z), never overflowing."""
    return np.logaddexp(0.0, z)


def _sigmoid(z: Array) -> Array:
    # σ(z) = exp(−log(1 + e^(−z))): logaddexp never overflows, and the result
    # keeps its relative precision in both tails (σ(−40) ≈ 4.2e−18, not 0).
    return np.exp(-np.logaddexp(0.0, -z))


def _sigmoid_derivative(z: Array, a: Array) -> Array:
    # σ'(z) = σ(z)·σ(−z) = a·(1−a) with 1−a = σ(−z) = exp(−log(1 + e^z)) taken
    # from z: exact in both tails, where a·(1−a) would round to 0 (a = σ(40) is
    # 1.0 in floating point).
    return a * np.exp(-np.logaddexp(0.0, z))


SIGMOID = Activation(
    name="sigmoid",
    symbol="σ",
    forward=_sigmoid,
    derivative=_sigmoid_derivative,
    definition="1/(1+e^(−{z}))",
    derivative_text="{a}·(1−{a})",
    output_range="(0, 1)",
    derivative_max=0.25,
    derivative_max_text="1/4",
)


def _tanh_derivative(z: Array, a: Array) -> Array:
    # 1 − tanh²z = 4u/(1+u)² with u = e^(−2|z|): exact where tanh z rounds to ±1.
    e = np.exp(-np.abs(z))
    u = e * e
    return 4.0 * u / ((1.0 + u) * (1.0 + u))


TANH = Activation(
    name="tanh",
    symbol="tanh",
    forward=np.tanh,
    derivative=_tanh_derivative,
    definition="tanh({z})",
    derivative_text="1−tanh²({z})",
    output_range="(−1, 1)",
)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_derivative(z: Array, a: Array) -> Array:
    return (z > 0).astype(np.float64)


RELU = Activation(
    name="relu",
    symbol="ReLU",
    forward=_relu,
    derivative=_relu_derivative,
    definition="max(0, {z})",
    derivative_text="(1 if {z}>0, else 0)",
    output_range="[0, ∞)",
)


def _squared_error(a: Array, y: Array, z: Array) -> Array:
    d = a - y
    return d * d


def _squared_error_gradient(a: Array, y: Array, z: Array) -> Array:
    return 2.0 * (a - y)


SQUARED_ERROR = Cost(
    name="squared-error",
    value=_squared_error,
    gradient=_squared_error_gradient,
    value_text="({a}−{y})²",
    gradient_text="2({a}−{y})",
)


# Cross-entropy, with a = σ(z) (the one output it takes): ln a = −softplus(−z)
# and ln(1−a) = −softplus(z), so C is finite and exact even where a rounds to
# 0 or 1, and log(0) never happens.


def _cross_entropy(a: Array, y: Array, z: Array) -> Array:
    with np.errstate(all="ignore"):
        return y * _softplus(-z) + (1.0 - y) * _softplus(z)


def _cross_entropy_gradient(a: Array, y: Array, z: Array) -> Array:
    # (a−y)/(a(1−a)) = (1−y)/(1−a) − y/a = (1−y)(1+e^z) − y(1+e^(−z)); a term
    # whose weight is 0 stays 0 even where its exponential overflows.
    with np.errstate(all="ignore"):
        up = np.where(y == 1.0, 0.0, (1.0 - y) * (1.0 + np.exp(z)))
        down = np.where(y == 0.0, 0.0, y * (1.0 + np.exp(-z)))
        return up - down


def _cross_entropy_sigmoid_dC_dz(a: Array, y: Array, z: Array) -> Array:
    # a − y = σ(z) − y = (1−y)·σ(z) − y·σ(−z): exact for y = 0 and y = 1 even
    # where σ(z) rounds to 1.
    return (1.0 - y) * _sigmoid(z) - y * _sigmoid(-z)


def _unit_targets(y: Array) -> None:
    bad = (y < 0.0) | (y > 1.0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(
            f"cross-entropy needs targets y in [0, 1]: y value {i + 1} is {float(y[i])!r}"
        )


def _unit_output(activation: Activation) -> None:
    if activation.name != SIGMOID.name:
        raise ModelError(
            f"cross-entropy needs an output in (0, 1), but {activation.name} gives "
            f"values in {activation.output_range}: use the sigmoid activation"
        )


CROSS_ENTROPY = Cost(
    name="cross-entropy",
    value=_cross_entropy,
    gradient=_cross_entropy_gradient,
    value_text="−[{y}·ln {a}+(1−{y})·ln(1−{a})]",
    gradient_text="({a}−{y})/({a}·(1−{a}))",
    check_targets=_unit_targets,
    check_activation=_unit_output,
    cancellation=Cancellation(
        activation=SIGMOID.name, dC_dz=_cross_entropy_sigmoid_dC_dz, text="{a}−{y}"
    ),
)

ACTIVATIONS: dict[str, Activation] = {act.name: act for act in (SIGMOID, TANH, RELU)}
"""Every activation, by name."""

COSTS: dict[str, Cost] = {cost.name: cost for cost in (SQUARED_ERROR, CROSS_ENTROPY)}
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
