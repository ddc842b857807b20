"""Activations and costs: each one small piece, its rule, its derivative and its text.

An activation or a cost is a value object holding vectorised numpy functions and
the formula templates the screen and the trace print. Adding one is adding one
instance here and registering it; nothing else in the program names them.

Templates use ``{z}``, ``{a}`` and ``{y}`` placeholders, filled either with
symbols (``a(L)``) or with numbers (``0.5753``) by :mod:`backprop_tui.present.formulas`.

Each one also carries its rule for one number at a time (``scalar``): Python
statements on floats, the same operations as the numpy functions in the same
order, that the training step for small batches compiles into its loop
(:mod:`backprop_tui.model.fast_step`). Placeholders there: ``{z}``, ``{a}``,
``{y}`` as above, the results ``{d}`` (∂a/∂z), ``{c}`` (C), ``{g}`` (∂C/∂a or
∂C/∂z), and ``{t}``, a prefix for temporary names (a cost's gradient may use
the temporaries of its value, which runs first). Names available: ``exp``,
``log1p``, ``tanh`` (from :mod:`math`) and the builtins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from .errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    Array = np.ndarray
else:  # the first frame names the functions; numpy is loaded when they first compute
    from .lazy_numpy import numpy_on_first_use

    np = numpy_on_first_use()


class Activation(NamedTuple):
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
    forward_derivative: Callable[[Array], tuple[Array, Array]] | None = None
    """(a, ∂a/∂z) given z, in one go where the two share work; the same numbers as
    ``forward`` and ``derivative``. None: those two are called."""
    scalar: str = ""
    """Statements setting ``{a}`` and ``{d}`` from the float ``{z}`` (see the module)."""
    bounded: bool = False
    """|g(z)| ≤ 1 for every z, in floating point too: then past the first layer
    |z(l)| ≤ |w(l)| + |b(l)|, finite whenever the parameters are not huge."""

    def forward_and_derivative(self, z: Array) -> tuple[Array, Array]:
        """(a, ∂a/∂z) for z: ``forward_derivative`` if it is given, else the two calls."""
        if self.forward_derivative is not None:
            return self.forward_derivative(z)
        a = self.forward(z)
        return a, self.derivative(z, a)


class Cancellation(NamedTuple):
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
    scalar: str = ""
    """Statements setting ``{g}`` = ∂C/∂z(L) from the floats ``{a}``, ``{y}``, ``{z}``."""


class Cost(NamedTuple):
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
    check_targets: Callable[[Array | Sequence[float]], None] = lambda y: None
    """Raises :class:`ModelError` for targets this cost cannot take."""
    check_activation: Callable[[Activation], None] = lambda activation: None
    """Raises :class:`ModelError` for an output activation this cost cannot take."""
    cancellation: Cancellation | None = None
    """The simplification of ∂C/∂z(L) with one particular output activation, if any."""
    scalar_value: str = ""
    """Statements setting ``{c}`` from the floats ``{a}``, ``{y}``, ``{z}`` (see the module)."""
    scalar_gradient: str = ""
    """Statements setting ``{g}`` = ∂C/∂a from ``{a}``, ``{y}``, ``{z}`` (after
    ``scalar_value``, whose temporaries it may use); empty when only the
    cancellation is ever needed."""

    def cancels(self, activation: Activation) -> Cancellation | None:
        """The cancellation that applies with ``activation`` at the output, if any."""
        c = self.cancellation
        return c if c is not None and c.activation == activation.name else None


def _softplus(z: Array) -> Array:
    """ln(1 + e^z), never overflowing."""
    return np.logaddexp(0.0, z)


# With e = e^(−|z|) (never overflowing, in (0, 1]) and t = 1/(1 + e):
# σ(z) = t for z ≥ 0 and e·t for z < 0, σ(−z) the other one, so
# σ'(z) = σ(z)·σ(−z) = e·t². Every value keeps its relative precision in both
# tails (σ(−40) ≈ 4.2e−18, not 0; σ'(40) ≈ 4.2e−18 where a·(1−a) would give 0,
# since σ(40) is 1.0 in floating point).


def _sigmoid_parts(z: Array) -> tuple[Array, Array]:
    e = np.exp(-np.abs(z))
    return e, 1.0 / (1.0 + e)


def _sigmoid(z: Array) -> Array:
    e, t = _sigmoid_parts(z)
    return np.where(z >= 0.0, t, e * t)


def _sigmoid_derivative(z: Array, a: Array) -> Array:
    e, t = _sigmoid_parts(z)
    return e * t * t


def _sigmoid_both(z: Array) -> tuple[Array, Array]:
    e, t = _sigmoid_parts(z)
    et = e * t
    return np.where(z >= 0.0, t, et), et * t


_SIGMOID_SCALAR = """\
if {z} >= 0.0:
    {t}e = exp(-{z})
    {a} = {t}t = 1.0 / (1.0 + {t}e)
    {d} = {t}e * {t}t * {t}t
