"""The fast training step for every shape (a chain is the network of width 1), both ways
(Python floats, numpy), held to the plain step."""

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from backprop_tui.model import (
    ACTIVATIONS,
    COSTS,
    CROSS_ENTROPY,
    SIGMOID,
    TANH,
    Network,
    NonFiniteError,
    Samples,
    Trainer,
    fast_step,
    trace,
)
from backprop_tui.model.fast_step import uses_floats
from backprop_tui.model.network import bias_count, weight_count

from .plain import plain_steps
from .strategies import chains, networks, samples

PAIRS = ["sigmoid/squared-error", "tanh/squared-error", "relu/squared-error",
         "sigmoid/cross-entropy"]
PATHS = {
    "floats": {"FLOAT_US_PER_SAMPLE_PARAMETER": 0.0, "FLOAT_US_PER_SAMPLE": 0.0},
    "numpy": {"NUMPY_US_PER_STEP": -1.0, "NUMPY_US_PER_LAYER": 0.0},
}
"""fast_step's costs forcing one way: every batch on floats (they cost nothing), or none
(numpy costs less than nothing)."""

zs = st.floats(allow_nan=False, allow_infinity=False) | st.floats(-50, 50) | st.sampled_from(
    [0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 40.0, -40.0, 709.0, -709.0, 745.0, -745.0,
     math.inf, -math.inf])

values = st.sampled_from([0.0, 1e-3, 0.5, 3.0, 1e5, 1e100, 1e200, 1e300, 1.7e308]).flatmap(
    lambda m: st.sampled_from([m, -m]))
"""Parameters and inputs from tiny to the largest float, either sign."""


def functions(pair: str):
    """The activation and the cost named ``"activation/cost"``."""
    act, cost = pair.split("/")
    return ACTIVATIONS[act], COSTS[cost]


def forced(path: str):
    return mock.patch.multiple("backprop_tui.model.fast_step", **PATHS[path])


@st.composite
def chain_cases(draw):
    """A chain of 1 to 5 layers (parameters in [−3, 3]), any activation and cost, and 1 to
    6 samples for it."""
    act, cost = functions(draw(st.sampled_from(PAIRS)))
    chain = draw(chains(max_layers=5))
    data = draw(samples(max_size=6))
    if cost is CROSS_ENTROPY:
        data = Samples(data.x, np.clip(np.abs(data.y), 0, 1))
    return Network.chain(chain.flat_w, chain.flat_b, act, cost), data


@st.composite
def extreme_chain_cases(draw):
    """A chain of 1 to 3 layers and 1 to 3 inputs drawn from ``values``, every activation
    with the squared error, targets 0.5."""
    act, _ = functions(draw(st.sampled_from(PAIRS[:3])))
    n = draw(st.integers(1, 3))
    w, b = (draw(st.lists(values, min_size=n, max_size=n)) for _ in range(2))
    x = draw(st.lists(values, min_size=1, max_size=3))
    return Network.chain(w, b, act), Samples(x, [0.5] * len(x))


def wide_cases(values=None):
    """A network of 1 to 10 layers of 1 to 4 neurons (1 to 4 inputs), any activation
    and cost, and 1 to 6 samples for it."""
    return networks(max_layers=10, max_width=4, max_inputs=4, max_samples=6, values=values)


def run_scalar(template: str, **values: float) -> dict[str, float]:
    """Run a scalar template on floats; the names it sets."""
    names = {"exp": math.exp, "log1p": math.log1p, "tanh": math.tanh}
    lines = fast_step._fill(template, t="_t", **{k: k for k in ("z", "a", "y", "d", "c", "g")})
    exec("\n".join(lines), names, values)
    return values


def close(got: float, want: float, scale: float = 0.0) -> bool:
    """Equal, or a few units in the last place apart (numpy's and math's exp may differ).

    ``scale``: the size of the terms a difference was taken of, if larger.
    """
    if math.isnan(want):
        return math.isnan(got)
    return got == want or abs(got - want) <= 4 * math.ulp(max(abs(want), abs(got), scale))


