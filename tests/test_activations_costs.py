"""tanh, ReLU, cross-entropy and deep chains against finite differences; the σ' cancellation."""

import math

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    ACTIVATIONS,
    COSTS,
    CROSS_ENTROPY,
    MAX_LAYERS,
    RELU,
    SIGMOID,
    SQUARED_ERROR,
    TANH,
    ModelError,
    Network,
    Samples,
    Trainer,
    trace,
)

from .strategies import chains, finite, samples


def five_point(chain: Network, data: Samples, which: str, layer: int):
    """∂C/∂θ by a five-point central difference, and the four nudged forward passes."""
    params = {"w": np.array(chain.flat_w), "b": np.array(chain.flat_b)}
    theta = params[which][layer]
    h = 1e-4 * max(1.0, abs(theta))
    passes = {}
    for k in (-2, -1, 1, 2):
        p = {name: v.copy() for name, v in params.items()}
        p[which][layer] = theta + k * h
        passes[k] = chain.with_params(p["w"], p["b"]).forward(data)
    c = {k: f.mean_cost for k, f in passes.items()}
    return (-c[2] + 8 * c[1] - 8 * c[-1] + c[-2]) / (12 * h), passes


def rounding(chain: Network, data: Samples, which: str, layer: int) -> float:
    """A bound on the rounding error of :func:`five_point`: each cost carries a few ulps
    of error (8·eps·|C| here), and the formula sums 18 of them over 12·h."""
    theta = {"w": chain.flat_w, "b": chain.flat_b}[which][layer]
    h = 1e-4 * max(1.0, abs(theta))
    cost = abs(chain.forward(data).mean_cost)
    return 18 * 8 * np.finfo(float).eps * max(cost, 1.0) / (12 * h)


def assert_gradients_match(chain: Network, data: Samples, rel=1e-7, abs=1e-10) -> None:
    bp = trace(chain, data)
    for l in range(chain.layers):
        for which, analytic in (("w", bp.mean_flat_dC_dw[l]), ("b", bp.mean_flat_dC_db[l])):
            numeric, passes = five_point(chain, data, which, l)
            if chain.activation is RELU:
                # Away from the kink: no nudge may move any z across 0.
                side = bp.forward.column("z") > 0
                assume(all(np.array_equal(f.column("z") > 0, side) for f in passes.values()))
                assume(np.abs(bp.forward.column("z")).min() > 1e-6)
            noise = rounding(chain, data, which, l)
            assert analytic == pytest.approx(numeric, rel=rel, abs=abs + noise), (which, l)


unit_targets = st.lists(
    st.one_of(st.sampled_from([0.0, 1.0]), finite(0, 1)), min_size=1, max_size=4
)


@st.composite
def unit_samples(draw):
    y = draw(unit_targets)
    x = draw(st.lists(finite(-2, 2), min_size=len(y), max_size=len(y)))
    return Samples(x, y)


@settings(max_examples=60)
@given(chains(activation=TANH), samples())
def test_tanh_gradients_match_finite_differences(chain, data):
    assert_gradients_match(chain, data)


@settings(max_examples=60)
@given(chains(max_layers=4, activation=RELU), samples(max_size=3))
@example(Network.chain([0.0, 1.375, 2.0, 2.0], [2.0, 1.80808142502, 0.0, 2.0], RELU),
         Samples([0.0], [0.0]))  # C ≈ 410: its finite differences carry ~1e-9 of rounding
def test_relu_gradients_match_finite_differences_away_from_the_kink(chain, data):
    assert_gradients_match(chain, data)


@settings(max_examples=60)
@given(chains(cost=CROSS_ENTROPY), unit_samples())
def test_cross_entropy_gradients_match_finite_differences(chain, data):
    assert_gradients_match(chain, data)


@settings(max_examples=40)
@given(st.sampled_from([SIGMOID, TANH]), st.data())
def test_deep_chains_match_finite_differences(activation, data):
    chain = data.draw(chains(min_layers=7, max_layers=MAX_LAYERS, activation=activation))
    assert_gradients_match(chain, data.draw(samples(max_size=3)))