else:
    {t}e = exp({z})
    {t}t = 1.0 / (1.0 + {t}e)
    {a} = {t}e * {t}t
    {d} = {a} * {t}t
"""


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
    forward_derivative=_sigmoid_both,
    scalar=_SIGMOID_SCALAR,
    bounded=True,
)


def _tanh(z: Array) -> Array:
    return np.tanh(z)


def _tanh_derivative(z: Array, a: Array) -> Array:
    # 1 − tanh²z = 4u/(1+u)² with u = e^(−2|z|): exact where tanh z rounds to ±1.
    e = np.exp(-np.abs(z))
    u = e * e
    return 4.0 * u / ((1.0 + u) * (1.0 + u))


TANH = Activation(
    name="tanh",
    symbol="tanh",
    forward=_tanh,
    derivative=_tanh_derivative,
    definition="tanh({z})",
    derivative_text="1−tanh²({z})",
    output_range="(−1, 1)",
    scalar="""\
{a} = tanh({z})
{t}e = exp(-abs({z}))
{t}u = {t}e * {t}e
{d} = 4.0 * {t}u / ((1.0 + {t}u) * (1.0 + {t}u))
""",
    bounded=True,
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
    scalar="""\
{a} = {z} if {z} >= 0.0 else 0.0
{d} = 1.0 if {z} > 0.0 else 0.0
""",
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
    scalar_value="""\
{t}d = {a} - {y}
{c} = {t}d * {t}d
""",
    scalar_gradient="{g} = 2.0 * {t}d\n",
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


def _sigmoid_scalar(z: str, a: str, d: str, t: str) -> str:
    """The sigmoid's scalar statements with other names (still a template)."""
    return (_SIGMOID_SCALAR.replace("{t}", t).replace("{z}", z).replace("{a}", a)
            .replace("{d}", d))


# ln(1 + e^z) and ln(1 + e^(−z)) one number at a time, as np.logaddexp(0, ±z)
# computes them: the larger of 0 and ±z plus log1p(e^(−|z|)).
_CROSS_ENTROPY_SCALAR = """\
if {z} > 0.0:
    {t}l = log1p(exp(-{z}))
    {t}p = {z} + {t}l
    {t}m = {t}l
else:
    {t}l = log1p(exp({z}))
    {t}p = {t}l
    {t}m = -{z} + {t}l
{c} = {y} * {t}m + (1.0 - {y}) * {t}p
"""


def _cross_entropy_sigmoid_dC_dz(a: Array, y: Array, z: Array) -> Array:
    # a − y = σ(z) − y = (1−y)·σ(z) − y·σ(−z): exact for y = 0 and y = 1 even
    # where σ(z) rounds to 1.
    return (1.0 - y) * _sigmoid(z) - y * _sigmoid(-z)


def _unit_targets(targets: Array | Sequence[float]) -> None:
    y = np.asarray(targets, dtype=float)
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
        activation=SIGMOID.name, dC_dz=_cross_entropy_sigmoid_dC_dz, text="{a}−{y}",
        # σ(z) and σ(−z) by the sigmoid's own rule.
        scalar=(_sigmoid_scalar("{z}", "{t}s", "{t}sd", "{t}p")
                + _sigmoid_scalar("(-{z})", "{t}n", "{t}nd", "{t}m")
                + "{g} = (1.0 - {y}) * {t}s - {y} * {t}n\n"),
    ),
    scalar_value=_CROSS_ENTROPY_SCALAR,
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