# -- the statements of the float loop, one number at a time ------------------------------


@given(zs, st.sampled_from(list(ACTIVATIONS)))
def test_each_activation_one_number_at_a_time_is_its_numpy_rule(z, name):
    act = ACTIVATIONS[name]
    arr = np.array([z])
    with np.errstate(all="ignore"):
        a = act.forward(arr)
        d = act.derivative(arr, a)
        both = act.forward_and_derivative(arr)
    np.testing.assert_array_equal(both[0], a)  # one call: the same numbers as two
    np.testing.assert_array_equal(both[1], d)
    got = run_scalar(act.scalar, z=z)
    assert close(got["a"], float(a[0])), (got["a"], a)
    assert close(got["d"], float(d[0])), (got["d"], d)


@given(st.floats(-745, 745), st.floats(0, 1), st.sampled_from(list(COSTS)))
def test_each_cost_one_number_at_a_time_is_its_numpy_rule(z, y, name):
    cost = COSTS[name]
    a = float(SIGMOID.forward(np.array([z]))[0])
    arrays = (np.array([a]), np.array([y]), np.array([z]))
    with np.errstate(all="ignore"):
        value = float(cost.value(*arrays)[0])
    assert close(run_scalar(cost.scalar_value, a=a, y=y, z=z)["c"], value)
    if cost.scalar_gradient:
        gradient = float(cost.gradient(*arrays)[0])
        both = cost.scalar_value + cost.scalar_gradient  # the gradient may use the value's
        assert close(run_scalar(both, a=a, y=y, z=z)["g"], gradient)
    cancel = cost.cancels(SIGMOID)
    if cancel is not None:
        with np.errstate(all="ignore"):
            dz = float(cancel.dC_dz(*arrays)[0])
        # (1−y)·σ(z) − y·σ(−z): a difference of two terms, each at most 1.
        assert close(run_scalar(cancel.scalar, a=a, y=y, z=z)["g"], dz, scale=1.0)


def test_every_pair_trains_on_floats():
    for act in ACTIVATIONS.values():
        for cost in COSTS.values():
            if cost is not CROSS_ENTROPY or act is SIGMOID:
                assert fast_step.can_use_floats(act, cost), (act.name, cost.name)


@given(st.lists(zs, min_size=1, max_size=40))
def test_the_sigmoid_into_rows_is_the_sigmoids_rule_bit_for_bit(values):
    z = np.array(values)
    with np.errstate(all="ignore"):
        want_a, want_d = SIGMOID.forward_and_derivative(z)
        a, d = fast_step.SigmoidScratch(z.size).rows(z, np.empty(z.size), np.empty(z.size))
    np.testing.assert_array_equal(a.view(np.int64), want_a.view(np.int64))
    np.testing.assert_array_equal(d.view(np.int64), want_d.view(np.int64))


plain_zs = st.floats(-fast_step.PLAIN_SIGMOID_Z, fast_step.PLAIN_SIGMOID_Z) | st.sampled_from(
    [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 36.0, -36.0, 40.0, -40.0,
     fast_step.PLAIN_SIGMOID_Z, -fast_step.PLAIN_SIGMOID_Z])


@given(st.lists(plain_zs, min_size=1, max_size=40))
def test_the_plain_sigmoid_is_the_rule_within_its_bound(values):
    # 1/(1 + e^(−z)) and (e^(−z)·σ)·σ: for z ≥ 0 the rule's operations, bit for bit;
    # for z < 0 a few units in the last place from the rule's e^z/(1 + e^z), every
    # value a normal float, and nothing overflows or underflows on the way.
    z = np.array(values)
    want_a, want_d = SIGMOID.forward_and_derivative(z)
    a, d = np.empty(z.size), np.empty(z.size)
    with np.errstate(all="raise"):
        fast_step.plain_sigmoid_rows(-z, a, d)
    up = z >= 0.0  # −0 too: e^(−|z|) = 1 either way
    np.testing.assert_array_equal(a[up].view(np.int64), want_a[up].view(np.int64))
    np.testing.assert_array_equal(d[up].view(np.int64), want_d[up].view(np.int64))
    assert (np.abs(a - want_a) <= 8 * np.spacing(want_a)).all()
    assert (np.abs(d - want_d) <= 8 * np.spacing(want_d)).all()
    assert (a >= np.finfo(float).tiny).all() and (d >= np.finfo(float).tiny).all()