@given(chains(cost=CROSS_ENTROPY), unit_samples())
def test_sigma_prime_cancels_with_cross_entropy(chain, data):
    """∂C/∂z(L) = ∂C/∂a(L)·σ'(z(L)) = a(L) − y, and the gradients build on it."""
    bp = trace(chain, data)
    fwd = bp.forward
    a, y = fwd.column("a")[:, -1], data.y[:, 0]
    dC_da, da_dz, dC_dz = bp.column("dC_da"), bp.column("da_dz"), bp.column("dC_dz")
    np.testing.assert_allclose(dC_dz[:, -1], a - y, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dC_dz[:, -1], dC_da[:, -1] * da_dz[:, -1], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(dC_da[:, -1], (a - y) / (a * (1 - a)), rtol=1e-8)
    np.testing.assert_array_equal(bp.column("dC_dw")[:, -1], dC_dz[:, -1] * bp.column("dz_dw")[:, -1])
    np.testing.assert_array_equal(bp.column("dC_db")[:, -1], dC_dz[:, -1])
    np.testing.assert_array_equal(dC_dz[:, :-1], dC_da[:, :-1] * da_dz[:, :-1])
    assert chain.cancellation is CROSS_ENTROPY.cancellation


def test_no_cancellation_without_cross_entropy_and_sigmoid():
    assert Network.chain([1.0], [0.0]).cancellation is None
    assert Network.chain([1.0], [0.0], TANH).cancellation is None
    assert CROSS_ENTROPY.cancels(TANH) is None


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
@pytest.mark.parametrize("z", [40.0, -40.0, 300.0, -300.0])
def test_saturated_sigmoid_gives_a_finite_exact_cross_entropy(z, y):
    """z(L) = 40 rounds a(L) to 1.0 exactly; the cost still comes out right, log(0) never runs."""
    chain = Network.chain([1.0], [z], SIGMOID, CROSS_ENTROPY)
    data = Samples([0.0], [y])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        fwd = chain.forward(data)
    # C = y·ln(1+e^(−z)) + (1−y)·ln(1+e^z), written out with math.log1p.
    expected = y * (math.log1p(math.exp(-abs(z))) + max(-z, 0)) + (1 - y) * (
        math.log1p(math.exp(-abs(z))) + max(z, 0))
    assert fwd.cost[0] == pytest.approx(expected, rel=1e-14)
    assert math.isfinite(fwd.cost[0]) and fwd.cost[0] >= 0
    if abs(z) == 40.0:
        bp = fwd.backward()
        # a − y, exact even where a rounds: for y = 1 and z = 40 it is −σ(−40).
        sig = 1 / (1 + math.exp(-z))
        exact = (1 - y) * sig - y * (math.exp(-z) / (1 + math.exp(-z)) if z > 0 else 1 - sig)
        assert bp.column("dC_dz")[0, 0] == pytest.approx(exact, rel=1e-12)
        assert bp.mean_flat_dC_db[0] == pytest.approx(exact, rel=1e-12)
        # σ'(40) is not rounded to 0: the two factors still multiply to ∂C/∂z.
        da_dz = bp.column("da_dz")[0, 0]
        assert da_dz == pytest.approx(math.exp(-40) / (1 + math.exp(-40)) ** 2, rel=1e-12)
        assert bp.column("dC_da")[0, 0] * da_dz == pytest.approx(exact, rel=1e-9)


def test_trainer_handles_a_saturated_cross_entropy_output():
    chain = Network.chain([1.0], [40.0], SIGMOID, CROSS_ENTROPY)
    trainer = Trainer(chain, Samples([0.0], [0.0]), 0.5)
    assert trainer.run(3).steps == 3 and trainer.divergence is None
    # Each step moves b by −η·(a − y) ≈ −0.5.
    assert trainer.network.flat_b[0] == pytest.approx(40.0 - 1.5, rel=1e-12)


@pytest.mark.parametrize("activation", [TANH, RELU])
def test_cross_entropy_refuses_outputs_outside_0_1(activation):
    with pytest.raises(ModelError, match=rf"cross-entropy needs an output in \(0, 1\).*{activation.name}"):
        Network.chain([1.0], [0.0], activation, CROSS_ENTROPY)


@pytest.mark.parametrize("y", [-0.1, 1.5, 2.0])
def test_cross_entropy_refuses_targets_outside_0_1(y):
    chain = Network.chain([1.0], [0.0], SIGMOID, CROSS_ENTROPY)
    data = Samples([0.3, 0.4], [0.5, y])
    with pytest.raises(ModelError, match=r"targets y in \[0, 1\]: y value 2"):
        chain.forward(data)
    with pytest.raises(ModelError, match=r"targets y in \[0, 1\]"):
        Trainer(chain, data, 0.1)


def test_chains_have_1_to_10_layers():
    Network.chain([0.5] * MAX_LAYERS, [0.0] * MAX_LAYERS)
    with pytest.raises(ModelError, match="at most 10"):
        Network.chain([0.5] * (MAX_LAYERS + 1), [0.0] * (MAX_LAYERS + 1))
    with pytest.raises(ModelError, match="empty"):
        Network.chain([], [])


@pytest.mark.parametrize("activation", list(ACTIVATIONS.values()))
def test_activations_never_warn_and_match_their_definitions(activation):
    z = np.array([-1e308, -745.0, -40.0, -1.0, -1e-300, 0.0, 1e-300, 0.5, 40.0, 745.0, 1e308])
    # RuntimeWarnings are errors in this test suite; overflow raises here too.
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        a = activation.forward(z)
        d = activation.derivative(z, a)
    assert np.isfinite(a).all() and np.isfinite(d).all()
    assert (d >= 0).all() and (d <= activation.derivative_max).all()
    if activation is TANH:
        np.testing.assert_allclose(a, np.tanh(z))
        np.testing.assert_allclose(d[3:-3], 1 - np.tanh(z[3:-3]) ** 2, rtol=1e-12)
        # Where tanh z rounds to ±1, 1 − tanh²z keeps its value: 4e^(−80)/(1+e^(−80))².
        assert d[2] == d[-3] == pytest.approx(4 * math.exp(-80), rel=1e-12)
    if activation is RELU:
        np.testing.assert_array_equal(a, np.maximum(z, 0))
        np.testing.assert_array_equal(d, (z > 0).astype(float))  # 0 at the kink itself


@given(finite(-30, 30))
def test_activation_derivatives_match_finite_differences(z):
    for activation in (SIGMOID, TANH):
        h = 1e-5
        f = activation.forward
        numeric = (f(np.array(z + h)) - f(np.array(z - h))) / (2 * h)
        d = activation.derivative(np.array(z), f(np.array(z)))
        # Near a = ±1 the difference quotient moves in steps of ulp(1)/2h ≈ 1.1e-11:
        # two of them cover the rounding of both nudged values.
        assert d == pytest.approx(numeric, rel=1e-5, abs=2.5e-11)


def test_costs_are_registered_with_their_names():
    assert set(COSTS) == {"squared-error", "cross-entropy"}
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu"}
    assert COSTS["cross-entropy"] is CROSS_ENTROPY and COSTS["squared-error"] is SQUARED_ERROR


@given(chains(max_layers=MAX_LAYERS), samples())
def test_vanishing_gradient_numbers(chain, data):
    """The running product of σ' equals the product of the da_dz values, and stays ≤ 4^(−k)."""
    bp = trace(chain, data)
    n = chain.layers
    for l in range(n):
        expected = np.ones(len(data))
        for j in range(l, n):
            expected = expected * bp.column("da_dz")[:, j]
        np.testing.assert_allclose(bp.prime_product[:, l], expected, rtol=1e-12)
        k = n - l
        assert bp.prime_bound()[l] == 0.25 ** k
        assert (bp.prime_product[:, l] <= 0.25 ** k * (1 + 1e-12)).all()
    np.testing.assert_allclose(bp.mean_prime_product, bp.prime_product.mean(axis=0))


def test_vanishing_bound_of_tanh_and_relu_is_1():
    bp = trace(Network.chain([0.5, 0.5], [0.1, 0.1], TANH), Samples([0.3], [0.2]))
    np.testing.assert_array_equal(bp.prime_bound(), [1.0, 1.0])
