"""The forward and backward pass of the one model, for chains (the networks of width 1) and
wider networks.

The gradients are checked against five-point finite differences and against a plain-Python
implementation written here, one float at a time; a chain's also factor by factor and
against the worked example of the note, and a width-1 network against the chain's columns.
The sum over j of ∂C/∂a_k(l−1) is checked term by term and against the matrix form.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    CROSS_ENTROPY,
    FACTOR_NAMES,
    RELU,
    SIGMOID,
    TANH,
    ModelError,
    Network,
    Samples,
    defaults,
    trace,
)
from backprop_tui.model.check import check_gradients, nudge
from backprop_tui.model.network import random_network, weight_count, xor_samples
from backprop_tui.model.trainer import Trainer

from .strategies import PAIRS, chains, finite, networks, samples

# -- an independent implementation: plain Python floats, loops over every index ----


def _act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    return max(0.0, z)


def _act_prime(name, z):
    if name == "sigmoid":
        s = _act("sigmoid", z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - math.tanh(z) ** 2
    return 1.0 if z > 0 else 0.0


def plain_forward(shape, w, b, act, x):
    """Lists of z and a per layer (w[l][j][k], b[l][j] as nested lists)."""
    zs, as_ = [], []
    a_prev = list(x)
    for l in range(len(shape) - 1):
        z = [sum(w[l][j][k] * a_prev[k] for k in range(shape[l])) + b[l][j]
             for j in range(shape[l + 1])]
        a = [_act(act, v) for v in z]
        zs.append(z)
        as_.append(a)
        a_prev = a
    return zs, as_


def plain_cost(cost, a, y):
    if cost == "squared-error":
        return sum((aj - yj) ** 2 for aj, yj in zip(a, y))
    return sum(-(yj * math.log(aj) + (1 - yj) * math.log(1 - aj)) for aj, yj in zip(a, y))


def plain_gradients(shape, w, b, act, cost, x, y):
    """∂C/∂w_jk(l), ∂C/∂b_j(l) of one sample by the chain rule, one float at a time."""
    zs, as_ = plain_forward(shape, w, b, act, x)
    L = len(shape) - 1
    gw = [[[0.0] * shape[l] for _ in range(shape[l + 1])] for l in range(L)]
    gb = [[0.0] * shape[l + 1] for l in range(L)]
    if cost == "squared-error":
        dC_da = [2.0 * (aj - yj) for aj, yj in zip(as_[-1], y)]
        delta = [dC_da[j] * _act_prime(act, zs[-1][j]) for j in range(shape[-1])]
    else:  # cross-entropy after a sigmoid: the σ' cancels
        delta = [aj - yj for aj, yj in zip(as_[-1], y)]
    for l in range(L - 1, -1, -1):
        a_prev = x if l == 0 else as_[l - 1]
        for j in range(shape[l + 1]):
            gb[l][j] = delta[j]
            for k in range(shape[l]):
                gw[l][j][k] = delta[j] * a_prev[k]
        if l > 0:
            dC_da = [sum(w[l][j][k] * delta[j] for j in range(shape[l + 1]))
                     for k in range(shape[l])]
            delta = [dC_da[k] * _act_prime(act, zs[l - 1][k]) for k in range(shape[l])]
    return gw, gb


def nested(net):
    return [w.tolist() for w in net.w], [b.tolist() for b in net.b]


def plain_mean_cost(net, samples, flat_w, flat_b):
    moved = net.with_params(flat_w, flat_b)
    w, b = nested(moved)
    total = 0.0
    for x, y in zip(samples.x.tolist(), samples.y.tolist()):
        _, as_ = plain_forward(net.shape, w, b, net.activation.name, x)
        total += plain_cost(net.cost.name, as_[-1], y)
    return total / len(samples)


def five_point(f, theta):
    """f'(θ) by a five-point central difference (error O(h⁴))."""
    h = 1e-4 * max(1.0, abs(theta))
    return (-f(theta + 2 * h) + 8 * f(theta + h) - 8 * f(theta - h) + f(theta - 2 * h)) / (12 * h)