@pytest.mark.parametrize("w, b, lr, plain_steps_taken", [
    ([0.7, -1.3, 0.9], [0.1, -0.2, 0.3], 0.5, 5),  # every |z| within the bound
    ([400.0, -1.3, 0.9], [0.0, 0.1, -0.2], 0.5, 0),  # z(1) = ±800 at x = ±2: σ = 0, 1, σ' = 0
    ([0.7, 400.0, 0.9], [0.1, -0.2, 0.3], 0.5, 0),  # z(2) may be beyond it
    ([0.7, -1.3, 0.9], [0.1, -0.2, 0.3], 1e4, None),  # η = 1e4 takes b past it at once
], ids=["within", "z1-800", "z2-beyond", "crossing"])
def test_a_chain_takes_the_plain_sigmoid_only_within_its_bound(w, b, lr, plain_steps_taken):
    rng = np.random.default_rng(7)
    x = np.r_[-2.0, 2.0, rng.uniform(-2, 2, 298)]
    data = Samples(x, 0.5 + 0.4 * np.sin(2 * x))
    chain = Network.chain(w, b)
    assert not uses_floats(chain.shape, chain.activation, chain.cost, 300)
    with mock.patch.object(fast_step, "plain_sigmoid_rows",
                           wraps=fast_step.plain_sigmoid_rows) as plain:
        trainer = Trainer(chain, data, lr, 300)
        result = trainer.run(5)  # a RuntimeWarning here fails the test suite
    assert result.divergence is None
    taken = plain.call_count // 3  # a call a layer
    if plain_steps_taken is None:
        assert 0 < taken < 5  # the bound held at first, not at the end
        net = trainer.network
        assert np.abs(np.r_[net.flat_w, net.flat_b]).max() > fast_step.PLAIN_SIGMOID_Z / 2
    else:
        assert taken == plain_steps_taken
    expected, losses = plain_steps(chain, data, lr, 300, 5)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trainer.history.thinned(10).first, losses, rtol=1e-12)


def wide_start(shape, first=None, later=None):
    """A network of ``shape`` (sigmoid, squared error) with small parameters, but for the
    first neuron's (w, w, b) = ``first`` and the first weight of layer 2 = ``later``,
    and 337 samples, the first two x = (2, −2) and (−2, 2): every |x_k| ≤ 2."""
    rng = np.random.default_rng(11)
    w = rng.normal(0, 0.5, weight_count(shape))
    b = rng.normal(0, 0.3, bias_count(shape))
    if first is not None:
        w[:2], b[0] = first[:2], first[2]
    if later is not None:
        w[shape[0] * shape[1]] = later
    net = Network(shape, w, b)
    x = np.r_[[[2.0, -2.0], [-2.0, 2.0]], rng.uniform(-2, 2, (335, 2))]
    return net, net.samples(x, 0.5 + 0.4 * np.sin(x.sum(axis=1, keepdims=True)
                                                  * np.arange(1, shape[-1] + 1)))


EDGE = fast_step.PLAIN_SIGMOID_Z / 4  # 175·2 + 175·2 + 0 = 700 = the bound, exactly


