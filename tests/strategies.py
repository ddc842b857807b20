"""Hypothesis strategies shared by the model tests."""

from hypothesis import strategies as st

from backprop_tui.model import SIGMOID, SQUARED_ERROR, Chain, Samples


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def chains(draw, min_layers: int = 1, max_layers: int = 6, activation=SIGMOID,
           cost=SQUARED_ERROR) -> Chain:
    n = draw(st.integers(min_layers, max_layers))
    w = draw(st.lists(finite(-3, 3), min_size=n, max_size=n))
    b = draw(st.lists(finite(-3, 3), min_size=n, max_size=n))
    return Chain(w, b, activation, cost)


@st.composite
def samples(draw, min_size: int = 1, max_size: int = 5, y_low: float = -1,
            y_high: float = 2) -> Samples:
    n = draw(st.integers(min_size, max_size))
    x = draw(st.lists(finite(-2, 2), min_size=n, max_size=n))
    y = draw(st.lists(finite(y_low, y_high), min_size=n, max_size=n))
    return Samples(x, y)
