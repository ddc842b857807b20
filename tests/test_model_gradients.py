"""The backward pass against finite differences, independent arithmetic and the worked example."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_tui.model import FACTOR_NAMES, ModelError, Network, Samples, trace
from backprop_tui.model.functions import SIGMOID

from .strategies import chains, samples


def mean_cost(chain: Network, data: Samples) -> float:
    return chain.forward(data).mean_cost


def numeric_gradient(chain: Network, data: Samples, which: str, layer: int) -> float:
    """∂C/∂θ by a five-point central difference (error O(h⁴))."""
    params = {"w": np.array(chain.flat_w), "b": np.array(chain.flat_b)}
    theta = params[which][layer]
    h = 1e-4 * max(1.0, abs(theta))

    def at(offset: float) -> float:
        p = {k: v.copy() for k, v in params.items()}
        p[which][layer] = theta + offset
        return mean_cost(chain.with_params(p["w"], p["b"]), data)

    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)


def reference(w, b, x, y):
    """The chain with Python floats and math.exp: a second, independent oracle."""
    a = [x]
    zs = []
    for wl, bl in zip(w, b):
        z = wl * a[-1] + bl
        zs.append(z)
        a.append(1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z)))
    return zs, a[1:], (a[-1] - y) ** 2


@given(chains(), samples())
def test_gradients_match_finite_differences(chain, data):
    bp = trace(chain, data)
    for l in range(chain.layers):
        for which, analytic in (("w", bp.mean_flat_dC_dw[l]), ("b", bp.mean_flat_dC_db[l])):
            numeric = numeric_gradient(chain, data, which, l)
            assert analytic == pytest.approx(numeric, rel=1e-7, abs=1e-10), (which, l)


@given(chains(), samples())
def test_input_gradient_matches_finite_differences(chain, data):
    """∂C/∂x (dC_da_prev of the first layer), per sample, though x is never trained."""
    bp = trace(chain, data)
    for k in range(len(data)):
        one = Samples(data.x[k : k + 1], data.y[k : k + 1])
        h = 1e-4 * max(1.0, abs(data.x[k, 0]))

        def at(offset, one=one):
            return mean_cost(chain, Samples(one.x + offset, one.y))

        numeric = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)
        assert bp.column("dC_da_prev")[k, 0] == pytest.approx(numeric, rel=1e-7, abs=1e-10)


@given(chains(), samples())
def test_forward_matches_independent_arithmetic(chain, data):
    fwd = chain.forward(data)
    for k in range(len(data)):
        zs, acts, cost = reference(chain.flat_w.tolist(), chain.flat_b.tolist(), data.x[k, 0],
                                   data.y[k, 0])
        np.testing.assert_allclose(fwd.column("z")[k], zs, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(fwd.column("a")[k], acts, rtol=1e-12, atol=1e-15)
        assert fwd.cost[k] == pytest.approx(cost, rel=1e-12, abs=1e-15)


@given(chains(), samples())
def test_factors_multiply_to_the_gradients(chain, data):
    bp = trace(chain, data)
    local = bp.column("dC_da") * bp.column("da_dz")
    np.testing.assert_array_equal(bp.column("dC_dw"), local * bp.column("dz_dw"))
    np.testing.assert_array_equal(bp.column("dC_db"), local * bp.column("dz_db"))
    np.testing.assert_array_equal(bp.column("dC_da_prev"), local * bp.column("dz_da_prev"))
    # ∂C/∂a(l−1) of layer l is ∂C/∂a of layer l−1.
    np.testing.assert_array_equal(bp.column("dC_da")[:, :-1], bp.column("dC_da_prev")[:, 1:])
    # The local factors are what the formulas say they are.
    fwd = bp.forward
    a = fwd.column("a")
    np.testing.assert_array_equal(bp.column("dC_da")[:, -1], 2 * (a[:, -1] - data.y[:, 0]))
    # σ'(z) is computed from z (exact where a rounds to 1); a·(1−a) agrees to rounding.
    np.testing.assert_allclose(bp.column("da_dz"), a * (1 - a), rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(bp.column("dz_dw")[:, 0], data.x[:, 0])
    np.testing.assert_array_equal(bp.column("dz_dw")[:, 1:], a[:, :-1])
    np.testing.assert_array_equal(bp.column("dz_db"), np.ones_like(bp.column("dz_db")))
    dz_da_prev = bp.column("dz_da_prev")
    np.testing.assert_array_equal(dz_da_prev, np.broadcast_to(chain.flat_w, dz_da_prev.shape))


@given(chains(), samples(min_size=2))
def test_batch_gradient_is_the_mean_of_per_sample_gradients(chain, data):
    bp = trace(chain, data)
    singles = [trace(chain, Samples(data.x[k : k + 1], data.y[k : k + 1]))
               for k in range(len(data))]
    for name in ("mean_flat_dC_dw", "mean_flat_dC_db"):
        np.testing.assert_allclose(getattr(bp, name),
                                   np.mean([getattr(s, name) for s in singles], axis=0),
                                   rtol=1e-12, atol=1e-15)
    for k, single in enumerate(singles):
        for name in FACTOR_NAMES:
            np.testing.assert_allclose(bp.column(name)[k], single.column(name)[0], rtol=1e-12)
    assert bp.forward.mean_cost == pytest.approx(np.mean([s.forward.mean_cost for s in singles]))


def test_worked_example_of_the_note():
    chain = Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1])
    data = Samples([0.7], [1.0])
    bp = trace(chain, data)
    assert bp.forward.column("z")[0, 0] == pytest.approx(0.45, rel=1e-15)
    assert bp.forward.column("a")[0, 0] == pytest.approx(1 / (1 + math.exp(-0.45)), rel=1e-15)
    assert bp.forward.column("a")[0, 0] == pytest.approx(0.610639, abs=5e-7)
    for l in range(3):
        assert bp.mean_flat_dC_dw[l] == pytest.approx(numeric_gradient(chain, data, "w", l), rel=1e-8)
        assert bp.mean_flat_dC_db[l] == pytest.approx(numeric_gradient(chain, data, "b", l), rel=1e-8)


@given(chains(), samples(), st.floats(1e-3, 2))
def test_step_moves_every_parameter_against_its_gradient(chain, data, lr):
    bp = trace(chain, data)
    new = chain.step(bp, lr)
    np.testing.assert_array_equal(new.flat_w, chain.flat_w - lr * bp.mean_flat_dC_dw)
    np.testing.assert_array_equal(new.flat_b, chain.flat_b - lr * bp.mean_flat_dC_db)


def test_sigmoid_never_overflows_or_warns():
    z = np.array([-1e308, -1e300, -745.0, -709.0, -40.0, -1.0, 0.0, 1.0, 40.0, 709.0, 1e308])
    # RuntimeWarnings are errors in this test suite; overflow raises here too.
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        a = SIGMOID.forward(z)
    assert np.all((a >= 0) & (a <= 1))
    assert a[0] == 0.0 and a[-1] == 1.0 and a[6] == 0.5
    assert a[4] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-13)


def test_extreme_parameters_give_finite_numbers_without_warnings():
    chain = Network.chain([1e308, -1e308, 1e308], [0.0, 0.0, 0.0])
    bp = trace(chain, Samples([1.0, -1.0], [1.0, 0.0]))
    assert np.isfinite(bp.mean_flat_dC_dw).all()


@pytest.mark.parametrize(
    "w, b, x, y, message",
    [
        ([float("nan")], [0.0], [1.0], [1.0], "w: value 1 is nan"),
        ([1.0, float("inf")], [0.0, 0.0], [1.0], [1.0], "w: value 2 is inf"),
        ([1.0], [float("-inf")], [1.0], [1.0], "b: value 1 is -inf"),
        ([1.0], [0.0], [float("nan")], [1.0], "x: value 1 is nan"),
        ([1.0], [0.0], [1.0], [float("inf")], "y: value 1 is inf"),
        ([1.0], [0.0, 1.0], [1.0], [1.0], "one bias per weight"),
        ([1.0], [0.0], [1.0, 2.0], [1.0], "give targets for every sample"),
        ([], [], [1.0], [1.0], "empty"),
    ],
)
def test_non_finite_and_mismatched_inputs_are_refused(w, b, x, y, message):
    with pytest.raises(ModelError, match=message.replace("(", r"\(")):
        trace(Network.chain(w, b), Samples(x, y))


def test_a_result_that_overflows_is_refused():
    with pytest.raises(ModelError, match="not finite"):
        trace(Network.chain([1.0], [0.0]), Samples([0.0], [1e200]))


def test_results_are_read_only():
    bp = trace(Network.chain([0.5], [0.1]), Samples([1.0], [0.0]))
    with pytest.raises(ValueError):
        bp.column("dC_dw")[0, 0] = 1.0
    with pytest.raises(ValueError):
        bp.dC_dw[0][0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        bp.forward.network.flat_w[0] = 1.0