@pytest.mark.parametrize("shape", [(2, 3, 3, 1), (2, 3, 2)])
@pytest.mark.parametrize("first, later, lr, batch, steps, plain_steps_taken", [
    (None, None, 0.5, 300, 5, 5),  # every |z| within the bound; batches 2 to 5 wrap
    (None, None, 0.5, 337, 5, 5),  # the whole set each step
    ((EDGE, -EDGE, 0.0), None, 0.5, 300, 1, 1),  # z(1) = ±700 at the first two x
    ((EDGE, -EDGE, math.ulp(700.0)), None, 0.5, 300, 1, 0),  # one ulp beyond
    ((200.0, -200.0, 0.0), None, 0.5, 300, 5, 0),  # z(1) = ±800: σ = 0, 1, σ' = 0
    (None, 800.0, 0.5, 300, 5, 0),  # z(2) may be beyond it
    (None, None, 1e4, 300, 5, None),  # η = 1e4 takes the parameters past it
], ids=["within", "whole-set", "edge", "past-edge", "z1-800", "z2-beyond", "crossing"])
def test_a_network_takes_the_plain_sigmoid_only_within_its_bound(
        shape, first, later, lr, batch, steps, plain_steps_taken):
    net, data = wide_start(shape, first, later)
    assert not uses_floats(shape, net.activation, net.cost, batch)
    layers = len(shape) - 1
    with (mock.patch.object(fast_step, "plain_sigmoid_rows",
                            wraps=fast_step.plain_sigmoid_rows) as plain,
          mock.patch.object(fast_step, "numpy_network_steps",
                            wraps=fast_step.numpy_network_steps) as numpy_way):
        trainer = Trainer(net, data, lr, batch)
        result = trainer.run(steps)  # a RuntimeWarning here fails the test suite
    assert result.divergence is None and result.steps == steps
    taken = plain.call_count // layers  # a call a layer
    # Where the bound fails, the steps go back to numpy_network_steps, by the rule.
    handed = [call for call in numpy_way.call_args_list if call.kwargs.get("plain") is False]
    if plain_steps_taken is None:
        assert 0 < taken < steps  # the bound held at first, not at the end
        assert len(handed) == 1 and handed[0].args[9] == taken  # from step k0 + taken
    else:
        assert taken == plain_steps_taken
        assert len(handed) == (taken < steps)
    if first is not None and first[0] == EDGE:  # z(1) at the bound for the first x, or past
        z1 = data.x[:2] @ np.array(first[:2]) + first[2]
        assert list(z1) == [700.0 + first[2], -700.0 + first[2]]
    expected, losses = plain_steps(net, data, lr, batch, steps)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trainer.history.thinned(10).first, losses, rtol=1e-12)
    assert np.abs(expected.flat_w - net.flat_w).max() > 1e-4  # the steps moved


def test_a_network_within_the_bound_stops_where_an_update_would_not_be_finite():
    # Targets of 1e10 and η = 1e300, every |z| within the bound: the first step would
    # move a parameter past the largest float, so none is taken.
    net, data = wide_start((2, 3, 3, 1))
    data = net.samples(data.x, np.full((len(data), 1), 1e10))
    with mock.patch.object(fast_step, "plain_sigmoid_rows",
                           wraps=fast_step.plain_sigmoid_rows) as plain:
        result = Trainer(net, data, 1e300, 300).run(3)
    assert plain.call_count == 3  # the one step tried, on the plain sigmoid
    assert result.steps == 0 and result.divergence.what == "the updated parameters"
    with pytest.raises(NonFiniteError):
        net.step(trace(net, data.batch(0, 300)), 1e300)


# -- both ways against repeated plain steps ------------------------------------------------

TOLERANCES = {"chain": (1e-10, 1e-13, 1e-12, 1e-14), "network": (1e-9, 1e-12, 1e-10, 1e-13)}
"""rtol and atol of the parameters, rtol and atol of the losses, as each kind was held to
before the chain and the network were one model."""


