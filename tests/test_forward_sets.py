"""The one forward pass: many parameter sets at once equal each chain's own pass."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from backprop_tui.model import ACTIVATIONS, Network, mean_costs, outputs
from backprop_tui.model.landscape import parameter_sets
from backprop_tui.model.network import forward_sets

from .strategies import chains, samples


@given(chains(max_layers=5), samples(max_size=6, y_low=0, y_high=1),
       st.lists(st.tuples(st.sampled_from("wb"), st.integers(0, 9), st.floats(-3, 3)),
                min_size=1, max_size=5),
       st.sampled_from(list(ACTIVATIONS)))
def test_each_set_equals_its_own_chain(chain, data, changes, activation):
    chain = Network.chain(chain.flat_w, chain.flat_b, ACTIVATIONS[activation])
    which = [name for name, _, _ in changes]
    index = [i % chain.layers for _, i, _ in changes]
    w, b = parameter_sets(chain, which, index, [value for _, _, value in changes])
    z, a, cost = forward_sets(chain, w, b, data.x, data.y)
    assert len(z) == len(a) == chain.layers
    for layer in (*z, *a):
        assert layer.shape == (len(changes), len(data), 1)
    assert cost.shape == (len(changes), len(data))
    for p, (name, i, value) in enumerate(zip(which, index, (v for *_, v in changes))):
        params = {"w": chain.flat_w.copy(), "b": chain.flat_b.copy()}
        params[name][i] = value
        one = chain.with_params(params["w"], params["b"]).forward(data)
        for l in range(chain.layers):
            np.testing.assert_array_equal(z[l][p], one.z[l])
            np.testing.assert_array_equal(a[l][p], one.a[l])
        np.testing.assert_array_equal(cost[p], one.cost)
    np.testing.assert_array_equal(mean_costs(chain, data, w, b), cost.mean(axis=1))


@given(chains(max_layers=4), st.lists(st.floats(-3, 3), min_size=1, max_size=7))
def test_the_output_over_x_is_the_last_activation(chain, x):
    from backprop_tui.model import Samples

    one = chain.forward(Samples(x, x))
    np.testing.assert_array_equal(outputs(chain, np.array(x)), one.column("a")[:, -1])
    assert outputs(chain, np.array(x[0])).shape == ()
