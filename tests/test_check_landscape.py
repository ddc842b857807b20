"""The nudge check, the cost over one parameter (slope view) and the output over x (fit view)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    CROSS_ENTROPY,
    EPSILON,
    SIGMOID,
    TANH,
    ModelError,
    Network,
    Samples,
    check_gradients,
    cost_slice,
    fit_curve,
    mean_costs,
    nudge,
    outputs,
    relative_difference,
    trace,
)

from .strategies import chains, samples

NOTE = Network.chain([0.5, -0.3, 0.8], [0.1, 0.2, -0.1])
NOTE_DATA = Samples([0.7], [1.0])


def cost_at(chain: Network, data: Samples, which: str, index: int, value: float) -> float:
    """The batch-mean cost with one parameter set to ``value``, by the ordinary forward pass."""
    params = {"w": np.array(chain.flat_w), "b": np.array(chain.flat_b)}
    params[which][index] = value
    return chain.with_params(params["w"], params["b"]).forward(data).mean_cost


@settings(max_examples=50)
@given(chains(), samples())
def test_check_is_the_central_difference_of_the_forward_pass(chain, data):
    bp = trace(chain, data)
    check = check_gradients(bp)
    for l in range(chain.layers):
        for which, numeric in (("w", check.dC_dw), ("b", check.dC_db)):
            theta = float(getattr(chain, f"flat_{which}")[l])
            up, down = theta + EPSILON, theta - EPSILON
            expected = (cost_at(chain, data, which, l, up)
                        - cost_at(chain, data, which, l, down)) / (up - down)
            assert numeric[l] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    # And it agrees with the chain rule to what a central difference can resolve.
    scale = max(1.0, bp.forward.mean_cost)
    np.testing.assert_allclose(check.dC_dw, bp.mean_flat_dC_dw, rtol=1e-5, atol=1e-9 * scale)
    np.testing.assert_allclose(check.dC_db, bp.mean_flat_dC_db, rtol=1e-5, atol=1e-9 * scale)
    np.testing.assert_allclose(check.rel_error_w, relative_difference(bp.mean_flat_dC_dw, check.dC_dw))
    assert check.max_rel_error == max(check.rel_error_w.max(), check.rel_error_b.max())


def test_check_of_the_worked_example_is_tight():
    check = check_gradients(trace(NOTE, NOTE_DATA))
    assert check.epsilon == EPSILON
    assert check.max_rel_error < 1e-8


def test_nudge_of_one_parameter_agrees_with_the_whole_check():
    bp = trace(NOTE, NOTE_DATA)
    check = check_gradients(bp)
    for layer in (1, 2, 3):
        for which, numeric in (("w", check.dC_dw), ("b", check.dC_db)):
            one = nudge(NOTE, NOTE_DATA, which, layer)
            assert one.numeric == pytest.approx(numeric[layer - 1], rel=1e-9)
            assert one.analytic == getattr(bp, f"mean_flat_dC_d{which}")[layer - 1]
            theta = float(getattr(NOTE, f"flat_{which}")[layer - 1])
            assert one.cost_up == pytest.approx(
                cost_at(NOTE, NOTE_DATA, which, layer - 1, theta + EPSILON), rel=1e-14)
            assert one.cost_down == pytest.approx(
                cost_at(NOTE, NOTE_DATA, which, layer - 1, theta - EPSILON), rel=1e-14)
            assert one.rel_error < 1e-8


def test_a_big_nudge_shows_a_bigger_difference():
    small = nudge(NOTE, NOTE_DATA, "w", 3, 1e-5)
    big = nudge(NOTE, NOTE_DATA, "w", 3, 0.5)
    assert big.epsilon == 0.5 and big.rel_error > 100 * small.rel_error


def test_relative_difference():
    assert relative_difference(2.0, 1.0) == 0.5
    assert relative_difference(0.0, 0.0) == 0.0
    assert relative_difference(-1.0, 1.0) == 2.0
    np.testing.assert_array_equal(relative_difference([1.0, 0.0], [1.0, 0.0]), [0.0, 0.0])


@pytest.mark.parametrize("which, layer", [("v", 1), ("w", 0), ("b", 4), ("w", 1.5)])
def test_unknown_parameters_are_refused(which, layer):
    with pytest.raises(ModelError):
        nudge(NOTE, NOTE_DATA, which, layer)
    with pytest.raises(ModelError):
        cost_slice(NOTE, NOTE_DATA, which, layer)


@given(chains(max_layers=4), samples(max_size=3), st.data())
def test_mean_costs_equal_one_forward_pass_per_parameter_set(chain, data, draw):
    count = draw.draw(st.integers(1, 4))
    rng = np.random.default_rng(draw.draw(st.integers(0, 1000)))
    w = chain.flat_w + rng.normal(size=(count, chain.layers))
    b = chain.flat_b + rng.normal(size=(count, chain.layers))
    costs = mean_costs(chain, data, w, b)
    for p in range(count):
        assert costs[p] == pytest.approx(chain.with_params(w[p], b[p]).forward(data).mean_cost,
                                         rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("which, layer", [("w", 1), ("b", 2), ("w", 3)])
def test_cost_slice_is_the_cost_over_one_parameter_with_its_tangent(which, layer):
    data = Samples([0.1, 0.7, 0.9], [0.0, 1.0, 1.0])
    view = cost_slice(NOTE, data, which, layer, half_width=1.5, points=31)
    i = layer - 1
    theta0 = float(getattr(NOTE, f"flat_{which}")[i])
    assert view.theta.size == view.cost.size == view.tangent.size == 31
    assert view.theta[15] == theta0 == view.theta0
    assert view.theta[0] == pytest.approx(theta0 - 1.5) and view.theta[-1] == pytest.approx(theta0 + 1.5)
    assert np.all(np.diff(view.theta) > 0)
    for t, c in zip(view.theta, view.cost):
        assert c == pytest.approx(cost_at(NOTE, data, which, i, t), rel=1e-12)
    bp = trace(NOTE, data)
    assert view.slope == getattr(bp, f"mean_flat_dC_d{which}")[i]
    assert view.cost0 == bp.forward.mean_cost == view.cost[15]
    # The tangent touches the curve at θ₀ with slope ∂C/∂θ, and is a straight line.
    assert view.tangent[15] == view.cost0
    np.testing.assert_allclose(np.diff(view.tangent) / np.diff(view.theta), view.slope,
                               rtol=1e-9, atol=1e-12)
    # Near θ₀ the curve and the tangent agree to second order.
    h = view.theta[16] - view.theta[15]
    assert abs(view.cost[16] - view.tangent[16]) < 10 * h * h


def test_cost_slice_makes_the_point_count_odd_and_refuses_bad_ranges():
    view = cost_slice(NOTE, NOTE_DATA, "b", 3, points=10)
    assert view.theta.size == 11 and view.theta[5] == NOTE.flat_b[2]
    with pytest.raises(ModelError, match="half width"):
        cost_slice(NOTE, NOTE_DATA, "b", 3, half_width=0)
    with pytest.raises(ModelError, match="half width"):
        cost_slice(NOTE, NOTE_DATA, "b", 3, half_width=float("nan"))


def test_cost_slice_with_cross_entropy_and_a_saturating_range():
    chain = Network.chain([1.0], [0.0], SIGMOID, CROSS_ENTROPY)
    view = cost_slice(chain, Samples([1.0], [1.0]), "b", 1, half_width=100.0)
    assert np.isfinite(view.cost).all() and (view.cost >= 0).all()
    assert view.cost[-1] < 1e-40 and view.cost[0] == pytest.approx(99.0, rel=1e-12)


@pytest.mark.parametrize("activation", [SIGMOID, TANH])
def test_fit_curve_is_the_output_over_the_data_range(activation):
    chain = Network.chain([0.9, -1.2], [0.1, 0.3], activation)
    data = Samples([0.0, 0.3, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0])
    fit = fit_curve(chain, data, points=25)
    assert fit.x.size == fit.output.size == 25
    assert fit.x[0] == pytest.approx(-0.09) and fit.x[-1] == pytest.approx(0.99)
    for x, out in zip(fit.x, fit.output):
        single = chain.forward(Samples([x], [0.0]))
        assert out == pytest.approx(single.column("a")[0, -1], rel=1e-13)
    np.testing.assert_array_equal(fit.sample_x, data.x[:, 0])
    np.testing.assert_array_equal(fit.sample_y, data.y[:, 0])
    np.testing.assert_allclose(fit.sample_output, chain.forward(data).column("a")[:, -1], rtol=1e-13)


def test_fit_curve_of_one_sample_spans_one_either_side():
    fit = fit_curve(NOTE, NOTE_DATA, points=3)
    np.testing.assert_allclose(fit.x, [-0.3, 0.7, 1.7])
    np.testing.assert_allclose(outputs(NOTE, np.array([0.7])),
                               trace(NOTE, NOTE_DATA).forward.column("a")[:, -1])