def numeric_gradient(net, samples, which, index):
    """∂C/∂θ of the flat parameter ``index`` of w or b, of the plain-Python mean cost."""
    params = {"w": np.array(net.flat_w), "b": np.array(net.flat_b)}

    def cost(t):
        moved = {k: v.copy() for k, v in params.items()}
        moved[which][index] = t
        return plain_mean_cost(net, samples, moved["w"], moved["b"])

    return five_point(cost, params[which][index])


def far_from_kinks(net, samples, margin=1e-3):
    """ReLU's derivative jumps at z = 0: finite differences need z away from it."""
    if net.activation is not RELU:
        return True
    fwd = net.forward(samples)
    return all(np.all(np.abs(z) > margin) for z in fwd.z)


def cases(kind, **sizes):
    """A sigmoid chain of 1 to 6 layers (parameters in [−3, 3]) and 1 to 5 samples, or a
    network (any activation and cost) and samples for it."""
    if kind == "chain":
        return st.tuples(chains(), samples(**sizes))
    return networks(**sizes)


# -- against the independent implementation and finite differences ------------------------


@pytest.mark.parametrize("kind, examples, atol, cost_rel", [
    ("chain", 100, 1e-15, 1e-12),
    # A sum of several products may round differently; log(1 − a) of a near 1 loses
    # digits in the plain cross-entropy.
    ("network", 80, 1e-14, 1e-9),
])
def test_forward_and_gradients_match_a_plain_python_implementation(kind, examples, atol,
                                                                   cost_rel):
    @settings(max_examples=examples, deadline=None)
    @given(cases(kind))
    def check(case):
        net, samples = case
        bp = trace(net, samples)
        fwd = bp.forward
        w, b = nested(net)
        for k, (x, y) in enumerate(zip(samples.x.tolist(), samples.y.tolist())):
            zs, as_ = plain_forward(net.shape, w, b, net.activation.name, x)
            gw, gb = plain_gradients(net.shape, w, b, net.activation.name, net.cost.name, x, y)
            assert fwd.cost[k] == pytest.approx(plain_cost(net.cost.name, as_[-1], y),
                                                rel=cost_rel, abs=1e-15)
            for l in range(net.layers):
                np.testing.assert_allclose(fwd.z[l][k], zs[l], rtol=1e-12, atol=atol)
                np.testing.assert_allclose(fwd.a[l][k], as_[l], rtol=1e-12, atol=atol)
                np.testing.assert_allclose(bp.dC_dw[l][k], gw[l], rtol=1e-9, atol=1e-12)
                np.testing.assert_allclose(bp.dC_db[l][k], gb[l], rtol=1e-9, atol=1e-12)

    check()


@pytest.mark.parametrize("kind, examples, rel, abs_", [
    ("chain", 100, 1e-7, 1e-10),
    ("network", 60, 1e-6, 1e-7),
])
def test_gradients_match_five_point_finite_differences(kind, examples, rel, abs_):
    @settings(max_examples=examples, deadline=None)
    @given(cases(kind))
    def check(case):
        net, samples = case
        assume(far_from_kinks(net, samples))
        bp = trace(net, samples)
        for which, analytic in (("w", bp.mean_flat_dC_dw), ("b", bp.mean_flat_dC_db)):
            for i in range(analytic.size):
                numeric = numeric_gradient(net, samples, which, i)
                assert analytic[i] == pytest.approx(numeric, rel=rel, abs=abs_), (which, i)

    check()


@given(chains(), samples())
def test_input_gradient_matches_finite_differences(chain, data):
    """∂C/∂x (dC_da_prev of the first layer), per sample, though x is never trained."""
    bp = trace(chain, data)
    for k in range(len(data)):
        def at(x, y=data.y[k : k + 1]):
            return chain.forward(Samples([[x]], y)).mean_cost

        numeric = five_point(at, float(data.x[k, 0]))
        assert bp.column("dC_da_prev")[k, 0] == pytest.approx(numeric, rel=1e-7, abs=1e-10)


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