@pytest.mark.parametrize("kind, examples", [("chain", 60), ("network", 150)])
def test_both_ways_equal_repeated_plain_steps(kind, examples):
    cases = chain_cases() if kind == "chain" else wide_cases()

    @settings(max_examples=examples)
    @given(cases, st.sampled_from(list(PATHS)), st.integers(1, 6),
           st.integers(1, 8 if kind == "chain" else 6), st.floats(0.01, 1.0))
    def check(case, path, batch, steps, lr):
        net, samples = case
        batch = min(batch, len(samples))
        try:
            expected, losses = plain_steps(net, samples, lr, batch, steps)
        except NonFiniteError:
            assert kind == "network"  # a chain in [−3, 3] cannot overflow
            assume(False)  # a ReLU network can; the next test covers stopping
        with forced(path):
            trainer = Trainer(net, samples, lr, batch)
            result = trainer.run(steps)
        assert result.divergence is None and result.steps == steps
        got = trainer.network
        rtol, atol, loss_rtol, loss_atol = TOLERANCES[kind]
        np.testing.assert_allclose(got.flat_w, expected.flat_w, rtol=rtol, atol=atol)
        np.testing.assert_allclose(got.flat_b, expected.flat_b, rtol=rtol, atol=atol)
        # A loss (a − y)² near 0 is a difference of near-equal numbers: one ulp of
        # a (math's and numpy's exp and tanh may differ there) moves it by ~1e-16.
        np.testing.assert_allclose(trainer.history.thinned(1000).first, losses,
                                   rtol=loss_rtol, atol=loss_atol)

    check()


@pytest.mark.parametrize("kind, examples", [("chain", 100), ("network", 150)])
def test_both_ways_stop_where_the_plain_step_refuses(kind, examples):
    cases = extreme_chain_cases() if kind == "chain" else wide_cases(values=values)

    @settings(max_examples=examples)
    @given(cases, st.sampled_from(list(PATHS)), st.sampled_from([1e-3, 0.5, 1e10, 1e300]),
           st.integers(1, 3), st.integers(1, 4))
    def check(case, path, lr, batch, steps):
        net, samples = case
        batch = min(batch, len(samples))
        with forced(path):
            trainer = Trainer(net, samples, lr, batch)
            result = trainer.run(steps)  # a RuntimeWarning here fails the test suite
        kept = trainer.network  # Network() refuses non-finite parameters
        assert result.steps == trainer.steps_done == len(trainer.history)
        expected = net
        for k in range(result.steps):
            try:
                bp = trace(expected, samples.batch(k, batch))
            except NonFiniteError as exc:
                # A factor no step uses overflowed, so training goes on: ∂C/∂x, or
                # ∂C/∂a at an output whose cost cancels g' (∂C/∂z is taken directly).
                unused = ("∂C/∂a(l−1) ",) + (("∂C/∂a is",) if net.cancellation else ())
                assert str(exc).startswith(unused), exc
                assume(False)
            expected = expected.step(bp, lr)
        event("diverged" if result.divergence else "finished")
        if result.divergence is None:
            assert result.steps == steps
        else:
            assert result.divergence.step == result.steps + 1
            with pytest.raises(NonFiniteError):
                kept.step(trace(kept, samples.batch(result.steps, batch)), lr)
        # A chain is held to rtol alone; a network's sums may round differently, by up
        # to its largest parameter's last bits.
        scale = max(1.0, *np.abs(expected.flat_w), *np.abs(expected.flat_b))
        atol = 0.0 if kind == "chain" else 1e-12 * scale
        np.testing.assert_allclose(kept.flat_w, expected.flat_w, rtol=1e-9, atol=atol)
        np.testing.assert_allclose(kept.flat_b, expected.flat_b, rtol=1e-9, atol=atol)

    check()


