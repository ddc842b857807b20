"""Hypothesis strategies shared by the model tests."""

from hypothesis import strategies as st

from backprop_tui.model import Samples
from backprop_tui.model.functions import CROSS_ENTROPY, RELU, SIGMOID, SQUARED_ERROR, TANH
from backprop_tui.model.network import Network, bias_count, weight_count

PAIRS = [(SIGMOID, SQUARED_ERROR), (TANH, SQUARED_ERROR), (RELU, SQUARED_ERROR),
         (SIGMOID, CROSS_ENTROPY)]
"""Every activation with the squared error, and the sigmoid with cross-entropy."""


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def chains(draw, min_layers: int = 1, max_layers: int = 6, activation=SIGMOID,
           cost=SQUARED_ERROR) -> Network:
    n = draw(st.integers(min_layers, max_layers))
    w = draw(st.lists(finite(-3, 3), min_size=n, max_size=n))
    b = draw(st.lists(finite(-3, 3), min_size=n, max_size=n))
    return Network.chain(w, b, activation, cost)


@st.composite
def samples(draw, min_size: int = 1, max_size: int = 5, y_low: float = -1,
            y_high: float = 2) -> Samples:
    n = draw(st.integers(min_size, max_size))
    x = draw(st.lists(finite(-2, 2), min_size=n, max_size=n))
    y = draw(st.lists(finite(y_low, y_high), min_size=n, max_size=n))
    return Samples(x, y)


@st.composite
def networks(draw, max_layers=3, max_width=3, max_inputs=3, max_samples=3, values=None):
    """A network (any activation and cost, parameters and inputs drawn from
    ``values``, else finite in [−2, 2]) and samples for it."""
    values = finite(-2, 2) if values is None else values
    activation, cost = draw(st.sampled_from(PAIRS))
    layers = draw(st.integers(1, max_layers))
    outputs = 1 if cost is CROSS_ENTROPY else draw(st.integers(1, max_width))
    shape = (draw(st.integers(1, max_inputs)),
             *[draw(st.integers(1, max_width)) for _ in range(layers - 1)], outputs)
    w = draw(st.lists(values, min_size=weight_count(shape), max_size=weight_count(shape)))
    b = draw(st.lists(values, min_size=bias_count(shape), max_size=bias_count(shape)))
    n = draw(st.integers(1, max_samples))
    x = draw(st.lists(st.lists(values, min_size=shape[0], max_size=shape[0]),
                      min_size=n, max_size=n))
    lo = 0.0 if cost is CROSS_ENTROPY else -1.0
    y = draw(st.lists(st.lists(finite(lo, 1), min_size=outputs, max_size=outputs),
                      min_size=n, max_size=n))
    net = Network(shape, w, b, activation, cost)
    return net, net.samples(x, y)