def test_the_nudge_check_per_weight_agrees():
    net = random_network((2, 3, 2), 4)
    samples = net.samples([[0.1, 0.9], [0.4, 0.2]], [[1.0, 0.0], [0.0, 1.0]])
    bp = trace(net, samples)
    check = check_gradients(bp)
    assert check.dC_dw.shape == (12,) and check.dC_db.shape == (5,)
    per_layer_w, per_layer_b = check.layer_w(check.dC_dw), check.layer_b(check.dC_db)
    assert [c.shape for c in per_layer_w] == [(3, 2), (2, 3)]
    assert [c.shape for c in per_layer_b] == [(3,), (2,)]
    for l in range(2):
        np.testing.assert_allclose(per_layer_w[l], bp.mean_dC_dw[l], rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(per_layer_b[l], bp.mean_dC_db[l], rtol=1e-6, atol=1e-10)
    assert check.max_rel_error < 1e-6
    # One weight or bias nudged, named by its layer, neuron j and input k: the same.
    for layer in (1, 2):
        rows, cols = net.w[layer - 1].shape
        for j in range(1, rows + 1):
            one = nudge(net, samples, "b", layer, neuron=j)
            assert one.analytic == bp.mean_dC_db[layer - 1][j - 1]
            assert one.numeric == pytest.approx(per_layer_b[layer - 1][j - 1], rel=1e-9)
            for k in range(1, cols + 1):
                one = nudge(net, samples, "w", layer, neuron=j, input=k)
                assert one.analytic == bp.mean_dC_dw[layer - 1][j - 1, k - 1]
                assert one.numeric == pytest.approx(per_layer_w[layer - 1][j - 1, k - 1],
                                                    rel=1e-9)


# -- the factors of the chain rule ----------------------------------------------------


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


@settings(max_examples=60, deadline=None)
@given(networks(max_layers=4, max_width=4, max_inputs=4))
def test_the_terms_add_up_to_dC_da_prev_exactly(case):
    net, samples = case
    bp = trace(net, samples)
    for l in range(net.layers):
        terms = bp.dC_da_prev_terms[l]
        n, width, below = terms.shape
        assert (width, below) == net.w[l].shape
        for k in range(n):
            for i in range(below):
                total = terms[k, 0, i]
                for j in range(1, width):
                    total += terms[k, j, i]
                assert total == bp.dC_da_prev[l][k, i]
                for j in range(width):  # each term is w_ji·g'(z_j)·∂C/∂a_j (δ_j at the output)
                    assert terms[k, j, i] == pytest.approx(
                        net.w[l][j, i] * bp.dC_dz[l][k, j], rel=1e-15, abs=0)
        if l > 0:
            np.testing.assert_array_equal(bp.dC_da[l - 1], bp.dC_da_prev[l])


@settings(max_examples=60, deadline=None)
@given(networks(max_layers=4, max_width=4, max_inputs=4))
def test_the_matrix_form_equals_the_sums(case):
    """δ(l) = W(l+1)ᵀ·δ(l+1) ⊙ g'(z(l)), and ∂C/∂a(l) = W(l+1)ᵀ·δ(l+1)."""
    net, samples = case
    bp = trace(net, samples)
    for l in range(net.layers - 1):
        matrix = bp.dC_dz[l + 1] @ net.w[l + 1]  # row k: (W(l+1)ᵀ δ_k(l+1))ᵀ
        np.testing.assert_allclose(bp.dC_da[l], matrix, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(bp.dC_dz[l], matrix * bp.da_dz[l], rtol=1e-12, atol=1e-15)


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


# -- a width-1 network is the chain ----------------------------------------------


@settings(max_examples=80)
@given(st.sampled_from(PAIRS), st.data())
def test_the_chain_is_the_width_one_network_read_by_columns(pair, data):
    """Network.chain is the network of shape 1,1,…,1, and its columns (what the chain's
    screens read) are the per-layer factors of that network, layer l in column l."""
    activation, cost = pair
    layers = data.draw(st.integers(1, 10))
    w = data.draw(st.lists(finite(-3, 3), min_size=layers, max_size=layers))
    b = data.draw(st.lists(finite(-3, 3), min_size=layers, max_size=layers))
    n = data.draw(st.integers(1, 4))
    x = data.draw(st.lists(finite(-2, 2), min_size=n, max_size=n))
    lo = 0.0 if cost is CROSS_ENTROPY else -1.0
    y = data.draw(st.lists(finite(lo, 1), min_size=n, max_size=n))
    chain = Network.chain(w, b, activation, cost)
    net = Network((1,) * (layers + 1), w, b, activation, cost)
    assert chain.shape == net.shape == (1,) * (layers + 1) and chain.is_chain
    assert chain.flat_w.tolist() == w and chain.flat_b.tolist() == b
    assert [v.shape for v in chain.w] == [(1, 1)] * layers
    chain_data = Samples(x, y)
    assert chain_data.x.shape == chain_data.y.shape == (n, 1)
    chain_bp = trace(chain, chain_data)
    bp = trace(net, net.samples([[v] for v in x], [[v] for v in y]))
    same = np.testing.assert_array_equal

    fwd, chain_fwd = bp.forward, chain_bp.forward
    same(fwd.cost, chain_fwd.cost)
    for l in range(layers):
        same(fwd.z[l][:, 0], chain_fwd.column("z")[:, l])
        same(fwd.a[l][:, 0], chain_fwd.column("a")[:, l])
        same(fwd.a_prev(l)[:, 0], chain_fwd.column("a_prev")[:, l])
        for name in ("dC_da", "da_dz", "dC_dz", "dC_db", "dC_da_prev"):
            same(getattr(bp, name)[l][:, 0], chain_bp.column(name)[:, l])
        same(bp.dC_dw[l][:, 0, 0], chain_bp.column("dC_dw")[:, l])
        same(bp.dz_dw(l)[:, 0], chain_bp.column("dz_dw")[:, l])
        same(chain_bp.column("dz_db")[:, l], np.ones(n))
        same(chain_bp.column("dz_da_prev")[:, l], np.full(n, w[l]))
        same(bp.mean_dC_dw[l][0, 0], chain_bp.mean_flat_dC_dw[l])
        same(bp.mean_dC_db[l][0], chain_bp.mean_flat_dC_db[l])


def test_only_a_chain_has_columns():
    fwd = random_network((2, 2, 1), 1).forward(xor_samples())
    for name in ("z", "a", "a_prev"):
        with pytest.raises(ModelError, match="one column per layer needs a chain"):
            fwd.column(name)
    bp = fwd.backward()
    for name in (*FACTOR_NAMES, "dC_dz"):
        with pytest.raises(ModelError, match="one column per layer needs a chain"):
            bp.column(name)


def test_a_width_one_random_start_is_the_chains():
    for layers, seed in ((3, 0), (5, 7), (10, 123)):
        net = random_network((1,) * (layers + 1), seed)
        w, b = defaults.random_start(layers, seed)
        assert net.flat_w.tolist() == list(w) and net.flat_b.tolist() == list(b)


def test_the_random_start_is_reproducible_and_depends_on_the_seed():
    a, b, c = random_network((2, 3, 1), 5), random_network((2, 3, 1), 5), random_network(
        (2, 3, 1), 6)
    assert a.flat_w.tolist() == b.flat_w.tolist() and a.flat_b.tolist() == b.flat_b.tolist()
    assert a.flat_w.tolist() != c.flat_w.tolist()
    assert np.all(np.abs(a.flat_w) >= 0.2) and np.all(np.abs(a.flat_b) <= 0.5)


# -- steps and training ---------------------------------------------------------------


@given(chains(), samples(), st.floats(1e-3, 2))
def test_step_moves_every_parameter_against_its_gradient(chain, data, lr):
    bp = trace(chain, data)
    new = chain.step(bp, lr)
    np.testing.assert_array_equal(new.flat_w, chain.flat_w - lr * bp.mean_flat_dC_dw)
    np.testing.assert_array_equal(new.flat_b, chain.flat_b - lr * bp.mean_flat_dC_db)


@settings(max_examples=30, deadline=None)
@given(networks(), st.floats(0.01, 1.0), st.integers(1, 6))
def test_the_trainer_takes_the_same_steps_as_traced_steps(case, lr, steps):
    net, samples = case
    trainer = Trainer(net, samples, lr, 1)
    result = trainer.run(steps)
    assume(result.divergence is None)
    for k in range(steps):
        net = net.step(trace(net, samples.batch(k, 1)), lr)
    got = trainer.network
    np.testing.assert_allclose(got.flat_w, net.flat_w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.flat_b, net.flat_b, rtol=1e-9, atol=1e-12)


XOR_SEED, XOR_LR, XOR_STEPS = 3, 2.0, 5000
"""A start that learns XOR: shape 2,2,1, sigmoid, squared error, full batch."""


def test_training_learns_xor():
    samples = xor_samples()
    trainer = Trainer(random_network((2, 2, 1), XOR_SEED), samples, XOR_LR)
    before = trainer.network.forward(samples).a[-1].ravel()
    assert not np.array_equal(before > 0.5, samples.y.ravel() > 0.5)
    result = trainer.run(XOR_STEPS)
    assert result.steps == XOR_STEPS and result.divergence is None
    out = trainer.network.forward(samples).a[-1].ravel()
    np.testing.assert_array_equal(out > 0.5, samples.y.ravel() > 0.5)
    assert trainer.history.last is not None and trainer.mean_cost() < trainer.history.thinned(
        10).first[0]


def test_equal_weights_stay_equal():
    """Two hidden neurons that start alike get identical gradients: they never part."""
    net = Network((2, 2, 1), [0.5] * 6, [0.1] * 3)
    samples = xor_samples()
    bp = trace(net, samples)
    np.testing.assert_array_equal(bp.mean_dC_dw[0][0], bp.mean_dC_dw[0][1])
    assert bp.mean_dC_db[0][0] == bp.mean_dC_db[0][1]
    trainer = Trainer(net, samples, 2.0)
    trainer.run(500)
    w = trainer.network.w
    np.testing.assert_array_equal(w[0][0], w[0][1])
    assert w[1][0, 0] == w[1][0, 1]


# -- numbers at the edges, and refusals -----------------------------------------------


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


@pytest.mark.parametrize("shape, message", [
    ((2,), "at least one layer"),
    ((65, 1), "1 to 64"),
    ((2, 65, 1), "layer 1 has 65 neurons"),
    ((2, 0, 1), "layer 1 has 0 neurons"),
    ((1,) * 12, "11 layers"),
])
def test_bad_shapes_are_refused(shape, message):
    with pytest.raises(ModelError, match=message):
        Network(shape, [0.0] * weight_count(shape[:2] if len(shape) > 1 else (1, 1)), [0.0])


def test_counts_say_how_many_were_expected():
    with pytest.raises(ModelError, match=r"shape 2,2,1 needs 6 weights \(2·2 \+ 1·2\), got 5"):
        Network((2, 2, 1), [0.1] * 5, [0.0] * 3)
    with pytest.raises(ModelError, match=r"needs 3 biases \(2 \+ 1\), got 2"):
        Network((2, 2, 1), [0.1] * 6, [0.0] * 2)
    with pytest.raises(ModelError, match="each sample needs 2 inputs, got 3"):
        Samples([[0.1, 0.2, 0.3]], [[1.0]], inputs=2)


def test_cross_entropy_takes_one_sigmoid_output_only():
    with pytest.raises(ModelError, match="one sigmoid output.*2 outputs"):
        Network((2, 2, 2), [0.1] * 8, [0.0] * 4, SIGMOID, CROSS_ENTROPY)
    with pytest.raises(ModelError, match="sigmoid"):
        Network((2, 2, 1), [0.1] * 6, [0.0] * 3, TANH, CROSS_ENTROPY)
    Network((2, 2, 1), [0.1] * 6, [0.0] * 3, SIGMOID, CROSS_ENTROPY)


def test_several_outputs_sum_their_costs():
    net = Network((1, 2), [0.3, -0.7], [0.1, 0.2])
    samples = net.samples([[0.5]], [[1.0, 0.0]])
    fwd = net.forward(samples)
    a = fwd.a[-1][0]
    assert fwd.cost[0] == pytest.approx((a[0] - 1.0) ** 2 + a[1] ** 2, rel=1e-15)