def large_batches():
    """Starts, samples, batch size and steps of batches on numpy; the batches wrap around
    the end of the samples."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 700)
    data = Samples(x, 0.5 + 0.4 * np.sin(2 * x))
    for pair in PAIRS:
        # From fast_step.LONG_ROWS samples on, the sigmoid and the squared error
        # run into rows allocated once; the last bias of the second chain is beyond
        # HUGE, so that every z is checked there (where the plain step can take it).
        act, cost = functions(pair)
        biases = [[0.1, -0.2, 0.3]] + [[0.1, -0.2, 5e307]] * (
            act.bounded and cost is not CROSS_ENTROPY)
        starts = [Network.chain([0.7, -1.3, 0.9], b, act, cost) for b in biases]
        yield pytest.param(starts, data, 300, 5, id=f"chain-{pair}")  # batches 3, 5 wrap
    for shape, batch in (((3, 4, 2), 200), ((2, 2, 1), 1000)):
        rng = np.random.default_rng(len(shape) + batch)
        net = Network(shape, rng.normal(0, 1, weight_count(shape)),
                      rng.normal(0, 0.5, bias_count(shape)))
        x = rng.uniform(-2, 2, (batch + 37, shape[0]))
        wide = net.samples(x, 0.5 + 0.4 * np.sin(x.sum(axis=1, keepdims=True)
                                                 * np.arange(1, shape[-1] + 1)))
        yield pytest.param([net], wide, batch, 12, id=",".join(map(str, shape)))


@pytest.mark.parametrize("starts, data, batch, steps", large_batches())
def test_large_batches_on_numpy_equal_repeated_plain_steps(starts, data, batch, steps):
    for net in starts:
        assert not uses_floats(net.shape, net.activation, net.cost, batch)  # numpy's
        trainer = Trainer(net, data, 0.5, batch)
        trainer.run(steps)
        expected, losses = plain_steps(net, data, 0.5, batch, steps)
        rtol, atol = (1e-12, 1e-14) if net.is_chain else (1e-10, 1e-13)
        np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=rtol,
                                   atol=atol)
        np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=rtol,
                                   atol=atol)
        np.testing.assert_allclose(trainer.history.thinned(100).first, losses, rtol=1e-12)
        if not net.is_chain:
            assert np.abs(expected.flat_w - net.flat_w).max() > 1e-4  # the steps moved


@pytest.mark.parametrize("pair", PAIRS)
def test_a_chain_on_numpy_checks_z_where_its_bounds_fail(pair):
    # One x of 1e300, in the third batch only: |w1|·max|x| overflows from the start, so
    # z(1) is checked on the rows, and training goes on until that batch (z = ±inf there).
    act, cost = functions(pair)
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, 700)
    x[650] = 1e300
    data = Samples(x, np.clip(0.5 + 0.4 * np.sin(2 * x), 0.0, 1.0))
    chain = Network.chain([1e10, -1.3, 0.9], [0.1, -0.2, 0.3], act, cost)
    assert not uses_floats(chain.shape, act, cost, 300)
    with mock.patch.object(fast_step, "numpy_chain_steps",
                           wraps=fast_step.numpy_chain_steps) as chain_way:
        trainer = Trainer(chain, data, 1e-3, 300)
        result = trainer.run(4)
    assert chain_way.called
    assert result.steps == 2 and result.divergence.step == 3 and result.divergence.what == "z"
    expected, losses = plain_steps(chain, data, 1e-3, 300, 2)
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trainer.network.flat_b, expected.flat_b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trainer.history.thinned(10).first, losses, rtol=1e-12)
    with pytest.raises(NonFiniteError):
        expected.forward(data.batch(2, 300))


def test_a_chain_on_numpy_stops_where_an_update_would_not_be_finite():
    # Targets of 1e10 and η = 1e300: the first step would move a parameter past the
    # largest float (∂C/∂b(3) is about 1e9), so none is taken.
    x = np.linspace(-2, 2, 400)
    data = Samples(x, np.full(400, 1e10))
    chain = Network.chain([0.7, -1.3, 0.9], [0.1, -0.2, 0.3])
    result = Trainer(chain, data, 1e300, 300).run(3)
    assert result.steps == 0 and result.divergence.what == "the updated parameters"
    with pytest.raises(NonFiniteError):
        chain.step(trace(chain, data.batch(0, 300)), 1e300)


def test_parameters_past_the_limit_hand_the_steps_to_numpy():
    # |w| of layer 2 beyond limit(): the float loop cannot vouch for z(2), numpy takes over.
    shape = (2, 4, 1)
    big = 2.0 * fast_step.limit(shape)
    net = Network(shape, [0.1] * 8 + [big, -big, 0.0, 0.0], [0.0] * 5, TANH)
    samples = net.samples([[0.5, 0.2], [0.1, 0.3]], [[0.0], [1.0]])
    assert uses_floats(shape, TANH, net.cost, 1)
    with mock.patch.object(fast_step, "numpy_network_steps",
                           wraps=fast_step.numpy_network_steps) as numpy_way:
        trainer = Trainer(net, samples, 1e-3, 1)
        result = trainer.run(3)
    assert numpy_way.called
    expected, _ = plain_steps(net, samples, 1e-3, 1, result.steps)
    assert result.divergence is None or "z" not in result.divergence.what
    np.testing.assert_allclose(trainer.network.flat_w, expected.flat_w, rtol=1e-12)


def test_the_limit_keeps_every_z_past_the_first_layer_finite():
    for fan_in in range(1, 5):
        shape = (1, fan_in, 1)
        top = fast_step.limit(shape)
        assert np.isfinite(fan_in * top + top)  # every |w|·|a| ≤ limit, |a| ≤ 1, and the bias
    assert fast_step.limit((1, 1, 1)) == fast_step.HUGE  # the chain's


# -- which way, and the source of the float loop ------------------------------------------


@pytest.mark.parametrize("shape, floats_up_to, numpy_from", [
    # A chain's numpy step works on flat rows (numpy_chain_steps): the floats win up
    # to 31 to 45 samples.
    ((1, 1), 30, 50),
    ((1,) * 4, 30, 50),
    ((1,) * 11, 30, 50),
    ((2, 2, 1), 16, 1024),
    ((4,) * 11, 0, 32),
])
def test_the_floats_run_while_they_cost_less_than_numpy(shape, floats_up_to, numpy_from):
    sq = COSTS["squared-error"]
    chosen = [uses_floats(shape, SIGMOID, sq, size) for size in range(1, 200)]
    last = chosen.index(False)  # floats up to a batch size, numpy from there on
    assert all(chosen[:last]) and not any(chosen[last:])
    # Where the two cost the same by fast_step's measured costs: a float step
    # costs so much per sample and parameter (a chain has 2L) and per sample, a
    # numpy step so much and so much a layer.
    layers = len(shape) - 1
    parameters = sum(shape[l] * (shape[l - 1] + 1) for l in range(1, len(shape)))
    if set(shape) == {1}:
        assert parameters == 2 * layers
    per_sample = (fast_step.FLOAT_US_PER_SAMPLE_PARAMETER * parameters
                  + fast_step.FLOAT_US_PER_SAMPLE)
    if set(shape) == {1}:
        numpy = fast_step.NUMPY_CHAIN_US_PER_STEP + fast_step.NUMPY_CHAIN_US_PER_LAYER * layers
    else:
        numpy = fast_step.NUMPY_US_PER_STEP + fast_step.NUMPY_US_PER_LAYER * layers
    assert last * per_sample <= numpy < (last + 1) * per_sample, (shape, last)
    assert floats_up_to <= last < numpy_from, (shape, last)
    assert not uses_floats(shape, SIGMOID, sq, 1024)


@pytest.mark.parametrize("shape, single, lines, absent", [
    ((1,) * 4, False, ["z3 = w3 * a2 + b3", "exp(-z1)", "for a0, y, in rows[s : s + size]:"],
     ["z4"]),
    ((2, 2, 1), False, ["z1_1 = w1_1_0 * a0_0 + w1_1_1 * a0_1 + b1_1",
                        "z2 = w2_0_0 * a1_0 + w2_0_1 * a1_1 + b2",
                        "delta1_1 = delta * w2_0_1 * d1_1"], []),
    ((1, 3, 2), True, ["delta1_2 = (delta2_0 * w2_0_2 + delta2_1 * w2_1_2) * d1_2",
                       "loss += c0 + c1"], []),
], ids=["chain", "2,2,1", "1,3,2-single"])
def test_the_float_loop_spells_out_every_sum(shape, single, lines, absent):
    source = fast_step.loop_source(shape, SIGMOID, COSTS["squared-error"], single=single)
    for line in lines:
        assert line in source, line
    for name in absent:
        assert name not in source, name
    compile(source, "<test>", "exec")
